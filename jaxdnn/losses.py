"""Losses and their closed-form gradients with respect to the prediction (catalogue §2.D).

Each loss takes ``(prediction, target)`` of shape ``(m,)`` and returns a scalar, or of shape
``(n, m)`` and returns the ``(n,)`` per-row losses; it reduces over the last axis only, so a
sum or mean over samples is an explicit choice of the caller. Prediction and target must have
the same shape: a pair that would broadcast raises a ``ValueError`` (a static check, also under
``jit``). Each gradient function returns an
array of the prediction's shape. ``log`` is the natural logarithm (decision 17).

The cross-entropies from logits (``softmax_cross_entropy``, ``sigmoid_binary_cross_entropy``)
are computed through ``log_softmax`` / ``log_sigmoid``: finite values and gradients for logits
of ±1e3, and a −inf logit whose target is 0 contributes nothing. Nothing is clipped.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.activations import sigmoid, softmax
from jaxdnn.matrices import as_floating
from jaxdnn.validation import check_class_labels, check_has_last_axis, check_same_shape

__all__ = [
    "categorical_cross_entropy",
    "categorical_cross_entropy_gradient",
    "categorical_cross_entropy_from_labels",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "sigmoid_binary_cross_entropy",
    "sigmoid_binary_cross_entropy_gradient",
    "squared_error",
    "squared_error_gradient",
    "half_mean_squared_error",
    "half_mean_squared_error_gradient",
]


def _check_pair(function: str, first: tuple[str, Any], second: tuple[str, Any]) -> None:
    """A loss's two arguments: one vector (m,) or a batch (n, m), of one shape (static)."""
    check_has_last_axis(function, *first)
    check_same_shape(function, first, second)


def _weighted_log(weight: Array, log_value: Array) -> Array:
    """weight·log_value with 0·log(0) := 0 and 0·(−inf) := 0, safe under autodiff."""
    return jnp.where(weight == 0, 0.0, weight * log_value)


# --- categorical cross-entropy on probabilities ---------------------------------------------


@jax.jit
def categorical_cross_entropy(prediction: ArrayLike, target: ArrayLike) -> Array:
    """Categorical cross-entropy $ξ(y, y*) = −Σ_{k=1}^{m} y*_k ln y_k$, over the last axis.

    y ∈ ]0,1[^m are predicted probabilities, y* a one-hot label (any non-negative weights are
    accepted); coordinates with y*_k = 0 contribute exactly 0, even where y_k = 0.

    P-LOSS-CCE (001_602cbf05fdb6a620.txt Def 3.1; 000_e9869ddaa8874969.txt §3 CCE;
    002_0dd137535febb580.txt §4.2, corrected E-02).

    Args:
        prediction: predicted probabilities in [0, 1]: one vector ``(m,)`` or a batch ``(n, m)``.
        target: y*: one-hot rows (or non-negative weights), of ``prediction``'s shape.

    Returns:
        The loss: a scalar for one vector, one value per row ``(n,)`` for a batch.

    Raises:
        ValueError: naming ``prediction`` or ``target`` when their shapes differ.
    """
    y, y_star = jnp.asarray(prediction), jnp.asarray(target)
    _check_pair("categorical_cross_entropy", ("prediction", y), ("target", y_star))
    safe_y = jnp.where(y_star == 0, 1.0, y)
    return -jnp.sum(_weighted_log(y_star, jnp.log(safe_y)), axis=-1)


@jax.jit
def categorical_cross_entropy_gradient(prediction: ArrayLike, target: ArrayLike) -> Array:
    """$∇_y ξ(·, y*)(y) = −[y*_1/y_1 … y*_m/y_m]$ (natural log); 0 where y*_k = 0.

    P-LOSS-CCE-GRAD (001_602cbf05fdb6a620.txt Prop 3.1 eq (7); 000_e9869ddaa8874969.txt §3,
    corrected E-29: the gradient is a row of ℝ^m, not a real number).

    Args:
        prediction: predicted probabilities in [0, 1]: one vector ``(m,)`` or a batch ``(n, m)``.
        target: y*: one-hot rows (or non-negative weights), of ``prediction``'s shape.

    Returns:
        The gradient with respect to the first argument, of its shape.

    Raises:
        ValueError: naming ``prediction`` or ``target`` when their shapes differ.
    """
    y, y_star = jnp.asarray(prediction), jnp.asarray(target)
    _check_pair("categorical_cross_entropy_gradient", ("prediction", y), ("target", y_star))
    safe_y = jnp.where(y_star == 0, 1.0, y)
    return jnp.where(y_star == 0, 0.0, -y_star / safe_y)


