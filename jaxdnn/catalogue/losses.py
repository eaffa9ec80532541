"""Losses and their gradients: categorical and binary cross-entropy, the fused softmax and sigmoid
forms, squared errors (001_602cbf05fdb6a620.txt §3, §5.1; 000_e9869ddaa8874969.txt and
003_4420902fd2b6113f.txt §3; 002_0dd137535febb580.txt §4; 004_6f61966887c71a84.txt).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D0,
    D1,
    D2,
    D3,
    D4,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    f64,
    jacobian_pairs,
    le,
    same,
)

# --- §2.D losses --------------------------------------------------------------------------------


@proposition(
    "P-LOSS-CCE",
    "corrected",
    "ξ(y, y*) = −Σ_k y*_k ln y_k for y ∈ ]0,1[^m; for one-hot y* of class c, ξ = −ln y_c ≥ 0",
    f"{D1} Def 3.1",
)
def loss_cce(draw: Draw) -> list[Pair]:
    y = draw(jt.probabilities(size=4))
    c = draw(st.integers(0, 3))
    onehot = np.eye(4)[c]
    xi = jd.categorical_cross_entropy(y, onehot)
    # coordinates with y*_k = 0 contribute exactly 0, even where y_k = 0; y_c = 0 gives +∞
    y0, target0 = np.array([0.0, 0.3, 0.7]), np.array([0.0, 1.0, 0.0])
    g0 = jax.grad(jd.categorical_cross_entropy)(f64(y0), f64(target0))
    return [
        (xi, -np.log(y[c])),
        (xi, -np.sum(onehot * np.log(y))),
        le(-xi, 0.0),
        (jd.categorical_cross_entropy(y0, target0), -np.log(0.3)),
        (g0, [0.0, -1 / 0.3, 0.0]),
        (jd.categorical_cross_entropy_gradient(y0, target0), g0),
        (jd.categorical_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0])), np.inf),
    ]


@proposition(
    "P-LOSS-CCE-GRAD",
    "corrected",
    "∇_y ξ(y, y*) = −[y*_1/y_1 … y*_m/y_m] (natural logarithm), a row of M_{1,m}",
    f"{D1} Prop 3.1 eq (7)",
)
def loss_cce_grad(draw: Draw) -> list[Pair]:
    y = draw(jt.probabilities())
    target = draw(  # one-hot, or arbitrary non-negative weights with exact zeros
        st.one_of(
            jt.one_hot(len(y)),
            hnp.arrays(
                np.float64, len(y), elements=st.one_of(st.just(0.0), jt.finite_floats(0, 3))
            ),
        )
    )
    g = jd.categorical_cross_entropy_gradient(y, target)
    return jacobian_pairs(jd.categorical_cross_entropy, g, y, target) + [(g, -target / y)]


@erratum(
    "E-29",
    "∂ξ/∂y_j = −y*_j/y_j with the natural log; the gradient is a row of M_{1,m}",
    f"{D1} Prop 3.1; {D0} §3",
    printed="the gradient's codomain is ℝ; the proof writes −y*_j/y_i",
    why="the indices disagree and the gradient of a map on ℝ^m has m entries",
)
def e29(draw: Draw) -> Erratum:
    y = draw(jt.probabilities(size=3))
    target = np.eye(3)[draw(st.integers(0, 2))]
    g = jax.grad(jd.categorical_cross_entropy)(y, target)
    log10 = -target / (y * np.log(10.0))
    return Erratum([(jd.categorical_cross_entropy_gradient(y, target), g)], [(log10, g)])


@proposition(
    "P-LOSS-CCE-MIN",
    "corrected",
    "for y, y* in the open simplex, ξ(y, y*) ≥ ξ(y*, y*) with equality iff y = y* (Gibbs)",
    f"{D0} §3 (replaced)",
)
def loss_cce_min(draw: Draw) -> list[Pair]:
    y, target = draw(jt.simplex_points(size=3)), draw(jt.simplex_points(size=3))
    ce = jd.categorical_cross_entropy
    # for one-hot y*, along y_t = (1 − t)u + t·y* (u uniform) ξ decreases to exactly 0
    onehot = np.eye(3)[draw(st.integers(0, 2))]
    path = np.array([float(ce((1 - t) / 3 + t * onehot, onehot)) for t in np.linspace(0, 1, 11)])
    return [
        le(ce(target, target), ce(y, target) + 1e-12),
        le(np.diff(path), -1e-12),
        (path[-1], 0.0),
    ]


@erratum(
    "E-24",
    "a loss is minimal at the ground truth (P-LOSS-CCE-MIN)",
    f"{D0} §3; {D3} §3",
    printed="f is a loss iff ε ↦ f(ŷ + ε) increases in each coefficient",
    why="CCE decreases as the true class's probability rises: ∂ξ/∂y_c = −1/y_c < 0",
)
def e24(draw: Draw) -> Erratum:
    y = draw(jt.probabilities(size=3, eps=0.05))
    c = draw(st.integers(0, 2))
    target = np.eye(3)[c]
    t = draw(jt.finite_floats(1e-3, 1e-2))
    ce = jd.categorical_cross_entropy
    # corrected: the derivative along e_c is −1/y_c < 0; printed: the loss increases along e_c
    bumped = y.copy()
    bumped[c] += t
    return Erratum([le(ce(bumped, target), ce(y, target))], [le(ce(y, target), ce(bumped, target))])


@proposition(
    "P-LOSS-CCE-INTLABEL",
    "corrected",
    (
        "integer labels c_i ∈ {0, …, K−1}: −Σ_i ln f_{c_i}(x_i) = Σ_i ξ(f(x_i), onehot(c_i)); "
        "from logits, ξ(S(z), onehot(c)) = −ln S(z)_c with gradient S(z) − onehot(c)"
    ),
    f"{D2} §4.2 eq (2)",
)
def loss_cce_intlabel(draw: Draw) -> list[Pair]:
    P = np.stack([draw(jt.simplex_points(size=3)) for _ in range(4)])
    labels = np.array([draw(st.integers(0, 2)) for _ in range(4)])
    per_sample = jd.categorical_cross_entropy_from_labels(P, labels)
    # from logits: softmax_cross_entropy takes the labels in place of their one-hot rows
    z = f64(draw(jt.vectors(size=(4, 3))))
    onehot = np.eye(3)[labels]
    return [
        (per_sample, jd.categorical_cross_entropy(P, onehot)),
        (np.sum(per_sample), -np.sum(np.log(P[np.arange(4), labels]))),
        (jd.softmax_cross_entropy(z, labels), jd.softmax_cross_entropy(z, onehot)),
        (jd.softmax_cross_entropy(z, labels), -np.asarray(jax.nn.log_softmax(z))[range(4), labels]),
        (
            jd.softmax_cross_entropy_gradient(z, labels),
            jd.softmax_cross_entropy_gradient(z, onehot),
        ),
        (
            jd.softmax_cross_entropy_gradient(z, labels),
            jax.vmap(jax.grad(jd.softmax_cross_entropy))(z, labels),
        ),
    ]


@erratum(
    "E-02",
    "−Σ_i ln f_{c_i}(x_i) for integer labels c_i ∈ {0, …, K−1}",
    f"{D2} §4.2 eq (2)",
    printed="−Σ_i y_i·log f(x_i,θ) with y_i the class index",
    why=(
        "the index multiplies the log-probability: class 0 contributes nothing and class 2 counts "
        "twice"
    ),
)
def e02(draw: Draw) -> Erratum:
    P = np.stack([draw(jt.simplex_points(size=3)) for _ in range(2)])
    labels = np.array([0, 2])  # label 0 vanishes from the printed sum, label 2 counts twice
    correct = -np.log(P[[0, 1], labels])
    printed = -labels * np.log(P[[0, 1], labels])
    return Erratum(
        [(jd.categorical_cross_entropy_from_labels(P, labels), correct)], [(printed, correct)]
    )


@proposition(
    "P-LOSS-SOFTMAX-CCE",
    "corrected",
    "∇_z ξ(S(z), y*) = (Σ_k y*_k)·S(z) − y*, which is S(z) − y* when Σ_k y*_k = 1",
    f"{D1} Prop 5.3 eq (13)",
)
def loss_softmax_cce(draw: Draw) -> list[Pair]:
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
    pairs = jacobian_pairs(jd.softmax_cross_entropy, g, z, target) + [
        (g, chain),
        (jd.softmax_cross_entropy(z, target), jd.categorical_cross_entropy(jd.softmax(z), target)),
        (jd.softmax_cross_entropy_gradient(z, np.zeros(len(z))), np.zeros(len(z))),
    ]
    if kind == "onehot":
        pairs.append((g, jd.softmax(z) - target))
    # the fused form stays finite and exact far out, where the literal composition is NaN
    far = draw(st.sampled_from([1e3, -1e3])) * np.array([1.0, 0.0, -1.0])
    for label in np.eye(3):
        far_g = jd.softmax_cross_entropy_gradient(far, label)
        pairs += jacobian_pairs(jd.softmax_cross_entropy, far_g, far, label)
        pairs.append(same(bool(np.isfinite(jd.softmax_cross_entropy(far, label)))))
    literal = jax.grad(lambda v: jd.categorical_cross_entropy(jd.softmax(v), f64(np.eye(3)[2])))
    pairs.append(same(not np.all(np.isfinite(literal(f64([1e3, 0.0, -1e3]))))))
    # a −inf logit whose label is 0 contributes nothing
    z_inf, t_inf = np.array([-np.inf, 1.0, 2.0]), np.array([0.0, 1.0, 0.0])
    pairs += [
        (jd.softmax_cross_entropy(z_inf, t_inf), -(1.0 - np.log(np.exp(1.0) + np.exp(2.0)))),
        (
            jax.grad(jd.softmax_cross_entropy)(f64(z_inf), f64(t_inf)),
            jd.softmax_cross_entropy_gradient(z_inf, t_inf),
        ),
        (jd.softmax_cross_entropy_gradient(z_inf, t_inf)[0], 0.0),
    ]
    return pairs


@erratum(
    "E-09",
    "∇_z ξ(S(z), y*) = (Σ_k y*_k)·S(z) − y*",
    f"{D1} Prop 5.3; {D0} §3",
    printed="∇_z ξ(S(z), y*) = S(z) − y* for any admissible y*",
    why="true only when Σ_k y*_k = 1; 000 admits multi-hot labels and 003 labels in ]0,1[^m",
)
def e09(draw: Draw) -> Erratum:
    z = draw(jt.logits(size=4))
    target = np.array([1.0, 1.0, 0.0, 0.0])
    ad = jax.grad(jd.softmax_cross_entropy)(z, target)
    return Erratum(
        [(jd.softmax_cross_entropy_gradient(z, target), ad)], [(jd.softmax(z) - target, ad)]
    )


@erratum(
    "E-32",
    "∇_z ξ(S(z), y*) is a row of M_{1,m}",
    f"{D1} Prop 5.3 eq (13)",
    printed="the gradient's codomain is ℝ",
    why="the gradient of a map on ℝ^m has m entries",
    without_formula="shape",
)
def e32(draw: Draw) -> list[Pair]:
    z = draw(jt.logits(size=3))
    return [(np.shape(jd.softmax_cross_entropy_gradient(z, np.eye(3)[0])), (3,))]


@proposition(
    "P-LOSS-BCE",
    "corrected",
    "BCE(p, y) = −Σ_i [y_i ln p_i + (1 − y_i) ln(1 − p_i)]; ∂BCE/∂p_i = (p_i − y_i)/(p_i(1 − p_i))",
    f"{D2} §4.1 eq (1)",
)
def loss_bce(draw: Draw) -> list[Pair]:
    from sklearn.metrics import log_loss

    p = draw(jt.probabilities())
    y = np.array([draw(st.sampled_from([0.0, 1.0])) for _ in p])
    soft = draw(jt.probabilities(size=len(p), eps=0.0))  # soft targets in [0, 1]
    g = jd.binary_cross_entropy_gradient(p, y)
    two_class = jd.categorical_cross_entropy(np.stack([1 - p, p], 1), np.stack([1 - y, y], 1))
    edge = np.array([1.0, 0.0])
    saturated = jd.binary_cross_entropy_gradient(edge, edge)
    return jacobian_pairs(jd.binary_cross_entropy, g, p, y) + [
        (g, (p - y) / (p * (1 - p))),
        (jd.binary_cross_entropy(p, y), log_loss(y, p, normalize=False, labels=[0, 1])),
        (jd.binary_cross_entropy(p, y), np.sum(two_class)),
        le(-jd.binary_cross_entropy(p, soft), 1e-12),
        *jacobian_pairs(
            jd.binary_cross_entropy, jd.binary_cross_entropy_gradient(p, soft), p, soft
        ),
        (jd.binary_cross_entropy(np.array([0.0]), np.array([1.0])), np.inf),
        (jd.binary_cross_entropy(np.array([0.0, 1.0]), np.array([0.0, 1.0])), 0.0),
        # saturated predictions with the matching label: the one-sided derivatives ∓1
        *jacobian_pairs(jd.binary_cross_entropy, saturated, edge, edge),
        (saturated, [-1.0, 1.0]),
    ]


@erratum(
    "E-01",
    "BCE(p, y) = −Σ_i [y_i ln p_i + (1 − y_i) ln(1 − p_i)]",
    f"{D2} §4.1 eq (1)",
    printed="−Σ_i y_i·log f(x_i)·log(1 − f(x_i))",
    why=(
        "a product of the two logarithms and no (1 − y_i) term: negative for y = 1, p = ½, and 0 "
        "for every p when y = 0"
    ),
)
def e01(draw: Draw) -> Erratum:
    p = draw(jt.probabilities(size=3, eps=1e-3))
    y = np.array([1.0, 0.0, 1.0])
    correct = -np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))
    printed = -np.sum(y * np.log(p) * np.log1p(-p))
    # y = 1, p = ½: ln 2 (printed: −0.4805, a negative loss); y = 0: −ln(1 − p) (printed: 0)
    half, one, zero = np.array([0.5]), np.array([1.0]), np.array([0.0])
    return Erratum(
        [
            (jd.binary_cross_entropy(p, y), correct),
            (jd.binary_cross_entropy(half, one), np.log(2.0)),
            (jd.binary_cross_entropy(np.array([0.3]), zero), -np.log(0.7)),
        ],
        [(printed, correct), (-np.log(0.5) * np.log(0.5), np.log(2.0))],
    )


@proposition(
    "P-LOSS-SIGMOID-BCE",
    "derived",
    (
        "BCE(σ(z), y) = softplus(z) − y·z and d/dz BCE(σ(z), y) = σ(z) − y: the two-class softmax "
        "cross-entropy"
    ),
    f"{D2} §5.2",
)
def loss_sigmoid_bce(draw: Draw) -> list[Pair]:
    # the literal bce(σ(z), y) loses about ε·e^{|z|} relatively (3e-10 at |z| = 15), so it is
    # compared up to |z| = 10; the gradient and the two-class form hold to |z| = 30 and beyond
    z = draw(jt.logits(bound=10.0))
    y = np.array([draw(st.sampled_from([0.0, 1.0])) for _ in z])
    wide = draw(jt.logits(size=len(z), bound=30.0))
    g = jd.sigmoid_binary_cross_entropy_gradient(z, y)
    two_class = sum(
        jd.softmax_cross_entropy(jnp.array([0.0, zi]), jnp.array([1 - yi, yi]))
        for zi, yi in zip(z, y, strict=True)
    )
    return jacobian_pairs(jd.sigmoid_binary_cross_entropy, g, z, y) + [
        (g, jd.sigmoid(z) - y),
        (jd.sigmoid_binary_cross_entropy(z, y), jd.binary_cross_entropy(jd.sigmoid(z), y)),
        (jd.sigmoid_binary_cross_entropy(z, y), two_class),
        *jacobian_pairs(
            jd.sigmoid_binary_cross_entropy,
            jd.sigmoid_binary_cross_entropy_gradient(wide, y),
            wide,
            y,
        ),
        *(
            pair
            for far in (np.array([1e3]), np.array([-1e3]))
            for label in (np.array([0.0]), np.array([1.0]))
            for pair in jacobian_pairs(
                jd.sigmoid_binary_cross_entropy,
                jd.sigmoid_binary_cross_entropy_gradient(far, label),
                far,
                label,
            )
        ),
    ]


@proposition(
    "P-LOSS-SE",
    "stated",
    "SE(ŷ, y) = Σ_i (y_i − ŷ_i)²; ∇_ŷ SE = 2(ŷ − y)",
    f"{D2} §4.3 eq (3)",
)
def loss_se(draw: Draw) -> list[Pair]:
    yhat, y = draw(jt.vectors()), None
    y = draw(jt.vectors(size=len(yhat)))
    g = jd.squared_error_gradient(yhat, y)
    value = float(jd.squared_error(yhat, y))
    distinct = np.max(np.abs(y - yhat)) > 1e-150  # a smaller difference squares to 0
    return jacobian_pairs(jd.squared_error, g, yhat, y) + [
        (value, np.sum((y - yhat) ** 2)),
        le(-value, 0.0),
        (jd.squared_error(y, y), 0.0),
        same(value > 0 or not distinct),
    ]


@erratum(
    "E-50",
    "SE = Σ_i (y_i − ŷ_i)²",
    f"{D2} §4.3 eq (3)",
    printed="Σ_{i=1}^{n} (y − ŷ)²",
    why="without the sample index the sum is n times one squared difference",
)
def e50(draw: Draw) -> Erratum:
    yhat = draw(jt.logits(size=3, bound=3.0))
    y = yhat + np.array([1.0, 2.0, 3.0])
    correct = np.sum((y - yhat) ** 2)
    printed = 3 * (y[0] - yhat[0]) ** 2  # one unindexed difference, summed n times
    return Erratum([(jd.squared_error(yhat, y), correct)], [(printed, correct)])


@proposition(
    "P-LOSS-MSE-HALF",
    "stated",
    "C = (1/(2m)) Σ_i (y_i − ŷ_i)² = MSE/2; ∂C/∂ŷ_i = (ŷ_i − y_i)/m",
    f"{D4} cost functions",
)
def loss_mse_half(draw: Draw) -> list[Pair]:
    yhat, y = draw(jt.vectors()), None
    y = draw(jt.vectors(size=len(yhat)))
    g = jd.half_mean_squared_error_gradient(yhat, y)
    return jacobian_pairs(jd.half_mean_squared_error, g, yhat, y) + [
        (jd.half_mean_squared_error(yhat, y), 0.5 * np.mean((y - yhat) ** 2))
    ]
