"""Numerical verification of the catalogue: every proposition with a closed form, checked at
fresh random points in float64.

Each check draws its inputs from the hypothesis strategies of :mod:`jaxdnn.testing` (the ones
the test suite uses), evaluates a jaxdnn closed form and its reference (``jax.jacfwd`` /
``jax.jacrev`` / ``jax.grad``, optax, scikit-learn, NumPy or an explicit loop) and records
the largest relative error

    e = max |a − b| / (|b| + ATOL/RTOL),

so that ``e ≤ RTOL`` is exactly the test suite's criterion |a − b| ≤ RTOL·|b| + ATOL
(rtol 1e-10, atol 1e-12). An inequality lhs ≤ rhs is recorded as the pair (max(lhs − rhs, 0), 0).
An erratum check also evaluates the document's printed formula: it passes only if the corrected
form matches and the printed one differs (by more than 1e-6) at some drawn point.

``jaxdnn verify`` (see :mod:`jaxdnn.cli`) runs :func:`run_checks` and prints the table.
Requires ``jax_enable_x64`` (the command line turns it on).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from jax.flatten_util import ravel_pytree

import jaxdnn as jd
import jaxdnn.testing as jt

__all__ = ["Check", "CheckResult", "CHECKS", "relative_error", "run_check", "run_checks"]

D0 = "000_e9869ddaa8874969.txt"
D1 = "001_602cbf05fdb6a620.txt"
D2 = "002_0dd137535febb580.txt"
D3 = "003_4420902fd2b6113f.txt"
D4 = "004_6f61966887c71a84.txt"

PRINTED_DIFFERS = 1e-6
"""An erratum's printed formula counts as different when its relative error exceeds this."""

Pair = tuple[Any, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]


class Erratum(NamedTuple):
    """What an erratum check returns: pairs for the corrected form and for the printed one."""

    corrected: list[Pair]
    printed: list[Pair]


