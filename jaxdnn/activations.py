"""Activations and their closed-form Jacobians (catalogue §2.C).

Every activation is batched row-wise: it takes a vector ``(m,)`` or a batch ``(n, m)`` and acts
on each row. Every Jacobian function takes a single vector ``(m,)`` and returns the m×m matrix
J_ij = ∂φ_i/∂z_j; batch Jacobians follow with ``jax.vmap``. The element-wise derivatives
φ′(z) (used by the simplified Jacobians and backpropagation) sit next to each activation.

ReLU′(0) = 0 (001_602cbf05fdb6a620.txt Assumption 1): ReLU is built on ``jax.nn.relu``, never on
``jnp.maximum``, whose derivative at 0 is 0.5.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.matrices import as_floating, indicator_positive
from jaxdnn.validation import check_has_last_axis

__all__ = [
    "relu",
    "relu_derivative",
    "relu_jacobian",
    "sigmoid",
    "sigmoid_derivative",
    "sigmoid_jacobian",
    "tanh",
    "tanh_derivative",
    "tanh_jacobian",
    "identity",
    "identity_derivative",
    "identity_jacobian",
    "softmax",
    "softmax_jacobian",
    "elementwise_jacobian",
    "derivative_of",
]


@partial(jax.jit, static_argnames="derivative")
def elementwise_jacobian(derivative: Callable[[Array], Array], z: ArrayLike) -> Array:
    """Jacobian of a coordinate-wise activation φ: $J_φ(z) = diag(φ′(z_1), …, φ′(z_m))$.

    ``derivative`` is φ′ applied element-wise (e.g. ``relu_derivative``).

    P-ACT-ELEMENTWISE-JAC (004_6f61966887c71a84.txt "for all element-wise functions the Jacobian
    is diagonal"; 001_602cbf05fdb6a620.txt Props 2.1, 5.1).

    Args:
        derivative: φ′, applied element-wise (a static argument under ``jit``).
        z: one vector ``(m,)`` of pre-activations (``jax.vmap`` over a batch).

    Returns:
        The m×m Jacobian matrix, in z's floating dtype.

    Raises:
        ValueError: naming ``z`` if it is not one vector.
    """
    z = jnp.asarray(z)
    _check_vector(z)
    return jnp.diag(derivative(z))


def _check_vector(z: Array) -> None:
    """Jacobian functions take one vector (catalogue §1.2); a batch is vmapped."""
    if z.ndim != 1:
        raise ValueError(
            f"z must be one vector (m,) for a Jacobian (use jax.vmap over a batch), got shape "
            f"{z.shape}"
        )


# --- ReLU -----------------------------------------------------------------------------------


@jax.jit
def relu(z: ArrayLike) -> Array:
    """$ReLU(z) = [max(0, z_1) … max(0, z_m)]$, row-wise, with $ReLU′(0) = 0$ under autodiff.

    P-ACT-RELU (001_602cbf05fdb6a620.txt Def 2.1; 000_e9869ddaa8874969.txt §3;
    002_0dd137535febb580.txt §5.4 eq (5); 004_6f61966887c71a84.txt).

    Args:
        z: pre-activations: one vector ``(m,)`` or a batch ``(n, m)``, one row per sample.

    Returns:
        ReLU(z), of z's shape, in z's floating dtype (integers are converted).

    Examples:
        >>> jaxdnn.relu(jnp.array([-1.0, 0.0, 2.0])).tolist()
        [0.0, 0.0, 2.0]
    """
    return jax.nn.relu(jnp.asarray(z))


@jax.jit
def relu_derivative(z: ArrayLike) -> Array:
    """$ReLU′(z) = 𝟙[z > 0]$ element-wise: 1 for z > 0, 0 for z ≤ 0 (including z = 0).

    P-DIFF-RELU-ASSUMPTION (001_602cbf05fdb6a620.txt Assumption 1 and Notation 11;
    000_e9869ddaa8874969.txt Hypothesis). The primer 004_6f61966887c71a84.txt gives z for z > 0
    (E-10); the derivative is 1.

    Args:
        z: pre-activations: one vector ``(m,)`` or a batch ``(n, m)``, one row per sample.

    Returns:
        The 0/1 indicator 𝟙[z > 0], of z's shape, in z's floating dtype (integers are converted).
    """
    return indicator_positive(z)


@jax.jit
def relu_jacobian(z: ArrayLike) -> Array:
    """$J_ReLU(z) = diag(𝟙[z_1 > 0], …, 𝟙[z_m > 0])$.

    P-ACT-RELU-JAC (001_602cbf05fdb6a620.txt Prop 2.1; 000_e9869ddaa8874969.txt ReLU proposition).

    Args:
        z: one vector ``(m,)`` of pre-activations (``jax.vmap`` over a batch).

    Returns:
        The m×m Jacobian matrix, in z's floating dtype.

    Raises:
        ValueError: naming ``z`` if it is not one vector.
    """
    return elementwise_jacobian(relu_derivative, z)


# --- sigmoid --------------------------------------------------------------------------------


@jax.jit
def sigmoid(z: ArrayLike) -> Array:
    """$σ(z) = 1 / (1 + e^{−z})$ element-wise (finite with a finite derivative for large abs(z)).

    P-ACT-SIGMOID (002_0dd137535febb580.txt §5.2 eq (4); 004_6f61966887c71a84.txt neuron).

    Args:
        z: pre-activations: one vector ``(m,)`` or a batch ``(n, m)``, one row per sample.

    Returns:
        σ(z), each entry in [0, 1], of z's shape, in z's floating dtype (integers are converted).
    """
    return jax.nn.sigmoid(as_floating(z))  # integers too, as tanh and softmax accept them


@jax.jit
def sigmoid_derivative(z: ArrayLike) -> Array:
    """$σ′(z) = σ(z)(1 − σ(z)) = σ(z)·σ(−z)$ element-wise; $σ′(0) = ¼$.

    Computed as σ(z)·σ(−z), accurate to a few ulps over the whole range: 1 − σ(z) cancels to 0
    where σ(z) rounds to 1 (σ′(40) = 4.25e-18, not 0).

    P-ACT-SIGMOID (derived; 002_0dd137535febb580.txt §5.2).

    Args:
        z: pre-activations: one vector ``(m,)`` or a batch ``(n, m)``, one row per sample.

    Returns:
        σ′(z), of z's shape, in z's floating dtype (integers are converted).
    """
    z = as_floating(z)  # before −z: the negation of an unsigned integer would wrap
    return sigmoid(z) * sigmoid(-z)


@jax.jit
def sigmoid_jacobian(z: ArrayLike) -> Array:
    """$J_σ(z) = diag(σ(z)(1 − σ(z)))$.

    P-ACT-SIGMOID (derived; 002_0dd137535febb580.txt §5.2).

    Args:
        z: one vector ``(m,)`` of pre-activations (``jax.vmap`` over a batch).

    Returns:
        The m×m Jacobian matrix, in z's floating dtype.

    Raises:
        ValueError: naming ``z`` if it is not one vector.
    """
    return elementwise_jacobian(sigmoid_derivative, z)


# --- tanh -----------------------------------------------------------------------------------


@jax.jit
def tanh(z: ArrayLike) -> Array:
    """$tanh(z) = (e^z − e^{−z}) / (e^z + e^{−z})$ element-wise; $tanh(z) = 2σ(2z) − 1$.

    P-ACT-TANH (002_0dd137535febb580.txt §5.5 eqs (6)–(7)).

    Args:
        z: pre-activations: one vector ``(m,)`` or a batch ``(n, m)``, one row per sample.

    Returns:
        tanh(z), each entry in [−1, 1], of z's shape, in z's floating dtype (integers are
            converted).
    """
    return jnp.tanh(jnp.asarray(z))


@jax.jit
def tanh_derivative(z: ArrayLike) -> Array:
    """$tanh′(z) = 1 − tanh²(z) = sech²(z)$ element-wise.

    Computed as sech²(z) = (2b/(1 + b²))² with b = e^{−|z|}, accurate to a few ulps over the
    whole range, free of overflow, and normal wherever the exact value is (b² would underflow
    first): 1 − tanh² cancels where tanh(z) rounds to ±1 (tanh′(19) = 1.26e-16).

    P-ACT-TANH (derived; 002_0dd137535febb580.txt §5.5).

    Args:
        z: pre-activations: one vector ``(m,)`` or a batch ``(n, m)``, one row per sample.

    Returns:
        tanh′(z), of z's shape, in z's floating dtype (integers are converted).
    """
    b = jnp.exp(-jnp.abs(as_floating(z)))
    sech = 2 * b / (1 + b * b)
    return sech * sech


@jax.jit
def tanh_jacobian(z: ArrayLike) -> Array:
    """$J_tanh(z) = diag(1 − tanh²(z))$.

    P-ACT-TANH (derived; 002_0dd137535febb580.txt §5.5).

    Args:
        z: one vector ``(m,)`` of pre-activations (``jax.vmap`` over a batch).

    Returns:
        The m×m Jacobian matrix, in z's floating dtype.

    Raises:
        ValueError: naming ``z`` if it is not one vector.
    """
    return elementwise_jacobian(tanh_derivative, z)


# --- identity (linear unit) -----------------------------------------------------------------


@jax.jit
def identity(z: ArrayLike) -> Array:
    """Identity activation of the linear unit: $φ(z) = z$.

    P-ACT-LINEAR (002_0dd137535febb580.txt §5.1).

    Args:
        z: pre-activations: one vector ``(m,)`` or a batch ``(n, m)``, one row per sample.

    Returns:
        z itself, of z's shape, in z's floating dtype (integers are converted).
    """
    return jnp.asarray(z)


@jax.jit
def identity_derivative(z: ArrayLike) -> Array:
    """$φ′(z) = 1$ element-wise for the identity activation.

    P-ACT-LINEAR (002_0dd137535febb580.txt §5.1).

    Args:
        z: pre-activations: one vector ``(m,)`` or a batch ``(n, m)``, one row per sample.

    Returns:
        Ones, of z's shape, in z's floating dtype (integers are converted).
    """
    return jnp.ones_like(jnp.asarray(z))


@jax.jit
def identity_jacobian(z: ArrayLike) -> Array:
    """$J(z) = I_m$ for the identity activation.

    P-ACT-LINEAR (002_0dd137535febb580.txt §5.1).

    Args:
        z: one vector ``(m,)`` of pre-activations (``jax.vmap`` over a batch).

    Returns:
        The m×m Jacobian matrix, in z's floating dtype.

    Raises:
        ValueError: naming ``z`` if it is not one vector.
    """
    return elementwise_jacobian(identity_derivative, z)


# --- softmax --------------------------------------------------------------------------------


@jax.jit
def softmax(z: ArrayLike) -> Array:
    """$S(z)_i = e^{z_i} / Σ_{k=1}^{m} e^{z_k}$, row-wise, computed with a max shift (no overflow).

    P-ACT-SOFTMAX (001_602cbf05fdb6a620.txt Def 2.2; 000_e9869ddaa8874969.txt SoftMax).

    Args:
        z: pre-activations: one vector ``(m,)`` or a batch ``(n, m)``, one row per sample.

    Returns:
        S(z): each row non-negative and summing to 1, of z's shape, in z's floating dtype (integers
            are converted).

    Examples:
        >>> jaxdnn.softmax(jnp.array([[1.0, 1.0], [0.0, 0.0]])).tolist()
        [[0.5, 0.5], [0.5, 0.5]]
    """
    check_has_last_axis("softmax", "z", z)
    return jax.nn.softmax(as_floating(z), axis=-1)  # JAX's max of integers warns


@jax.jit
def softmax_jacobian(z: ArrayLike) -> Array:
    """Softmax Jacobian: $J_S(z)_ij = S(z)_i (δ_ij − S(z)_j)$, i.e. $diag(S) − Sᵀ·S$.

    Not diagonal: softmax is not an element-wise activation. The diagonal S_i(1 − S_i) is computed
    as S_i·Σ_{j≠i} S_j (equal, since ΣS = 1), which does not cancel where S_i rounds to 1.

    P-ACT-SOFTMAX-JAC (001_602cbf05fdb6a620.txt Prop 2.2; 000_e9869ddaa8874969.txt SoftMax).

    Args:
        z: one vector ``(m,)`` of pre-activations (``jax.vmap`` over a batch).

    Returns:
        The m×m Jacobian matrix, in z's floating dtype.

    Raises:
        ValueError: naming ``z`` if it is not one vector.
    """
    z = as_floating(z)
    _check_vector(z)
    s = softmax(z)
    diagonal = jnp.eye(s.shape[-1], dtype=bool)
    others = jnp.sum(jnp.where(diagonal, 0, s[None, :]), axis=1)  # Σ_{j≠i} S_j
    return jnp.where(diagonal, (s * others)[:, None], -s[:, None] * s[None, :])


_DERIVATIVES = {
    relu: relu_derivative,
    sigmoid: sigmoid_derivative,
    tanh: tanh_derivative,
    identity: identity_derivative,
}


def derivative_of(activation: Callable[[Array], Array]) -> Callable[[Array], Array]:
    """The element-wise derivative φ′ of a coordinate-wise activation φ of this module.

    ``derivative_of(relu)`` is ``relu_derivative`` (𝟙[z > 0], Assumption 1), and likewise for
    sigmoid, tanh and identity. Softmax is not coordinate-wise: its Jacobian is
    ``softmax_jacobian``.

    P-ACT-ELEMENTWISE-JAC (004_6f61966887c71a84.txt "for all element-wise functions the Jacobian
    is diagonal"; 001_602cbf05fdb6a620.txt Props 2.1, 5.1).

    Raises:
        ValueError: naming ``activation`` if it is not one of relu, sigmoid, tanh, identity.

    Args:
        activation: one of ``relu``, ``sigmoid``, ``tanh``, ``identity``.

    Returns:
        The element-wise derivative function φ′.
    """
    try:
        return _DERIVATIVES[activation]  # type: ignore[index]  # any callable may be asked
    except (KeyError, TypeError):
        raise ValueError(
            f"activation must be one of jaxdnn's element-wise activations (relu, sigmoid, tanh, "
            f"identity), got {activation!r}"
        ) from None