def categorical_cross_entropy_from_labels(probabilities: ArrayLike, labels: ArrayLike) -> Array:
    """Cross-entropy with integer class labels: $−ln f_{c_i}(x_i)$ for each sample i.

    ``probabilities`` has shape ``(n, K)``, ``labels`` integers in ⟦0, K−1⟧ of shape ``(n,)``;
    returns the ``(n,)`` per-sample losses, whose sum is −Σ_i ln f_{c_i}(x_i) = Σ_i ξ(f(x_i),
    onehot(c_i)). A label 0 contributes −ln f_0 (the printed formula multiplies by the label
    and gives 0).

    P-LOSS-CCE-INTLABEL (002_0dd137535febb580.txt §4.2 eq (2), corrected E-02).

    Raises:
        ValueError: naming ``labels`` if they are not integers in ⟦0, K−1⟧ (checked when the
            labels are concrete; under ``jax.jit`` the caller validates at the boundary).

    Args:
        probabilities: predicted class probabilities ``(n, K)``.
        labels: integer class labels ``(n,)`` in ⟦0, K−1⟧.

    Returns:
        The ``(n,)`` per-sample losses.
    """
    probabilities, labels = jnp.asarray(probabilities), jnp.asarray(labels)
    if probabilities.ndim != 2 or labels.shape != probabilities.shape[:1]:
        raise ValueError(
            "categorical_cross_entropy_from_labels: probabilities must have shape (n, K) and "
            f"labels shape (n,); got {probabilities.shape} and {labels.shape}"
        )
    check_class_labels(
        "labels", labels, probabilities.shape[1], "categorical_cross_entropy_from_labels: "
    )
    return _cross_entropy_from_labels(probabilities, labels)


@jax.jit
def _cross_entropy_from_labels(probabilities: Array, labels: Array) -> Array:
    chosen = jnp.take_along_axis(probabilities, labels[:, None], axis=1)[:, 0]
    return -jnp.log(chosen)


# --- softmax followed by categorical cross-entropy (from logits) ----------------------------


def softmax_cross_entropy(logits: ArrayLike, target: ArrayLike) -> Array:
    """$ξ(S(z), y*) = −Σ_k y*_k ln S(z)_k$ computed as $−Σ_k y*_k·log_softmax(z)_k$.

    ``target`` is y* of the logits' shape, or integer class labels c of the logits' shape
    without its last axis (one per sample, as Keras's sparse cross-entropy): then y* =
    onehot(c) and the loss is −ln S(z)_c (P-LOSS-CCE-INTLABEL). Finite for logits of ±1e3 (the
    literal composition ``categorical_cross_entropy(softmax(z), y*)`` then has a NaN gradient)
    and for a −inf logit whose target is 0.

    P-LOSS-SOFTMAX-CCE (001_602cbf05fdb6a620.txt Prop 5.3; 000_e9869ddaa8874969.txt
    SoftMax∘CCE), P-LOSS-CCE-INTLABEL (002_0dd137535febb580.txt §4.2 eq (2)).

    Raises:
        ValueError: naming ``target`` if its shape matches neither form, or (when concrete) a
            class label lies outside [0, K).

    Args:
        logits: pre-activations z of the output layer: ``(m,)`` or a batch ``(n, m)``.
        target: y* of the logits' shape (one-hot, or any non-negative weights), or integer class
            labels of the logits' shape without its last axis.

    Returns:
        The loss: a scalar for one vector, one value per row ``(n,)`` for a batch.

    Examples:
        >>> z = jnp.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
        >>> print(jaxdnn.softmax_cross_entropy(z, jnp.array([0, 1])).round(4))
        [0.2395 1.0986]
    """
    z = jnp.asarray(logits)
    return _softmax_cross_entropy(z, _softmax_target("softmax_cross_entropy", z, target))


