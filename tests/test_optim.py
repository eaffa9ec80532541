"""Gradient-descent step over pytrees (catalogue P-GD-STEP-004; errata E-17, E-18)."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from jax.flatten_util import ravel_pytree

import jaxdnn as jd
import jaxdnn.testing as jt

N, M = 3, 5


def cost(params, X, y):
    """The primer's single ReLU neuron with the half mean squared error."""
    return jd.relu_neuron_mse(params["w"], params["b"], X, y)


_cost_grad = jax.jit(jax.grad(cost))

problems = st.tuples(
    jt.vectors(size=N, bound=2.0),
    jt.finite_floats(0.5, 2.0),
    jt.vectors(size=(M, N), bound=2.0),
    jt.vectors(size=M, bound=2.0),
)


@given(problems, jt.finite_floats(1e-3, 1.0))
def test_P_GD_STEP_004_E18_tree_update_equals_flat_update(problem, lr):
    """P-GD-STEP-004, E-18: θ ← θ − α ∂C/∂θ pairs every parameter with its own partial: the tree
    update equals the flat update through ravel_pytree."""
    w, b, X, y = problem
    params = {"w": jnp.asarray(w), "b": jnp.float64(b)}
    grads = _cost_grad(params, X, y)
    flat_params, unravel = ravel_pytree(params)
    flat_grads, _ = ravel_pytree(grads)
    expected = unravel(flat_params - lr * flat_grads)
    stepped = jd.gd_step(params, grads, lr)
    for key in params:
        jt.assert_close(stepped[key], expected[key])


def test_P_GD_STEP_004_E18_pairing_a_bias_with_a_weight_partial_fails():
    """E-18: updating b with ∂C/∂w_1 (the primer's pairing) differs from the AD-paired update."""
    params = {"w": jnp.array([0.9, -0.3, 0.6]), "b": jnp.float64(0.05)}
    X = jnp.array([[1.0, 0.5, -0.2], [0.4, -0.6, 1.5]])
    y = jnp.array([0.3, 1.2])
    grads = _cost_grad(params, X, y)
    stepped = jd.gd_step(params, grads, 0.1)
    assert float(stepped["b"]) != float(params["b"] - 0.1 * grads["w"][0])


@given(problems)
def test_P_GD_STEP_004_E17_descent_and_ascent_directions(problem):
    """E-17: for small α the cost decreases along −∇C; ∇C is an ascent direction; a parameter
    with a negative partial increases after the step."""
    w, b, X, y = problem
    params = {"w": jnp.asarray(w), "b": jnp.float64(b)}
    grads = _cost_grad(params, X, y)
    flat_grads, _ = ravel_pytree(grads)
    if float(jnp.linalg.norm(flat_grads)) < 1e-3:
        return  # a stationary point: the step changes nothing measurable
    c0 = float(cost(params, X, y))
    assert float(cost(jd.gd_step(params, grads, 1e-4), X, y)) < c0
    assert float(cost(jd.gd_step(params, grads, -1e-4), X, y)) > c0  # θ + ε∇C
    stepped = jd.gd_step(params, grads, 1e-2)
    for key in params:
        g, before, after = (np.asarray(t[key]) for t in (grads, params, stepped))
        moves = 1e-2 * np.abs(g) > 1e-12 * (1 + np.abs(before))  # a step above rounding
        assert np.all(after[moves & (g < 0)] > before[moves & (g < 0)])
        assert np.all(after[moves & (g > 0)] < before[moves & (g > 0)])


def test_P_GD_STEP_004_zero_gradient_leaves_parameters_unchanged():
    """P-GD-STEP-004: ∇C = 0 leaves every parameter unchanged."""
    params = [{"W": jnp.ones((2, 3)), "b": jnp.zeros(2)}]
    zeros = jax.tree.map(jnp.zeros_like, params)
    stepped = jd.gd_step(params, zeros, 0.5)
    for a, b in zip(jax.tree.leaves(stepped), jax.tree.leaves(params), strict=True):
        np.testing.assert_array_equal(a, b)


