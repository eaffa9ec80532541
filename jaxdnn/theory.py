"""Optimisation theory of 001_602cbf05fdb6a620.txt §6.1 as functions that can be evaluated.

Each inequality of §6.1 becomes a *gap*: a number that is ≥ 0 exactly when the inequality holds
at the given points, so that a property test (or a user) can check it and see it fail for a
function without the assumed property. Vectors are rows (``(m,)`` arrays); f maps ``(m,)`` to
a scalar, ``grad_f`` to ``(m,)``. The gradient-descent sequence of Def 6.4 is one jitted
``lax.scan``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.matrices import row_norm
from jaxdnn.validation import check_same_shape

__all__ = [
    "gd_trajectory",
    "convexity_gap",
    "first_order_convexity_gap",
    "lipschitz_ratio",
    "descent_lemma_gap",
    "cocoercivity_gap",
    "cocoercivity_intermediate_gap",
    "quadratic_smoothness",
    "logistic_smoothness",
    "softmax_regression_smoothness",
    "gd_rate_constant",
    "gd_rate_bound",
]

Scalar = Callable[[Array], Array]
Gradient = Callable[[Array], Array]


def _points(function: str, x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
    """Two points of one space: arrays of one shape (static check)."""
    x, y = jnp.asarray(x), jnp.asarray(y)
    check_same_shape(function, ("x", x), ("y", y))
    return x, y


def _check_smoothness(L: ArrayLike, divides: bool = True) -> None:
    """A concrete smoothness constant L must be a finite number > 0 (≥ 0 where it does not
    divide: a constant or affine f is 0-smooth)."""
    if isinstance(L, jax.core.Tracer):
        return
    value = np.asarray(L)
    if value.ndim != 0 or not (np.isfinite(value) and (value > 0 if divides else value >= 0)):
        raise ValueError(f"L must be a finite number {'>' if divides else '≥'} 0, got {L!r}")


def _check_symmetric_square(name: str, A: Array) -> None:
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {A.shape}")


def _check_learning_rate(lr: float) -> None:
    if isinstance(lr, jax.core.Tracer):
        return  # traced under jit: validated by the caller
    if isinstance(lr, bool | str | bytes) or np.ndim(lr) != 0:
        raise TypeError(f"lr must be a number, got {lr!r}")
    value = float(lr)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr}")


def gd_trajectory(
    grad_f: Callable[..., Array], x0: ArrayLike, lr: float, n_steps: int, args: tuple = ()
) -> Array:
    """Gradient descent $x^(n+1) = x^(n) − α∇f(x^(n))$ for n = 0, …, n_steps − 1.

    Returns the iterates x^(0), x^(1), …, x^(n_steps), shape ``(n_steps + 1, m)``. The recurrence
    holds from n = 0 (001 prints it for n ∈ ℕ* only, which never defines x^(1): E-06).
    ``grad_f(x, *args)`` is the gradient; pass data through ``args`` rather than a new closure
    per problem, so that one compiled program (per grad_f, n_steps and shapes) serves them all.

    P-OPT-GD (001_602cbf05fdb6a620.txt Def 6.4 eq (22), corrected E-06).

    Raises:
        ValueError: naming ``lr`` unless it is a finite number > 0, or ``n_steps`` if negative.

    Args:
        grad_f: ``grad_f(x, *args)``, the gradient of f.
        x0: x^(0), a row vector ``(m,)``.
        lr: α > 0, the step size.
        n_steps: the number of steps (≥ 0).
        args: extra arguments of ``grad_f`` (data).

    Returns:
        The iterates ``(n_steps + 1, m)``.
    """
    _check_learning_rate(lr)
    if isinstance(n_steps, bool) or not isinstance(n_steps, int | np.integer) or n_steps < 0:
        raise ValueError(f"n_steps must be an integer ≥ 0, got {n_steps!r}")
    if not callable(grad_f):
        raise TypeError(f"grad_f must be a function (the gradient of f), got {grad_f!r}")
    x0 = np.asarray(x0) if not isinstance(x0, jax.Array) else x0
    if not jnp.issubdtype(x0.dtype, jnp.floating) or x0.ndim != 1:
        raise ValueError(f"x0 must be a vector of real numbers, got {x0.dtype} {x0.shape}")
    return _gd_scan(grad_f, int(n_steps))(jnp.asarray(x0), lr, tuple(args))


@functools.lru_cache(maxsize=64)
def _gd_scan(grad_f: Callable[..., Array], n_steps: int) -> Callable[..., Array]:
    @jax.jit
    def run(x0: Array, lr: Array, args: tuple) -> Array:
        def step(x: Array, _: None) -> tuple[Array, Array]:
            x = x - lr * grad_f(x, *args)
            return x, x

        iterates = jax.lax.scan(step, x0, None, length=n_steps)[1]
        return jnp.concatenate([x0[None], iterates])

    return run


def convexity_gap(f: Scalar, x: ArrayLike, y: ArrayLike, tau: ArrayLike) -> Array:
    """$τf(x) + (1 − τ)f(y) − f(τx + (1 − τ)y)$: ≥ 0 for all x, y and τ ∈ [0, 1] iff f is convex.

    P-OPT-CONVEX-DEF (001_602cbf05fdb6a620.txt Def 6.1 eq (15)).

    Args:
        f: a scalar function of one row vector.
        x: a point, a row vector.
        y: another point, of x's shape.
        tau: τ ∈ [0, 1].

    Returns:
        The gap, a scalar.
    """
    x, y = _points("convexity_gap", x, y)
    tau = jnp.asarray(tau)
    if not isinstance(tau, jax.core.Tracer) and not (tau.ndim == 0 and 0 <= float(tau) <= 1):
        raise ValueError(f"tau must be a number in [0, 1], got {tau}")
    return tau * f(x) + (1 - tau) * f(y) - f(tau * x + (1 - tau) * y)


def first_order_convexity_gap(f: Scalar, x: ArrayLike, y: ArrayLike) -> Array:
    """$f(y) − f(x) − ∇f(x)·(y − x)ᵀ$: ≥ 0 for all x, y iff the differentiable f is convex.

    P-OPT-CONVEX-FOC (001_602cbf05fdb6a620.txt Prop 6.1 eq (16)).

    Args:
        f: a scalar function of one row vector.
        x: a point, a row vector.
        y: another point, of x's shape.

    Returns:
        The gap, a scalar.
    """
    x, y = _points("first_order_convexity_gap", x, y)
    value, slope = jax.jvp(f, (x,), (y - x,))
    return f(y) - value - slope


def lipschitz_ratio(grad_f: Gradient, x: ArrayLike, y: ArrayLike) -> Array:
    """$‖∇f(x) − ∇f(y)‖ / ‖x − y‖$ (x ≠ y): f is L-smooth iff this never exceeds L.

    P-OPT-LSMOOTH-DEF (001_602cbf05fdb6a620.txt Def 6.2 eq (17)).

    Args:
        grad_f: ∇f, a function of one row vector returning a row.
        x: a point, a row vector.
        y: another point, of x's shape. (x ≠ y)

    Returns:
        The ratio, a scalar.
    """
    x, y = _points("lipschitz_ratio", x, y)
    # row_norm is scaled: no underflow for the tiny differences of nearby points
    return row_norm(jnp.ravel(grad_f(x) - grad_f(y))) / row_norm(jnp.ravel(x - y))


def descent_lemma_gap(f: Scalar, L: ArrayLike, x: ArrayLike, y: ArrayLike) -> Array:
    """$f(x) + ∇f(x)·(y − x)ᵀ + (L/2)‖y − x‖² − f(y)$: ≥ 0 when f is L-smooth (convex or not).

    P-OPT-DESCENT-LEMMA (001_602cbf05fdb6a620.txt Prop 6.2 eq (18)).

    Args:
        f: a scalar function of one row vector.
        L: the smoothness constant L > 0.
        x: a point, a row vector.
        y: another point, of x's shape.

    Returns:
        The gap, a scalar.
    """
    x, y = _points("descent_lemma_gap", x, y)
    _check_smoothness(L, divides=False)
    value, slope = jax.jvp(f, (x,), (y - x,))
    return value + slope + 0.5 * L * jnp.sum((y - x) ** 2) - f(y)


def cocoercivity_gap(grad_f: Gradient, L: ArrayLike, x: ArrayLike, y: ArrayLike) -> Array:
    """$(∇f(y) − ∇f(x))·(y − x)ᵀ − (1/L)‖∇f(y) − ∇f(x)‖²$: ≥ 0 when f is convex and L-smooth.

    Convexity is necessary: $f = −½‖x‖²$ (L = 1) gives −2‖y − x‖².

    P-OPT-COCOERCIVITY (001_602cbf05fdb6a620.txt Prop 6.3 eq (19)).

    Args:
        grad_f: ∇f, a function of one row vector returning a row.
        L: the smoothness constant L > 0.
        x: a point, a row vector.
        y: another point, of x's shape.

    Returns:
        The gap, a scalar.
    """
    x, y = _points("cocoercivity_gap", x, y)
    _check_smoothness(L)
    delta = grad_f(y) - grad_f(x)
    return jnp.dot(delta, y - x) - jnp.sum(delta**2) / L


def cocoercivity_intermediate_gap(f: Scalar, L: ArrayLike, x: ArrayLike, y: ArrayLike) -> Array:
    """$∇f(y)·(y − x)ᵀ − (1/(2L))‖∇f(y) − ∇f(x)‖² − (f(y) − f(x))$: the intermediate inequality
    (a) of the co-coercivity proof, ≥ 0 when f is convex and L-smooth.

    It follows from f(y) − f(z) + f(z) − f(x) with z = x + (1/L)(∇f(y) − ∇f(x)); the proof
    prints z = x − (1/L)(…) (E-38), for which the bound no longer reduces to this expression.

    P-OPT-COCOERCIVITY (001_602cbf05fdb6a620.txt Prop 6.3, proof corrected E-38).

    Args:
        f: a scalar function of one row vector.
        L: the smoothness constant L > 0.
        x: a point, a row vector.
        y: another point, of x's shape.

    Returns:
        The gap, a scalar.
    """
    x, y = _points("cocoercivity_intermediate_gap", x, y)
    _check_smoothness(L)
    gx, gy = jax.grad(f)(x), jax.grad(f)(y)
    return jnp.dot(gy, y - x) - jnp.sum((gy - gx) ** 2) / (2 * L) - (f(y) - f(x))


def quadratic_smoothness(A: ArrayLike) -> Array:
    """Smoothness constant of $f(x) = ½(x − c)·A·(x − c)ᵀ$ for symmetric A: $L = max |λ_i(A)|$
    (the largest eigenvalue when A is positive semi-definite).

    ∇f(x) − ∇f(y) = (x − y)·A, whose norm is at most ‖A‖₂‖x − y‖ with equality along the top
    eigenvector. P-OPT-LSMOOTH-DEF (001_602cbf05fdb6a620.txt Def 6.2; catalogue §2.J family).

    Args:
        A: a symmetric m×m matrix.

    Returns:
        L, a scalar.
    """
    A = jnp.asarray(A)
    _check_symmetric_square("A", A)
    return jnp.max(jnp.abs(jnp.linalg.eigvalsh(A)))


def _design(X: ArrayLike, reduction: str) -> Array:
    """A design matrix (n, p), one sample per row, and a known reduction."""
    X = jnp.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a matrix (n, p) with at least one row, got shape {X.shape}")
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
    return X


def logistic_smoothness(X: ArrayLike, reduction: str = "mean") -> Array:
    """Standard smoothness bound of logistic regression β ↦ Σ_i BCE(σ(x_i·βᵀ), y_i):
    $L = ¼·λ_max(XᵀX)$ for the sum, divided by n for the mean.

    The Hessian is Xᵀ·diag(σ_i(1 − σ_i))·X and σ(1 − σ) ≤ ¼ (P-ACT-SIGMOID).
    P-OPT-LSMOOTH-DEF (001_602cbf05fdb6a620.txt Def 6.2; the loss of 002_0dd137535febb580.txt
    §4.1 with the sigmoid of §5.2).

    Args:
        X: the design matrix ``(n, m)``.
        reduction: ``"mean"`` (default) or ``"sum"``.

    Returns:
        L, a scalar.
    """
    X = _design(X, reduction)
    top = jnp.linalg.eigvalsh(X.T @ X)[-1] / 4
    return top / X.shape[0] if reduction == "mean" else top


def softmax_regression_smoothness(X: ArrayLike, reduction: str = "mean") -> Array:
    """Standard smoothness bound of softmax regression W ↦ Σ_i ξ(S(x_i·Wᵀ), y*_i) with
    Σ y*_i = 1: $L = ½·λ_max(XᵀX)$ for the sum, divided by n for the mean.

    In the logits the Hessian is J_S = diag(S) − SᵀS, whose eigenvalues lie in [0, ½]
    (P-ACT-SOFTMAX-JAC), and the logits are linear in W. Append a column of ones to X for
    biases. P-OPT-LSMOOTH-DEF (001_602cbf05fdb6a620.txt Def 6.2, Prop 5.3).

    Args:
        X: the design matrix ``(n, m)``.
        reduction: ``"mean"`` (default) or ``"sum"``.

    Returns:
        L, a scalar.
    """
    X = _design(X, reduction)
    top = jnp.linalg.eigvalsh(X.T @ X)[-1] / 2
    return top / X.shape[0] if reduction == "mean" else top


def gd_rate_constant(lr: float, L: float) -> float:
    """$C = α − Lα²/2$, positive exactly when 0 < α < 2/L.

    P-OPT-GD-RATE (001_602cbf05fdb6a620.txt Prop 6.5).

    Raises:
        ValueError: naming ``lr`` if it is not in ]0, 2/L[ (then C ≤ 0 and Prop 6.5 says
            nothing), or ``L`` if it is not a finite number > 0.

    Args:
        lr: α, the step size.
        L: the smoothness constant.

    Returns:
        C, a float.
    """
    lr, L = float(lr), float(L)
    if not (math.isfinite(L) and L > 0):
        raise ValueError(f"L must be a finite number > 0, got {L}")
    if not 0 < lr < 2 / L:
        raise ValueError(f"lr must lie in ]0, 2/L[ = ]0, {2 / L:.6g}[ for Prop 6.5, got {lr}")
    return lr - L * lr * lr / 2


def gd_rate_bound(
    x0: ArrayLike, x_star: ArrayLike, lr: float, L: float, n: int | ArrayLike
) -> np.ndarray:
    """$‖x^(0) − x*‖² / (n·C)$, the bound of Prop 6.5 on f(x^(n)) − f(x*), for n ≥ 1.

    f convex and L-smooth with a minimiser x*, 0 < α < 2/L, C = α − Lα²/2: then for every
    n ≥ 1, f(x^(n)) − f(x*) ≤ ‖x^(0) − x*‖²/(nC), a rate O(1/n) (001 writes o_{n→0}(n⁻¹), E-39).
    ``n`` may be an array of step counts.

    P-OPT-GD-RATE (001_602cbf05fdb6a620.txt Prop 6.5, note and proof corrected E-39).

    Raises:
        ValueError: as :func:`gd_rate_constant`, or naming ``n`` if some n < 1.

    Args:
        x0: the starting point x^(0).
        x_star: a minimiser x*.
        lr: α ∈ ]0, 2/L[.
        L: the smoothness constant.
        n: the step count n ≥ 1, or an array of them.

    Returns:
        The bound, of ``n``'s shape.
    """
    C = gd_rate_constant(lr, L)
    n = np.asarray(n, dtype=np.float64)
    if np.any(n < 1):
        raise ValueError(f"n must be ≥ 1, got {n.min()}")
    r2 = float(np.sum((np.asarray(x0, np.float64) - np.asarray(x_star, np.float64)) ** 2))
    return r2 / (n * C)