def _softmax_target(function: str, z: Array, target: ArrayLike) -> Array:
    """y* of z's shape: integer class labels of shape z.shape[:-1] become one-hot rows."""
    y = jnp.asarray(target)
    check_has_last_axis(function, "logits", z)
    if y.shape == z.shape[:-1]:  # one value per sample: class labels
        check_class_labels("target", y, z.shape[-1], f"{function}: ")
        return jax.nn.one_hot(y, z.shape[-1], dtype=as_floating(z).dtype)
    check_same_shape(function, ("logits", z), ("target", y))
    return y


@jax.jit
def _softmax_cross_entropy(z: Array, y_star: Array) -> Array:
    return -jnp.sum(_weighted_log(y_star, _log_softmax(z)), axis=-1)


def _log_softmax(z: Array) -> Array:
    """ln S(z)_k = z_k − m − ln(1 + Σ_{j≠a} e^{z_j − m}), m = z_a the largest logit.

    ``log1p`` of the other classes' share keeps the digits that ``z_k − logsumexp(z)`` rounds
    away when S(z)_a is close to 1 (−ln S(z)_a = 8.5e-18 for z = (40, 0, 0), not 0). The
    largest term enters as expm1(z_a − m) = 0, so that autodiff still differentiates it.
    """
    z = as_floating(z)
    a = jnp.argmax(z, axis=-1, keepdims=True)
    m = jax.lax.stop_gradient(jnp.take_along_axis(z, a, axis=-1))
    largest = jax.lax.broadcasted_iota(a.dtype, z.shape, z.ndim - 1) == a
    shifted = z - m
    others = jnp.sum(jnp.where(largest, 0.0, jnp.exp(shifted)), axis=-1, keepdims=True)
    top = jnp.sum(jnp.where(largest, jnp.expm1(shifted), 0.0), axis=-1, keepdims=True)
    return shifted - jnp.log1p(top + others)


def softmax_cross_entropy_gradient(logits: ArrayLike, target: ArrayLike) -> Array:
    """$∇_z ξ(S(z), y*) = (Σ_k y*_k)·$S(z) − y*$$, which is S(z) − y* when Σ_k y*_k = 1.

    The general form holds for any non-negative y* (multi-hot, all-zero, soft labels);
    001_602cbf05fdb6a620.txt Prop 5.3 states S(z) − y*, true for one-hot and soft labels that
    sum to 1 (E-09, decision 5).

    Computed as S_i·Σ_{j≠i} y*_j − y*_i·Σ_{k≠i} S_k (the same value, since ΣS = 1), with
    Σ_{k≠i} S_k summed over the other classes for the largest logit (where 1 − S_i would
    cancel) and 1 − S_i elsewhere (S_i ≤ ½ there): a confident right answer z = (40, 0, 0),
    y* = e₁ gets the exact −8.5e-18 where S_1 − 1 rounds to 0.

    ``target`` may also be integer class labels, as for ``softmax_cross_entropy``.

    P-LOSS-SOFTMAX-CCE (001_602cbf05fdb6a620.txt Prop 5.3 eq (13), corrected E-09).

    Raises:
        ValueError: as ``softmax_cross_entropy``.

    Args:
        logits: pre-activations z of the output layer: ``(m,)`` or a batch ``(n, m)``.
        target: y* of the logits' shape (one-hot, or any non-negative weights), or integer class
            labels of the logits' shape without its last axis.

    Returns:
        The gradient with respect to the first argument, of its shape.
    """
    z = as_floating(logits)
    y_star = _softmax_target("softmax_cross_entropy_gradient", z, target)
    return _softmax_cross_entropy_gradient(z, as_floating(y_star))


@jax.jit
def _softmax_cross_entropy_gradient(z: Array, y_star: Array) -> Array:
    s = softmax(z)
    a = jnp.argmax(z, axis=-1, keepdims=True)
    largest = jax.lax.broadcasted_iota(a.dtype, z.shape, z.ndim - 1) == a
    rest = jnp.sum(jnp.where(largest, 0.0, s), axis=-1, keepdims=True)  # Σ_{k≠a} S_k
    others = jnp.where(largest, rest, 1 - s)  # Σ_{k≠i} S_k
    return s * (jnp.sum(y_star, axis=-1, keepdims=True) - y_star) - y_star * others


# --- binary cross-entropy -------------------------------------------------------------------


