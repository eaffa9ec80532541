"""Least squares and ridge as functions: a rank-deficient design (decision 10), and the
arguments they, polynomial_features, unseen_rmse and select_by_validation refuse. (Their
mathematics is the catalogue's P-CAP-… entries.)"""

import jax
import numpy as np
import pytest
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt

N, P = 12, 4


def design(seed, n=N, p=P):
    """A well-conditioned random design (standard normal entries, full column rank)."""
    return np.asarray(jax.random.normal(jax.random.PRNGKey(seed), (n, p)))


seeds = st.integers(0, 2**31 - 1)
targets = jt.vectors(size=N, bound=5.0)
lambdas = st.one_of(st.sampled_from([0.0, 1e-3, 1.0]), jt.finite_floats(1e-6, 1e3))


def test_least_squares_of_a_rank_deficient_design():
    """Decision 10: a repeated column makes XᵀX singular: a ValueError naming X with
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
    assert np.all(np.isfinite(jd.ridge(X, y, 1e-3)))
    with pytest.raises(ValueError, match=r"rank 4 < 5"):  # λ = 0 is least squares
        jd.ridge(X, y, 0.0)
    with pytest.raises(ValueError, match="method"):
        jd.least_squares(X, y, method="inverse")
    with pytest.raises(ValueError, match="y must have shape"):
        jd.least_squares(X, y[:-1])


def test_ridge_rejects_bad_arguments():
    """A negative or non-finite λ, and a first column that is not the intercept
    column while penalize_intercept=False, are ValueErrors naming the argument."""
    X, y = design(1), np.zeros(N)
    for lam in (-1.0, float("inf")):
        with pytest.raises(ValueError, match="lam"):
            jd.ridge(np.column_stack([np.ones(N), X]), y, lam)
    with pytest.raises(ValueError, match=r"X\[:, 0\] must be the intercept column"):
        jd.ridge(X, y, 1.0, penalize_intercept=False)


def test_bad_degrees_empty_unseen_data_and_no_candidates_are_refused():
    """polynomial_features refuses a negative, float or boolean degree; unseen_rmse an empty U;
    select_by_validation an empty list of candidates; each error names the argument."""
    x = np.array([-1.5, 0.0, 0.5, 2.0])
    for degree in (-1, 2.0, True):
        with pytest.raises(ValueError, match="degree"):
            jd.polynomial_features(x, degree)
    X = np.ones((6, P))
    with pytest.raises(ValueError, match="X_unseen"):
        jd.unseen_rmse(lambda X: X[:, 0], X[:0], np.zeros(0))
    with pytest.raises(ValueError, match="candidates"):
        jd.select_by_validation([], lambda c: c, lambda b: 0.0)