@dataclasses.dataclass(frozen=True)
class Check:
    """One verification: catalogue ID, what is checked, source, and the computation.

    ``compute(draw)`` draws inputs with ``draw(strategy)`` and returns (actual, expected) pairs,
    or an :class:`Erratum` for a check that also evaluates a document's printed formula.
    """

    id: str
    what: str
    source: str
    compute: Callable[[Draw], list[Pair] | Erratum]


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Outcome of one check over all drawn points."""

    check: Check
    examples: int
    max_error: float
    printed_error: float | None
    error: str | None

    @property
    def passed(self) -> bool:
        """True when the corrected form matched everywhere and, for an erratum, the printed
        formula differed somewhere."""
        if self.error is not None or not self.max_error <= jt.RTOL:
            return False
        return self.printed_error is None or self.printed_error > PRINTED_DIFFERS


WITHOUT_PRINTED_FORMULA: dict[str, str] = {
    # errata whose printed text is a claim, a shape or notation: there is no printed formula to
    # evaluate, so the check asserts the corrected statement alone
    "E-11": "words",  # ReLU called discontinuous
    "E-46": "words",  # ReLU's gradient said to vanish near zero
    "E-58": "words",  # MAE "always positive"
    "E-60": "words",  # N_c+ asserted differentiable without Assumption 1
    "E-32": "shape",  # the gradient's codomain printed as ℝ
    "E-35": "shape",  # the stacked gradient's index range
    "E-41": "shape",  # activations displayed as columns
    "E-56": "notation",  # the Jacobian of ReLU∘L w.r.t. b written dReLU/db(L(y, W, b))
}
"""Why an erratum row has no printed-formula error (the 'printed' column shows the reason)."""

CHECKS: list[Check] = []
"""The registry, in catalogue order; :func:`run_checks` runs those whose ID matches."""


def _check(id_: str, what: str, source: str) -> Callable[[Callable], Callable]:
    def register(compute: Callable) -> Callable:
        CHECKS.append(Check(id_, what, source, compute))
        return compute

    return register


def relative_error(actual: Any, expected: Any) -> float:
    """max |a − b| / (|b| + ATOL/RTOL) over the entries; inf on a shape mismatch or a NaN.

    ``e ≤ RTOL`` is the criterion of ``jaxdnn.testing.assert_close`` (catalogue §1.9: rtol 1e-10,
    atol 1e-12). Equal infinities count as equal. Sources: 001_602cbf05fdb6a620.txt (the
    quantities compared); P-DIFF-JACOBIAN for the Jacobian comparisons.
    """
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    same = a == b  # equal infinities included
    with np.errstate(invalid="ignore"):
        err = np.where(same, 0.0, np.abs(a - b) / (np.abs(b) + jt.ATOL / jt.RTOL))
    if err.size == 0:
        return 0.0
    worst = float(np.max(err))
    return math.inf if math.isnan(worst) else worst


def _max_error(pairs: Sequence[Pair]) -> float:
    return max((relative_error(a, b) for a, b in pairs), default=0.0)


def run_check(check: Check, examples: int = 20, seed: int = 0) -> CheckResult:
    """Run one check at ``examples`` hypothesis-drawn points (generation only: no shrinking, no
    example database), seeded by ``seed``. An exception becomes a failed result.

    Catalogue §1.9 (testing conventions); sources as listed per check.
    """
    errors: list[float] = []
    printed: list[float] = []

    @settings(
        max_examples=examples,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
        print_blob=False,
    )
    @given(st.data())
    def body(data: st.DataObject) -> None:
        outcome = check.compute(data.draw)
        if isinstance(outcome, Erratum):
            errors.append(_max_error(outcome.corrected))
            printed.append(_max_error(outcome.printed))
        else:
            errors.append(_max_error(outcome))

    try:
        hypothesis_seed(seed)(body)()
    except Exception as exc:  # a check that raises has failed; say why in one line
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return CheckResult(check, len(errors), max(errors, default=math.inf), None, message)
    return CheckResult(
        check,
        len(errors),
        max(errors, default=0.0),
        max(printed) if printed else None,
        None,
    )


def run_checks(
    pattern: str | None = None, examples: int = 20, seed: int = 0
) -> Iterator[CheckResult]:
    """Run every registered check whose ID matches the regular expression ``pattern`` (searched,
    case-insensitive; all checks when None), yielding results as they finish.

    Catalogue §2 and §3 (IDs P-… and E-…); sources as listed per check.
    """
    regex = re.compile(pattern, re.IGNORECASE) if pattern else None
    for check in CHECKS:
        if regex is None or regex.search(check.id):
            yield run_check(check, examples, seed)


# --- helpers ------------------------------------------------------------------------------------


def _jacobian_pairs(f: Callable, closed_form: Any, *args: Any, argnums: int = 0) -> list[Pair]:
    """closed form against jacfwd and jacrev (jitted, shared with the test assertions)."""
    (fwd, rev), _ = jt.autodiff_jacobians(f, argnums)
    return [(closed_form, fwd(*args)), (closed_form, rev(*args))]


def _le(lhs: Any, rhs: Any) -> Pair:
    """lhs ≤ rhs as a pair: the violation, scaled by 1 + |rhs|, against 0."""
    lhs, rhs = np.broadcast_arrays(np.asarray(lhs, np.float64), np.asarray(rhs, np.float64))
    return (np.maximum(lhs - rhs, 0.0) / (1.0 + np.abs(rhs)), np.zeros_like(rhs))


def _leaf_pairs(actual: Any, expected: Any) -> list[Pair]:
    """Leaf-by-leaf pairs of two pytrees of the same structure (parameters, gradients)."""
    return list(zip(jax.tree.leaves(actual), jax.tree.leaves(expected), strict=True))


def _same(flag: bool) -> Pair:
    """A boolean property as a pair: 0 against 0 when it holds, 1 against 0 otherwise."""
    return (0.0 if flag else 1.0, 0.0)


def _f64(x: Any) -> jax.Array:
    return jnp.asarray(x, dtype=jnp.float64)


_ACTIVATIONS = {
    "relu": (jd.relu, jd.relu_jacobian, jd.relu_derivative),
    "sigmoid": (jd.sigmoid, jd.sigmoid_jacobian, jd.sigmoid_derivative),
    "tanh": (jd.tanh, jd.tanh_jacobian, jd.tanh_derivative),
    "identity": (jd.identity, jd.identity_jacobian, jd.identity_derivative),
}


def _upstream(c: jax.Array, d: jax.Array) -> Callable[[jax.Array], jax.Array]:
    """The upstream family of catalogue §2.F: F(a) = Σ c_j sin a_j + ½d‖a‖² + logsumexp(a)."""

    def F(a: jax.Array) -> jax.Array:
        return jnp.sum(c * jnp.sin(a)) + 0.5 * d * jnp.sum(a * a) + jax.nn.logsumexp(a)

    return F


def _upstream_grad(c: Any, d: Any, a: Any) -> jax.Array:
    return c * jnp.cos(a) + d * a + jax.nn.softmax(a)


_F_grad = jax.jit(lambda c, d, a: jax.grad(_upstream(c, d))(a))


# --- §2.A matrices and helpers ------------------------------------------------------------------

_dims = st.sampled_from([1, 2, 3, 5])


@_check(
    "P-MAT-ROWVEC", "stacked rows: X[i] = x_i; f(X)[i] = f(X[i]) for activations", f"{D1} Conv. 2"
)
def _(draw: Draw) -> list[Pair]:
    m, n = draw(_dims), draw(_dims)
    X = draw(jt.vectors(size=(m, n)))
    pairs = [(jd.stack_rows(list(X)), X)]
    for name in ("relu", "sigmoid", "tanh"):
        f = _ACTIVATIONS[name][0]
        pairs.append((f(X), np.stack([f(x) for x in X])))
    pairs.append((jd.softmax(X), np.stack([jd.softmax(x) for x in X])))
    return pairs


@_check("P-MAT-ENTRY", "A[i,:] has m entries, A[:,j] has n (n ≠ m)", f"{D1} Notation 1")
def _(draw: Draw) -> list[Pair]:
    A = draw(jt.vectors(size=(2, 5)))
    return [(np.shape(A[1, :]), (5,)), (np.shape(A[:, 3]), (2,))]


@_check("E-40", "row i of A ∈ M_{n,m} is [a_i1 … a_im] (m entries, not n)", f"{D1} Notation 1")
def _(draw: Draw) -> Erratum:
    A = draw(jt.vectors(size=(2, 5)))
    return Erratum([(len(A[0, :]), 5)], [(A.shape[0], 5)])


@_check("P-MAT-PRODUCT", "C = AB, C_ij = Σ_k A_ik B_kj (loop and @)", f"{D1} Notation 2")
def _(draw: Draw) -> list[Pair]:
    n, m, p = draw(_dims), draw(_dims), draw(_dims)
    A, B = draw(jt.vectors(size=(n, m))), draw(jt.vectors(size=(m, p)))
    loop = np.array(
        [[sum(A[i, k] * B[k, j] for k in range(m)) for j in range(p)] for i in range(n)]
    )
    return [(jd.matmul(A, B), A @ B), (jd.matmul(A, B), loop)]


@_check("E-08", "product sums over the inner dimension m, not over n", f"{D1} Notation 2; {D0} §2")
def _(draw: Draw) -> Erratum:
    A, B = draw(jt.logits(size=(2, 3), bound=3.0)), draw(jt.logits(size=(3, 4), bound=3.0))
    A[:, 2] = A[:, 2] + 10.0  # a third column that matters
    B[2, :] = 1.0
    printed = np.einsum("ik,kj->ij", A[:, :2], B[:2, :])
    return Erratum([(jd.matmul(A, B), A @ B)], [(printed, A @ B)])


@_check("P-MAT-SCALAR", "a·B = aB_ij = B·a", f"{D0} §2; {D3} §2")
def _(draw: Draw) -> list[Pair]:
    a = draw(st.one_of(jt.finite_floats(-10, 10), st.sampled_from([0.0, -0.0])))
    B = draw(jt.vectors(size=(2, 3)))
    return [(jd.scalar_mul(a, B), a * B), (jd.scalar_mul(a, B), B * a)]


@_check("P-MAT-TRANSPOSE-ID", "(AB)ᵀ = BᵀAᵀ; I·A = A = A·I", f"{D1} Notations 3–4")
def _(draw: Draw) -> list[Pair]:
    n, m, p = draw(_dims), draw(_dims), draw(_dims)
    A, B = draw(jt.vectors(size=(n, m))), draw(jt.vectors(size=(m, p)))
    return [
        (jd.matmul(A, B).T, jd.matmul(B.T, A.T)),
        (jd.matmul(jd.identity_matrix(n), A), A),
        (jd.matmul(A, jd.identity_matrix(m)), A),
    ]


@_check("P-MAT-NORM", "‖a‖ = √(a·aᵀ); ‖ta‖ = |t|‖a‖; triangle inequality", f"{D1} Notation 5")
def _(draw: Draw) -> list[Pair]:
    a, b = draw(jt.vectors(size=4)), draw(jt.vectors(size=4))
    t = draw(jt.finite_floats(-5, 5))
    return [
        (jd.row_norm(a), np.linalg.norm(a)),
        (jd.row_norm(a) ** 2, a @ a),
        (jd.row_norm(t * a), abs(t) * jd.row_norm(a)),
        _le(jd.row_norm(a + b), jd.row_norm(a) + jd.row_norm(b) + 1e-12),
    ]


@_check("P-UTIL-KRONECKER", "δ_ij = 1 if i = j else 0", f"{D1} Notation 9")
def _(draw: Draw) -> list[Pair]:
    i, j = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    return [(jd.kronecker_delta(i, j), np.eye(5)[i, j])]


@_check("P-UTIL-INDICATOR", "𝟙[z > 0] element-wise; 0 at ±0, 1 at tiny", f"{D1} Notation 10")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    tiny = np.finfo(np.float64).tiny
    return [
        (jd.indicator_positive(z), (z > 0).astype(np.float64)),
        (jd.indicator_positive(np.array([0.0, -0.0, tiny, -tiny])), [0.0, 0.0, 1.0, 0.0]),
    ]


# --- §2.B differential calculus -----------------------------------------------------------------

_SMOOTH = {
    "softmax": jd.softmax,
    "sigmoid": jd.sigmoid,
    "tanh": jd.tanh,
    "sin_log": jd.sin_log,
    "poly_exp": jd.poly_exp,
}


@_check("P-DIFF-FRECHET", "remainder ‖f(a+h)−f(a)−h·Jᵀ‖/‖h‖ = O(‖h‖)", f"{D1} Def 1.1")
def _(draw: Draw) -> list[Pair]:
    name = draw(st.sampled_from(sorted(_SMOOTH)))
    f = _SMOOTH[name]
    a = draw(jt.logits(size=2, bound=2.0))
    if name == "sin_log":
        a[1] = abs(a[1]) + 0.5
    u = draw(jt.logits(size=2, bound=1.0))
    u = u / np.linalg.norm(u) if np.linalg.norm(u) > 0.1 else np.array([1.0, 0.0])
    r = [float(jd.first_order_remainder(f, a, t * u)) for t in (1e-2, 1e-3, 1e-4)]
    K = max(r[0] / 1e-2, 1e-8)
    return [_le(r[1], 10 * K * 1e-3), _le(r[2], 10 * K * 1e-4)]


@_check("E-25", "the printed quotient (f(x)−f(a))/‖x−a‖ has no limit for f(x) = x", f"{D0} §2")
def _(draw: Draw) -> Erratum:
    a = draw(jt.finite_floats(-5, 5))
    t = draw(jt.finite_floats(0.1, 1.0))
    frechet = float(jd.first_order_remainder(jd.identity, np.array([a]), np.array([t])))
    quotient_left = ((a - t) - a) / t  # −1
    quotient_right = ((a + t) - a) / t  # +1
    return Erratum([(frechet, 0.0)], [(quotient_left, quotient_right)])


@_check("P-DIFF-UNIQUE", "jacfwd = jacrev for catalogue maps (ReLU ties give 0)", f"{D1} Prop 1.1")
def _(draw: Draw) -> list[Pair]:
    name = draw(st.sampled_from(["relu", "sigmoid", "tanh", "identity"]))
    f = _ACTIVATIONS[name][0]
    z = draw(jt.integer_valued_vectors() if name == "relu" else jt.vectors())
    (fwd, rev), _ = jt.autodiff_jacobians(f, 0)
    return [(fwd(z), rev(z)), (jd.softmax_jacobian(z), jax.jacrev(jd.softmax)(z))]


@_check("P-DIFF-JACOBIAN", "J[:, j] = JVP along e_j; J[i, :] = ∇f_i; shape (m, n)", f"{D1} Def 1.2")
def _(draw: Draw) -> list[Pair]:
    v = draw(jt.logits(size=2, bound=2.0))
    J = jd.jacobian(jd.poly_exp)(v)
    pairs: list[Pair] = [(J.shape, (2, 2))]
    for j in range(2):
        pairs.append((J[:, j], jax.jvp(jd.poly_exp, (v,), (jnp.eye(2)[j],))[1]))
        pairs.append((J[j, :], jax.grad(lambda x, j=j: jd.poly_exp(x)[j])(v)))
    pairs.append((jd.gradient(jd.quad_cos)(v), jd.quad_cos_gradient(v)))
    return pairs


@_check(
    "E-27", "Jacobian column j is the derivative along e_j (rows are f_i)", f"{D1} Def 1.2 eq (2)"
)
def _(draw: Draw) -> Erratum:
    v = draw(jt.logits(size=2, bound=2.0))
    J = jd.poly_exp_jacobian(v)
    column = jax.jvp(jd.poly_exp, (v,), (jnp.array([1.0, 0.0]),))[1]
    return Erratum([(J[:, 0], column)], [(J[0, :], column)])


@_check("P-DIFF-SUM", "J_{f+g} = J_f + J_g (activations, dense)", f"{D1} Prop 1.2")
def _(draw: Draw) -> list[Pair]:
    f, g = draw(st.sampled_from(sorted(_ACTIVATIONS))), draw(st.sampled_from(sorted(_ACTIVATIONS)))
    z = draw(jt.integer_valued_vectors(size=3))
    (fa, ja, _), (_, jb, _) = _ACTIVATIONS[f], _ACTIVATIONS[g]
    W, b = draw(jt.vectors(size=(3, 3))), draw(jt.vectors(size=3))
    return _jacobian_pairs(_sum_of(f, g), ja(z) + jb(z), z) + [
        (jax.jacfwd(lambda z: fa(z) + jd.dense(z, W, b))(z), ja(z) + W)
    ]


@functools.cache
def _sum_of(f: str, g: str) -> Callable[[jax.Array], jax.Array]:
    """z ↦ f(z) + g(z) for two named activations, one function object per pair."""
    fa, fb = _ACTIVATIONS[f][0], _ACTIVATIONS[g][0]
    return lambda z: fa(z) + fb(z)


def _chain_maps(widths: Sequence[int], draw: Draw) -> list[tuple[Callable, Callable]]:
    maps = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        W, b = (
            _f64(draw(jt.vectors(size=(n_out, n_in), bound=2.0))),
            _f64(draw(jt.vectors(size=n_out, bound=1.0))),
        )
        act, jac, _ = _ACTIVATIONS[draw(st.sampled_from(sorted(_ACTIVATIONS)))]
        maps.append((lambda y, W=W, b=b: jd.dense(y, W, b), lambda y, W=W: W))
        maps.append((act, jac))
    return maps


@_check("P-DIFF-CHAIN", "J_{g∘f}(a) = J_g(f(a))·J_f(a), shape (p, n)", f"{D1} Thm 1.3; {D3} §2")
def _(draw: Draw) -> list[Pair]:
    widths = draw(st.sampled_from([(3, 2), (2, 4, 1), (1, 3, 2)]))
    maps = _chain_maps(widths, draw)
    a = draw(jt.integer_valued_vectors(size=widths[0]))
    jacs, point = [], _f64(a)
    for f, jac in maps:
        jacs.append(jac(point))
        point = f(point)
    composite = jd.compose(*(f for f, _ in maps))
    return [(jd.chain_jacobian(jacs), jax.jacfwd(composite)(_f64(a)))]


@_check("E-28", "a chain ℝⁿ → ℝᵐ → ℝᵖ has a (p, n) Jacobian", f"{D1} Prop 1.2, Thm 1.3")
def _(draw: Draw) -> Erratum:
    W1, W2 = draw(jt.vectors(size=(4, 2))), draw(jt.vectors(size=(3, 4)))
    J = jd.chain_jacobian([W1, W2])
    return Erratum([(J.shape, (3, 2)), (J, W2 @ W1)], [(W1.shape, (3, 2))])


@_check(
    "P-DIFF-COMPOSE", "compose(f1, f2)(x) = f2(f1(x)); compose() = identity", f"{D1} Notation 7"
)
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors(size=3))
    return [
        (jd.compose(jd.tanh, jd.softmax)(z), jd.softmax(jd.tanh(z))),
        (jd.compose()(z), z),
        (
            jd.compose(jd.compose(jd.tanh, jd.sigmoid), jd.softmax)(z),
            jd.compose(jd.tanh, jd.compose(jd.sigmoid, jd.softmax))(z),
        ),
    ]


@_check(
    "P-DIFF-PARTIAL", "jacobian(f, argnums=k) = Jacobian of the frozen closure", f"{D1} Notation 12"
)
def _(draw: Draw) -> list[Pair]:
    y, W, b = draw(jt.vectors(size=3)), draw(jt.vectors(size=(2, 3))), draw(jt.vectors(size=2))
    return [
        (jd.jacobian(jd.dense, argnums=2)(y, W, b), jax.jacfwd(lambda c: jd.dense(y, W, c))(b)),
        (jd.jacobian(jd.dense, argnums=0)(y, W, b), jax.jacfwd(lambda x: jd.dense(x, W, b))(y)),
    ]


@_check(
    "P-DIFF-RELU-ASSUMPTION",
    "ReLU′ = 𝟙[z > 0]: 0 at ±0, 1 at tiny, AD agrees",
    f"{D1} Assumption 1",
)
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.integer_valued_vectors())
    tiny = np.finfo(np.float64).tiny
    edge = np.array([0.0, -0.0, tiny, -tiny])
    grad = jax.vmap(jax.grad(jd.relu))
    return [(jd.relu_derivative(z), grad(_f64(z))), (grad(_f64(edge)), [0.0, 0.0, 1.0, 0.0])]


@_check("E-43", "ReLU′(0) is a convention; a jnp.maximum ReLU gives ½ there", f"{D1} Assumption 1")
def _(draw: Draw) -> Erratum:
    z = draw(jt.integer_valued_vectors(size=3))
    z[0] = 0.0
    maximum = jax.vmap(jax.grad(lambda t: jnp.maximum(t, 0.0)))(_f64(z))
    return Erratum(
        [(jax.vmap(jax.grad(jd.relu))(_f64(z)), jd.relu_derivative(z))],
        [(maximum, jd.relu_derivative(z))],
    )


@_check("E-26", "a step function is piecewise derivable yet not continuous", f"{D3} §2 Theorem")
def _(draw: Draw) -> Erratum:
    eps = draw(jt.finite_floats(1e-12, 1.0))
    heaviside = np.heaviside(eps, 0.0) - np.heaviside(-eps, 0.0)
    relu_jump = float(jd.relu(np.array([eps]))[0] - jd.relu(np.array([-eps]))[0])
    return Erratum([_le(relu_jump, eps)], [(heaviside, 0.0)])


# --- §2.C activations ---------------------------------------------------------------------------


@_check("P-ACT-RELU", "ReLU = max(0, z); idempotent; relu(z) − relu(−z) = z", f"{D1} Def 2.1")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    return [
        (jd.relu(z), np.maximum(z, 0)),
        (jd.relu(jd.relu(z)), jd.relu(z)),
        (jd.relu(z) - jd.relu(-z), z),
    ]


@_check("E-11", "ReLU is continuous: |relu(a) − relu(b)| ≤ |a − b|", f"{D4} neuron derivative")
def _(draw: Draw) -> list[Pair]:
    a, b = draw(jt.vectors(size=3)), draw(jt.vectors(size=3))
    return [_le(np.abs(jd.relu(a) - jd.relu(b)), np.abs(a - b))]


@_check("P-ACT-RELU-JAC", "J_ReLU = diag(𝟙[z > 0]) vs jacfwd, jacrev", f"{D1} Prop 2.1")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    return _jacobian_pairs(jd.relu, jd.relu_jacobian(z), z)


@_check("E-10", "ReLU′(z) = 1 for z > 0 (printed: z)", f"{D4} neuron derivative")
def _(draw: Draw) -> Erratum:
    z = draw(jt.finite_floats(1.5, 10.0))
    ad = jax.grad(jd.relu)(z)
    return Erratum([(jd.relu_derivative(np.array([z]))[0], ad)], [(z, ad)])


@_check("E-46", "ReLU′ is exactly 1 at 1e-12 and 0 at −1e-12", f"{D2} §5.4")
def _(draw: Draw) -> list[Pair]:
    eps = draw(jt.finite_floats(1e-300, 1e-6))
    return [(jd.relu_derivative(np.array([eps, -eps])), [1.0, 0.0])]


@_check("P-ACT-SOFTMAX", "S = e^z/Σe^z: in ]0,1[, sums to 1, shift-invariant", f"{D1} Def 2.2")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.logits())
    c = draw(jt.finite_floats(-20, 20))
    s = jd.softmax(z)
    return [
        (s, jax.nn.softmax(z)),
        (jnp.sum(s), 1.0),
        (jd.softmax(z + c), s),
        _le(-s, 0.0),
        _le(s, 1.0),
        (jd.softmax(np.array([1000.0, 0.0, -1000.0])), [1.0, 0.0, 0.0]),
    ]


@_check("P-ACT-SOFTMAX-JAC", "J_S = diag(S) − SᵀS; symmetric; rows sum to 0", f"{D1} Prop 2.2")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.logits())
    J = jd.softmax_jacobian(z)
    return _jacobian_pairs(jd.softmax, J, z) + [(J, J.T), (J.sum(axis=1), np.zeros(len(z)))]


@_check("P-ACT-SIGMOID", "σ and J_σ = diag(σ(1 − σ)); σ(−z) = 1 − σ(z)", f"{D2} §5.2 eq (4)")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    return _jacobian_pairs(jd.sigmoid, jd.sigmoid_jacobian(z), z) + [
        (jd.sigmoid(z), jax.nn.sigmoid(z)),
        (jd.sigmoid(-z), 1 - jd.sigmoid(z)),
        (jd.sigmoid_derivative(np.array([0.0])), [0.25]),
    ]


@_check("P-ACT-TANH", "J_tanh = diag(1 − tanh²); tanh(z) = 2σ(2z) − 1", f"{D2} §5.5 eqs (6)–(7)")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    return _jacobian_pairs(jd.tanh, jd.tanh_jacobian(z), z) + [
        (jd.tanh(z), 2 * jd.sigmoid(2 * z) - 1)
    ]


@_check("P-ACT-LINEAR", "linear unit: J = I", f"{D2} §5.1")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    return _jacobian_pairs(jd.identity, jd.identity_jacobian(z), z) + [(jd.identity(z), z)]


@_check("P-ACT-ELEMENTWISE-JAC", "element-wise φ: J = diag(φ′(z))", f"{D4}; {D1} Props 2.1, 5.1")
def _(draw: Draw) -> list[Pair]:
    name = draw(st.sampled_from(sorted(_ACTIVATIONS)))
    f, _, df = _ACTIVATIONS[name]
    z = draw(jt.integer_valued_vectors() if name == "relu" else jt.vectors())
    return _jacobian_pairs(f, jd.elementwise_jacobian(df, z), z)


@_check("E-41", "activations return rows of shape (m,) (printed as columns)", f"{D1} Defs 2.1, 2.2")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors(size=4))
    return [(np.shape(jd.relu(z)), (4,)), (np.shape(jd.softmax(z)), (4,))]


@_check("P-ACT-UNIT", "unit φ(x·wᵀ + b) = φ(dense(x, w[None], [b]))", f"{D2} §5 eqs (4)–(6)")
def _(draw: Draw) -> list[Pair]:
    x, w = draw(jt.vectors(size=3)), draw(jt.vectors(size=3))
    b = draw(jt.finite_floats(-3, 3))
    return [
        (jd.neuron(x, w, b, jd.sigmoid), jd.sigmoid(jd.dense(x, w[None, :], jnp.array([b])))[0]),
        (jd.neuron(x, w, b, jd.sigmoid), 1 / (1 + np.exp(-(x @ w + b)))),
    ]


# --- §2.D losses --------------------------------------------------------------------------------


@_check("P-LOSS-CCE", "ξ(y, y*) = −Σ y*_k ln y_k = −ln y_c, ≥ 0", f"{D1} Def 3.1")
def _(draw: Draw) -> list[Pair]:
    y = draw(jt.probabilities(size=4))
    c = draw(st.integers(0, 3))
    onehot = np.eye(4)[c]
    xi = jd.categorical_cross_entropy(y, onehot)
    return [(xi, -np.log(y[c])), (xi, -np.sum(onehot * np.log(y))), _le(-xi, 0.0)]


@_check("P-LOSS-CCE-GRAD", "∇_y ξ = −y*/y (natural log), shape (m,)", f"{D1} Prop 3.1 eq (7)")
def _(draw: Draw) -> list[Pair]:
    y, target = draw(jt.probabilities()), None
    target = draw(jt.probabilities(size=len(y)))
    g = jd.categorical_cross_entropy_gradient(y, target)
    return _jacobian_pairs(jd.categorical_cross_entropy, g, y, target) + [(g, -target / y)]


@_check("E-29", "∂ξ/∂y_j = −y*_j/y_j, natural log, a row in M_{1,m}", f"{D1} Prop 3.1; {D0} §3")
def _(draw: Draw) -> Erratum:
    y = draw(jt.probabilities(size=3))
    target = np.eye(3)[draw(st.integers(0, 2))]
    g = jax.grad(jd.categorical_cross_entropy)(y, target)
    log10 = -target / (y * np.log(10.0))
    return Erratum([(jd.categorical_cross_entropy_gradient(y, target), g)], [(log10, g)])


@_check("P-LOSS-CCE-MIN", "ξ(y, y*) ≥ ξ(y*, y*) on the simplex (Gibbs)", f"{D0} §3 (replaced)")
def _(draw: Draw) -> list[Pair]:
    y, target = draw(jt.simplex_points(size=3)), draw(jt.simplex_points(size=3))
    ce = jd.categorical_cross_entropy
    return [_le(ce(target, target), ce(y, target) + 1e-12)]


@_check("E-24", "CCE is not increasing in each coefficient of y", f"{D0} §3; {D3} §3")
def _(draw: Draw) -> Erratum:
    y = draw(jt.probabilities(size=3, eps=0.05))
    c = draw(st.integers(0, 2))
    target = np.eye(3)[c]
    t = draw(jt.finite_floats(1e-3, 1e-2))
    ce = jd.categorical_cross_entropy
    # corrected: the derivative along e_c is −1/y_c < 0; printed: the loss increases along e_c
    bumped = y.copy()
    bumped[c] += t
    return Erratum(
        [_le(ce(bumped, target), ce(y, target))], [_le(ce(y, target), ce(bumped, target))]
    )


@_check("P-LOSS-CCE-INTLABEL", "−Σ ln f_{c_i} = Σ ξ(f(x_i), onehot(c_i))", f"{D2} §4.2 eq (2)")
def _(draw: Draw) -> list[Pair]:
    P = np.stack([draw(jt.simplex_points(size=3)) for _ in range(4)])
    labels = np.array([draw(st.integers(0, 2)) for _ in range(4)])
    return [
        (
            jd.categorical_cross_entropy_from_labels(P, labels),
            jd.categorical_cross_entropy(P, np.eye(3)[labels]),
        )
    ]


@_check("E-02", "label 0 contributes −ln f_0 (printed: 0)", f"{D2} §4.2 eq (2)")
def _(draw: Draw) -> Erratum:
    P = draw(jt.simplex_points(size=3))[None, :]
    labels = np.array([0])
    correct = -np.log(P[0, 0])
    printed = -labels[0] * np.log(P[0, 0])
    return Erratum(
        [(jd.categorical_cross_entropy_from_labels(P, labels)[0], correct)], [(printed, correct)]
    )


@_check("P-LOSS-SOFTMAX-CCE", "∇_z ξ(S(z), y*) = (Σy*)S − y*", f"{D1} Prop 5.3 eq (13)")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.logits())
    kind = draw(st.sampled_from(["onehot", "simplex", "weights"]))
    if kind == "onehot":
        target = np.eye(len(z))[draw(st.integers(0, len(z) - 1))]
    elif kind == "simplex":
        target = draw(jt.simplex_points(size=len(z)))
    else:
        target = draw(jt.probabilities(size=len(z)))
    g = jd.softmax_cross_entropy_gradient(z, target)
    chain = jd.categorical_cross_entropy_gradient(jd.softmax(z), target) @ jd.softmax_jacobian(z)
    return _jacobian_pairs(jd.softmax_cross_entropy, g, z, target) + [
        (g, chain),
        (jd.softmax_cross_entropy(z, target), jd.categorical_cross_entropy(jd.softmax(z), target)),
    ]


@_check("E-09", "S(z) − y* is the gradient only when Σ y* = 1", f"{D1} Prop 5.3; {D0} §3")
def _(draw: Draw) -> Erratum:
    z = draw(jt.logits(size=4))
    target = np.array([1.0, 1.0, 0.0, 0.0])
    ad = jax.grad(jd.softmax_cross_entropy)(z, target)
    return Erratum(
        [(jd.softmax_cross_entropy_gradient(z, target), ad)], [(jd.softmax(z) - target, ad)]
    )


@_check("E-32", "the softmax-CCE gradient is a row of shape (m,)", f"{D1} Prop 5.3 eq (13)")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.logits(size=3))
    return [(np.shape(jd.softmax_cross_entropy_gradient(z, np.eye(3)[0])), (3,))]


@_check(
    "P-LOSS-BCE", "BCE and ∂BCE/∂p = (p − y)/(p(1 − p)); = sklearn log_loss", f"{D2} §4.1 eq (1)"
)
def _(draw: Draw) -> list[Pair]:
    from sklearn.metrics import log_loss

    p = draw(jt.probabilities())
    y = np.array([draw(st.sampled_from([0.0, 1.0])) for _ in p])
    g = jd.binary_cross_entropy_gradient(p, y)
    return _jacobian_pairs(jd.binary_cross_entropy, g, p, y) + [
        (g, (p - y) / (p * (1 - p))),
        (jd.binary_cross_entropy(p, y), log_loss(y, p, normalize=False, labels=[0, 1])),
    ]


@_check(
    "E-01", "BCE = −Σ[y ln p + (1 − y) ln(1 − p)] (printed: product of logs)", f"{D2} §4.1 eq (1)"
)
def _(draw: Draw) -> Erratum:
    p = draw(jt.probabilities(size=3, eps=1e-3))
    y = np.array([1.0, 0.0, 1.0])
    correct = -np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))
    printed = -np.sum(y * np.log(p) * np.log1p(-p))
    return Erratum([(jd.binary_cross_entropy(p, y), correct)], [(printed, correct)])


@_check("P-LOSS-SIGMOID-BCE", "d/dz BCE(σ(z), y) = σ(z) − y; = two-class softmax CE", f"{D2} §5.2")
def _(draw: Draw) -> list[Pair]:
    z = draw(jt.logits(bound=10.0))
    y = np.array([draw(st.sampled_from([0.0, 1.0])) for _ in z])
    g = jd.sigmoid_binary_cross_entropy_gradient(z, y)
    two_class = sum(
        jd.softmax_cross_entropy(jnp.array([0.0, zi]), jnp.array([1 - yi, yi]))
        for zi, yi in zip(z, y, strict=True)
    )
    return _jacobian_pairs(jd.sigmoid_binary_cross_entropy, g, z, y) + [
        (g, jd.sigmoid(z) - y),
        (jd.sigmoid_binary_cross_entropy(z, y), jd.binary_cross_entropy(jd.sigmoid(z), y)),
        (jd.sigmoid_binary_cross_entropy(z, y), two_class),
    ]


@_check("P-LOSS-SE", "SE = Σ(y − ŷ)², ∇ = 2(ŷ − y)", f"{D2} §4.3 eq (3)")
def _(draw: Draw) -> list[Pair]:
    yhat, y = draw(jt.vectors()), None
    y = draw(jt.vectors(size=len(yhat)))
    g = jd.squared_error_gradient(yhat, y)
    return _jacobian_pairs(jd.squared_error, g, yhat, y) + [
        (jd.squared_error(yhat, y), np.sum((y - yhat) ** 2))
    ]


@_check("E-50", "SE sums per-sample differences (y_i − ŷ_i)²", f"{D2} §4.3 eq (3)")
def _(draw: Draw) -> Erratum:
    yhat = draw(jt.logits(size=3, bound=3.0))
    y = yhat + np.array([1.0, 2.0, 3.0])
    correct = np.sum((y - yhat) ** 2)
    printed = 3 * (y[0] - yhat[0]) ** 2  # one unindexed difference, summed n times
    return Erratum([(jd.squared_error(yhat, y), correct)], [(printed, correct)])


@_check(
    "P-LOSS-MSE-HALF", "C = (1/2m)Σ(y − ŷ)², ∂C/∂ŷ = (ŷ − y)/m, = MSE/2", f"{D4} cost functions"
)
def _(draw: Draw) -> list[Pair]:
    yhat, y = draw(jt.vectors()), None
    y = draw(jt.vectors(size=len(yhat)))
    g = jd.half_mean_squared_error_gradient(yhat, y)
    return _jacobian_pairs(jd.half_mean_squared_error, g, yhat, y) + [
        (jd.half_mean_squared_error(yhat, y), 0.5 * jd.mse(y, yhat))
    ]


# --- §2.E dense layer ---------------------------------------------------------------------------

_layer_shapes = st.sampled_from([(1, 1), (2, 3), (3, 2), (4, 4)])


def _layer(draw: Draw, integer: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m, n = draw(_layer_shapes)
    vec = jt.integer_valued_vectors if integer else jt.vectors
    return draw(vec(size=n)), draw(vec(size=(m, n))), draw(vec(size=m))


@_check("P-DENSE", "L(y, W, b) = y·Wᵀ + b; L_j = y·W_jᵀ + b_j; batched", f"{D1} Def 4.1")
def _(draw: Draw) -> list[Pair]:
    y, W, b = _layer(draw)
    loop = np.array([y @ W[j] + b[j] for j in range(len(b))])
    Y = np.stack([y, 2 * y])
    return [(jd.dense(y, W, b), loop), (jd.dense(Y, W, b), np.stack([loop, 2 * (y @ W.T) + b]))]


@_check("P-DENSE-JAC-INPUT", "J_L(y) = W", f"{D1} Prop 4.1 eq (8)")
def _(draw: Draw) -> list[Pair]:
    y, W, b = _layer(draw)
    return _jacobian_pairs(jd.dense, jd.dense_jacobian_input(y, W, b), y, W, b)


@_check("P-DENSE-JAC-WROW", "Jacobian w.r.t. row i*: row i* = y, others 0", f"{D1} Prop 4.2 eq (9)")
def _(draw: Draw) -> list[Pair]:
    y, W, b = _layer(draw)
    pairs = []
    for i in range(len(b)):
        ad = jax.jacfwd(lambda w, i=i: jd.dense(y, _f64(W).at[i].set(w), b))(_f64(W[i]))
        pairs.append((jd.dense_jacobian_weight_row(y, W, b, i), ad))
    return pairs


@_check("P-DENSE-JAC-W", "∂L_i/∂W_kj = δ_ik y_j (m, m, n)", f"{D1} Prop 4.2 (all rows)")
def _(draw: Draw) -> list[Pair]:
    y, W, b = _layer(draw)
    return _jacobian_pairs(jd.dense, jd.dense_jacobian_weights(y, W, b), y, W, b, argnums=1)


@_check("P-DENSE-JAC-BIAS", "J_L(b) = I_m", f"{D1} Prop 4.3 eq (10)")
def _(draw: Draw) -> list[Pair]:
    y, W, b = _layer(draw)
    return _jacobian_pairs(jd.dense, jd.dense_jacobian_bias(y, W, b), y, W, b, argnums=2)


@_check("P-DENSE-002-LAYOUT", "x·V + b = dense(x, Vᵀ, b); two layers likewise", f"{D2} §2")
def _(draw: Draw) -> list[Pair]:
    x, V1, b1 = draw(jt.vectors(size=3)), draw(jt.vectors(size=(3, 2))), draw(jt.vectors(size=2))
    V2, b2 = draw(jt.vectors(size=(2, 4))), draw(jt.vectors(size=4))
    two = jd.tanh(jd.dense_in_out(jd.tanh(jd.dense_in_out(x, V1, b1)), V2, b2))
    return [
        (jd.dense_in_out(x, V1, b1), jd.dense(x, V1.T, b1)),
        (two, jd.tanh(jd.dense(jd.tanh(jd.dense(x, V1.T, b1)), V2.T, b2))),
    ]


@_check("E-47", "002's V is 001's Wᵀ: x·V and x·Vᵀ differ (non-square)", f"{D2} §2")
def _(draw: Draw) -> Erratum:
    x, V, b = draw(jt.vectors(size=3)), draw(jt.vectors(size=(3, 2))), draw(jt.vectors(size=2))
    return Erratum([(jd.dense_in_out(x, V, b), x @ V + b)], [(np.shape(V), np.shape(V.T))])


@_check("P-DENSE-004-LAYOUT", "(W·aᵀ + bᵀ)ᵀ = dense(a, W, b); W[j−1, k−1] = w_jk", f"{D4} indexing")
def _(draw: Draw) -> list[Pair]:
    a, W, b = _layer(draw)
    return [(jd.dense(a, W, b), (W @ a[:, None] + b[:, None])[:, 0])]


@_check("E-51", "each unit has its own bias: bias gradients differ across units", f"{D4} indexing")
def _(draw: Draw) -> Erratum:
    y, W = draw(jt.vectors(size=3, bound=2.0)), draw(jt.vectors(size=(2, 3), bound=2.0))
    b = draw(jt.vectors(size=2))
    target = np.array([1.0, -1.0])
    cost = lambda b: jd.squared_error(jd.dense(y, W, b), target)  # noqa: E731
    g = jax.grad(cost)(_f64(b))
    shared = np.full(2, float(jnp.mean(g)))  # the best a single shared bias can do
    return Erratum([(g, 2 * (jd.dense(y, W, b) - target))], [(shared, g)])


@_check("E-56", "J of ReLU∘L w.r.t. b is diag(𝟙[L > 0])", f"{D0} §4")
def _(draw: Draw) -> list[Pair]:
    y, W, b = _layer(draw, integer=True)
    J = jax.jacfwd(lambda c: jd.relu(jd.dense(y, W, c)))(_f64(b))
    return [(J, jd.relu_jacobian(jd.dense(y, W, b)) @ jd.dense_jacobian_bias(y, W, b))]


# --- §2.F simplified Jacobians ------------------------------------------------------------------


def _cd(draw: Draw, m: int) -> tuple[jax.Array, jax.Array]:
    return _f64(draw(jt.vectors(size=m, bound=2.0))), _f64(draw(jt.finite_floats(-1.0, 1.0)))


@_check("P-SIMP-RELU-UPSTREAM", "∇(F∘ReLU)(z) = ∇F(ReLU z) ⊙ 𝟙[z > 0]", f"{D1} Prop 5.1 eq (11)")
def _(draw: Draw) -> list[Pair]:
    z = _f64(draw(jt.vectors(size=3)))
    c, d = _cd(draw, 3)
    got = jd.relu_backward(_upstream_grad(c, d, jd.relu(z)), z)
    return [
        (got, jax.grad(lambda z: _upstream(c, d)(jd.relu(z)))(z)),
        (got, _upstream_grad(c, d, jd.relu(z)) @ jd.relu_jacobian(z)),
    ]


@_check("E-31", "for element-wise φ ≠ ReLU use φ′, not the indicator", f"{D1} Prop 5.1")
def _(draw: Draw) -> Erratum:
    z = _f64(draw(jt.logits(size=3, bound=3.0)))
    c, d = _cd(draw, 3)
    up = _upstream_grad(c, d, jd.tanh(z))
    ad = jax.grad(lambda z: _upstream(c, d)(jd.tanh(z)))(z)
    return Erratum(
        [(jd.elementwise_backward(up, z, jd.tanh_derivative), ad)], [(jd.relu_backward(up, z), ad)]
    )


@_check(
    "P-SIMP-WEIGHT-OUTER", "∇_W F(L(y, W, b)) = ∇F(z)ᵀ·y; batch G_upᵀ·Y", f"{D1} Prop 5.2 eq (12)"
)
def _(draw: Draw) -> list[Pair]:
    y, W, b = (_f64(a) for a in _layer(draw))
    c, d = _cd(draw, W.shape[0])
    z = jd.dense(y, W, b)
    got = jd.dense_weight_gradient(_upstream_grad(c, d, z), y)
    Y = jnp.stack([y, -2 * y])
    G = jnp.stack([_upstream_grad(c, d, z), _upstream_grad(c, d, jd.dense(-2 * y, W, b))])
    return [
        (got, jax.grad(lambda W: _upstream(c, d)(jd.dense(y, W, b)))(W)),
        (jd.dense_weight_gradient(G, Y), G[0][:, None] * Y[0] + G[1][:, None] * Y[1]),
    ]


@_check("E-30", "the row-i* gradient is ∇F(z)_{i*}·y (y the layer input)", f"{D1} Prop 5.2")
def _(draw: Draw) -> Erratum:
    y, W, b = (_f64(a) for a in _layer(draw))
    c, d = _cd(draw, W.shape[0])
    z = jd.dense(y, W, b)
    ad = jax.grad(lambda W: _upstream(c, d)(jd.dense(y, W, b)))(W)
    v = y + 1.0  # any other vector in place of y
    return Erratum(
        [(jd.dense_weight_gradient(_upstream_grad(c, d, z), y)[0], ad[0])],
        [(_upstream_grad(c, d, z)[0] * v, ad[0])],
    )


@_check("P-SIMP-BIAS", "∇_b F(L(y, W, b)) = ∇F(z)", f"{D1} Prop 4.3 + Thm 1.3")
def _(draw: Draw) -> list[Pair]:
    y, W, b = (_f64(a) for a in _layer(draw))
    c, d = _cd(draw, W.shape[0])
    got = jd.dense_bias_gradient(_upstream_grad(c, d, jd.dense(y, W, b)))
    return [(got, jax.grad(lambda b: _upstream(c, d)(jd.dense(y, W, b)))(b))]


@_check("P-SIMP-INPUT", "∇_y F(L(y, W, b)) = ∇F(z)·W", f"{D1} Prop 4.1 + Thm 1.3")
def _(draw: Draw) -> list[Pair]:
    y, W, b = (_f64(a) for a in _layer(draw))
    c, d = _cd(draw, W.shape[0])
    got = jd.dense_input_gradient(_upstream_grad(c, d, jd.dense(y, W, b)), W)
    return [(got, jax.grad(lambda y: _upstream(c, d)(jd.dense(y, W, b)))(y))]


@_check("P-SIMP-RELU-DENSE", "∇ of F(ReLU(L)) w.r.t. y, W, b (integer data: ties)", f"{D3} §4")
def _(draw: Draw) -> list[Pair]:
    y, W, b = (_f64(a) for a in _layer(draw, integer=True))
    c, d = _cd(draw, W.shape[0])
    up = _upstream_grad(c, d, jd.relu(jd.dense(y, W, b)))
    dy, dW, db = jd.relu_dense_backward(up, y, W, b)
    total = lambda y, W, b: _upstream(c, d)(jd.relu(jd.dense(y, W, b)))  # noqa: E731
    ady, adW, adb = jax.grad(total, argnums=(0, 1, 2))(y, W, b)
    return [(dy, ady), (dW, adW), (db, adb)]


@_check("E-22", "F∘ReLU∘L is scalar: its y-gradient is one row (not m rows)", f"{D0} §4")
def _(draw: Draw) -> Erratum:
    y, W, b = (_f64(a) for a in _layer(draw))
    c, d = _cd(draw, W.shape[0])
    up = _upstream_grad(c, d, jd.relu(jd.dense(y, W, b)))
    dy = jd.relu_dense_backward(up, y, W, b)[0]
    printed = (up * jd.indicator_positive(jd.dense(y, W, b)))[:, None] * W  # m rows
    return Erratum([(dy.shape, y.shape)], [(printed.shape, y.shape)])


@_check("E-23", "weight row j carries one indicator, that of unit j", f"{D0} §4")
def _(draw: Draw) -> Erratum:
    y = _f64(draw(jt.logits(size=2, bound=3.0)) + np.array([5.0, 5.0]))
    W, b = _f64(np.eye(2)), _f64([0.0, -100.0])  # z_1 > 0, z_2 < 0
    up = _f64([1.0, 1.0])
    dW = jd.relu_dense_backward(up, y, W, b)[1]
    z = jd.dense(y, W, b)
    printed = up[:, None] * jd.indicator_positive(z)[None, :] * y  # indicator runs with k
    ad = jax.grad(lambda W: jnp.sum(jd.relu(jd.dense(y, W, b))))(W)
    return Erratum([(dW, ad)], [(printed, ad)])


# --- §2.G network and objective -----------------------------------------------------------------

_ARCHITECTURES = [(3, 4, 2), (2, 3, 3, 2), (4, 3), (1, 2, 1, 2)]


def _generic(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Entries of magnitude in [0.15, 2.1] with either sign, scaled by distinct factors: no zero
    and no two equal entries even at hypothesis's simplest draw, so that the points distinguish
    a printed formula from the corrected one."""
    size = math.prod(shape)
    spread = np.linspace(0.6, 1.4, size).reshape(shape)
    magnitudes = jt.finite_floats(0.25, 1.5)
    signed = magnitudes.flatmap(lambda v: st.sampled_from([v, -v]))
    return hnp.arrays(np.float64, shape, elements=signed).map(lambda a: a * spread)


