"""Every activation, derivative, Jacobian, loss and loss gradient of jaxdnn against exact values
computed by mpmath with 50 significant digits, at fixed points across the whole float64 range.

"Equals autodiff" cannot see a closed form that loses digits where autodiff loses them too
(σ(1 − σ), 1 − tanh², S_i(1 − S_i), σ(z) − y, lse − z_c in the saturated tails). Here each
float64 result a is compared with the exact value e of the same mathematics at the same float64
inputs: a passes when |a − e| ≤ ULPS·ε·|e| where e is a normal float64, when |a| ≤ ULPS·tiny
where e underflows (below 2.2e-308), and when a is the infinity of e's sign where e overflows.

Each oracle is named by its function and belongs to the catalogue ID of that function; ``jaxdnn
verify`` reports the worst relative error per ID, in units of ε (ulps).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterable

import numpy as np

__all__ = ["ULPS", "Accuracy", "ORACLES", "oracle_ids", "measure", "compare"]

ULPS = 8
"""The largest relative error allowed, in units of float64's ε (2.2e-16)."""

EPS = float(np.finfo(np.float64).eps)
TINY = float(np.finfo(np.float64).tiny)
HUGE = float(np.finfo(np.float64).max)
DIGITS = 50


def _points() -> np.ndarray:
    """±10^k for k from −300 to 0 (301 points), ±t for t from 1 to 709 in steps of ½ (the
    saturated tails), 0, and beyond: 710, 745, 1e300. 3,443 points."""
    magnitudes = np.concatenate([np.logspace(-300, 0, 301), np.arange(1.0, 709.5, 0.5)])
    edges = np.array([710.0, 745.0, 1e300])
    return np.concatenate([[0.0], magnitudes, -magnitudes, edges, -edges])


POINTS = _points()
SCALES = np.concatenate(
    [np.logspace(-300, 0, 31), np.arange(1.0, 709.0, 4.0), [709.0, 710.0, 745.0, 1e3, 1e5, 1e300]]
)
"""t of the softmax rows z = (t, 0, −t/2): from 1e-300 to 709, the saturated range densely, and
beyond, where e^t overflows (a softmax that does not subtract the maximum fails there)."""
PROBABILITIES = np.concatenate(
    [[0.0], np.logspace(-300, 0, 301), 1 - np.logspace(-16, -1, 61), [0.5, 0.75]]
)
"""p from 0 and 1e-300 up to 1, and 1 − 10^−k close to 1 (366 probabilities)."""


@dataclasses.dataclass(frozen=True)
class Accuracy:
    """One function against the oracle: how many values were compared, the worst relative error
    over the normal exact values in units of ε, and the values beyond :data:`ULPS` (each named
    by its call, with the exact value).

    Attributes:
        id: the catalogue ID of the oracle.
        function: the name of the jaxdnn function compared.
        points: how many values were compared.
        worst_ulps: the worst relative error over the normal exact values, in units of ε.
        failures: the values beyond ``ULPS``, each named by its call and exact value.
    """

    id: str
    function: str
    points: int
    worst_ulps: float
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.points > 0 and not self.failures


Comparison = tuple[np.ndarray, list, list[str]]
"""(the jaxdnn values, the exact mpmath values, the call that produced each value)."""
Builder = Callable[[Callable], Comparison]
"""Evaluates a jaxdnn function at the oracle's points and the exact values beside it."""


def _compare(id_: str, function: str, comparison: Comparison) -> Accuracy:
    import mpmath

    actual, exact, where = comparison
    actual = np.asarray(actual, np.float64).ravel()
    worst, failures = 0.0, []
    for a, e, w in zip(actual, exact, where, strict=True):
        magnitude = abs(e)
        if TINY <= magnitude <= HUGE:
            error = float(abs(mpmath.mpf(float(a)) - e) / magnitude) / EPS
            worst = max(worst, error) if math.isfinite(error) else math.inf  # NaN too
            ok = error <= ULPS
        elif magnitude < TINY:
            ok = abs(float(a)) <= ULPS * TINY
        else:
            ok = float(a) == (np.inf if e > 0 else -np.inf)
        if not ok:
            failures.append(f"{w} = {float(a)!r}, exact {mpmath.nstr(e, 17)}")
    return Accuracy(id_, function, len(actual), worst, tuple(failures))


