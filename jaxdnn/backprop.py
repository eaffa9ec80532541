"""Backpropagation written with the closed forms, no autodiff (catalogue §2.H and
P-NET-LAYER-GRAD-003).

The four equations of 004_6f61966887c71a84.txt in the row convention (the primer writes
columns, E-55), for a batch whose sample i is row i of Δ^ℓ = ∂C/∂Z^ℓ:

    BP1  δ^L = ∇_a C ⊙ φ′(z^L)                 (softmax output: ∇_a C·J_S(z^L))
    BP2  δ^ℓ = (δ^{ℓ+1}·W^{ℓ+1}) ⊙ φ′(z^ℓ)
    BP3  ∂C/∂b^ℓ = Σ_i δ^ℓ_i
    BP4  ∂C/∂W^ℓ = (Δ^ℓ)ᵀ·A^{ℓ−1}              (shape (m_ℓ, m_{ℓ−1}), like W^ℓ)

``backprop`` runs one forward pass that keeps every z^ℓ and a^ℓ, then BP1 (through the fused
head gradient, e.g. S(z^L) − y* for softmax with cross-entropy), BP2 downwards and BP3/BP4.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.activations import derivative_of, relu, softmax
from jaxdnn.dense import dense
from jaxdnn.losses import softmax_cross_entropy
from jaxdnn.network import (
    Activation,
    Params,
    _check_reduction,
    forward_pass,
    hidden_activations,
    loss_head,
    reduce_samples,
)
from jaxdnn.simplified import (
    dense_bias_gradient,
    dense_input_gradient,
    dense_weight_gradient,
    elementwise_backward,
    relu_backward,
)
from jaxdnn.validation import check_params

__all__ = [
    "output_delta",
    "hidden_delta",
    "bias_gradient",
    "weight_gradient",
    "backprop",
    "loss_and_backprop",
    "layer_gradients_003",
]


def output_delta(loss_gradient: ArrayLike, z: ArrayLike, activation: Activation) -> Array:
    """BP1: $δ^L = ∇_a C ⊙ φ′(z^L)$ for an element-wise output activation φ, and
    $δ^L = ∇_a C·J_S(z^L) = S ⊙ (∇_a C − (∇_a C·S))$ row-wise for a softmax output.

    ``loss_gradient`` is ∇_a C at a^L = φ(z^L); for softmax with cross-entropy and Σ y* = 1 the
    result is S(z^L) − y*. The primer writes the element-wise form for every activation (E-19),
    which is wrong for softmax.

    P-BP-EQ1 (004_6f61966887c71a84.txt BP1, corrected E-19).

    Args:
        loss_gradient: ∇_a C at the output a^L, ``(m,)`` or ``(n, m)``.
        z: the output layer's pre-activations z^L, of the same shape.
        activation: the output activation (element-wise, or ``jaxdnn.softmax``).

    Returns:
        δ^L, of z's shape.
    """
    g, z = jnp.asarray(loss_gradient), jnp.asarray(z)
    if activation is softmax:
        s = softmax(z)
        return s * (g - jnp.sum(g * s, axis=-1, keepdims=True))
    return elementwise_backward(g, z, derivative_of(activation))


def hidden_delta(
    delta_next: ArrayLike, W_next: ArrayLike, z: ArrayLike, activation: Activation
) -> Array:
    """BP2: $δ^ℓ = (δ^{ℓ+1}·W^{ℓ+1}) ⊙ φ′(z^ℓ)$, one row per sample.

    The primer's column form ((W^{ℓ+1})ᵀδ^{ℓ+1}) ⊙ σ′(z^ℓ) becomes this row form (E-55); for ReLU
    it is ``dense_input_gradient`` followed by ``relu_backward`` (001 Props 4.1 and 5.1).

    P-BP-EQ2 (004_6f61966887c71a84.txt BP2, translated E-55).

    Args:
        delta_next: δ^{ℓ+1} ``(n, m_{ℓ+1})``.
        W_next: W^{ℓ+1} ``(m_{ℓ+1}, m_ℓ)``.
        z: z^ℓ ``(n, m_ℓ)``.
        activation: φ_ℓ, element-wise.

    Returns:
        δ^ℓ ``(n, m_ℓ)``.
    """
    upstream = dense_input_gradient(delta_next, W_next)
    return elementwise_backward(upstream, z, derivative_of(activation))


def bias_gradient(delta: ArrayLike) -> Array:
    """BP3: $∂C/∂b^ℓ = δ^ℓ$ for one sample; $Σ_i δ^ℓ_i$ for a batch (C = Σ_i C_i). For the mean cost
    the deltas already carry the factor 1/n.

    P-BP-EQ3 (004_6f61966887c71a84.txt BP3).

    Args:
        delta: δ^ℓ, ``(m_ℓ,)`` or ``(n, m_ℓ)``.

    Returns:
        ``(m_ℓ,)``.
    """
    return dense_bias_gradient(delta)


def weight_gradient(delta: ArrayLike, a_prev: ArrayLike) -> Array:
    """BP4: $∂C/∂W^ℓ_{jk} = a^{ℓ−1}_k·δ^ℓ_j$, i.e. $∂C/∂W^ℓ = (δ^ℓ)ᵀ·a^{ℓ−1} ∈ M_{m_ℓ, m_{ℓ−1}}$;
    batch: (Δ^ℓ)ᵀ·A^{ℓ−1}. The primer's column form δ^ℓ(a^{ℓ−1})ᵀ becomes this row form (E-55).

    P-BP-EQ4 (004_6f61966887c71a84.txt BP4, translated E-55); equals P-SIMP-WEIGHT-OUTER.

    Args:
        delta: δ^ℓ, ``(m_ℓ,)`` or ``(n, m_ℓ)``.
        a_prev: a^{ℓ−1}, ``(m_{ℓ−1},)`` or ``(n, m_{ℓ−1})``.

    Returns:
        ``(m_ℓ, m_{ℓ−1})``.
    """
    return dense_weight_gradient(delta, a_prev)


def loss_and_backprop(
    params: Params,
    X: ArrayLike,
    Y: ArrayLike,
    reduction: str = "sum",
    loss: str = "softmax_cross_entropy",
    hidden: Activation | Sequence[Activation] = relu,
    sample_weights: ArrayLike | None = None,
) -> tuple[Array, Params]:
    """The objective and its gradient by backpropagation, from one forward pass.

    One forward pass keeps z^ℓ and a^ℓ; the loss is the head's loss of the logits z^L; δ^L is the
    head's closed-form gradient in the logits, each row scaled by its sample weight (and by 1/n
    for the mean); δ^ℓ follows downwards by BP2, and each layer's gradients by BP3 and BP4. No
    ``jax.grad`` or ``jax.vjp`` inside; jit-compatible (``reduction``, ``loss`` and ``hidden``
    static). A single sample ``(m_0,)`` is a batch of one. Returns ``(objective, gradients)``,
    the gradients with the structure of ``params``.

    P-BP-ALGO (004_6f61966887c71a84.txt the four equations; 001_602cbf05fdb6a620.txt Note to
    Def 5.2; 002_0dd137535febb580.txt §6), P-NET-OBJECTIVE-GRAD (001 Corollary to Def 5.2).

    Args:
        params: the network, ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for k = 1 … p.
        X: the inputs ``(n, m_0)`` (or one sample).
        Y: the targets: the head's ``(n, m_p)`` rows (one-hot for softmax) or one value per sample
            ``(n,)`` (class labels for softmax).
        reduction: ``"sum"`` (001's O_c+) or ``"mean"``.
        loss: the head: a name of ``LOSS_HEADS`` (default softmax with cross-entropy).
        hidden: the hidden layers' activation, or one per hidden layer (default ReLU).
        sample_weights: optional ``(n,)`` weights of the per-sample losses.

    Returns:
        ``(objective, gradients)``.
    """
    check_params(params)
    _check_reduction(reduction)
    head = loss_head(loss)
    activations = hidden_activations(hidden, len(params))
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    if X.ndim == 1:
        X, Y = X[None, :], Y[None, :]
    cache = forward_pass(params, X, activations)
    logits = cache.pre_activations[-1]
    value = reduce_samples(head.loss(logits, Y), reduction, sample_weights)
    delta = head.gradient(logits, Y)
    if sample_weights is not None:
        delta = delta * jnp.asarray(sample_weights)[:, None]
    if reduction == "mean":
        delta = delta / X.shape[0]
    grads: Params = [{} for _ in params]
    for k in reversed(range(len(params))):
        grads[k] = {
            "W": weight_gradient(delta, cache.activations[k]),
            "b": bias_gradient(delta),
        }
        if k > 0:
            delta = hidden_delta(
                delta, params[k]["W"], cache.pre_activations[k - 1], activations[k - 1]
            )
    return value, grads


def backprop(
    params: Params,
    X: ArrayLike,
    Y: ArrayLike,
    reduction: str = "sum",
    loss: str = "softmax_cross_entropy",
    hidden: Activation | Sequence[Activation] = relu,
    sample_weights: ArrayLike | None = None,
) -> Params:
    """Gradient of ``objective(params, X, Y, reduction, loss, hidden, sample_weights)`` by
    backpropagation: the gradients of ``loss_and_backprop``, with the structure of ``params``.
    Row form, one row per sample, Δ^ℓ the rows of δ^ℓ and A^ℓ those of a^ℓ:

    $$δ^L = ∇_{z^L} ξ,   δ^ℓ = (δ^{ℓ+1}·W^{ℓ+1}) ⊙ φ′(z^ℓ),$$

    $$∂O/∂b^ℓ = Σ_i δ^ℓ_i,   ∂O/∂W^ℓ = (Δ^ℓ)ᵀ·A^{ℓ−1}$$

    P-BP-ALGO (004_6f61966887c71a84.txt the four equations; 001_602cbf05fdb6a620.txt Note to
    Def 5.2; 002_0dd137535febb580.txt §6), P-NET-OBJECTIVE-GRAD (001 Corollary to Def 5.2).

    Args:
        params: the network, ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for k = 1 … p.
        X: the inputs ``(n, m_0)`` (or one sample).
        Y: the targets: the head's ``(n, m_p)`` rows (one-hot for softmax) or one value per sample
            ``(n,)`` (class labels for softmax).
        reduction: ``"sum"`` (001's O_c+) or ``"mean"``.
        loss: the head: a name of ``LOSS_HEADS`` (default softmax with cross-entropy).
        hidden: the hidden layers' activation, or one per hidden layer (default ReLU).
        sample_weights: optional ``(n,)`` weights of the per-sample losses.

    Returns:
        The gradients, with the structure of ``params``.

    Examples:
        >>> params = jaxdnn.init_params(jax.random.PRNGKey(0), (4, 8, 3))
        >>> X, labels = jnp.ones((5, 4)), jnp.array([0, 1, 2, 0, 1])
        >>> grads = jaxdnn.backprop(params, X, labels)
        >>> autodiff = jax.grad(jaxdnn.objective)(params, X, labels)
        >>> bool(jnp.allclose(grads[0]["W"], autodiff[0]["W"], rtol=1e-5, atol=1e-6))
        True
    """
    return loss_and_backprop(params, X, Y, reduction, loss, hidden, sample_weights)[1]


def layer_gradients_003(params: Params, X: ArrayLike, Y: ArrayLike, k: int) -> tuple[Array, Array]:
    """Gradients of O_c+ (summed) with respect to W^k and b^k of hidden layer k ∈ ⟦1, p−1⟧
    (1-based, as in the documents), by the layer-k theorem of 003.

    For sample i: y^{down}_i is the input of layer k, z_i = L^k(y^{down}_i),
    F^{up}_i = ξ(·, y*_i)∘S∘L^p∘ReLU∘…∘L^{k+1} and g_i = ∇F^{up}_i(ReLU(z_i)) ⊙ 𝟙[z_i > 0];
    then $∂O/∂W^k = Σ_i g_iᵀ·y^{down}_i$ and $∂O/∂b^k = Σ_i g_i$. The factor is the gradient of the
    upstream function, not its value (E-21), and the theorem holds for every hidden layer,
    k = 1 and k = p − 1 included (003 states k ∈ ⟦2, p−2⟧, E-20). ∇F^{up} is computed with
    ``jax.grad`` of the upstream map, as the theorem takes it as given. ReLU hidden layers,
    softmax output, cross-entropy (N_c+).

    P-NET-LAYER-GRAD-003 (003_4420902fd2b6113f.txt §5 Theorem, corrected E-20, E-21).

    Raises:
        ValueError: naming ``k`` if it is not a hidden layer.

    Args:
        params: the network, ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for k = 1 … p.
        X: the inputs ``(n, m_0)``.
        Y: one-hot targets ``(n, m_p)``.
        k: the hidden layer, 1-based, in ⟦1, p−1⟧.

    Returns:
        ``(∂O/∂W^k, ∂O/∂b^k)``.
    """
    p = len(params)
    if not (isinstance(k, int) and 1 <= k <= p - 1):
        raise ValueError(
            f"k must be a hidden layer in [1, {p - 1}] for a {p}-layer network, got {k!r}"
        )
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    cache = forward_pass(params, X, relu)
    y_down, z = cache.activations[k - 1], cache.pre_activations[k - 1]
    upstream_gradient: Callable[[Array, Array], Array] = jax.vmap(
        jax.grad(lambda a, y_star: _upstream_003(params[k:], a, y_star))
    )
    g = relu_backward(upstream_gradient(relu(z), Y), z)
    return dense_weight_gradient(g, y_down), dense_bias_gradient(g)


def _upstream_003(upper_params: Params, a: Array, y_star: Array) -> Array:
    """F^{up}(a) = ξ(S(L^p(ReLU(… L^{k+1}(a) …))), y*) for the layers above k."""
    for layer in upper_params[:-1]:
        a = relu(dense(a, layer["W"], layer["b"]))
    return softmax_cross_entropy(dense(a, upper_params[-1]["W"], upper_params[-1]["b"]), y_star)