def _network(
    draw: Draw,
    integer: bool = False,
    widths: tuple[int, ...] | None = None,
    generic: bool = False,
) -> tuple[list[dict], np.ndarray, np.ndarray]:
    widths = widths or draw(st.sampled_from(_ARCHITECTURES))
    params = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        if generic:
            W, b = draw(_generic((n_out, n_in))), draw(_generic((n_out,)))
        elif integer:
            W = draw(jt.integer_valued_vectors(size=(n_out, n_in), bound=4)) / 4
            b = np.zeros(n_out)
        else:
            W = draw(jt.vectors(size=(n_out, n_in), bound=1.5))
            b = draw(jt.vectors(size=n_out, bound=1.0))
        params.append({"W": _f64(W), "b": _f64(b)})
    if generic:
        X = draw(_generic((3, widths[0])))
    else:
        X = draw((jt.integer_valued_vectors if integer else jt.vectors)(size=(3, widths[0])))
    Y = np.eye(widths[-1])[[draw(st.integers(0, widths[-1] - 1)) for _ in range(3)]]
    return params, X, Y


@_check(
    "P-NET-DEF", "N_c+ = S∘L^p∘ReLU∘…∘L^1 (explicit compose); rows in the simplex", f"{D1} Def 5.1"
)
def _(draw: Draw) -> list[Pair]:
    params, X, _ = _network(draw, generic=True)
    layers = []
    for k, layer in enumerate(params):
        layers.append(lambda a, layer=layer: jd.dense(a, layer["W"], layer["b"]))
        layers.append(jd.softmax if k == len(params) - 1 else jd.relu)
    out = jd.forward(params, X)
    return [(out, jax.vmap(jd.compose(*layers))(_f64(X))), (out.sum(axis=1), np.ones(len(X)))]


