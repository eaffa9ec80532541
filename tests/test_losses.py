"""Losses and their gradients (catalogue §2.D; errata E-01, E-02, E-09, E-24, E-29, E-32, E-50)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import log_loss

import jaxdnn as jd
import jaxdnn.testing as jt

M = 5  # width of the fixed-shape property tests


def one_hot_of(size):
    return jt.one_hot(size)


def nonneg_weights(size):
    """Arbitrary non-negative targets (not summing to 1), exact zeros included."""
    return st.lists(
        st.one_of(st.just(0.0), jt.finite_floats(0.0, 3.0)), min_size=size, max_size=size
    ).map(np.asarray)


# --- categorical cross-entropy ------------------------------------------------------------


@given(jt.probabilities(size=M), one_hot_of(M))
def test_P_LOSS_CCE_one_hot_value(y, y_star):
    """P-LOSS-CCE: ξ(y, e_c) = −ln y_c ≥ 0 and equals the literal sum."""
    c = int(np.argmax(y_star))
    value = float(jd.categorical_cross_entropy(y, y_star))
    jt.assert_close(value, -np.log(y[c]))
    jt.assert_close(value, -np.sum(y_star * np.log(y)))
    assert value >= 0


def test_P_LOSS_CCE_zero_target_coordinates_contribute_exactly_zero():
    """P-LOSS-CCE: coordinates with y*_k = 0 contribute 0 even where y_k = 0 (value and
    gradient finite); y_c → 0 makes the loss +∞."""
    y = jnp.array([0.0, 0.3, 0.7])
    y_star = jnp.array([0.0, 1.0, 0.0])
    jt.assert_close(jd.categorical_cross_entropy(y, y_star), -np.log(0.3))
    g = jax.grad(jd.categorical_cross_entropy)(y, y_star)
    jt.assert_close(g, [0.0, -1 / 0.3, 0.0])
    jt.assert_close(jd.categorical_cross_entropy_gradient(y, y_star), g)
    assert (
        float(jd.categorical_cross_entropy(jnp.array([0.0, 1.0]), jnp.array([1.0, 0.0]))) == np.inf
    )


@given(jt.probabilities(size=M), st.one_of(one_hot_of(M), nonneg_weights(M)))
def test_P_LOSS_CCE_GRAD_matches_autodiff(y, y_star):
    """P-LOSS-CCE-GRAD: ∇_y ξ = −y*/y for one-hot and arbitrary non-negative y*."""
    jt.assert_gradient_matches_autodiff(
        jd.categorical_cross_entropy, jd.categorical_cross_entropy_gradient, y, y_star
    )


@given(jt.probabilities(), st.data())
def test_P_LOSS_CCE_GRAD_E29_shape_and_natural_log(y, data):
    """E-29: the gradient is a row of ℝ^m (shape (m,)), and it is the natural-log gradient
    (a base-10 logarithm would scale it by 1/ln 10)."""
    y_star = data.draw(one_hot_of(y.size))
    g = np.asarray(jd.categorical_cross_entropy_gradient(y, y_star))
    assert g.shape == y.shape
    log10_grad = np.asarray(jax.grad(lambda p: -jnp.sum(y_star * jnp.log10(p)))(y))
    jt.assert_close(log10_grad, g / np.log(10))
    assert not np.allclose(log10_grad, g)


@given(jt.simplex_points(size=M), jt.simplex_points(size=M))
def test_P_LOSS_CCE_MIN_gibbs_inequality(y, y_star):
    """P-LOSS-CCE-MIN: ξ(y, y*) ≥ ξ(y*, y*) on the open simplex (Gibbs)."""
    gap = float(
        jd.categorical_cross_entropy(y, y_star) - jd.categorical_cross_entropy(y_star, y_star)
    )
    assert gap >= -1e-12


@given(one_hot_of(M))
def test_P_LOSS_CCE_MIN_decreases_to_zero_towards_one_hot(y_star):
    """P-LOSS-CCE-MIN: along y_t = (1 − t)u + t·y* (u uniform), ξ decreases to 0 as t → 1."""
    u = np.full(M, 1.0 / M)
    ts = np.linspace(0.0, 1.0, 11)
    values = np.array(
        [float(jd.categorical_cross_entropy((1 - t) * u + t * y_star, y_star)) for t in ts]
    )
    assert np.all(np.diff(values) < 0)
    assert values[-1] == 0.0


def test_E24_cross_entropy_is_not_increasing_in_each_coefficient():
    """E-24: the 000/003 definition (a loss increases in each coefficient) fails for CCE:
    ξ(y + t·e_c, e_c) strictly decreases in t while y_c + t < 1."""
    y = jnp.array([0.2, 0.3, 0.1])
    e_c = jnp.array([0.0, 1.0, 0.0])
    values = [float(jd.categorical_cross_entropy(y + t * e_c, e_c)) for t in (0.0, 0.2, 0.4, 0.6)]
    assert np.all(np.diff(values) < 0)


@given(st.lists(st.integers(0, 3), min_size=6, max_size=6), jt.logits(size=(6, 4)))
def test_P_LOSS_CCE_INTLABEL_equals_one_hot_form(labels, z):
    """P-LOSS-CCE-INTLABEL: −Σ_i ln f_{c_i}(x_i) = Σ_i ξ(f(x_i), onehot(c_i))."""
    labels = np.asarray(labels)
    probs = np.asarray(jax.nn.softmax(z))
    per_sample = jd.categorical_cross_entropy_from_labels(probs, labels)
    jt.assert_close(per_sample, jd.categorical_cross_entropy(probs, np.eye(4)[labels]))
    jt.assert_close(np.sum(per_sample), -np.sum(np.log(probs[np.arange(6), labels])))


def test_P_LOSS_CCE_INTLABEL_E02_label_zero_and_index_scaling():
    """E-02: label 0 with f_0 = 0.1 gives ln 10 (printed: 0); label 2 with f_2 = 0.5 gives ln 2
    (printed: 2·ln 2, scaled by the index)."""
    probs = jnp.array([[0.1, 0.6, 0.3], [0.2, 0.3, 0.5]])
    labels = jnp.array([0, 2])
    got = np.asarray(jd.categorical_cross_entropy_from_labels(probs, labels))
    printed = np.array([-0 * np.log(0.1), -2 * np.log(0.5)])
    jt.assert_close(got, [np.log(10.0), np.log(2.0)])
    assert not np.allclose(got, printed)


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0]])
def test_P_LOSS_CCE_INTLABEL_rejects_labels_out_of_range(bad):
    """P-LOSS-CCE-INTLABEL: a label outside ⟦0, K−1⟧ is a ValueError naming ``labels``."""
    with pytest.raises(ValueError, match="labels"):
        jd.categorical_cross_entropy_from_labels(jnp.full((2, 3), 1 / 3), jnp.array(bad))


def test_P_LOSS_CCE_INTLABEL_rejects_float_labels():
    """P-LOSS-CCE-INTLABEL: labels must be integers."""
    with pytest.raises(ValueError, match="labels must be integers"):
        jd.categorical_cross_entropy_from_labels(jnp.full((2, 3), 1 / 3), jnp.array([0.0, 1.0]))


# --- softmax followed by cross-entropy (from logits) --------------------------------------


@given(jt.logits(size=M), st.one_of(one_hot_of(M), jt.simplex_points(size=M), nonneg_weights(M)))
def test_P_LOSS_SOFTMAX_CCE_gradient_matches_autodiff(z, y_star):
    """P-LOSS-SOFTMAX-CCE: ∇_z ξ(S(z), y*) = (Σy*)S(z) − y* equals AD for one-hot, soft and
    arbitrary non-negative y*, and equals ∇ξ(S(z))·J_S(z) (chain of the two closed forms)."""
    jt.assert_gradient_matches_autodiff(
        jd.softmax_cross_entropy, jd.softmax_cross_entropy_gradient, z, y_star
    )
    chained = jd.categorical_cross_entropy_gradient(jd.softmax(z), y_star) @ jd.softmax_jacobian(z)
    jt.assert_close(jd.softmax_cross_entropy_gradient(z, y_star), chained)
    jt.assert_close(
        jd.softmax_cross_entropy(z, y_star),
        jd.categorical_cross_entropy(jd.softmax(z), y_star),
    )


@given(jt.logits(size=M), one_hot_of(M))
def test_P_LOSS_SOFTMAX_CCE_one_hot_gradient_is_S_minus_y(z, y_star):
    """P-LOSS-SOFTMAX-CCE: for Σy* = 1, ∇_z ξ(S(z), y*) = S(z) − y* (001 Prop 5.3)."""
    jt.assert_close(jd.softmax_cross_entropy_gradient(z, y_star), jd.softmax(z) - y_star)


def test_P_LOSS_SOFTMAX_CCE_E09_multi_hot_labels():
    """E-09: y* = [1, 1, 0, 0], z = [0.3, −1.2, 2, 0]: AD gives 2S − y*, not S − y*."""
    z = jnp.array([0.3, -1.2, 2.0, 0.0])
    y_star = jnp.array([1.0, 1.0, 0.0, 0.0])
    ad = np.asarray(jax.grad(jd.softmax_cross_entropy)(z, y_star))
    s = np.asarray(jd.softmax(z))
    jt.assert_close(ad, 2 * s - y_star)
    jt.assert_close(ad, jd.softmax_cross_entropy_gradient(z, y_star))
    np.testing.assert_allclose(ad, [-0.731, -0.940, 1.472, 0.199], atol=5e-4)
    assert not np.allclose(ad, s - y_star)
    np.testing.assert_array_equal(jd.softmax_cross_entropy_gradient(z, jnp.zeros(4)), np.zeros(4))


@pytest.mark.parametrize("scale", [1e3, -1e3])
def test_P_LOSS_SOFTMAX_CCE_extreme_logits_finite(scale):
    """P-LOSS-SOFTMAX-CCE: z = ±1e3 gives a finite value and gradient equal to AD, where the
    literal composition ξ(S(z), y*) has a NaN gradient."""
    z = scale * jnp.array([1.0, 0.0, -1.0])
    for y_star in jnp.eye(3):
        value = float(jd.softmax_cross_entropy(z, y_star))
        assert np.isfinite(value)
        jt.assert_gradient_matches_autodiff(
            jd.softmax_cross_entropy, jd.softmax_cross_entropy_gradient, z, y_star
        )
    literal = jax.grad(lambda z_: jd.categorical_cross_entropy(jd.softmax(z_), jnp.eye(3)[2]))
    assert not np.all(np.isfinite(literal(jnp.array([1e3, 0.0, -1e3]))))


@given(jt.logits(size=M, bound=1e3), one_hot_of(M))
def test_P_LOSS_SOFTMAX_CCE_large_logits_finite_and_exact(z, y_star):
    """P-LOSS-SOFTMAX-CCE, P-ACT-SOFTMAX-JAC: logits drawn in [−1e3, 1e3] give finite values,
    gradients and Jacobians, each equal to autodiff."""
    assert np.isfinite(float(jd.softmax_cross_entropy(z, y_star)))
    assert np.all(np.isfinite(jd.softmax_cross_entropy_gradient(z, y_star)))
    jt.assert_gradient_matches_autodiff(
        jd.softmax_cross_entropy, jd.softmax_cross_entropy_gradient, z, y_star
    )
    jt.assert_jacobian_matches_autodiff(jd.softmax, jd.softmax_jacobian, z)


def test_P_LOSS_SOFTMAX_CCE_minus_inf_logit_with_zero_label():
    """P-LOSS-SOFTMAX-CCE: a −inf logit whose label is 0 contributes nothing: finite value,
    finite gradient equal to the closed form (0 at that coordinate)."""
    z = jnp.array([-jnp.inf, 1.0, 2.0])
    y_star = jnp.array([0.0, 1.0, 0.0])
    expected_value = -(1.0 - np.log(np.exp(1.0) + np.exp(2.0)))
    jt.assert_close(jd.softmax_cross_entropy(z, y_star), expected_value)
    for grad in (jax.grad(jd.softmax_cross_entropy), jax.jacfwd(jd.softmax_cross_entropy)):
        g = np.asarray(grad(z, y_star))
        assert np.all(np.isfinite(g))
        jt.assert_close(g, jd.softmax_cross_entropy_gradient(z, y_star))
    assert float(jd.softmax_cross_entropy_gradient(z, y_star)[0]) == 0.0


def test_E32_softmax_cce_gradient_is_a_row():
    """E-32: the gradient of z ↦ ξ(S(z), y*) maps ℝ^m to M_{1,m}: shape (m,), not a scalar."""
    assert jd.softmax_cross_entropy_gradient(jnp.zeros(4), jnp.eye(4)[1]).shape == (4,)


# --- binary cross-entropy -----------------------------------------------------------------


binary_targets = st.lists(st.sampled_from([0.0, 1.0]), min_size=M, max_size=M).map(np.asarray)
soft_targets = jt.probabilities(size=M, eps=0.0)


@given(jt.probabilities(size=M), st.one_of(binary_targets, soft_targets))
def test_P_LOSS_BCE_gradient_matches_autodiff(p, y):
    """P-LOSS-BCE: ∂BCE/∂p = (p − y)/(p(1 − p)) equals AD (binary and soft targets); BCE ≥ 0."""
    jt.assert_gradient_matches_autodiff(
        jd.binary_cross_entropy, jd.binary_cross_entropy_gradient, p, y
    )
    assert float(jd.binary_cross_entropy(p, y)) >= -1e-12


@given(jt.probabilities(size=M), binary_targets)
def test_P_LOSS_BCE_equals_sklearn_and_two_class_cce(p, y):
    """P-LOSS-BCE: equals sklearn log_loss (normalize=False) and
    Σ_i ξ([1 − p_i, p_i], [1 − y_i, y_i])."""
    value = float(jd.binary_cross_entropy(p, y))
    jt.assert_close(value, log_loss(y, p, normalize=False, labels=[0, 1]))
    two_class = jd.categorical_cross_entropy(np.stack([1 - p, p], 1), np.stack([1 - y, y], 1))
    jt.assert_close(value, np.sum(two_class))


def test_P_LOSS_BCE_E01_printed_formula_differs():
    """E-01: printed −y·ln p·ln(1 − p) gives −0.4805 at y = 1, p = 0.5 (a negative loss) and 0
    for y = 0; the corrected BCE gives ln 2 and −ln(1 − p)."""

    def printed(p, y):
        return -y * jnp.log(p) * jnp.log(1 - p)

    jt.assert_close(jd.binary_cross_entropy(jnp.array([0.5]), jnp.array([1.0])), np.log(2.0))
    np.testing.assert_allclose(printed(0.5, 1.0), -0.4805, atol=1e-4)
    jt.assert_close(jd.binary_cross_entropy(jnp.array([0.3]), jnp.array([0.0])), -np.log(0.7))
    assert float(printed(0.3, 0.0)) == 0.0
    p, y = jnp.array([0.5, 0.3, 0.9]), jnp.array([1.0, 0.0, 1.0])
    jt.assert_gradient_matches_autodiff(
        jd.binary_cross_entropy, jd.binary_cross_entropy_gradient, p, y
    )
    printed_grad = jax.grad(lambda p_: jnp.sum(printed(p_, y)))(p)
    assert not np.allclose(printed_grad, jd.binary_cross_entropy_gradient(p, y))


def test_P_LOSS_BCE_saturated_probabilities():
    """P-LOSS-BCE: p → 0 with y = 1 gives +∞; p = 0 with y = 0 and p = 1 with y = 1 give 0."""
    assert float(jd.binary_cross_entropy(jnp.array([0.0]), jnp.array([1.0]))) == np.inf
    assert float(jd.binary_cross_entropy(jnp.array([0.0, 1.0]), jnp.array([0.0, 1.0]))) == 0.0


@given(jt.vectors(size=M, bound=30.0), st.one_of(binary_targets, soft_targets))
def test_P_LOSS_SIGMOID_BCE_gradient_matches_autodiff(z, y):
    """P-LOSS-SIGMOID-BCE: d/dz BCE(σ(z), y) = σ(z) − y equals AD for abs(z) ≤ 30."""
    jt.assert_gradient_matches_autodiff(
        jd.sigmoid_binary_cross_entropy, jd.sigmoid_binary_cross_entropy_gradient, z, y
    )


@given(jt.vectors(size=M, bound=10.0), st.one_of(binary_targets, soft_targets))
def test_P_LOSS_SIGMOID_BCE_fused_equals_literal_on_moderate_logits(z, y):
    """P-LOSS-SIGMOID-BCE: the fused value equals bce(σ(z), y) on moderate logits. The literal
    form computes ln(1 − σ(z)) from a rounded σ(z), a relative error of about ε·e^{abs(z)}
    (3e-10 at abs(z) = 15), so the comparison at rtol 1e-10 stops at abs(z) = 10
    (catalogue §1.8)."""
    jt.assert_close(
        jd.sigmoid_binary_cross_entropy(z, y), jd.binary_cross_entropy(jd.sigmoid(z), y)
    )


@given(jt.finite_floats(-30.0, 30.0), st.sampled_from([0, 1]))
def test_P_LOSS_SIGMOID_BCE_equals_two_class_softmax(z, label):
    """P-LOSS-SIGMOID-BCE: BCE(σ(z), y) = softmax-CCE of logits [0, z] with label onehot(y)."""
    value = jd.sigmoid_binary_cross_entropy(jnp.array([z]), jnp.array([float(label)]))
    jt.assert_close(value, jd.softmax_cross_entropy(jnp.array([0.0, z]), jnp.eye(2)[label]))


@pytest.mark.parametrize("z", [1e3, -1e3])
def test_P_LOSS_SIGMOID_BCE_extreme_logits_finite(z):
    """P-LOSS-SIGMOID-BCE: z = ±1e3 gives finite values and gradients equal to AD."""
    for y in (0.0, 1.0):
        zz, yy = jnp.array([z]), jnp.array([y])
        assert np.isfinite(float(jd.sigmoid_binary_cross_entropy(zz, yy)))
        jt.assert_gradient_matches_autodiff(
            jd.sigmoid_binary_cross_entropy, jd.sigmoid_binary_cross_entropy_gradient, zz, yy
        )


# --- squared errors -----------------------------------------------------------------------


@given(jt.vectors(), st.data())
def test_P_LOSS_SE_gradient_and_nonnegativity(y_hat, data):
    """P-LOSS-SE: SE = Σ(y − ŷ)² ≥ 0, = 0 iff ŷ = y; ∇_ŷ SE = 2(ŷ − y) equals AD."""
    y = data.draw(jt.vectors(size=y_hat.size))
    jt.assert_gradient_matches_autodiff(jd.squared_error, jd.squared_error_gradient, y_hat, y)
    value = float(jd.squared_error(y_hat, y))
    assert value >= 0
    assert float(jd.squared_error(y, y)) == 0.0
    if np.max(np.abs(y - y_hat)) > 1e-150:  # a smaller difference squares to 0 in float64
        assert value > 0


def test_E50_squared_error_sums_per_sample_differences():
    """E-50: SE pairs each prediction with its own target (sample index restored)."""
    jt.assert_close(jd.squared_error(jnp.array([1.0, 2.0]), jnp.array([0.0, 4.0])), 5.0)


@given(jt.vectors(), st.data())
def test_P_LOSS_MSE_HALF_gradient_and_half_mse(y_hat, data):
    """P-LOSS-MSE-HALF: C = (1/(2m))Σ(y − ŷ)², ∂C/∂ŷ = (ŷ − y)/m equals AD; C = MSE/2."""
    from sklearn.metrics import mean_squared_error

    y = data.draw(jt.vectors(size=y_hat.size))
    jt.assert_gradient_matches_autodiff(
        jd.half_mean_squared_error, jd.half_mean_squared_error_gradient, y_hat, y
    )
    jt.assert_close(jd.half_mean_squared_error(y_hat, y), 0.5 * mean_squared_error(y, y_hat))


# --- batches ------------------------------------------------------------------------------


LOSSES = [
    jd.categorical_cross_entropy,
    jd.softmax_cross_entropy,
    jd.binary_cross_entropy,
    jd.sigmoid_binary_cross_entropy,
    jd.squared_error,
    jd.half_mean_squared_error,
]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
@given(P=jt.probabilities(size=(4, 3)), T=jt.probabilities(size=(4, 3)))
def test_P_MAT_ROWVEC_losses_reduce_each_row(loss, P, T):
    """P-MAT-ROWVEC: a batch (n, m) gives the (n,) per-row losses."""
    out = np.asarray(loss(P, T))
    assert out.shape == (4,)
    for i in range(4):
        jt.assert_close(out[i], loss(P[i], T[i]))
