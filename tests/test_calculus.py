"""Differential calculus (catalogue §2.B; errata E-25, E-26, E-27, E-28)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jax.test_util import check_grads

import jaxdnn as jd
import jaxdnn.testing as jt

N_IN, N_OUT = 3, 4  # a non-square layer, so that rows and columns cannot be confused

W0 = jnp.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1], [1.0, 1.0, -1.0]])
B0 = jnp.array([0.1, -0.2, 0.3, 0.0])
Y0 = jnp.array([0.4, -1.1, 0.7])
STAR = jnp.array([0.0, 1.0, 0.0, 0.0])


def dense_of_y(y):
    return jd.dense(y, W0, B0)


def dense_of_w(w):
    return jd.dense(Y0, w.reshape(N_OUT, N_IN), B0)


def dense_of_b(b):
    return jd.dense(Y0, W0, b)


def cce_of_probs(y):
    return jd.categorical_cross_entropy(y, jnp.array([0.2, 0.5, 0.3]))


# Smooth maps of the catalogue and a point inside their domain (b > 0 for sin_log, y ∈ ]0,1[
# for the cross-entropy).
SMOOTH_MAPS = {
    "softmax": (jd.softmax, jnp.array([0.3, -1.0, 2.0])),
    "sigmoid": (jd.sigmoid, jnp.array([0.3, -1.0, 2.0])),
    "tanh": (jd.tanh, jnp.array([0.3, -1.0, 2.0])),
    "dense_y": (dense_of_y, Y0),
    "dense_W": (dense_of_w, W0.ravel()),
    "dense_b": (dense_of_b, B0),
    "cce": (cce_of_probs, jnp.array([0.2, 0.3, 0.5])),
    "quad_cos": (jd.quad_cos, jnp.array([0.7, 1.3])),
    "poly_exp": (jd.poly_exp, jnp.array([0.7, 1.3])),
    "sin_log": (jd.sin_log, jnp.array([0.7, 1.3])),
}


@pytest.mark.parametrize("name", list(SMOOTH_MAPS))
def test_P_DIFF_FRECHET_remainder_vanishes_linearly(name):
    """P-DIFF-FRECHET: ‖f(a+h) − f(a) − h·J_f(a)ᵀ‖/‖h‖ ≤ K·t for h = t·u, K fitted at t = 1e−2
    (slack ×10). Rounding in f(a+h) − f(a) adds about ε·‖f(a)‖/‖h‖, bounded by the floor term."""
    f, a = SMOOTH_MAPS[name]
    u = jnp.sin(jnp.arange(1.0, a.size + 1.0))  # a fixed direction with distinct entries
    u = u / jnp.linalg.norm(u)
    scale = 1.0 + float(jnp.linalg.norm(jnp.ravel(f(a))))
    floor = lambda t: 100 * np.finfo(np.float64).eps * scale / t  # noqa: E731
    K = float(jd.first_order_remainder(f, a, 1e-2 * u)) / 1e-2
    for t in (1e-3, 1e-4):
        assert float(jd.first_order_remainder(f, a, t * u)) <= 10 * K * t + floor(t)
    check_grads(f, (a,), order=1, modes=("fwd", "rev"))


def test_P_DIFF_FRECHET_E25_printed_quotient_has_no_limit():
    """E-25: for f(x) = x the printed "derivable" quotient (f(x) − f(a))/‖x − a‖ − f′(a) is
    sign(x − a) − 1 ∈ {−2, 0}: no limit, so the identity would not be derivable; the Fréchet
    remainder is 0."""
    f = lambda x: x  # noqa: E731
    a = jnp.array([1.0])
    quotient = lambda h: (f(a + h) - f(a)) / jnp.abs(h) - 1.0  # noqa: E731
    for h in (2.0**-10, 2.0**-30):  # powers of two: a + h and a − h are exact
        assert float(quotient(jnp.array([h]))[0]) == 0.0
        assert float(quotient(jnp.array([-h]))[0]) == -2.0
        assert float(jd.first_order_remainder(f, a, jnp.array([-h]))) == 0.0


def test_P_DIFF_FRECHET_relu_not_differentiable_at_a_kink():
    """P-DIFF-FRECHET (documented edge): at a zero coordinate ReLU is not differentiable; with
    ReLU′(0) = 0 the remainder along h pointing into z > 0 does not vanish."""
    a = jnp.array([0.0, 1.0])
    h = jnp.array([1.0, 0.0])
    for t in (1e-2, 1e-4, 1e-6):
        np.testing.assert_allclose(float(jd.first_order_remainder(jd.relu, a, t * h)), 1.0)


@pytest.mark.parametrize("name", list(SMOOTH_MAPS))
def test_P_DIFF_UNIQUE_forward_equals_reverse_and_continuity(name):
    """P-DIFF-UNIQUE: the differential is unique (forward- and reverse-mode Jacobians agree) and
    differentiable maps are continuous (‖f(a + t·u) − f(a)‖ → 0)."""
    f, a = SMOOTH_MAPS[name]
    jt.assert_close(jax.jacfwd(f)(a), jax.jacrev(f)(a))
    u = jnp.sin(jnp.arange(1.0, a.size + 1.0))  # not constant: softmax ignores constant shifts
    gaps = [float(jnp.linalg.norm(jnp.ravel(f(a + t * u) - f(a)))) for t in (1e-2, 1e-4, 1e-6)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-4


@given(jt.integer_valued_vectors(size=5))
def test_P_DIFF_UNIQUE_relu_ties_both_modes_give_zero(z):
    """P-DIFF-UNIQUE: at ReLU ties both modes return the Assumption-1 value 0."""
    np.testing.assert_array_equal(jax.jacfwd(jd.relu)(z), jax.jacrev(jd.relu)(z))
    np.testing.assert_array_equal(jnp.diag(jax.jacfwd(jd.relu)(z)), (z > 0).astype(np.float64))


@pytest.mark.parametrize("name", ["softmax", "dense_y", "dense_W", "poly_exp", "sin_log"])
def test_P_DIFF_JACOBIAN_E27_columns_rows_and_shape(name):
    """P-DIFF-JACOBIAN, E-27: J_f(a) has shape (m, n); column j is the derivative along e_j
    (a JVP); row i is the gradient of f_i."""
    f, a = SMOOTH_MAPS[name]
    J = np.asarray(jd.jacobian(f)(a))
    m, n = np.ravel(f(a)).size, a.size
    assert J.shape == (m, n)
    for j in range(n):
        jt.assert_close(J[:, j], jax.jvp(f, (a,), (jnp.eye(n)[j],))[1])
    for i in range(m):
        jt.assert_close(J[i, :], jd.gradient(lambda x, i=i: f(x)[i])(a))


def test_P_DIFF_JACOBIAN_scalar_case_is_the_gradient():
    """P-DIFF-JACOBIAN: for m = 1 the Jacobian (1, n) reshaped is the gradient (a row)."""
    f = lambda v: jd.quad_cos(v)[None]  # noqa: E731
    a = jnp.array([0.7, 1.3])
    J = jd.jacobian(f)(a)
    assert J.shape == (1, 2)
    jt.assert_close(J.reshape(2), jd.gradient(jd.quad_cos)(a))
    jt.assert_close(jd.gradient(jd.quad_cos)(a), jd.quad_cos_gradient(a))


PAIRS = [("softmax", "sigmoid"), ("tanh", "relu"), ("relu", "dense"), ("softmax", "dense")]
CLOSED = {
    "softmax": (jd.softmax, jd.softmax_jacobian),
    "sigmoid": (jd.sigmoid, jd.sigmoid_jacobian),
    "tanh": (jd.tanh, jd.tanh_jacobian),
    "relu": (jd.relu, jd.relu_jacobian),
    "dense": (lambda y: jd.dense(y, W0[:3], B0[:3]), lambda y: W0[:3]),
}


@functools.cache
def _sum_and_closed_form(f_name, g_name):
    """f + g and J_f + J_g built once per pair, so hypothesis examples share compiled code."""
    (f, jac_f), (g, jac_g) = CLOSED[f_name], CLOSED[g_name]
    return jax.jit(lambda x: f(x) + g(x)), jax.jit(lambda x: jac_f(x) + jac_g(x))


@pytest.mark.parametrize(("f_name", "g_name"), PAIRS)
@given(z=jt.integer_valued_vectors(size=3))
def test_P_DIFF_SUM_jacobian_of_a_sum(f_name, g_name, z):
    """P-DIFF-SUM: J_{f+g} = J_f + J_g (closed forms), ReLU ties included (integer inputs)."""
    jt.assert_jacobian_matches_autodiff(*_sum_and_closed_form(f_name, g_name), z)


ACTIVATIONS = [
    (jd.relu, jd.relu_jacobian),
    (jd.tanh, jd.tanh_jacobian),
    (jd.sigmoid, jd.sigmoid_jacobian),
    (jd.softmax, jd.softmax_jacobian),
]


@st.composite
def chains(draw):
    """A chain of 2–4 maps alternating dense layers (random widths) and activations, with
    integer-valued weights and input so that ReLU ties occur."""
    n_maps = draw(st.integers(2, 4))
    widths = [draw(st.sampled_from([1, 3]))]  # few widths: few shapes to compile
    maps = []
    for k in range(n_maps):
        if k % 2 == 0:
            out = draw(st.sampled_from([1, 3]))
            W = draw(jt.integer_valued_vectors(size=(out, widths[-1])))
            b = draw(jt.integer_valued_vectors(size=out))
            maps.append(("dense", W, b))
            widths.append(out)
        else:
            maps.append(("act", draw(st.sampled_from(range(len(ACTIVATIONS))))))
    x = draw(jt.integer_valued_vectors(size=widths[0]))
    return maps, x


def _apply(step, x):
    if step[0] == "dense":
        return jd.dense(x, step[1], step[2])
    return ACTIVATIONS[step[1]][0](x)


def _closed_jacobian(step, x):
    if step[0] == "dense":
        return jd.dense_jacobian_input(x, step[1], step[2])
    return ACTIVATIONS[step[1]][1](x)


@given(chains())
def test_P_DIFF_CHAIN_E28_product_of_closed_forms(chain):
    """P-DIFF-CHAIN, E-28: the product of closed-form Jacobians at the intermediate points equals
    jacfwd of the composition, with shape (p, n); ReLU ties included."""
    maps, x = chain
    jacobians, point = [], jnp.asarray(x)
    for step in maps:
        jacobians.append(_closed_jacobian(step, point))
        point = _apply(step, point)
    composed = jd.compose(*[functools.partial(_apply, step) for step in maps])
    J = np.asarray(jd.chain_jacobian(jacobians))
    assert J.shape == (np.size(point), x.size)
    jt.assert_close(J, jax.jacfwd(composed)(jnp.asarray(x)))


def test_P_DIFF_CHAIN_reversed_order_fails():
    """P-DIFF-CHAIN: J_f·J_g (the wrong order) is shape-incompatible when widths differ."""
    J_f = jd.dense_jacobian_input(Y0, W0, B0)  # ℝ³ → ℝ⁴, shape (4, 3)
    J_g = jd.softmax_jacobian(jd.dense(Y0, W0, B0))  # ℝ⁴ → ℝ⁴
    J_h = jnp.ones((2, 4))  # ℝ⁴ → ℝ²
    assert jd.chain_jacobian([J_f, J_g, J_h]).shape == (2, 3)
    with pytest.raises(ValueError, match="jacobians"):
        jd.chain_jacobian([J_h, J_g, J_f])


def test_P_DIFF_COMPOSE_order_associativity_and_empty():
    """P-DIFF-COMPOSE: compose(f1, f2)(x) = f2(f1(x)); associative; compose() is the identity
    and compose(f1) is f1."""
    x = jnp.array([0.5, -1.0, 2.0])
    f1, f2, f3 = jd.tanh, jd.softmax, lambda v: 2.0 * v
    np.testing.assert_array_equal(jd.compose(f1, f2)(x), f2(f1(x)))
    np.testing.assert_array_equal(
        jd.compose(jd.compose(f1, f2), f3)(x), jd.compose(f1, jd.compose(f2, f3))(x)
    )
    np.testing.assert_array_equal(jd.compose()(x), x)
    np.testing.assert_array_equal(jd.compose(f1)(x), f1(x))


@pytest.mark.parametrize("k", [0, 1, 2])
def test_P_DIFF_PARTIAL_jacobian_of_one_argument(k):
    """P-DIFF-PARTIAL: the Jacobian with respect to argument k equals that of the closure with
    the other arguments frozen."""
    args = (Y0, W0, B0)

    def closure(x):
        return jd.dense(*[x if i == k else a for i, a in enumerate(args)])

    jt.assert_close(jd.jacobian(jd.dense, argnums=k)(*args), jax.jacfwd(closure)(args[k]))


def test_E26_piecewise_derivable_need_not_be_continuous():
    """E-26: the Heaviside step H is derivable on each piece, yet H(ε) − H(−ε) = 1 for every
    ε > 0, so piecewise-derivable maps need not be continuous; ReLU is continuous but not
    differentiable at 0."""
    heaviside = lambda x: (x > 0).astype(jnp.float64)  # noqa: E731
    for eps in (1e-1, 1e-8, 1e-300):
        assert float(heaviside(jnp.float64(eps)) - heaviside(jnp.float64(-eps))) == 1.0
        assert float(jd.relu(jnp.float64(eps)) - jd.relu(jnp.float64(-eps))) == eps