@jax.jit
def binary_cross_entropy(prediction: ArrayLike, target: ArrayLike) -> Array:
    """$BCE(p, y) = −Σ_i [y_i ln p_i + (1 − y_i) ln(1 − p_i)]$, over the last axis.

    p ∈ ]0,1[ are predicted probabilities, y ∈ [0,1] targets (soft targets accepted, decision
    15). 002_0dd137535febb580.txt eq (1) prints a product of the two logarithms without the
    (1 − y_i) factor (E-01); this is the corrected form.

    P-LOSS-BCE (002_0dd137535febb580.txt §4.1 eq (1), corrected E-01).

    Args:
        prediction: predicted probabilities in [0, 1]: one vector ``(m,)`` or a batch ``(n, m)``.
        target: targets in [0, 1], of ``prediction``'s shape.

    Returns:
        The loss: a scalar for one vector, one value per row ``(n,)`` for a batch.

    Raises:
        ValueError: naming ``prediction`` or ``target`` when their shapes differ.
    """
    p, y = jnp.asarray(prediction), jnp.asarray(target)
    _check_pair("binary_cross_entropy", ("prediction", p), ("target", y))
    safe_p = jnp.where(y == 0, 0.5, p)
    safe_q = jnp.where(y == 1, 0.5, p)
    return -jnp.sum(
        _weighted_log(y, jnp.log(safe_p)) + _weighted_log(1 - y, jnp.log1p(-safe_q)), axis=-1
    )


@jax.jit
def binary_cross_entropy_gradient(prediction: ArrayLike, target: ArrayLike) -> Array:
    """$∂BCE/∂p_i = (p_i − y_i) / (p_i (1 − p_i)) = −y_i/p_i + (1 − y_i)/(1 − p_i)$.

    At a saturated prediction with the matching label (p = 1, y = 1 or p = 0, y = 0) the loss
    is 0 and the term of zero weight drops out: the gradient is the one-sided value −1 or +1
    (as autodiff of ``binary_cross_entropy`` gives), not 0/0. A saturated prediction with the
    other label gives ±inf, as the loss is infinite there.

    P-LOSS-BCE (derived from 002_0dd137535febb580.txt §4.1 eq (1), corrected E-01).

    Args:
        prediction: predicted probabilities in [0, 1]: one vector ``(m,)`` or a batch ``(n, m)``.
        target: targets in [0, 1], of ``prediction``'s shape.

    Returns:
        The gradient with respect to the first argument, of its shape.

    Raises:
        ValueError: naming ``prediction`` or ``target`` when their shapes differ.
    """
    p, y = as_floating(prediction), as_floating(target)
    _check_pair("binary_cross_entropy_gradient", ("prediction", p), ("target", y))
    gradient = (p - y) / (p * (1 - p))
    gradient = jnp.where((p == 1) & (y == 1), -1.0, gradient)
    return jnp.where((p == 0) & (y == 0), 1.0, gradient)


@jax.jit
def sigmoid_binary_cross_entropy(logits: ArrayLike, target: ArrayLike) -> Array:
    """$BCE(σ(z), y) = −Σ_i [y_i ln σ(z_i) + (1 − y_i) ln σ(−z_i)] = Σ_i softplus(z_i) − y_i z_i$.

    Computed with ``log_sigmoid(±z)``: finite value and gradient for z = ±1e3.

    P-LOSS-SIGMOID-BCE (derived; 002_0dd137535febb580.txt §5.2 pairs the sigmoid with BCE).

    Args:
        logits: pre-activations z of the output layer: ``(m,)`` or a batch ``(n, m)``.
        target: targets in [0, 1], of the logits' shape.

    Returns:
        The loss: a scalar for one vector, one value per row ``(n,)`` for a batch.
    """
    z, y = jnp.asarray(logits), jnp.asarray(target)
    _check_pair("sigmoid_binary_cross_entropy", ("logits", z), ("target", y))
    return -jnp.sum(
        _weighted_log(y, jax.nn.log_sigmoid(z)) + _weighted_log(1 - y, jax.nn.log_sigmoid(-z)),
        axis=-1,
    )


