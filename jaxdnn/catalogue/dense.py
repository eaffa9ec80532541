"""The dense layer y·Wᵀ + b, its Jacobians, and the other documents' layouts
(001_602cbf05fdb6a620.txt §4; 000_e9869ddaa8874969.txt and 003_4420902fd2b6113f.txt §4;
002_0dd137535febb580.txt §2; 004_6f61966887c71a84.txt).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

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
    loop = np.array([y @ W[j] + b[j] for j in range(len(b))])
    Y = np.stack([y, 2 * y])
    return [(jd.dense(y, W, b), loop), (jd.dense(Y, W, b), np.stack([loop, 2 * (y @ W.T) + b]))]


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
    for i in range(len(b)):
        ad = jax.jacfwd(lambda w, i=i: jd.dense(y, f64(W).at[i].set(w), b))(f64(W[i]))
        pairs.append((jd.dense_jacobian_weight_row(y, W, b, i), ad))
    return pairs


@proposition(
    "P-DENSE-JAC-W",
    "derived",
    "∂L_i/∂W_{kj} = δ_{ik}·y_j (a tensor of shape (m, m, n))",
    f"{D1} Prop 4.2 (all rows)",
)
def dense_jac_w(draw: Draw) -> list[Pair]:
    y, W, b = draw_layer(draw)
    return jacobian_pairs(jd.dense, jd.dense_jacobian_weights(y, W, b), y, W, b, argnums=1)


@proposition(
    "P-DENSE-JAC-BIAS",
    "stated",
    "J_{L(y,W,·)}(b) = I_m",
    f"{D1} Prop 4.3 eq (10)",
)
def dense_jac_bias(draw: Draw) -> list[Pair]:
    y, W, b = draw_layer(draw)
    return jacobian_pairs(jd.dense, jd.dense_jacobian_bias(y, W, b), y, W, b, argnums=2)


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
    return [
        (jd.dense_in_out(x, V1, b1), jd.dense(x, V1.T, b1)),
        (two, jd.tanh(jd.dense(jd.tanh(jd.dense(x, V1.T, b1)), V2.T, b2))),
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
    return [(jd.dense(a, W, b), (W @ a[:, None] + b[:, None])[:, 0])]


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
    J = jax.jacfwd(lambda c: jd.relu(jd.dense(y, W, c)))(f64(b))
    return [(J, jd.relu_jacobian(jd.dense(y, W, b)) @ jd.dense_jacobian_bias(y, W, b))]