# --- hand-written optimizers against optax (catalogue §4) ---------------------------------

import optax  # noqa: E402
import pytest  # noqa: E402

OPT_WIDTHS = (4, 5, 3)
_rng = np.random.default_rng(11)
OPT_X = _rng.normal(size=(8, 4))
OPT_Y = np.eye(3)[_rng.integers(0, 3, size=8)]
ALPHA, BETA, EPS, B1, B2 = 0.05, 0.9, 1e-3, 0.9, 0.999
T = 100


def _start(dtype):
    params = jd.init_params(jax.random.PRNGKey(5), OPT_WIDTHS, dtype=dtype)
    X, Y = jnp.asarray(OPT_X, dtype), jnp.asarray(OPT_Y, dtype)
    return params, X, Y


_objective_grad = jax.jit(jax.grad(jd.objective))


def trajectory(tx, dtype, steps=T):
    """Iterates x^(1), …, x^(steps) of optimizer tx on the summed network objective O_c+, one
    compiled step per optimizer.

    Standard dtype promotion: optax's bias corrections compute float ** int32, which the
    suite's strict promotion rejects."""
    params, X, Y = _start(dtype)

    @jax.jit
    def step(params, state):
        updates, state = tx.update(jax.grad(jd.objective)(params, X, Y), state, params)
        return optax.apply_updates(params, updates), state

    flats = []
    with jax.numpy_dtype_promotion("standard"):
        state = tx.init(params)
        for _ in range(steps):
            params, state = step(params, state)
            flats.append(ravel_pytree(params)[0])
    return np.stack(flats)


# (catalogue ID, hand-written, optax equivalent)
EQUIVALENT = [
    ("P-OPT-GD", lambda: jd.gradient_descent(ALPHA), lambda: optax.sgd(ALPHA)),
    (
        "P-ALG-MOMENTUM sgd",
        lambda: jd.momentum(ALPHA, BETA),
        lambda: optax.sgd(ALPHA * (1 - BETA), momentum=BETA),
    ),
    (
        "P-ALG-MOMENTUM ema",
        lambda: jd.momentum(ALPHA, BETA),
        lambda: optax.chain(optax.ema(BETA, debias=False), optax.scale(-ALPHA)),
    ),
    (
        "P-ALG-RMSPROP in-sqrt",
        lambda: jd.rmsprop(ALPHA, BETA, EPS),
        lambda: optax.rmsprop(ALPHA, decay=BETA, eps=EPS, eps_in_sqrt=True),
    ),
    (
        "P-ALG-RMSPROP outside",
        lambda: jd.rmsprop(ALPHA, BETA, EPS, eps_in_sqrt=False),
        lambda: optax.rmsprop(ALPHA, decay=BETA, eps=EPS, eps_in_sqrt=False),
    ),
    (
        "P-ALG-ADAM",
        lambda: jd.adam(ALPHA, B1, B2, EPS),
        lambda: optax.adam(ALPHA, b1=B1, b2=B2, eps=EPS, eps_root=0.0),
    ),
    (
        "P-ALG-ADAM eps-root",
        lambda: jd.adam(ALPHA, B1, B2, 0.0, eps_root=EPS),
        lambda: optax.adam(ALPHA, b1=B1, b2=B2, eps=0.0, eps_root=EPS),
    ),
    (
        "P-ALG-ADAM-002",
        lambda: jd.adam(ALPHA, B1, B2, 0.0, eps_root=EPS, bias_correction=False),
        lambda: jt.optax_adam_002(ALPHA, B1, B2, EPS),
    ),
]

