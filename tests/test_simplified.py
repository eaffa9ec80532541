"""Simplified Jacobians (catalogue §2.F; errata E-22, E-23, E-30, E-31).

Upstream family (catalogue §2.F): F(a) = Σ_j c_j sin(a_j) + ½d‖a‖² + logsumexp(a), whose
gradient c ⊙ cos(a) + d·a + softmax(a) is written in closed form below.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt

M, N = 4, 3  # layer ℝ³ → ℝ⁴ (non-square)


def upstream(a, c, d):
    """F(a) = Σ_j c_j sin(a_j) + ½d‖a‖² + logsumexp(a)."""
    return jnp.sum(c * jnp.sin(a)) + 0.5 * d * jnp.sum(a * a) + jax.nn.logsumexp(a)


def upstream_gradient(a, c, d):
    """∇F(a) = c ⊙ cos(a) + d·a + softmax(a)."""
    return c * jnp.cos(a) + d * a + jd.softmax(a)


upstream_params = st.tuples(jt.vectors(size=M, bound=3.0), jt.finite_floats(-2.0, 2.0))


def test_upstream_family_gradient_is_correct():
    """The closed-form ∇F used below equals jax.grad(F)."""
    a, c = jnp.array([0.3, -1.0, 0.0, 2.0]), jnp.array([1.0, -0.5, 2.0, 0.1])
    jt.assert_close(upstream_gradient(a, c, 0.7), jax.grad(upstream)(a, c, 0.7))


def _f_relu(z, c, d):
    return upstream(jd.relu(z), c, d)


def _f_tanh(z, c, d):
    return upstream(jd.tanh(z), c, d)


def _relu_upstream_closed(z, c, d):
    return jd.relu_backward(upstream_gradient(jd.relu(z), c, d), z)


@given(jt.vectors(size=M), upstream_params)
def test_P_SIMP_RELU_UPSTREAM_elementwise_form(z, cd):
    """P-SIMP-RELU-UPSTREAM: ∇(F∘ReLU)(z) = ∇F(ReLU(z)) ⊙ 𝟙[z > 0] equals AD (exact zeros
    included) and equals the matrix form ∇F·J_ReLU(z)."""
    c, d = cd
    jt.assert_gradient_matches_autodiff(_f_relu, _relu_upstream_closed, z, c, d)
    g_up = upstream_gradient(jd.relu(z), c, d)
    jt.assert_close(jd.relu_backward(g_up, z), g_up @ jd.relu_jacobian(z))


def test_P_SIMP_RELU_UPSTREAM_all_inactive_gives_zero():
    """P-SIMP-RELU-UPSTREAM: z ≤ 0 everywhere gives the zero gradient."""
    z = jnp.array([-1.0, 0.0, -0.0, -3.0])
    np.testing.assert_array_equal(jd.relu_backward(jnp.ones(M), z), np.zeros(M))


@given(jt.vectors(size=M, bound=3.0), upstream_params)
def test_P_SIMP_RELU_UPSTREAM_E31_other_activations_need_their_derivative(z, cd):
    """E-31: for tanh the φ′ form ∇F(tanh(z)) ⊙ tanh′(z) matches AD; the ReLU indicator form
    does not, wherever ∇F ⊙ (tanh′(z) − 𝟙[z > 0]) is not negligible (near z = 0⁺ the two
    derivatives coincide)."""
    c, d = cd
    g_up = upstream_gradient(jd.tanh(z), c, d)
    ad = jax.grad(_f_tanh)(z, c, d)
    jt.assert_close(jd.elementwise_backward(g_up, z, jd.tanh_derivative), ad)
    gap = np.asarray(g_up * (jd.tanh_derivative(z) - jd.relu_derivative(z)))
    if np.max(np.abs(gap)) > 1e-6:
        assert not np.allclose(jd.relu_backward(g_up, z), ad, rtol=1e-10, atol=1e-9)


def _f_dense_weights(W, y, b, c, d):
    return upstream(jd.dense(y, W, b), c, d)


def _f_dense_bias(b, y, W, c, d):
    return upstream(jd.dense(y, W, b), c, d)


def _f_dense_input(y, W, b, c, d):
    return upstream(jd.dense(y, W, b), c, d)


def _weight_closed(W, y, b, c, d):
    return jd.dense_weight_gradient(upstream_gradient(jd.dense(y, W, b), c, d), y)


def _bias_closed(b, y, W, c, d):
    return jd.dense_bias_gradient(upstream_gradient(jd.dense(y, W, b), c, d))


def _input_closed(y, W, b, c, d):
    return jd.dense_input_gradient(upstream_gradient(jd.dense(y, W, b), c, d), W)


dense_args = st.tuples(
    jt.vectors(size=N, bound=3.0), jt.vectors(size=(M, N), bound=3.0), jt.vectors(size=M)
)


@given(dense_args, upstream_params)
def test_P_SIMP_WEIGHT_OUTER_E30_outer_product(layer, cd):
    """P-SIMP-WEIGHT-OUTER, E-30: ∇_W F(L(y, W, b)) = ∇F(z)ᵀ·y (shape (m, n)); row i* is
    ∇F(z)_{i*}·y with y the layer input."""
    (y, W, b), (c, d) = layer, cd
    jt.assert_gradient_matches_autodiff(_f_dense_weights, _weight_closed, W, y, b, c, d)
    g = np.asarray(upstream_gradient(jd.dense(y, W, b), c, d))
    G = np.asarray(jd.dense_weight_gradient(g, y))
    assert G.shape == (M, N)
    for i in range(M):
        jt.assert_close(G[i], g[i] * y)


@given(jt.vectors(size=(5, M)), jt.vectors(size=(5, N)))
def test_P_SIMP_WEIGHT_OUTER_batch_is_sum_of_samples(G, Y):
    """P-SIMP-WEIGHT-OUTER, P-SIMP-BIAS: batch Gᵀ·Y = Σ_i ∇F(z_i)ᵀ·y_i and Σ_i ∇F(z_i)."""
    jt.assert_close(jd.dense_weight_gradient(G, Y), sum(np.outer(G[i], Y[i]) for i in range(5)))
    jt.assert_close(jd.dense_bias_gradient(G), G.sum(axis=0))


@given(dense_args, upstream_params)
def test_P_SIMP_BIAS_is_upstream_gradient(layer, cd):
    """P-SIMP-BIAS: ∇_b F(L(y, W, b)) = ∇F(z)."""
    (y, W, b), (c, d) = layer, cd
    jt.assert_gradient_matches_autodiff(_f_dense_bias, _bias_closed, b, y, W, c, d)


@given(dense_args, upstream_params)
def test_P_SIMP_INPUT_is_upstream_times_W(layer, cd):
    """P-SIMP-INPUT: ∇_y F(L(y, W, b)) = ∇F(z)·W, a row of ℝⁿ."""
    (y, W, b), (c, d) = layer, cd
    jt.assert_gradient_matches_autodiff(_f_dense_input, _input_closed, y, W, b, c, d)
    assert jd.dense_input_gradient(jnp.ones(M), W).shape == (N,)


def _f_relu_dense(y, W, b, c, d):
    return upstream(jd.relu(jd.dense(y, W, b)), c, d)


_relu_dense_grads = jax.jit(jax.grad(_f_relu_dense, argnums=(0, 1, 2)))


@given(
    jt.integer_valued_vectors(size=N),
    jt.integer_valued_vectors(size=(M, N)),
    jt.integer_valued_vectors(size=M),
    upstream_params,
)
def test_P_SIMP_RELU_DENSE_all_three_gradients(y, W, b, cd):
    """P-SIMP-RELU-DENSE: with g = ∇F(ReLU(z)) ⊙ 𝟙[z > 0]: ∇_y = g·W, ∇_W = gᵀ·y, ∇_b = g;
    integer data make exact zeros of z frequent, and those units get 0."""
    c, d = cd
    z = jd.dense(y, W, b)
    dy, dW, db = jd.relu_dense_backward(upstream_gradient(jd.relu(z), c, d), y, W, b)
    ad_y, ad_W, ad_b = _relu_dense_grads(y, W, b, c, d)
    jt.assert_close(dy, ad_y)
    jt.assert_close(dW, ad_W)
    jt.assert_close(db, ad_b)
    inactive = np.asarray(z) <= 0
    np.testing.assert_array_equal(np.asarray(db)[inactive], 0.0)
    np.testing.assert_array_equal(np.asarray(dW)[inactive], 0.0)


def test_P_SIMP_RELU_DENSE_E22_E23_printed_forms():
    """E-22: the input gradient of the scalar F∘ReLU∘L is the row (m,) = column sums of the
    printed m′×m matrix. E-23: with z_1 > 0 and z_2 ≤ 0 the gradient of weight row 2 is zero in
    every coordinate (one indicator per unit, not one per coordinate)."""
    y = jnp.array([1.0, 2.0, -1.0])
    W = jnp.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    b = jnp.zeros(2)
    g_up = jnp.array([0.7, -1.3])
    z = jd.dense(y, W, b)  # [1, -1]
    dy, dW, _ = jd.relu_dense_backward(g_up, y, W, b)
    printed_matrix = (g_up * jd.relu_derivative(z))[:, None] * W  # row j: ∂F/∂a_j·𝟙(z_j>0)·W_j
    assert dy.shape == (3,)
    jt.assert_close(dy, printed_matrix.sum(axis=0))
    np.testing.assert_array_equal(dW[1], np.zeros(3))
    printed_row_2 = g_up[1] * jd.relu_derivative(jd.dense(y, W, b)[jnp.arange(3) % 2]) * y
    assert not np.allclose(printed_row_2, dW[1])
    loss = lambda y_, W_: jnp.sum(g_up * jd.relu(jd.dense(y_, W_, b)))  # noqa: E731  ∇F = g_up
    ad_y, ad_W = jax.grad(loss, argnums=(0, 1))(y, W)
    jt.assert_close(dy, ad_y)
    jt.assert_close(dW, ad_W)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_P_SIMP_backward_functions_batch(activation):
    """P-SIMP-RELU-UPSTREAM and P-SIMP-INPUT on batches: rows are processed independently."""
    Z = jnp.array([[0.5, -1.0, 0.0, 2.0], [-0.3, 1.1, 0.2, 0.0]])
    G = jnp.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.25, 2.0]])
    W = jnp.arange(12.0).reshape(M, N)
    backward = {
        "relu": jd.relu_backward,
        "tanh": lambda g, z: jd.elementwise_backward(g, z, jd.tanh_derivative),
    }[activation]
    for i in range(2):
        jt.assert_close(backward(G, Z)[i], backward(G[i], Z[i]))
        jt.assert_close(jd.dense_input_gradient(G, W)[i], jd.dense_input_gradient(G[i], W))
