"""Activations and their Jacobians: ReLU, softmax, sigmoid, tanh, the linear unit
(001_602cbf05fdb6a620.txt §2; 000_e9869ddaa8874969.txt and 003_4420902fd2b6113f.txt §3;
002_0dd137535febb580.txt §5; 004_6f61966887c71a84.txt).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
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
    ACTIVATIONS,
    jacobian_pairs,
    le,
    same,
)

# --- §2.C activations ---------------------------------------------------------------------------


@proposition(
    "P-ACT-RELU",
    "stated",
    "ReLU(z) = [max(0, z_1) … max(0, z_m)]",
    f"{D1} Def 2.1",
)
def act_relu(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    return [
        (jd.relu(z), np.maximum(z, 0)),
        (jd.relu(jd.relu(z)), jd.relu(z)),
        (jd.relu(z) - jd.relu(-z), z),
    ]


@erratum(
    "E-11",
    "ReLU is continuous (1-Lipschitz) and differentiable everywhere but at 0",
    f"{D4} neuron derivative",
    printed="ReLU is called discontinuous",
    why="|ReLU(a) − ReLU(b)| ≤ |a − b|; only its derivative jumps",
    without_formula="words",
)
def e11(draw: Draw) -> list[Pair]:
    a, b = draw(jt.vectors(size=3)), draw(jt.vectors(size=3))
    return [le(np.abs(jd.relu(a) - jd.relu(b)), np.abs(a - b))]


@proposition(
    "P-ACT-RELU-JAC",
    "stated",
    "J_ReLU(z) = diag(𝟙[z > 0])",
    f"{D1} Prop 2.1",
)
def act_relu_jac(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    J = np.asarray(jd.relu_jacobian(z))
    edge = np.array([0.0, -0.0, 1.0, -2.0])  # ties give 0; off the diagonal exactly 0
    return jacobian_pairs(jd.relu, J, z) + [
        same(np.array_equal(J, np.diag((z > 0).astype(np.float64)))),
        same(np.array_equal(jd.relu_jacobian(edge), np.diag([0.0, 0.0, 1.0, 0.0]))),
        same(np.array_equal(jd.relu_jacobian(-np.ones(3)), np.zeros((3, 3)))),
    ]


@erratum(
    "E-10",
    "ReLU′(z) = 𝟙[z > 0]",
    f"{D4} neuron derivative",
    printed="ReLU′(z) = z for z > 0",
    why="ReLU is the identity for z > 0, so its derivative there is 1",
)
def e10(draw: Draw) -> Erratum:
    z = draw(jt.finite_floats(1.5, 10.0))
    ad = jax.grad(jd.relu)(z)
    ours = jd.relu_derivative(np.array([z, 0.5, -1.0]))
    return Erratum([(ours[0], ad), (ours, [1.0, 1.0, 0.0])], [(z, ad)])


@erratum(
    "E-46",
    "ReLU′ is 0 for negative inputs and exactly 1 for every positive input",
    f"{D2} §5.4",
    printed="the ReLU gradient vanishes when inputs approach zero",
    why="ReLU′(1e−12) = 1: nothing vanishes near zero from above",
    without_formula="words",
)
def e46(draw: Draw) -> list[Pair]:
    eps = draw(jt.finite_floats(1e-300, 1e-6))
    return [(jd.relu_derivative(np.array([eps, -eps])), [1.0, 0.0])]


@proposition(
    "P-ACT-SOFTMAX",
    "stated",
    "S(z)_i = e^{z_i} / Σ_k e^{z_k}: entries in ]0, 1[, summing to 1, S(z + c) = S(z)",
    f"{D1} Def 2.2",
)
def act_softmax(draw: Draw) -> list[Pair]:
    z = draw(jt.logits())
    c = draw(jt.finite_floats(-20, 20))
    s = np.asarray(jd.softmax(z))
    order = np.argsort(z, kind="stable")
    return [
        (s, jax.nn.softmax(z)),
        (np.sum(s), 1.0),
        (jd.softmax(z + c), s),
        same(bool(np.all((s > 0) & (s < 1))) or z.size == 1),  # the open interval
        le(np.diff(s[order]) * -1.0, 0.0),  # order preserving
        (jd.softmax(np.array([3.0])), [1.0]),  # m = 1
        (jd.softmax(np.array([1000.0, 0.0, -1000.0])), [1.0, np.exp(-1000.0), 0.0]),
    ]


@proposition(
    "P-ACT-SOFTMAX-JAC",
    "stated",
    "J_S(z) = diag(S) − Sᵀ·S, i.e. ∂S_i/∂z_j = S_i(δ_{ij} − S_j): symmetric, rows summing to 0",
    f"{D1} Prop 2.2",
)
def act_softmax_jac(draw: Draw) -> list[Pair]:
    z = draw(jt.logits())
    J = np.asarray(jd.softmax_jacobian(z))
    eigenvalues = np.linalg.eigvalsh(J)
    saturated = np.array([1000.0, 0.0, -1000.0])
    return jacobian_pairs(jd.softmax, J, z) + [
        same(np.array_equal(J, J.T)),
        (J.sum(axis=1), np.zeros(len(z))),
        le(-eigenvalues, 1e-12),  # Gershgorin: eigenvalues in [0, ½]
        le(eigenvalues, 0.5 + 1e-12),
        (jd.softmax_jacobian(np.array([2.0])), [[0.0]]),  # m = 1
        *jacobian_pairs(jd.softmax, jd.softmax_jacobian(saturated), saturated),
    ]


@proposition(
    "P-ACT-SIGMOID",
    "stated",
    "σ(z) = 1/(1 + e^{−z}) element-wise; J_σ(z) = diag(σ(z)(1 − σ(z))); σ(−z) = 1 − σ(z)",
    f"{D2} §5.2 eq (4)",
)
def act_sigmoid(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    far = np.array([-800.0, 800.0])  # value and derivative finite far out
    return jacobian_pairs(jd.sigmoid, jd.sigmoid_jacobian(z), z) + [
        (jd.sigmoid(z), 1 / (1 + np.exp(-z))),
        (jd.sigmoid(-z), 1 - jd.sigmoid(z)),
        (jd.sigmoid_derivative(np.array([0.0])), [0.25]),
        *jacobian_pairs(jd.sigmoid, jd.sigmoid_jacobian(far), far),
        same(bool(np.all(np.isfinite(jax.vmap(jax.grad(jd.sigmoid))(far))))),
    ]


@proposition(
    "P-ACT-TANH",
    "stated",
    "tanh element-wise; J_tanh(z) = diag(1 − tanh²(z)); tanh(z) = 2σ(2z) − 1",
    f"{D2} §5.5 eqs (6)–(7)",
)
def act_tanh(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors(bound=30.0))  # large |z| included
    return jacobian_pairs(jd.tanh, jd.tanh_jacobian(z), z) + [
        (jd.tanh(z), 2 * jd.sigmoid(2 * z) - 1)
    ]


@proposition(
    "P-ACT-LINEAR",
    "stated",
    "the linear unit's activation is the identity: J = I",
    f"{D2} §5.1",
)
def act_linear(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors())
    return jacobian_pairs(jd.identity, jd.identity_jacobian(z), z) + [
        same(np.array_equal(jd.identity(z), z)),
        same(np.array_equal(jd.identity_jacobian(z), np.eye(z.size))),
    ]


@proposition(
    "P-ACT-ELEMENTWISE-JAC",
    "stated",
    "φ applied coordinate-wise ⇒ J_φ(z) = diag(φ′(z_1), …, φ′(z_m))",
    f"{D4}; {D1} Props 2.1, 5.1",
)
def act_elementwise_jac(draw: Draw) -> list[Pair]:
    name = draw(st.sampled_from(sorted(ACTIVATIONS)))
    f, jacobian, df = ACTIVATIONS[name]
    z = draw(jt.integer_valued_vectors() if name == "relu" else jt.vectors())
    J = np.asarray(jax.jacfwd(f)(z))
    off_diagonal = ~np.eye(z.size, dtype=bool)
    softmax = np.asarray(jax.jacfwd(jd.softmax)(np.array([0.1, -0.4, 2.0])))
    return jacobian_pairs(f, jd.elementwise_jacobian(df, z), z) + [
        same(bool(np.all(J[off_diagonal] == 0.0))),
        same(np.array_equal(jacobian(z), jd.elementwise_jacobian(df, z))),
        same(bool(np.all(softmax[~np.eye(3, dtype=bool)] != 0.0))),  # softmax is not element-wise
    ]


@erratum(
    "E-41",
    "activations return rows (shape (m,))",
    f"{D1} Defs 2.1, 2.2",
    printed="ReLU and softmax outputs shown as columns",
    why="vectors are rows in the documents' own convention",
    without_formula="shape",
)
def e41(draw: Draw) -> list[Pair]:
    z = draw(jt.vectors(size=4))
    return [(np.shape(jd.relu(z)), (4,)), (np.shape(jd.softmax(z)), (4,))]


@proposition(
    "P-ACT-UNIT",
    "stated",
    (
        "a unit computes φ(x·wᵀ + b) with x, w ∈ M_{1,n}, b ∈ ℝ: a one-output dense layer followed "
        "by φ"
    ),
    f"{D2} §5 eqs (4)–(6)",
)
def act_unit(draw: Draw) -> list[Pair]:
    x, w = draw(jt.vectors(size=3)), draw(jt.vectors(size=3))
    b = draw(jt.finite_floats(-3, 3))
    layer = jd.dense(x, w[None, :], jnp.array([b]))[0]
    return [
        *((jd.neuron(x, w, b, phi), phi(layer)) for phi in (jd.sigmoid, jd.relu, jd.tanh)),
        (jd.neuron(x, w, b, jd.sigmoid), 1 / (1 + np.exp(-(x @ w + b)))),
        (jd.neuron(np.array([2.0]), np.array([-0.5]), 0.25, jd.tanh), np.tanh(-0.75)),  # n = 1
    ]