# A learning-rate schedule (a warm-up from 0, then cosine decay), as optax's optimizers take it.
SCHEDULE = optax.warmup_cosine_decay_schedule(0.0, ALPHA, warmup_steps=10, decay_steps=T)
EQUIVALENT += [
    ("P-OPT-GD schedule", lambda: jd.gradient_descent(SCHEDULE), lambda: optax.sgd(SCHEDULE)),
    (
        "P-ALG-MOMENTUM schedule",
        lambda: jd.momentum(SCHEDULE, BETA),
        lambda: optax.chain(optax.ema(BETA, debias=False), optax.scale_by_learning_rate(SCHEDULE)),
    ),
    (
        "P-ALG-RMSPROP schedule",
        lambda: jd.rmsprop(SCHEDULE, BETA, EPS),
        lambda: optax.rmsprop(SCHEDULE, decay=BETA, eps=EPS),
    ),
    (
        "P-ALG-ADAM schedule",
        lambda: jd.adam(SCHEDULE, B1, B2, EPS),
        lambda: optax.adam(SCHEDULE, b1=B1, b2=B2, eps=EPS),
    ),
]

# (catalogue ID, hand-written, optax transform that is NOT equivalent)
NOT_EQUIVALENT = [
    (
        "P-ALG-MOMENTUM heavy ball",
        lambda: jd.momentum(ALPHA, BETA),
        lambda: optax.sgd(ALPHA, momentum=BETA),
    ),
    (
        "P-ALG-MOMENTUM debiased ema",
        lambda: jd.momentum(ALPHA, BETA),
        lambda: optax.chain(optax.ema(BETA), optax.scale(-ALPHA)),
    ),
    (
        "P-ALG-RMSPROP eps placement",
        lambda: jd.rmsprop(ALPHA, BETA, EPS),
        lambda: optax.rmsprop(ALPHA, decay=BETA, eps=EPS, eps_in_sqrt=False),
    ),
    (
        "P-ALG-ADAM-002 vs bias-corrected",
        lambda: jd.adam(ALPHA, B1, B2, 0.0, eps_root=EPS, bias_correction=False),
        lambda: optax.adam(ALPHA, b1=B1, b2=B2, eps=0.0, eps_root=EPS),
    ),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), EQUIVALENT, ids=[e[0] for e in EQUIVALENT])