@jax.jit
def sigmoid_binary_cross_entropy_gradient(logits: ArrayLike, target: ArrayLike) -> Array:
    """$d/dz BCE(σ(z), y) = σ(z) − y = (1 − y)·σ(z) − y·σ(−z)$, element-wise.

    Computed in the second form, which does not cancel for a label y ∈ {0, 1}: at z = 40, y = 1
    the gradient is −σ(−40) = −4.25e-18, where σ(40) − 1 rounds to 0.

    P-LOSS-SIGMOID-BCE (derived; 002_0dd137535febb580.txt §5.2).

    Args:
        logits: pre-activations z of the output layer: ``(m,)`` or a batch ``(n, m)``.
        target: targets in [0, 1], of the logits' shape.

    Returns:
        The gradient with respect to the first argument, of its shape.
    """
    z, y = jnp.asarray(logits), jnp.asarray(target)
    _check_pair("sigmoid_binary_cross_entropy_gradient", ("logits", z), ("target", y))
    return (1 - y) * sigmoid(z) - y * sigmoid(-z)


# --- squared errors -------------------------------------------------------------------------


@jax.jit
def squared_error(prediction: ArrayLike, target: ArrayLike) -> Array:
    """$SE(ŷ, y) = Σ_i (y_i − ŷ_i)²$, over the last axis.

    P-LOSS-SE (002_0dd137535febb580.txt §4.3 eq (3), sample index restored E-50).

    Args:
        prediction: predicted values: one vector ``(m,)`` or a batch ``(n, m)``.
        target: the targets, of ``prediction``'s shape.

    Returns:
        The loss: a scalar for one vector, one value per row ``(n,)`` for a batch.

    Raises:
        ValueError: naming ``prediction`` or ``target`` when their shapes differ.
    """
    y_hat, y = jnp.asarray(prediction), jnp.asarray(target)
    _check_pair("squared_error", ("prediction", y_hat), ("target", y))
    d = y - y_hat
    return jnp.sum(d * d, axis=-1)


@jax.jit
def squared_error_gradient(prediction: ArrayLike, target: ArrayLike) -> Array:
    """$∇_ŷ SE(ŷ, y) = 2(ŷ − y)$.

    P-LOSS-SE (derived; 002_0dd137535febb580.txt §4.3 eq (3)).

    Args:
        prediction: predicted values: one vector ``(m,)`` or a batch ``(n, m)``.
        target: the targets, of ``prediction``'s shape.

    Returns:
        The gradient with respect to the first argument, of its shape.

    Raises:
        ValueError: naming ``prediction`` or ``target`` when their shapes differ.
    """
    y_hat, y = jnp.asarray(prediction), jnp.asarray(target)
    _check_pair("squared_error_gradient", ("prediction", y_hat), ("target", y))
    return 2 * (y_hat - y)


@jax.jit
def half_mean_squared_error(prediction: ArrayLike, target: ArrayLike) -> Array:
    """$C = (1/(2m)) Σ_{i=1}^{m} (y_i − ŷ_i)² = MSE/2$, over the last axis of size m.

    For a vector of m predictions (one per training sample) this is the cost of
    004_6f61966887c71a84.txt; for a batch ``(n, m)`` it is the cost of each row.

    P-LOSS-MSE-HALF (004_6f61966887c71a84.txt "Motivation and cost functions").

    Args:
        prediction: predicted values: one vector ``(m,)`` or a batch ``(n, m)``.
        target: the targets, of ``prediction``'s shape.

    Returns:
        The loss: a scalar for one vector, one value per row ``(n,)`` for a batch.

    Raises:
        ValueError: naming ``prediction`` or ``target`` when their shapes differ.
    """
    y_hat, y = jnp.asarray(prediction), jnp.asarray(target)
    _check_pair("half_mean_squared_error", ("prediction", y_hat), ("target", y))
    d = y - y_hat
    return 0.5 * jnp.mean(d * d, axis=-1)


@jax.jit
def half_mean_squared_error_gradient(prediction: ArrayLike, target: ArrayLike) -> Array:
    """$∂C/∂ŷ_i = (ŷ_i − y_i)/m$, with m the size of the last axis.

    P-LOSS-MSE-HALF (004_6f61966887c71a84.txt "Motivation and cost functions").

    Args:
        prediction: predicted values: one vector ``(m,)`` or a batch ``(n, m)``.
        target: the targets, of ``prediction``'s shape.

    Returns:
        The gradient with respect to the first argument, of its shape.

    Raises:
        ValueError: naming ``prediction`` or ``target`` when their shapes differ.
    """
    y_hat, y = jnp.asarray(prediction), jnp.asarray(target)
    _check_pair("half_mean_squared_error_gradient", ("prediction", y_hat), ("target", y))
    return (y_hat - y) / y_hat.shape[-1]
