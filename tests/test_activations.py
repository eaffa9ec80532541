"""Activations and their Jacobians (catalogue §2.C, P-DIFF-RELU-ASSUMPTION, errata E-10, E-11,
E-41, E-43, E-46)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt

TINY = float(np.finfo(np.float64).tiny)  # smallest normal float64; subnormals are flushed by XLA

ELEMENTWISE = [
    (jd.relu, jd.relu_derivative, jd.relu_jacobian),
    (jd.sigmoid, jd.sigmoid_derivative, jd.sigmoid_jacobian),
    (jd.tanh, jd.tanh_derivative, jd.tanh_jacobian),
    (jd.identity, jd.identity_derivative, jd.identity_jacobian),
]
ELEMENTWISE_IDS = ["relu", "sigmoid", "tanh", "identity"]


# --- ReLU ---------------------------------------------------------------------------------


@given(jt.vectors())
def test_P_ACT_RELU_values_and_identities(z):
    """P-ACT-RELU: ReLU(z) = max(0, z) coordinate-wise; idempotent; relu(z) − relu(−z) = z."""
    r = np.asarray(jd.relu(z))
    np.testing.assert_array_equal(r, np.maximum(z, 0.0))
    np.testing.assert_array_equal(np.asarray(jd.relu(r)), r)
    np.testing.assert_array_equal(r - np.asarray(jd.relu(-z)), z)


@given(jt.vectors(size=6), jt.vectors(size=6))
def test_P_ACT_RELU_E11_relu_is_1_lipschitz(a, b):
    """E-11: ReLU is continuous (1-Lipschitz), not "discontinuous" as the primer says."""
    assert np.all(np.abs(np.asarray(jd.relu(a)) - np.asarray(jd.relu(b))) <= np.abs(a - b))


@given(jt.vectors())
def test_P_ACT_RELU_JAC_matches_autodiff_exactly(z):
    """P-ACT-RELU-JAC: J_ReLU(z) = diag(𝟙[z > 0]) exactly, exact zeros included (Assumption 1)."""
    J = np.asarray(jd.relu_jacobian(z))
    np.testing.assert_array_equal(J, np.diag((z > 0).astype(np.float64)))
    np.testing.assert_array_equal(J, np.asarray(jax.jacfwd(jd.relu)(z)))
    np.testing.assert_array_equal(J, np.asarray(jax.jacrev(jd.relu)(z)))
    np.testing.assert_array_equal(J[~np.eye(z.size, dtype=bool)], 0.0)


def test_P_ACT_RELU_JAC_edge_cases():
    """P-ACT-RELU-JAC: z_j = 0 gives 0 on the diagonal; all-negative z gives the zero matrix."""
    z = jnp.array([0.0, -0.0, 1.0, -2.0])
    np.testing.assert_array_equal(jd.relu_jacobian(z), np.diag([0.0, 0.0, 1.0, 0.0]))
    np.testing.assert_array_equal(jd.relu_jacobian(-jnp.ones(3)), np.zeros((3, 3)))


def _derivative_at(relu_fn, x):
    return float(jax.grad(relu_fn)(jnp.float64(x)))


def test_P_DIFF_RELU_ASSUMPTION_derivative_at_zero_is_zero():
    """P-DIFF-RELU-ASSUMPTION: jax.grad(relu) is 0 at 0.0 and −0.0, 1 at tiny, 0 at −tiny."""
    assert _derivative_at(jd.relu, 0.0) == 0.0
    assert _derivative_at(jd.relu, -0.0) == 0.0
    assert _derivative_at(jd.relu, TINY) == 1.0
    assert _derivative_at(jd.relu, -TINY) == 0.0
    np.testing.assert_array_equal(
        jd.relu_derivative(jnp.array([0.0, -0.0, TINY, -TINY])), [0.0, 0.0, 1.0, 0.0]
    )


def test_P_DIFF_RELU_ASSUMPTION_E43_guard_rejects_maximum_based_relu():
    """E-43: the check above fails for a jnp.maximum-based ReLU (derivative 0.5 at 0), so it
    guards against that implementation."""
    assert _derivative_at(lambda z: jnp.maximum(0.0, z), 0.0) == 0.5
    assert _derivative_at(lambda z: jnp.maximum(0.0, z), 0.0) != _derivative_at(jd.relu, 0.0)


@given(jt.integer_valued_vectors(size=4), st.data())
def test_P_DIFF_RELU_ASSUMPTION_composites_reproduce_zero_at_ties(y, data):
    """P-DIFF-RELU-ASSUMPTION: dense + ReLU with integer data (exact-zero pre-activations):
    autodiff returns ReLU′ = 0 at every tie."""
    W = data.draw(jt.integer_valued_vectors(size=(3, 4)))
    b = data.draw(jt.integer_valued_vectors(size=3))
    z = np.asarray(jd.dense(y, W, b))
    J = np.asarray(jax.jacfwd(lambda y_: jd.relu(jd.dense(y_, W, b)))(y))
    np.testing.assert_array_equal(J, (z > 0).astype(np.float64)[:, None] * W)
    np.testing.assert_array_equal(
        J, np.asarray(jax.jacrev(lambda y_: jd.relu(jd.dense(y_, W, b)))(y))
    )


def test_E10_relu_derivative_is_one_not_z():
    """E-10: ReLU′(2) = 1; the primer's rule (z for z > 0) would give 2."""
    z = jnp.array([2.0, 0.5, -1.0])
    printed = jnp.where(z > 0, z, 0.0)
    np.testing.assert_array_equal(jd.relu_derivative(z), [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(jax.vmap(jax.grad(jd.relu))(z), jd.relu_derivative(z))
    assert not np.array_equal(printed, jd.relu_derivative(z))


def test_E46_relu_gradient_does_not_vanish_near_zero():
    """E-46: the ReLU gradient is exactly 1 for any positive input, 0 for negative ones."""
    assert _derivative_at(jd.relu, 1e-12) == 1.0
    assert _derivative_at(jd.relu, -1e-12) == 0.0


# --- softmax ------------------------------------------------------------------------------


@given(jt.logits())
def test_P_ACT_SOFTMAX_codomain_and_invariances(z):
    """P-ACT-SOFTMAX: entries in ]0,1[, sum 1, shift invariant, order preserving, = jax.nn."""
    s = np.asarray(jd.softmax(z))
    assert np.all((s > 0) & (s < 1)) or z.size == 1
    jt.assert_close(s.sum(), 1.0)
    jt.assert_close(jd.softmax(z + 3.5), s)
    jt.assert_close(s, jax.nn.softmax(z))
    order = np.argsort(z, kind="stable")
    assert np.all(np.diff(s[order]) >= 0)


def test_P_ACT_SOFTMAX_edge_cases():
    """P-ACT-SOFTMAX: m = 1 gives [1.0]; no overflow at z = [1000, 0, −1000]."""
    np.testing.assert_array_equal(jd.softmax(jnp.array([3.0])), [1.0])
    s = np.asarray(jd.softmax(jnp.array([1000.0, 0.0, -1000.0])))
    assert np.all(np.isfinite(s))
    jt.assert_close(s, [1.0, np.exp(-1000.0), 0.0])


@given(jt.logits())
def test_P_ACT_SOFTMAX_JAC_matches_autodiff(z):
    """P-ACT-SOFTMAX-JAC: J_S = S_i(δ_ij − S_j) equals jacfwd/jacrev; symmetric; rows sum to 0;
    eigenvalues in [0, ½]."""
    jt.assert_jacobian_matches_autodiff(jd.softmax, jd.softmax_jacobian, z)
    J = np.asarray(jd.softmax_jacobian(z))
    np.testing.assert_array_equal(J, J.T)
    jt.assert_close(J.sum(axis=1), np.zeros(z.size))
    eig = np.linalg.eigvalsh(J)
    assert eig.min() >= -1e-12 and eig.max() <= 0.5 + 1e-12


def test_P_ACT_SOFTMAX_JAC_edge_cases():
    """P-ACT-SOFTMAX-JAC: m = 1 gives [[0]]; saturated logits give a finite matrix equal to AD."""
    np.testing.assert_array_equal(jd.softmax_jacobian(jnp.array([2.0])), [[0.0]])
    z = jnp.array([1000.0, 0.0, -1000.0])
    jt.assert_jacobian_matches_autodiff(jd.softmax, jd.softmax_jacobian, z)
    assert np.all(np.isfinite(jd.softmax_jacobian(z)))


# --- sigmoid, tanh, identity --------------------------------------------------------------


@given(jt.vectors())
def test_P_ACT_SIGMOID_values_symmetry_and_jacobian(z):
    """P-ACT-SIGMOID: equals jax.nn.sigmoid; σ(−z) = 1 − σ(z); J = diag(σ(1 − σ)) equals AD."""
    jt.assert_close(jd.sigmoid(z), 1 / (1 + np.exp(-z)))
    jt.assert_close(jd.sigmoid(-z), 1 - np.asarray(jd.sigmoid(z)))
    jt.assert_jacobian_matches_autodiff(jd.sigmoid, jd.sigmoid_jacobian, z)


def test_P_ACT_SIGMOID_edge_cases():
    """P-ACT-SIGMOID: σ′(0) = ¼; value and derivative finite at z = ±800."""
    assert float(jd.sigmoid_derivative(jnp.float64(0.0))) == 0.25
    z = jnp.array([-800.0, 800.0])
    assert np.all(np.isfinite(jd.sigmoid(z)))
    assert np.all(np.isfinite(jax.vmap(jax.grad(jd.sigmoid))(z)))
    jt.assert_jacobian_matches_autodiff(jd.sigmoid, jd.sigmoid_jacobian, z)


@given(jt.vectors(bound=30.0))
def test_P_ACT_TANH_jacobian_and_sigmoid_identity(z):
    """P-ACT-TANH: J = diag(1 − tanh²) equals AD (large abs(z) included); tanh(z) = 2σ(2z) − 1."""
    jt.assert_jacobian_matches_autodiff(jd.tanh, jd.tanh_jacobian, z)
    jt.assert_close(jd.tanh(z), 2 * np.asarray(jd.sigmoid(2 * z)) - 1)


@given(jt.vectors())
def test_P_ACT_LINEAR_identity_jacobian(z):
    """P-ACT-LINEAR: the identity activation has Jacobian I."""
    np.testing.assert_array_equal(jd.identity(z), z)
    jt.assert_jacobian_matches_autodiff(jd.identity, jd.identity_jacobian, z)
    np.testing.assert_array_equal(jd.identity_jacobian(z), np.eye(z.size))


@pytest.mark.parametrize(("phi", "dphi", "jac"), ELEMENTWISE, ids=ELEMENTWISE_IDS)
@given(z=jt.vectors())
def test_P_ACT_ELEMENTWISE_JAC_diagonal(phi, dphi, jac, z):
    """P-ACT-ELEMENTWISE-JAC: diag(φ′(z)) equals AD; off-diagonal entries exactly 0."""
    jt.assert_jacobian_matches_autodiff(phi, lambda x: jd.elementwise_jacobian(dphi, x), z)
    J = np.asarray(jax.jacfwd(phi)(z))
    np.testing.assert_array_equal(J[~np.eye(z.size, dtype=bool)], 0.0)
    np.testing.assert_array_equal(jac(z), jd.elementwise_jacobian(dphi, z))


def test_P_ACT_ELEMENTWISE_JAC_softmax_is_not_elementwise():
    """P-ACT-ELEMENTWISE-JAC (negative): softmax has non-zero off-diagonal Jacobian entries."""
    J = np.asarray(jax.jacfwd(jd.softmax)(jnp.array([0.1, -0.4, 2.0])))
    assert np.all(J[~np.eye(3, dtype=bool)] != 0.0)


# --- row-wise batching --------------------------------------------------------------------


@pytest.mark.parametrize(
    "activation",
    [jd.relu, jd.sigmoid, jd.tanh, jd.identity, jd.softmax],
    ids=["relu", "sigmoid", "tanh", "identity", "softmax"],
)
@given(X=jt.logits(size=(5, 3)))
def test_P_MAT_ROWVEC_E41_activations_act_row_wise(activation, X):
    """P-MAT-ROWVEC, E-41: a batch (n, m) is processed row by row, each output a row (m,)."""
    out = np.asarray(activation(X))
    assert out.shape == X.shape
    for i in range(X.shape[0]):
        np.testing.assert_array_equal(out[i], np.asarray(activation(X[i])))