@pytest.mark.parametrize(
    ("dtype", "rtol"), [(jnp.float64, 1e-12), (jnp.float32, 1e-6)], ids=["float64", "float32"]
)
def test_optimizer_equals_optax_over_100_steps(name, ours, theirs, dtype, rtol):
    """P-OPT-GD, P-ALG-MOMENTUM, P-ALG-BP-MOMENTUM, P-ALG-RMSPROP, P-ALG-ADAM, P-ALG-ADAM-002:
    100 iterates on the N_c+ objective over a network parameter pytree equal optax's exact
    equivalent (catalogue §4): float64 rtol 1e-12, float32 rtol 1e-6."""
    a, b = trajectory(ours(), dtype), trajectory(theirs(), dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


@pytest.mark.parametrize(
    ("name", "ours", "theirs"), NOT_EQUIVALENT, ids=[e[0] for e in NOT_EQUIVALENT]
)
def test_optimizer_differs_from_non_equivalent_optax(name, ours, theirs):
    """Catalogue §4, "not equivalent" column: the pitfalls give different trajectories (guards
    against silently switching conventions)."""
    a, b = trajectory(ours(), jnp.float64, 25), trajectory(theirs(), jnp.float64, 25)
    assert np.max(np.abs(a - b)) > 1e-6


@pytest.mark.parametrize(
    "tx",
    [jd.gradient_descent(ALPHA), jd.momentum(ALPHA, BETA), jd.rmsprop(ALPHA), jd.adam(ALPHA)],
    ids=["gd", "momentum", "rmsprop", "adam"],
)
def test_update_takes_optax_argument_names(tx):
    """update(updates, state, params=None), as optax's transformations; a call by keyword equals
    a positional one, and the state counts the steps (what a schedule reads)."""
    params, X, Y = _start(jnp.float64)
    grads = _objective_grad(params, X, Y)
    state = tx.init(params)
    by_keyword, state_k = tx.update(updates=grads, state=state, params=params)
    positional, _ = tx.update(grads, state)
    for a, b in zip(jax.tree.leaves(by_keyword), jax.tree.leaves(positional), strict=True):
        np.testing.assert_array_equal(a, b)
    assert int(state.count) == 0 and int(state_k.count) == 1


def test_P_ALG_BP_MOMENTUM_buffers_have_parameter_shapes():
    """P-ALG-BP-MOMENTUM: one zero buffer per W^(k) and b^(k), of the same shape."""
    params, _, _ = _start(jnp.float64)
    state = jd.momentum(ALPHA, BETA).init(params)
    for buffer, leaf in zip(jax.tree.leaves(state.momentum), jax.tree.leaves(params), strict=True):
        assert buffer.shape == leaf.shape
        np.testing.assert_array_equal(buffer, 0.0)


def _quadratic(x):
    return 0.5 * jnp.sum(jnp.array([1.0, 3.0]) * x * x)


def _run(tx, x0, steps):
    state, xs, x = tx.init(x0), [], x0
    for _ in range(steps):
        updates, state = tx.update(jax.grad(_quadratic)(x), state, x)
        x = optax.apply_updates(x, updates)
        xs.append(x)
    return np.stack(xs)


X0 = jnp.array([1.0, -2.0])


def test_P_ALG_MOMENTUM_first_step_and_closed_form():
    """P-ALG-MOMENTUM: x^(1) = x^(0) − α(1 − β)∇f(x^(0)) ≠ x^(0); β = 0 is gradient descent
    exactly; m^(n) = (1 − β) Σ_{k<n} β^{n−1−k} ∇f(x^(k))."""
    xs = _run(jd.momentum(ALPHA, BETA), X0, 6)
    jt.assert_close(xs[0], X0 - ALPHA * (1 - BETA) * jax.grad(_quadratic)(X0))
    assert not np.array_equal(xs[0], X0)
    np.testing.assert_array_equal(
        _run(jd.momentum(ALPHA, 0.0), X0, 6), _run(jd.gradient_descent(ALPHA), X0, 6)
    )
    iterates = np.concatenate([X0[None], xs])
    grads = np.stack([np.asarray(jax.grad(_quadratic)(x)) for x in iterates[:-1]])
    n = 6
    m_n = (1 - BETA) * sum(BETA ** (n - 1 - k) * grads[k] for k in range(n))
    jt.assert_close(iterates[n], iterates[n - 1] - ALPHA * m_n)


def test_P_ALG_MOMENTUM_E05_printed_indexing_first_step_is_a_no_op():
    """E-05: with 001's printed indexing (x^(n+1) = x^(n) − α m^(n)) the first step leaves
    x^(1) = x^(0), and the trajectory matches no optax transform; the corrected form moves and
    equals optax.sgd(α(1 − β), momentum = β)."""
    x, m, printed = X0, jnp.zeros(2), []
    for _ in range(5):
        x, m = x - ALPHA * m, BETA * m + (1 - BETA) * jax.grad(_quadratic)(x)
        printed.append(x)
    printed = np.stack(printed)
    corrected = _run(jd.momentum(ALPHA, BETA), X0, 5)
    np.testing.assert_array_equal(printed[0], X0)
    assert np.linalg.norm(corrected[0] - X0) > 0.01
    jt.assert_close(corrected, _run(optax.sgd(ALPHA * (1 - BETA), momentum=BETA), X0, 5))
    assert not np.allclose(printed, corrected)


def test_E07_beta_one_never_moves_and_is_rejected():
    """E-07: with β = 1 the momentum stays 0 and x^(n) = x^(0) for every n; the constructor
    rejects β ∉ [0, 1)."""
    x, m = X0, jnp.zeros(2)
    for _ in range(5):
        m = 1.0 * m + (1 - 1.0) * jax.grad(_quadratic)(x)
        x = x - ALPHA * m
    np.testing.assert_array_equal(x, X0)
    for beta in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="beta"):
            jd.momentum(ALPHA, beta)


