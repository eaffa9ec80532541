"""The dense layer L(y, W, b) = y·Wᵀ + b and its Jacobians (catalogue §2.E).

W ∈ M_{m,n} = M_{out,in}: row j of W holds the weights of output unit j. A single input is a
row ``(n,)``; a batch ``(N, n)`` gives L(Y, W, b) = Y·Wᵀ + 𝟙_N·b (001_602cbf05fdb6a620.txt
Def 4.1). 002_0dd137535febb580.txt stores the transpose V = Wᵀ (``dense_in_out``);
004_6f61966887c71a84.txt writes the column form z = W·a + b with the same W.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

__all__ = [
    "dense",
    "dense_jacobian_input",
    "dense_jacobian_weight_row",
    "dense_jacobian_weights",
    "dense_jacobian_bias",
    "dense_in_out",
]


@jax.jit
def dense(y: ArrayLike, W: ArrayLike, b: ArrayLike) -> Array:
    """Dense layer $L(y, W, b) = y·Wᵀ + b$; component j is $L_j = y·W_{j,:}ᵀ + b_j$.

    ``y`` has shape ``(n,)`` or ``(N, n)``, ``W`` shape ``(m, n)``, ``b`` shape ``(m,)``; the
    result has shape ``(m,)`` or ``(N, m)``.

    P-DENSE (001_602cbf05fdb6a620.txt Def 4.1 and Note; 000_e9869ddaa8874969.txt §4).

    Args:
        y: the layer input: one row ``(n,)`` or a batch ``(N, n)``.
        W: the weights, shape ``(m, n)`` = (out, in).
        b: the bias, shape ``(m,)``.

    Returns:
        ``(m,)`` for one row, ``(N, m)`` for a batch.

    Raises:
        ValueError: naming the argument whose shape does not fit the others.
    """
    y, W, b = jnp.asarray(y), jnp.asarray(W), jnp.asarray(b)
    check_layer_shapes(y, W, b)
    out = y @ W.T
    return out + jnp.broadcast_to(b, out.shape)


def check_layer_shapes(y: Array, W: Array, b: Array, y_name: str = "y") -> None:
    """Static shape check of a dense layer: W (m, n), b (m,), y (n,) or (N, n).

    Raises:
        ValueError: naming the argument whose shape does not fit.
    """
    if W.ndim != 2:
        raise ValueError(f"W must be a matrix (out, in), got shape {W.shape}")
    if b.shape != (W.shape[0],):
        raise ValueError(f"b must have shape ({W.shape[0]},) to match W {W.shape}, got {b.shape}")
    if y.ndim not in (1, 2) or y.shape[-1] != W.shape[1]:
        raise ValueError(
            f"{y_name} must have shape ({W.shape[1]},) or (N, {W.shape[1]}) to match W {W.shape} "
            f"(W has shape (out, in)), got {y.shape}"
        )


@jax.jit
def dense_jacobian_input(y: ArrayLike, W: ArrayLike, b: ArrayLike) -> Array:
    """$J_{L(·,W,b)}(y) = W ∈ M_{m,n}$, independent of y and b.

    P-DENSE-JAC-INPUT (001_602cbf05fdb6a620.txt Prop 4.1 eq (8); 000_e9869ddaa8874969.txt §4).

    Args:
        y: the layer input, one row ``(n,)``.
        W: the weights, shape ``(m, n)`` = (out, in).
        b: the bias, shape ``(m,)``.

    Returns:
        W itself, the m×n Jacobian.
    """
    return jnp.asarray(W)


def dense_jacobian_weight_row(y: ArrayLike, W: ArrayLike, b: ArrayLike, i: ArrayLike) -> Array:
    """Jacobian of w ↦ L(y, W with row i replaced by w, b): the m×n matrix whose row i is y.

    $∂L_i/∂W_{i,:} = y$ and $∂L_k/∂W_{i,:} = 0$ for k ≠ i. ``i`` is 0-based (the document's i* − 1).

    P-DENSE-JAC-WROW (001_602cbf05fdb6a620.txt Prop 4.2 eq (9); 000_e9869ddaa8874969.txt §4
    dL_j/dw = y).

    Args:
        y: the layer input, one row ``(n,)``.
        W: the weights, shape ``(m, n)`` = (out, in).
        b: the bias, shape ``(m,)``.
        i: the row of W, 0-based.

    Returns:
        The m×n Jacobian with respect to row i of W.
    """
    y, W = jnp.asarray(y), jnp.asarray(W)
    check_layer_shapes(y, W, jnp.asarray(b))
    if y.ndim != 1:
        raise ValueError(f"y must be one input vector ({W.shape[1]},), got shape {y.shape}")
    if not isinstance(i, jax.core.Tracer) and not 0 <= int(np.asarray(i)) < W.shape[0]:
        raise ValueError(f"i must be a row of W in [0, {W.shape[0]}), got {i}")
    return _weight_row_jacobian(y, W, i)


@jax.jit
def _weight_row_jacobian(y: Array, W: Array, i: ArrayLike) -> Array:
    return jnp.zeros(W.shape, dtype=jnp.result_type(y, W)).at[i].set(y)


@jax.jit
def dense_jacobian_weights(y: ArrayLike, W: ArrayLike, b: ArrayLike) -> Array:
    """Jacobian with respect to all of W: the (m, m, n) tensor $∂L_i/∂W_{k,j} = δ_ik·y_j$.

    Slice ``[:, i, :]`` is ``dense_jacobian_weight_row(y, W, b, i)``.

    P-DENSE-JAC-W (derived from 001_602cbf05fdb6a620.txt Prop 4.2, all rows at once).

    Args:
        y: the layer input, one row ``(n,)``.
        W: the weights, shape ``(m, n)`` = (out, in).
        b: the bias, shape ``(m,)``.

    Returns:
        The (m, m, n) Jacobian tensor.
    """
    y, W = jnp.asarray(y), jnp.asarray(W)
    eye = jnp.eye(W.shape[0], dtype=jnp.result_type(y, W))
    return jnp.einsum("ik,j->ikj", eye, y)


@jax.jit
def dense_jacobian_bias(y: ArrayLike, W: ArrayLike, b: ArrayLike) -> Array:
    """$J_{L(y,W,·)}(b) = I_m$.

    P-DENSE-JAC-BIAS (001_602cbf05fdb6a620.txt Prop 4.3 eq (10); 000_e9869ddaa8874969.txt §4).

    Args:
        y: the layer input, one row ``(n,)``.
        W: the weights, shape ``(m, n)`` = (out, in).
        b: the bias, shape ``(m,)``.

    Returns:
        The m×m identity.
    """
    W = jnp.asarray(W)
    return jnp.eye(W.shape[0], dtype=jnp.result_type(W, b))


@jax.jit
def dense_in_out(x: ArrayLike, V: ArrayLike, b: ArrayLike) -> Array:
    """The layer of 002_0dd137535febb580.txt §2: $x·V + b$ with V ∈ ℝ^{in×out}, i.e. $V = Wᵀ$.

    ``dense_in_out(x, V, b) == dense(x, V.T, b)``. A network f(f(x·V₁ + b₁)·V₂ + b₂).

    P-DENSE-002-LAYOUT (002_0dd137535febb580.txt §2, corrected E-47).

    Args:
        x: the layer input: ``(n,)`` or a batch ``(N, n)``.
        V: the weights stored (in, out) = ``(n, m)``.
        b: the bias, shape ``(m,)``.

    Returns:
        ``(m,)`` or ``(N, m)``.
    """
    return dense(x, jnp.asarray(V).T, b)
