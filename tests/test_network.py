"""The network and its objective (catalogue §2.G; errata E-33, E-35, E-60)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jax.flatten_util import ravel_pytree

import jaxdnn as jd
import jaxdnn.testing as jt

KEY = jax.random.PRNGKey(0)

# Widths from {1, 2, 3, 6}: both ends of ⟦1, 6⟧ with few distinct shapes to compile.
widths_strategy = st.lists(st.sampled_from([1, 2, 3, 6]), min_size=2, max_size=5).map(tuple)


def random_params(seed, widths, scale=1.0):
    """Parameters drawn with NumPy (no JAX random program to compile per shape)."""
    rng = np.random.default_rng(seed)
    return [
        {
            "W": jnp.asarray(scale * rng.normal(size=(m, n)) / np.sqrt(n)),
            "b": jnp.asarray(scale * rng.normal(size=m) / 4),
        }
        for n, m in zip(widths[:-1], widths[1:], strict=True)
    ]


def explicit_network(params, x):
    """N_c+ written out with compose and the catalogue's dense and activation functions."""
    steps = []
    for k, layer in enumerate(params):
        steps.append(lambda a, layer=layer: jd.dense(a, layer["W"], layer["b"]))
        steps.append(jd.relu if k < len(params) - 1 else jd.softmax)
    return jd.compose(*steps)(x)


@given(widths_strategy, st.integers(0, 2**31 - 1))
def test_P_NET_DEF_output_in_open_simplex_and_equals_composition(widths, seed):
    """P-NET-DEF: N_c+(x) has shape (m_p,), lies in the open simplex (moderate weights), and
    equals the explicit composition S∘L^p∘ReLU∘…∘ReLU∘L^1; p = 1, width 1 and m_p = 1 occur."""
    params = random_params(seed, widths)
    x = np.random.default_rng(seed + 1).normal(size=widths[0])
    out = np.asarray(jd.forward(params, x))
    expected = np.asarray(explicit_network(params, x))
    assert out.shape == (widths[-1],)
    jt.assert_close(out, expected)
    jt.assert_close(out.sum(), 1.0)
    if widths[-1] > 1:
        assert np.all((out > 0) & (out < 1))
    else:
        np.testing.assert_array_equal(out, [1.0])


def test_P_NET_DEF_init_shapes_biases_and_scales():
    """P-NET-DEF, decision 14: W^(k) has shape (m_k, m_{k−1}), biases are zero; hidden weights
    are He normal (std √(2/m_{k−1})), output weights Glorot normal (std √(2/(m_{k−1} + m_k)))."""
    widths = (400, 300, 200)
    params = jd.init_params(KEY, widths)
    assert [layer["W"].shape for layer in params] == [(300, 400), (200, 300)]
    for layer in params:
        np.testing.assert_array_equal(layer["b"], 0.0)
        assert layer["W"].dtype == jnp.float64
    np.testing.assert_allclose(np.std(params[0]["W"]), np.sqrt(2 / 400), rtol=0.03)
    np.testing.assert_allclose(np.std(params[1]["W"]), np.sqrt(2 / (300 + 200)), rtol=0.03)


def test_P_NET_DEF_init_accepts_jax_initializers_and_dtype():
    """P-NET-DEF: weight_init is any jax.nn.initializers function, in its (in, out) convention
    (fan-in = m_{k−1}); dtype is honoured."""
    params = jd.init_params(KEY, (500, 100), jax.nn.initializers.lecun_normal(), jnp.float32)
    assert params[0]["W"].shape == (100, 500) and params[0]["W"].dtype == jnp.float32
    np.testing.assert_allclose(np.std(params[0]["W"]), np.sqrt(1 / 500), rtol=0.03)
    ones = jd.init_params(KEY, (2, 3), jax.nn.initializers.ones)
    np.testing.assert_array_equal(ones[0]["W"], np.ones((3, 2)))


