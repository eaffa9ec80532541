"""Every activation, derivative, Jacobian, loss and loss gradient against the 50-digit mpmath
oracle of ``jaxdnn.catalogue.oracle`` (within 8 ulps wherever the exact value is a normal float64),
the oracle's power to fail, and least squares and ridge against exact solutions of
ill-conditioned polynomial designs."""

import warnings

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

import jaxdnn as jd
from jaxdnn.catalogue import oracle

EPS = np.finfo(np.float64).eps


@pytest.mark.parametrize(
    ("id_", "function"), [(i, name) for i, name, _ in oracle.ORACLES], ids=lambda v: v
)
def test_function_is_within_a_few_ulps_of_the_exact_value(id_, function):
    """The function at its oracle points (3,443 from ±1e-300 to ±1e300 for the element-wise
    ones): every value within 8 ulps of the exact one where that is a normal float64, the
    right 0 or infinity beyond."""
    (accuracy,) = oracle.measure(id_, function)
    assert accuracy.points >= 624
    assert accuracy.passed, "\n".join(accuracy.failures[:10])


def test_the_audit_values_are_exact():
    """The saturated values where the textbook forms return 0 or lose digits."""
    assert float(jd.sigmoid_derivative(40.0)) == pytest.approx(4.248354255291589e-18, rel=4 * EPS)
    assert float(jd.tanh_derivative(19.0)) == pytest.approx(1.2556531168192112e-16, rel=4 * EPS)
    J = jd.softmax_jacobian(jnp.array([40.0, 0.0, 0.0]))
    assert float(J[0, 0]) == pytest.approx(8.496708510583178e-18, rel=4 * EPS)
    g = jd.sigmoid_binary_cross_entropy_gradient(jnp.array([40.0]), jnp.array([1.0]))
    assert float(g[0]) == pytest.approx(-4.248354255291589e-18, rel=4 * EPS)
    loss = jd.softmax_cross_entropy(jnp.array([40.0, 0.0, 0.0]), jnp.array([1.0, 0.0, 0.0]))
    assert float(loss) == pytest.approx(8.496708510583178e-18, rel=4 * EPS)
    edge = jnp.array([1.0, 0.0])
    np.testing.assert_array_equal(jd.binary_cross_entropy_gradient(edge, edge), [-1.0, 1.0])


def test_the_oracle_fails_the_textbook_forms():
    """σ(1 − σ), 1 − tanh² and σ(z) − y, each as good as autodiff, are beyond 8 ulps in the
    saturated tails: the oracle can fail."""
    sigmoid = jd.sigmoid
    textbook = {
        "sigmoid_derivative": jax.jit(lambda z: sigmoid(z) * (1 - sigmoid(z))),
        "tanh_derivative": jax.jit(lambda z: 1 - jnp.tanh(z) ** 2),
        "sigmoid_binary_cross_entropy_gradient": jax.jit(lambda z, y: sigmoid(z) - y),
        "softmax_cross_entropy_gradient": jax.jit(lambda z, y: jd.softmax(z) - y),
    }
    for name, form in textbook.items():
        accuracy = oracle.compare(name, form)
        assert len(accuracy.failures) > 40, name
    with pytest.raises(ValueError, match="function must name one of the oracles"):
        oracle.compare("sigmoid_prime", jd.sigmoid_derivative)


def test_the_oracle_fails_a_softmax_that_overflows_a_wrong_shape_and_nan():
    """exp(z)/Σexp(z) is accurate until e^z overflows, which the rows with t ≥ 709 reach; a
    result of shape (n, 1) for (n,) fails instead of passing flattened; a NaN makes the worst
    error infinite instead of hiding from the maximum."""
    naive = jax.jit(lambda z: jnp.exp(z) / jnp.exp(z).sum(axis=-1, keepdims=True))
    accuracy = oracle.compare("softmax", naive)
    assert not accuracy.passed
    assert any(f.startswith("softmax([710.0, 0.0, -355.0])") for f in accuracy.failures)
    assert all(float(f.split("[")[1].split(",")[0]) >= 709 for f in accuracy.failures)
    column = oracle.compare("sigmoid", lambda z: jd.sigmoid(z)[:, None])
    assert column.failures == ("sigmoid((3443,)) returned shape (3443, 1), jaxdnn's (3443,)",)
    assert not column.passed
    nan = oracle.compare("sigmoid", lambda z: jnp.where(z == 1.0, jnp.nan, jd.sigmoid(z)))
    assert nan.failures  # 1.0 is twice among the points (10⁰, and the first of the tails)
    assert set(nan.failures) == {"<lambda>(1.0) = nan, exact 0.73105857863000488"}
    assert nan.worst_ulps == np.inf