@pytest.mark.parametrize(
    ("factory", "kwargs", "argument"),
    [
        (jd.gradient_descent, {"learning_rate": 0.0}, "learning_rate"),
        (jd.gradient_descent, {"learning_rate": float("nan")}, "learning_rate"),
        (jd.momentum, {"learning_rate": -1.0, "beta": 0.5}, "learning_rate"),
        (jd.momentum, {"learning_rate": float("inf"), "beta": 0.5}, "learning_rate"),
        (jd.rmsprop, {"learning_rate": 0.1, "decay": 1.0}, "decay"),
        (jd.rmsprop, {"learning_rate": 0.1, "eps": 0.0}, "eps"),
        (jd.adam, {"learning_rate": 0.1, "b1": 1.0}, "b1"),
        (jd.adam, {"learning_rate": 0.1, "b2": -0.5}, "b2"),
        (jd.adam, {"learning_rate": 0.1, "eps": -1e-8}, "eps"),
        (jd.adam, {"learning_rate": 0.1, "eps": 0.0}, "eps"),
    ],
)
def test_constructors_reject_bad_hyperparameters(factory, kwargs, argument):
    """Decision 6: β ∉ [0, 1), a learning rate ≤ 0 or not finite, ε ≤ 0 are ValueErrors that
    name the argument and the value."""
    with pytest.raises(ValueError, match=argument):
        factory(**kwargs)


@given(st.sampled_from([0.0, 0.5, 0.9, 0.99]), st.booleans())
def test_P_ALG_EMA_constant_sequence_and_optax(beta, debias):
    """P-ALG-EMA: for a constant g, EMA_n = (1 − βⁿ)g and the debiased EMA is g; the sequence
    equals optax.ema(β, debias) applied step by step (β = 0 included)."""
    g = jnp.array([2.0, -1.0])
    averages = np.asarray(jd.ema(jnp.stack([g] * 6), beta, debias))
    n = np.arange(1, 7)[:, None]
    expected_constant = np.ones_like(n) if debias else 1 - beta**n
    jt.assert_close(averages, expected_constant * np.asarray(g))
    seq = jax.random.normal(jax.random.PRNGKey(2), (6, 2))
    tx = optax.ema(beta, debias=debias)
    expected = []
    with jax.numpy_dtype_promotion("standard"):  # optax's debiasing: float ** int32
        state = tx.init(seq[0])
        for x in seq:
            out, state = tx.update(x, state)
            expected.append(out)
    jt.assert_close(jd.ema(seq, beta, debias), np.stack(expected))


def test_P_ALG_RMSPROP_first_step_and_E04_eps_placement():
    """P-ALG-RMSPROP, E-04: the first step is η·g/√((1 − β)g² + ε); with g = 1e−3, β = 0.9,
    ε = 1e−2 the denominators √(v + ε) ≈ 0.1000 and √v + ε ≈ 0.01032 differ about 10×."""
    g = jnp.array([1e-3])
    inside, _ = jd.rmsprop(1.0, 0.9, 1e-2).update(g, jd.rmsprop(1.0, 0.9, 1e-2).init(g))
    outside_tx = jd.rmsprop(1.0, 0.9, 1e-2, eps_in_sqrt=False)
    outside, _ = outside_tx.update(g, outside_tx.init(g))
    jt.assert_close(inside, -g / np.sqrt(0.1 * 1e-6 + 1e-2))
    np.testing.assert_allclose(float(g[0] / -inside[0]), 0.1000, atol=1e-4)
    np.testing.assert_allclose(float(g[0] / -outside[0]), 0.01032, atol=1e-5)