# --- exact values ---------------------------------------------------------------------------------


def _mp(x: float):
    import mpmath

    return mpmath.mpf(float(x))


def _exact_sigmoid(z: float):
    import mpmath

    return 1 / (1 + mpmath.exp(-_mp(z)))


def _exact_softmax(z: Iterable[float]) -> list:
    import mpmath

    z = [_mp(v) for v in z]
    top = max(z)
    e = [mpmath.exp(v - top) for v in z]
    total = sum(e)
    return [v / total for v in e]


def _calls(name: str, *columns: Iterable) -> list[str]:
    return [
        f"{name}({', '.join(repr(float(v)) for v in row)})" for row in zip(*columns, strict=True)
    ]


def _rows(name: str, rows: Iterable[np.ndarray], m: int) -> list[str]:
    return [f"{name}({row.tolist()})[{i}]" for row in rows for i in range(m)]


# --- the oracles: activations ---------------------------------------------------------------------


def _elementwise(exact: Callable[[float], object]) -> Builder:
    def comparison(function: Callable) -> Comparison:
        return (
            np.asarray(function(POINTS)),
            [exact(z) for z in POINTS],
            _calls(function.__name__, POINTS),
        )

    return comparison


def _sigmoid_derivative(z: float):
    import mpmath

    e = mpmath.exp(-abs(_mp(z)))  # σ(z)σ(−z) = e^{−|z|}/(1 + e^{−|z|})², exactly
    return e / (1 + e) ** 2


def _tanh(z: float):
    import mpmath

    return mpmath.tanh(_mp(z))


def _tanh_derivative(z: float):
    import mpmath

    return mpmath.sech(_mp(z)) ** 2


def _softmax_rows() -> np.ndarray:
    return np.stack([np.array([t, 0.0, -t / 2]) for t in SCALES])


def _softmax(f: Callable) -> Comparison:
    rows = _softmax_rows()
    exact = [s for z in rows for s in _exact_softmax(z)]
    return np.asarray(f(rows)), exact, _rows("softmax", rows, 3)


def _softmax_jacobian(f: Callable) -> Comparison:
    actual, exact, where = [], [], []
    for z in _softmax_rows():
        S = _exact_softmax(z)
        actual.append(np.asarray(f(z)).ravel())
        for i in range(3):
            for j in range(3):
                others = sum(S[k] for k in range(3) if k != i)  # 1 − S_i without cancelling
                exact.append(S[i] * others if i == j else -S[i] * S[j])
                where.append(f"softmax_jacobian({z.tolist()})[{i}, {j}]")
    return np.concatenate(actual), exact, where


# --- the oracles: losses --------------------------------------------------------------------------


def _one_hot_rows(m: int) -> tuple[np.ndarray, np.ndarray]:
    """Softmax test rows repeated once per class k, with the target e_k."""
    rows = _softmax_rows()
    return np.repeat(rows, m, axis=0), np.tile(np.eye(m), (len(rows), 1))


def _softmax_cross_entropy(f: Callable) -> Comparison:
    import mpmath

    z, y = _one_hot_rows(3)
    exact = []
    for row, target in zip(z, y, strict=True):
        k = int(np.argmax(target))
        shares = (mpmath.exp(_mp(row[j]) - _mp(row[k])) for j in range(3) if j != k)
        exact.append(mpmath.log1p(sum(shares)))  # −ln S_k = ln(1 + Σ_{j≠k} e^{z_j − z_k})
    where = [
        f"softmax_cross_entropy({r.tolist()}, e_{int(np.argmax(t))})"
        for r, t in zip(z, y, strict=True)
    ]
    return np.asarray(f(z, y)), exact, where