@_check("P-NET-PARAM-COUNT", "Σ m_k(m_{k−1} + 1) = number of scalars", f"{D1} Corollary to Def 5.1")
def _(draw: Draw) -> list[Pair]:
    widths = tuple(draw(st.lists(st.integers(1, 12), min_size=2, max_size=5)))
    shapes = jax.eval_shape(lambda key: jd.init_params(key, widths), jax.random.PRNGKey(0))
    n = sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(shapes))
    return [(jd.param_count(widths), n), (jd.param_count((784, 128, 10)), 101_770)]


@_check("E-33", "widths (m_0, …, m_p) are p + 1 numbers", f"{D1} Def 5.1")
def _(draw: Draw) -> Erratum:
    widths = tuple(draw(st.lists(st.integers(1, 6), min_size=2, max_size=5)))
    params = jax.eval_shape(lambda key: jd.init_params(key, widths), jax.random.PRNGKey(0))
    return Erratum([(len(params) + 1, len(widths))], [(len(params), len(widths))])


@_check(
    "P-NET-DIFF",
    "jacfwd = jacrev of forward w.r.t. params (ReLU ties)",
    f"{D1} Corollaries 5.1–5.2",
)
def _(draw: Draw) -> list[Pair]:
    params, X, _ = _network(draw, integer=True)
    fwd = jax.jacfwd(jd.forward)(params, X[0])
    rev = jax.jacrev(jd.forward)(params, X[0])
    return _leaf_pairs(fwd, rev)


@_check(
    "E-60",
    "N_c+ differentiable only under Assumption 1: AD modes agree at ties",
    f"{D1} Corollaries",
)
def _(draw: Draw) -> list[Pair]:
    params, X, Y = _network(draw, integer=True)
    g = jd.backprop(params, X, Y)
    ad = jax.grad(jd.objective)(params, X, Y)
    return _leaf_pairs(g, ad)


@_check(
    "P-NET-GENERIC", "any activation per layer and any loss: backprop = AD", f"{D3} §5 Definitions"
)
def _(draw: Draw) -> list[Pair]:
    params, X, _ = _network(draw, generic=True)
    loss = draw(st.sampled_from(["sigmoid_binary_cross_entropy", "half_mean_squared_error"]))
    hidden = draw(st.sampled_from([jd.tanh, jd.sigmoid, jd.relu, jd.identity]))
    m = params[-1]["b"].shape[0]
    Y = np.array([[draw(st.sampled_from([0.0, 1.0])) for _ in range(m)] for _ in X])
    g = jd.backprop(params, X, Y, loss=loss, hidden=hidden)
    ad = jax.grad(jd.objective)(params, X, Y, loss=loss, hidden=hidden)
    return _leaf_pairs(g, ad)


@_check("P-NET-BATCH", "forward(params, X)[i] = forward(params, X[i])", f"{D0} §5; {D1} Conv. 2")
def _(draw: Draw) -> list[Pair]:
    params, X, _ = _network(draw)
    out = jd.forward(params, X)
    return [(out[i], jd.forward(params, X[i])) for i in range(len(X))]


@_check("P-NET-OBJECTIVE", "O_c+ = Σ_i ξ(N(x_i), y*_i); mean = sum/n", f"{D1} Def 5.2 eq (14)")
def _(draw: Draw) -> list[Pair]:
    params, X, Y = _network(draw)
    loop = sum(
        jd.categorical_cross_entropy(jd.forward(params, x), y) for x, y in zip(X, Y, strict=True)
    )
    total = jd.objective(params, X, Y)
    return [(total, loop), (jd.objective(params, X, Y, reduction="mean"), total / len(X))]


@_check("P-NET-OBJECTIVE-GRAD", "∇O = Σ_i ∇ξ_i = jax.grad; leaf shapes", f"{D1} Def 5.2 Note")
def _(draw: Draw) -> list[Pair]:
    params, X, Y = _network(draw)
    g = jd.backprop(params, X, Y)
    per_sample = [jax.grad(jd.objective)(params, X[i : i + 1], Y[i : i + 1]) for i in range(len(X))]
    summed = jax.tree.map(lambda *a: sum(a), *per_sample)
    return _leaf_pairs(g, summed)


@_check("E-35", "the W^(k) gradient has shape (m_k, m_{k−1})", f"{D1} Notation 17")
def _(draw: Draw) -> list[Pair]:
    params, X, Y = _network(draw, generic=True)
    g = jd.backprop(params, X, Y)
    return [(gl["W"].shape, pl["W"].shape) for gl, pl in zip(g, params, strict=True)]


@_check("P-NET-LAYER-GRAD-003", "003's hidden-layer theorem, every hidden k", f"{D3} §5 Theorem")
def _(draw: Draw) -> list[Pair]:
    params, X, Y = _network(draw, integer=draw(st.booleans()))
    ad = jax.grad(jd.objective)(params, X, Y)
    pairs: list[Pair] = []
    for k in range(1, len(params)):
        dW, db = jd.layer_gradients_003(params, X, Y, k)
        pairs += [(dW, ad[k - 1]["W"]), (db, ad[k - 1]["b"])]
    return pairs or [(0.0, 0.0)]


@_check("E-20", "the theorem holds for k = 1 and k = p − 1 (printed ⟦2, p−2⟧)", f"{D3} §5 Theorem")
def _(draw: Draw) -> Erratum:
    params, X, Y = _network(draw, generic=True)
    while len(params) < 3:
        params, X, Y = _network(draw, generic=True)
    ad = jax.grad(jd.objective)(params, X, Y)
    p = len(params)
    printed_range = list(range(2, p - 1))  # ⟦2, p − 2⟧
    pairs = [(jd.layer_gradients_003(params, X, Y, k)[0], ad[k - 1]["W"]) for k in (1, p - 1)]
    return Erratum(pairs, [(len(printed_range), p - 1)])


@_check("E-21", "the weight-gradient factor is ∇F^up, not F^up's value", f"{D3} §5 Theorem")
def _(draw: Draw) -> Erratum:
    params, X, Y = _network(draw, generic=True)
    while len(params) < 2:
        params, X, Y = _network(draw, generic=True)
    ad = jax.grad(jd.objective)(params, X, Y)
    a = jd.forward_pass(params, X)
    y_down, z = _f64(X), a.pre_activations[0]
    rest = params[1:]
    values = jnp.stack(
        [jd.objective(rest, jd.relu(z[i : i + 1]), Y[i : i + 1]) for i in range(len(X))]
    )
    printed = (values[:, None] * jd.indicator_positive(z)).T @ y_down
    return Erratum(
        [(jd.layer_gradients_003(params, X, Y, 1)[0], ad[0]["W"])], [(printed, ad[0]["W"])]
    )


@_check(
    "P-NET-LINEAR-COLLAPSE",
    "identity activations collapse to one affine map",
    f"{D4} neuron function",
)
def _(draw: Draw) -> list[Pair]:
    params, X, _ = _network(draw, generic=True)
    W, b = jd.collapse_linear(params)
    out = jd.forward(params, X, hidden=jd.identity, output=jd.identity)
    return [(out, jd.dense(X, W, b))]


# --- §2.H backpropagation -----------------------------------------------------------------------