@pytest.mark.parametrize("bad", [(3,), (), (3, 0, 2), (3, 2.0), "34"])
def test_P_NET_DEF_init_rejects_bad_widths(bad):
    """P-NET-DEF: widths must be at least two positive integers; the error names widths."""
    with pytest.raises(ValueError, match="widths"):
        jd.init_params(KEY, bad)


@given(widths_strategy)
def test_P_NET_PARAM_COUNT_E33_equals_number_of_scalars(widths):
    """P-NET-PARAM-COUNT, E-33: Σ m_k(m_{k−1} + 1) over p + 1 widths equals the number of
    scalars in init_params(key, widths) (shapes by jax.eval_shape, nothing computed)."""
    shapes = jax.eval_shape(lambda key: jd.init_params(key, widths), KEY)
    assert jd.param_count(widths) == sum(
        int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(shapes)
    )
    assert len(shapes) == len(widths) - 1


def test_P_NET_PARAM_COUNT_equals_raveled_size():
    """P-NET-PARAM-COUNT: the count equals the size of the raveled parameter vector."""
    for widths in [(4, 5, 3), (1, 1), (6, 2, 1, 3)]:
        assert jd.param_count(widths) == ravel_pytree(jd.init_params(KEY, widths))[0].size


def test_P_NET_PARAM_COUNT_reference_values():
    """P-NET-PARAM-COUNT: (784, 128, 10) → 101 770; p = 1; widths containing 1."""
    assert jd.param_count((784, 128, 10)) == 784 * 128 + 128 + 128 * 10 + 10 == 101_770
    assert jd.param_count((5, 3)) == 18
    assert jd.param_count((1, 1, 1)) == 4


@given(widths_strategy, st.sampled_from([1, 4]), st.integers(0, 2**31 - 1))
def test_P_NET_BATCH_rows_are_samples(widths, n, seed):
    """P-NET-BATCH: forward(params, X)[i] equals forward(params, X[i]) for X ∈ M_{n, m_0},
    n = 1 included."""
    params = random_params(seed, widths)
    X = np.random.default_rng(seed + 1).normal(size=(n, widths[0]))
    out = np.asarray(jd.forward(params, X))
    assert out.shape == (n, widths[-1])
    for i in range(n):
        jt.assert_close(out[i], jd.forward(params, X[i]))


WIDTHS = (4, 5, 3)
PARAMS = jd.init_params(KEY, WIDTHS)
X = jax.random.normal(jax.random.PRNGKey(1), (7, 4))
LABELS = jnp.array([0, 1, 2, 2, 1, 0, 1])
Y = jnp.eye(3)[LABELS]


def test_P_NET_OBJECTIVE_is_a_sum_over_samples():
    """P-NET-OBJECTIVE: O_c+ = Σ_i ξ(N_c+(x^(i)), y*^(i)) (a Python loop), additive over a
    partition of the samples; the mean is the sum / n; one-hot targets (‖y*^(i)‖ = 1); n = 1."""
    loop = sum(
        float(jd.categorical_cross_entropy(jd.forward(PARAMS, X[i]), Y[i])) for i in range(7)
    )
    total = float(jd.objective(PARAMS, X, Y))
    jt.assert_close(total, loop)
    parts = float(jd.objective(PARAMS, X[:3], Y[:3])) + float(jd.objective(PARAMS, X[3:], Y[3:]))
    jt.assert_close(total, parts)
    jt.assert_close(float(jd.objective(PARAMS, X, Y, reduction="mean")), total / 7)
    np.testing.assert_array_equal(jnp.linalg.norm(Y, axis=1), 1.0)
    jt.assert_close(
        jd.objective(PARAMS, X[:1], Y[:1]),
        jd.categorical_cross_entropy(jd.forward(PARAMS, X[0]), Y[0]),
    )


