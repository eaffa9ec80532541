"""Compare gradient descent, momentum, RMSprop and Adam on 001's reference problem (digits).

Every optimizer starts from the same parameters and sees the same mini-batches (same key), so
the rows differ by the update rule alone: 001_602cbf05fdb6a620.txt Defs 6.4–6.7 (mini-batch
gradient descent, with momentum) and 002_0dd137535febb580.txt §7.5–7.6 (RMSprop, Adam).

    python experiments/compare_optimizers.py [--epochs 30] [--hidden 64 64]
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
from _args import SEED, integer

import jaxdnn as jd
from jaxdnn.devices import add_device_argument, start_device

OPTIMIZERS = {
    "gradient descent": lambda: jd.gradient_descent(0.05),
    "momentum": lambda: jd.momentum(0.05, 0.9),
    "RMSprop": lambda: jd.rmsprop(1e-3),
    "Adam": lambda: jd.adam(1e-3),
}
SETTINGS = {
    "gradient descent": "α = 0.05",
    "momentum": "α = 0.05, β = 0.9",
    "RMSprop": "η = 1e-3, β = 0.9",
    "Adam": "η = 1e-3, β = (0.9, 0.999)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_argument(parser)
    parser.add_argument("--hidden", type=integer(1), nargs="*", default=[64, 64])
    parser.add_argument("--epochs", type=integer(1), default=30)
    parser.add_argument("--batch-size", type=integer(1), default=32)
    parser.add_argument("--seed", type=SEED, default=0)
    args = parser.parse_args()
    start_device(args.device)

    key_split, key_init, key_fit = jax.random.split(jax.random.PRNGKey(args.seed), 3)
    splits = jd.load_splits("digits", key_split)
    (X, Y), (X_val, Y_val), (X_test, Y_test) = splits.train, splits.val, splits.test
    params = jd.init_params(key_init, (X.shape[1], *args.hidden, Y.shape[1]), dtype=jnp.float32)

    rows = []
    for name, make in OPTIMIZERS.items():
        start = time.perf_counter()
        trained, history = jd.fit(
            params,
            X,
            Y,
            make(),
            key=key_fit,
            epochs=args.epochs,
            batch_size=args.batch_size,
            X_val=X_val,
            Y_val=Y_val,
        )
        seconds = time.perf_counter() - start
        reached = [
            e + 1
            for e, a in zip(history["epoch"], history["val_accuracy"], strict=True)
            if a >= 0.95
        ]
        test = jd.evaluate(trained, X_test, Y_test)
        rows.append(
            (
                name,
                SETTINGS[name],
                history["loss"][0],
                history["loss"][-1],
                history["val_accuracy"][-1],
                reached[0] if reached else None,
                test["accuracy"],
                seconds,
            )
        )

    print(
        f"digits, widths {(X.shape[1], *args.hidden, Y.shape[1])}, B = {args.batch_size}, "
        f"{args.epochs} epochs, same initial parameters and batches for every optimizer"
    )
    header = (
        f"{'optimizer':17s} {'settings':27s} {'loss ep.1':>9s} {'loss end':>9s} "
        f"{'val acc':>8s} {'95% at':>7s} {'test acc':>9s} {'seconds':>8s}"
    )
    print(header)
    print("-" * len(header))
    for name, settings, first, last, val_acc, reached, test_acc, seconds in rows:
        at = f"{reached:d}" if reached else "never"
        print(
            f"{name:17s} {settings:27s} {first:9.4f} {last:9.4f} {val_acc:8.4f} {at:>7s} "
            f"{test_acc:9.4f} {seconds:8.2f}"
        )
    print("95% at: first epoch whose validation accuracy reached 0.95")


if __name__ == "__main__":
    main()