_HEADS = ["softmax_cross_entropy", "sigmoid_binary_cross_entropy", "half_mean_squared_error"]
_LOSS_GRADIENT = {  # ∇_a C of each head's loss, at the output a = φ(z)
    "softmax_cross_entropy": jd.categorical_cross_entropy_gradient,
    "sigmoid_binary_cross_entropy": jd.binary_cross_entropy_gradient,
    "half_mean_squared_error": jd.half_mean_squared_error_gradient,
}


def _problem(draw: Draw) -> tuple[list[dict], np.ndarray, np.ndarray, str, Any]:
    params, X, Y = _network(draw, integer=draw(st.booleans()))
    head = draw(st.sampled_from(_HEADS))
    if head != "softmax_cross_entropy":
        Y = np.array([[draw(st.sampled_from([0.0, 1.0])) for _ in row] for row in Y])
    hidden = tuple(
        draw(st.sampled_from([jd.relu, jd.tanh, jd.sigmoid, jd.identity]))
        for _ in range(len(params) - 1)
    )
    return params, X, Y, head, hidden


def _deltas(params: list, X: Any, Y: Any, head: str, hidden: Any) -> list[jax.Array]:
    """δ^ℓ = ∂C/∂z^ℓ by autodiff through additive pre-activation perturbations (P-BP-DELTA-DEF)."""
    zeros = [jnp.zeros((len(X), layer["b"].shape[0])) for layer in params]

    def cost(perturbations: list) -> jax.Array:
        head_ = jd.loss_head(head)
        a = jd.forward_pass(params, X, hidden, perturbations)
        return jnp.sum(head_.loss(a.pre_activations[-1], _f64(Y)))

    return jax.grad(cost)(zeros)


@_check(
    "P-BP-DELTA-DEF",
    "δ^ℓ = ∂C/∂z^ℓ via pre-activation perturbations = BP1/BP2",
    f"{D4} error of a node",
)
def _(draw: Draw) -> list[Pair]:
    params, X, Y, head, hidden = _problem(draw)
    deltas = _deltas(params, X, Y, head, hidden)
    a = jd.forward_pass(params, X, hidden)
    h, z = jd.loss_head(head), a.pre_activations[-1]
    delta = jd.output_delta(_LOSS_GRADIENT[head](h.output(z), _f64(Y)), z, h.output)
    pairs = [(delta, deltas[-1])]
    for layer in range(len(params) - 2, -1, -1):
        delta = jd.hidden_delta(
            delta, params[layer + 1]["W"], a.pre_activations[layer], hidden[layer]
        )
        pairs.append((delta, deltas[layer]))
    return pairs


@_check("P-BP-EQ1", "δ^L = ∇_aC ⊙ φ′(z^L); softmax: ∇_aC·J_S = S − y*", f"{D4} BP1")
def _(draw: Draw) -> list[Pair]:
    z = _f64(draw(jt.logits(size=3, bound=5.0)))
    pairs: list[Pair] = []
    for act, loss, grad in [
        (jd.sigmoid, jd.binary_cross_entropy, jd.binary_cross_entropy_gradient),
        (jd.identity, jd.half_mean_squared_error, jd.half_mean_squared_error_gradient),
        (jd.tanh, jd.squared_error, jd.squared_error_gradient),
        (jd.softmax, jd.categorical_cross_entropy, jd.categorical_cross_entropy_gradient),
    ]:
        y = _f64(np.eye(3)[draw(st.integers(0, 2))])
        ad = jax.grad(lambda z, loss=loss, act=act, y=y: loss(act(z), y))(z)
        pairs.append((jd.output_delta(grad(act(z), y), z, act), ad))
    return pairs


@_check("E-19", "BP1 for softmax needs ∇_aC·J_S (the ⊙ form fails)", f"{D4} BP1")
def _(draw: Draw) -> Erratum:
    z = _f64(draw(jt.logits(size=3, bound=5.0)))
    y = _f64(np.eye(3)[draw(st.integers(0, 2))])
    up = jd.categorical_cross_entropy_gradient(jd.softmax(z), y)
    ad = jax.grad(lambda z: jd.categorical_cross_entropy(jd.softmax(z), y))(z)
    printed = up * jnp.diag(jd.softmax_jacobian(z))
    return Erratum([(jd.output_delta(up, z, jd.softmax), ad)], [(printed, ad)])


@_check("P-BP-EQ2", "δ^ℓ = (δ^{ℓ+1}·W^{ℓ+1}) ⊙ φ′(z^ℓ)", f"{D4} BP2")
def _(draw: Draw) -> list[Pair]:
    delta_next = draw(jt.vectors(size=(2, 3)))
    W_next, z = draw(jt.vectors(size=(3, 4))), draw(jt.integer_valued_vectors(size=(2, 4)))
    name = draw(st.sampled_from(sorted(_ACTIVATIONS)))
    f, _, df = _ACTIVATIONS[name]
    ad = jax.grad(lambda z: jnp.sum(delta_next * jd.dense(f(z), W_next, jnp.zeros(3))))(_f64(z))
    pairs = [(jd.hidden_delta(delta_next, W_next, z, f), ad)]
    if name == "relu":
        pairs.append(
            (
                jd.hidden_delta(delta_next, W_next, z, f),
                jd.relu_backward(jd.dense_input_gradient(delta_next, W_next), z),
            )
        )
    return pairs


@_check("E-55", "row forms: δ^{ℓ+1}·W^{ℓ+1}, not δ^{ℓ+1}·(W^{ℓ+1})ᵀ", f"{D4} BP2, BP4")
def _(draw: Draw) -> Erratum:
    delta_next, W_next = draw(jt.vectors(size=(2, 3))), draw(jt.vectors(size=(3, 4)))
    z = draw(jt.vectors(size=(2, 4)))
    got = jd.hidden_delta(delta_next, W_next, z, jd.tanh)
    # δ^{ℓ+1}·(W^{ℓ+1})ᵀ multiplies (2, 3) by (4, 3): the inner dimensions 3 and 4 do not chain
    return Erratum(
        [(got, (delta_next @ W_next) * jd.tanh_derivative(z))],
        [(W_next.T.shape[0], delta_next.shape[1])],
    )


@_check("P-BP-EQ3", "∂C/∂b^ℓ = Σ_i δ^ℓ_i", f"{D4} BP3")
def _(draw: Draw) -> list[Pair]:
    params, X, Y, head, hidden = _problem(draw)
    deltas = _deltas(params, X, Y, head, hidden)
    ad = jax.grad(jd.objective)(params, X, Y, loss=head, hidden=hidden)
    return [(jd.bias_gradient(d), g["b"]) for d, g in zip(deltas, ad, strict=True)]


@_check("P-BP-EQ4", "∂C/∂W^ℓ = (Δ^ℓ)ᵀ·A^{ℓ−1} (out, in)", f"{D4} BP4")
def _(draw: Draw) -> list[Pair]:
    params, X, Y, head, hidden = _problem(draw)
    deltas = _deltas(params, X, Y, head, hidden)
    a = jd.forward_pass(params, X, hidden).activations
    ad = jax.grad(jd.objective)(params, X, Y, loss=head, hidden=hidden)
    return [
        (jd.weight_gradient(d, a_prev), g["W"]) for d, a_prev, g in zip(deltas, a, ad, strict=True)
    ]


@_check("P-BP-ALGO", "backprop (closed forms only) = jax.grad(objective)", f"{D4}; {D2} §6")
def _(draw: Draw) -> list[Pair]:
    params, X, Y, head, hidden = _problem(draw)
    reduction = draw(st.sampled_from(["sum", "mean"]))
    g = jd.backprop(params, X, Y, reduction=reduction, loss=head, hidden=hidden)
    ad = jax.grad(jd.objective)(params, X, Y, reduction=reduction, loss=head, hidden=hidden)
    return _leaf_pairs(g, ad)


@_check("P-BP-LAYER-CHAIN", "∇_{a¹}C = ∇_{a³}C·J(a²→a³)·J(a¹→a²)", f"{D4} entire layer")
def _(draw: Draw) -> list[Pair]:
    a1 = _f64(draw(jt.vectors(size=3, bound=2.0)))
    W2, b2 = _f64(draw(jt.vectors(size=(4, 3)))), _f64(draw(jt.vectors(size=4)))
    W3, b3 = _f64(draw(jt.vectors(size=(2, 4)))), _f64(draw(jt.vectors(size=2)))
    y = _f64([1.0, 0.0])
    l2 = lambda a: jd.tanh(jd.dense(a, W2, b2))  # noqa: E731
    l3 = lambda a: jd.sigmoid(jd.dense(a, W3, b3))  # noqa: E731
    C = lambda a3: jd.squared_error(a3, y)  # noqa: E731
    a2 = l2(a1)
    chain = jax.grad(C)(l3(a2)) @ jax.jacfwd(l3)(a2) @ jax.jacfwd(l2)(a1)
    return [(chain, jax.grad(lambda a: C(l3(l2(a))))(a1))]


@_check("E-54", "the printed order needs transposed Jacobians", f"{D4} entire layer")
def _(draw: Draw) -> Erratum:
    a1 = _f64(draw(jt.vectors(size=3, bound=2.0)))
    W2, W3 = _f64(draw(jt.vectors(size=(4, 3)))), _f64(draw(jt.vectors(size=(2, 4))))
    l2 = lambda a: jd.tanh(a @ W2.T)  # noqa: E731
    l3 = lambda a: jd.sigmoid(a @ W3.T)  # noqa: E731
    a2 = l2(a1)
    J2, J3 = jax.jacfwd(l2)(a1), jax.jacfwd(l3)(a2)
    g3 = _f64([1.0, -1.0])
    ad = jax.grad(lambda a: jnp.sum(g3 * l3(l2(a))))(a1)
    return Erratum([(J2.T @ J3.T @ g3, ad), (g3 @ J3 @ J2, ad)], [(np.shape(J2), np.shape(J3.T))])


# --- §2.I worked examples and single neurons ----------------------------------------------------


@_check("P-EX-GRAD-X2COSY", "∇(x² + cos y) = [2x, −sin y]", f"{D4} Introduction")
def _(draw: Draw) -> list[Pair]:
    v = draw(jt.vectors(size=2))
    return _jacobian_pairs(jd.quad_cos, jd.quad_cos_gradient(v), v) + [
        (jd.quad_cos_gradient(v), [2 * v[0], -np.sin(v[1])])
    ]


@_check("P-EX-JAC-POLYEXP", "J[2x + y³, e^y − 13x] = [[2, 3y²], [−13, e^y]]", f"{D4} Introduction")
def _(draw: Draw) -> list[Pair]:
    v = draw(jt.vectors(size=2, bound=20.0))
    return _jacobian_pairs(jd.poly_exp, jd.poly_exp_jacobian(v), v)


@_check("P-EX-SCALAR-CHAIN", "d/dx sin(x²) = 2x cos(x²)", f"{D4} Introduction")
def _(draw: Draw) -> list[Pair]:
    x = draw(jt.finite_floats(-10, 10))
    return [
        (jd.sin_square_derivative(x), jax.grad(jd.sin_square)(x)),
        (jd.sin_square_derivative(x), np.cos(x * x) * 2 * x),
    ]


@_check("P-EX-JAC-SINLOG", "J[sin(a² + b), ln b³] = J_f(g)·J_g", f"{D4} Introduction")
def _(draw: Draw) -> list[Pair]:
    a = draw(jt.finite_floats(-3, 3))
    b = draw(jt.finite_floats(1e-2, 10))
    v = np.array([a, b])
    J = jd.sin_log_jacobian(v)
    product = jd.sin_log_outer_jacobian(jd.sin_log_inner(v)) @ jd.sin_log_inner_jacobian(v)
    return _jacobian_pairs(jd.sin_log, J, v) + [(J, product), (J[1, 1], 3 / b)]


@_check(
    "P-EX-HADAMARD-JAC", "F = f(v) ⊙ g(w): diag(f′(v) g(w)), diag(f(v) g′(w))", f"{D4} Hadamard"
)
def _(draw: Draw) -> list[Pair]:
    v, w = draw(jt.vectors(size=3)), draw(jt.vectors(size=3))
    Jv, Jw = jd.hadamard_jacobians(
        v, w, jd.tanh, jd.tanh_derivative, jd.sigmoid, jd.sigmoid_derivative
    )
    return _jacobian_pairs(_tanh_times_sigmoid, Jv, v, w) + _jacobian_pairs(
        _tanh_times_sigmoid, Jw, v, w, argnums=1
    )


def _tanh_times_sigmoid(v: jax.Array, w: jax.Array) -> jax.Array:
    return jd.tanh(v) * jd.sigmoid(w)


@_check("E-15", "∂(v ⊙ w)/∂v = diag(w) (printed diag(v))", f"{D4} Hadamard")
def _(draw: Draw) -> Erratum:
    v, w = draw(jt.logits(size=3, bound=3.0)), draw(jt.logits(size=3, bound=3.0))
    w = v + 1.0 + np.abs(w)  # w ≠ v
    Jv, _ = jd.hadamard_jacobians(v, w)
    ad = jax.jacfwd(lambda v: v * w)(_f64(v))
    return Erratum([(Jv, ad)], [(np.diag(v), ad)])


@_check("P-EX-SCALAR-EXPANSION", "F = x·v: ∂/∂v = x I, ∂/∂x = vᵀ (n × 1)", f"{D4} scalar expansion")
def _(draw: Draw) -> list[Pair]:
    v = draw(jt.vectors(size=3))
    x = draw(jt.finite_floats(-5, 5))
    Jv, Jx = jd.scalar_expansion_jacobians(v, x)
    F = lambda v, x: x * v  # noqa: E731
    return [
        (Jv, jax.jacfwd(F)(_f64(v), _f64(x))),
        (Jx, jax.jacfwd(F, argnums=1)(_f64(v), _f64(x))),
    ]


@_check("E-16", "∂(x·v)/∂v = x·I (printed without x)", f"{D4} scalar expansion")
def _(draw: Draw) -> Erratum:
    v = draw(jt.vectors(size=3))
    x = draw(jt.finite_floats(1.5, 5))
    Jv, _ = jd.scalar_expansion_jacobians(v, x)
    ad = jax.jacfwd(lambda v: x * v)(_f64(v))
    return Erratum([(Jv, ad)], [(np.eye(3), ad)])


@_check("P-EX-SUM-HADAMARD", "∂(Σ w ⊙ x)/∂w = 𝟙·diag(x) = x", f"{D4} neuron activation")
def _(draw: Draw) -> list[Pair]:
    w, x = draw(jt.vectors(size=3)), draw(jt.vectors(size=3))
    dS_dH, dH_dw = np.ones(3), np.diag(x)
    return [
        (dS_dH @ dH_dw, jax.grad(lambda w: jnp.sum(w * x))(_f64(w))),
        (jax.jacfwd(lambda w: w * x)(_f64(w)), dH_dw),
    ]


