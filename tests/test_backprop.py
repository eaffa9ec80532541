"""Backpropagation equals jax.grad (catalogue §2.H, P-NET-OBJECTIVE-GRAD, P-NET-LAYER-GRAD-003;
errata E-19, E-20, E-21, E-35, E-54, E-55)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt

HIDDEN = [jd.relu, jd.tanh, jd.sigmoid, jd.identity]
HEADS = ["softmax_cross_entropy", "sigmoid_binary_cross_entropy", "half_mean_squared_error"]
N_SAMPLES = 4


def _quarter_integers(shape):
    """Multiples of 1/4 in [−1, 1]: products and sums stay exact, so pre-activations hit 0."""
    return jt.integer_valued_vectors(size=shape, bound=4).map(lambda a: a / 4)


@st.composite
def problems(draw):
    """A network (depth 1–4, widths from {1, 2, 3, 6}: both ends of 1–6, few shapes to
    compile), hidden activations, a head, a reduction
    and data. Half the draws use integer inputs, quarter-integer weights and zero biases, so
    that ReLU pre-activations are often exactly 0."""
    widths = draw(st.lists(st.sampled_from([1, 2, 3, 6]), min_size=2, max_size=5))
    head = draw(st.sampled_from(HEADS))
    hidden = tuple(draw(st.sampled_from(HIDDEN)) for _ in range(len(widths) - 2))
    ties = draw(st.booleans())
    params = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        if ties:
            W, b = draw(_quarter_integers((n_out, n_in))), np.zeros(n_out)
        else:
            W = draw(jt.vectors(size=(n_out, n_in), bound=1.5))
            b = draw(jt.vectors(size=n_out, bound=1.0))
        params.append({"W": jnp.asarray(W), "b": jnp.asarray(b)})
    X = draw(
        jt.integer_valued_vectors(size=(N_SAMPLES, widths[0]))
        if ties
        else jt.vectors(size=(N_SAMPLES, widths[0]), bound=2.0)
    )
    m_out = widths[-1]
    if head == "softmax_cross_entropy":
        Y = np.eye(m_out)[
            draw(st.lists(st.integers(0, m_out - 1), min_size=N_SAMPLES, max_size=N_SAMPLES))
        ]
    elif head == "sigmoid_binary_cross_entropy":
        Y = np.asarray(
            draw(
                st.lists(
                    st.sampled_from([0.0, 1.0]),
                    min_size=N_SAMPLES * m_out,
                    max_size=N_SAMPLES * m_out,
                )
            )
        ).reshape(N_SAMPLES, m_out)
    else:
        Y = draw(jt.vectors(size=(N_SAMPLES, m_out), bound=3.0))
    reduction = draw(st.sampled_from(["sum", "mean"]))
    return params, jnp.asarray(X), jnp.asarray(Y), reduction, head, hidden


@given(problems())
def test_P_BP_ALGO_equals_jax_grad(problem):
    """P-BP-ALGO, P-NET-OBJECTIVE-GRAD, P-NET-GENERIC, E-35: backprop equals
    jax.grad(objective) at rtol 1e-10 for every depth, width, hidden activation, head and
    reduction drawn, ReLU ties included; each gradient leaf has its parameter's shape."""
    params, X, Y, reduction, head, hidden = problem
    # eager calls: the library's jitted pieces compile once per shape and are shared by every
    # architecture drawn, where jitting the whole gradient would compile once per architecture
    ours = jd.backprop(params, X, Y, reduction, head, hidden)
    ad = jax.grad(jd.objective)(params, X, Y, reduction, head, hidden)
    for g_ours, g_ad, layer in zip(ours, ad, params, strict=True):
        for name in ("W", "b"):
            assert g_ours[name].shape == layer[name].shape
            jt.assert_close(g_ours[name], g_ad[name])


FIXED_WIDTHS = (4, 6, 3, 2)


def fixed_problem(head="softmax_cross_entropy", seed=0):
    rng = np.random.default_rng(seed)
    params = [
        {"W": jnp.asarray(rng.normal(size=(m, n))), "b": jnp.asarray(rng.normal(size=m))}
        for n, m in zip(FIXED_WIDTHS[:-1], FIXED_WIDTHS[1:], strict=True)
    ]
    X = jnp.asarray(rng.normal(size=(5, 4)))
    if head == "softmax_cross_entropy":
        Y = jnp.eye(2)[rng.integers(0, 2, size=5)]
    elif head == "sigmoid_binary_cross_entropy":
        Y = jnp.asarray(rng.integers(0, 2, size=(5, 2)).astype(np.float64))
    else:
        Y = jnp.asarray(rng.normal(size=(5, 2)))
    return params, X, Y


