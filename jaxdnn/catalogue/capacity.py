"""Model capacity and regularisation: linear models, least squares, polynomial features, ridge and
validation (002_0dd137535febb580.txt §1, §9, §10).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D2,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    draw_design,
    f64,
    le,
    same,
)


@proposition(
    "P-CAP-LINEAR-MODEL",
    "stated",
    "the linear model is f_θ(x) = θ·x",
    f"{D2} §1",
)
def cap_linear_model(draw: Draw) -> list[Pair]:
    theta, X = draw(jt.vectors(size=4)), draw(jt.vectors(size=(3, 4)))
    expected = jd.dense(X, theta[None, :], jnp.zeros(1))[:, 0]
    return [(jd.linear_model(theta, X), expected), (jd.linear_model(theta, X[0]), expected[0])]


@proposition(
    "P-CAP-RMSE-UNSEEN",
    "stated",
    "the error on unseen data U is E(f, D, U) = (Σ_{(x,y)∈U} (y − f(x))² / #U)^{1/2}",
    f"{D2} §9 eq (19)",
)
def cap_rmse_unseen(draw: Draw) -> list[Pair]:
    theta, X, y = draw(jt.vectors(size=4)), draw(jt.vectors(size=(5, 4))), draw(jt.vectors(size=5))
    f = functools.partial(jd.linear_model, theta)
    return [
        (jd.unseen_rmse(f, X, y), np.sqrt(np.mean((y - X @ theta) ** 2))),
        (jd.unseen_rmse(f, X, y), jd.rmse(y, f(X))),
    ]


@proposition(
    "P-CAP-LSQ",
    "stated",
    "for X of full column rank, argmin_β ‖Xβ − y‖² = (XᵀX)⁻¹Xᵀy",
    f"{D2} §9 eq (20)",
)
def cap_lsq(draw: Draw) -> list[Pair]:
    from sklearn.linear_model import LinearRegression

    X, y = draw_design(draw, 10, 3), f64(draw(jt.vectors(size=10)))
    beta = jd.least_squares(X, y)
    reference = np.linalg.lstsq(np.asarray(X), np.asarray(y), rcond=None)[0]
    sk = LinearRegression(fit_intercept=False).fit(np.asarray(X), np.asarray(y)).coef_
    beta0 = f64(draw(jt.vectors(size=3, bound=3.0)))
    scale = 1.0 + float(jnp.max(jnp.abs(y)))
    return [
        (beta, reference),
        (beta, sk),
        (beta, np.linalg.solve(X.T @ X, X.T @ y)),  # the closed form (XᵀX)⁻¹Xᵀy
        (jd.least_squares(X, y, method="normal"), reference),
        (jd.least_squares(X, y, method="lstsq"), reference),
        (X.T @ (X @ beta - y) / scale, np.zeros(3)),  # the normal equations hold
        (jd.least_squares(X, X @ beta0), beta0),  # noiseless data are recovered
    ]


@proposition(
    "P-CAP-POLY-FEATURES",
    "corrected",
    "φ_d(x) = [x⁰, x¹, …, x^d]; φ₂(2) = [1, 2, 4]",
    f"{D2} §9",
)
def cap_poly_features(draw: Draw) -> list[Pair]:
    x = draw(jt.vectors(size=5, bound=3.0))
    degree = draw(st.integers(0, 6))
    return [
        (jd.polynomial_features(x, degree), np.vander(x, degree + 1, increasing=True)),
        (jd.polynomial_features(2.0, 2), [1.0, 2.0, 4.0]),
        (jd.polynomial_features(0.0, 2), [1.0, 0.0, 0.0]),  # 0⁰ = 1
    ]


@erratum(
    "E-49",
    "polynomial features are powers [x⁰, x¹, x²]",
    f"{D2} §9",
    printed="[x_0, x_1, x_2]",
    why="subscripts denote samples or coordinates, not powers",
)
def e49(draw: Draw) -> Erratum:
    x = draw(jt.finite_floats(1.5, 3.0))
    samples = np.array([x, x + 1.0, x + 2.0])  # x_0, x_1, x_2 read as sample indices
    powers = np.array([1.0, x, x * x])
    return Erratum([(jd.polynomial_features(x, 2), powers)], [(samples, powers)])


@proposition(
    "P-CAP-POLY-FIT",
    "stated",
    (
        "least squares on φ_d(x) fits a degree-d polynomial: noiseless data of degree ≤ d are "
        "recovered, and the training RMSE does not increase with d"
    ),
    f"{D2} §9",
)
def cap_poly_fit(draw: Draw) -> list[Pair]:
    coefficients = draw(jt.vectors(size=3, bound=3.0))
    x = np.linspace(-2, 2, 9)
    y = np.polynomial.polynomial.polyval(x, coefficients)
    noisy = y + draw(jt.vectors(size=9, bound=1.0))
    rmses = []
    for degree in range(7):
        Phi = jd.polynomial_features(x, degree)
        residual = Phi @ np.asarray(jd.least_squares(Phi, noisy)) - noisy
        rmses.append(np.sqrt(np.mean(residual**2)))
    return [
        (jd.least_squares(jd.polynomial_features(x, 2), y), coefficients),
        *(le(b, a + 1e-10) for a, b in zip(rmses, rmses[1:], strict=False)),
    ]


@proposition(
    "P-CAP-RIDGE",
    "stated",
    (
        "β_λ = argmin_β ‖Xβ − y‖² + λ‖β‖² = (XᵀX + λI)⁻¹Xᵀy for λ ≥ 0, every coefficient "
        "penalised; optionally the intercept column unpenalised: (XᵀX + λ·diag(0, 1, …, 1))⁻¹Xᵀy"
    ),
    f"{D2} §10",
)
def cap_ridge(draw: Draw) -> list[Pair]:
    from sklearn.linear_model import Ridge

    X, y = np.asarray(draw_design(draw, 10, 3)), np.asarray(draw(jt.vectors(size=10)))
    lam = draw(st.one_of(st.sampled_from([0.0, 1.0]), jt.finite_floats(1e-6, 1e3)))
    Xi = np.column_stack([np.ones(10), X])
    norms = [float(np.linalg.norm(jd.ridge(X, y, lam_k))) for lam_k in (0.0, 0.1, 1.0, 10.0, 1e12)]
    fitted = Ridge(alpha=lam, fit_intercept=True, solver="cholesky").fit(X, y)
    plain = Ridge(alpha=lam, fit_intercept=False, solver="cholesky").fit(X, y)
    beta = jd.ridge(X, y, lam)
    return [
        (beta, plain.coef_),
        (beta, np.linalg.solve(X.T @ X + lam * np.eye(3), X.T @ y)),  # the closed form
        (jd.ridge(Xi, y, lam, penalize_intercept=False), [fitted.intercept_, *fitted.coef_]),
        (jd.ridge(X, y, 0.0), jd.least_squares(X, y)),
        # ‖β_λ‖ does not increase with λ, and β_λ → 0 as λ → ∞
        *(le(b, a * (1 + 1e-12)) for a, b in zip(norms, norms[1:], strict=False)),
        le(norms[-1], 1e-9 * (1 + norms[0])),
    ]


@proposition(
    "P-CAP-VALIDATION",
    "stated",
    (
        "training, validation and test parts are disjoint and cover the data; the capacity is "
        "chosen on the validation part, never used for fitting"
    ),
    f"{D2} §10",
)
def cap_validation(draw: Draw) -> list[Pair]:
    n, k = draw(st.sampled_from([30, 61])), draw(st.sampled_from([2, 3]))
    labels = np.arange(n) % k
    X, Y = np.arange(n, dtype=np.float64)[:, None], np.eye(k)[labels]
    key = jax.random.PRNGKey(draw(st.integers(0, 2**31 - 1)))
    parts = jd.train_val_test_split(key, X, Y)
    rows = np.concatenate([part[0][:, 0] for part in parts]).astype(int)
    again = jd.train_val_test_split(key, X, Y)
    # the degree with the smallest validation error is chosen; the fits use training rows only
    x = np.linspace(-1, 1, 40)[np.random.default_rng(n).permutation(40)]
    target = np.sin(3 * x) + 0.1 * np.cos(17 * x)
    train, val = slice(0, 25), slice(25, 40)

    def fit(degree: int) -> np.ndarray:  # NumPy fits: the selection is what is checked here
        return np.linalg.lstsq(np.vander(x[train], degree + 1, increasing=True), target[train])[0]

    def score(beta: np.ndarray) -> float:  # validation rows only
        Phi = np.vander(x[val], len(beta), increasing=True)
        return float(np.sqrt(np.mean((Phi @ beta - target[val]) ** 2)))

    best, beta, scores = jd.select_by_validation(range(8), fit, score)
    return [
        (scores[best], min(scores)),
        same(min(scores) < scores[1]),  # a straight line under-fits sin(3x)
        (beta, fit(best)),  # the model returned is the training-rows fit of the chosen degree
        (np.sort(rows), np.arange(n)),
        *((Yp, Y[Xp[:, 0].astype(int)]) for Xp, Yp in parts),
        *((a[0], b[0]) for a, b in zip(parts, again, strict=True)),
    ]