def _softmax_cross_entropy_gradient(f: Callable) -> Comparison:
    z, y = _one_hot_rows(3)
    exact = []
    for row, target in zip(z, y, strict=True):
        S, k = _exact_softmax(row), int(np.argmax(target))
        others = sum(S[j] for j in range(3) if j != k)
        exact += [-others if i == k else S[i] for i in range(3)]  # S − e_k
    where = [
        f"softmax_cross_entropy_gradient({r.tolist()}, e_{int(np.argmax(t))})[{i}]"
        for r, t in zip(z, y, strict=True)
        for i in range(3)
    ]
    return np.asarray(f(z, y)), exact, where


def _probability_pairs() -> tuple[np.ndarray, np.ndarray]:
    """Each probability p with the label 1 and the label 0."""
    p = np.concatenate([PROBABILITIES, PROBABILITIES])
    y = np.concatenate([np.ones_like(PROBABILITIES), np.zeros_like(PROBABILITIES)])
    return p, y


def _categorical_cross_entropy(f: Callable) -> Comparison:
    """Rows (p, 1 − p) (1 − p rounded, as a caller has it) against e₁ and e₂."""
    import mpmath

    p, y = _probability_pairs()
    rows = np.stack([p, 1 - p], axis=1)
    targets = np.stack([y, 1 - y], axis=1)
    exact = [
        -mpmath.log(_mp(r[0])) if t[0] == 1 else -mpmath.log(_mp(r[1]))
        for r, t in zip(rows, targets, strict=True)
    ]
    where = [
        f"categorical_cross_entropy({r.tolist()}, {t.tolist()})"
        for r, t in zip(rows, targets, strict=True)
    ]
    return np.asarray(f(rows, targets)), exact, where


def _categorical_cross_entropy_gradient(f: Callable) -> Comparison:
    p, y = _probability_pairs()
    rows = np.stack([p, 1 - p], axis=1)
    targets = np.stack([y, 1 - y], axis=1)
    exact = [
        0 if t == 0 else (-1 / _mp(v) if v > 0 else -_mp(np.inf))
        for r, tr in zip(rows, targets, strict=True)
        for v, t in zip(r, tr, strict=True)
    ]
    where = _rows("categorical_cross_entropy_gradient", rows, 2)
    return np.asarray(f(rows, targets)), exact, where


def _binary_cross_entropy(f: Callable) -> Comparison:
    import mpmath

    p, y = _probability_pairs()
    exact = [
        -mpmath.log(_mp(pi)) if yi == 1 else -mpmath.log1p(-_mp(pi))
        for pi, yi in zip(p, y, strict=True)
    ]
    actual = f(p[:, None], y[:, None])
    return np.asarray(actual), exact, _calls("binary_cross_entropy", p, y)


def _binary_cross_entropy_gradient(f: Callable) -> Comparison:
    p, y = _probability_pairs()
    exact = []
    for pi, yi in zip(p, y, strict=True):
        P = _mp(pi)
        if yi == 1:  # −1/p; the one-sided −1 at p = 1
            exact.append(-1 / P if P > 0 else -_mp(np.inf))
        else:  # 1/(1 − p); the one-sided 1 at p = 0
            exact.append(1 / (1 - P) if P < 1 else _mp(np.inf))
    actual = f(p, y)
    return np.asarray(actual), exact, _calls("binary_cross_entropy_gradient", p, y)


def _sigmoid_pairs() -> tuple[np.ndarray, np.ndarray]:
    z = np.concatenate([POINTS, POINTS])
    return z, np.concatenate([np.ones_like(POINTS), np.zeros_like(POINTS)])


