"""Least squares, polynomial capacity and ridge regularisation (002_0dd137535febb580.txt §1,
§9, §10).

One sample per row: X is ``(n, p)``, y is ``(n,)``, coefficients β are ``(p,)`` and the model
predicts X·β. ``polynomial_features`` puts the intercept column of ones first; ``ridge``
penalises every coefficient, or leaves that column unpenalised when asked (decision 9). Both
solvers work on X itself (Householder QR), not on XᵀX (decision 10). Validation (shapes, rank,
λ) happens when the inputs are concrete; under ``jax.jit`` the functions compute without checks.
"""

from __future__ import annotations

import functools
import warnings
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
    """$f_θ(x) = θ·x$ for one row x ``(p,)`` or a batch ``(n, p)``.

    P-CAP-LINEAR-MODEL (002_0dd137535febb580.txt §1).

    Args:
        theta: the coefficients θ ``(p,)``.
        x: one row ``(p,)`` or a batch ``(n, p)``.

    Returns:
        A scalar, or ``(n,)``.
    """
    return jnp.asarray(x) @ jnp.asarray(theta)


def polynomial_features(x: ArrayLike, degree: int) -> Array:
    """$φ_d(x) = [x⁰, x¹, …, x^d]$ (0⁰ = 1): ``(d + 1,)`` for a scalar x, ``(n, d + 1)`` for n.

    $φ₂(2) = [1, 2, 4]$. 002 writes the features [x_0, x_1, x_2], indices that clash with sample
    indices; they are powers (E-49).

    P-CAP-POLY-FEATURES (002_0dd137535febb580.txt §9, notation corrected E-49).

    Raises:
        ValueError: naming ``degree`` unless it is an integer ≥ 0.

    Args:
        x: a scalar or ``(n,)`` values.
        degree: d ≥ 0.

    Returns:
        ``(d + 1,)`` or ``(n, d + 1)``.
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


LSQ_METHODS = ("qr", "lstsq", "normal")


def least_squares(X: ArrayLike, y: ArrayLike, method: str = "qr") -> Array:
    """$β = argmin_β ‖X·β − y‖² = (XᵀX)⁻¹Xᵀy$ for X of full column rank.

    ``method`` chooses how the closed form is computed (decision 10):

    * ``"qr"`` (default): X = QR (Householder, reduced), β = R⁻¹Qᵀy by back-substitution. The
      error is that of the problem itself, O(κ(X)ε) plus O(κ(X)²ε) times the relative
      residual, where κ(X) = σ_max/σ_min.
    * ``"lstsq"``: the minimum-norm least-squares solution (SVD), which also exists when X has
      dependent columns.
    * ``"normal"``: the textbook route, solving XᵀX·β = Xᵀy (the inverse is never formed). Its
      error is O(κ(X)²ε) even for data without noise: a ``RuntimeWarning`` says so when
      κ(X)²ε exceeds √ε (half the digits lost: κ(X) > 8.2e3 in float64, 54 in float32).

    P-CAP-LSQ (002_0dd137535febb580.txt §9 eq (20)), decision 10.

    Raises:
        ValueError: naming ``X`` if its numerical rank (singular values above
            σ_max·max(n, p)·ε, as ``numpy.linalg.matrix_rank``) is below its number of columns,
            with the remedies; naming ``method`` if it is not one of the three.

    Args:
        X: the design matrix ``(n, p)``, n ≥ p.
        y: the targets ``(n,)``.
        method: ``"qr"`` (default), ``"lstsq"`` or ``"normal"``.

    Returns:
        β, ``(p,)``.
    """
    if method not in LSQ_METHODS:
        raise ValueError(f"method must be one of {LSQ_METHODS}, got {method!r}")
    X, y = _as_design(X, y)
    if method == "lstsq":
        return _minimum_norm(X, y)
    if _concrete(X):
        condition = _full_rank_condition(X)
        if method == "normal":
            _warn_if_normal_equations_inaccurate(condition, X.dtype)
    if method == "normal":
        return _solve_normal_equations(X, y)
    return _solve_qr(X, y, jnp.zeros(X.shape[1], X.dtype))


def _full_rank_condition(X: Array) -> float:
    """κ(X) = σ_max/σ_min of a concrete design; a ValueError naming X if X is rank-deficient."""
    host = np.asarray(X)
    singular = np.linalg.svd(host, compute_uv=False)
    dtype = np.dtype(host.dtype)
    tolerance = singular[0] * max(host.shape) * np.finfo(dtype).eps if singular.size else 0.0
    rank = int(np.sum(singular > tolerance))
    if rank < host.shape[1]:
        raise ValueError(
            f"X {host.shape} has rank {rank} < {host.shape[1]} columns in {dtype} (its singular "
            "values below σ_max·max(n, p)·ε count as 0), so XᵀX is singular; use "
            "ridge(X, y, lam) with lam > 0 or least_squares(X, y, method='lstsq')"
        )
    return float(singular[0] / singular[-1])


def _warn_if_normal_equations_inaccurate(condition: float, dtype: Any) -> None:
    eps = float(np.finfo(np.dtype(dtype)).eps)
    if condition**2 * eps > np.sqrt(eps):
        warnings.warn(
            f"least_squares(method='normal'): κ(X) = {condition:.3g}, so solving XᵀX·β = Xᵀy "
            f"can lose a relative {condition**2 * eps:.2g} of β (κ(X)²·ε); the default "
            "method='qr' loses at most about κ(X)·ε on data without noise",
            RuntimeWarning,
            stacklevel=3,
        )


@jax.jit
def _minimum_norm(X: Array, y: Array) -> Array:
    return jnp.linalg.lstsq(X, y)[0]


@jax.jit
def _solve_normal_equations(X: Array, y: Array) -> Array:
    """β solving XᵀX·β = Xᵀy by an LU solve, one program per shape."""
    return jnp.linalg.solve(X.T @ X, X.T @ y)


@jax.jit
def _solve_qr(X: Array, y: Array, root_penalty: Array) -> Array:
    """argmin_β ‖X·β − y‖² + ‖diag(root_penalty)·β‖² by Householder QR of X stacked on
    diag(root_penalty) (the augmented least-squares problem of ridge; zeros give plain least
    squares): R·β = Qᵀ[y; 0] by back-substitution."""
    A = jnp.concatenate([X, jnp.diag(root_penalty)])
    b = jnp.concatenate([y, jnp.zeros_like(root_penalty)])
    Q, R = jnp.linalg.qr(A)
    return jax.scipy.linalg.solve_triangular(R, Q.T @ b, lower=False)


def ridge(X: ArrayLike, y: ArrayLike, lam: float, penalize_intercept: bool = True) -> Array:
    """$β_λ = argmin_β ‖X·β − y‖² + λ‖β‖² = (XᵀX + λI)⁻¹Xᵀy$ for λ ≥ 0 (no 1/n factor).

    Every coefficient is penalised, as 002 §10 prints the objective (decision 9); with
    ``penalize_intercept=False`` column 0 of X must be the intercept column of ones (as
    ``polynomial_features`` makes) and is left unpenalised, D = diag(0, 1, …, 1) in
    (XᵀX + λD)⁻¹Xᵀy: the statistical convention of
    ``sklearn.linear_model.Ridge(fit_intercept=True)``.

    Computed stably as the least-squares problem of X stacked on √λ·D (Householder QR), never
    through XᵀX + λD. λ = 0 is ``least_squares`` (and raises as it does for a rank-deficient X).

    P-CAP-RIDGE (002_0dd137535febb580.txt §10), decision 9.

    Raises:
        ValueError: naming ``lam`` unless it is a finite number ≥ 0; naming ``X`` if its column 0
            is not all ones while ``penalize_intercept`` is False, or if λ = 0 and X is
            rank-deficient.

    Args:
        X: the design matrix ``(n, p)``.
        y: the targets ``(n,)``.
        lam: λ ≥ 0.
        penalize_intercept: penalise column 0 too (002's objective, default) or not.

    Returns:
        β_λ, ``(p,)``.
    """
    X, y = _as_design(X, y)
    if _concrete(X, jnp.asarray(lam)):
        if not (np.isfinite(lam) and lam >= 0):
            raise ValueError(f"lam must be a finite number ≥ 0, got {lam}")
        if not penalize_intercept and not bool(jnp.all(X[:, 0] == 1)):
            raise ValueError(
                "X[:, 0] must be the intercept column of ones when penalize_intercept=False "
                "(prepend it, or leave penalize_intercept=True to penalise every coefficient)"
            )
        if lam == 0:
            return least_squares(X, y)
    penalty = np.ones(X.shape[1], X.dtype)
    if not penalize_intercept:
        penalty[0] = 0.0
    return _solve_qr(X, y, jnp.sqrt(jnp.asarray(lam, X.dtype)) * penalty)


def unseen_rmse(f: Callable[[Array], Array], X_unseen: ArrayLike, y_unseen: ArrayLike) -> Array:
    """$E(f, D, U) = (Σ_{(x_i, y_i) ∈ U} (y_i − f(x_i))² / #U)^{1/2}$: the RMSE of the trained
    model f on data U held out from training. ``f`` maps the ``(n, p)`` rows to ``(n,)``.

    P-CAP-RMSE-UNSEEN (002_0dd137535febb580.txt §9 eq (19)).

    Raises:
        ValueError: naming ``X_unseen`` if U is empty (E is undefined).

    Args:
        f: the trained model, mapping ``(n, p)`` rows to ``(n,)``.
        X_unseen: the held-out rows ``(n, p)``.
        y_unseen: their targets ``(n,)``.

    Returns:
        E, a scalar.
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

    Args:
        candidates: the capacities to try (degrees, λs, …).
        fit: ``fit(candidate)``, a model fitted on the training rows.
        score: ``score(model)``, its validation error (lower is better).

    Returns:
        ``(best candidate, its fitted model, every score)``.
    """
    if len(candidates) == 0:
        raise ValueError("candidates is empty")
    models = [fit(c) for c in candidates]
    scores = [float(score(m)) for m in models]
    best = int(np.argmin(scores))
    return candidates[best], models[best], scores
