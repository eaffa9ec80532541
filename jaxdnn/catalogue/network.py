"""The multi-class network N_c+, its parameters and its objective O_c+ (001_602cbf05fdb6a620.txt
§5.2; 003_4420902fd2b6113f.txt §5; 000_e9869ddaa8874969.txt §5; 004_6f61966887c71a84.txt).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.flatten_util
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D0,
    D1,
    D2,
    D3,
    D4,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    ARCHITECTURES,
    draw_design,
    draw_network,
    f64,
    leaf_pairs,
    objective_grad,
    same,
)

# --- §2.G network and objective -----------------------------------------------------------------


@proposition(
    "P-NET-DEF",
    "corrected",
    (
        "a^(0) = x, a^(k) = ReLU(L(a^(k−1), W^(k), b^(k))) for k < p, N_c+(x) = S(L(a^(p−1), "
        "W^(p), b^(p))), W^(k) ∈ M_{m_k,m_{k−1}}"
    ),
    f"{D1} Def 5.1",
)
def net_def(draw: Draw) -> list[Pair]:
    params, X, _ = draw_network(draw, generic=True)
    layers = []
    for k, layer in enumerate(params):
        layers.append(lambda a, layer=layer: jd.dense(a, layer["W"], layer["b"]))
        layers.append(jd.softmax if k == len(params) - 1 else jd.relu)
    out = np.asarray(jd.forward(params, X))
    one = draw(jt.vectors(size=3))  # m_p = 1 (p = 1, no ReLU): the output is exactly [1]
    single = jd.forward([{"W": f64(np.ones((1, 3))), "b": f64(np.zeros(1))}], one)
    return [
        (out, jax.vmap(jd.compose(*layers))(f64(X))),
        (np.shape(out), (len(X), params[-1]["b"].shape[0])),
        (out.sum(axis=1), np.ones(len(X))),
        same(bool(np.all((out > 0) & (out < 1))) or out.shape[1] == 1),  # the open simplex
        same(np.array_equal(single, [1.0])),
    ]


@proposition(
    "P-NET-PARAM-COUNT",
    "stated",
    "a network of widths (m_0, …, m_p) has Σ_{k=1}^{p} m_k(m_{k−1} + 1) parameters",
    f"{D1} Corollary to Def 5.1",
)
def net_param_count(draw: Draw) -> list[Pair]:
    widths = tuple(draw(st.lists(st.integers(1, 12), min_size=2, max_size=5)))
    shapes = jax.eval_shape(lambda key: jd.init_params(key, widths), jax.random.PRNGKey(0))
    n = sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(shapes))
    flat = jax.flatten_util.ravel_pytree(jd.init_params(jax.random.PRNGKey(0), (4, 5, 3)))[0]
    return [
        (jd.param_count(widths), n),
        (jd.param_count((784, 128, 10)), 101_770),
        (jd.param_count((5, 3)), 18),
        (jd.param_count((1, 1, 1)), 4),
        (jd.param_count((4, 5, 3)), flat.size),
    ]


@erratum(
    "E-33",
    "widths (m_0, …, m_p) ∈ (ℕ*)^{p+1}",
    f"{D1} Def 5.1",
    printed="(m_k)_{k∈⟦0,p⟧} ∈ (ℕ*)^p",
    why="k runs over p + 1 values",
)
def e33(draw: Draw) -> Erratum:
    widths = tuple(draw(st.lists(st.integers(1, 6), min_size=2, max_size=5)))
    params = jax.eval_shape(lambda key: jd.init_params(key, widths), jax.random.PRNGKey(0))
    return Erratum([(len(params) + 1, len(widths))], [(len(params), len(widths))])


@erratum(
    "E-36",
    "the initial W^(k) ∈ M_{m_k,m_{k−1}} and b^(k) ∈ ℝ^{m_k}, as in the network's definition",
    f"{D1} Defs 6.6, 6.7",
    printed="W^(k) ∈ M_{m_{k+1},m_k}, b^(k) ∈ ℝ^{m_{k+1}}",
    why="that is 003's indexing: with 001's widths, layer k maps ℝ^{m_{k−1}} to ℝ^{m_k}",
)
def e36(draw: Draw) -> Erratum:
    widths = tuple(
        draw(
            st.lists(st.integers(1, 6), min_size=3, max_size=5).filter(
                lambda w: len(set(w)) == len(w)  # distinct widths tell the two indexings apart
            )
        )
    )
    params = jax.eval_shape(lambda key: jd.init_params(key, widths), jax.random.PRNGKey(0))
    shapes = [(*layer["W"].shape, *layer["b"].shape) for layer in params]
    ours = [(widths[k], widths[k - 1], widths[k]) for k in range(1, len(widths))]
    # printed: layer k (1-based) of shape (m_{k+1}, m_k), defined up to k = p − 1 only
    printed = [(widths[k + 1], widths[k], widths[k + 1]) for k in range(1, len(widths) - 1)]
    return Erratum([(shapes, ours)], [(shapes[: len(printed)], printed)])


@proposition(
    "P-NET-DIFF",
    "stated",
    (
        "N_c+ and O_c+ are compositions of maps differentiable under Assumption 1; their gradients "
        "are chain-rule products"
    ),
    f"{D1} Corollaries 5.1–5.2",
)
def net_diff(draw: Draw) -> list[Pair]:
    params, X, _ = draw_network(draw, integer=True)
    fwd, rev = _forward_jacobians(params, X[0])
    return leaf_pairs(fwd, rev)


@jax.jit
def _forward_jacobians(params: list[dict], x: jax.Array) -> tuple[Any, Any]:
    return jax.jacfwd(jd.forward)(params, x), jax.jacrev(jd.forward)(params, x)


@erratum(
    "E-60",
    "N_c+ and O_c+ are differentiable only under Assumption 1",
    f"{D1} Corollaries",
    printed="N_c+ and O_c+ asserted differentiable",
    why="ReLU has kinks; the convention at 0 makes both autodiff modes agree there",
    without_formula="words",
)
def e60(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw, integer=True)
    g = jd.backprop(params, X, Y)
    ad = objective_grad(params, X, Y)
    return leaf_pairs(g, ad)


@proposition(
    "P-NET-GENERIC",
    "stated",
    (
        "N = F^p∘L^p∘…∘F^1∘L^1 with any activation per layer, trained on Σ_i loss(N(x_i), y_i) for "
        "any per-sample loss"
    ),
    f"{D3} §5 Definitions",
)
def net_generic(draw: Draw) -> list[Pair]:
    params, X, _ = draw_network(draw, generic=True)
    loss = draw(st.sampled_from(["sigmoid_binary_cross_entropy", "half_mean_squared_error"]))
    hidden = draw(st.sampled_from([jd.tanh, jd.sigmoid, jd.relu, jd.identity]))
    m = params[-1]["b"].shape[0]
    Y = np.array([[draw(st.sampled_from([0.0, 1.0])) for _ in range(m)] for _ in X])
    g = jd.backprop(params, X, Y, loss=loss, hidden=hidden)
    ad = objective_grad(params, X, Y, loss=loss, hidden=hidden)
    # (relu, …, relu, softmax) with cross-entropy is N_c+ and O_c+; other heads use their output
    fused = {  # each head's per-sample loss of the logits
        "sigmoid_binary_cross_entropy": jd.sigmoid_binary_cross_entropy,
        "half_mean_squared_error": jd.half_mean_squared_error,
    }[loss]
    per_sample = fused(jd.forward(params, X, hidden=hidden, output=jd.identity), Y)
    C = jd.objective(params, X, Y, loss=loss, hidden=hidden, reduction="mean")
    return leaf_pairs(g, ad) + [
        (jd.forward(params, X, hidden=jd.relu, output=jd.softmax), jd.forward(params, X)),
        (C, np.mean(per_sample)),
    ]


@proposition(
    "P-NET-BATCH",
    "stated",
    "a data set is X ∈ M_{n,m_0} (row i = sample i) and the network acts on it row by row",
    f"{D0} §5; {D1} Conv. 2",
)
def net_batch(draw: Draw) -> list[Pair]:
    params, X, _ = draw_network(draw)
    out = jd.forward(params, X)
    return [(out[i], jd.forward(params, X[i])) for i in range(len(X))] + [
        (jd.forward(params, X[:1])[0], jd.forward(params, X[0])),  # n = 1
    ]


@proposition(
    "P-NET-OBJECTIVE",
    "stated",
    "O_c+(X, Y*, W, b) = Σ_{i=1}^{n} ξ(N_c+(x_i), y*_i), a sum over samples (the mean is O_c+/n)",
    f"{D1} Def 5.2 eq (14)",
)
def net_objective(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw)
    loop = sum(
        jd.categorical_cross_entropy(jd.forward(params, x), y) for x, y in zip(X, Y, strict=True)
    )
    total = jd.objective(params, X, Y)
    parts = jd.objective(params, X[:1], Y[:1]) + jd.objective(params, X[1:], Y[1:])
    first = jd.categorical_cross_entropy(jd.forward(params, X[0]), Y[0])
    return [
        (total, loop),
        (total, parts),  # additive over a partition of the samples
        (jd.objective(params, X, Y, reduction="mean"), total / len(X)),
        (jd.objective(params, X[:1], Y[:1]), first),  # n = 1
        (np.linalg.norm(Y, axis=1), np.ones(len(Y))),  # one-hot targets
    ]


@proposition(
    "P-NET-OBJECTIVE-GRAD",
    "stated",
    "∇O_c+ = Σ_i ∇ξ_i; the gradient in W^(k) has the shape of W^(k), (m_k, m_{k−1})",
    f"{D1} Def 5.2 Note",
)
def net_objective_grad(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw)
    g = jd.backprop(params, X, Y)
    per_sample = [objective_grad(params, X[i : i + 1], Y[i : i + 1]) for i in range(len(X))]
    summed = jax.tree.map(lambda *a: np.sum(a, axis=0), *per_sample)
    return leaf_pairs(g, summed)


@erratum(
    "E-35",
    "the gradient in W^(k) stacks m_k rows: i* ∈ ⟦1, m_k⟧",
    f"{D1} Notation 17",
    printed="i* ∈ ⟦1, m_{k+1}⟧",
    why="W^(k) has m_k rows",
    without_formula="shape",
)
def e35(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw, generic=True)
    g = jd.backprop(params, X, Y)
    return [(gl["W"].shape, pl["W"].shape) for gl, pl in zip(g, params, strict=True)]


@proposition(
    "P-NET-LAYER-GRAD-003",
    "corrected",
    (
        "hidden layer k, g_i = ∇F^up_i(ReLU(z_i)) ⊙ 𝟙[z_i > 0]: ∂O/∂W^k = Σ_i g_iᵀ·y^down_i and "
        "∂O/∂b^k = Σ_i g_i"
    ),
    f"{D3} §5 Theorem",
)
def net_layer_grad_003(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw, integer=draw(st.booleans()))
    ad = objective_grad(params, X, Y)
    pairs: list[Pair] = []
    for k in range(1, len(params)):
        dW, db = jd.layer_gradients_003(params, X, Y, k)
        pairs += [(dW, ad[k - 1]["W"]), (db, ad[k - 1]["b"])]
    return pairs or [(0.0, 0.0)]


@erratum(
    "E-20",
    "the hidden-layer gradients hold for every k ∈ ⟦1, p−1⟧",
    f"{D3} §5 Theorem",
    printed="they are stated for k ∈ ⟦2, p−2⟧",
    why="the range is empty for p ≤ 3, yet the formulas hold for k = 1 and k = p − 1",
)
def e20(draw: Draw) -> Erratum:
    deep = draw(st.sampled_from([w for w in ARCHITECTURES if len(w) >= 4]))  # p ≥ 3
    params, X, Y = draw_network(draw, widths=deep, generic=True)
    ad = objective_grad(params, X, Y)
    p = len(params)
    printed_range = list(range(2, p - 1))  # ⟦2, p − 2⟧
    pairs = [(jd.layer_gradients_003(params, X, Y, k)[0], ad[k - 1]["W"]) for k in (1, p - 1)]
    return Erratum(pairs, [(len(printed_range), p - 1)])


@erratum(
    "E-21",
    "the weight-gradient factor is the j′-th component of ∇F^up(ReLU(L(y^down)))",
    f"{D3} §5 Theorem",
    printed="the factor is F^up_{j′}(ReLU(L(w))), a function value",
    why="the chain rule needs the derivative of the upstream map, not its value",
)
def e21(draw: Draw) -> Erratum:
    deep = draw(st.sampled_from([w for w in ARCHITECTURES if len(w) >= 3]))  # p ≥ 2
    params, X, Y = draw_network(draw, widths=deep, generic=True)
    ad = objective_grad(params, X, Y)
    a = jd.forward_pass(params, X)
    y_down, z = f64(X), a.pre_activations[0]
    rest = params[1:]
    values = jnp.stack(
        [jd.objective(rest, jd.relu(z[i : i + 1]), Y[i : i + 1]) for i in range(len(X))]
    )
    printed = (values[:, None] * jd.indicator_positive(z)).T @ y_down
    return Erratum(
        [(jd.layer_gradients_003(params, X, Y, 1)[0], ad[0]["W"])], [(printed, ad[0]["W"])]
    )


@proposition(
    "P-NET-LINEAR-COLLAPSE",
    "stated",
    (
        "with identity activations, L(L(x, W₁, b₁), W₂, b₂) = x·(W₂W₁)ᵀ + b₁·W₂ᵀ + b₂: any depth "
        "is one affine map"
    ),
    f"{D4} neuron function",
)
def net_linear_collapse(draw: Draw) -> list[Pair]:
    params, X, _ = draw_network(draw, generic=True)
    W, b = jd.collapse_linear(params)
    out = jd.forward(params, X, hidden=jd.identity, output=jd.identity)
    return [(out, jd.dense(X, W, b)), (np.shape(W), (params[-1]["W"].shape[0], X.shape[1]))]


# --- ridge penalty of a network (extension) ---------------------------------------------------


@proposition(
    "P-NET-L2",
    "extension",
    (
        "O_λ = O + (λ/2)·Σ_k ‖W^(k)‖²_F (biases unpenalised): ∇_{W^(k)} O_λ = ∇_{W^(k)} O + "
        "λ·W^(k), ∇_{b^(k)} O_λ = ∇_{b^(k)} O; for one identity layer with the mean ½-squared "
        "error its minimiser is the ridge solution of P-CAP-RIDGE with penalty nλ and the "
        "intercept unpenalised"
    ),
    f"{D2} §10 (the ridge penalty, carried over to a network's weights)",
)
def net_l2(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw)
    lam = draw(st.one_of(st.just(0.0), jt.finite_floats(1e-3, 10.0)))
    squares = sum(float(np.sum(np.asarray(layer["W"]) ** 2)) for layer in params)
    _, data_gradient = jd.loss_and_backprop(params, X, Y, "mean")  # hand-written
    combined = jax.tree.map(jnp.add, data_gradient, jd.l2_penalty_gradient(params, lam))
    # one identity layer, mean ½-squared error: the stationary point is ridge regression's
    X_lin, y = f64(draw_design(draw, 8, 3)), f64(draw(jt.vectors(size=8)))
    ridge = jd.ridge(np.column_stack([np.ones(8), X_lin]), y, 8 * lam, penalize_intercept=False)
    layer = [{"W": f64(ridge[1:][None, :]), "b": f64(ridge[:1])}]
    stationary = _linear_l2_grad(layer, X_lin, y[:, None], lam)
    scale = 1 + float(np.max(np.abs(X_lin))) ** 2 * (1 + float(np.max(np.abs(ridge))))
    return [
        (jd.l2_penalty(params, lam), 0.5 * lam * squares),
        *leaf_pairs(jd.l2_penalty_gradient(params, lam), _l2_grad(params, lam)),
        *leaf_pairs(combined, _penalised_grad(params, X, Y, lam)),
        *((np.abs(g) / scale, np.zeros_like(g)) for g in jax.tree.leaves(stationary)),
    ]


_l2_grad = jax.jit(jax.grad(jd.l2_penalty))
_penalised_grad = jax.jit(
    jax.grad(lambda p, X, Y, lam: jd.objective(p, X, Y, "mean") + jd.l2_penalty(p, lam))
)
_linear_l2_grad = jax.jit(
    jax.grad(
        lambda p, X, y, lam: (
            jd.objective(p, X, y, "mean", "half_mean_squared_error", jd.identity)
            + jd.l2_penalty(p, lam)
        )
    )
)
"""Autodiff of the penalty and of the penalised objectives, compiled once per network shape."""
