"""The primer's worked examples (catalogue §2.I P-EX-*; errata E-15, E-16)."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt

points = st.tuples(jt.finite_floats(-10, 10), jt.finite_floats(-10, 10)).map(np.asarray)


@given(points)
def test_P_EX_GRAD_X2COSY(v):
    """P-EX-GRAD-X2COSY: f(x, y) = x² + cos y has ∇f = [2x, −sin y] (a row)."""
    jt.assert_gradient_matches_autodiff(jd.quad_cos, jd.quad_cos_gradient, v)


@given(st.tuples(jt.finite_floats(-10, 10), jt.finite_floats(-20, 20)).map(np.asarray))
def test_P_EX_JAC_POLYEXP(v):
    """P-EX-JAC-POLYEXP: f(x, y) = [2x + y³, e^y − 13x] has J = [[2, 3y²], [−13, e^y]]
    (abs(y) ≤ 20 keeps e^y far from overflow)."""
    jt.assert_jacobian_matches_autodiff(jd.poly_exp, jd.poly_exp_jacobian, v)


@given(jt.finite_floats(-10, 10))
def test_P_EX_SCALAR_CHAIN(x):
    """P-EX-SCALAR-CHAIN: d/dx sin(x²) = 2x·cos(x²) = f′(g(x))·g′(x) with g = x², f = sin."""
    x = jnp.float64(x)
    jt.assert_gradient_matches_autodiff(jd.sin_square, jd.sin_square_derivative, x)
    chain = jax.grad(jnp.sin)(x**2) * jax.grad(lambda t: t**2)(x)
    jt.assert_close(jd.sin_square_derivative(x), chain)


positive_b = st.tuples(jt.finite_floats(-5, 5), jt.finite_floats(1e-3, 10)).map(np.asarray)


@given(positive_b)
def test_P_EX_JAC_SINLOG_final_and_intermediate(v):
    """P-EX-JAC-SINLOG: for b > 0, J = [[2a·cos(a² + b), cos(a² + b)], [0, 3/b]] equals AD and
    equals J_f(g)·J_g with J_g = [[2a, 1], [0, 3b²]] and J_f(g) = diag(cos g₁, 1/g₂)."""
    jt.assert_jacobian_matches_autodiff(jd.sin_log, jd.sin_log_jacobian, v)
    jt.assert_jacobian_matches_autodiff(jd.sin_log_inner, jd.sin_log_inner_jacobian, v)
    g = jd.sin_log_inner(v)
    outer = lambda g_: jnp.stack([jnp.sin(g_[0]), jnp.log(g_[1])])  # noqa: E731
    jt.assert_close(jd.sin_log_outer_jacobian(g), jax.jacfwd(outer)(g))
    product = jd.chain_jacobian([jd.sin_log_inner_jacobian(v), jd.sin_log_outer_jacobian(g)])
    jt.assert_close(product, jd.sin_log_jacobian(v))
    b = v[1]
    jt.assert_close(3 * b**2 / b**3, 3 / b)


vector_pairs = st.tuples(jt.vectors(size=4), jt.vectors(size=4))


@given(vector_pairs)
def test_P_EX_HADAMARD_JAC_product(vw):
    """P-EX-HADAMARD-JAC: for F = v ⊙ w, ∂F/∂v = diag(w) and ∂F/∂w = diag(v) (zeros included)."""
    v, w = vw
    product = lambda v_, w_: v_ * w_  # noqa: E731
    d_v, d_w = jd.hadamard_jacobians(v, w)
    jt.assert_close(d_v, jax.jacfwd(product, argnums=0)(v, w))
    jt.assert_close(d_w, jax.jacrev(product, argnums=1)(v, w))
    np.testing.assert_array_equal(d_v, np.diag(w))


def _sin_times_exp(v, w):
    return jnp.sin(v) * jnp.exp(w)


@given(vector_pairs.map(lambda p: (p[0], p[1] / 5)))
def test_P_EX_HADAMARD_JAC_elementwise_functions(vw):
    """P-EX-HADAMARD-JAC: F = f(v) ⊙ g(w) with element-wise f = sin, g = exp:
    ∂F/∂v = diag(f′(v) ⊙ g(w)), ∂F/∂w = diag(f(v) ⊙ g′(w))."""
    v, w = vw
    d_v, d_w = jd.hadamard_jacobians(v, w, jnp.sin, jnp.cos, jnp.exp, jnp.exp)
    jt.assert_close(d_v, jax.jacfwd(_sin_times_exp, argnums=0)(v, w))
    jt.assert_close(d_w, jax.jacfwd(_sin_times_exp, argnums=1)(v, w))


def test_P_EX_HADAMARD_JAC_E15_printed_diagonal_and_non_elementwise_f():
    """E-15: v = [1, 2, 3], w = [4, 5, 6]: the diagonal of ∂(v ⊙ w)/∂v is w = [4, 5, 6], not v;
    with a non-element-wise f (cumulative sum) the Jacobian is not diagonal."""
    v, w = jnp.array([1.0, 2.0, 3.0]), jnp.array([4.0, 5.0, 6.0])
    J = np.asarray(jax.jacfwd(lambda v_: v_ * w)(v))
    np.testing.assert_array_equal(np.diag(J), [4.0, 5.0, 6.0])
    assert not np.array_equal(np.diag(J), v)
    np.testing.assert_array_equal(jd.hadamard_jacobians(v, w)[0], J)
    J_cumsum = np.asarray(jax.jacfwd(lambda v_: jnp.cumsum(v_) * w)(v))
    assert np.any(J_cumsum[~np.eye(3, dtype=bool)] != 0)


def _scale(v, x):
    return x * v


def _scale_tanh(v, x):
    return jd.tanh(v) * x


@given(jt.vectors(size=4), jt.finite_floats(-10, 10) | st.just(0.0))
def test_P_EX_SCALAR_EXPANSION(v, x):
    """P-EX-SCALAR-EXPANSION: F = x·v: ∂F/∂v = x·I_n, ∂F/∂x = vᵀ (n×1, shape (n,) for a 0-d x);
    F = f(v) ⊙ (x𝟙) with f = tanh: ∂F/∂v = x·diag(f′(v)), ∂F/∂x = f(v)ᵀ."""
    x = jnp.float64(x)
    d_v, d_x = jd.scalar_expansion_jacobians(v, x)
    jt.assert_close(d_v, jax.jacfwd(_scale, argnums=0)(v, x))
    jt.assert_close(d_x, jax.jacfwd(_scale, argnums=1)(v, x))
    assert d_x.shape == (4,)
    d_v, d_x = jd.scalar_expansion_jacobians(v, x, jd.tanh, jd.tanh_derivative)
    jt.assert_close(d_v, jax.jacfwd(_scale_tanh, argnums=0)(v, x))
    jt.assert_close(d_x, jax.jacrev(_scale_tanh, argnums=1)(v, x))
    if x == 0:
        np.testing.assert_array_equal(jd.scalar_expansion_jacobians(v, x)[0], np.zeros((4, 4)))


def test_P_EX_SCALAR_EXPANSION_E16_factor_x_and_column_jacobian():
    """E-16: x = 2: the Jacobian of x·v with respect to v is 2·I, not I; the derivative with
    respect to the scalar x is an n×1 Jacobian (shape (n, 1) for an x of shape (1,))."""
    v = jnp.array([1.0, -2.0, 0.5])
    d_v, _ = jd.scalar_expansion_jacobians(v, jnp.float64(2.0))
    np.testing.assert_array_equal(d_v, 2 * np.eye(3))
    assert not np.array_equal(d_v, np.eye(3))
    J_x = jax.jacfwd(lambda x1: x1 * v)(jnp.array([2.0]))
    assert J_x.shape == (3, 1)
    np.testing.assert_array_equal(J_x[:, 0], v)


@given(jt.vectors(size=4), jt.vectors(size=4), jt.finite_floats(-5, 5))
def test_P_EX_SUM_HADAMARD_neuron_pieces(w, x, b):
    """P-EX-SUM-HADAMARD: S(H) = Σ_j H_j has ∂S/∂H = 𝟙; H = w ⊙ x has ∂H/∂w = diag(x); their
    product is x = ∇_w Σ_j w_j x_j; z = S + b has ∂z/∂S = ∂z/∂b = 1."""
    H = w * x
    dS_dH = np.asarray(jax.grad(jnp.sum)(H))
    np.testing.assert_array_equal(dS_dH, np.ones(4))
    dH_dw = np.asarray(jax.jacfwd(lambda w_: w_ * x)(w))
    np.testing.assert_array_equal(dH_dw, np.diag(x))
    jt.assert_close(dS_dH @ dH_dw, jax.grad(lambda w_: jnp.sum(w_ * x))(w))
    jt.assert_close(dS_dH @ dH_dw, x)
    dz_dS, dz_db = jax.grad(lambda s, b_: s + b_, argnums=(0, 1))(jnp.sum(H), jnp.float64(b))
    assert float(dz_dS) == 1.0 and float(dz_db) == 1.0
