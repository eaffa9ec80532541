"""Least squares, polynomial capacity, ridge (catalogue §2.M: P-CAP-*; P-OPT-GLOBAL-MIN and
P-OPT-STATIONARY at the closed-form solutions; erratum E-49)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression, Ridge

import jaxdnn as jd
import jaxdnn.testing as jt

N, P = 12, 4


def design(seed, n=N, p=P):
    """A well-conditioned random design (standard normal entries, full column rank)."""
    return np.asarray(jax.random.normal(jax.random.PRNGKey(seed), (n, p)))


seeds = st.integers(0, 2**31 - 1)
targets = jt.vectors(size=N, bound=5.0)
lambdas = st.one_of(st.sampled_from([0.0, 1e-3, 1.0]), jt.finite_floats(1e-6, 1e3))


def test_P_CAP_POLY_FEATURES_E49_powers():
    """P-CAP-POLY-FEATURES, E-49: φ₂(2) = [1, 2, 4] (powers, not indices); 0⁰ = 1; equals
    np.vander(x, d + 1, increasing=True); bad degrees are rejected by name."""
    np.testing.assert_array_equal(jd.polynomial_features(2.0, 2), [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(jd.polynomial_features(0.0, 2), [1.0, 0.0, 0.0])
    x = np.array([-1.5, 0.0, 0.5, 2.0])
    for degree in (0, 1, 5):
        jt.assert_close(
            jd.polynomial_features(x, degree), np.vander(x, degree + 1, increasing=True)
        )
    for degree in (-1, 2.0, True):
        with pytest.raises(ValueError, match="degree"):
            jd.polynomial_features(x, degree)


@given(jt.vectors(size=P), jt.vectors(size=(3, P)))
def test_P_CAP_LINEAR_MODEL_is_a_one_output_dense_layer(theta, X):
    """P-CAP-LINEAR-MODEL: f_θ(x) = θ·x equals dense(x, θ[None, :], 0)[0], row-wise."""
    expected = jd.dense(X, theta[None, :], jnp.zeros(1))[:, 0]
    jt.assert_close(jd.linear_model(theta, X), expected)
    jt.assert_close(jd.linear_model(theta, X[0]), expected[0])


@settings(max_examples=50)
@given(seeds, targets)
def test_P_CAP_LSQ_equals_numpy_and_sklearn(seed, y):
    """P-CAP-LSQ: the normal-equations solution equals numpy.linalg.lstsq and
    LinearRegression(fit_intercept=False); the normal equations Xᵀ(Xβ − y) = 0 hold; the
    minimum-norm option agrees on full-rank problems."""
    X = design(seed)
    beta = jd.least_squares(X, y)
    jt.assert_close(beta, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-9)
    jt.assert_close(beta, LinearRegression(fit_intercept=False).fit(X, y).coef_, rtol=1e-9)
    np.testing.assert_allclose(X.T @ (X @ beta - y), 0.0, atol=1e-10 * (1 + np.abs(y).max()))
    jt.assert_close(jd.least_squares(X, y, method="lstsq"), beta, rtol=1e-9)


@given(seeds, jt.vectors(size=P, bound=3.0))
def test_P_CAP_LSQ_recovers_noiseless_coefficients(seed, beta0):
    """P-CAP-LSQ: on y = X·β₀ the solution is β₀."""
    X = design(seed)
    jt.assert_close(jd.least_squares(X, X @ beta0), beta0, rtol=1e-9, atol=1e-10)


@settings(max_examples=30)
@given(seeds, targets, jt.vectors(size=P, bound=1.0))
def test_P_OPT_GLOBAL_MIN_and_STATIONARY_at_least_squares(seed, y, direction):
    """P-OPT-GLOBAL-MIN: the least-squares β beats every perturbed β; P-OPT-STATIONARY: the
    gradient of ‖Xβ − y‖² vanishes there (and that of the ridge objective at β_λ)."""
    X = design(seed)
    beta = jd.least_squares(X, y)

    def sse(b):
        return jnp.sum((X @ b - y) ** 2)

    assert sse(beta) <= sse(beta + direction) + 1e-12 * (1 + sse(beta))
    np.testing.assert_allclose(jax.grad(sse)(beta), 0.0, atol=1e-9 * (1 + np.abs(y).max()))
    Xi = np.column_stack([np.ones(N), X])
    beta_lam = jd.ridge(Xi, y, 0.5)

    def penalised(b):
        return jnp.sum((Xi @ b - y) ** 2) + 0.5 * jnp.sum(b[1:] ** 2)

    np.testing.assert_allclose(
        jax.grad(penalised)(beta_lam), 0.0, atol=1e-9 * (1 + np.abs(y).max())
    )


def test_P_CAP_LSQ_rank_deficient_design():
    """P-CAP-LSQ, decision 10: a repeated column makes XᵀX singular: a ValueError naming X with
    the remedies; method="lstsq" gives the minimum-norm solution; ridge with λ > 0 solves it."""
    X = design(3)
    X = np.column_stack([X, X[:, 0]])
    y = X @ np.array([1.0, 2.0, 3.0, 4.0, 0.0])
    with pytest.raises(ValueError, match=r"X \(12, 5\) has rank 4 < 5.*ridge.*lstsq"):
        jd.least_squares(X, y)
    minimum_norm = jd.least_squares(X, y, method="lstsq")
    jt.assert_close(minimum_norm, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-8)
    jt.assert_close(
        minimum_norm[np.array([0, 4])], [0.5, 0.5], rtol=1e-8
    )  # the weight 1 split evenly
    assert np.all(np.isfinite(jd.ridge(X, y, 1e-3, penalize_intercept=True)))
    with pytest.raises(ValueError, match="method"):
        jd.least_squares(X, y, method="inverse")
    with pytest.raises(ValueError, match="y must have shape"):
        jd.least_squares(X, y[:-1])


@settings(max_examples=50)
@given(seeds, targets, lambdas)
def test_P_CAP_RIDGE_equals_sklearn(seed, y, lam):
    """P-CAP-RIDGE, decision 9: with the intercept column unpenalised, β_λ equals
    [intercept_, *coef_] of sklearn Ridge(alpha=λ, fit_intercept=True) on the other columns;
    with every coefficient penalised, Ridge(alpha=λ, fit_intercept=False) on all columns."""
    X = design(seed)
    Xi = np.column_stack([np.ones(N), X])
    ours = jd.ridge(Xi, y, lam)
    theirs = Ridge(alpha=lam, fit_intercept=True, solver="cholesky").fit(X, y)
    jt.assert_close(
        ours, np.concatenate([[theirs.intercept_], theirs.coef_]), rtol=1e-8, atol=1e-10
    )
    all_penalised = jd.ridge(X, y, lam, penalize_intercept=True)
    theirs = Ridge(alpha=lam, fit_intercept=False, solver="cholesky").fit(X, y)
    jt.assert_close(all_penalised, theirs.coef_, rtol=1e-8, atol=1e-10)


@given(seeds, targets)
def test_P_CAP_RIDGE_limits_and_shrinkage(seed, y):
    """P-CAP-RIDGE: λ = 0 is least squares; ‖β_λ‖ is non-increasing in λ; β_λ → 0 as λ → ∞."""
    X = design(seed)
    jt.assert_close(jd.ridge(X, y, 0.0, penalize_intercept=True), jd.least_squares(X, y), rtol=1e-9)
    norms = [
        float(jnp.linalg.norm(jd.ridge(X, y, lam, penalize_intercept=True)))
        for lam in (0.0, 0.1, 1.0, 10.0, 100.0, 1e12)
    ]
    assert all(a >= b * (1 - 1e-12) for a, b in zip(norms, norms[1:], strict=False))
    assert norms[-1] < 1e-9 * (1 + norms[0])


def test_P_CAP_RIDGE_bad_arguments():
    """P-CAP-RIDGE: a negative or non-finite λ, and a first column that is not the intercept
    column while penalize_intercept=False, are ValueErrors naming the argument."""
    X, y = design(1), np.zeros(N)
    for lam in (-1.0, float("inf")):
        with pytest.raises(ValueError, match="lam"):
            jd.ridge(np.column_stack([np.ones(N), X]), y, lam)
    with pytest.raises(ValueError, match=r"X\[:, 0\] must be the intercept column"):
        jd.ridge(X, y, 1.0)


def test_P_CAP_POLY_FIT_recovers_a_quadratic():
    """P-CAP-POLY-FIT: least squares on φ₂(x) of noiseless quadratic data recovers the
    coefficients (1e−8)."""
    x = np.linspace(-2, 2, 9)
    coefficients = np.array([0.5, -1.0, 2.0])
    y = np.polynomial.polynomial.polyval(x, coefficients)
    beta = jd.least_squares(jd.polynomial_features(x, 2), y)
    np.testing.assert_allclose(beta, coefficients, rtol=1e-8, atol=1e-8)


@settings(max_examples=30)
@given(jt.vectors(size=15, bound=1.0), jt.vectors(size=15, bound=3.0))
def test_P_CAP_POLY_FIT_training_rmse_non_increasing_in_degree(noise, y):
    """P-CAP-POLY-FIT: nested feature sets: the training RMSE of degree d + 1 is at most that of
    degree d (+1e−10), for degrees 0…8 on 15 distinct points."""
    x = np.linspace(-1, 1, 15) + 0.01 * noise
    rmses = []
    for degree in range(9):
        Phi = jd.polynomial_features(x, degree)
        beta = jd.least_squares(Phi, y, method="lstsq")
        rmses.append(float(jd.unseen_rmse(lambda X, b=beta: X @ b, Phi, y)))
    assert all(b <= a + 1e-10 for a, b in zip(rmses, rmses[1:], strict=False))


@given(jt.vectors(size=P), jt.vectors(size=(6, P)), jt.vectors(size=6))
def test_P_CAP_RMSE_UNSEEN_equals_rmse_of_predictions(theta, X, y):
    """P-CAP-RMSE-UNSEEN: E(f, D, U) = rmse(y_U, f(X_U)); an empty U is rejected."""
    f = lambda X: jd.linear_model(theta, X)  # noqa: E731
    jt.assert_close(jd.unseen_rmse(f, X, y), jd.rmse(y, f(X)))
    with pytest.raises(ValueError, match="X_unseen"):
        jd.unseen_rmse(f, X[:0], y[:0])


def test_P_CAP_VALIDATION_selection_by_validation_error():
    """P-CAP-VALIDATION: the degree with the smallest validation RMSE is chosen; the fitted β
    uses training rows only (changing the validation targets leaves every fit unchanged)."""
    key_x, key_noise = jax.random.split(jax.random.PRNGKey(0))
    x = np.asarray(jax.random.uniform(key_x, (40,), minval=-1, maxval=1))
    y = np.sin(3 * x) + 0.1 * np.asarray(jax.random.normal(key_noise, (40,)))
    train, val = slice(0, 25), slice(25, 40)

    def fit(degree):
        return jd.least_squares(jd.polynomial_features(x[train], degree), y[train])

    def score_on(targets):
        def score(beta):
            degree = beta.shape[0] - 1
            return jd.unseen_rmse(
                lambda X: X @ beta, jd.polynomial_features(x[val], degree), targets
            )

        return score

    degrees = list(range(8))
    best, beta, scores = jd.select_by_validation(degrees, fit, score_on(y[val]))
    assert best == degrees[int(np.argmin(scores))]
    assert scores[best] == min(scores)
    assert min(scores) < scores[1]  # a straight line under-fits sin(3x)
    shuffled = jd.select_by_validation(degrees, fit, score_on(y[val][::-1]))
    jt.assert_close(jd.least_squares(jd.polynomial_features(x[train], best), y[train]), beta)
    assert shuffled[2] != scores
    with pytest.raises(ValueError, match="candidates"):
        jd.select_by_validation([], fit, score_on(y[val]))
