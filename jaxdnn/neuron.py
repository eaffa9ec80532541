"""A single neuron and its derivatives (catalogue §2.C P-ACT-UNIT, §2.I).

A unit computes a = φ(z) with z = x·wᵀ + b: a one-output dense layer followed by an
activation (002_0dd137535febb580.txt §5; 004_6f61966887c71a84.txt "The neuron function").
The single ReLU neuron trained with the half mean squared error is the primer's running example.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.activations import relu, relu_derivative


def _check_neuron(x: Array, w: Array, b: ArrayLike, x_name: str = "x") -> None:
    """Static shapes of a neuron: w (n,), b a scalar, x (n,) or a batch (N, n)."""
    if w.ndim != 1:
        raise ValueError(f"w must be a vector (n,), got shape {w.shape}")
    if jnp.ndim(b) != 0:
        raise ValueError(f"b must be a scalar, got shape {jnp.shape(b)}")
    if x.ndim not in (1, 2) or x.shape[-1] != w.shape[0]:
        raise ValueError(
            f"{x_name} must have shape ({w.shape[0]},) or (N, {w.shape[0]}) to match w "
            f"{w.shape}, got {x.shape}"
        )


def _check_batch(X: Array, w: Array, b: ArrayLike, y: Array) -> None:
    """Static shapes of the primer's ReLU neuron on m samples: X (m, n), y (m,)."""
    _check_neuron(X, w, b, "X")
    if X.ndim != 2 or y.shape != X.shape[:1]:
        raise ValueError(
            f"X (m, n) and y (m,) must hold the same samples, got {X.shape} and {y.shape}"
        )


__all__ = [
    "neuron",
    "neuron_gradients",
    "relu_neuron_mse",
    "relu_neuron_mse_gradients",
]


@partial(jax.jit, static_argnames="activation")
def neuron(x: ArrayLike, w: ArrayLike, b: ArrayLike, activation: Callable[[Array], Array]) -> Array:
    """$a = φ(x·wᵀ + b)$ for an input row x ∈ ℝⁿ (or a batch ``(N, n)``), weights w ∈ ℝⁿ, bias b.

    With φ = σ this is 002_0dd137535febb580.txt eq (4).

    P-ACT-UNIT (002_0dd137535febb580.txt §5 eqs (4)–(6); 004_6f61966887c71a84.txt neuron
    function), P-NEURON-GRAD.

    Args:
        x: one input row ``(n,)`` or a batch ``(N, n)``.
        w: the weights ``(n,)``.
        b: the bias, a scalar.
        activation: φ, element-wise.

    Returns:
        a: a scalar, or ``(N,)``.
    """
    x, w = jnp.asarray(x), jnp.asarray(w)
    _check_neuron(x, w, b)
    return activation(x @ w + b)


@partial(jax.jit, static_argnames="derivative")
def neuron_gradients(
    x: ArrayLike, w: ArrayLike, b: ArrayLike, derivative: Callable[[Array], Array]
) -> tuple[Array, Array]:
    """$∂a/∂w = φ′(z)·x$ and $∂a/∂b = φ′(z)$ for a = φ(z), z = x·wᵀ + b: for one sample x (n,), or
    per sample for a batch (N, n) (row i of ∂a/∂w is φ′(z_i)·x_i).

    ReLU: 𝟙[z > 0]·x and 𝟙[z > 0] (the primer gives z instead of 1 as ReLU′ on z > 0, E-10);
    sigmoid: σ(z)(1 − σ(z))·x. Returns ``(d_w, d_b)``.

    P-NEURON-GRAD (004_6f61966887c71a84.txt "Derivative of a neuron's activation", ReLU
    derivative corrected E-10).

    Args:
        x: one input row ``(n,)`` or a batch ``(N, n)``.
        w: the weights ``(n,)``.
        b: the bias, a scalar.
        derivative: φ′, element-wise.

    Returns:
        ``(d_w, d_b)``.
    """
    x, w = jnp.asarray(x), jnp.asarray(w)
    _check_neuron(x, w, b)
    dz = derivative(x @ w + b)
    return dz[..., None] * x, dz


@jax.jit
def relu_neuron_mse(w: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> Array:
    """$C(w, b) = (1/(2m)) Σ_{i=1}^{m} (y_i − ReLU(x_i·wᵀ + b))²$ over the m rows x_i of X.

    P-NEURON-RELU-MSE (004_6f61966887c71a84.txt "Derivative of the cost for a simple neural
    network").

    Args:
        w: the weights ``(n,)``.
        b: the bias, a scalar.
        X: the inputs ``(m, n)``.
        y: the targets ``(m,)``.

    Returns:
        C, a scalar.
    """
    X, w, y = jnp.asarray(X), jnp.asarray(w), jnp.asarray(y)
    _check_batch(X, w, b, y)
    residual = y - relu(X @ w + b)
    return 0.5 * jnp.mean(residual * residual)


@jax.jit
def relu_neuron_mse_gradients(
    w: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike
) -> tuple[Array, Array]:
    """Gradients of $C(w, b) = (1/(2m)) Σ_i (y_i − ReLU(z_i))²$, z_i = x_i·wᵀ + b.

    With the per-sample error term $e_i = 𝟙[z_i > 0](z_i − y_i)$:
    $∂C/∂w = (1/m) Σ_i e_i·x_i = (1/m)·e·X$ and $∂C/∂b = (1/m) Σ_i e_i$. The activity test is per
    sample (E-13), the bias gradient has a plus sign (E-12), and the 1/m factor and the sample
    index of x stay in the expansion (E-14). Returns ``(d_w, d_b)``.

    P-NEURON-RELU-MSE, P-NEURON-ERROR-TERM (004_6f61966887c71a84.txt "Derivative of the cost
    for a simple neural network", "Differentiating the bias", "Understanding the derivatives of
    the cost with respect to the weights"; corrected E-12, E-13, E-14).

    Args:
        w: the weights ``(n,)``.
        b: the bias, a scalar.
        X: the inputs ``(m, n)``.
        y: the targets ``(m,)``.

    Returns:
        ``(d_w, d_b)``.
    """
    X, w, y = jnp.asarray(X), jnp.asarray(w), jnp.asarray(y)
    _check_batch(X, w, b, y)
    z = X @ w + b
    e = relu_derivative(z) * (z - y)
    m = X.shape[0]
    return e @ X / m, jnp.sum(e) / m