def test_P_NET_OBJECTIVE_rejects_unknown_reduction_and_loss():
    """P-NET-OBJECTIVE: reduction ∉ {sum, mean} and an unknown loss are ValueErrors naming them."""
    with pytest.raises(ValueError, match="reduction"):
        jd.objective(PARAMS, X, Y, reduction="median")
    with pytest.raises(ValueError, match="loss must be one of"):
        jd.objective(PARAMS, X, Y, loss="hinge")
    with pytest.raises(ValueError, match="hidden"):
        jd.forward(PARAMS, X, hidden=(jd.relu, jd.tanh))


def test_P_NET_GENERIC_default_head_is_the_multiclass_network():
    """P-NET-GENERIC: with (relu, …, relu, softmax) and cross-entropy the generic network and
    objective are N_c+ and O_c+; other heads use their output activation."""
    jt.assert_close(
        jd.forward(PARAMS, X, hidden=(jd.relu,), output=jd.softmax), jd.forward(PARAMS, X)
    )
    per_sample = jd.categorical_cross_entropy(jd.forward(PARAMS, X), Y)
    jt.assert_close(jd.objective(PARAMS, X, Y, loss="softmax_cross_entropy"), per_sample.sum())
    binary = jd.init_params(KEY, (4, 3, 1))
    t = (LABELS[:, None] > 0).astype(jnp.float64)
    probs = jd.forward(binary, X, hidden=jd.tanh, output=jd.sigmoid)
    jt.assert_close(
        jd.objective(binary, X, t, loss="sigmoid_binary_cross_entropy", hidden=jd.tanh),
        jd.binary_cross_entropy(probs, t).sum(),
    )
    regression = jd.init_params(KEY, (4, 3, 2))
    targets = X[:, :2]
    predictions = jd.forward(regression, X, output=jd.identity)
    jt.assert_close(
        jd.objective(regression, X, targets, loss="half_mean_squared_error", reduction="mean"),
        jd.half_mean_squared_error(predictions, targets).mean(),
    )


@given(widths_strategy, st.integers(0, 2**31 - 1))
def test_P_NET_LINEAR_COLLAPSE_identity_network_is_affine(widths, seed):
    """P-NET-LINEAR-COLLAPSE: with identity activations any depth collapses to one affine map
    x·Wᵀ + b, W = W_p⋯W_1."""
    params = random_params(seed, widths)
    X = np.random.default_rng(seed + 1).normal(size=(4, widths[0]))
    W, b = jd.collapse_linear(params)
    assert W.shape == (widths[-1], widths[0])
    jt.assert_close(
        jd.forward(params, X, hidden=jd.identity, output=jd.identity), jd.dense(X, W, b)
    )


_, UNRAVEL_4_5_3 = ravel_pytree(random_params(0, (4, 5, 3)))


def _forward_flat(flat, x):
    return jd.forward(UNRAVEL_4_5_3(flat), x)


_jacobians_in_params = (jax.jit(jax.jacfwd(_forward_flat)), jax.jit(jax.jacrev(_forward_flat)))


@given(jt.integer_valued_vectors(size=4), st.data())
def test_P_NET_DIFF_E60_forward_and_reverse_agree_at_relu_ties(x, data):
    """P-NET-DIFF, E-60: under Assumption 1, forward- and reverse-mode Jacobians of N_c+ with
    respect to the parameters agree, also where pre-activations are exactly 0 (integer weights,
    zero biases)."""
    params = [
        {"W": jnp.asarray(data.draw(jt.integer_valued_vectors(size=(5, 4)))), "b": jnp.zeros(5)},
        {
            "W": jnp.asarray(data.draw(jt.integer_valued_vectors(size=(3, 5)))) / 4,
            "b": jnp.zeros(3),
        },
    ]
    flat, _ = ravel_pytree(params)
    J_fwd, J_rev = (jac(flat, x) for jac in _jacobians_in_params)
    jt.assert_close(J_fwd, J_rev)
