"""Differential calculus in the numerator layout (catalogue §2.B).

For f: ℝⁿ → ℝᵐ the Jacobian J_f(a) ∈ M_{m,n} has rows = outputs and columns = inputs,
J_f(a)_ij = ∂f_i/∂x_j(a) (001_602cbf05fdb6a620.txt Def 1.2). For m = 1 the gradient is the row
∇f(a) = J_f(a). Chain rule: J_{g∘f}(a) = J_g(f(a))·J_f(a) (001_602cbf05fdb6a620.txt Thm 1.3).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.validation import check_same_shape

__all__ = [
    "jacobian",
    "gradient",
    "compose",
    "chain_jacobian",
    "first_order_remainder",
]


def jacobian(f: Callable[..., Array], argnums: int = 0) -> Callable[..., Array]:
    """The Jacobian map $a ↦ J_f(a) ∈ M_{m,n}$, $J_ij = ∂f_i/∂e_j(a)$ (forward mode).

    Column j of J_f(a) is the derivative of f along the basis vector e_j; for m = 1 the
    Jacobian is the gradient, for m = n = 1 the derivative. With ``argnums`` it is the Jacobian
    of the partial map of that argument, the others frozen (001_602cbf05fdb6a620.txt Notation 12).

    P-DIFF-JACOBIAN (001_602cbf05fdb6a620.txt Def 1.2 and Corollary, corrected E-27),
    P-DIFF-PARTIAL (Notation 12).

    Args:
        f: a function of row vectors.
        argnums: the argument to differentiate.

    Returns:
        The function a ↦ J_f(a), ``(m, n)``.
    """
    return jax.jacfwd(f, argnums=argnums)


def gradient(f: Callable[..., Array], argnums: int = 0) -> Callable[..., Array]:
    """The gradient map $a ↦ ∇f(a) = J_f(a) ∈ M_{1,n}$ of a scalar f (a row, shape ``(n,)``).

    P-DIFF-JACOBIAN (001_602cbf05fdb6a620.txt Def 1.2, case m = 1).

    Args:
        f: a scalar function of a row vector.
        argnums: the argument to differentiate.

    Returns:
        The function a ↦ ∇f(a), ``(n,)``.
    """
    return jax.grad(f, argnums=argnums)


def compose(*functions: Callable[[Array], Array]) -> Callable[[Array], Array]:
    """Composition $⨀_{i=1}^{n} f_i = f_n∘…∘f_1$: f_1 is applied first.

    ``compose()`` is the identity (the empty composition, needed for the input of the first
    layer in 003_4420902fd2b6113f.txt §5); ``compose(f1)`` is f1.

    P-DIFF-COMPOSE (001_602cbf05fdb6a620.txt Notation 7).

    Args:
        *functions: f_1, …, f_n, in the order they are applied.

    Returns:
        The composition.
    """

    def composed(x: Array) -> Array:
        for f in functions:
            x = f(x)
        return x

    return composed


def chain_jacobian(jacobians: Sequence[ArrayLike]) -> Array:
    """Chain rule for a composition f_n∘…∘f_1: $J = J_{f_n}·…·J_{f_1}$.

    ``jacobians`` lists J_{f_1}(a), J_{f_2}(f_1(a)), …, J_{f_n}(…) in the order the maps are
    applied; the product is taken in the reverse order, so a chain ℝⁿ → ℝᵐ → ℝᵖ gives a
    p×n matrix.

    P-DIFF-CHAIN (001_602cbf05fdb6a620.txt Thm 1.3, codomain corrected E-28;
    003_4420902fd2b6113f.txt §2 Theorem; 004_6f61966887c71a84.txt "Jacobian chain rule").

    Raises:
        ValueError: if ``jacobians`` is empty or two consecutive shapes do not chain.

    Args:
        jacobians: J_{f_1}(a), …, J_{f_n}(…), in the order the maps are applied.

    Returns:
        The Jacobian of the composition.
    """
    if len(jacobians) == 0:
        raise ValueError("chain_jacobian: jacobians must hold at least one matrix")
    mats = [jnp.asarray(J) for J in jacobians]
    for k in range(1, len(mats)):
        if mats[k].shape[1] != mats[k - 1].shape[0]:
            raise ValueError(
                f"chain_jacobian: jacobians[{k}] has shape {mats[k].shape} but "
                f"jacobians[{k - 1}] has shape {mats[k - 1].shape}: columns of the later map "
                "must equal rows of the earlier one"
            )
    return functools.reduce(lambda acc, J: J @ acc, mats[1:], mats[0])


def first_order_remainder(f: Callable[[Array], Array], a: ArrayLike, h: ArrayLike) -> Array:
    """Relative first-order remainder $‖f(a + h) − f(a) − h·J_f(a)ᵀ‖ / ‖h‖$.

    f is (Fréchet) differentiable at a iff this tends to 0 as h → 0; the linear map
    h ↦ h·J_f(a)ᵀ is computed as a Jacobian-vector product.

    P-DIFF-FRECHET (001_602cbf05fdb6a620.txt Def 1.1; replaces the "derivable" definition of
    000_e9869ddaa8874969.txt/003_4420902fd2b6113f.txt, E-25).

    Args:
        f: a function of a row vector.
        a: the point ``(n,)``.
        h: the increment ``(n,)``, non-zero.

    Returns:
        The remainder, a scalar.
    """
    a, h = jnp.asarray(a), jnp.asarray(h)
    check_same_shape("first_order_remainder", ("a", a), ("h", h))
    fa, dfa_h = jax.jvp(f, (a,), (h,))
    return jnp.linalg.norm(jnp.ravel(f(a + h) - fa - dfa_h)) / jnp.linalg.norm(jnp.ravel(h))