@_check("P-NEURON-GRAD", "∂a/∂w = φ′(z)x, ∂a/∂b = φ′(z)", f"{D4} neuron activation")
def _(draw: Draw) -> list[Pair]:
    name = draw(st.sampled_from(["relu", "sigmoid", "tanh"]))
    f, _, df = _ACTIVATIONS[name]
    x, w = draw(jt.integer_valued_vectors(size=3)), draw(jt.integer_valued_vectors(size=3))
    b = float(draw(st.integers(-3, 3)))
    dw, db = jd.neuron_gradients(x, w, b, df)
    adw, adb = jax.grad(jd.neuron, argnums=(1, 2))(_f64(x), _f64(w), _f64(b), f)
    return [(dw, adw), (db, adb)]


def _relu_neuron(draw: Draw) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    w, X = draw(jt.integer_valued_vectors(size=3)), draw(jt.integer_valued_vectors(size=(4, 3)))
    b = float(draw(st.integers(-2, 2)))
    y = draw(jt.integer_valued_vectors(size=4))
    return w, b, X, y


@_check(
    "P-NEURON-RELU-MSE", "∂C/∂w = (1/m)((z − y) ⊙ 𝟙[z > 0])·X; ∂C/∂b", f"{D4} simple network cost"
)
def _(draw: Draw) -> list[Pair]:
    w, b, X, y = _relu_neuron(draw)
    dw, db = jd.relu_neuron_mse_gradients(w, b, X, y)
    adw, adb = jax.grad(jd.relu_neuron_mse, argnums=(0, 1))(_f64(w), _f64(b), X, y)
    return [(dw, adw), (db, adb)]


@_check(
    "E-12", "∂C/∂b = +(1/m)Σ 𝟙[z > 0](z − y) (printed: minus)", f"{D4} differentiating the bias"
)
def _(draw: Draw) -> Erratum:
    w, b, X, y = _relu_neuron(draw)
    b = 5.0 + abs(b)  # every sample active
    y = y - 20.0  # z − y > 0
    _, db = jd.relu_neuron_mse_gradients(w, b, X, y)
    adb = jax.grad(jd.relu_neuron_mse, argnums=1)(_f64(w), _f64(b), X, y)
    return Erratum([(db, adb)], [(-db, adb)])


@_check("E-13", "the activity test is per sample, inside the sum", f"{D4} simple network cost")
def _(draw: Draw) -> Erratum:
    w, b, X, y = _relu_neuron(draw)
    X = np.vstack([np.full(3, 1.0), np.full(3, -1.0), X[2:]])
    w, b = np.array([1.0, 1.0, 1.0]), 0.5  # z_0 = 3.5 > 0, z_1 = −2.5 < 0
    z = X @ w + b
    adw = jax.grad(jd.relu_neuron_mse)(_f64(w), _f64(b), X, y)
    globally_active = (z - y) @ X / len(y)  # the case split moved outside the sum
    return Erratum([(jd.relu_neuron_mse_gradients(w, b, X, y)[0], adw)], [(globally_active, adw)])


@_check(
    "E-52", "a^L = ReLU(x_i·wᵀ + b): dropping the ReLU changes ∂C/∂w", f"{D4} simple network cost"
)
def _(draw: Draw) -> Erratum:
    _, _, X, y = _relu_neuron(draw)
    X[0], X[1] = np.full(3, 1.0), np.full(3, -1.0)
    w, b = np.array([1.0, 1.0, 1.0]), 0.5  # sample 0 active, sample 1 inactive
    adw = jax.grad(jd.relu_neuron_mse)(_f64(w), _f64(b), X, y)
    linear = (X @ w + b - y) @ X / len(y)  # the gradient of the cost without the ReLU
    return Erratum([(jd.relu_neuron_mse_gradients(w, b, X, y)[0], adw)], [(linear, adw)])


@_check("P-NEURON-ERROR-TERM", "all active: ∂C/∂w = (1/m)·e·X", f"{D4} derivatives w.r.t. weights")
def _(draw: Draw) -> list[Pair]:
    w, _, X, y = _relu_neuron(draw)
    X = np.abs(X) + 1.0
    w, b = np.abs(w) + 1.0, 1.0
    e = X @ w + b - y
    return [(jd.relu_neuron_mse_gradients(w, b, X, y)[0], e @ X / len(y))]


@_check(
    "E-14", "the expansion keeps 1/m and the sample index of x", f"{D4} derivatives w.r.t. weights"
)
def _(draw: Draw) -> Erratum:
    w, _, X, y = _relu_neuron(draw)
    X = np.abs(X) + 1.0
    X[1] = X[0] + 1.0  # distinct rows
    w, b = np.abs(w) + 1.0, 1.0
    e = X @ w + b - y
    ad = jax.grad(jd.relu_neuron_mse)(_f64(w), _f64(b), X, y)
    printed = np.sum(e) * X[0]  # no 1/m, one shared x
    return Erratum([(jd.relu_neuron_mse_gradients(w, b, X, y)[0], ad)], [(printed, ad)])


@_check("P-GD-STEP-004", "θ ← θ − α∂C/∂θ leaf-wise = flat update", f"{D4} gradient descent")
def _(draw: Draw) -> list[Pair]:
    params, X, Y = _network(draw)
    grads = jax.grad(jd.objective)(params, X, Y)
    lr = draw(jt.finite_floats(1e-3, 1.0))
    flat, unravel = ravel_pytree(params)
    expected = unravel(flat - lr * ravel_pytree(grads)[0])
    return _leaf_pairs(jd.gd_step(params, grads, lr), expected)


@_check("E-17", "−∇C is the descent direction; ∇C ascends", f"{D4} gradient descent")
def _(draw: Draw) -> Erratum:
    params, X, Y = _network(draw, generic=True)
    grads = jax.grad(jd.objective)(params, X, Y)
    c0 = jd.objective(params, X, Y)
    down = jd.objective(jd.gd_step(params, grads, 1e-6), X, Y)
    up = jd.objective(jd.gd_step(params, grads, -1e-6), X, Y)
    return Erratum([_le(down, c0)], [_le(up, c0 - 1e-9)])


@_check("E-18", "each parameter pairs with its own partial", f"{D4} gradient descent")
def _(draw: Draw) -> Erratum:
    params, X, Y = _network(draw, generic=True)
    grads = jax.grad(jd.objective)(params, X, Y)
    stepped = jd.gd_step(params, grads, 0.1)
    b = params[0]["b"]
    correct = b - 0.1 * grads[0]["b"]
    printed = b - 0.1 * grads[0]["W"][:, 0]  # b paired with a weight partial
    return Erratum([(stepped[0]["b"], correct)], [(printed, correct)])


# --- §2.K algorithms and optax parity -----------------------------------------------------------

ALPHA, BETA, EPS, B1, B2 = 0.05, 0.9, 1e-3, 0.9, 0.999
PARITY_WIDTHS = (3, 4, 2)
"""One architecture for the trajectory comparisons: one compiled scan per optimizer."""
PARITY_STEPS = 20


_OPTIMIZERS: dict[str, Callable[[], optax.GradientTransformation]] = {
    "gd": lambda: jd.gradient_descent(ALPHA),
    "optax.sgd": lambda: optax.sgd(ALPHA),
    "momentum": lambda: jd.momentum(ALPHA, BETA),
    "momentum β=0": lambda: jd.momentum(ALPHA, 0.0),
    "momentum β=0.5": lambda: jd.momentum(ALPHA, 0.5),
    "optax.sgd momentum": lambda: optax.sgd(ALPHA * (1 - BETA), momentum=BETA),
    "optax.ema scale": lambda: optax.chain(optax.ema(BETA, debias=False), optax.scale(-ALPHA)),
    "optax.ema β=1 scale": lambda: optax.chain(optax.ema(1.0, debias=False), optax.scale(-ALPHA)),
    "rmsprop": lambda: jd.rmsprop(ALPHA, BETA, EPS),
    "optax.rmsprop": lambda: optax.rmsprop(ALPHA, decay=BETA, eps=EPS, eps_in_sqrt=True),
    "rmsprop outside": lambda: jd.rmsprop(ALPHA, BETA, EPS, eps_in_sqrt=False),
    "optax.rmsprop outside": lambda: optax.rmsprop(ALPHA, decay=BETA, eps=EPS, eps_in_sqrt=False),
    "adam": lambda: jd.adam(ALPHA, B1, B2, EPS),
    "optax.adam": lambda: optax.adam(ALPHA, b1=B1, b2=B2, eps=EPS, eps_root=0.0),
    "adam eps_root": lambda: jd.adam(ALPHA, B1, B2, 0.0, eps_root=EPS),
    "optax.adam eps_root": lambda: optax.adam(ALPHA, b1=B1, b2=B2, eps=0.0, eps_root=EPS),
    "adam 002": lambda: jd.adam(ALPHA, B1, B2, 0.0, eps_root=EPS, bias_correction=False),
    "optax.adam 002": lambda: jt.optax_adam_002(ALPHA, B1, B2, EPS),
}


@functools.cache
def _compiled_trajectory(name: str, steps: int) -> Callable[..., jax.Array]:
    tx, grad = _OPTIMIZERS[name](), jax.grad(jd.objective)

    @jax.jit
    def run(params: Any, X: Any, Y: Any) -> jax.Array:
        def step(carry: Any, _: Any) -> Any:
            params, state = carry
            updates, state = tx.update(grad(params, X, Y), state, params)
            params = optax.apply_updates(params, updates)
            return (params, state), ravel_pytree(params)[0]

        return jax.lax.scan(step, (params, tx.init(params)), None, length=steps)[1]

    return run


def _trajectory(name: str, params: Any, X: Any, Y: Any, steps: int = PARITY_STEPS) -> Any:
    """Iterates x^(1), …, x^(steps) of the named optimizer on the summed objective O_c+."""
    with jax.numpy_dtype_promotion("standard"):  # optax's bias corrections: float ** int32
        return _compiled_trajectory(name, steps)(params, X, Y)


def _parity(*names: tuple[str, str]) -> Callable[[Draw], list[Pair]]:
    """Trajectories of each (jaxdnn, optax) pair from a drawn network and data."""

    def compute(draw: Draw) -> list[Pair]:
        params, X, Y = _network(draw, widths=PARITY_WIDTHS, generic=True)
        return [(_trajectory(a, params, X, Y), _trajectory(b, params, X, Y)) for a, b in names]

    return compute


def _register_parity(id_: str, what: str, source: str, *names: tuple[str, str]) -> None:
    CHECKS.append(Check(id_, what, source, _parity(*names)))


@_check("E-06", "x^(1) = x^(0) − α∇f(x^(0)) is defined (recurrence from n = 0)", f"{D1} Def 6.4")
def _(draw: Draw) -> Erratum:
    params, X, Y = _network(draw, widths=PARITY_WIDTHS, generic=True)
    first_iterate = _trajectory("gd", params, X, Y)[0]
    flat = ravel_pytree(params)[0]
    expected = flat - ALPHA * ravel_pytree(jax.grad(jd.objective)(params, X, Y))[0]
    # printed: recurrences only for n ≥ 1, so x^(1) is never produced and x stays at x^(0)
    return Erratum([(first_iterate, expected)], [(flat, expected)])


_register_parity(
    "P-ALG-MOMENTUM",
    "momentum = optax.sgd(α(1−β), β) = ema∘scale(−α); β = 0 is GD",
    f"{D1} Def 6.5 eq (23)",
    ("momentum", "optax.sgd momentum"),
    ("momentum", "optax.ema scale"),
    ("momentum β=0", "gd"),
)


@_check("E-05", "x^(n+1) = x^(n) − α m^(n+1) (printed m^(n): first step a no-op)", f"{D1} Def 6.5")
def _(draw: Draw) -> Erratum:
    params, X, Y = _network(draw, widths=PARITY_WIDTHS, generic=True)
    flat = ravel_pytree(params)[0]
    gradient = ravel_pytree(jax.grad(jd.objective)(params, X, Y))[0]
    m0 = jnp.zeros_like(flat)
    printed_first = flat - ALPHA * m0  # x^(1) = x^(0) − α m^(0)
    expected = flat - ALPHA * (BETA * m0 + (1 - BETA) * gradient)
    return Erratum(
        [(_trajectory("momentum", params, X, Y)[0], expected)], [(printed_first, expected)]
    )


@_check("E-07", "β = 1 never moves, so β ∈ [0, 1) (β = 1 rejected)", f"{D1} Defs 6.5–6.7")
def _(draw: Draw) -> Erratum:
    params, X, Y = _network(draw, widths=PARITY_WIDTHS, generic=True)
    flat = ravel_pytree(params)[0]
    try:
        jd.momentum(ALPHA, 1.0)
        rejected = False
    except ValueError:
        rejected = True
    stuck = _trajectory("optax.ema β=1 scale", params, X, Y)[-1]
    moving = _trajectory("momentum β=0.5", params, X, Y)[-1]  # an admissible β trains
    return Erratum([_same(rejected), (stuck, flat)], [(stuck, moving)])


@_check("P-ALG-EMA", "EMA and debiased EMA = optax.ema; constant g: (1 − βⁿ)g", f"{D2} §7.4")
def _(draw: Draw) -> list[Pair]:
    beta = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99]))
    debias = draw(st.booleans())
    seq = _f64(draw(jt.vectors(size=(6, 2))))
    expected = _optax_ema(seq, beta, debias)
    n = np.arange(1, 7)[:, None]
    constant = jd.ema(np.ones((6, 2)), beta, debias)
    return [
        (jd.ema(seq, beta, debias), expected),
        (constant, np.ones((6, 2)) if debias else np.broadcast_to(1 - beta**n, (6, 2))),
    ]


@functools.partial(jax.jit, static_argnums=(1, 2))
def _optax_ema(seq: jax.Array, beta: float, debias: bool) -> jax.Array:
    tx = optax.ema(beta, debias=debias)

    def step(state: Any, g: jax.Array) -> Any:
        average, state = tx.update(g, state)
        return state, average

    with jax.numpy_dtype_promotion("standard"):
        return jax.lax.scan(step, tx.init(seq[0]), seq)[1]


@_check("P-ALG-BP-GD", "simultaneous update of every W, b = gd_step with ∇O", f"{D1} Def 6.6")
def _(draw: Draw) -> list[Pair]:
    params, X, Y = _network(draw, widths=PARITY_WIDTHS)
    grads = jax.grad(jd.objective)(params, X, Y)
    tx = jd.gradient_descent(ALPHA)
    updates, _ = tx.update(grads, tx.init(params))
    stepped = optax.apply_updates(params, updates)
    reverse = jd.gd_step(params[::-1], grads[::-1], ALPHA)[::-1]
    return _leaf_pairs(stepped, reverse)


