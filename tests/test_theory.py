"""The smoothness constants of logistic and softmax regression, and the arguments the theory
helpers refuse. (The propositions of optimisation theory are the catalogue's P-OPT-… entries.)"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt

M = 3
TOL = 1e-12
points = jt.vectors(size=M, bound=5.0)


def quadratic_grad(x, A, c):
    return (x - c) @ A


@settings(max_examples=30)
@given(st.integers(0, 2**31 - 1), st.sampled_from(["mean", "sum"]), points)
def test_smoothness_bounds_of_logistic_and_softmax_regression(seed, reduction, beta):
    """¼λ_max(XᵀX) (logistic) and ½λ_max(XᵀX) (softmax regression), /n for
    the mean, bound the largest Hessian eigenvalue at drawn points."""
    X = jax.random.normal(jax.random.PRNGKey(seed), (10, M))
    y = (X[:, 0] > 0).astype(jnp.float64)
    n = 10 if reduction == "mean" else 1

    def logistic(b):
        return jnp.sum(jd.sigmoid_binary_cross_entropy(X @ b, y)) / n

    top = np.linalg.eigvalsh(np.asarray(jax.hessian(logistic)(jnp.asarray(beta))))[-1]
    assert top <= float(jd.logistic_smoothness(X, reduction)) * (1 + TOL)
    Y = jnp.eye(3)[jnp.arange(10) % 3]
    W = jnp.asarray(np.resize(beta, (3, M)))

    def softmax_regression(w):
        return jnp.sum(jd.softmax_cross_entropy(X @ w.reshape(3, M).T, Y)) / n

    hessian = jax.hessian(softmax_regression)(W.ravel())
    top = np.linalg.eigvalsh(np.asarray(hessian))[-1]
    assert top <= float(jd.softmax_regression_smoothness(X, reduction)) * (1 + TOL)


def test_gd_trajectory_rejects_bad_arguments():
    """α ≤ 0, a NaN α and n_steps < 0 are errors naming the argument."""
    A, c = jnp.eye(M), jnp.array([1.0, 2.0, 3.0])
    for lr in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="lr"):
            jd.gd_trajectory(quadratic_grad, c, lr, 5, args=(A, c))
    with pytest.raises(ValueError, match="n_steps"):
        jd.gd_trajectory(quadratic_grad, c, 0.1, -1, args=(A, c))


def test_gd_rate_constant_and_bound_reject_bad_arguments():
    """C = α − Lα²/2 at α = ½, L = 1 is 0.375; α ≥ 2/L (C ≤ 0), L ≤ 0 and n < 1 are errors naming
    the argument; x^(0) = x* gives the bound 0."""
    assert jd.gd_rate_constant(0.5, 1.0) == 0.375
    for lr in (2.0, 3.0, 0.0):
        with pytest.raises(ValueError, match="lr"):
            jd.gd_rate_constant(lr, 1.0)
    with pytest.raises(ValueError, match="L"):
        jd.gd_rate_constant(0.1, 0.0)
    np.testing.assert_array_equal(jd.gd_rate_bound(np.ones(2), np.ones(2), 0.5, 1.0, [1, 5]), 0.0)
    with pytest.raises(ValueError, match="n"):
        jd.gd_rate_bound(np.ones(2), np.zeros(2), 0.5, 1.0, 0)
