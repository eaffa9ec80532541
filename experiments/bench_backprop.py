"""Benchmark: hand-written backpropagation against jax.grad of the objective.

Times one jitted gradient evaluation of ``jaxdnn.backprop`` and of ``jax.grad(jaxdnn.objective)``
on the same parameters and batch, in one process, interleaved (A, B, A, B, …), and prints the
median time of each and their ratio. Compile time is measured apart. float32, as in training.

    python experiments/bench_backprop.py [--repeats 15] [--calls 50]

The ratio column is jax.grad time / backprop time: above 1 means the hand-written
backpropagation is faster.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time

import jax
import jax.numpy as jnp
from _args import integer

import jaxdnn as jd
from jaxdnn.devices import add_device_argument, start_device

WORKLOADS = {
    "MNIST-shaped 784-256-256-10, batch 128": ((784, 256, 256, 10), 128),
    "digits-shaped 64-128-10, batch 32": ((64, 128, 10), 32),
}


def make_problem(widths: tuple[int, ...], batch: int, seed: int = 0):
    key_params, key_x, key_y = jax.random.split(jax.random.PRNGKey(seed), 3)
    params = jd.init_params(key_params, widths, dtype=jnp.float32)
    X = jax.random.normal(key_x, (batch, widths[0]), jnp.float32)
    Y = jax.nn.one_hot(jax.random.randint(key_y, (batch,), 0, widths[-1]), widths[-1])
    return params, X, Y


def time_calls(fn, args, calls: int) -> float:
    """Seconds per call, averaged over ``calls`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(calls):
        out = fn(*args)
    jax.block_until_ready(out)
    return (time.perf_counter() - start) / calls


def compile_seconds(fn, args) -> float:
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    return time.perf_counter() - start


def run(repeats: int, calls: int) -> list[dict]:
    backprop = jax.jit(functools.partial(jd.backprop, reduction="mean"))
    autodiff = jax.jit(jax.grad(functools.partial(jd.objective, reduction="mean")))
    rows = []
    for name, (widths, batch) in WORKLOADS.items():
        params, X, Y = make_problem(widths, batch)
        args = (params, X, Y)
        compile_bp, compile_ad = compile_seconds(backprop, args), compile_seconds(autodiff, args)
        diff = max(
            float(jnp.max(jnp.abs(a - b)))
            for a, b in zip(
                jax.tree.leaves(backprop(*args)), jax.tree.leaves(autodiff(*args)), strict=True
            )
        )
        times_bp, times_ad = [], []
        for r in range(repeats):
            pair = [(backprop, times_bp), (autodiff, times_ad)]
            for fn, sink in pair if r % 2 == 0 else pair[::-1]:  # alternate who goes first
                sink.append(time_calls(fn, args, calls))
        t_bp, t_ad = statistics.median(times_bp), statistics.median(times_ad)
        rows.append(
            {
                "workload": name,
                "backprop_us": t_bp * 1e6,
                "jax_grad_us": t_ad * 1e6,
                "ratio": t_ad / t_bp,
                "compile_backprop_s": compile_bp,
                "compile_jax_grad_s": compile_ad,
                "max_abs_diff": diff,
            }
        )
    return rows


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'workload':40s} {'backprop µs':>12s} {'jax.grad µs':>12s} {'ratio':>7s} "
        f"{'compile bp/ad s':>16s} {'max |diff|':>11s}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['workload']:40s} {r['backprop_us']:12.1f} {r['jax_grad_us']:12.1f} "
            f"{r['ratio']:7.3f} {r['compile_backprop_s']:7.2f}/{r['compile_jax_grad_s']:<8.2f} "
            f"{r['max_abs_diff']:11.2e}"
        )
    print("ratio = median jax.grad time / median backprop time (≥ 1: backprop is faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_argument(parser)
    parser.add_argument("--repeats", type=integer(1), default=15, help="interleaved timing rounds")
    parser.add_argument("--calls", type=integer(1), default=50, help="calls per timing round")
    args = parser.parse_args()
    device = start_device(args.device)
    print(
        f"jax {jax.__version__} on {device.platform}, float32, "
        f"{args.repeats} rounds × {args.calls} calls, interleaved"
    )
    print_table(run(args.repeats, args.calls))


if __name__ == "__main__":
    main()