_STATIC = ("reduction", "loss", "hidden")


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_P_BP_ALGO_jitted_equals_eager(head, reduction):
    """P-BP-ALGO: backprop is jit-compatible; jitted equals eager equals jax.grad."""
    params, X, Y = fixed_problem(head)
    kwargs = {"reduction": reduction, "loss": head, "hidden": (jd.relu, jd.tanh)}
    jitted = jax.jit(jd.backprop, static_argnames=_STATIC)(params, X, Y, **kwargs)
    eager = jd.backprop(params, X, Y, **kwargs)
    ad = jax.jit(jax.grad(jd.objective), static_argnames=_STATIC)(params, X, Y, **kwargs)
    for a, b, c in zip(
        jax.tree.leaves(jitted), jax.tree.leaves(eager), jax.tree.leaves(ad), strict=True
    ):
        jt.assert_close(a, b)
        jt.assert_close(a, c)


def test_P_BP_ALGO_single_sample():
    """P-BP-ALGO: a single sample (m_0,) is a batch of one."""
    params, X, Y = fixed_problem()
    for a, b in zip(
        jax.tree.leaves(jd.backprop(params, X[0], Y[0])),
        jax.tree.leaves(jax.grad(jd.objective)(params, X[0], Y[0])),
        strict=True,
    ):
        jt.assert_close(a, b)


def test_P_NET_OBJECTIVE_GRAD_is_sum_of_per_sample_gradients():
    """P-NET-OBJECTIVE-GRAD: ∇O_c+ = Σ_i ∇ξ_i (sum rule)."""
    params, X, Y = fixed_problem()
    total = jd.backprop(params, X, Y)
    per_sample = [jd.backprop(params, X[i : i + 1], Y[i : i + 1]) for i in range(5)]
    summed = jax.tree.map(lambda *leaves: sum(leaves), *per_sample)
    for a, b in zip(jax.tree.leaves(total), jax.tree.leaves(summed), strict=True):
        jt.assert_close(a, b)


def test_P_NET_DIFF_backprop_matches_autodiff_at_exact_ties():
    """P-NET-DIFF: at a parameter point with exact-zero pre-activations, backprop (ReLU′(0) = 0)
    equals autodiff."""
    params = [
        {"W": jnp.array([[1.0, -1.0], [2.0, 0.0], [0.0, 0.0]]), "b": jnp.zeros(3)},
        {"W": jnp.array([[1.0, -2.0, 0.5], [0.5, 1.0, -1.0]]), "b": jnp.zeros(2)},
    ]
    X = jnp.array([[1.0, 1.0], [0.0, 3.0], [2.0, 2.0]])
    Y = jnp.eye(2)[jnp.array([0, 1, 1])]
    z1 = jd.dense(X, params[0]["W"], params[0]["b"])
    assert np.any(np.asarray(z1) == 0)
    for a, b in zip(
        jax.tree.leaves(jd.backprop(params, X, Y)),
        jax.tree.leaves(jax.grad(jd.objective)(params, X, Y)),
        strict=True,
    ):
        jt.assert_close(a, b)


# --- the four equations, one by one --------------------------------------------------------


def _cost_of_perturbations(perturbations, params, X, Y, reduction, head, hidden):
    logits = jd.forward_pass(params, X, hidden, perturbations).pre_activations[-1]
    return jd.reduce_samples(jd.loss_head(head).loss(logits, Y), reduction)


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_P_BP_DELTA_DEF_EQ2_EQ3_EQ4_deltas_are_perturbation_gradients(head, reduction):
    """P-BP-DELTA-DEF, P-BP-EQ2, P-BP-EQ3, P-BP-EQ4: δ^ℓ = ∂C/∂z^ℓ (gradient with respect to an
    additive perturbation of z^ℓ at 0); BP1 gives δ^L, BP2 the lower deltas (non-square
    W^{ℓ+1}), BP3 and BP4 the gradients of b^ℓ and W^ℓ, with the reduction's scaling."""
    params, X, Y = fixed_problem(head)
    hidden = (jd.relu, jd.tanh)
    cache = jd.forward_pass(params, X, hidden)
    zeros = [jnp.zeros_like(z) for z in cache.pre_activations]
    expected = jax.grad(_cost_of_perturbations)(zeros, params, X, Y, reduction, head, hidden)
    delta = jd.loss_head(head).gradient(cache.pre_activations[-1], Y)
    delta = delta / X.shape[0] if reduction == "mean" else delta
    ad_params = jax.grad(jd.objective)(params, X, Y, reduction, head, hidden)
    for k in reversed(range(3)):
        jt.assert_close(delta, expected[k])
        jt.assert_close(jd.bias_gradient(delta), ad_params[k]["b"])
        jt.assert_close(jd.weight_gradient(delta, cache.activations[k]), ad_params[k]["W"])
        assert jd.weight_gradient(delta, cache.activations[k]).shape == params[k]["W"].shape
        if k > 0:
            delta = jd.hidden_delta(
                delta, params[k]["W"], cache.pre_activations[k - 1], hidden[k - 1]
            )


