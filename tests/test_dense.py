"""The dense layer and its Jacobians (catalogue §2.E; errata E-47, E-51, E-56)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt

SHAPES = [(1, 1), (3, 2), (2, 5)]  # (m, n): width 1, and both non-square orientations


@st.composite
def layers(draw, m, n):
    """(y, W, b) for a dense layer ℝⁿ → ℝᵐ."""
    return (
        draw(jt.vectors(size=n)),
        draw(jt.vectors(size=(m, n))),
        draw(jt.vectors(size=m)),
    )


@pytest.mark.parametrize(("m", "n"), SHAPES)
@given(data=st.data())
def test_P_DENSE_equals_component_loop(m, n, data):
    """P-DENSE: L_j(y, W, b) = y·W_{j,:}ᵀ + b_j for each output j; W of shape (out, in)."""
    y, W, b = data.draw(layers(m, n))
    out = np.asarray(jd.dense(y, W, b))
    assert out.shape == (m,)
    loop = np.array([sum(y[k] * W[j, k] for k in range(n)) + b[j] for j in range(m)])
    jt.assert_close(out, loop)


@pytest.mark.parametrize(("m", "n"), SHAPES)
@given(data=st.data())
def test_P_DENSE_batch_acts_row_wise(m, n, data):
    """P-DENSE, P-MAT-ROWVEC: L(Y, W, b) = Y·Wᵀ + 𝟙b, row i equal to L(Y[i], W, b)."""
    _, W, b = data.draw(layers(m, n))
    Y = data.draw(jt.vectors(size=(4, n)))
    out = np.asarray(jd.dense(Y, W, b))
    assert out.shape == (4, m)
    for i in range(4):  # close, not equal: a batched product may sum in another order
        jt.assert_close(out[i], jd.dense(Y[i], W, b))
    jt.assert_close(out, jax.vmap(jd.dense, (0, None, None))(Y, W, b))


@pytest.mark.parametrize(("m", "n"), SHAPES)
@given(data=st.data())
def test_P_DENSE_JAC_INPUT_is_W(m, n, data):
    """P-DENSE-JAC-INPUT: J_{L(·,W,b)}(y) = W ∈ M_{m,n}."""
    y, W, b = data.draw(layers(m, n))
    jt.assert_jacobian_matches_autodiff(jd.dense, jd.dense_jacobian_input, y, W, b, argnums=0)


def _dense_row_replaced(w, y, W, b, i):
    return jd.dense(y, W.at[i].set(w), b)


_row_jacobian = jax.jit(jax.jacfwd(_dense_row_replaced), static_argnums=4)


@pytest.mark.parametrize(("m", "n"), SHAPES)
@given(data=st.data())
def test_P_DENSE_JAC_WROW_row_i_is_y(m, n, data):
    """P-DENSE-JAC-WROW: for every row i (first and last included), the Jacobian of
    w ↦ L(y, W with row i = w, b) is the m×n matrix with row i equal to y, zeros elsewhere."""
    y, W, b = data.draw(layers(m, n))
    for i in range(m):
        J = np.asarray(jd.dense_jacobian_weight_row(y, W, b, i))
        assert J.shape == (m, n)
        jt.assert_close(J, _row_jacobian(W[i], y, jnp.asarray(W), b, i))
        np.testing.assert_array_equal(J[i], y)
        np.testing.assert_array_equal(np.delete(J, i, axis=0), 0.0)


@pytest.mark.parametrize(("m", "n"), SHAPES)
@given(data=st.data())
def test_P_DENSE_JAC_W_tensor(m, n, data):
    """P-DENSE-JAC-W: ∂L_i/∂W_{k,j} = δ_ik·y_j (shape (m, m, n)); slice [:, i, :] is the
    row-i Jacobian."""
    y, W, b = data.draw(layers(m, n))
    jt.assert_jacobian_matches_autodiff(jd.dense, jd.dense_jacobian_weights, y, W, b, argnums=1)
    T = np.asarray(jd.dense_jacobian_weights(y, W, b))
    for i in range(m):
        np.testing.assert_array_equal(T[:, i, :], jd.dense_jacobian_weight_row(y, W, b, i))


@pytest.mark.parametrize(("m", "n"), SHAPES)
@given(data=st.data())
def test_P_DENSE_JAC_BIAS_is_identity(m, n, data):
    """P-DENSE-JAC-BIAS: J_{L(y,W,·)}(b) = I_m."""
    y, W, b = data.draw(layers(m, n))
    jt.assert_jacobian_matches_autodiff(jd.dense, jd.dense_jacobian_bias, y, W, b, argnums=2)
    np.testing.assert_array_equal(jd.dense_jacobian_bias(y, W, b), np.eye(m))


@given(
    jt.vectors(size=(4, 3)),
    jt.vectors(size=(3, 2)),
    jt.vectors(size=2),
    jt.vectors(size=(2, 5)),
    jt.vectors(size=5),
)
def test_P_DENSE_002_LAYOUT_E47_transposed_weights(X, V1, b1, V2, b2):
    """P-DENSE-002-LAYOUT, E-47: 002's layer x·V + b with V ∈ ℝ^{in×out} equals dense(x, Vᵀ, b);
    the two-layer network f(f(x·V₁ + b₁)·V₂ + b₂) equals the 001 form with W_k = V_kᵀ."""
    np.testing.assert_array_equal(jd.dense_in_out(X, V1, b1), jd.dense(X, V1.T, b1))
    two_layer_002 = jd.tanh(jd.dense_in_out(jd.tanh(jd.dense_in_out(X, V1, b1)), V2, b2))
    two_layer_001 = jd.tanh(jd.dense(jd.tanh(jd.dense(X, V1.T, b1)), V2.T, b2))
    np.testing.assert_array_equal(two_layer_002, two_layer_001)
    with pytest.raises(ValueError, match="to match W"):  # a missing transpose (non-square V)
        jd.dense(X, V1, b1)


@given(jt.vectors(size=3), jt.vectors(size=(2, 3)), jt.vectors(size=2))
def test_P_DENSE_004_LAYOUT_column_form_with_same_W(a, W, b):
    """P-DENSE-004-LAYOUT: the primer's column form z = W·aᵀ + bᵀ with the same W equals
    dense(a, W, b); W[j−1, k−1] is w_jk, the weight into unit j from unit k."""
    column = (W @ a[:, None] + b[:, None])[:, 0]
    jt.assert_close(column, jd.dense(a, W, b))
    e_k = np.eye(3)[1]  # input unit k = 2
    np.testing.assert_array_equal(jd.dense(e_k, W, np.zeros(2)), W[:, 1])


def test_E51_per_unit_biases_cannot_be_shared():
    """E-51: each unit has its own bias; for generic data the bias-gradient entries differ
    across units, which one shared scalar bias cannot represent."""
    y = jnp.array([0.5, -1.0, 2.0])
    W = jnp.array([[1.0, 0.2, -0.3], [-0.4, 0.9, 0.6]])
    b = jnp.array([0.1, -0.2])
    loss = lambda b_: jnp.sum(jd.tanh(jd.dense(y, W, b_)) ** 2)  # noqa: E731
    g = np.asarray(jax.grad(loss)(b))
    assert g.shape == (2,) and abs(g[0] - g[1]) > 1e-3


@given(
    jt.integer_valued_vectors(size=3),
    jt.integer_valued_vectors(size=(4, 3)),
    jt.integer_valued_vectors(size=4),
)
def test_E56_relu_dense_bias_jacobian_is_the_mask(y, W, b):
    """E-56: J_{ReLU∘L(y,W,·)}(b) = J_ReLU(L(y,W,b))·I_m = diag(𝟙[L(y,W,b) > 0])."""
    z = np.asarray(jd.dense(y, W, b))
    J = np.asarray(jax.jacfwd(lambda b_: jd.relu(jd.dense(y, W, b_)))(b))
    np.testing.assert_array_equal(J, np.diag((z > 0).astype(np.float64)))
    np.testing.assert_array_equal(J, jd.relu_jacobian(z) @ jd.dense_jacobian_bias(y, W, b))
