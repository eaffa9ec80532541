"""Momentum against plain gradient descent on the problems of gd_convergence.py.

Momentum in the corrected EMA form of 001_602cbf05fdb6a620.txt Def 6.5 (m ← βm + (1 − β)∇f,
x ← x − αm; errata E-05, E-07), β ∈ {0, 0.5, 0.9, 0.99}, step α = 1/L on both problems
(a convex quadratic in ℝ²⁰ and ridge-regularised logistic regression on breast cancer data);
β = 0 is gradient descent exactly. The table gives f(x^(n)) − f* at several n; the plot draws
the curves on log–log axes.

    python experiments/momentum_convergence.py [--steps 2000] [--out experiments/out]
"""

from __future__ import annotations

import argparse
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _args import SEED, integer, writable_directory  # noqa: E402
from gd_convergence import problems as make_problems  # noqa: E402

import jaxdnn as jd  # noqa: E402
from jaxdnn.devices import add_device_argument, start_device  # noqa: E402

BETAS = (0.0, 0.5, 0.9, 0.99)
REPORT_AT = (10, 100, 1000)


def trajectory(problem, beta, lr, steps):
    """f(x^(n)) − f* for n = 0…steps under momentum(α, β), one jitted lax.scan."""
    tx = jd.momentum(lr, beta)
    args = problem["args"]

    @jax.jit
    def run(x0):
        def step(carry, _):
            x, state = carry
            updates, state = tx.update(problem["grad"](x, *args), state)
            x = x + updates
            return (x, state), problem["f"](x, *args)

        return jax.lax.scan(step, (x0, tx.init(x0)), None, length=steps)[1]

    values = jnp.concatenate([problem["f"](problem["x0"], *args)[None], run(problem["x0"])])
    return np.asarray(values) - problem["f_star"]


def figure(curves, names, steps):
    """f(xⁿ) − f* per step n for each β, one panel per problem (β = 0 is gradient descent)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5 * len(names), 4.8), layout="constrained")
    axes = fig.subplots(1, len(names))
    n = np.arange(1, steps + 1)
    for ax, name in zip(axes, names, strict=True):
        for beta in BETAS:
            gap = curves[(name, beta)][1:]
            label = f"β = {beta}" + (" (gradient descent)" if beta == 0 else "")
            # gradient descent wide and pale beneath: the curves that follow it stay visible
            wide = {"linewidth": 4, "alpha": 0.4} if beta == 0 else {}
            ax.loglog(n, np.where(gap > 0, gap, np.nan), label=label, **wide)
        ax.set(
            title=f"{name}\nmomentum with α = 1/L",
            xlabel="step n",
            ylabel="f(xⁿ) − f*",
        )
        ax.legend()
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_argument(parser)
    parser.add_argument("--steps", type=integer(50), default=2000)  # β = 0 is checked on 50
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--out", default="experiments/out")
    args = parser.parse_args()
    out = writable_directory(parser, "--out", args.out)
    start_device(args.device)
    start = time.perf_counter()
    problems = make_problems(args.seed)
    report_at = [n for n in REPORT_AT if n <= args.steps] + [args.steps]
    curves = {}
    header = f"{'problem':24s} {'β':>5s} " + " ".join(f"{'n = ' + str(n):>11s}" for n in report_at)
    print("f(x^(n)) − f* with α = 1/L, float64")
    print(header)
    print("-" * len(header))
    for problem in problems:
        lr = 1 / problem["L"]
        for beta in BETAS:
            gap = trajectory(problem, beta, lr, args.steps)
            curves[(problem["name"], beta)] = gap
            cells = " ".join(f"{gap[n]:11.3e}" for n in report_at)
            print(f"{problem['name']:24s} {beta:5.2f} {cells}")
        gd = jd.gd_trajectory(problem["grad"], problem["x0"], lr, 50, args=problem["args"])
        values = jax.vmap(lambda x, p=problem: p["f"](x, *p["args"]))(gd) - problem["f_star"]
        assert np.allclose(values, curves[(problem["name"], 0.0)][:51], rtol=1e-12, atol=1e-15)
    print("β = 0 reproduces gd_trajectory (checked over the first 50 steps)")

    fig = figure(curves, [p["name"] for p in problems], args.steps)
    fig.savefig(out / "momentum_convergence.png", dpi=120)
    print(f"wrote {out / 'momentum_convergence.png'} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
