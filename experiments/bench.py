"""Benchmark: training epochs of ``jaxdnn.fit`` against peers, in one process.

Every contestant trains the same MLP (ReLU hidden layers, softmax cross-entropy, SGD with
momentum 0.9) on the same data for whole epochs; rounds are interleaved (each round runs every
contestant once, in rotating order) and the table reports the median steps per second, the
first epoch's time (compilation included) and the ratio of jaxdnn to each peer.

Contestants:
  jaxdnn.fit         one jitted lax.scan per epoch (the library)
  JAX scan           a hand-tuned pure-JAX epoch: lax.scan over a reshaped permutation
  JAX jitted step    pure JAX the obvious way: a jitted step per batch, batches sliced on the host
  Flax linen         flax.linen.Dense layers + optax, a jitted step per batch
  PyTorch eager      torch.nn + torch.optim.SGD, batches sliced from tensors

    python experiments/bench_fit.py [--rounds 11] [--workload digits|mnist|all] [--json out.json]

Flax and PyTorch come from the ``bench`` extra (pip install -e ".[bench]"); a missing peer is
skipped and said so.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxdnn as jd

LR, BETA = 0.01, 0.9

WORKLOADS = {
    # name: (widths, batch size, samples (None: the real digits data), epochs per round)
    "mnist": ((784, 256, 256, 10), 128, 60_000, 1),
    "digits": ((64, 128, 10), 32, None, 10),
}


def load_workload(name: str) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], int]:
    widths, batch, n, _ = WORKLOADS[name]
    if n is None:
        splits = jd.load_splits("digits", jax.random.PRNGKey(0), (0.9999, 5e-5, 5e-5))
        X, Y = splits.train
    else:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(n, widths[0]))
        Y = np.eye(widths[-1])[rng.integers(0, widths[-1], size=n)]
    return X.astype(np.float32), Y.astype(np.float32), widths, batch


class Contestant:
    """Runs whole epochs; ``epoch()`` returns the number of optimizer steps it made."""

    name = ""

    def epoch(self) -> int:
        raise NotImplementedError

    def epochs(self, k: int) -> int:
        """Run k epochs; return the number of optimizer steps made."""
        return sum(self.epoch() for _ in range(k))


class JaxdnnFit(Contestant):
    name = "jaxdnn.fit"

    def __init__(self, X, Y, widths, batch):
        self.X, self.Y, self.batch = X, Y, batch
        self.params = jd.init_params(jax.random.PRNGKey(1), widths, dtype=jnp.float32)
        self.optimizer = jd.momentum(LR, BETA)
        self.state = self.optimizer.init(self.params)
        self.count = 0
        self.X_dev, self.Y_dev = jnp.asarray(X), jnp.asarray(Y)

    def epochs(self, k: int) -> int:
        """k epochs in one call of fit, as a user trains (fit checks its data once a call)."""
        self.params, _ = jd.fit(
            self.params,
            self.X_dev,
            self.Y_dev,
            self.optimizer,
            key=jax.random.PRNGKey(2),
            epochs=self.count + k,
            initial_epoch=self.count,
            batch_size=self.batch,
            opt_state=self.state,
            callback=self._keep_state,
        )
        self.count += k
        jax.block_until_ready(self.params)
        return k * -(-self.X.shape[0] // self.batch)

    def _keep_state(self, epoch, params, opt_state, history):
        self.state = opt_state


def _init_mlp(widths):
    return jd.init_params(jax.random.PRNGKey(1), widths, dtype=jnp.float32)


def _mlp_loss(params, X, Y):
    a = X
    for layer in params[:-1]:
        a = jax.nn.relu(a @ layer["W"].T + layer["b"])
    logits = a @ params[-1]["W"].T + params[-1]["b"]
    return optax.softmax_cross_entropy(logits, Y).mean()


class JaxScan(Contestant):
    name = "JAX scan"

    def __init__(self, X, Y, widths, batch):
        self.X, self.Y = jnp.asarray(X), jnp.asarray(Y)
        self.params = _init_mlp(widths)
        self.tx = optax.sgd(LR * (1 - BETA), momentum=BETA)
        self.state = self.tx.init(self.params)
        self.n_batches = X.shape[0] // batch
        self.batch, self.key = batch, jax.random.PRNGKey(2)
        tx, n_batches = self.tx, self.n_batches

        def step(carry, xy):
            params, state = carry
            grads = jax.grad(_mlp_loss)(params, *xy)
            updates, state = tx.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), None

        @jax.jit
        def epoch(params, state, X, Y, key):
            perm = jax.random.permutation(key, X.shape[0])[: n_batches * batch]
            xs = X[perm].reshape(n_batches, batch, -1)
            ys = Y[perm].reshape(n_batches, batch, -1)
            (params, state), _ = jax.lax.scan(step, (params, state), (xs, ys))
            return params, state

        self._epoch = epoch

    def epoch(self) -> int:
        self.key, sub = jax.random.split(self.key)
        self.params, self.state = self._epoch(self.params, self.state, self.X, self.Y, sub)
        jax.block_until_ready(self.params)
        return self.n_batches


class _SteppedJax(Contestant):
    """A jitted step per batch; the permutation and batch slicing happen on the host."""

    def __init__(self, X, Y, batch, loss_fn: Callable, params):
        self.X, self.Y, self.batch = X, Y, batch
        self.params = params
        self.tx = optax.sgd(LR * (1 - BETA), momentum=BETA)
        self.state = self.tx.init(params)
        self.rng = np.random.default_rng(2)
        tx = self.tx

        @jax.jit
        def step(params, state, xb, yb):
            grads = jax.grad(loss_fn)(params, xb, yb)
            updates, state = tx.update(grads, state, params)
            return optax.apply_updates(params, updates), state

        self._step = step

    def epoch(self) -> int:
        perm = self.rng.permutation(self.X.shape[0])
        n_batches = self.X.shape[0] // self.batch
        for b in range(n_batches):
            rows = perm[b * self.batch : (b + 1) * self.batch]
            self.params, self.state = self._step(
                self.params, self.state, self.X[rows], self.Y[rows]
            )
        jax.block_until_ready(self.params)
        return n_batches


class JaxStep(_SteppedJax):
    name = "JAX jitted step"

    def __init__(self, X, Y, widths, batch):
        super().__init__(X, Y, batch, _mlp_loss, _init_mlp(widths))


class FlaxLinen(_SteppedJax):
    name = "Flax linen"

    def __init__(self, X, Y, widths, batch):
        import flax.linen as nn

        class MLP(nn.Module):
            @nn.compact
            def __call__(self, x):
                for width in widths[1:-1]:
                    x = nn.relu(nn.Dense(width)(x))
                return nn.Dense(widths[-1])(x)

        model = MLP()
        variables = model.init(jax.random.PRNGKey(1), jnp.zeros((1, widths[0]), jnp.float32))

        def loss_fn(variables, xb, yb):
            return optax.softmax_cross_entropy(model.apply(variables, xb), yb).mean()

        super().__init__(X, Y, batch, loss_fn, variables)


class TorchEager(Contestant):
    name = "PyTorch eager"

    def __init__(self, X, Y, widths, batch):
        import torch

        self.torch = torch
        torch.manual_seed(1)
        layers = []
        for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            layers.append(torch.nn.Linear(n_in, n_out))
            if k < len(widths) - 2:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR * (1 - BETA), momentum=BETA)
        self.X, self.labels = torch.from_numpy(X), torch.from_numpy(Y.argmax(axis=1))
        self.batch = batch
        self.generator = torch.Generator().manual_seed(2)

    def epoch(self) -> int:
        torch = self.torch
        perm = torch.randperm(self.X.shape[0], generator=self.generator)
        n_batches = self.X.shape[0] // self.batch
        loss_fn = torch.nn.functional.cross_entropy
        for b in range(n_batches):
            rows = perm[b * self.batch : (b + 1) * self.batch]
            self.optimizer.zero_grad(set_to_none=True)
            loss_fn(self.model(self.X[rows]), self.labels[rows]).backward()
            self.optimizer.step()
        return n_batches


CONTESTANTS = [JaxdnnFit, JaxScan, JaxStep, FlaxLinen, TorchEager]


def run_workload(name: str, rounds: int) -> dict:
    X, Y, widths, batch = load_workload(name)
    per_round = WORKLOADS[name][3]
    contestants, skipped = [], []
    for cls in CONTESTANTS:
        try:
            contestants.append(cls(X, Y, widths, batch))
        except ImportError as error:
            skipped.append(f"{cls.name} ({error.name} not installed)")
    first_epoch, rates = {}, {c.name: [] for c in contestants}
    for c in contestants:
        start = time.perf_counter()
        c.epochs(1)
        first_epoch[c.name] = time.perf_counter() - start
    for r in range(rounds):
        order = contestants[r % len(contestants) :] + contestants[: r % len(contestants)]
        for c in order:
            start = time.perf_counter()
            steps = c.epochs(per_round)
            rates[c.name].append(steps / (time.perf_counter() - start))
    medians = {k: statistics.median(v) for k, v in rates.items()}
    return {
        "workload": name,
        "widths": widths,
        "batch": batch,
        "samples": X.shape[0],
        "epochs_per_round": per_round,
        "steps_per_second": medians,
        "first_epoch_seconds": first_epoch,
        "skipped": skipped,
    }


def print_result(result: dict) -> None:
    ours = result["steps_per_second"]["jaxdnn.fit"]
    print(
        f"\n{result['workload']}: widths {result['widths']}, batch {result['batch']}, "
        f"{result['samples']} samples, float32, SGD with momentum 0.9, "
        f"{result['epochs_per_round']} epoch(s) per contestant per round"
    )
    header = f"{'contestant':18s} {'steps/s':>10s} {'first epoch s':>14s} {'jaxdnn / this':>14s}"
    print(header)
    print("-" * len(header))
    for name, rate in sorted(result["steps_per_second"].items(), key=lambda kv: -kv[1]):
        print(
            f"{name:18s} {rate:10.0f} {result['first_epoch_seconds'][name]:14.2f} "
            f"{ours / rate:14.2f}"
        )
    for line in result["skipped"]:
        print(f"skipped: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--workload", choices=[*WORKLOADS, "all"], default="all")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    names = list(WORKLOADS) if args.workload == "all" else [args.workload]
    print(
        f"jax {jax.__version__} on {jax.devices()[0].device_kind}; {args.rounds} interleaved "
        "rounds; medians"
    )
    results = [run_workload(name, args.rounds) for name in names]
    for result in results:
        print_result(result)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