def _sigmoid_binary_cross_entropy(f: Callable) -> Comparison:
    import mpmath

    z, y = _sigmoid_pairs()
    # y = 1: −ln σ(z) = ln(1 + e^{−z}); y = 0: −ln σ(−z) = ln(1 + e^{z})
    exact = [
        mpmath.log1p(mpmath.exp(-_mp(zi) if yi == 1 else _mp(zi)))
        for zi, yi in zip(z, y, strict=True)
    ]
    actual = f(z[:, None], y[:, None])
    return np.asarray(actual), exact, _calls("sigmoid_binary_cross_entropy", z, y)


def _sigmoid_binary_cross_entropy_gradient(f: Callable) -> Comparison:
    z, y = _sigmoid_pairs()
    # σ(z) − y: σ(z) for y = 0, −σ(−z) for y = 1
    exact = [
        _exact_sigmoid(zi) if yi == 0 else -_exact_sigmoid(-zi) for zi, yi in zip(z, y, strict=True)
    ]
    actual = f(z, y)
    return np.asarray(actual), exact, _calls("sigmoid_binary_cross_entropy_gradient", z, y)


def _regression_pairs() -> tuple[np.ndarray, np.ndarray]:
    """Predictions at the points, targets 1 (so that ŷ − y is rounded for most of them)."""
    return POINTS, np.ones_like(POINTS)


def _squared(scale: float, power: int) -> Builder:
    """scale·(ŷ − y)^power at one-element rows (the losses' sums and means over one term)."""

    def comparison(function: Callable) -> Comparison:
        y_hat, y = _regression_pairs()
        exact = [_mp(scale) * (_mp(a) - _mp(b)) ** power for a, b in zip(y_hat, y, strict=True)]
        actual = function(y_hat[:, None], y[:, None])
        return np.asarray(actual), exact, _calls(function.__name__, y_hat, y)

    return comparison


ORACLES: tuple[tuple[str, str, Builder], ...] = (
    ("P-ACT-RELU", "relu", _elementwise(lambda z: _mp(max(z, 0.0)))),
    ("P-ACT-RELU-JAC", "relu_derivative", _elementwise(lambda z: _mp(z > 0))),
    ("P-ACT-LINEAR", "identity", _elementwise(_mp)),
    ("P-ACT-SIGMOID", "sigmoid", _elementwise(_exact_sigmoid)),
    ("P-ACT-SIGMOID", "sigmoid_derivative", _elementwise(_sigmoid_derivative)),
    ("P-ACT-TANH", "tanh", _elementwise(_tanh)),
    ("P-ACT-TANH", "tanh_derivative", _elementwise(_tanh_derivative)),
    ("P-ACT-SOFTMAX", "softmax", _softmax),
    ("P-ACT-SOFTMAX-JAC", "softmax_jacobian", _softmax_jacobian),
    ("P-LOSS-CCE", "categorical_cross_entropy", _categorical_cross_entropy),
    ("P-LOSS-CCE-GRAD", "categorical_cross_entropy_gradient", _categorical_cross_entropy_gradient),
    ("P-LOSS-SOFTMAX-CCE", "softmax_cross_entropy", _softmax_cross_entropy),
    ("P-LOSS-SOFTMAX-CCE", "softmax_cross_entropy_gradient", _softmax_cross_entropy_gradient),
    ("P-LOSS-BCE", "binary_cross_entropy", _binary_cross_entropy),
    ("P-LOSS-BCE", "binary_cross_entropy_gradient", _binary_cross_entropy_gradient),
    ("P-LOSS-SIGMOID-BCE", "sigmoid_binary_cross_entropy", _sigmoid_binary_cross_entropy),
    (
        "P-LOSS-SIGMOID-BCE",
        "sigmoid_binary_cross_entropy_gradient",
        _sigmoid_binary_cross_entropy_gradient,
    ),
    ("P-LOSS-SE", "squared_error", _squared(1.0, 2)),
    ("P-LOSS-SE", "squared_error_gradient", _squared(2.0, 1)),
    ("P-LOSS-MSE-HALF", "half_mean_squared_error", _squared(0.5, 2)),
    ("P-LOSS-MSE-HALF", "half_mean_squared_error_gradient", _squared(1.0, 1)),
)
"""(catalogue ID, name of the jaxdnn function, how to compare it) of every oracle."""


