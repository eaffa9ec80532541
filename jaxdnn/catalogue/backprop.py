"""Backpropagation: the node errors δ and the four equations, in the row convention
(004_6f61966887c71a84.txt; 001_602cbf05fdb6a620.txt Note to Def 5.2; 002_0dd137535febb580.txt
§6).
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D2,
    D4,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    ACTIVATIONS,
    draw_network,
    f64,
    leaf_pairs,
    objective_grad,
)

# --- §2.H backpropagation -----------------------------------------------------------------------

_HEADS = ["softmax_cross_entropy", "sigmoid_binary_cross_entropy", "half_mean_squared_error"]


def _problem(draw: Draw) -> tuple[list[dict], np.ndarray, np.ndarray, str, Any]:
    params, X, Y = draw_network(draw, integer=draw(st.booleans()))
    head = draw(st.sampled_from(_HEADS))
    if head != "softmax_cross_entropy":
        Y = np.array([[draw(st.sampled_from([0.0, 1.0])) for _ in row] for row in Y])
    hidden = tuple(
        draw(st.sampled_from([jd.relu, jd.tanh, jd.sigmoid, jd.identity]))
        for _ in range(len(params) - 1)
    )
    return params, X, Y, head, hidden


@functools.partial(jax.jit, static_argnums=(3, 4))
def _deltas(params: list, X: Any, Y: Any, head: str, hidden: Any) -> list[jax.Array]:
    """δ^ℓ = ∂C/∂z^ℓ by autodiff through additive pre-activation perturbations (P-BP-DELTA-DEF)."""
    zeros = [jnp.zeros((len(X), layer["b"].shape[0])) for layer in params]

    def cost(perturbations: list) -> jax.Array:
        head_ = jd.loss_head(head)
        a = jd.forward_pass(params, X, hidden, perturbations)
        return jnp.sum(head_.loss(a.pre_activations[-1], f64(Y)))

    return jax.grad(cost)(zeros)


@proposition(
    "P-BP-DELTA-DEF",
    "stated",
    (
        "δ^ℓ_j = ∂C/∂z^ℓ_j, the sensitivity of the cost to an additive change of the pre- "
        "activation z^ℓ_j"
    ),
    f"{D4} error of a node",
)
def bp_delta_def(draw: Draw) -> list[Pair]:
    params, X, Y, head, hidden = _problem(draw)
    deltas = _deltas(params, X, Y, head, hidden)
    a = jd.forward_pass(params, X, hidden)
    h, z = jd.loss_head(head), a.pre_activations[-1]
    # δ^L from the head's gradient in the logits (BP1 fused with the loss, as backprop computes
    # it): through the rounded probability a = σ(z), (a − y)/(a(1 − a))·σ′(z) loses digits as
    # 1 − a does (2e-10 at z = 15); BP1 through a is checked at moderate logits (P-BP-EQ1)
    delta = h.gradient(z, f64(Y))
    pairs = [(delta, deltas[-1])]
    for layer in range(len(params) - 2, -1, -1):
        delta = jd.hidden_delta(
            delta, params[layer + 1]["W"], a.pre_activations[layer], hidden[layer]
        )
        pairs.append((delta, deltas[layer]))
    return pairs


@proposition(
    "P-BP-EQ1",
    "corrected",
    (
        "δ^L = ∇_a C ⊙ φ′(z^L) for an element-wise φ; for a softmax output δ^L = ∇_a C·J_S(z^L) (= "
        "S − y* with CCE, Σ y* = 1)"
    ),
    f"{D4} BP1",
)
def bp_eq1(draw: Draw) -> list[Pair]:
    z = f64(draw(jt.logits(size=3, bound=5.0)))
    pairs: list[Pair] = []
    for act, loss, grad in [
        (jd.sigmoid, jd.binary_cross_entropy, jd.binary_cross_entropy_gradient),
        (jd.identity, jd.half_mean_squared_error, jd.half_mean_squared_error_gradient),
        (jd.tanh, jd.squared_error, jd.squared_error_gradient),
        (jd.softmax, jd.categorical_cross_entropy, jd.categorical_cross_entropy_gradient),
    ]:
        if act is jd.softmax:
            y = f64(np.eye(3)[draw(st.integers(0, 2))])
        else:  # targets anywhere in [0, 1]
            y = f64(draw(jt.probabilities(size=3, eps=0.0)))
        ad = jax.grad(lambda z, loss=loss, act=act, y=y: loss(act(z), y))(z)
        delta = jd.output_delta(grad(act(z), y), z, act)
        pairs.append((delta, ad))
        if act is jd.softmax:
            pairs.append((delta, jd.softmax(z) - y))
    return pairs


@erratum(
    "E-19",
    "δ^L = ∇_aC ⊙ φ′(z^L) for element-wise φ; δ^L = ∇_aC·J_S(z^L) for a softmax output",
    f"{D4} BP1",
    printed="δ^L = ∇_aC σ′(z^L), implicitly element-wise",
    why="softmax is not element-wise: its Jacobian has off-diagonal entries",
)
def e19(draw: Draw) -> Erratum:
    z = f64(draw(jt.logits(size=3, bound=5.0)))
    y = f64(np.eye(3)[draw(st.integers(0, 2))])
    up = jd.categorical_cross_entropy_gradient(jd.softmax(z), y)
    ad = jax.grad(lambda z: jd.categorical_cross_entropy(jd.softmax(z), y))(z)
    printed = up * jnp.diag(jd.softmax_jacobian(z))
    return Erratum([(jd.output_delta(up, z, jd.softmax), ad)], [(printed, ad)])


@proposition(
    "P-BP-EQ2",
    "stated",
    "δ^ℓ = (δ^{ℓ+1}·W^{ℓ+1}) ⊙ φ′(z^ℓ); a batch gives Δ^ℓ = (Δ^{ℓ+1}·W^{ℓ+1}) ⊙ φ′(Z^ℓ)",
    f"{D4} BP2",
)
def bp_eq2(draw: Draw) -> list[Pair]:
    delta_next = draw(jt.vectors(size=(2, 3)))
    W_next, z = draw(jt.vectors(size=(3, 4))), draw(jt.integer_valued_vectors(size=(2, 4)))
    name = draw(st.sampled_from(sorted(ACTIVATIONS)))
    f, _, df = ACTIVATIONS[name]
    ad = jax.grad(lambda z: jnp.sum(delta_next * jd.dense(f(z), W_next, jnp.zeros(3))))(f64(z))
    pairs = [(jd.hidden_delta(delta_next, W_next, z, f), ad)]
    if name == "relu":
        pairs.append(
            (
                jd.hidden_delta(delta_next, W_next, z, f),
                jd.relu_backward(jd.dense_input_gradient(delta_next, W_next), z),
            )
        )
    return pairs


@erratum(
    "E-55",
    "δ^ℓ = (δ^{ℓ+1}·W^{ℓ+1}) ⊙ φ′(z^ℓ) and ∂C/∂W^ℓ = (δ^ℓ)ᵀ·a^{ℓ−1} on rows",
    f"{D4} BP2, BP4",
    printed="((W^{ℓ+1})ᵀδ^{ℓ+1}) ⊙ σ′(z^ℓ) and δ^ℓ(a^{ℓ−1})ᵀ on columns",
    why="copied onto row arrays, the column forms transpose W, which fails for a non-square W",
)
def e55(draw: Draw) -> Erratum:
    delta_next, W_next = draw(jt.vectors(size=(2, 3))), draw(jt.vectors(size=(3, 4)))
    z = draw(jt.vectors(size=(2, 4)))
    got = jd.hidden_delta(delta_next, W_next, z, jd.tanh)
    # δ^{ℓ+1}·(W^{ℓ+1})ᵀ multiplies (2, 3) by (4, 3): the inner dimensions 3 and 4 do not chain
    return Erratum(
        [(got, (delta_next @ W_next) * jd.tanh_derivative(z))],
        [(W_next.T.shape[0], delta_next.shape[1])],
    )


@proposition(
    "P-BP-EQ3",
    "stated",
    "∂C/∂b^ℓ = δ^ℓ for one sample, Σ_i δ^ℓ_i for a summed cost",
    f"{D4} BP3",
)
def bp_eq3(draw: Draw) -> list[Pair]:
    params, X, Y, head, hidden = _problem(draw)
    deltas = _deltas(params, X, Y, head, hidden)
    ad = objective_grad(params, X, Y, loss=head, hidden=hidden)
    return [(jd.bias_gradient(d), g["b"]) for d, g in zip(deltas, ad, strict=True)]


@proposition(
    "P-BP-EQ4",
    "stated",
    (
        "∂C/∂W^ℓ_{jk} = δ^ℓ_j·a^{ℓ−1}_k: ∂C/∂W^ℓ = (δ^ℓ)ᵀ·a^{ℓ−1} ∈ M_{m_ℓ,m_{ℓ−1}}; a batch gives "
        "(Δ^ℓ)ᵀ·A^{ℓ−1}"
    ),
    f"{D4} BP4",
)
def bp_eq4(draw: Draw) -> list[Pair]:
    params, X, Y, head, hidden = _problem(draw)
    deltas = _deltas(params, X, Y, head, hidden)
    a = jd.forward_pass(params, X, hidden).activations
    ad = objective_grad(params, X, Y, loss=head, hidden=hidden)
    return [
        (jd.weight_gradient(d, a_prev), g["W"]) for d, a_prev, g in zip(deltas, a, ad, strict=True)
    ]


@proposition(
    "P-BP-ALGO",
    "stated",
    (
        "a forward pass caching z^ℓ and a^ℓ, δ^L by BP1, δ^ℓ downwards by BP2, the gradients by "
        "BP3 and BP4 give ∇C"
    ),
    f"{D4}; {D2} §6",
)
def bp_algo(draw: Draw) -> list[Pair]:
    params, X, Y, head, hidden = _problem(draw)
    reduction = draw(st.sampled_from(["sum", "mean"]))
    g = jd.backprop(params, X, Y, reduction=reduction, loss=head, hidden=hidden)
    ad = objective_grad(params, X, Y, reduction=reduction, loss=head, hidden=hidden)
    return leaf_pairs(g, ad)


@proposition(
    "P-BP-LAYER-CHAIN",
    "stated",
    (
        "∇_{a¹}C = ∇_{a³}C·J_{a³}(a²)·J_{a²}(a¹): in the row layout the Jacobians multiply from "
        "the output down"
    ),
    f"{D4} entire layer",
)
def bp_layer_chain(draw: Draw) -> list[Pair]:
    a1 = f64(draw(jt.vectors(size=3, bound=2.0)))
    W2, b2 = f64(draw(jt.vectors(size=(4, 3)))), f64(draw(jt.vectors(size=4)))
    W3, b3 = f64(draw(jt.vectors(size=(2, 4)))), f64(draw(jt.vectors(size=2)))
    y = f64([1.0, 0.0])
    l2 = lambda a: jd.tanh(jd.dense(a, W2, b2))  # noqa: E731
    l3 = lambda a: jd.sigmoid(jd.dense(a, W3, b3))  # noqa: E731
    C = lambda a3: jd.squared_error(a3, y)  # noqa: E731
    a2 = l2(a1)
    chain = jax.grad(C)(l3(a2)) @ jax.jacfwd(l3)(a2) @ jax.jacfwd(l2)(a1)
    return [(chain, jax.grad(lambda a: C(l3(l2(a))))(a1))]


@erratum(
    "E-54",
    "∇_{a¹}C = ∇_{a³}C·J_{a³}(a²)·J_{a²}(a¹) in the row layout",
    f"{D4} entire layer",
    printed="∂C/∂W₁ = ∂a¹/∂W₁·∂a²/∂a¹·∂a³/∂a²·∂C/∂a³",
    why="that order holds only with transposed (denominator-layout) Jacobians",
)
def e54(draw: Draw) -> Erratum:
    a1 = f64(draw(jt.vectors(size=3, bound=2.0)))
    W2, W3 = f64(draw(jt.vectors(size=(4, 3)))), f64(draw(jt.vectors(size=(2, 4))))
    l2 = lambda a: jd.tanh(a @ W2.T)  # noqa: E731
    l3 = lambda a: jd.sigmoid(a @ W3.T)  # noqa: E731
    a2 = l2(a1)
    J2, J3 = jax.jacfwd(l2)(a1), jax.jacfwd(l3)(a2)
    g3 = f64([1.0, -1.0])
    ad = jax.grad(lambda a: jnp.sum(g3 * l3(l2(a))))(a1)
    return Erratum([(J2.T @ J3.T @ g3, ad), (g3 @ J3 @ J2, ad)], [(np.shape(J2), np.shape(J3.T))])