def test_P_BP_EQ2_relu_is_input_gradient_then_relu_backward():
    """P-BP-EQ2: for ReLU, BP2 is P-SIMP-INPUT followed by P-SIMP-RELU-UPSTREAM."""
    delta_next = jnp.array([[0.3, -1.2], [0.5, 0.0]])
    W_next = jnp.array([[1.0, 0.0, -2.0], [0.5, 1.5, 1.0]])
    z = jnp.array([[0.2, 0.0, -1.0], [1.0, -0.3, 0.0]])
    jt.assert_close(
        jd.hidden_delta(delta_next, W_next, z, jd.relu),
        jd.relu_backward(jd.dense_input_gradient(delta_next, W_next), z),
    )


def test_P_BP_EQ2_E55_column_form_on_rows_fails():
    """E-55: copying the primer's column form onto row arrays, δ^{ℓ+1}·(W^{ℓ+1})ᵀ, is a shape
    error for non-square W^{ℓ+1}; the row form δ^{ℓ+1}·W^{ℓ+1} is right."""
    delta_next = jnp.ones((4, 2))
    W_next = jnp.ones((2, 3))
    assert jd.hidden_delta(delta_next, W_next, jnp.ones((4, 3)), jd.tanh).shape == (4, 3)
    with pytest.raises(TypeError):
        delta_next @ W_next.T


OUTPUT_PAIRS = [
    (jd.sigmoid, jd.binary_cross_entropy, jd.binary_cross_entropy_gradient),
    (jd.identity, jd.half_mean_squared_error, jd.half_mean_squared_error_gradient),
    (jd.tanh, jd.squared_error, jd.squared_error_gradient),
    (jd.softmax, jd.categorical_cross_entropy, jd.categorical_cross_entropy_gradient),
]


def _cost_of_logits(z, y, activation, loss):
    return loss(activation(z), y)


@pytest.mark.parametrize(
    ("activation", "loss", "loss_gradient"),
    OUTPUT_PAIRS,
    ids=["sigmoid-bce", "identity-mse", "tanh-se", "softmax-cce"],
)
@given(z=jt.logits(size=4, bound=5.0), data=st.data())
def test_P_BP_EQ1_output_delta(activation, loss, loss_gradient, z, data):
    """P-BP-EQ1: δ^L = ∇_a C ⊙ φ′(z^L) (element-wise φ) or ∇_a C·J_S(z^L) (softmax) equals
    jax.grad(C∘φ)(z^L)."""
    if activation is jd.softmax:
        y = data.draw(jt.one_hot(4))
    else:
        y = data.draw(jt.probabilities(size=4, eps=0.0))
    delta = jd.output_delta(loss_gradient(activation(z), y), z, activation)
    jt.assert_close(delta, jax.grad(_cost_of_logits)(z, y, activation, loss))
    if activation is jd.softmax:
        jt.assert_close(delta, jd.softmax(z) - y)


def test_P_BP_EQ1_E19_elementwise_formula_fails_for_softmax():
    """E-19: for softmax + CCE, ∇_a C ⊙ diag(J_S) (the element-wise BP1) differs from AD, which
    is S − y* = ∇_a C·J_S."""
    z, y = jnp.array([0.3, -1.2, 2.0]), jnp.array([0.0, 1.0, 0.0])
    grad_a = jd.categorical_cross_entropy_gradient(jd.softmax(z), y)
    printed = grad_a * jnp.diag(jd.softmax_jacobian(z))
    ad = jax.grad(_cost_of_logits)(z, y, jd.softmax, jd.categorical_cross_entropy)
    assert not np.allclose(printed, ad)
    jt.assert_close(jd.output_delta(grad_a, z, jd.softmax), ad)


def test_P_BP_EQ1_rejects_unknown_activation():
    """P-BP-EQ1: an activation without a known derivative is a ValueError naming it."""
    with pytest.raises(ValueError, match="activation"):
        jd.output_delta(jnp.ones(3), jnp.ones(3), jnp.sin)


