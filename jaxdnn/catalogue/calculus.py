"""Matrices and differential calculus: the row-vector convention, products, norms, the indicator,
Fréchet derivative, Jacobian, sum and chain rules, and the ReLU convention at 0
(001_602cbf05fdb6a620.txt §1; 000_e9869ddaa8874969.txt and 003_4420902fd2b6113f.txt §2).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st
from jax.test_util import check_grads

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D0,
    D1,
    D3,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    ACTIVATIONS,
    f64,
    jacobian_pairs,
    le,
    same,
)

# --- §2.A matrices and helpers ------------------------------------------------------------------

# a few shapes, 1 (the edge case) included: every shape drawn is a program compiled
_dims = st.sampled_from([(1, 1, 1), (2, 5, 3), (3, 1, 2), (5, 3, 5)])


@proposition(
    "P-MAT-ROWVEC",
    "stated",
    (
        "a vector of ℝⁿ is a row (M_{1,n}); m vectors stacked give X ∈ M_{m,n} with X[i] = x_i, "
        "and a batched map acts row by row: f(X)[i] = f(X[i])"
    ),
    f"{D1} Conv. 2",
)
def mat_rowvec(draw: Draw) -> list[Pair]:
    m, n, _ = draw(_dims)
    X = draw(jt.vectors(size=(m, n)))
    pairs = [same(np.array_equal(jd.stack_rows(list(X)), X))]
    for name in ("relu", "sigmoid", "tanh"):
        f = ACTIVATIONS[name][0]
        pairs.append((f(X), np.stack([f(x) for x in X])))
    pairs.append((jd.softmax(X), np.stack([jd.softmax(x) for x in X])))
    # a loss of a batch is the (n,) vector of its rows' losses
    P, T = draw(jt.probabilities(size=(4, 3))), draw(jt.probabilities(size=(4, 3)))
    for loss in _LOSSES:
        pairs.append((loss(P, T), np.array([loss(P[i], T[i]) for i in range(4)])))
    return pairs


_LOSSES = (
    jd.categorical_cross_entropy,
    jd.softmax_cross_entropy,
    jd.binary_cross_entropy,
    jd.sigmoid_binary_cross_entropy,
    jd.squared_error,
    jd.half_mean_squared_error,
)


@proposition(
    "P-MAT-ENTRY",
    "corrected",
    "for A ∈ M_{n,m}: row A_{i,:} ∈ M_{1,m} has m entries, column A_{:,j} ∈ M_{n,1} has n",
    f"{D1} Notation 1",
)
def mat_entry(draw: Draw) -> list[Pair]:
    A = draw(jt.vectors(size=(2, 5)))
    counted = np.arange(10.0).reshape(2, 5)  # a_{2,4} (1-based) sits at [1, 3]
    return [(np.shape(A[1, :]), (5,)), (np.shape(A[:, 3]), (2,)), (counted[1, 3], 1 * 5 + 3)]


@erratum(
    "E-40",
    "row i of A ∈ M_{n,m} is [a_{i,1} … a_{i,m}]",
    f"{D1} Notation 1",
    printed="A_{i,j} = [a_{i,1} … a_{i,n}]",
    why="a row of an n×m matrix has m entries",
)
def e40(draw: Draw) -> Erratum:
    A = draw(jt.vectors(size=(2, 5)))
    return Erratum([(len(A[0, :]), 5)], [(A.shape[0], 5)])


@proposition(
    "P-MAT-PRODUCT",
    "corrected",
    "A ∈ M_{n,m}, B ∈ M_{m,p} ⇒ AB ∈ M_{n,p} with (AB)_{ij} = Σ_{k=1}^{m} A_{ik}B_{kj}",
    f"{D1} Notation 2",
)
def mat_product(draw: Draw) -> list[Pair]:
    n, m, p = draw(_dims)
    A, B = draw(jt.vectors(size=(n, m))), draw(jt.vectors(size=(m, p)))
    loop = np.array(
        [[sum(A[i, k] * B[k, j] for k in range(m)) for j in range(p)] for i in range(n)]
    )
    try:  # mismatched inner dimensions are refused, naming the shapes
        jd.matmul(np.ones((2, 3)), np.ones((2, 4)))
        refused = False
    except ValueError as error:
        refused = bool(re.search(r"inner dimensions differ.*\(2, 3\).*\(2, 4\)", str(error)))
    return [
        (np.shape(jd.matmul(A, B)), (n, p)),
        (jd.matmul(A, B), A @ B),
        (jd.matmul(A, B), loop),
        same(refused),
    ]


@erratum(
    "E-08",
    "(AB)_{ij} = Σ_{k=1}^{m} A_{ik}B_{kj} ∈ M_{n,p} for A ∈ M_{n,m}",
    f"{D1} Notation 2; {D0} §2",
    printed="the sum runs over k = 1…n (the rows of A); 000 gives AB the shape m×p",
    why="the sum must run over the inner dimension: summing over n drops or invents terms",
)
def e08(draw: Draw) -> Erratum:
    A, B = draw(jt.logits(size=(2, 3), bound=3.0)), draw(jt.logits(size=(3, 4), bound=3.0))
    A[:, 2] = A[:, 2] + 10.0  # a third column that matters
    B[2, :] = 1.0
    printed = np.einsum("ik,kj->ij", A[:, :2], B[:2, :])
    return Erratum(
        [(jd.matmul(A, B), A @ B), (np.shape(jd.matmul(A, B)), (2, 4))], [(printed, A @ B)]
    )


@proposition(
    "P-MAT-SCALAR",
    "stated",
    "(a·B)_{ij} = a·B_{ij} and a·B = B·a for a scalar a",
    f"{D0} §2; {D3} §2",
)
def mat_scalar(draw: Draw) -> list[Pair]:
    a = draw(st.one_of(jt.finite_floats(-10, 10), st.sampled_from([0.0, -0.0])))
    B, C = draw(jt.vectors(size=(2, 3))), draw(jt.vectors(size=(2, 3)))
    c = draw(jt.finite_floats(-10, 10))
    return [
        (jd.scalar_mul(a, B), a * B),  # close, not equal: XLA flushes subnormal products
        same(np.array_equal(jd.scalar_mul(a, B), jd.scalar_mul(B, a))),
        (jd.scalar_mul(a, B + C), a * B + a * C),
        (jd.scalar_mul(a + c, B), a * B + c * B),
    ]


@proposition(
    "P-MAT-TRANSPOSE-ID",
    "stated",
    "(Aᵀ)_{ij} = A_{ji}; (AB)ᵀ = BᵀAᵀ; I_n·A = A = A·I_m",
    f"{D1} Notations 3–4",
)
def mat_transpose_id(draw: Draw) -> list[Pair]:
    n, m, p = draw(_dims)
    # integer entries: the identities hold exactly
    A = draw(jt.integer_valued_vectors(size=(n, m)))
    B = draw(jt.integer_valued_vectors(size=(m, p)))
    eye_n, eye_m = jd.identity_matrix(n, jnp.float64), jd.identity_matrix(m, jnp.float64)
    return [
        same(np.array_equal(np.asarray(jd.matmul(A, B)).T, jd.matmul(B.T, A.T))),
        same(np.array_equal(jd.matmul(eye_n, A), A)),
        same(np.array_equal(jd.matmul(A, eye_m), A)),
        same(np.array_equal(A.T[0], A[:, 0])),
    ]


@proposition(
    "P-MAT-NORM",
    "stated",
    "‖a‖ = √(a·aᵀ) for a row a; ‖ta‖ = |t|·‖a‖; ‖a + b‖ ≤ ‖a‖ + ‖b‖",
    f"{D1} Notation 5",
)
def mat_norm(draw: Draw) -> list[Pair]:
    a, b = draw(jt.vectors(size=4)), draw(jt.vectors(size=4))
    t = draw(jt.finite_floats(-5, 5))
    return [
        (jd.row_norm(a), np.linalg.norm(a)),
        (jd.row_norm(a) ** 2, a @ a),
        (jd.row_norm(t * a), abs(t) * jd.row_norm(a)),
        le(jd.row_norm(a + b), jd.row_norm(a) + jd.row_norm(b) + 1e-12),
        (jd.row_norm(np.zeros(4)), 0.0),
        # scaled: neither a·aᵀ's overflow near 1e155 nor its underflow near 1e−155
        (jd.row_norm(np.array([3e200, -4e200])), 5e200),
        (jd.row_norm(np.array([3e-200, 4e-200])), 5e-200),
        (jd.row_norm(np.array([1e300, 1e300])), np.sqrt(2.0) * 1e300),
        (jax.grad(jd.row_norm)(a + 11.0), (a + 11.0) / np.linalg.norm(a + 11.0)),  # a + 11 ≠ 0
    ]


@proposition(
    "P-UTIL-KRONECKER",
    "stated",
    "δ_{ij} = 1 if i = j, else 0 (the entries of I)",
    f"{D1} Notation 9",
)
def util_kronecker(draw: Draw) -> list[Pair]:
    i, j = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    return [(jd.kronecker_delta(i, j), np.eye(5)[i, j])]


@proposition(
    "P-UTIL-INDICATOR",
    "stated",
    "𝟙[z > 0] element-wise: 1 where z_j > 0, 0 elsewhere (0 at +0 and −0)",
    f"{D1} Notation 10",
)
def util_indicator(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    tiny = np.finfo(np.float64).tiny
    return [
        (jd.indicator_positive(z), (z > 0).astype(np.float64)),
        (jd.indicator_positive(np.array([0.0, -0.0, tiny, -tiny])), [0.0, 0.0, 1.0, 0.0]),
    ]


# --- §2.B differential calculus -----------------------------------------------------------------

_W0 = np.array([[0.5, -1.0], [1.5, 0.3], [-0.2, 0.8]])  # a non-square layer ℝ² → ℝ³
_B0, _Y0 = np.array([0.1, -0.2, 0.3]), np.array([0.4, -1.1])
_TARGET = np.array([0.3, 0.7])
_SMOOTH: dict[str, Callable[[Any], Any]] = {  # smooth maps on ℝ² of the catalogue
    "softmax": jd.softmax,
    "sigmoid": jd.sigmoid,
    "tanh": jd.tanh,
    "sin_log": jd.sin_log,
    "poly_exp": jd.poly_exp,
    "quad_cos": lambda v: jd.quad_cos(v)[None],
    "dense_y": lambda y: jd.dense(y, _W0, _B0),
    "dense_b": lambda b: jd.dense(_Y0[:2], _W0[:2], b),
    "cce": lambda v: jd.categorical_cross_entropy(jd.sigmoid(v), _TARGET)[None],  # y ∈ ]0,1[²
}


@proposition(
    "P-DIFF-FRECHET",
    "corrected",
    "f is differentiable at a iff f(a + h) = f(a) + h·J_f(a)ᵀ + o(‖h‖)",
    f"{D1} Def 1.1",
)
def diff_frechet(draw: Draw) -> list[Pair]:
    name = draw(st.sampled_from(sorted(_SMOOTH)))
    f = _SMOOTH[name]
    a = draw(jt.logits(size=2, bound=2.0))
    if name == "sin_log":
        a[1] = abs(a[1]) + 0.5
    u = draw(jt.logits(size=2, bound=1.0))
    u = u / np.linalg.norm(u) if np.linalg.norm(u) > 0.1 else np.array([1.0, 0.0])
    r = [float(jd.first_order_remainder(f, a, t * u)) for t in (1e-2, 1e-3, 1e-4)]
    K = max(r[0] / 1e-2, 1e-8)
    # f(a + h) − f(a) is computed with rounding error ~ε‖f(a)‖, which the remainder divides by
    # ‖h‖ = t: along a direction where f is linear the remainder is that noise alone
    noise = 1e-13 * (1.0 + float(np.linalg.norm(f(a)))) / np.array([1e-3, 1e-4])
    try:  # JAX's own finite-difference check of both modes agrees
        check_grads(f, (f64(a),), order=1, modes=("fwd", "rev"))
        finite_differences = True
    except AssertionError:
        finite_differences = False
    # at a zero coordinate ReLU is not differentiable: the remainder into z > 0 stays 1
    kink = [
        float(jd.first_order_remainder(jd.relu, f64([0.0, 1.0]), f64([t, 0.0])))
        for t in (1e-2, 1e-6)
    ]
    return [
        le(r[1], 10 * K * 1e-3 + noise[0]),
        le(r[2], 10 * K * 1e-4 + noise[1]),
        same(finite_differences),
        (kink, [1.0, 1.0]),
    ]


@erratum(
    "E-25",
    "‖f(x) − f(a) − (x − a)·J_f(a)ᵀ‖/‖x − a‖ → 0 (Fréchet)",
    f"{D0} §2",
    printed="‖(f(x) − f(a))/‖x − a‖ − f′(a)‖ → 0",
    why=(
        "for f(x) = x the quotient is sign(x − a), which has no limit: the identity would not be "
        "derivable"
    ),
)
def e25(draw: Draw) -> Erratum:
    a = draw(jt.finite_floats(-5, 5))
    t = draw(jt.finite_floats(0.1, 1.0))
    frechet = float(jd.first_order_remainder(jd.identity, np.array([a]), np.array([t])))
    quotient_left = ((a - t) - a) / t  # −1
    quotient_right = ((a + t) - a) / t  # +1
    return Erratum([(frechet, 0.0)], [(quotient_left, quotient_right)])


@proposition(
    "P-DIFF-UNIQUE",
    "stated",
    (
        "the differential is unique: forward and reverse mode give the same Jacobian (ReLU ties "
        "included, Assumption 1)"
    ),
    f"{D1} Prop 1.1",
)
def diff_unique(draw: Draw) -> list[Pair]:
    name = draw(st.sampled_from(["relu", "sigmoid", "tanh", "identity"]))
    f = ACTIVATIONS[name][0]
    z = draw(jt.integer_valued_vectors() if name == "relu" else jt.vectors())
    (fwd, rev), _ = jt.autodiff_jacobians(f, 0)
    smooth = _SMOOTH[draw(st.sampled_from(sorted(_SMOOTH)))]
    a = f64(draw(jt.logits(size=2, bound=2.0)).clip(0.5, None))  # inside every domain
    u = f64([np.sin(1.0), np.sin(2.0)])  # not constant: softmax ignores constant shifts
    gaps = [float(np.linalg.norm(smooth(a + t * u) - smooth(a))) for t in (1e-2, 1e-4, 1e-6)]
    (smooth_fwd, smooth_rev), _ = jt.autodiff_jacobians(smooth, 0)
    softmax_rev = jt.autodiff_jacobians(jd.softmax, 0)[0][1]
    return [
        (fwd(z), rev(z)),
        same(name != "relu" or np.array_equal(fwd(z), rev(z))),  # ReLU ties: both exactly 0
        (smooth_fwd(a), smooth_rev(a)),
        (jd.softmax_jacobian(z), softmax_rev(z)),
        same(gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-4),  # differentiable ⇒ continuous
    ]


@proposition(
    "P-DIFF-JACOBIAN",
    "corrected",
    (
        "J_f(a) ∈ M_{m,n} for f: ℝⁿ → ℝᵐ, J_{ij} = ∂f_i/∂x_j(a): column j is the derivative along "
        "e_j, row i the gradient of f_i"
    ),
    f"{D1} Def 1.2",
)
def diff_jacobian(draw: Draw) -> list[Pair]:
    v = draw(jt.logits(size=2, bound=2.0))
    J = jd.jacobian(jd.poly_exp)(v)
    pairs: list[Pair] = [(J.shape, (2, 2))]
    for j in range(2):
        pairs.append((J[:, j], jax.jvp(jd.poly_exp, (v,), (jnp.eye(2)[j],))[1]))
        pairs.append((J[j, :], jax.grad(lambda x, j=j: jd.poly_exp(x)[j])(v)))
    pairs.append((jd.gradient(jd.quad_cos)(v), jd.quad_cos_gradient(v)))
    # m = 1: the (1, n) Jacobian is the gradient, a row
    scalar = jd.jacobian(lambda x: jd.quad_cos(x)[None])(v)
    pairs += [(np.shape(scalar), (1, 2)), (np.reshape(scalar, 2), jd.gradient(jd.quad_cos)(v))]
    return pairs


@erratum(
    "E-27",
    "column j of J_f(a) is the derivative along e_j; row i is the gradient of f_i",
    f"{D1} Def 1.2 eq (2)",
    printed="the last row reads ∂f_m/∂a … ∂f_m/∂a; the matrix is written as columns ∂f/∂e_j",
    why="the index of the derivative direction is lost and rows and columns are swapped",
)
def e27(draw: Draw) -> Erratum:
    v = draw(jt.logits(size=2, bound=2.0))
    J = jd.poly_exp_jacobian(v)
    column = jax.jvp(jd.poly_exp, (v,), (jnp.array([1.0, 0.0]),))[1]
    return Erratum([(J[:, 0], column)], [(J[0, :], column)])


@proposition(
    "P-DIFF-SUM",
    "stated",
    "J_{f+g}(a) = J_f(a) + J_g(a)",
    f"{D1} Prop 1.2",
)
def diff_sum(draw: Draw) -> list[Pair]:
    f, g = draw(st.sampled_from(sorted(ACTIVATIONS))), draw(st.sampled_from(sorted(ACTIVATIONS)))
    z = draw(jt.integer_valued_vectors(size=3))
    (fa, ja, _), (_, jb, _) = ACTIVATIONS[f], ACTIVATIONS[g]
    W, b = draw(jt.vectors(size=(3, 3))), draw(jt.vectors(size=3))
    return jacobian_pairs(_sum_of(f, g), ja(z) + jb(z), z) + [
        (jax.jacfwd(lambda z: fa(z) + jd.dense(z, W, b))(z), ja(z) + W)
    ]


@functools.cache
def _sum_of(f: str, g: str) -> Callable[[jax.Array], jax.Array]:
    """z ↦ f(z) + g(z) for two named activations, one function object per pair."""
    fa, fb = ACTIVATIONS[f][0], ACTIVATIONS[g][0]
    return lambda z: fa(z) + fb(z)


def _chain_maps(widths: Sequence[int], draw: Draw) -> list[tuple[Callable, Callable]]:
    maps = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        W, b = (
            f64(draw(jt.vectors(size=(n_out, n_in), bound=2.0))),
            f64(draw(jt.vectors(size=n_out, bound=1.0))),
        )
        act, jac, _ = ACTIVATIONS[draw(st.sampled_from(sorted(ACTIVATIONS)))]
        maps.append((lambda y, W=W, b=b: jd.dense(y, W, b), lambda y, W=W: W))
        maps.append((act, jac))
    return maps


@proposition(
    "P-DIFF-CHAIN",
    "stated",
    "J_{g∘f}(a) = J_g(f(a))·J_f(a) ∈ M_{p,n} for f: ℝⁿ → ℝᵐ, g: ℝᵐ → ℝᵖ",
    f"{D1} Thm 1.3; {D3} §2",
)
def diff_chain(draw: Draw) -> list[Pair]:
    widths = draw(st.sampled_from([(3, 2), (2, 4, 1), (1, 3, 2)]))
    maps = _chain_maps(widths, draw)
    a = draw(jt.integer_valued_vectors(size=widths[0]))
    jacs, point = [], f64(a)
    for f, jac in maps:
        jacs.append(jac(point))
        point = f(point)
    composite = jd.compose(*(f for f, _ in maps))
    try:  # the reversed product is refused when the widths differ
        jd.chain_jacobian([np.ones((2, 4)), np.ones((4, 4)), np.ones((4, 3))])
        refused = False
    except ValueError as error:
        refused = "jacobians" in str(error)
    return [
        (jd.chain_jacobian(jacs), jax.jacfwd(composite)(f64(a))),
        (np.shape(jd.chain_jacobian([np.ones((4, 3)), np.ones((4, 4)), np.ones((2, 4))])), (2, 3)),
        same(refused),
    ]


@erratum(
    "E-28",
    "J_{g∘f}(a) ∈ M_{p,n} for f: ℝⁿ → ℝᵐ, g: ℝᵐ → ℝᵖ",
    f"{D1} Prop 1.2, Thm 1.3",
    printed="J_{g∘f}: E̊ → G (the codomain of g)",
    why="a Jacobian is a p×n matrix, not a point of g's codomain",
)
def e28(draw: Draw) -> Erratum:
    W1, W2 = draw(jt.vectors(size=(4, 2))), draw(jt.vectors(size=(3, 4)))
    J = jd.chain_jacobian([W1, W2])
    return Erratum([(J.shape, (3, 2)), (J, W2 @ W1)], [(W1.shape, (3, 2))])


@proposition(
    "P-DIFF-COMPOSE",
    "stated",
    "compose(f_1, …, f_n) = f_n∘…∘f_1 (f_1 applied first); the empty composition is the identity",
    f"{D1} Notation 7",
)
def diff_compose(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors(size=3))
    return [
        (jd.compose(jd.tanh, jd.softmax)(z), jd.softmax(jd.tanh(z))),
        (jd.compose()(z), z),
        (jd.compose(jd.tanh)(z), jd.tanh(z)),
        (
            jd.compose(jd.compose(jd.tanh, jd.sigmoid), jd.softmax)(z),
            jd.compose(jd.tanh, jd.compose(jd.sigmoid, jd.softmax))(z),
        ),
    ]


@proposition(
    "P-DIFF-PARTIAL",
    "stated",
    "the Jacobian in argument k is that of the one-argument map with the other arguments frozen",
    f"{D1} Notation 12",
)
def diff_partial(draw: Draw) -> list[Pair]:
    y, W, b = draw(jt.vectors(size=3)), draw(jt.vectors(size=(2, 3))), draw(jt.vectors(size=2))
    return [
        (jd.jacobian(jd.dense, argnums=2)(y, W, b), jax.jacfwd(lambda c: jd.dense(y, W, c))(b)),
        (jd.jacobian(jd.dense, argnums=0)(y, W, b), jax.jacfwd(lambda x: jd.dense(x, W, b))(y)),
        (jd.jacobian(jd.dense, argnums=1)(y, W, b), jax.jacfwd(lambda V: jd.dense(y, V, b))(W)),
    ]


@proposition(
    "P-DIFF-RELU-ASSUMPTION",
    "stated",
    "ReLU′(z) = 𝟙[z > 0], the value 0 at z = 0 being a convention (Assumption 1)",
    f"{D1} Assumption 1",
)
def diff_relu_assumption(draw: Draw) -> list[Pair]:
    z = draw(jt.integer_valued_vectors())
    tiny = np.finfo(np.float64).tiny
    edge = np.array([0.0, -0.0, tiny, -tiny])
    grad = jax.vmap(jax.grad(jd.relu))
    # a composite built on relu reproduces 0 at its ties: dense + ReLU on integer data
    y = f64(draw(jt.integer_valued_vectors(size=4)))
    W, b = (
        f64(draw(jt.integer_valued_vectors(size=(3, 4)))),
        f64(draw(jt.integer_valued_vectors(size=3))),
    )
    mask = (np.asarray(jd.dense(y, W, b)) > 0).astype(np.float64)
    layer = _relu_dense(W, b)
    return [
        (jd.relu_derivative(z), grad(f64(z))),
        (grad(f64(edge)), [0.0, 0.0, 1.0, 0.0]),
        (jax.jacfwd(layer)(y), mask[:, None] * np.asarray(W)),
        (jax.jacrev(layer)(y), mask[:, None] * np.asarray(W)),
    ]


def _relu_dense(W: jax.Array, b: jax.Array) -> Callable[[jax.Array], jax.Array]:
    return lambda y: jd.relu(jd.dense(y, W, b))


@erratum(
    "E-43",
    "ReLU′(0) = 0 is a convention (a valid subgradient), not a derivative",
    f"{D1} Assumption 1",
    printed="max(0, ·) is differentiable on ℝ with derivative 𝟙_{ℝ⁺*}",
    why="ReLU has no derivative at 0; a ReLU written with jnp.maximum gets ½ there from autodiff",
)
def e43(draw: Draw) -> Erratum:
    z = draw(jt.integer_valued_vectors(size=3))
    z[0] = 0.0
    maximum = jax.vmap(jax.grad(lambda t: jnp.maximum(t, 0.0)))(f64(z))
    return Erratum(
        [(jax.vmap(jax.grad(jd.relu))(f64(z)), jd.relu_derivative(z))],
        [(maximum, jd.relu_derivative(z))],
    )


@erratum(
    "E-26",
    "D ⊂ C and D ⊂ D_pw; a piecewise-derivable map need not be continuous",
    f"{D3} §2 Theorem",
    printed="D(ℝ^m) ⊂ D_pw(ℝ^m) ⊂ C(ℝ^m)",
    why="a step function is piecewise derivable and jumps",
)
def e26(draw: Draw) -> Erratum:
    eps = draw(jt.finite_floats(1e-12, 1.0) | st.just(1e-300))
    heaviside = np.heaviside(eps, 0.0) - np.heaviside(-eps, 0.0)
    relu_jump = float(jd.relu(np.array([eps]))[0] - jd.relu(np.array([-eps]))[0])
    return Erratum([le(relu_jump, eps)], [(heaviside, 0.0)])