def _first_update(tx, g):
    return tx.update(g, tx.init(g))[0]


@given(
    st.lists(
        jt.finite_floats(1e-3, 1e3) | jt.finite_floats(-1e3, -1e-3), min_size=3, max_size=3
    ).map(np.asarray)
)
def test_P_ALG_ADAM_first_step_is_learning_rate_sized(g):
    """P-ALG-ADAM: the first step has magnitude ≈ η for any non-zero gradient (m̂/√v̂ = sign g)."""
    step = np.asarray(_first_update(jd.adam(1e-3, eps=1e-12), jnp.asarray(g)))
    np.testing.assert_allclose(np.abs(step), 1e-3, rtol=1e-6)


def test_P_ALG_ADAM_scale_invariance_with_zero_eps():
    """P-ALG-ADAM: with ε = 0, scaling a fixed gradient sequence by c > 0 leaves every step
    unchanged."""
    tx = jd.adam(1e-2, eps=0.0, eps_root=1e-300)
    gs = jax.random.normal(jax.random.PRNGKey(4), (5, 3))
    steps = {}
    for c in (1.0, 1e3):
        state, out = tx.init(gs[0]), []
        for g in gs:
            u, state = tx.update(c * g, state)
            out.append(u)
        steps[c] = np.stack(out)
    np.testing.assert_allclose(steps[1.0], steps[1e3], rtol=1e-9)


def test_P_ALG_ADAM_E03_printed_update_differs():
    """E-03: g ≡ 3, η = 1e−3, β = (0.9, 0.999), ε = 1e−8, first step: printed −2.846e−2
    (with the g² factor, no bias correction, ε in the root), Kingma & Ba −1.000e−3, printed
    without g² −3.162e−3; scaling g by 10 scales the printed step by ≈ 100 and leaves Adam's."""

    def printed(g):  # 002 eqs (11)–(13) as printed
        v = (1 - 0.9) * g
        s = (1 - 0.999) * g * g
        return -1e-3 * v / jnp.sqrt(s + 1e-8) * g * g

    g = jnp.array([3.0])
    np.testing.assert_allclose(float(printed(g)[0]), -2.846e-2, rtol=1e-3)
    np.testing.assert_allclose(float(_first_update(jd.adam(1e-3), g)[0]), -1.000e-3, rtol=1e-6)
    without_g2 = jd.adam(1e-3, eps=0.0, eps_root=1e-8, bias_correction=False)
    np.testing.assert_allclose(float(_first_update(without_g2, g)[0]), -3.162e-3, rtol=1e-3)
    np.testing.assert_allclose(float(printed(10 * g)[0] / printed(g)[0]), 100.0, rtol=1e-3)
    np.testing.assert_allclose(
        _first_update(jd.adam(1e-3), 10 * g), _first_update(jd.adam(1e-3), g), rtol=1e-6
    )


def test_P_ALG_BP_GD_simultaneous_update_of_all_layers():
    """P-ALG-BP-GD: every W^(k), b^(k) moves with the gradient of O_c+ at the current iterate:
    the optimizer step equals gd_step(params, ∇O, α), whichever order the layers are visited."""
    params, X, Y = _start(jnp.float64)
    grads = _objective_grad(params, X, Y)
    updates, _ = jd.gradient_descent(ALPHA).update(grads, jd.gradient_descent(ALPHA).init(params))
    stepped = optax.apply_updates(params, updates)
    expected = jd.gd_step(params, grads, ALPHA)
    reversed_order = jd.gd_step(params[::-1], grads[::-1], ALPHA)[::-1]
    for a, b, c in zip(
        jax.tree.leaves(stepped),
        jax.tree.leaves(expected),
        jax.tree.leaves(reversed_order),
        strict=True,
    ):
        jt.assert_close(a, b)  # p + (−αg) and p − αg may differ in the last bit
        np.testing.assert_array_equal(b, c)
