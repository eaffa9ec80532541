"""The dense network and its objective (catalogue §2.G).

Widths (m_0, …, m_p): layer k ∈ ⟦1, p⟧ has W^(k) ∈ M_{m_k, m_{k−1}} (shape (out, in)) and
b^(k) ∈ ℝ^{m_k}; ``params[k - 1] == {"W": W^(k), "b": b^(k)}``. With a^(0) = x,
a^(k) = φ_k(z^(k)), z^(k) = a^(k−1)·W^(k)ᵀ + b^(k). The multi-class network N_c+ of
001_602cbf05fdb6a620.txt Def 5.1 uses ReLU in the hidden layers and softmax at the output; its
objective O_c+ (Def 5.2) sums the categorical cross-entropy over the samples.

An output activation and its loss form a *head*, computed from the logits z^(p) for numerical
stability: ``"softmax_cross_entropy"`` (multi-class, softmax output),
``"sigmoid_binary_cross_entropy"`` (binary, sigmoid output) and ``"half_mean_squared_error"``
(regression, identity output).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.activations import identity, relu, sigmoid, softmax
from jaxdnn.dense import dense
from jaxdnn.losses import (
    half_mean_squared_error,
    half_mean_squared_error_gradient,
    sigmoid_binary_cross_entropy,
    sigmoid_binary_cross_entropy_gradient,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
)
from jaxdnn.validation import check_key, check_params

__all__ = [
    "LossHead",
    "l2_penalty",
    "l2_penalty_gradient",
    "LOSS_HEADS",
    "loss_head",
    "init_params",
    "param_count",
    "hidden_activations",
    "ForwardPass",
    "forward_pass",
    "forward",
    "objective",
    "reduce_samples",
    "collapse_linear",
]

Params = list[dict[str, Array]]
Activation = Callable[[Array], Array]


@dataclasses.dataclass(frozen=True)
class LossHead:
    """An output activation with its loss and the loss's closed-form gradient in the logits.

    ``loss(z, y)`` and ``gradient(z, y)`` take the logits z = z^(p) of one sample ``(m_p,)`` or
    a batch ``(n, m_p)``; ``loss`` reduces over the last axis. The softmax head's gradient is
    (Σy*)·S(z) − y* (001_602cbf05fdb6a620.txt Prop 5.3), the sigmoid head's σ(z) − y.

    P-NET-GENERIC (003_4420902fd2b6113f.txt §5), P-BP-EQ1 (004_6f61966887c71a84.txt BP1).

    Args:
        name: the head's name, a key of ``LOSS_HEADS``.
        output: the output activation φ_p.
        loss: ``loss(z, y)``, the per-sample loss of the logits.
        gradient: ``gradient(z, y)``, its closed-form gradient in the logits.
    """

    name: str
    output: Activation
    loss: Callable[[Array, Array], Array]
    gradient: Callable[[Array, Array], Array]


LOSS_HEADS: dict[str, LossHead] = {
    head.name: head
    for head in (
        LossHead(
            "softmax_cross_entropy",
            softmax,
            softmax_cross_entropy,
            softmax_cross_entropy_gradient,
        ),
        LossHead(
            "sigmoid_binary_cross_entropy",
            sigmoid,
            sigmoid_binary_cross_entropy,
            sigmoid_binary_cross_entropy_gradient,
        ),
        LossHead(
            "half_mean_squared_error",
            identity,
            half_mean_squared_error,
            half_mean_squared_error_gradient,
        ),
    )
}


def loss_head(loss: str) -> LossHead:
    """The head named ``loss``: one of ``LOSS_HEADS``.

    P-NET-GENERIC (003_4420902fd2b6113f.txt §5: arbitrary per-sample loss).

    Raises:
        ValueError: naming ``loss`` and the accepted names.

    Args:
        loss: the head's name.

    Returns:
        The :class:`LossHead`.
    """
    try:
        return LOSS_HEADS[loss]
    except (KeyError, TypeError):
        raise ValueError(f"loss must be one of {sorted(LOSS_HEADS)}, got {loss!r}") from None


def _check_reduction(reduction: str) -> None:
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")


def _check_widths(widths: Sequence[int]) -> tuple[int, ...]:
    """The widths as a tuple of Python ints (NumPy integers and integer arrays accepted)."""
    problem = f"widths must hold at least two positive integers (m_0, …, m_p), got {widths!r}"
    if isinstance(widths, str | bytes) or np.ndim(widths) != 1:
        raise ValueError(problem)
    widths = tuple(widths)
    if len(widths) < 2 or not all(
        isinstance(m, int | np.integer) and not isinstance(m, bool) and m >= 1 for m in widths
    ):
        raise ValueError(problem)
    return tuple(int(m) for m in widths)


def param_count(widths: Sequence[int]) -> int:
    """Number of parameters of a network of widths (m_0, …, m_p): $Σ_{k=1}^{p} m_k(m_{k−1} + 1)$.

    ``widths`` holds p + 1 numbers (001 writes (ℕ*)^p, E-33).

    P-NET-PARAM-COUNT (001_602cbf05fdb6a620.txt Corollary to Def 5.1).

    Args:
        widths: the layer widths (m_0, …, m_p).

    Returns:
        The number of weights and biases.
    """
    widths = _check_widths(widths)
    return sum(m_k * (m_prev + 1) for m_prev, m_k in zip(widths[:-1], widths[1:], strict=True))


def init_params(
    key: Array,
    widths: Sequence[int],
    weight_init: Callable[..., Array] | None = None,
    dtype: Any = None,
) -> Params:
    """Initial parameters ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for widths (m_0, …, m_p).

    By default the weights of hidden layers (those feeding a ReLU) are He (Kaiming) normal and
    those of the output layer Glorot normal; biases are zero (decision 14). ``weight_init`` is any
    ``jax.nn.initializers`` function, called as ``weight_init(key, (m_{k−1}, m_k), dtype)`` in
    their (in, out) convention and transposed, so that fan-in is m_{k−1}. ``dtype`` defaults to
    JAX's default float (float64 under ``jax_enable_x64``).

    P-NET-DEF (001_602cbf05fdb6a620.txt Def 5.1, widths corrected E-33).

    Raises:
        ValueError: naming ``widths`` if it is not a sequence of at least two positive integers,
            or ``dtype`` if it is not a floating-point type.
        TypeError: naming ``key`` if it is not a PRNG key, or ``weight_init`` if not callable.

    Args:
        key: a JAX PRNG key.
        widths: the layer widths (m_0, …, m_p): input, hidden layers, output.
        weight_init: optional ``jax.nn.initializers`` function for every weight matrix.
        dtype: the parameters' floating dtype (default JAX's default float).

    Returns:
        The parameters, one ``{"W", "b"}`` dict per layer.

    Examples:
        >>> params = jaxdnn.init_params(jax.random.PRNGKey(0), (4, 8, 3))
        >>> [p["W"].shape for p in params]
        [(8, 4), (3, 8)]
    """
    widths = _check_widths(widths)
    check_key(key)
    if weight_init is not None and not callable(weight_init):
        raise TypeError(f"weight_init must be a jax.nn.initializers function, got {weight_init!r}")
    dtype = jnp.zeros(()).dtype if dtype is None else jnp.dtype(dtype)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"dtype must be a floating-point type, got {dtype}")
    return _init_params(key, widths, weight_init, dtype)


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _init_params(
    key: Array, widths: tuple[int, ...], weight_init: Callable[..., Array] | None, dtype: Any
) -> Params:
    """init_params as one compiled program per architecture."""
    n_layers = len(widths) - 1
    keys = jax.random.split(key, n_layers)
    params = []
    for k in range(n_layers):
        init = weight_init
        if init is None:
            feeds_relu = k < n_layers - 1
            init = (
                jax.nn.initializers.he_normal()
                if feeds_relu
                else jax.nn.initializers.glorot_normal()
            )
        W = init(keys[k], (widths[k], widths[k + 1]), dtype).T
        params.append({"W": W, "b": jnp.zeros(widths[k + 1], dtype)})
    return params


def hidden_activations(
    hidden: Activation | Sequence[Activation], n_layers: int
) -> tuple[Activation, ...]:
    """The activations φ_1, …, φ_{p−1} of the hidden layers of a p-layer network.

    ``hidden`` is one activation for every hidden layer or a sequence of p − 1 of them.

    P-NET-GENERIC (003_4420902fd2b6113f.txt §5: N = F^p∘L^p∘…∘F^1∘L^1).

    Raises:
        ValueError: naming ``hidden`` if a sequence has the wrong length.
        TypeError: naming ``hidden`` if it is neither a function nor a sequence of functions.

    Args:
        hidden: one activation, or a sequence of p − 1.
        n_layers: p, the number of layers.

    Returns:
        The p − 1 hidden activations.
    """
    if callable(hidden):
        return (hidden,) * (n_layers - 1)
    if (
        isinstance(hidden, str | bytes)
        or not isinstance(hidden, Sequence)
        or not all(callable(h) for h in hidden)
    ):
        raise TypeError(
            "hidden must be an activation function (e.g. jaxdnn.relu) or a sequence of them, "
            f"got {hidden!r}"
        )
    hidden = tuple(hidden)
    if len(hidden) != n_layers - 1:
        raise ValueError(
            f"hidden must be one activation or {n_layers - 1} of them (one per hidden layer of a "
            f"{n_layers}-layer network), got {len(hidden)}"
        )
    return hidden


class ForwardPass(NamedTuple):
    """What the forward pass keeps for backpropagation.

    ``pre_activations[k - 1]`` is z^(k) and ``activations[k]`` is a^(k) for k ∈ ⟦0, p−1⟧
    (``activations[0]`` is the input); the last pre-activation z^(p) is the logits.

    P-BP-ALGO (004_6f61966887c71a84.txt "Back propagation": the forward pass caches z^ℓ, a^ℓ).

    Attributes:
        pre_activations: z^(1), …, z^(p), one ``(n, m_k)`` array per layer.
        activations: a^(0) = X, …, a^(p−1), the inputs of the layers.
    """

    pre_activations: list[Array]
    activations: list[Array]


def forward_pass(
    params: Params,
    X: ArrayLike,
    hidden: Activation | Sequence[Activation] = relu,
    perturbations: Sequence[ArrayLike] | None = None,
) -> ForwardPass:
    """Forward pass keeping every $z^(k) = a^(k−1)·W^(k)ᵀ + b^(k)$ and $a^(k) = φ_k(z^(k))$.

    ``perturbations`` (optional, one array per layer, shaped like z^(k)) is added to each
    pre-activation: z^(k) + Δ^(k). The sensitivity δ^(k) = ∂C/∂z^(k) is the gradient of the cost
    with respect to Δ^(k) at 0.

    P-NET-DEF (001_602cbf05fdb6a620.txt Def 5.1), P-BP-DELTA-DEF (004_6f61966887c71a84.txt
    "Error of a node").

    Raises:
        ValueError, TypeError: naming ``params`` (a layer whose shape does not fit the previous
            one) or ``X`` (not of shape (m_0,) or (n, m_0)); static checks, also under ``jit``.

    Args:
        params: the network, ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for k = 1 … p.
        X: one sample ``(m_0,)`` or a batch ``(n, m_0)``.
        hidden: the hidden layers' activation, or one per hidden layer (default ReLU).
        perturbations: optional Δ^(k), one per layer, added to each z^(k).

    Returns:
        The :class:`ForwardPass`.
    """
    widths = check_params(params)
    activations = hidden_activations(hidden, len(params))
    if perturbations is not None and len(perturbations) != len(params):
        raise ValueError(
            f"perturbations must hold one array per layer ({len(params)}), got {len(perturbations)}"
        )
    a = jnp.asarray(X)
    if a.ndim not in (1, 2) or a.shape[-1] != widths[0]:
        raise ValueError(
            f"X must have shape ({widths[0]},) or (n, {widths[0]}) for a network of input width "
            f"{widths[0]}, got {a.shape}"
        )
    zs, As = [], [a]
    for k, layer in enumerate(params):
        z = dense(a, layer["W"], layer["b"])
        if perturbations is not None:
            delta = jnp.asarray(perturbations[k])
            if delta.shape != z.shape:
                raise ValueError(
                    f"perturbations[{k}] must have the shape {z.shape} of z^({k + 1}), got "
                    f"{delta.shape}"
                )
            z = z + delta
        zs.append(z)
        if k < len(params) - 1:
            a = activations[k](z)
            As.append(a)
    return ForwardPass(zs, As)


def forward(
    params: Params,
    X: ArrayLike,
    hidden: Activation | Sequence[Activation] = relu,
    output: Activation = softmax,
) -> Array:
    """The network $N(x) = φ_p(L^p(… φ_1(L^1(x)) …))$ for one sample ``(m_0,)`` or a batch.

    The defaults give N_c+ of 001: ReLU hidden layers and a softmax output; any activation per
    layer otherwise (``hidden`` one activation or one per hidden layer).

    P-NET-DEF (001_602cbf05fdb6a620.txt Def 5.1, corrected E-33; 003_4420902fd2b6113f.txt §5
    Theorem; 000_e9869ddaa8874969.txt §5), P-NET-GENERIC, P-NET-BATCH.

    Args:
        params: the network, ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for k = 1 … p.
        X: one sample ``(m_0,)`` or a batch ``(n, m_0)``.
        hidden: the hidden layers' activation, or one per hidden layer (default ReLU).
        output: the output activation (default softmax).

    Returns:
        The outputs, ``(m_p,)`` or ``(n, m_p)``.
    """
    return output(forward_pass(params, X, hidden).pre_activations[-1])


def reduce_samples(
    per_sample: ArrayLike, reduction: str, sample_weights: ArrayLike | None = None
) -> Array:
    """$Σ_i w_i ℓ_i$ (``"sum"``) or $(1/n) Σ_i w_i ℓ_i$ (``"mean"``) of per-sample values ℓ_i, with
    weights w_i = 1 by default; a scalar stays as is.

    Weights w_i = mask_i / Σ_j mask_j with ``"sum"`` give the mean over the unmasked samples of a
    padded batch (decision 12).

    P-NET-OBJECTIVE (001_602cbf05fdb6a620.txt Def 5.2 is a sum; decision 1).

    Args:
        per_sample: the values ℓ_i ``(n,)``, or a scalar.
        reduction: ``"sum"`` (001's O_c+) or ``"mean"``.
        sample_weights: optional weights w_i ``(n,)``.

    Returns:
        A scalar.
    """
    _check_reduction(reduction)
    per_sample = jnp.asarray(per_sample)
    if sample_weights is not None:
        sample_weights = jnp.asarray(sample_weights)
        if sample_weights.shape != per_sample.shape:
            raise ValueError(
                f"sample_weights must have shape {per_sample.shape} (one weight per sample), got "
                f"{sample_weights.shape}"
            )
        per_sample = per_sample * sample_weights
    return jnp.sum(per_sample) if reduction == "sum" else jnp.mean(per_sample)


def objective(
    params: Params,
    X: ArrayLike,
    Y: ArrayLike,
    reduction: str = "sum",
    loss: str = "softmax_cross_entropy",
    hidden: Activation | Sequence[Activation] = relu,
    sample_weights: ArrayLike | None = None,
) -> Array:
    """$O(X, Y*, W, b) = Σ_{i=1}^{n} ξ(N(x^(i)), y*^(i))$ (``"sum"``) or that sum / n (``"mean"``).

    With the default head this is O_c+ of 001 Def 5.2: the categorical cross-entropy of the
    softmax output, here computed from the logits through log-softmax. The other heads give
    binary classification (sigmoid + BCE) and regression (identity + half MSE). Optional
    ``sample_weights`` (n,) multiply the per-sample losses before the reduction.

    P-NET-OBJECTIVE (001_602cbf05fdb6a620.txt Def 5.2 eq (14); 003_4420902fd2b6113f.txt §5
    Theorem), P-NET-GENERIC (003 §5 global loss Σ_i F_loss(N(X^i))).

    Args:
        params: the network, ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for k = 1 … p.
        X: the inputs ``(n, m_0)``.
        Y: the targets: the head's ``(n, m_p)`` rows (one-hot for softmax) or one value per sample
            ``(n,)`` (class labels for softmax).
        reduction: ``"sum"`` (001's O_c+) or ``"mean"``.
        loss: the head: a name of ``LOSS_HEADS`` (default softmax with cross-entropy).
        hidden: the hidden layers' activation, or one per hidden layer (default ReLU).
        sample_weights: optional ``(n,)`` weights of the per-sample losses.

    Returns:
        The objective, a scalar.
    """
    head = loss_head(loss)
    logits = forward_pass(params, X, hidden).pre_activations[-1]
    return reduce_samples(head.loss(logits, jnp.asarray(Y)), reduction, sample_weights)


def l2_penalty(params: Params, l2: ArrayLike) -> Array:
    """The ridge penalty of a network's weights: $(λ/2)·Σ_k ‖W^(k)‖²_F$, biases unpenalised.

    The ridge term λ‖β‖² of 002 §10 carried over to every weight matrix of a network (with the
    factor ½ that makes its gradient λW); biases stay unpenalised, as an intercept is in ridge
    regression's usual convention (decision 9). Added to the mean loss of a batch by
    ``fit(..., l2=λ)``.

    P-NET-L2 (extension of P-CAP-RIDGE, 002_0dd137535febb580.txt §10).

    Args:
        params: the network, ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for k = 1 … p.
        l2: λ ≥ 0.

    Returns:
        The penalty, a scalar.
    """
    squares = sum(jnp.sum(jnp.square(layer["W"])) for layer in params)
    return jnp.multiply(0.5 * jnp.asarray(l2), squares)


def l2_penalty_gradient(params: Params, l2: ArrayLike) -> Params:
    """∇ of :func:`l2_penalty`: $λ·W^(k)$ in each weight matrix, 0 in each bias.

    P-NET-L2 (extension of P-CAP-RIDGE, 002_0dd137535febb580.txt §10).

    Args:
        params: the network, ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for k = 1 … p.
        l2: λ ≥ 0.

    Returns:
        The gradient, with the structure of ``params``.
    """
    return [
        {"W": jnp.multiply(l2, layer["W"]), "b": jnp.zeros_like(layer["b"])} for layer in params
    ]


def collapse_linear(params: Params) -> tuple[Array, Array]:
    """The single affine map of a network with identity activations: (W, b) with
    $L(L(x, W₁, b₁), W₂, b₂) = x·(W₂W₁)ᵀ + (b₁·W₂ᵀ + b₂)$, and so on for any depth.

    P-NET-LINEAR-COLLAPSE (004_6f61966887c71a84.txt "The neuron function": without a
    non-linearity the network is linear regression).

    Args:
        params: the network, ``[{"W": (m_k, m_{k−1}), "b": (m_k,)}, …]`` for k = 1 … p.

    Returns:
        ``(W, b)`` of the single layer equal to the network.
    """
    check_params(params)
    W, b = params[0]["W"], params[0]["b"]
    for layer in params[1:]:
        W, b = layer["W"] @ W, dense(b, layer["W"], layer["b"])
    return W, b
