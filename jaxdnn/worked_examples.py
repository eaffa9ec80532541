"""The worked examples of the primer 004_6f61966887c71a84.txt (catalogue §2.I).

Each example function sits beside its closed-form gradient or Jacobian. Points are rows:
a point (x, y) of ℝ² is the array ``[x, y]``; the document shows gradients as columns.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.activations import identity, identity_derivative

__all__ = [
    "quad_cos",
    "quad_cos_gradient",
    "poly_exp",
    "poly_exp_jacobian",
    "sin_square",
    "sin_square_derivative",
    "sin_log",
    "sin_log_inner",
    "sin_log_inner_jacobian",
    "sin_log_outer_jacobian",
    "sin_log_jacobian",
    "hadamard_jacobians",
    "scalar_expansion_jacobians",
]


def _point(v: ArrayLike, name: str = "v") -> Array:
    """The worked examples are maps of a point (x, y) ∈ ℝ²: v must have shape (2,)."""
    v = jnp.asarray(v)
    if v.shape != (2,):
        raise ValueError(f"{name} must be a point of ℝ², shape (2,), got {v.shape}")
    return v


@jax.jit
def quad_cos(v: ArrayLike) -> Array:
    """$f(x, y) = x² + cos y$ at v = [x, y].

    P-EX-GRAD-X2COSY (004_6f61966887c71a84.txt Introduction).

    Args:
        v: the point [x, y] ``(2,)``.

    Returns:
        f(v), a scalar.
    """
    x, y = _point(v)
    return x**2 + jnp.cos(y)


@jax.jit
def quad_cos_gradient(v: ArrayLike) -> Array:
    """$∇f(x, y) = [2x, −sin y]$ for f(x, y) = x² + cos y.

    P-EX-GRAD-X2COSY (004_6f61966887c71a84.txt Introduction).

    Args:
        v: the point [x, y] ``(2,)``.

    Returns:
        ``(2,)``.
    """
    x, y = _point(v)
    return jnp.stack([2 * x, -jnp.sin(y)])


@jax.jit
def poly_exp(v: ArrayLike) -> Array:
    """$f(x, y) = [2x + y³, e^y − 13x]$ at v = [x, y].

    P-EX-JAC-POLYEXP (004_6f61966887c71a84.txt Introduction).

    Args:
        v: the point [x, y] ``(2,)``.

    Returns:
        ``(2,)``.
    """
    x, y = _point(v)
    return jnp.stack([2 * x + y**3, jnp.exp(y) - 13 * x])


@jax.jit
def poly_exp_jacobian(v: ArrayLike) -> Array:
    """$J = [[2, 3y²], [−13, e^y]]$ for f(x, y) = [2x + y³, e^y − 13x].

    P-EX-JAC-POLYEXP (004_6f61966887c71a84.txt Introduction).

    Args:
        v: the point [x, y] ``(2,)``.

    Returns:
        The 2×2 Jacobian.
    """
    x, y = _point(v)
    two, minus_13 = jnp.full_like(x, 2.0), jnp.full_like(x, -13.0)
    return jnp.stack([jnp.stack([two, 3 * y**2]), jnp.stack([minus_13, jnp.exp(y)])])


@jax.jit
def sin_square(x: ArrayLike) -> Array:
    """$f(x) = sin(x²)$, the composition $f = sin∘g$ with $g(x) = x²$.

    P-EX-SCALAR-CHAIN (004_6f61966887c71a84.txt Introduction).

    Args:
        x: a scalar (or an array, element-wise).

    Returns:
        sin(x²).
    """
    x = jnp.asarray(x)
    return jnp.sin(x**2)


@jax.jit
def sin_square_derivative(x: ArrayLike) -> Array:
    """$d/dx sin(x²) = f′(g(x))·g′(x) = cos(x²)·2x$.

    P-EX-SCALAR-CHAIN (004_6f61966887c71a84.txt Introduction).

    Args:
        x: a scalar (or an array, element-wise).

    Returns:
        2x·cos(x²).
    """
    x = jnp.asarray(x)
    return jnp.cos(x**2) * (2 * x)


@jax.jit
def sin_log_inner(v: ArrayLike) -> Array:
    """Inner map $g(a, b) = [a² + b, b³]$ of the example f(a, b) = [sin(a² + b), ln(b³)].

    P-EX-JAC-SINLOG (004_6f61966887c71a84.txt Introduction).

    Args:
        v: the point [a, b] ``(2,)``, b > 0.

    Returns:
        ``(2,)``.
    """
    a, b = _point(v)
    return jnp.stack([a**2 + b, b**3])


@jax.jit
def sin_log(v: ArrayLike) -> Array:
    """$f(a, b) = [sin(a² + b), ln(b³)]$, defined for b > 0.

    P-EX-JAC-SINLOG (004_6f61966887c71a84.txt Introduction).

    Args:
        v: the point [a, b] ``(2,)``, b > 0.

    Returns:
        ``(2,)``.
    """
    g1, g2 = sin_log_inner(v)
    return jnp.stack([jnp.sin(g1), jnp.log(g2)])


@jax.jit
def sin_log_inner_jacobian(v: ArrayLike) -> Array:
    """$J_g(a, b) = [[2a, 1], [0, 3b²]]$ for g(a, b) = [a² + b, b³].

    P-EX-JAC-SINLOG (004_6f61966887c71a84.txt Introduction).

    Args:
        v: the point [a, b] ``(2,)``, b > 0.

    Returns:
        The 2×2 Jacobian.
    """
    a, b = _point(v)
    return jnp.stack(
        [jnp.stack([2 * a, jnp.ones_like(b)]), jnp.stack([jnp.zeros_like(a), 3 * b**2])]
    )


@jax.jit
def sin_log_outer_jacobian(g: ArrayLike) -> Array:
    """$J_f(g) = diag(cos g₁, 1/g₂)$ for the outer map f(g) = [sin g₁, ln g₂].

    P-EX-JAC-SINLOG (004_6f61966887c71a84.txt Introduction).

    Args:
        g: the inner value [g₁, g₂] ``(2,)``, g₂ > 0.

    Returns:
        The 2×2 Jacobian.
    """
    g1, g2 = _point(g, "g")
    return jnp.diag(jnp.stack([jnp.cos(g1), 1 / g2]))


@jax.jit
def sin_log_jacobian(v: ArrayLike) -> Array:
    """$J = J_f(g)·J_g = [[2a·cos(a² + b), cos(a² + b)], [0, 3/b]]$ (3b²/b³ simplified to 3/b).

    P-EX-JAC-SINLOG (004_6f61966887c71a84.txt Introduction, the final Jacobian).

    Args:
        v: the point [a, b] ``(2,)``, b > 0.

    Returns:
        The 2×2 Jacobian.
    """
    a, b = _point(v)
    c = jnp.cos(a**2 + b)
    return jnp.stack([jnp.stack([2 * a * c, c]), jnp.stack([jnp.zeros_like(b), 3 / b])])


@partial(jax.jit, static_argnames=("f", "df", "g", "dg"))
def hadamard_jacobians(
    v: ArrayLike,
    w: ArrayLike,
    f: Callable[[Array], Array] = identity,
    df: Callable[[Array], Array] = identity_derivative,
    g: Callable[[Array], Array] = identity,
    dg: Callable[[Array], Array] = identity_derivative,
) -> tuple[Array, Array]:
    """Jacobians of $F(v, w) = f(v) ⊙ g(w)$ for element-wise f, g (derivatives df, dg).

    ∂F/∂v = diag(f′(v) ⊙ g(w)), ∂F/∂w = diag(f(v) ⊙ g′(w)); for F = v ⊙ w (the defaults):
    ∂F/∂v = diag(w), ∂F/∂w = diag(v). The primer gives diag(v) for ∂F/∂v (E-15), and the
    Jacobian is diagonal only when f and g are element-wise.

    P-EX-HADAMARD-JAC (004_6f61966887c71a84.txt "Derivative of a binary element-wise operation",
    "Hadamard product", corrected E-15).

    Args:
        v: a vector ``(n,)``.
        w: a vector ``(n,)``.
        f: element-wise, applied to v (default the identity).
        df: f′.
        g: element-wise, applied to w (default the identity).
        dg: g′.

    Returns:
        ``(∂F/∂v, ∂F/∂w)``, each n×n.
    """
    v, w = jnp.asarray(v), jnp.asarray(w)
    if v.ndim != 1 or v.shape != w.shape:
        raise ValueError(
            f"v and w must be vectors of one length, got shapes {v.shape} and {w.shape}"
        )
    return jnp.diag(df(v) * g(w)), jnp.diag(f(v) * dg(w))


@partial(jax.jit, static_argnames=("f", "df"))
def scalar_expansion_jacobians(
    v: ArrayLike,
    x: ArrayLike,
    f: Callable[[Array], Array] = identity,
    df: Callable[[Array], Array] = identity_derivative,
) -> tuple[Array, Array]:
    """Jacobians of $F(v, x) = f(v) ⊙ (x·𝟙)$ for a vector v ∈ ℝⁿ and a scalar x.

    ∂F/∂v = x·diag(f′(v)) (x·I_n for F = x·v) and ∂F/∂x = f(v)ᵀ, an n×1 Jacobian returned with
    shape ``(n,)`` as ``jax.jacfwd`` does for a 0-d argument. The primer omits the factor x and
    calls ∂F/∂x a gradient (E-16).

    P-EX-SCALAR-EXPANSION (004_6f61966887c71a84.txt "Derivative of a scalar expansion",
    corrected E-16).

    Args:
        v: a vector ``(n,)``.
        x: a scalar.
        f: element-wise, applied to v (default the identity).
        df: f′.

    Returns:
        ``(∂F/∂v, ∂F/∂x)``: n×n and ``(n,)``.
    """
    v, x = jnp.asarray(v), jnp.asarray(x)
    if v.ndim != 1 or x.ndim != 0:
        raise ValueError(f"v must be a vector and x a scalar, got shapes {v.shape} and {x.shape}")
    return x * jnp.diag(df(v)), f(v)
