"""Simplified Jacobians: gradients through an activation and a dense layer (catalogue §2.F).

F is any differentiable scalar function downstream ("upstream" in the documents' wording) of
the layer; ``upstream_gradient`` is ∇F at the layer's output. Instead of the matrix products
∇F·J, these are the element-wise and outer-product forms of 001_602cbf05fdb6a620.txt §5.1.
Single samples are rows ``(m,)``; batches ``(N, m)`` sum the per-sample gradients of the
parameters (Σ_i over samples).

The third simplified Jacobian, softmax followed by cross-entropy (Prop 5.3), is
``jaxdnn.losses.softmax_cross_entropy_gradient``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.activations import relu_derivative
from jaxdnn.dense import dense
from jaxdnn.validation import check_same_shape

__all__ = [
    "relu_backward",
    "elementwise_backward",
    "dense_weight_gradient",
    "dense_bias_gradient",
    "dense_input_gradient",
    "relu_dense_backward",
]


@partial(jax.jit, static_argnames="derivative")
def elementwise_backward(
    upstream_gradient: ArrayLike, z: ArrayLike, derivative: Callable[[Array], Array]
) -> Array:
    """$∇(F∘φ)(z) = ∇F(φ(z)) ⊙ φ′(z)$ for a coordinate-wise activation φ (no matrix product).

    P-SIMP-RELU-UPSTREAM (001_602cbf05fdb6a620.txt Prop 5.1 eq (11), generalised from ReLU to
    any element-wise φ, E-31).

    Args:
        upstream_gradient: ∇F at the layer's activation φ(z): ``(m,)``, or a batch ``(N, m)`` (one
            row per sample).
        z: the pre-activations, of the gradient's shape.
        derivative: φ′, applied element-wise (e.g. ``jaxdnn.sigmoid_derivative``).

    Returns:
        ∇(F∘φ)(z), of z's shape.
    """
    g, z = jnp.asarray(upstream_gradient), jnp.asarray(z)
    check_same_shape("elementwise_backward", ("upstream_gradient", g), ("z", z))
    return g * derivative(z)


@jax.jit
def relu_backward(upstream_gradient: ArrayLike, z: ArrayLike) -> Array:
    """$∇(F∘ReLU)(z) = ∇F(ReLU(z)) ⊙ 𝟙[z > 0]$.

    P-SIMP-RELU-UPSTREAM (001_602cbf05fdb6a620.txt Prop 5.1 eq (11)).

    Args:
        upstream_gradient: ∇F at the layer's activation ReLU(z): ``(m,)``, or a batch ``(N, m)``
            (one row per sample).
        z: the pre-activations, of the gradient's shape.

    Returns:
        ∇(F∘ReLU)(z), of z's shape.
    """
    return elementwise_backward(upstream_gradient, z, relu_derivative)


@jax.jit
def dense_weight_gradient(upstream_gradient: ArrayLike, y: ArrayLike) -> Array:
    """$∇_W F(L(y, W, b)) = ∇F(z)ᵀ·y$, the m×n outer product; batch: $Σ_i ∇F(z_i)ᵀ·y_i = Gᵀ·Y$.

    Row i* is ∇F(z)_{i*}·y (001_602cbf05fdb6a620.txt Prop 5.2 writes an undefined v for the
    layer input y, E-30). ``upstream_gradient`` is ∇F(z) of shape ``(m,)`` or ``(N, m)``,
    ``y`` the layer input of shape ``(n,)`` or ``(N, n)``.

    P-SIMP-WEIGHT-OUTER (001_602cbf05fdb6a620.txt Prop 5.2 eq (12) and Note, corrected E-30;
    000_e9869ddaa8874969.txt §4).

    Args:
        upstream_gradient: ∇F at the layer's output z: ``(m,)``, or a batch ``(N, m)`` (one row per
            sample).
        y: the layer input: ``(n,)``, or ``(N, n)`` with a batch of gradients.

    Returns:
        The m×n gradient of W (summed over a batch).
    """
    g, y = jnp.asarray(upstream_gradient), jnp.asarray(y)
    if g.ndim not in (1, 2) or g.shape[:-1] != y.shape[:-1] or y.ndim != g.ndim:
        raise ValueError(
            "dense_weight_gradient: upstream_gradient (m,) or (N, m) and y (n,) or (N, n) must "
            f"hold the same samples, got shapes {g.shape} and {y.shape}"
        )
    return g.reshape(-1, g.shape[-1]).T @ y.reshape(-1, y.shape[-1])


@jax.jit
def dense_bias_gradient(upstream_gradient: ArrayLike) -> Array:
    """$∇_b F(L(y, W, b)) = ∇F(z)·I_m = ∇F(z)$; batch: $Σ_i ∇F(z_i)$.

    P-SIMP-BIAS (derived from 001_602cbf05fdb6a620.txt Prop 4.3 and Thm 1.3;
    003_4420902fd2b6113f.txt §4 bias formula).

    Args:
        upstream_gradient: ∇F at the layer's output z: ``(m,)``, or a batch ``(N, m)`` (one row per
            sample).

    Returns:
        The ``(m,)`` gradient of b (summed over a batch).
    """
    g = jnp.asarray(upstream_gradient)
    return jnp.sum(g.reshape(-1, g.shape[-1]), axis=0)


@jax.jit
def dense_input_gradient(upstream_gradient: ArrayLike, W: ArrayLike) -> Array:
    """$∇_y F(L(y, W, b)) = ∇F(z)·W$ (a row of ℝⁿ); batch: G·W, one row per sample.

    P-SIMP-INPUT (derived from 001_602cbf05fdb6a620.txt Prop 4.1 and Thm 1.3;
    003_4420902fd2b6113f.txt §4 input formula).

    Args:
        upstream_gradient: ∇F at the layer's output z: ``(m,)``, or a batch ``(N, m)`` (one row per
            sample).
        W: the weights, shape ``(m, n)``.

    Returns:
        ``(n,)``, or ``(N, n)`` for a batch: one row per sample.
    """
    g, W = jnp.asarray(upstream_gradient), jnp.asarray(W)
    if W.ndim != 2 or g.ndim not in (1, 2) or g.shape[-1] != W.shape[0]:
        raise ValueError(
            f"dense_input_gradient: upstream_gradient must have shape ({W.shape[0]},) or "
            f"(N, {W.shape[0]}) for W of shape {W.shape} (out, in), got {g.shape}"
        )
    return g @ W


@jax.jit
def relu_dense_backward(
    upstream_gradient: ArrayLike, y: ArrayLike, W: ArrayLike, b: ArrayLike
) -> tuple[Array, Array, Array]:
    """Gradients of $F(ReLU(L(y, W, b)))$ with respect to y, W and b.

    With z = L(y, W, b) and g = ∇F(ReLU(z)) ⊙ 𝟙[z > 0]: ∇_y = g·W, ∇_W = gᵀ·y (row j' is
    g_{j'}·y), ∇_b = g. Units with z_j = 0 get 0 (Assumption 1). Returns ``(dy, dW, db)``.

    P-SIMP-RELU-DENSE (003_4420902fd2b6113f.txt §4 proposition; 000_e9869ddaa8874969.txt §4,
    corrected E-22: the composite is scalar and its input gradient a row; E-23: one indicator,
    that of unit j, per weight row).

    Args:
        upstream_gradient: ∇F at the layer's output ReLU(L(y, W, b)): ``(m,)``, or a batch ``(N,
            m)`` (one row per sample).
        y: the layer input ``(n,)`` or ``(N, n)``.
        W: the weights ``(m, n)``.
        b: the bias ``(m,)``.

    Returns:
        ``(dy, dW, db)``: the gradients of y (per sample), W and b (summed over a batch).
    """
    g = relu_backward(upstream_gradient, dense(y, W, b))
    return dense_input_gradient(g, W), dense_weight_gradient(g, y), dense_bias_gradient(g)
