"""A single neuron (catalogue P-ACT-UNIT, P-NEURON-*; errata E-10, E-12, E-13, E-14, E-52)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt

N = 3  # inputs of the neuron
M = 6  # training samples

ACTIVATIONS = [
    (jd.sigmoid, jd.sigmoid_derivative),
    (jd.relu, jd.relu_derivative),
    (jd.tanh, jd.tanh_derivative),
]


@given(jt.vectors(size=N), jt.vectors(size=N), jt.finite_floats(-5, 5))
def test_P_ACT_UNIT_is_one_output_dense_layer(x, w, b):
    """P-ACT-UNIT: φ(x·wᵀ + b) equals φ(dense(x, w[None, :], [b])[0]); with φ = σ it is
    002 eq. (4), 1/(1 + e^{−(x·wᵀ + b)})."""
    for phi, _ in ACTIVATIONS:
        expected = phi(jd.dense(x, w[None, :], jnp.array([b]))[0])
        jt.assert_close(jd.neuron(x, w, b, phi), expected)
    jt.assert_close(jd.neuron(x, w, b, jd.sigmoid), 1 / (1 + np.exp(-(x @ w + b))))


def test_P_ACT_UNIT_single_input():
    """P-ACT-UNIT: n = 1."""
    jt.assert_close(jd.neuron(jnp.array([2.0]), jnp.array([-0.5]), 0.25, jd.tanh), np.tanh(-0.75))


def _neuron_of_w(w, x, b, phi):
    return jd.neuron(x, w, b, phi)


def _neuron_of_b(b, x, w, phi):
    return jd.neuron(x, w, b, phi)


@pytest.mark.parametrize(("phi", "dphi"), ACTIVATIONS, ids=["sigmoid", "relu", "tanh"])
@given(
    x=jt.integer_valued_vectors(size=N),
    w=jt.integer_valued_vectors(size=N),
    b=st.integers(-3, 3).map(float),
)
def test_P_NEURON_GRAD_matches_autodiff(phi, dphi, x, w, b):
    """P-NEURON-GRAD: ∂a/∂w = φ′(z)·x and ∂a/∂b = φ′(z); integer data reach z = 0, where the
    ReLU gradients are 0."""
    d_w, d_b = jd.neuron_gradients(x, w, b, dphi)
    b = jnp.float64(b)
    jt.assert_close(d_w, jax.grad(_neuron_of_w)(w, x, b, phi))
    jt.assert_close(d_b, jax.grad(_neuron_of_b)(b, x, w, phi))
    if phi is jd.relu and x @ w + b == 0:
        np.testing.assert_array_equal(d_w, np.zeros(N))
        assert float(d_b) == 0.0


def test_P_NEURON_GRAD_E10_relu_derivative_is_indicator():
    """E-10: with z = 2 the ReLU neuron has ∂a/∂b = 1 (the primer's rule gives z = 2)."""
    x, w = jnp.array([1.0, 0.0, 0.0]), jnp.array([2.0, 0.0, 0.0])
    d_w, d_b = jd.neuron_gradients(x, w, 0.0, jd.relu_derivative)
    assert float(d_b) == 1.0
    np.testing.assert_array_equal(d_w, x)


_mse_grads = jax.jit(jax.grad(jd.relu_neuron_mse, argnums=(0, 1)))

data_sets = st.tuples(
    jt.integer_valued_vectors(size=N),
    st.integers(-3, 3).map(float),
    jt.integer_valued_vectors(size=(M, N)),
    jt.integer_valued_vectors(size=M),
)


@given(data_sets)
def test_P_NEURON_RELU_MSE_gradients_match_autodiff(data):
    """P-NEURON-RELU-MSE: ∂C/∂w = (1/m)((z − y) ⊙ 𝟙[z > 0])·X and ∂C/∂b = (1/m)Σ 𝟙[z_i > 0](z_i −
    y_i), with ties z_i = 0 from integer data."""
    w, b, X, y = data
    b = jnp.float64(b)
    d_w, d_b = jd.relu_neuron_mse_gradients(w, b, X, y)
    ad_w, ad_b = _mse_grads(w, b, X, y)
    jt.assert_close(d_w, ad_w)
    jt.assert_close(d_b, ad_b)


def test_P_NEURON_RELU_MSE_dead_neuron_and_single_sample():
    """P-NEURON-RELU-MSE: all z_i ≤ 0 gives zero gradients (a dead neuron); m = 1 works."""
    X = jnp.array([[1.0, 2.0, 0.0], [0.5, 0.5, 0.5]])
    w = jnp.array([-1.0, -1.0, -1.0])
    d_w, d_b = jd.relu_neuron_mse_gradients(w, 0.0, X, jnp.array([3.0, -1.0]))
    np.testing.assert_array_equal(d_w, np.zeros(3))
    assert float(d_b) == 0.0
    d_w, d_b = jd.relu_neuron_mse_gradients(-w, 0.0, X[:1], jnp.array([1.0]))
    jt.assert_close(d_w, (3.0 - 1.0) * X[0])
    jt.assert_close(d_b, 2.0)


# A batch with active and inactive samples, used by the errata below.
X_MIX = jnp.array([[1.0, 0.5, -0.2], [-1.0, 0.3, 0.8], [0.4, -0.6, 1.5], [-0.7, -0.2, -0.9]])
Y_MIX = jnp.array([0.3, -0.4, 1.2, 0.1])
W_MIX = jnp.array([0.9, -0.3, 0.6])
B_MIX = jnp.float64(0.05)


def test_P_NEURON_RELU_MSE_E12_bias_sign():
    """E-12: the bias gradient is +(1/m)Σ_active(z_i − y_i); the primer's negated value has the
    wrong sign, and a GD step with it increases C."""
    _, d_b = jd.relu_neuron_mse_gradients(W_MIX, B_MIX, X_MIX, Y_MIX)
    _, ad_b = _mse_grads(W_MIX, B_MIX, X_MIX, Y_MIX)
    jt.assert_close(d_b, ad_b)
    printed = -d_b
    assert np.sign(float(printed)) != np.sign(float(ad_b))
    cost = jd.relu_neuron_mse(W_MIX, B_MIX, X_MIX, Y_MIX)
    assert jd.relu_neuron_mse(W_MIX, B_MIX - 0.01 * printed, X_MIX, Y_MIX) > cost
    assert jd.relu_neuron_mse(W_MIX, B_MIX - 0.01 * d_b, X_MIX, Y_MIX) < cost


def test_P_NEURON_RELU_MSE_E13_E52_activity_test_is_per_sample():
    """E-13, E-52: with some z_i ≤ 0 and others > 0, the printed forms (the case split outside
    the sum: either 0 or the unmasked sum) differ from AD; the per-sample mask matches."""
    z = X_MIX @ W_MIX + B_MIX
    assert np.any(z > 0) and np.any(z <= 0)
    ad_w, _ = _mse_grads(W_MIX, B_MIX, X_MIX, Y_MIX)
    unmasked = (z - Y_MIX) @ X_MIX / 4
    d_w, _ = jd.relu_neuron_mse_gradients(W_MIX, B_MIX, X_MIX, Y_MIX)
    jt.assert_close(d_w, ad_w)
    assert not np.allclose(unmasked, ad_w)
    assert not np.allclose(np.zeros(3), ad_w)


def test_P_NEURON_ERROR_TERM_E14_mean_over_samples():
    """P-NEURON-ERROR-TERM, E-14: with all samples active, ∂C/∂w = (1/m)·e·X, e = z − y; the
    primer's expansion (no 1/m, one x for all samples) differs."""
    X = jnp.array([[1.0, 2.0, 0.5], [0.5, 1.0, 2.0]])
    w, b, y = jnp.array([0.5, 0.5, 0.5]), jnp.float64(0.1), jnp.array([0.2, 3.0])
    z = X @ w + b
    assert np.all(z > 0)
    e = z - y
    d_w, _ = jd.relu_neuron_mse_gradients(w, b, X, y)
    jt.assert_close(d_w, e @ X / 2)
    jt.assert_close(d_w, _mse_grads(w, b, X, y)[0])
    printed = e.sum() * X[0]
    assert not np.allclose(printed, d_w)
