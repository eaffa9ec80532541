"""Least squares, polynomial capacity and ridge regularisation (002_0dd137535febb580.txt §1,
§9, §10).

One sample per row: X is ``(n, p)``, y is ``(n,)``, coefficients β are ``(p,)`` and the model
predicts X·β. ``polynomial_features`` puts the intercept column of ones first; ``ridge`` leaves
that column unpenalised unless asked (decision 9). Validation (shapes, rank, λ) happens when the
inputs are concrete; under ``jax.jit`` the functions compute without checks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.validation import check_finite

__all__ = [
    "linear_model",
    "polynomial_features",
    "least_squares",
    "ridge",
    "unseen_rmse",
    "select_by_validation",
]

Candidate = TypeVar("Candidate")


def linear_model(theta: ArrayLike, x: ArrayLike) -> Array:
    """f_θ(x) = θ·x for one row x ``(p,)`` or a batch ``(n, p)``.

    P-CAP-LINEAR-MODEL (002_0dd137535febb580.txt §1).
    """
    return jnp.asarray(x) @ jnp.asarray(theta)


def polynomial_features(x: ArrayLike, degree: int) -> Array:
    """φ_d(x) = [x⁰, x¹, …, x^d] (0⁰ = 1): ``(d + 1,)`` for a scalar x, ``(n, d + 1)`` for n.

    φ₂(2) = [1, 2, 4]. 002 writes the features [x_0, x_1, x_2], indices that clash with sample
    indices; they are powers (E-49).

    P-CAP-POLY-FEATURES (002_0dd137535febb580.txt §9, notation corrected E-49).

    Raises:
        ValueError: naming ``degree`` unless it is an integer ≥ 0.
    """
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer) or degree < 0:
        raise ValueError(f"degree must be an integer ≥ 0, got {degree!r}")
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return _powers(x, int(degree))


@functools.partial(jax.jit, static_argnums=1)
def _powers(x: Array, degree: int) -> Array:
    # running products 1, x, x·x, …: the same multiplications as numpy.vander
    factors = jnp.concatenate(
        [jnp.ones((*x.shape, 1), x.dtype), jnp.repeat(x[..., None], degree, axis=-1)], axis=-1
    )
    return jnp.cumprod(factors, axis=-1)


def _as_design(X: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
    X, y = jnp.asarray(X), jnp.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n, p), got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X {X.shape}, got {y.shape}")
    check_finite("X", X)
    check_finite("y", y)
    return X, y


def _concrete(*arrays: Array) -> bool:
    return not any(isinstance(a, jax.core.Tracer) for a in arrays)


def least_squares(X: ArrayLike, y: ArrayLike, method: str = "normal") -> Array:
    """β = argmin_β ‖X·β − y‖² = (XᵀX)⁻¹Xᵀy, by solving the normal equations XᵀX·β = Xᵀy
    (``jnp.linalg.solve``; the inverse is never formed).

    ``method="lstsq"`` returns the minimum-norm least-squares solution instead (SVD), which
    exists also when X has dependent columns.

    P-CAP-LSQ (002_0dd137535febb580.txt §9 eq (20)), decision 10.

    Raises:
        ValueError: naming ``X`` if X has rank < its number of columns (XᵀX singular), with the
            remedies; naming ``method`` if it is neither "normal" nor "lstsq".
    """
    if method not in ("normal", "lstsq"):
        raise ValueError(f"method must be 'normal' or 'lstsq', got {method!r}")
    X, y = _as_design(X, y)
    if method == "lstsq":
        return jnp.linalg.lstsq(X, y)[0]
    if _concrete(X):
        rank = int(np.linalg.matrix_rank(np.asarray(X)))
        if rank < X.shape[1]:
            raise ValueError(
                f"X {X.shape} has rank {rank} < {X.shape[1]} columns: XᵀX is singular; use "
                "ridge(X, y, lam) with lam > 0 or least_squares(X, y, method='lstsq')"
            )
    return _solve_normal_equations(X, y, 0.0, np.zeros(X.shape[1], X.dtype))


@jax.jit
def _solve_normal_equations(X: Array, y: Array, lam: ArrayLike, penalty: Array) -> Array:
    """β = (XᵀX + λ·diag(penalty))⁻¹Xᵀy by a linear solve, one program per shape."""
    return jnp.linalg.solve(X.T @ X + lam * jnp.diag(penalty), X.T @ y)


def ridge(X: ArrayLike, y: ArrayLike, lam: float, penalize_intercept: bool = False) -> Array:
    """β_λ = argmin_β ‖X·β − y‖² + λ‖β‖² = (XᵀX + λD)⁻¹Xᵀy (no 1/n factor).

    D = I when ``penalize_intercept``; otherwise column 0 of X is the intercept column of ones
    (as ``polynomial_features`` makes) and D = diag(0, 1, …, 1) leaves it unpenalised, the
    convention of ``sklearn.linear_model.Ridge(fit_intercept=True)``. λ = 0 is least squares.

    P-CAP-RIDGE (extension of 002_0dd137535febb580.txt §10, "regularising the model"),
    decision 9.

    Raises:
        ValueError: naming ``lam`` unless it is a finite number ≥ 0; naming ``X`` if its column 0
            is not all ones while ``penalize_intercept`` is False.
    """
    X, y = _as_design(X, y)
    if _concrete(X, jnp.asarray(lam)):
        if not (np.isfinite(lam) and lam >= 0):
            raise ValueError(f"lam must be a finite number ≥ 0, got {lam}")
        if not penalize_intercept and not bool(jnp.all(X[:, 0] == 1)):
            raise ValueError(
                "X[:, 0] must be the intercept column of ones when penalize_intercept=False "
                "(prepend it, or pass penalize_intercept=True to penalise every coefficient)"
            )
    penalty = np.ones(X.shape[1], X.dtype)
    if not penalize_intercept:
        penalty[0] = 0.0
    return _solve_normal_equations(X, y, lam, penalty)


def unseen_rmse(f: Callable[[Array], Array], X_unseen: ArrayLike, y_unseen: ArrayLike) -> Array:
    """E(f, D, U) = (Σ_{(x_i, y_i) ∈ U} (y_i − f(x_i))² / #U)^{1/2}: the RMSE of the trained
    model f on data U held out from training. ``f`` maps the ``(n, p)`` rows to ``(n,)``.

    P-CAP-RMSE-UNSEEN (002_0dd137535febb580.txt §9 eq (19)).

    Raises:
        ValueError: naming ``X_unseen`` if U is empty (E is undefined).
    """
    X_unseen, y_unseen = jnp.asarray(X_unseen), jnp.asarray(y_unseen)
    if X_unseen.shape[0] == 0:
        raise ValueError("X_unseen is empty: the error on unseen data is undefined")
    return jnp.sqrt(jnp.mean((y_unseen - f(X_unseen)) ** 2))


def select_by_validation(
    candidates: Sequence[Candidate],
    fit: Callable[[Candidate], Any],
    score: Callable[[Any], float],
) -> tuple[Candidate, Any, list[float]]:
    """Capacity chosen on validation data: fit every candidate (a degree, a λ, …) on the
    training part, score each fitted model on the validation part, keep the argmin.

    Returns ``(best candidate, its fitted model, every score)``; ties go to the first
    candidate. ``fit`` must only see training rows and ``score`` only validation rows.

    P-CAP-VALIDATION (002_0dd137535febb580.txt §10).

    Raises:
        ValueError: naming ``candidates`` if there are none.
    """
    if len(candidates) == 0:
        raise ValueError("candidates is empty")
    models = [fit(c) for c in candidates]
    scores = [float(score(m)) for m in models]
    best = int(np.argmin(scores))
    return candidates[best], models[best], scores
