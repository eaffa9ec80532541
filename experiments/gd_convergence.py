"""Gradient descent against the O(1/n) bound of Prop 6.5, and past α = 2/L.

For f convex and L-smooth with minimiser x*, 0 < α < 2/L and C = α − Lα²/2, Prop 6.5 of
001_602cbf05fdb6a620.txt bounds f(x^(n)) − f* by ‖x^(0) − x*‖²/(nC). Two problems, float64:

* a random convex quadratic ½(x − c)·A·(x − c)ᵀ in ℝ²⁰ (L = λ_max(A), f* = 0), A with
  eigenvalues spread over [1e−3, 1] so that the slow directions show the 1/n regime;
* logistic regression on scikit-learn's breast cancer data (standardised features and an
  intercept column, mean loss plus (λ/2)‖β‖² with λ = 1e−3, L = ¼λ_max(XᵀX)/n + λ; f* from
  scikit-learn's solver refined by Newton steps). The penalty gives the minimiser that Prop 6.5
  assumes: without it the loss on these nearly separable data has no attained minimum.

α = r·2/L for r ∈ {0.1, 0.5, 0.9, 0.99} and r = 1.01 (just above 2/L). The table gives
f(x^(N)) − f* and the bound at N; the plot (log–log) draws every curve with its bound.

    python experiments/gd_convergence.py [--steps 2000] [--out experiments/out]
"""

from __future__ import annotations

import argparse
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _args import SEED, integer, writable_directory  # noqa: E402

import jaxdnn as jd  # noqa: E402
from jaxdnn.devices import add_device_argument, start_device  # noqa: E402

RATIOS = (0.1, 0.5, 0.9, 0.99, 1.01)


def quadratic(x, A, c):
    return 0.5 * (x - c) @ A @ (x - c)


def quadratic_grad(x, A, c):
    return (x - c) @ A


RIDGE = 1e-3


def logistic(beta, X, y):
    """Mean over the samples of BCE(σ(x_i·βᵀ), y_i), plus (λ/2)‖β‖² with λ = 1e−3."""
    data_term = jnp.mean(jd.sigmoid_binary_cross_entropy((X @ beta)[:, None], y[:, None]))
    return data_term + 0.5 * RIDGE * jnp.sum(beta * beta)


logistic_grad = jax.grad(logistic)


def quadratic_problem(key, m=20):
    key_q, key_c, key_x = jax.random.split(key, 3)
    Q, _ = jnp.linalg.qr(jax.random.normal(key_q, (m, m)))
    A = Q @ jnp.diag(jnp.logspace(-3, 0, m)) @ Q.T
    A = (A + A.T) / 2
    c = jax.random.normal(key_c, (m,))
    x0 = c + 3 * jax.random.normal(key_x, (m,))
    return {
        "name": "quadratic (m = 20)",
        "f": quadratic,
        "grad": quadratic_grad,
        "args": (A, c),
        "x0": x0,
        "x_star": c,
        "f_star": 0.0,
        "L": float(jd.quadratic_smoothness(A)),
    }


def logistic_problem():
    data = jd.load_dataset("breast_cancer")
    X = (data.X - data.X.mean(axis=0)) / data.X.std(axis=0)
    X = jnp.column_stack([jnp.ones(X.shape[0]), X])
    y = jnp.asarray(data.Y[:, 0], dtype=jnp.float64)
    # the minimiser: scikit-learn's solver (its objective C·Σ log-loss + ½‖β‖² is n·C times
    # ours for C = 1/(nλ)), then Newton steps, which converge quadratically from there
    from sklearn.linear_model import LogisticRegression

    n = X.shape[0]
    fitted = LogisticRegression(C=1 / (n * RIDGE), fit_intercept=False, tol=1e-12, max_iter=10_000)
    beta = jnp.asarray(fitted.fit(np.asarray(X), np.asarray(y)).coef_[0])
    hessian = jax.jit(jax.hessian(logistic))
    for _ in range(5):
        beta = beta - jnp.linalg.solve(hessian(beta, X, y), logistic_grad(beta, X, y))
    return {
        "name": "logistic, breast cancer",
        "f": logistic,
        "grad": logistic_grad,
        "args": (X, y),
        "x0": jnp.zeros(X.shape[1]),
        "x_star": beta,
        "f_star": float(logistic(beta, X, y)),
        "L": float(jd.logistic_smoothness(X)) + RIDGE,  # the penalty adds λ to the Hessian
    }