_register_parity(
    "P-ALG-BP-MOMENTUM",
    "leaf-wise momentum on the params pytree = optax.sgd(α(1−β), β)",
    f"{D1} Def 6.7",
    ("momentum", "optax.sgd momentum"),
)


@_check(
    "P-ALG-MINIBATCH",
    "batches: a permutation, ⌈n/B⌉ of them, last n − B⌊n/B⌋",
    f"{D1} Note after Def 6.6; {D2} §7.1–7.3",
)
def _(draw: Draw) -> list[Pair]:
    n, B = draw(st.sampled_from([1, 7, 32, 33, 100])), draw(st.sampled_from([1, 5, 32, 64]))
    key = jax.random.PRNGKey(draw(st.integers(0, 2**31 - 1)))
    idx, mask = jd.batch_indices(key, n, B)
    valid = np.asarray(idx)[np.asarray(mask)]
    last = n - B * (n // B) or B
    return [
        (np.sort(valid), np.arange(n)),
        (idx.shape[0], -(-n // B)),
        (np.asarray(mask)[-1].sum(), min(last, n)),
    ]


_objective_grad = jax.jit(jax.grad(jd.objective), static_argnames="reduction")


@_check(
    "P-ALG-GRAD-ESTIMATE",
    "batch mean gradient; mean over all subsets = ∇O/n",
    f"{D1} Note after Def 6.6",
)
def _(draw: Draw) -> list[Pair]:
    params, X, Y = _network(draw, widths=PARITY_WIDTHS)
    full = _objective_grad(params, X, Y)
    subsets = list(itertools.combinations(range(len(X)), 2))
    grads = [_objective_grad(params, X[list(s)], Y[list(s)], reduction="mean") for s in subsets]
    average = jax.tree.map(lambda *g: sum(g) / len(g), *grads)
    return _leaf_pairs(average, jax.tree.map(lambda g: g / len(X), full))


@_check("E-37", "the batch mean estimates ∇O/n, not ∇O", f"{D1} Note after Def 6.6")
def _(draw: Draw) -> Erratum:
    params, X, Y = _network(draw, generic=True)
    total = ravel_pytree(jax.grad(jd.objective)(params, X, Y))[0]
    mean = ravel_pytree(jax.grad(jd.objective)(params, X, Y, reduction="mean"))[0]
    return Erratum([(mean, total / len(X))], [(mean, total)])


@_check(
    "P-ALG-BP-SGD",
    "B = n: one epoch of fit = one GD step on the mean objective",
    f"{D1} Note after Def 6.6",
)
def _(draw: Draw) -> list[Pair]:
    params, X, Y = _network(draw, widths=PARITY_WIDTHS, generic=True)
    fitted, _ = jd.fit(
        params,
        X,
        Y,
        jd.gradient_descent(ALPHA),
        key=jax.random.PRNGKey(0),
        epochs=1,
        batch_size=len(X),
    )
    step = jd.gd_step(params, jax.grad(jd.objective)(params, X, Y, reduction="mean"), ALPHA)
    return _leaf_pairs(fitted, step)


_register_parity(
    "P-ALG-RMSPROP",
    "rmsprop (ε in the root, and outside) = optax.rmsprop",
    f"{D2} §7.5 eqs (8)–(10)",
    ("rmsprop", "optax.rmsprop"),
    ("rmsprop outside", "optax.rmsprop outside"),
)


@_check("E-04", "ε inside the root (eq 9) differs from √v + ε", f"{D2} §7.5")
def _(draw: Draw) -> Erratum:
    g = _f64([draw(jt.finite_floats(1e-4, 1e-2))])
    tx = jd.rmsprop(1.0, 0.9, 1e-2)
    inside = tx.update(g, tx.init(g))[0]
    expected = -g / jnp.sqrt(0.1 * g * g + 1e-2)
    return Erratum([(inside, expected)], [(-g / (jnp.sqrt(0.1 * g * g) + 1e-2), expected)])


_register_parity(
    "P-ALG-ADAM",
    "adam (ε outside the root, and eps_root) = optax.adam",
    f"{D2} §7.6 eqs (11)–(14)",
    ("adam", "optax.adam"),
    ("adam eps_root", "optax.adam eps_root"),
)
_register_parity(
    "P-ALG-ADAM-002",
    "002's Adam without g² = optax.inject_hyperparams(adam), rescaled η and ε",
    f"{D2} §7.6",
    ("adam 002", "optax.adam 002"),
)


@_check("E-03", "Adam's step is η·m̂/(√v̂ + ε) (printed: × g², no bias correction)", f"{D2} §7.6")
def _(draw: Draw) -> Erratum:
    g = _f64([draw(jt.finite_floats(0.1, 10.0))])
    tx = jd.adam(1e-3)
    step = tx.update(g, tx.init(g))[0]
    with jax.numpy_dtype_promotion("standard"):
        ref_tx = optax.adam(1e-3)
        reference = ref_tx.update(g, ref_tx.init(g))[0]
    v, s = (1 - 0.9) * g, (1 - 0.999) * g * g
    printed = -1e-3 * v / jnp.sqrt(s + 1e-8) * g * g
    return Erratum([(step, reference)], [(printed, reference)])


# --- §2.J optimisation theory and §2.M capacity -------------------------------------------------

_M = 3


def _quadratic(x: jax.Array, A: jax.Array, c: jax.Array) -> jax.Array:
    return 0.5 * (x - c) @ A @ (x - c)


def _quadratic_grad(x: jax.Array, A: jax.Array, c: jax.Array) -> jax.Array:
    return (x - c) @ A


def _log_cosh(x: jax.Array, c: jax.Array) -> jax.Array:
    # ln cosh t = log1p(2 sinh²(t/2)) is accurate near 0; |t| + log1p(e^{−2|t|}) − ln 2 far out
    t = jnp.abs(x - c)
    near = jnp.log1p(2 * jnp.sinh(jnp.minimum(t, 1.0) / 2) ** 2)
    far = t + jnp.log1p(jnp.exp(-2 * t)) - jnp.log(2.0)
    return jnp.sum(jnp.where(t < 1.0, near, far))


def _log_cosh_grad(x: jax.Array, c: jax.Array) -> jax.Array:
    return jnp.tanh(x - c)


def _convex_family(draw: Draw) -> list[tuple[Callable, Callable, float]]:
    """(f, ∇f, L) for a drawn quadratic, ln cosh and softmax-CCE (catalogue §2.J family)."""
    A, c = _f64(draw(jt.spd_matrices(_M))), _f64(draw(jt.vectors(size=_M, bound=3.0)))
    y_star = _f64(draw(jt.one_hot(_M)))
    return [
        (
            functools.partial(_quadratic, A=A, c=c),
            functools.partial(_quadratic_grad, A=A, c=c),
            float(jd.quadratic_smoothness(A)),
        ),
        (functools.partial(_log_cosh, c=c), functools.partial(_log_cosh_grad, c=c), 1.0),
        (
            functools.partial(jd.softmax_cross_entropy, target=y_star),
            functools.partial(jd.softmax_cross_entropy_gradient, target=y_star),
            0.5,
        ),
    ]


def _points(draw: Draw) -> tuple[jax.Array, jax.Array]:
    return _f64(draw(jt.vectors(size=_M, bound=5.0))), _f64(draw(jt.vectors(size=_M, bound=5.0)))


def _design(draw: Draw, n: int, p: int) -> jax.Array:
    """A random standard-normal design (full column rank with probability 1), from a drawn key."""
    return jax.random.normal(jax.random.PRNGKey(draw(st.integers(0, 2**31 - 1))), (n, p))


def _ge0(gap: Any, *terms: Any) -> Pair:
    """gap ≥ 0 up to 1e-12 relative to the inequality's terms, as a pair."""
    return _le(-np.asarray(gap) - 1e-12 * (1 + sum(abs(float(t)) for t in terms)), 0.0)


@_check(
    "P-OPT-CONVEX-DEF",
    "τf(x) + (1−τ)f(y) − f(τx + (1−τ)y) ≥ 0 (convex family)",
    f"{D1} Def 6.1 eq (15)",
)
def _(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    tau = draw(jt.finite_floats(0.0, 1.0))
    return [_ge0(jd.convexity_gap(f, x, y, tau), f(x), f(y)) for f, _, _ in _convex_family(draw)]


@_check(
    "P-OPT-CONVEX-FOC", "f(y) − f(x) − ∇f(x)·(y − x)ᵀ ≥ 0 (convex family)", f"{D1} Prop 6.1 eq (16)"
)
def _(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    return [
        _ge0(jd.first_order_convexity_gap(f, x, y), f(x), f(y)) for f, _, _ in _convex_family(draw)
    ]


@_check(
    "P-OPT-LSMOOTH-DEF", "‖∇f(x) − ∇f(y)‖/‖x − y‖ ≤ L (λ_max(A), 1, ½)", f"{D1} Def 6.2 eq (17)"
)
def _(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    y = y + (1.0 if bool(jnp.all(x == y)) else 0.0)
    return [
        _le(jd.lipschitz_ratio(g, x, y), L * (1 + 1e-12) + 1e-12)
        for _, g, L in _convex_family(draw)
    ]


@_check(
    "P-OPT-DESCENT-LEMMA",
    "f(y) ≤ f(x) + ∇f(x)·(y − x)ᵀ + (L/2)‖y − x‖² (incl. Σ sin)",
    f"{D1} Prop 6.2 eq (18)",
)
def _(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    cases = [(f, L) for f, _, L in _convex_family(draw)] + [(lambda v: jnp.sum(jnp.sin(v)), 1.0)]
    return [
        _ge0(jd.descent_lemma_gap(f, L, x, y), f(x), f(y), L * jnp.sum((y - x) ** 2))
        for f, L in cases
    ]


@_check(
    "P-OPT-COCOERCIVITY",
    "(1/L)‖Δ∇f‖² ≤ Δ∇f·(y − x)ᵀ and the proof's inequality (a)",
    f"{D1} Prop 6.3 eq (19)",
)
def _(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    pairs = []
    for f, g, L in _convex_family(draw):
        if L > 0:
            terms = (f(x), f(y), jnp.dot(g(y) - g(x), y - x))
            pairs.append(_ge0(jd.cocoercivity_gap(g, L, x, y), *terms))
            pairs.append(_ge0(jd.cocoercivity_intermediate_gap(f, L, x, y), *terms))
    return pairs


@_check(
    "E-38",
    "co-coercivity proof: z = x + (1/L)(∇f(y) − ∇f(x)) (printed: minus)",
    f"{D1} Prop 6.3 proof",
)
def _(draw: Draw) -> Erratum:
    d = _f64([1.0, 3.0])
    x, y = _f64(draw(_generic((2,)))), _f64(draw(_generic((2,))))
    y = y + jnp.where(jnp.all(y == x), 1.0, 0.0)  # the two forms differ by 2‖∇f(y) − ∇f(x)‖²/L
    f = lambda v: 0.5 * jnp.sum(d * v * v)  # noqa: E731
    gx, gy, L = d * x, d * y, 3.0
    bound = lambda z: gy @ (y - z) + gx @ (z - x) + L / 2 * jnp.sum((z - x) ** 2)  # noqa: E731
    intermediate = gy @ (y - x) - jnp.sum((gy - gx) ** 2) / (2 * L)
    return Erratum(
        [(bound(x + (gy - gx) / L), intermediate), _ge0(intermediate - (f(y) - f(x)), f(x), f(y))],
        [(bound(x - (gy - gx) / L), intermediate)],
    )


@_check(
    "P-OPT-GLOBAL-MIN",
    "f(x*) ≤ f(x): quadratic at c; least squares beats perturbed β",
    f"{D1} Def 6.3 eq (20)",
)
def _(draw: Draw) -> list[Pair]:
    x, _ = _points(draw)
    f, _, _ = _convex_family(draw)[0]
    c = f.keywords["c"]
    X = _design(draw, 8, 3)
    y, direction = _f64(draw(jt.vectors(size=8))), _f64(draw(jt.vectors(size=3)))
    beta = jd.least_squares(X, y)
    sse = lambda b: jnp.sum((X @ b - y) ** 2)  # noqa: E731
    return [_le(f(c), f(x)), _le(sse(beta), sse(beta + direction) + 1e-12 * (1 + sse(beta)))]


@_check(
    "P-OPT-STATIONARY",
    "∇f(x*) = 0 (family; least squares and ridge solutions)",
    f"{D1} Prop 6.4 eq (21)",
)
def _(draw: Draw) -> list[Pair]:
    _, g, _ = _convex_family(draw)[0]
    X = jnp.column_stack([jnp.ones(8), _design(draw, 8, 2)])
    y = _f64(draw(jt.vectors(size=8)))
    lam = draw(jt.finite_floats(1e-3, 10.0))
    beta, beta_lam = jd.least_squares(X, y), jd.ridge(X, y, lam)
    sse_grad = jax.grad(lambda b: jnp.sum((X @ b - y) ** 2))(beta)
    ridge_grad = jax.grad(lambda b: jnp.sum((X @ b - y) ** 2) + lam * jnp.sum(b[1:] ** 2))(beta_lam)
    scale = 1.0 + float(jnp.max(jnp.abs(X.T @ y)))
    return [
        (g(g.keywords["c"]), np.zeros(_M)),
        (sse_grad / scale, np.zeros(3)),
        (ridge_grad / scale, np.zeros(3)),
    ]


@_check(
    "P-OPT-GD",
    "x^(1) = x^(0) − α∇f(x^(0)); gd_trajectory and gradient_descent = optax.sgd",
    f"{D1} Def 6.4 eq (22)",
)
def _(draw: Draw) -> list[Pair]:
    f, g, L = _convex_family(draw)[0]
    A, c = g.keywords["A"], g.keywords["c"]
    x0 = _f64(draw(jt.vectors(size=_M)))
    lr = 1.0 / max(L, 1.0)
    traj = jd.gd_trajectory(_quadratic_grad, x0, lr, 10, args=(A, c))
    tx, x, expected = optax.sgd(lr), x0, [x0]
    state = tx.init(x)
    for _ in range(10):
        updates, state = tx.update(_quadratic_grad(x, A, c), state)
        x = optax.apply_updates(x, updates)
        expected.append(x)
    network = _parity(("gd", "optax.sgd"))(draw)  # jaxdnn.gradient_descent on O_c+
    return [(traj[1], x0 - lr * _quadratic_grad(x0, A, c)), (traj, jnp.stack(expected)), *network]


@_check(
    "P-OPT-GD-RATE",
    "f(x^(n)) − f* ≤ ‖x^(0) − x*‖²/(nC), n ≤ 200, and both proof steps",
    f"{D1} Prop 6.5",
)
def _(draw: Draw) -> list[Pair]:
    family = _convex_family(draw)
    r = draw(st.one_of(st.sampled_from([0.05, 0.5, 0.95, 0.999]), jt.finite_floats(0.01, 0.999)))
    x0 = _f64(draw(jt.vectors(size=_M, bound=5.0)))
    pairs = []
    for (f, g, L), grad, args in [
        (family[0], _quadratic_grad, (family[0][1].keywords["A"], family[0][1].keywords["c"])),
        (family[1], _log_cosh_grad, (family[1][1].keywords["c"],)),
    ]:
        if L < 1e-6:
            continue
        x_star, lr = args[-1], r * 2 / L
        traj = jd.gd_trajectory(grad, x0, lr, 200, args=args)
        values = jax.vmap(f)(traj)
        gn2 = jnp.sum(jax.vmap(g)(traj) ** 2, axis=1)
        d2 = jnp.sum((traj - x_star) ** 2, axis=1)
        C = jd.gd_rate_constant(lr, L)
        bound = jd.gd_rate_bound(x0, x_star, lr, L, np.arange(1, 201))
        slack = 1e-12 * (1 + float(values[0]) + float(d2[0]))
        pairs += [
            _le(values[1:], bound + slack),
            _le(values[1:], values[:-1] - C * gn2[:-1] + slack),
            _le(d2[1:], d2[:-1] - (2 * lr / L - lr * lr) * gn2[:-1] + slack),
        ]
    return pairs


@_check(
    "E-39",
    "Prop 6.5 proof: δ_{n+1} ≤ δ_n − (C/R²)δ_n² (printed without the square)",
    f"{D1} Prop 6.5 proof",
)
def _(draw: Draw) -> Erratum:
    radius = draw(jt.finite_floats(0.01, 0.2))
    x0 = _f64([radius, 0.0])
    A, c = jnp.eye(2), jnp.zeros(2)
    traj = jd.gd_trajectory(_quadratic_grad, x0, 0.5, 10, args=(A, c))
    delta = jax.vmap(lambda x: _quadratic(x, A, c))(traj)
    C, R2 = jd.gd_rate_constant(0.5, 1.0), radius**2
    corrected = _le(delta[1:], delta[:-1] - C / R2 * delta[:-1] ** 2 + 1e-18)
    printed = _le(delta[1:], delta[:-1] - C / R2 * delta[:-1])
    return Erratum([corrected], [printed])


@_check("P-CAP-LINEAR-MODEL", "f_θ(x) = θ·x = dense(x, θ[None], 0)[0]", f"{D2} §1")
def _(draw: Draw) -> list[Pair]:
    theta, X = draw(jt.vectors(size=4)), draw(jt.vectors(size=(3, 4)))
    return [(jd.linear_model(theta, X), jd.dense(X, theta[None, :], jnp.zeros(1))[:, 0])]


@_check("P-CAP-RMSE-UNSEEN", "E(f, D, U) = (Σ_U (y − f(x))²/#U)^{1/2} = rmse", f"{D2} §9 eq (19)")
def _(draw: Draw) -> list[Pair]:
    theta, X, y = draw(jt.vectors(size=4)), draw(jt.vectors(size=(5, 4))), draw(jt.vectors(size=5))
    f = functools.partial(jd.linear_model, theta)
    return [(jd.unseen_rmse(f, X, y), np.sqrt(np.mean((y - X @ theta) ** 2)))]


@_check(
    "P-CAP-LSQ", "normal equations = numpy lstsq = sklearn LinearRegression", f"{D2} §9 eq (20)"
)
def _(draw: Draw) -> list[Pair]:
    from sklearn.linear_model import LinearRegression

    X, y = _design(draw, 10, 3), _f64(draw(jt.vectors(size=10)))
    beta = jd.least_squares(X, y)
    reference = np.linalg.lstsq(np.asarray(X), np.asarray(y), rcond=None)[0]
    sk = LinearRegression(fit_intercept=False).fit(np.asarray(X), np.asarray(y)).coef_
    return [(beta, reference), (beta, sk), (jd.least_squares(X, y, method="lstsq"), reference)]


@_check("P-CAP-POLY-FEATURES", "φ_d(x) = [x⁰ … x^d] = numpy.vander(increasing)", f"{D2} §9")
def _(draw: Draw) -> list[Pair]:
    x = draw(jt.vectors(size=5, bound=3.0))
    degree = draw(st.integers(0, 6))
    return [
        (jd.polynomial_features(x, degree), np.vander(x, degree + 1, increasing=True)),
        (jd.polynomial_features(2.0, 2), [1.0, 2.0, 4.0]),
    ]


@_check("E-49", "the features are powers [x⁰, x¹, x²] (printed [x_0, x_1, x_2])", f"{D2} §9")
def _(draw: Draw) -> Erratum:
    x = draw(jt.finite_floats(1.5, 3.0))
    samples = np.array([x, x + 1.0, x + 2.0])  # x_0, x_1, x_2 read as sample indices
    powers = np.array([1.0, x, x * x])
    return Erratum([(jd.polynomial_features(x, 2), powers)], [(samples, powers)])


@_check(
    "P-CAP-POLY-FIT", "noiseless quadratic recovered; train RMSE non-increasing in d", f"{D2} §9"
)
def _(draw: Draw) -> list[Pair]:
    coefficients = draw(jt.vectors(size=3, bound=3.0))
    x = np.linspace(-2, 2, 9)
    y = np.polynomial.polynomial.polyval(x, coefficients)
    noisy = y + draw(jt.vectors(size=9, bound=1.0))
    rmses = []
    for degree in range(7):
        Phi = jd.polynomial_features(x, degree)
        beta = jd.least_squares(Phi, noisy)
        rmses.append(jd.unseen_rmse(lambda X, b=beta: X @ b, Phi, noisy))
    return [
        (jd.least_squares(jd.polynomial_features(x, 2), y), coefficients),
        *(_le(b, a + 1e-10) for a, b in zip(rmses, rmses[1:], strict=False)),
    ]


@_check(
    "P-CAP-RIDGE",
    "ridge = sklearn Ridge (intercept unpenalised / all penalised)",
    f"{D2} §10 (extension)",
)
def _(draw: Draw) -> list[Pair]:
    from sklearn.linear_model import Ridge

    X, y = np.asarray(_design(draw, 10, 3)), np.asarray(draw(jt.vectors(size=10)))
    lam = draw(st.one_of(st.sampled_from([0.0, 1.0]), jt.finite_floats(1e-6, 1e3)))
    Xi = np.column_stack([np.ones(10), X])
    fitted = Ridge(alpha=lam, fit_intercept=True, solver="cholesky").fit(X, y)
    plain = Ridge(alpha=lam, fit_intercept=False, solver="cholesky").fit(X, y)
    return [
        (jd.ridge(Xi, y, lam), np.concatenate([[fitted.intercept_], fitted.coef_])),
        (jd.ridge(X, y, lam, penalize_intercept=True), plain.coef_),
        (jd.ridge(X, y, 0.0, penalize_intercept=True), jd.least_squares(X, y)),
    ]


@_check("P-CAP-VALIDATION", "train/validation/test parts: disjoint, all rows, per key", f"{D2} §10")
def _(draw: Draw) -> list[Pair]:
    n, k = draw(st.sampled_from([30, 61])), draw(st.sampled_from([2, 3]))
    labels = np.arange(n) % k
    X, Y = np.arange(n, dtype=np.float64)[:, None], np.eye(k)[labels]
    key = jax.random.PRNGKey(draw(st.integers(0, 2**31 - 1)))
    parts = jd.train_val_test_split(key, X, Y)
    rows = np.concatenate([part[0][:, 0] for part in parts]).astype(int)
    again = jd.train_val_test_split(key, X, Y)
    return [
        (np.sort(rows), np.arange(n)),
        *((Yp, Y[Xp[:, 0].astype(int)]) for Xp, Yp in parts),
        *((a[0], b[0]) for a, b in zip(parts, again, strict=True)),
    ]


# --- §2.L metrics (against scikit-learn) --------------------------------------------------------


def _labels(draw: Draw, n_classes: int, n: int = 12) -> np.ndarray:
    return np.array([draw(st.integers(0, n_classes - 1)) for _ in range(n)])


@_check("P-MET-ACCURACY", "accuracy = mean 𝟙[ŷ = y] = sklearn accuracy_score", f"{D2} §8.1")
def _(draw: Draw) -> list[Pair]:
    from sklearn.metrics import accuracy_score

    y, yhat = _labels(draw, 3), _labels(draw, 3)
    P = np.stack([draw(jt.simplex_points(size=3)) for _ in range(4)])
    return [
        (jd.accuracy(y, yhat), accuracy_score(y, yhat)),
        (jd.predict_class(P), np.argmax(P, axis=1)),
    ]


@_check("P-MET-IMBALANCE", "95 % majority: accuracy 0.95, minority recall 0", f"{D2} §8.1")
def _(draw: Draw) -> list[Pair]:
    y = np.array([0] * 95 + [1] * 5)
    perm = np.random.default_rng(draw(st.integers(0, 2**31 - 1))).permutation(100)
    y, yhat = y[perm], np.zeros(100, dtype=int)
    return [(jd.accuracy(y, yhat), 0.95), (jd.recall(y, yhat), 0.0)]


@_check("E-48", "the imbalance example is in percent: accuracy 0.95 (not 95)", f"{D2} §8.1")
def _(draw: Draw) -> Erratum:
    y, yhat = np.array([0] * 95 + [1] * 5), np.zeros(100, dtype=int)
    return Erratum([(jd.accuracy(y, yhat), 0.95)], [(95.0, 0.95)])


@_check(
    "P-MET-PRECISION-RECALL",
    "precision, recall (binary, macro, micro, weighted) = sklearn",
    f"{D2} §8.1",
)
def _(draw: Draw) -> list[Pair]:
    from sklearn.metrics import precision_score, recall_score

    k = draw(st.sampled_from([2, 3]))
    y, yhat = _labels(draw, k), _labels(draw, k)
    pairs = []
    for average in (["binary"] if k == 2 else []) + ["macro", "micro", "weighted"]:
        kw = {"average": average, "zero_division": 0, "labels": list(range(k))}
        pairs.append((jd.precision(y, yhat, k, average), precision_score(y, yhat, **kw)))
        pairs.append((jd.recall(y, yhat, k, average), recall_score(y, yhat, **kw)))
    return pairs


@_check("P-MET-FSCORE", "F = 2pr/(p + r) = sklearn f1_score", f"{D2} §8.1")
def _(draw: Draw) -> list[Pair]:
    from sklearn.metrics import f1_score

    y, yhat = _labels(draw, 2), _labels(draw, 2)
    f = jd.f1_score(y, yhat)
    p, r = float(jd.precision(y, yhat)), float(jd.recall(y, yhat))
    return [
        (f, f1_score(y, yhat, zero_division=0)),
        (f, 2 * p * r / (p + r) if p + r > 0 else 0.0),
        (
            jd.f1_score(y, yhat, 3, "macro"),
            f1_score(y, yhat, average="macro", labels=[0, 1, 2], zero_division=0),
        ),
    ]


@_check("P-MET-PR-CURVE", "precision–recall curve = sklearn; recall monotone", f"{D2} §8.1")
def _(draw: Draw) -> list[Pair]:
    from sklearn.metrics import precision_recall_curve

    y = _labels(draw, 2)
    y[0] = 1
    scores = np.array([draw(st.integers(0, 6)) / 6 for _ in y])  # ties
    p, r, t = jd.precision_recall_curve(y, scores)
    sp, sr, stt = precision_recall_curve(y, scores)
    return [(p, sp), (r, sr), (t, stt), _same(bool(np.all(np.diff(r) <= 0)))]


@_check("P-MET-MSE", "MSE = (1/n)Σ(y − ŷ)² = sklearn; = 2·half MSE", f"{D2} §8.3 eq (15)")
def _(draw: Draw) -> list[Pair]:
    from sklearn.metrics import mean_squared_error

    y, yhat = draw(jt.vectors(size=6)), draw(jt.vectors(size=6))
    return [
        (jd.mse(y, yhat), mean_squared_error(y, yhat)),
        (jd.mse(y, yhat), 2 * jd.half_mean_squared_error(yhat, y)),
    ]


@_check("P-MET-RMSE", "RMSE = √MSE = sklearn; RMSE ≥ MAE", f"{D2} §8.3 eq (16)")
def _(draw: Draw) -> list[Pair]:
    from sklearn.metrics import root_mean_squared_error

    y, yhat = draw(jt.vectors(size=6)), draw(jt.vectors(size=6))
    return [
        (jd.rmse(y, yhat), root_mean_squared_error(y, yhat)),
        _le(jd.mae(y, yhat), jd.rmse(y, yhat)),
    ]


@_check("P-MET-MAE", "MAE = (1/n)Σ|y − ŷ| = sklearn; ≤ max error", f"{D2} §8.4 eq (17)")
def _(draw: Draw) -> list[Pair]:
    from sklearn.metrics import mean_absolute_error

    y, yhat = draw(jt.vectors(size=6)), draw(jt.vectors(size=6))
    return [
        (jd.mae(y, yhat), mean_absolute_error(y, yhat)),
        _le(jd.rmse(y, yhat), np.max(np.abs(y - yhat))),
    ]


@_check("E-44", "sums run over i = 1…n (n terms for 1/n)", f"{D2} §8.3–8.5")
def _(draw: Draw) -> Erratum:
    y, yhat = draw(jt.vectors(size=1)), draw(jt.vectors(size=1))
    y = y + 1.0 + np.abs(yhat)
    correct = (y[0] - yhat[0]) ** 2
    printed = 2 * (y[0] - yhat[0]) ** 2  # n + 1 = 2 terms over 1/n (the extra term repeated)
    return Erratum([(jd.mse(y, yhat), correct)], [(printed, correct)])


@_check("E-58", "MAE is non-negative and 0 for perfect predictions", f"{D2} §8.4")
def _(draw: Draw) -> list[Pair]:
    y = draw(jt.vectors(size=5))
    return [(jd.mae(y, y), 0.0)]


@_check("P-MET-MAPE", "MAPE = (1/n)Σ|y − ŷ|/|y| = sklearn (y ≠ 0)", f"{D2} §8.5 eq (18)")
def _(draw: Draw) -> list[Pair]:
    from sklearn.metrics import mean_absolute_percentage_error

    y = draw(jt.vectors(size=6))
    y = np.where(np.abs(y) < 0.5, 0.5 + np.abs(y), y)
    yhat = draw(jt.vectors(size=6))
    return [(jd.mape(y, yhat), mean_absolute_percentage_error(y, yhat))]


@_check("E-45", "MAPE divides by |y| (printed y: negative values)", f"{D2} §8.5 eq (18)")
def _(draw: Draw) -> Erratum:
    y = -1.0 - np.abs(draw(jt.vectors(size=4)))
    yhat = draw(jt.vectors(size=4))
    correct = np.mean(np.abs(y - yhat) / np.abs(y))
    printed = np.mean(np.abs(y - yhat) / y)
    return Erratum([(jd.mape(y, yhat), correct)], [(printed, correct)])