# --- the layer chain of the primer and the layer-k theorem of 003 ------------------------


def test_P_BP_LAYER_CHAIN_E54_numerator_layout_order():
    """P-BP-LAYER-CHAIN, E-54: widths (3, 4, 2): ∇_{a¹}C = ∇_{a³}C·J_{a³}(a²)·J_{a²}(a¹); the
    primer's order with row-layout Jacobians is shape-incompatible, and with transposed
    Jacobians it gives the transpose (a column)."""
    rng = np.random.default_rng(3)
    W2, b2 = jnp.asarray(rng.normal(size=(4, 3))), jnp.asarray(rng.normal(size=4))
    W3, b3 = jnp.asarray(rng.normal(size=(2, 4))), jnp.asarray(rng.normal(size=2))
    y = jnp.array([0.0, 1.0])
    layer2 = lambda a1: jd.tanh(jd.dense(a1, W2, b2))  # noqa: E731
    layer3 = lambda a2: jd.tanh(jd.dense(a2, W3, b3))  # noqa: E731
    cost = lambda a3: jd.squared_error(a3, y)  # noqa: E731
    a1 = jnp.array([0.5, -1.0, 0.25])
    a2, a3 = layer2(a1), layer3(layer2(a1))
    grad_c, J32, J21 = jax.grad(cost)(a3), jax.jacfwd(layer3)(a2), jax.jacfwd(layer2)(a1)
    expected = jax.grad(lambda a: cost(layer3(layer2(a))))(a1)
    jt.assert_close(grad_c @ J32 @ J21, expected)
    with pytest.raises(TypeError):
        J21 @ J32 @ grad_c  # the primer's order on row-layout Jacobians
    column = J21.T @ J32.T @ grad_c[:, None]
    assert column.shape == (3, 1)
    jt.assert_close(column[:, 0], expected)


@pytest.mark.parametrize("widths", [(3, 4, 2), (3, 5, 4, 2), (2, 3, 3, 4, 3)])
def test_P_NET_LAYER_GRAD_003_E20_every_hidden_layer(widths):
    """P-NET-LAYER-GRAD-003, E-20: for every hidden layer k ∈ ⟦1, p−1⟧, k = 1 and k = p − 1
    included (003's range ⟦2, p−2⟧ is empty for p = 2 and p = 3), the theorem's gradients equal
    jax.grad(objective)."""
    rng = np.random.default_rng(len(widths))
    params = [
        {"W": jnp.asarray(rng.normal(size=(m, n))), "b": jnp.asarray(rng.normal(size=m))}
        for n, m in zip(widths[:-1], widths[1:], strict=True)
    ]
    X = jnp.asarray(rng.normal(size=(6, widths[0])))
    Y = jnp.eye(widths[-1])[rng.integers(0, widths[-1], size=6)]
    ad = jax.grad(jd.objective)(params, X, Y)
    for k in range(1, len(params)):
        dW, db = jd.layer_gradients_003(params, X, Y, k)
        jt.assert_close(dW, ad[k - 1]["W"])
        jt.assert_close(db, ad[k - 1]["b"])
    with pytest.raises(ValueError, match="k must be a hidden layer"):
        jd.layer_gradients_003(params, X, Y, len(params))


def test_P_NET_LAYER_GRAD_003_E21_value_instead_of_gradient_fails():
    """E-21: using the upstream function's value F^{up}_{j'} in place of its gradient component
    differs from AD."""
    rng = np.random.default_rng(7)
    params = [
        {"W": jnp.asarray(rng.normal(size=(4, 3))), "b": jnp.asarray(rng.normal(size=4))},
        {"W": jnp.asarray(rng.normal(size=(2, 4))), "b": jnp.asarray(rng.normal(size=2))},
    ]
    X = jnp.asarray(rng.normal(size=(5, 3)))
    Y = jnp.eye(2)[rng.integers(0, 2, size=5)]
    z = jd.dense(X, params[0]["W"], params[0]["b"])
    upstream_value = jd.softmax_cross_entropy(
        jd.dense(jd.relu(z), params[1]["W"], params[1]["b"]), Y
    )  # F^{up}(ReLU(z_i)) for each sample, used as the printed factor for every j′
    printed = jd.dense_weight_gradient(upstream_value[:, None] * jd.relu_derivative(z), X)
    ad = jax.grad(jd.objective)(params, X, Y)[0]["W"]
    jt.assert_close(jd.layer_gradients_003(params, X, Y, 1)[0], ad)
    assert not np.allclose(printed, ad)