def problems(seed):
    """The two problems of this experiment (and of momentum_convergence.py)."""
    return [quadratic_problem(jax.random.PRNGKey(seed)), logistic_problem()]


def run(problem, steps):
    rows, curves = [], {}
    values_of = jax.jit(jax.vmap(lambda x: problem["f"](x, *problem["args"])))
    for r in RATIOS:
        lr = r * 2 / problem["L"]
        traj = jd.gd_trajectory(problem["grad"], problem["x0"], lr, steps, args=problem["args"])
        gap = np.asarray(values_of(traj)) - problem["f_star"]
        n = np.arange(1, steps + 1)
        bound = (
            jd.gd_rate_bound(problem["x0"], problem["x_star"], lr, problem["L"], n)
            if r < 1
            else None
        )
        holds = None if bound is None else bool(np.all(gap[1:] <= bound * (1 + 1e-12) + 1e-15))
        rows.append(
            (problem["name"], r, lr, gap[steps], None if bound is None else bound[-1], holds)
        )
        curves[r] = (gap, bound)
    return rows, curves


def figure(results, steps):
    """f(xⁿ) − f* per step n (solid) against the Prop 6.5 bound (dashed), one panel per
    problem. The bound depends on r = αL/2 only through C = α − Lα²/2, which is symmetric in
    r ↔ 1 − r: the bounds of r = 0.1 and 0.9 coincide, so each is drawn with dashes in the
    gaps of the other's and the legend says so. The y range covers the curves and bounds, not
    the diverging run (drawn until it leaves the top)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5 * len(results), 4.8), layout="constrained")
    axes = fig.subplots(1, len(results))
    n = np.arange(1, steps + 1)
    for ax, (name, curves) in zip(axes, results.items(), strict=True):
        shown, drawn = [], {}
        for i, (r, (gap, bound)) in enumerate(curves.items()):
            color = f"C{i}"
            finite = np.where(np.isfinite(gap[1:]) & (gap[1:] > 0), gap[1:], np.nan)
            ax.loglog(n, finite, color=color, label=f"α = {r}·2/L")
            if bound is None:
                continue
            shown += [bound, finite]
            twin = next((s for s in drawn if np.allclose(drawn[s], bound, rtol=1e-12)), None)
            label, offset = f"bound, α = {r}·2/L", 0
            if twin is None:
                drawn[r] = bound
            else:  # the same bound: dashes in the gaps of the first one's
                label, offset = f"{label} (= bound of {twin}·2/L)", 4
            ax.loglog(n, bound, color=color, linestyle=(offset, (4, 4)), linewidth=1.2, label=label)
        values = np.concatenate([v[np.isfinite(v)] for v in shown])
        ax.set_ylim(values.min() / 3, values.max() * 3)
        ax.set(
            title=f"{name}\nf(xⁿ) − f* (solid) and the Prop 6.5 bound (dashed)",
            xlabel="step n",
            ylabel="f(xⁿ) − f*",
        )
        ax.legend(fontsize=7, ncol=2, loc="lower left")
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_argument(parser)
    parser.add_argument("--steps", type=integer(1), default=2000)
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--out", default="experiments/out")
    args = parser.parse_args()
    out = writable_directory(parser, "--out", args.out)
    start_device(args.device)
    start = time.perf_counter()
    rows, results = [], {}
    for problem in problems(args.seed):
        problem_rows, curves = run(problem, args.steps)
        rows += problem_rows
        results[problem["name"]] = curves
        print(
            f"{problem['name']}: L = {problem['L']:.6g}, f* = {problem['f_star']:.12g}, "
            f"‖x^(0) − x*‖ = {float(jnp.linalg.norm(problem['x0'] - problem['x_star'])):.4g}"
        )
    header = (
        f"{'problem':24s} {'α·L/2':>6s} {'α':>10s} {'f(x^N) − f*':>12s} {'bound at N':>11s} "
        f"{'bound holds':>11s}"
    )
    print(f"N = {args.steps} steps, float64")
    print(header)
    print("-" * len(header))
    for name, r, lr, gap, bound, holds in rows:
        bound_text = "—  (C ≤ 0)" if bound is None else f"{bound:11.3e}"
        holds_text = "—" if holds is None else ("yes, all n" if holds else "NO")
        print(f"{name:24s} {r:6.2f} {lr:10.4g} {gap:12.3e} {bound_text:>11s} {holds_text:>11s}")
    figure(results, args.steps).savefig(out / "gd_convergence.png", dpi=120)
    print(f"wrote {out / 'gd_convergence.png'} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
