"""Closed forms against a 50-digit mpmath oracle across the whole float64 range.

"Equals autodiff" cannot see a closed form that loses digits where autodiff loses them too
(σ(1 − σ), 1 − tanh², S_i(1 − S_i) in the saturated tails). Here each value is compared with the
exact one, computed by mpmath from a cancellation-free form of the same mathematics: the relative
error must be at most ULPS·ε wherever the exact value is a normal float64.
"""

from collections.abc import Sequence

import mpmath
import numpy as np
import pytest

import jaxdnn as jd

mpmath.mp.dps = 50
EPS = np.finfo(np.float64).eps
ULPS = 8
TINY = np.finfo(np.float64).tiny


def _points() -> np.ndarray:
    """±10^k for k from −300 to 0 (301 points), ±t for t from 1 to 709 in steps of ½ (the
    saturated tails), 0, and beyond: 710, 745, 1e300."""
    magnitudes = np.concatenate([np.logspace(-300, 0, 301), np.arange(1.0, 709.5, 0.5)])
    edges = np.array([710.0, 745.0, 1e300])
    return np.concatenate([[0.0], magnitudes, -magnitudes, edges, -edges])


POINTS = _points()


def _sigmoid_derivative(z: float) -> mpmath.mpf:
    e = mpmath.exp(-abs(mpmath.mpf(z)))  # σ(z)σ(−z) = e^{−|z|}/(1 + e^{−|z|})², exactly
    return e / (1 + e) ** 2


def _tanh_derivative(z: float) -> mpmath.mpf:
    return mpmath.sech(mpmath.mpf(z)) ** 2


def _assert_accurate(actual: Sequence[float], exact: Sequence, where: Sequence) -> float:
    """Relative error ≤ ULPS·ε where the exact value is normal; below, |error| ≤ ULPS·TINY.
    ``where`` names each value in a failure. Returns the worst relative error over the normal
    values."""
    worst = 0.0
    for a, e, w in zip(actual, exact, where, strict=True):
        if abs(e) >= TINY:
            error = float(abs(mpmath.mpf(float(a)) - e) / abs(e))
            assert error <= ULPS * EPS, f"{w}: {a!r}, exact {mpmath.nstr(e, 17)}"
            worst = max(worst, error)
        else:
            assert abs(float(a)) <= ULPS * TINY, f"{w}: {a!r}, exact underflows"
    return worst


SCALES = np.concatenate([np.logspace(-300, 0, 31), np.arange(1.0, 709.0, 4.0)])
"""t of the softmax points z = (t, 0, −t/2): from 1e-300 to 705, the saturated range densely."""


@pytest.mark.parametrize(
    ("function", "oracle"),
    [(jd.sigmoid_derivative, _sigmoid_derivative), (jd.tanh_derivative, _tanh_derivative)],
    ids=["sigmoid_derivative", "tanh_derivative"],
)
def test_activation_derivatives_are_accurate_to_a_few_ulps_over_the_whole_range(function, oracle):
    """σ′ and tanh′ at 3,443 points from ±1e-300 to ±1e300: within 8 ulps of the exact value
    (σ′(40) = 4.248e-18 and tanh′(19) = 1.256e-16, where the textbook forms give 0 and 1.55e-15)."""
    actual = np.asarray(function(POINTS))
    where = [f"{function.__name__}({z!r})" for z in POINTS]
    _assert_accurate(actual, [oracle(z) for z in POINTS], where)
    assert actual[POINTS == 40.0][0] == pytest.approx(4.248354255291589e-18, rel=1e-15)


def test_softmax_jacobian_is_accurate_to_a_few_ulps_in_its_saturated_entries():
    """J_S(z) for z = (t, 0, −t/2), t from 1e-300 to 705: every entry within 8 ulps
    of the exact S_i(δ_ij − S_j), computed in mpmath as S_i·Σ_{j≠i}S_j on the diagonal."""
    actual, exact, where = [], [], []
    for t in SCALES:
        z = np.array([t, 0.0, -t / 2])
        e = [mpmath.exp(mpmath.mpf(v) - mpmath.mpf(t)) for v in z]
        S = [v / sum(e) for v in e]
        J = np.asarray(jd.softmax_jacobian(z))
        for i in range(3):
            for j in range(3):
                others = sum(S[k] for k in range(3) if k != i)
                exact.append(S[i] * others if i == j else -S[i] * S[j])
                actual.append(J[i, j])
                where.append(f"softmax_jacobian({z})[{i}, {j}]")
    assert _assert_accurate(actual, exact, where) > 0  # the comparison ran on normal values


def _sigmoid(z: float) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-mpmath.mpf(z)))


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_sigmoid_cross_entropy_gradient_is_accurate_to_a_few_ulps(label):
    """d/dz BCE(σ(z), y) = σ(z) − y for a label y at the 3,443 points: within 8 ulps of the
    exact value, the vanishing gradient of a confident right answer included (−4.25e-18 at
    z = 40, y = 1, where σ(z) − y gives 0)."""
    y = np.full_like(POINTS, label)
    actual = np.asarray(jd.sigmoid_binary_cross_entropy_gradient(POINTS, y))
    exact = [_sigmoid(z) if label == 0 else -_sigmoid(-z) for z in POINTS]
    where = [f"sigmoid_binary_cross_entropy_gradient({z!r}, {label})" for z in POINTS]
    _assert_accurate(actual, exact, where)


def test_softmax_cross_entropy_is_accurate_to_a_few_ulps_when_tiny_and_when_large():
    """ξ(S(z), e_k) = −ln S(z)_k for z = (t, 0, −t/2), t from 1e-300 to 705, and each class k:
    within 8 ulps of the exact value, computed in mpmath as ln(1 + Σ_{j≠k} e^{z_j − z_k})
    (8.5e-18 at t = 40 for the largest class, where z_k − logsumexp(z) gives 0)."""
    actual, exact, where = [], [], []
    for t in SCALES:
        z = np.array([t, 0.0, -t / 2])
        losses = np.asarray(jd.softmax_cross_entropy(np.stack([z] * 3), np.eye(3)))
        for k in range(3):
            shares = (mpmath.exp(mpmath.mpf(z[j]) - mpmath.mpf(z[k])) for j in range(3) if j != k)
            exact.append(mpmath.log1p(sum(shares)))
            actual.append(losses[k])
            where.append(f"softmax_cross_entropy({z}, e_{k})")
    assert _assert_accurate(actual, exact, where) > 0
