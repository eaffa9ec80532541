"""The dense layer y·Wᵀ + b, its Jacobians, and the other documents' layouts
(001_602cbf05fdb6a620.txt §4; 000_e9869ddaa8874969.txt and 003_4420902fd2b6113f.txt §4;
002_0dd137535febb580.txt §2; 004_6f61966887c71a84.txt).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D0,
    D1,
    D2,
    D4,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    draw_layer,
    f64,
    jacobian_pairs,
    same,
)

# --- §2.E dense layer ---------------------------------------------------------------------------


@proposition(
    "P-DENSE",
    "stated",
    "L(y, W, b) = y·Wᵀ + b with W ∈ M_{m,n}: L_j = y·W_{j,:}ᵀ + b_j; a batch Y gives Y·Wᵀ + 𝟙b",
    f"{D1} Def 4.1",
)
def dense(draw: Draw) -> list[Pair]:
    y, W, b = draw_layer(draw)
    loop = np.array([sum(y[k] * W[j, k] for k in range(len(y))) + b[j] for j in range(len(b))])
    Y = draw(jt.vectors(size=(4, len(y))))
    out = jd.dense(Y, W, b)
    return [
        (jd.dense(y, W, b), loop),
        (np.shape(out), (4, len(b))),
        *((out[i], jd.dense(Y[i], W, b)) for i in range(4)),  # a batch acts row by row
        (out, jax.vmap(jd.dense, (0, None, None))(f64(Y), f64(W), f64(b))),
    ]


@proposition(
    "P-DENSE-JAC-INPUT",
    "stated",
    "J_{L(·,W,b)}(y) = W ∈ M_{m,n}",
    f"{D1} Prop 4.1 eq (8)",
)
def dense_jac_input(draw: Draw) -> list[Pair]:
    y, W, b = draw_layer(draw)
    return jacobian_pairs(jd.dense, jd.dense_jacobian_input(y, W, b), y, W, b)


@proposition(
    "P-DENSE-JAC-WROW",
    "stated",
    (
        "the Jacobian of L in row i* of W is the m×n matrix whose row i* is y and whose other rows "
        "are 0"
    ),
    f"{D1} Prop 4.2 eq (9)",
)
def dense_jac_wrow(draw: Draw) -> list[Pair]:
    y, W, b = draw_layer(draw)
    pairs = []
    for i in range(len(b)):  # every row, the first and the last included
        ad = _row_jacobian(f64(y), f64(W), f64(b), i)
        J = np.asarray(jd.dense_jacobian_weight_row(y, W, b, i))
        pairs += [
            (J, ad),
            same(np.array_equal(J[i], y) and not np.delete(J, i, axis=0).any()),
        ]
    return pairs


@jax.jit
def _row_jacobian(y: jax.Array, W: jax.Array, b: jax.Array, i: jax.Array) -> jax.Array:
    """∂L/∂W_{i,:} by forward-mode autodiff (one program per layer shape, for every row i)."""
    return jax.jacfwd(lambda w: jd.dense(y, W.at[i].set(w), b))(W[i])


@proposition(
    "P-DENSE-JAC-W",
    "derived",
    "∂L_i/∂W_{kj} = δ_{ik}·y_j (a tensor of shape (m, m, n))",
    f"{D1} Prop 4.2 (all rows)",
)
def dense_jac_w(draw: Draw) -> list[Pair]:
    y, W, b = draw_layer(draw)
    T = np.asarray(jd.dense_jacobian_weights(y, W, b))
    rows = [
        same(np.array_equal(T[:, i, :], jd.dense_jacobian_weight_row(y, W, b, i)))
        for i in range(len(b))
    ]
    return jacobian_pairs(jd.dense, T, y, W, b, argnums=1) + rows


@proposition(
    "P-DENSE-JAC-BIAS",
    "stated",
    "J_{L(y,W,·)}(b) = I_m",
    f"{D1} Prop 4.3 eq (10)",
)
def dense_jac_bias(draw: Draw) -> list[Pair]:
    y, W, b = draw_layer(draw)
    J = jd.dense_jacobian_bias(y, W, b)
    return jacobian_pairs(jd.dense, J, y, W, b, argnums=2) + [
        same(np.array_equal(J, np.eye(len(b))))
    ]


@proposition(
    "P-DENSE-002-LAYOUT",
    "corrected",
    (
        "the in×out layout x·V + b equals L(x, Vᵀ, b); two layers f(f(x·V₁ + b₁)·V₂ + b₂) likewise "
        "with W_k = V_kᵀ"
    ),
    f"{D2} §2",
)
def dense_002_layout(draw: Draw) -> list[Pair]:
    x, V1, b1 = draw(jt.vectors(size=3)), draw(jt.vectors(size=(3, 2))), draw(jt.vectors(size=2))
    V2, b2 = draw(jt.vectors(size=(2, 4))), draw(jt.vectors(size=4))
    two = jd.tanh(jd.dense_in_out(jd.tanh(jd.dense_in_out(x, V1, b1)), V2, b2))
    try:  # a missing transpose of a non-square V is refused, not broadcast
        jd.dense(x, V1, b1)
        refused = False
    except ValueError as error:
        refused = "to match W" in str(error)
    return [
        (jd.dense_in_out(x, V1, b1), jd.dense(x, V1.T, b1)),
        (two, jd.tanh(jd.dense(jd.tanh(jd.dense(x, V1.T, b1)), V2.T, b2))),
        same(refused),
    ]


@erratum(
    "E-47",
    "o_i = f(Σ_k x_k·V_{k,i} + b_i): the in×out V is the transpose of W",
    f"{D2} §2",
    printed="o_i = f(Σ_k x_k·w_k + b_i)",
    why=(
        "the weight lacks the unit index; with V non-square x·V and x·Vᵀ do not even have the same "
        "shape"
    ),
)
def e47(draw: Draw) -> Erratum:
    x, V, b = draw(jt.vectors(size=3)), draw(jt.vectors(size=(3, 2))), draw(jt.vectors(size=2))
    return Erratum([(jd.dense_in_out(x, V, b), x @ V + b)], [(np.shape(V), np.shape(V.T))])


@proposition(
    "P-DENSE-004-LAYOUT",
    "stated",
    (
        "w^ℓ_{jk} links unit k of layer ℓ−1 to unit j of layer ℓ: the column form W·aᵀ + bᵀ is the "
        "transpose of L(a, W, b)"
    ),
    f"{D4} indexing",
)
def dense_004_layout(draw: Draw) -> list[Pair]:
    a, W, b = draw_layer(draw)
    k = draw(st.integers(0, len(a) - 1))  # input unit k + 1 reaches unit j + 1 through W[j, k]
    return [
        (jd.dense(a, W, b), (W @ a[:, None] + b[:, None])[:, 0]),
        same(np.array_equal(jd.dense(np.eye(len(a))[k], W, np.zeros(len(b))), W[:, k])),
    ]


@erratum(
    "E-51",
    "each unit j of layer ℓ has its own bias b^ℓ_j",
    f"{D4} indexing",
    printed="biases are usually the same for every node of a layer",
    why="BP3 gives each unit its own bias gradient; generic data make them differ",
)
def e51(draw: Draw) -> Erratum:
    y, W = draw(jt.vectors(size=3, bound=2.0)), draw(jt.vectors(size=(2, 3), bound=2.0))
    b = draw(jt.vectors(size=2))
    target = np.array([1.0, -1.0])
    cost = lambda b: jd.squared_error(jd.dense(y, W, b), target)  # noqa: E731
    g = jax.grad(cost)(f64(b))
    shared = np.full(2, float(jnp.mean(g)))  # the best a single shared bias can do
    return Erratum([(g, 2 * (jd.dense(y, W, b) - target))], [(shared, g)])


@erratum(
    "E-56",
    "J_{ReLU∘L(y,W,·)}(b) = diag(𝟙[L(y, W, b) > 0])",
    f"{D0} §4",
    printed="dReLU/db(L(y, W, b))",
    why="notation only: the Jacobian of the composite w.r.t. b",
    without_formula="notation",
)
def e56(draw: Draw) -> list[Pair]:
    y, W, b = draw_layer(draw, integer=True)
    J = np.asarray(jax.jacfwd(lambda c: jd.relu(jd.dense(y, W, c)))(f64(b)))
    mask = (np.asarray(jd.dense(y, W, b)) > 0).astype(np.float64)
    return [
        same(np.array_equal(J, np.diag(mask))),
        same(
            np.array_equal(J, jd.relu_jacobian(jd.dense(y, W, b)) @ jd.dense_jacobian_bias(y, W, b))
        ),
    ]