# --- least squares and ridge ----------------------------------------------------------------------

X_POINTS = np.linspace(0.0, 1.0, 40)


def _exact_least_squares(X: np.ndarray, y: np.ndarray, lam: float = 0.0) -> np.ndarray:
    """(XᵀX + λI)⁻¹Xᵀy of the float64 data, in 80-digit arithmetic (κ(X)² ≤ 1e26 leaves 54)."""
    with mpmath.workdps(80):
        A, b = mpmath.matrix(X.tolist()), mpmath.matrix(y.tolist())
        gram = A.T * A + lam * mpmath.eye(X.shape[1])
        return np.array([float(v) for v in mpmath.lu_solve(gram, A.T * b)], dtype=np.float64)


def _condition_bound(X: np.ndarray, y: np.ndarray, beta: np.ndarray, kappa: float) -> float:
    """The first-order bound on the relative error of a backward-stable least-squares solver:
    ε·(2κ/cos θ + κ²·tan θ), sin θ = ‖y − Xβ‖/‖y‖ (the problem's own sensitivity)."""
    sin = np.linalg.norm(y - X @ beta) / np.linalg.norm(y)
    cos = np.sqrt(1 - sin**2)
    return EPS * (2 * kappa / cos + kappa**2 * sin / cos)


@pytest.mark.parametrize("degree", [5, 11, 17])
@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_least_squares_is_as_accurate_as_the_problem_allows(degree, noise):
    """Polynomial designs on 40 points of [0, 1], κ(X) from 3e3 to 5.7e12 (full rank): the
    default QR solver is within the problem's condition bound of the exact solution, and within
    κ(X)·ε for data without noise; the normal equations warn once κ(X)²ε > √ε."""
    rng = np.random.default_rng(degree)
    X = np.asarray(jd.polynomial_features(X_POINTS, degree))
    singular = np.linalg.svd(X, compute_uv=False)
    kappa = singular[0] / singular[-1]
    y = X @ rng.normal(size=degree + 1) + noise * rng.normal(size=len(X_POINTS))
    exact = _exact_least_squares(X, y)
    error = np.linalg.norm(np.asarray(jd.least_squares(X, y)) - exact) / np.linalg.norm(exact)
    assert error <= _condition_bound(X, y, exact, kappa)
    if noise == 0.0:
        assert error <= kappa * EPS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jd.least_squares(X, y, method="normal")
    assert bool(caught) == (kappa**2 * EPS > np.sqrt(EPS))


def test_the_normal_equations_lose_what_qr_keeps():
    """Degree 11 on 40 points of [0, 1] (κ(X) = 1.2e8): the normal equations are off by 1e-2
    (and say so), QR by less than 1e-8."""
    X = np.asarray(jd.polynomial_features(X_POINTS, 11))
    y = X @ np.random.default_rng(0).normal(size=12)
    exact = _exact_least_squares(X, y)

    def error(beta):
        return np.linalg.norm(np.asarray(beta) - exact) / np.linalg.norm(exact)

    with pytest.warns(RuntimeWarning, match=r"κ\(X\) = 1.18e\+08.*method='qr'"):
        normal = jd.least_squares(X, y, method="normal")
    assert error(normal) > 1e-3
    assert error(jd.least_squares(X, y)) < 1e-8


@pytest.mark.parametrize("lam", [1e-12, 1e-6, 1.0])
def test_ridge_is_as_accurate_as_the_problem_allows(lam):
    """Degree 17 (κ(X) = 5.7e12), every coefficient penalised: within the condition bound of the
    penalised problem (κ of X stacked on √λ·I) of the exact (XᵀX + λI)⁻¹Xᵀy."""
    X = np.asarray(jd.polynomial_features(X_POINTS, 17))
    y = np.sin(6 * X_POINTS)
    exact = _exact_least_squares(X, y, lam)
    singular = np.linalg.svd(X, compute_uv=False)
    kappa = np.sqrt((singular[0] ** 2 + lam) / (singular[-1] ** 2 + lam))
    augmented = np.vstack([X, np.sqrt(lam) * np.eye(18)])
    padded = np.concatenate([y, np.zeros(18)])
    error = np.linalg.norm(np.asarray(jd.ridge(X, y, lam)) - exact) / np.linalg.norm(exact)
    assert error <= _condition_bound(augmented, padded, exact, kappa)
