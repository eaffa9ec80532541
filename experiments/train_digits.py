"""Train 001's reference problem on scikit-learn's digits.

The network N_c+ of 001_602cbf05fdb6a620.txt Def 5.1 (ReLU hidden layers, softmax output),
its objective O_c+ (categorical cross-entropy, Def 5.2), and backpropagation gradient descent
with momentum on mini-batches of 32 (Def 6.7 and the note after Def 6.6). Prints one row per
epoch and the test accuracy at the end.

    python experiments/train_digits.py [--hidden 64 64] [--lr 0.05] [--beta 0.9] [--epochs 30]
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
from _args import SEED, fraction, integer, positive

import jaxdnn as jd
from jaxdnn.devices import add_device_argument, start_device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_argument(parser)
    parser.add_argument("--hidden", type=integer(1), nargs="*", default=[64, 64])
    parser.add_argument("--lr", type=positive, default=0.05)
    parser.add_argument("--beta", type=fraction, default=0.9)
    parser.add_argument("--epochs", type=integer(1), default=30)
    parser.add_argument("--batch-size", type=integer(1), default=32)
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--gradients", choices=["autodiff", "backprop"], default="backprop")
    args = parser.parse_args()
    start_device(args.device)

    key = jax.random.PRNGKey(args.seed)
    key_split, key_init, key_fit = jax.random.split(key, 3)
    splits = jd.load_splits("digits", key_split)
    (X, Y), (X_val, Y_val), (X_test, Y_test) = splits.train, splits.val, splits.test
    widths = (X.shape[1], *args.hidden, Y.shape[1])
    params = jd.init_params(key_init, widths, dtype=jnp.float32)
    print(
        f"digits: {X.shape[0]} train / {X_val.shape[0]} validation / {X_test.shape[0]} test; "
        f"widths {widths} ({jd.param_count(widths)} parameters); momentum α = {args.lr}, "
        f"β = {args.beta}, B = {args.batch_size}, gradients by {args.gradients}"
    )
    print(f"{'epoch':>5s} {'train loss':>11s} {'val loss':>9s} {'val acc':>8s} {'seconds':>8s}")
    start = time.perf_counter()

    def report(epoch, params, opt_state, history):
        print(
            f"{epoch + 1:5d} {history['loss'][-1]:11.4f} {history['val_loss'][-1]:9.4f} "
            f"{history['val_accuracy'][-1]:8.4f} {time.perf_counter() - start:8.2f}"
        )

    params, history = jd.fit(
        params,
        X,
        Y,
        jd.momentum(args.lr, args.beta),
        key=key_fit,
        epochs=args.epochs,
        batch_size=args.batch_size,
        gradients=args.gradients,
        X_val=X_val,
        Y_val=Y_val,
        callback=report,
    )
    test = jd.evaluate(params, X_test, Y_test)
    print(
        f"test loss {test['loss']:.4f}, test accuracy {test['accuracy']:.4f} "
        f"after {args.epochs} epochs in {time.perf_counter() - start:.1f} s (compile included)"
    )


if __name__ == "__main__":
    main()