def oracle_ids() -> set[str]:
    """The catalogue IDs that have oracles.

    Returns:
        The set of IDs.
    """
    return {id_ for id_, _, _ in ORACLES}


def measure(id_: str | None = None, function: str | None = None) -> list[Accuracy]:
    """Run the oracles of catalogue ID ``id_`` (all when None), or only the one of ``function``;
    needs float64 (``jax_enable_x64``).

    Args:
        id_: a catalogue ID, or None for every oracle.
        function: the name of one jaxdnn function, or None.

    Returns:
        One :class:`Accuracy` per function compared.
    """
    import jaxdnn as jd

    return [
        compare(name, getattr(jd, name))
        for i, name, _ in ORACLES
        if (id_ is None or i == id_) and (function is None or name == function)
    ]


def compare(function: str, implementation: Callable) -> Accuracy:
    """``implementation`` at the points of the oracle of the jaxdnn function named ``function``,
    against its exact values: ``compare("sigmoid_derivative", my_sigmoid_prime)`` checks your own
    σ′ as jaxdnn's is checked. Needs float64 (``jax_enable_x64``).

    Raises:
        ValueError: naming ``function`` if no oracle has that name.
        RuntimeError: if ``jax_enable_x64`` is off.

    Args:
        function: the name of the jaxdnn function whose oracle to use (e.g. ``"sigmoid"``).
        implementation: your function, taking and returning what that jaxdnn function does.

    Returns:
        Its :class:`Accuracy`.

    Examples:
        >>> from jaxdnn.catalogue.oracle import compare
        >>> jax.config.update("jax_enable_x64", True)
        >>> result = compare("sigmoid", jaxdnn.sigmoid)
        >>> result.passed, result.worst_ulps <= 8
        (True, True)
        >>> jax.config.update("jax_enable_x64", False)
    """
    import jax
    import mpmath

    if jax.numpy.result_type(float) != jax.numpy.float64:  # jax_enable_x64 is off
        raise RuntimeError(
            'the oracle compares float64 results: run jax.config.update("jax_enable_x64", True) '
            "before creating arrays"
        )
    found = [(i, build) for i, name, build in ORACLES if name == function]
    if not found:
        names = ", ".join(name for _, name, _ in ORACLES)
        raise ValueError(f"function must name one of the oracles ({names}), got {function!r}")
    ((id_, build),) = found
    with mpmath.workdps(DIGITS):
        try:
            comparison = build(_shape_checked(function, implementation))
        except _WrongShape as error:
            return Accuracy(id_, function, 0, math.inf, (str(error),))
        return _compare(id_, function, comparison)


class _WrongShape(Exception):
    """An implementation returned another shape than jaxdnn's function at the same inputs."""


def _shape_checked(function: str, implementation: Callable) -> Callable:
    """``implementation``, raising :class:`_WrongShape` where its result's shape differs from
    that of the jaxdnn function named ``function`` at the same arguments (found by
    ``jax.eval_shape``, once per argument shapes): flattened, an (n, 1) column would pass for
    the values of an (n,) vector."""
    import jax

    import jaxdnn as jd

    reference, expected = getattr(jd, function), {}

    @functools.wraps(implementation)
    def checked(*args):
        result = implementation(*args)
        key = tuple(np.shape(a) for a in args)
        if key not in expected:
            expected[key] = jax.eval_shape(reference, *args).shape
        if np.shape(result) != expected[key]:
            shapes = ", ".join(str(k) for k in key)
            raise _WrongShape(
                f"{function}({shapes}) returned shape {np.shape(result)}, jaxdnn's {expected[key]}"
            )
        return result

    return checked
