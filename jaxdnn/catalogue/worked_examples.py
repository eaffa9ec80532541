"""The worked examples and single-neuron derivatives of 004_6f61966887c71a84.txt, and its gradient-
descent step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D4,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    ACTIVATIONS,
    draw_network,
    f64,
    jacobian_pairs,
    le,
    leaf_pairs,
    objective_grad,
    same,
)

# --- §2.I worked examples and single neurons ----------------------------------------------------


@proposition(
    "P-EX-GRAD-X2COSY",
    "stated",
    "f(x, y) = x² + cos y: ∇f = [2x, −sin y]",
    f"{D4} Introduction",
)
def ex_grad_x2cosy(draw: Draw) -> list[Pair]:
    v = draw(jt.vectors(size=2, bound=10.0))
    return jacobian_pairs(jd.quad_cos, jd.quad_cos_gradient(v), v) + [
        (jd.quad_cos_gradient(v), [2 * v[0], -np.sin(v[1])])
    ]


@proposition(
    "P-EX-JAC-POLYEXP",
    "stated",
    "f(x, y) = [2x + y³, e^y − 13x]: J = [[2, 3y²], [−13, e^y]]",
    f"{D4} Introduction",
)
def ex_jac_polyexp(draw: Draw) -> list[Pair]:
    v = draw(jt.vectors(size=2, bound=20.0))
    return jacobian_pairs(jd.poly_exp, jd.poly_exp_jacobian(v), v)


@proposition(
    "P-EX-SCALAR-CHAIN",
    "stated",
    "d/dx sin(x²) = 2x·cos(x²)",
    f"{D4} Introduction",
)
def ex_scalar_chain(draw: Draw) -> list[Pair]:
    x = f64(draw(jt.finite_floats(-10, 10)))
    chain = jax.grad(jnp.sin)(x**2) * jax.grad(lambda t: t**2)(x)  # f′(g(x))·g′(x)
    return [
        (jd.sin_square_derivative(x), jax.grad(jd.sin_square)(x)),
        (jd.sin_square_derivative(x), np.cos(x * x) * 2 * x),
        (jd.sin_square_derivative(x), chain),
    ]


@proposition(
    "P-EX-JAC-SINLOG",
    "stated",
    (
        "f(a, b) = [sin(a² + b), ln b³]: J = [[2a·cos(a² + b), cos(a² + b)], [0, 3/b]] = "
        "J_f(g)·J_g with g = [a² + b, b³]"
    ),
    f"{D4} Introduction",
)
def ex_jac_sinlog(draw: Draw) -> list[Pair]:
    a = draw(jt.finite_floats(-3, 3))
    b = draw(jt.finite_floats(1e-2, 10))
    v = np.array([a, b])
    J = jd.sin_log_jacobian(v)
    g = jd.sin_log_inner(v)
    product = jd.sin_log_outer_jacobian(g) @ jd.sin_log_inner_jacobian(v)
    outer = lambda g: jnp.stack([jnp.sin(g[0]), jnp.log(g[1])])  # noqa: E731
    return (
        jacobian_pairs(jd.sin_log, J, v)
        + jacobian_pairs(jd.sin_log_inner, jd.sin_log_inner_jacobian(v), v)
        + [
            (jd.sin_log_outer_jacobian(g), jax.jacfwd(outer)(f64(g))),
            (J, product),
            (J[1, 1], 3 / b),
        ]
    )


@proposition(
    "P-EX-HADAMARD-JAC",
    "corrected",
    (
        "F(v, w) = f(v) ⊙ g(w), f, g element-wise: ∂F/∂v = diag(f′(v) ⊙ g(w)), ∂F/∂w = diag(f(v) ⊙ "
        "g′(w))"
    ),
    f"{D4} Hadamard",
)
def ex_hadamard_jac(draw: Draw) -> list[Pair]:
    v, w = draw(jt.vectors(size=3)), draw(jt.vectors(size=3))
    Jv, Jw = jd.hadamard_jacobians(
        v, w, jd.tanh, jd.tanh_derivative, jd.sigmoid, jd.sigmoid_derivative
    )
    plain_v, plain_w = jd.hadamard_jacobians(v, w)  # F = v ⊙ w
    return (
        jacobian_pairs(_tanh_times_sigmoid, Jv, v, w)
        + jacobian_pairs(_tanh_times_sigmoid, Jw, v, w, argnums=1)
        + [
            same(np.array_equal(plain_v, np.diag(w))),
            (plain_w, jax.jacrev(lambda w: f64(v) * w)(f64(w))),
        ]
    )


def _tanh_times_sigmoid(v: jax.Array, w: jax.Array) -> jax.Array:
    return jd.tanh(v) * jd.sigmoid(w)


@erratum(
    "E-15",
    "for F = v ⊙ w: ∂F/∂v = diag(w), ∂F/∂w = diag(v)",
    f"{D4} Hadamard",
    printed="the diagonal entries ∂F_i/∂v_i = v_i",
    why="∂(v_i w_i)/∂v_i = w_i, not v_i",
)
def e15(draw: Draw) -> Erratum:
    v, w = draw(jt.logits(size=3, bound=3.0)), draw(jt.logits(size=3, bound=3.0))
    w = v + 1.0 + np.abs(w)  # w ≠ v
    Jv, _ = jd.hadamard_jacobians(v, w)
    ad = jax.jacfwd(lambda v: v * w)(f64(v))
    # the conclusion "diagonal" needs element-wise f: a cumulative sum gives off-diagonal terms
    J_cumsum = np.asarray(jax.jacfwd(lambda v: jnp.cumsum(v) * w)(f64(v)))
    return Erratum(
        [(Jv, ad), same(bool(np.any(J_cumsum[~np.eye(3, dtype=bool)] != 0)))],
        [(np.diag(v), ad)],
    )


@proposition(
    "P-EX-SCALAR-EXPANSION",
    "corrected",
    "F(v, x) = x·v: ∂F/∂v = x·I_n and ∂F/∂x = vᵀ, an n×1 Jacobian",
    f"{D4} scalar expansion",
)
def ex_scalar_expansion(draw: Draw) -> list[Pair]:
    v = draw(jt.vectors(size=3))
    x = draw(jt.finite_floats(-5, 5) | st.just(0.0))
    Jv, Jx = jd.scalar_expansion_jacobians(v, x)
    F = lambda v, x: x * v  # noqa: E731
    G = lambda v, x: jd.tanh(v) * x  # noqa: E731  f(v) ⊙ (x𝟙) with f = tanh
    Gv, Gx = jd.scalar_expansion_jacobians(v, x, jd.tanh, jd.tanh_derivative)
    return [
        (Jv, jax.jacfwd(F)(f64(v), f64(x))),
        (Jx, jax.jacfwd(F, argnums=1)(f64(v), f64(x))),
        (np.shape(Jx), (3,)),  # n × 1 for a 0-d x
        (Gv, jax.jacfwd(G)(f64(v), f64(x))),
        (Gx, jax.jacrev(G, argnums=1)(f64(v), f64(x))),
    ]


@erratum(
    "E-16",
    "∂(x·v)/∂v = x·I_n and ∂(x·v)/∂x = vᵀ (n × 1)",
    f"{D4} scalar expansion",
    printed="∂F/∂v = diag(∂f_i/∂v_i) without the factor x",
    why="the scale x of the expansion multiplies every entry",
)
def e16(draw: Draw) -> Erratum:
    v = draw(jt.vectors(size=3))
    x = draw(jt.finite_floats(1.5, 5))
    Jv, _ = jd.scalar_expansion_jacobians(v, x)
    ad = jax.jacfwd(lambda v: x * v)(f64(v))
    J_x = jax.jacfwd(lambda x1: x1 * f64(v))(f64([x]))  # a scalar of shape (1,): n × 1
    return Erratum([(Jv, ad), (np.shape(J_x), (3, 1)), (J_x[:, 0], v)], [(np.eye(3), ad)])


@proposition(
    "P-EX-SUM-HADAMARD",
    "stated",
    "S(H) = Σ_j H_j, H = w ⊙ x: ∂S/∂H = 𝟙, ∂H/∂w = diag(x), so ∂S/∂w = x",
    f"{D4} neuron activation",
)
def ex_sum_hadamard(draw: Draw) -> list[Pair]:
    w, x = draw(jt.vectors(size=3)), draw(jt.vectors(size=3))
    b = draw(jt.finite_floats(-5, 5))
    dS_dH = jax.grad(jnp.sum)(f64(w * x))
    dH_dw = jax.jacfwd(lambda w: w * x)(f64(w))
    dz_dS, dz_db = jax.grad(lambda s, b: s + b, argnums=(0, 1))(jnp.sum(f64(w * x)), f64(b))
    return [
        same(np.array_equal(dS_dH, np.ones(3)) and np.array_equal(dH_dw, np.diag(x))),
        (dS_dH @ dH_dw, jax.grad(lambda w: jnp.sum(w * x))(f64(w))),
        (dS_dH @ dH_dw, x),
        ([dz_dS, dz_db], [1.0, 1.0]),
    ]


@proposition(
    "P-NEURON-GRAD",
    "stated",
    "a = φ(z), z = x·wᵀ + b: ∂a/∂w = φ′(z)·x, ∂a/∂b = φ′(z)",
    f"{D4} neuron activation",
)
def neuron_grad(draw: Draw) -> list[Pair]:
    name = draw(st.sampled_from(["relu", "sigmoid", "tanh"]))
    f, _, df = ACTIVATIONS[name]
    x, w = draw(jt.integer_valued_vectors(size=3)), draw(jt.integer_valued_vectors(size=3))
    b = float(draw(st.integers(-3, 3)))
    dw, db = jd.neuron_gradients(x, w, b, df)
    adw, adb = jax.grad(jd.neuron, argnums=(1, 2))(f64(x), f64(w), f64(b), f)
    pairs = [(dw, adw), (db, adb)]
    if name == "relu" and x @ w + b == 0:  # a tie: the Assumption-1 value 0
        pairs.append(same(not np.any(dw) and float(db) == 0.0))
    # a square batch (3 samples of width 3): row i is sample i's gradient, φ′(z_i)·x_i
    X = f64(draw(jt.integer_valued_vectors(size=(3, 3))))
    dW, dB = jd.neuron_gradients(X, w, b, df)
    per_sample = jax.vmap(jax.grad(jd.neuron, argnums=(1, 2)), (0, None, None, None))
    pairs += leaf_pairs((dW, dB), per_sample(X, f64(w), f64(b), f))
    # ReLU at z = 2: ∂a/∂b = 1 and ∂a/∂w = x (the primer's rule would give z = 2)
    e1 = np.array([1.0, 0.0, 0.0])
    dw2, db2 = jd.neuron_gradients(e1, 2 * e1, 0.0, jd.relu_derivative)
    return pairs + [(db2, 1.0), same(np.array_equal(dw2, e1))]


def _relu_neuron(draw: Draw) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    w, X = draw(jt.integer_valued_vectors(size=3)), draw(jt.integer_valued_vectors(size=(4, 3)))
    b = float(draw(st.integers(-2, 2)))
    y = draw(jt.integer_valued_vectors(size=4))
    return w, b, X, y


@proposition(
    "P-NEURON-RELU-MSE",
    "corrected",
    (
        "C = (1/(2m)) Σ_i (y_i − ReLU(z_i))², z_i = x_i·wᵀ + b: ∂C/∂w = (1/m)((z − y) ⊙ 𝟙[z > "
        "0])·X, ∂C/∂b = (1/m) Σ_i 𝟙[z_i > 0](z_i − y_i)"
    ),
    f"{D4} simple network cost",
)
def neuron_relu_mse(draw: Draw) -> list[Pair]:
    w, b, X, y = _relu_neuron(draw)
    dw, db = jd.relu_neuron_mse_gradients(w, b, X, y)
    adw, adb = jax.grad(jd.relu_neuron_mse, argnums=(0, 1))(f64(w), f64(b), X, y)
    # a dead neuron (every z_i ≤ 0) has zero gradients; one sample (m = 1) works
    X2 = np.array([[1.0, 2.0, 0.0], [0.5, 0.5, 0.5]])
    dead_w, dead_b = jd.relu_neuron_mse_gradients(-np.ones(3), 0.0, X2, np.array([3.0, -1.0]))
    one_w, one_b = jd.relu_neuron_mse_gradients(np.ones(3), 0.0, X2[:1], np.array([1.0]))
    return [
        (dw, adw),
        (db, adb),
        same(not np.any(dead_w) and float(dead_b) == 0.0),
        (one_w, 2.0 * X2[0]),
        (one_b, 2.0),
    ]


@erratum(
    "E-12",
    "∂C/∂b = +(1/m) Σ_i 𝟙[z_i > 0](z_i − y_i)",
    f"{D4} differentiating the bias",
    printed="∂C/∂b = −(1/m) Σ_active (z_i − y_i)",
    why="the factor ∂v/∂b = −1 is applied twice; a step against the printed gradient increases C",
)
def e12(draw: Draw) -> Erratum:
    w, b, X, y = _relu_neuron(draw)
    b = 5.0 + abs(b)  # every sample active
    y = y - 20.0  # z − y > 0
    _, db = jd.relu_neuron_mse_gradients(w, b, X, y)
    adb = jax.grad(jd.relu_neuron_mse, argnums=1)(f64(w), f64(b), X, y)
    cost = lambda b: float(jd.relu_neuron_mse(w, b, X, y))  # noqa: E731
    step = 0.01 / max(1.0, abs(float(db)))
    return Erratum(
        [
            (db, adb),
            le(cost(b - step * db), cost(b)),  # a step against ∂C/∂b descends,
            le(cost(b), cost(b + step * db)),  # a step against the printed value ascends
        ],
        [(-db, adb)],
    )


@erratum(
    "E-13",
    "∂C/∂w = (1/m) Σ_i 𝟙[z_i > 0](z_i − y_i)·x_i: the activity test is per sample",
    f"{D4} simple network cost",
    printed="one case distinction (wᵀx + b ≤ 0 or > 0) outside the sum over samples",
    why="a batch mixing active and inactive samples is neither all-zero nor the unmasked sum",
)
def e13(draw: Draw) -> Erratum:
    w, b, X, y = _relu_neuron(draw)
    X = np.vstack([np.full(3, 1.0), np.full(3, -1.0), X[2:]])
    w, b = np.array([1.0, 1.0, 1.0]), 0.5  # z_0 = 3.5 > 0, z_1 = −2.5 < 0
    z = X @ w + b
    adw = jax.grad(jd.relu_neuron_mse)(f64(w), f64(b), X, y)
    globally_active = (z - y) @ X / len(y)  # the case split moved outside the sum
    return Erratum([(jd.relu_neuron_mse_gradients(w, b, X, y)[0], adw)], [(globally_active, adw)])


@erratum(
    "E-52",
    "a^L = ReLU(x_i·wᵀ + b), equal to x_i·wᵀ + b on the active branch only",
    f"{D4} simple network cost",
    printed="a^L = Wᵀx + b, the ReLU dropped",
    why="inactive samples then contribute to the gradient",
)
def e52(draw: Draw) -> Erratum:
    _, _, X, y = _relu_neuron(draw)
    X[0], X[1] = np.full(3, 1.0), np.full(3, -1.0)
    w, b = np.array([1.0, 1.0, 1.0]), 0.5  # sample 0 active, sample 1 inactive
    adw = jax.grad(jd.relu_neuron_mse)(f64(w), f64(b), X, y)
    linear = (X @ w + b - y) @ X / len(y)  # the gradient of the cost without the ReLU
    return Erratum([(jd.relu_neuron_mse_gradients(w, b, X, y)[0], adw)], [(linear, adw)])


@proposition(
    "P-NEURON-ERROR-TERM",
    "corrected",
    "with every sample active and e_i = z_i − y_i: ∂C/∂w = (1/m) Σ_i e_i·x_i = (1/m)·e·X",
    f"{D4} derivatives w.r.t. weights",
)
def neuron_error_term(draw: Draw) -> list[Pair]:
    w, _, X, y = _relu_neuron(draw)
    X = np.abs(X) + 1.0
    w, b = np.abs(w) + 1.0, 1.0
    e = X @ w + b - y
    return [(jd.relu_neuron_mse_gradients(w, b, X, y)[0], e @ X / len(y))]


@erratum(
    "E-14",
    "(1/m) Σ_i e_i·x_i, a row with n entries",
    f"{D4} derivatives w.r.t. weights",
    printed="Σ_i e_i·(x_1, …, x_n) without 1/m and with one x for all samples",
    why="wrong by the factor m and by using the same input for every sample",
)
def e14(draw: Draw) -> Erratum:
    w, _, X, y = _relu_neuron(draw)
    X = np.abs(X) + 1.0
    X[1] = X[0] + 1.0  # distinct rows
    w, b = np.abs(w) + 1.0, 1.0
    e = X @ w + b - y
    ad = jax.grad(jd.relu_neuron_mse)(f64(w), f64(b), X, y)
    printed = np.sum(e) * X[0]  # no 1/m, one shared x
    return Erratum([(jd.relu_neuron_mse_gradients(w, b, X, y)[0], ad)], [(printed, ad)])


@proposition(
    "P-GD-STEP-004",
    "corrected",
    "θ ← θ − α·∂C/∂θ for every weight and bias, each with its own partial derivative",
    f"{D4} gradient descent",
)
def gd_step_004(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw)
    grads = objective_grad(params, X, Y)
    lr = draw(jt.finite_floats(1e-3, 1.0))
    expected = jax.tree.map(lambda p, g: np.asarray(p) - lr * np.asarray(g), params, grads)
    zeros = jax.tree.map(np.zeros_like, grads)  # ∇C = 0 leaves every parameter unchanged
    still = jd.gd_step(params, zeros, lr)
    return leaf_pairs(jd.gd_step(params, grads, lr), expected) + [
        same(
            all(
                np.array_equal(a, b)
                for a, b in zip(jax.tree.leaves(still), jax.tree.leaves(params), strict=True)
            )
        )
    ]


@erratum(
    "E-17",
    (
        "−∇C is the direction of steepest descent; each parameter moves against the sign of its "
        "own partial"
    ),
    f"{D4} gradient descent",
    printed=(
        "the gradient points in the direction of steepest descent, and the step decreases every "
        "weight and bias"
    ),
    why="∇C ascends: C(θ + ε∇C) > C(θ); parameters with a negative partial increase",
)
def e17(draw: Draw) -> Erratum:
    params, X, Y = draw_network(draw, generic=True)
    grads = objective_grad(params, X, Y)
    c0 = jd.objective(params, X, Y)
    down = jd.objective(jd.gd_step(params, grads, 1e-6), X, Y)
    up = jd.objective(jd.gd_step(params, grads, -1e-6), X, Y)
    # each parameter moves against the sign of its own partial: negative partials increase
    stepped = jd.gd_step(params, grads, 1e-2)
    signs = []
    for g, before, after in zip(
        *(jax.tree.leaves(t) for t in (grads, params, stepped)), strict=True
    ):
        g, before, after = np.asarray(g), np.asarray(before), np.asarray(after)
        moves = 1e-2 * np.abs(g) > 1e-12 * (1 + np.abs(before))  # a step above rounding
        signs.append(
            same(
                bool(np.all(after[moves & (g < 0)] > before[moves & (g < 0)]))
                and bool(np.all(after[moves & (g > 0)] < before[moves & (g > 0)]))
            )
        )
    return Erratum([le(down, c0), *signs], [le(up, c0 - 1e-9)])


@erratum(
    "E-18",
    "θ_j ← θ_j − α·∂C/∂θ_j, every parameter with its own partial",
    f"{D4} gradient descent",
    printed="a bias paired with a weight's partial (b_n with ∂C/∂w_n)",
    why="a mismatched pairing is not the gradient step and does not decrease C in general",
)
def e18(draw: Draw) -> Erratum:
    params, X, Y = draw_network(draw, generic=True)
    grads = objective_grad(params, X, Y)
    stepped = jd.gd_step(params, grads, 0.1)
    b = params[0]["b"]
    correct = b - 0.1 * grads[0]["b"]
    printed = b - 0.1 * grads[0]["W"][:, 0]  # b paired with a weight partial
    return Erratum([(stepped[0]["b"], correct)], [(printed, correct)])
