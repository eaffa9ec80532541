"""Capacity and ridge regularisation on a noisy 1-D problem (002_0dd137535febb580.txt §9–10).

y = sin(πx) + ε with ε ~ N(0, 0.3²), x uniform on [−1, 1]: 20 training, 20 validation and 1000
test points, float64. First polynomial least squares of degree 1–15 (normal equations): the
training RMSE falls with the degree while the validation RMSE (eq. 19 on held-out data) first
falls (under-fitting) and then rises (over-fitting); the validation set picks the degree. Then
degree 15 with a ridge penalty λ‖β‖² (intercept unpenalised) over a λ grid: the validation set
picks λ. The test RMSE of each choice is reported; the plot shows both sweeps and the chosen fits.

    python experiments/capacity.py [--seed 0] [--out experiments/out]
"""

from __future__ import annotations

import argparse
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _args import SEED, writable_directory  # noqa: E402

import jaxdnn as jd  # noqa: E402
from jaxdnn.devices import add_device_argument, start_device  # noqa: E402

DEGREES = range(1, 16)
LAMBDAS = np.logspace(-10, 2, 25)
HIGH_DEGREE = 15
NOISE = 0.3


def make_data(key, n):
    key_x, key_noise = jax.random.split(key)
    x = jax.random.uniform(key_x, (n,), minval=-1.0, maxval=1.0)
    return x, jnp.sin(jnp.pi * x) + NOISE * jax.random.normal(key_noise, (n,))


def rmse_of(beta, x, y):
    degree = beta.shape[0] - 1
    return float(jd.unseen_rmse(lambda X: X @ beta, jd.polynomial_features(x, degree), y))


def figure(by_degree, by_lambda, training, choices):
    """Four panels: training and validation RMSE against the degree, then against λ at
    degree 15 (each with the validation choice marked); the chosen fits over the data, in the
    data's range; and every fit over its whole range, where the unpenalised degree-15
    polynomial swings far outside the data near the ends of [−1, 1]."""
    from matplotlib.figure import Figure

    (degree, train_d, val_d), (lam, train_l, val_l) = by_degree["degree"], by_lambda["lambda"]
    fig = Figure(figsize=(13, 9), layout="constrained")
    axes = fig.subplots(2, 2).flat
    axes[0].semilogy(list(DEGREES), train_d, "o-", label="training")
    axes[0].semilogy(list(DEGREES), val_d, "o-", label="validation")
    axes[0].axvline(degree, color="gray", linestyle=":", label=f"chosen: degree {degree}")
    axes[0].set(xlabel="polynomial degree", ylabel="RMSE", title="capacity: the degree")
    axes[1].semilogx(LAMBDAS, train_l, "o-", label="training")
    axes[1].semilogx(LAMBDAS, val_l, "o-", label="validation")
    axes[1].axvline(lam, color="gray", linestyle=":", label=f"chosen: λ = {lam:.1e}")
    axes[1].set(xlabel="λ", ylabel="RMSE", title=f"degree {HIGH_DEGREE}: the ridge penalty λ")
    grid = jnp.linspace(-1, 1, 400)
    x_tr, y_tr = training
    curves = [("sin(πx), the truth", np.asarray(jnp.sin(jnp.pi * grid)))]
    for name, beta in choices:
        curves.append((name, np.asarray(jd.polynomial_features(grid, beta.shape[0] - 1) @ beta)))
    data_low, data_high = float(np.min(y_tr)), float(np.max(y_tr))
    margin = 0.25 * (data_high - data_low)
    for ax, whole in ((axes[2], False), (axes[3], True)):
        ax.scatter(x_tr, y_tr, s=15, color="k", label="training data", zorder=3)
        for i, (name, values) in enumerate(curves):
            style = {"color": "gray", "linestyle": "--"} if i == 0 else {"color": f"C{i - 1}"}
            ax.plot(grid, values, label=name, **style)
        if whole:
            low = min(data_low, *(float(np.min(v)) for _, v in curves))
            high = max(data_high, *(float(np.max(v)) for _, v in curves))
            pad = 0.05 * (high - low)
            ax.set(ylim=(low - pad, high + pad), title="the same fits over their whole range")
        else:
            ax.set(
                ylim=(data_low - margin, data_high + margin),
                title="the fitted polynomials, in the range of the data",
            )
        ax.set(xlabel="x", ylabel="y")
    for ax in axes[:3]:
        ax.legend(fontsize=8)
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_argument(parser)
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--out", default="experiments/out")
    args = parser.parse_args()
    out = writable_directory(parser, "--out", args.out)
    start_device(args.device)
    start = time.perf_counter()
    keys = jax.random.split(jax.random.PRNGKey(args.seed), 3)
    (x_tr, y_tr), (x_val, y_val), (x_te, y_te) = (
        make_data(k, n) for k, n in zip(keys, (20, 20, 1000), strict=True)
    )

    def fit_degree(degree):
        return jd.least_squares(jd.polynomial_features(x_tr, degree), y_tr)

    degree, beta_d, val_by_degree = jd.select_by_validation(
        list(DEGREES), fit_degree, lambda beta: rmse_of(beta, x_val, y_val)
    )
    train_by_degree = [rmse_of(fit_degree(d), x_tr, y_tr) for d in DEGREES]
    print(f"noise σ = {NOISE}: the best possible RMSE is about {NOISE}")
    print(f"{'degree':>6s} {'train RMSE':>11s} {'val RMSE':>10s}")
    for d, tr, va in zip(DEGREES, train_by_degree, val_by_degree, strict=True):
        mark = "  ← chosen" if d == degree else ""
        print(f"{d:6d} {tr:11.4f} {va:10.4f}{mark}")

    Phi = jd.polynomial_features(x_tr, HIGH_DEGREE)

    def fit_lambda(lam):
        return jd.ridge(Phi, y_tr, float(lam), penalize_intercept=False)

    lam, beta_l, val_by_lambda = jd.select_by_validation(
        list(LAMBDAS), fit_lambda, lambda beta: rmse_of(beta, x_val, y_val)
    )
    train_by_lambda = [rmse_of(fit_lambda(v), x_tr, y_tr) for v in LAMBDAS]
    norms = [float(jnp.linalg.norm(fit_lambda(v)[1:])) for v in LAMBDAS]
    print(f"\ndegree {HIGH_DEGREE} with ridge λ‖β‖² (intercept unpenalised)")
    print(f"{'λ':>9s} {'train RMSE':>11s} {'val RMSE':>10s} {'‖β₁..β_d‖':>11s}")
    for v, tr, va, nb in zip(LAMBDAS, train_by_lambda, val_by_lambda, norms, strict=True):
        mark = "  ← chosen" if v == lam else ""
        print(f"{v:9.1e} {tr:11.4f} {va:10.4f} {nb:11.3e}{mark}")

    print(f"\n{'choice':38s} test RMSE")
    choices = [
        (f"degree {degree} (validation)", beta_d),
        (f"degree {HIGH_DEGREE}, λ = 0", fit_degree(HIGH_DEGREE)),
        (f"degree {HIGH_DEGREE}, λ = {lam:.1e} (validation)", beta_l),
    ]
    for name, beta in choices:
        print(f"{name:38s} {rmse_of(beta, x_te, y_te):9.4f}")

    fig = figure(
        {"degree": (degree, train_by_degree, val_by_degree)},
        {"lambda": (lam, train_by_lambda, val_by_lambda)},
        (x_tr, y_tr),
        choices,
    )
    fig.savefig(out / "capacity.png", dpi=120)
    print(f"wrote {out / 'capacity.png'} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
