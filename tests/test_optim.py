"""The hand-written optimizers against optax over 100 steps in float32 and float64, their
optax-compatible interface, and the hyperparameters they refuse. (Each optimizer's statement is
a catalogue P-ALG-… entry.)"""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.flatten_util import ravel_pytree

import jaxdnn as jd
import jaxdnn.testing as jt

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


# (name, hand-written, optax equivalent)
EQUIVALENT = [
    ("gd", lambda: jd.gradient_descent(ALPHA), lambda: optax.sgd(ALPHA)),
    (
        "momentum sgd",
        lambda: jd.momentum(ALPHA, BETA),
        lambda: optax.sgd(ALPHA * (1 - BETA), momentum=BETA),
    ),
    (
        "momentum ema",
        lambda: jd.momentum(ALPHA, BETA),
        lambda: optax.chain(optax.ema(BETA, debias=False), optax.scale(-ALPHA)),
    ),
    (
        "rmsprop in-sqrt",
        lambda: jd.rmsprop(ALPHA, BETA, EPS),
        lambda: optax.rmsprop(ALPHA, decay=BETA, eps=EPS, eps_in_sqrt=True),
    ),
    (
        "rmsprop outside",
        lambda: jd.rmsprop(ALPHA, BETA, EPS, eps_in_sqrt=False),
        lambda: optax.rmsprop(ALPHA, decay=BETA, eps=EPS, eps_in_sqrt=False),
    ),
    (
        "adam",
        lambda: jd.adam(ALPHA, B1, B2, EPS),
        lambda: optax.adam(ALPHA, b1=B1, b2=B2, eps=EPS, eps_root=0.0),
    ),
    (
        "adam eps-root",
        lambda: jd.adam(ALPHA, B1, B2, 0.0, eps_root=EPS),
        lambda: optax.adam(ALPHA, b1=B1, b2=B2, eps=0.0, eps_root=EPS),
    ),
    (
        "adam-002",
        lambda: jd.adam(ALPHA, B1, B2, 0.0, eps_root=EPS, bias_correction=False),
        lambda: jt.optax_adam_002(ALPHA, B1, B2, EPS),
    ),
]

# A learning-rate schedule (a warm-up from 0, then cosine decay), as optax's optimizers take it.
SCHEDULE = optax.warmup_cosine_decay_schedule(0.0, ALPHA, warmup_steps=10, decay_steps=T)
EQUIVALENT += [
    ("gd schedule", lambda: jd.gradient_descent(SCHEDULE), lambda: optax.sgd(SCHEDULE)),
    (
        "momentum schedule",
        lambda: jd.momentum(SCHEDULE, BETA),
        lambda: optax.chain(optax.ema(BETA, debias=False), optax.scale_by_learning_rate(SCHEDULE)),
    ),
    (
        "rmsprop schedule",
        lambda: jd.rmsprop(SCHEDULE, BETA, EPS),
        lambda: optax.rmsprop(SCHEDULE, decay=BETA, eps=EPS),
    ),
    (
        "adam schedule",
        lambda: jd.adam(SCHEDULE, B1, B2, EPS),
        lambda: optax.adam(SCHEDULE, b1=B1, b2=B2, eps=EPS),
    ),
]

# (name, hand-written, optax transform that is NOT equivalent)
NOT_EQUIVALENT = [
    (
        "momentum heavy ball",
        lambda: jd.momentum(ALPHA, BETA),
        lambda: optax.sgd(ALPHA, momentum=BETA),
    ),
    (
        "momentum debiased ema",
        lambda: jd.momentum(ALPHA, BETA),
        lambda: optax.chain(optax.ema(BETA), optax.scale(-ALPHA)),
    ),
    (
        "rmsprop eps placement",
        lambda: jd.rmsprop(ALPHA, BETA, EPS),
        lambda: optax.rmsprop(ALPHA, decay=BETA, eps=EPS, eps_in_sqrt=False),
    ),
    (
        "adam-002 vs bias-corrected",
        lambda: jd.adam(ALPHA, B1, B2, 0.0, eps_root=EPS, bias_correction=False),
        lambda: optax.adam(ALPHA, b1=B1, b2=B2, eps=0.0, eps_root=EPS),
    ),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), EQUIVALENT, ids=[e[0] for e in EQUIVALENT])
@pytest.mark.parametrize(
    ("dtype", "rtol"), [(jnp.float64, 1e-12), (jnp.float32, 1e-6)], ids=["float64", "float32"]
)
def test_optimizer_equals_optax_over_100_steps(name, ours, theirs, dtype, rtol):
    """Each hand-written optimizer, over 100 iterates on the network objective and its parameter
    pytree, equals its exact optax equivalent in float64 (rtol 1e-12) and float32 (rtol 1e-6),
    also with a learning-rate schedule (the catalogue compares 20 float64 steps)."""
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
    chex.assert_trees_all_equal(by_keyword, positional)
    assert int(state.count) == 0 and int(state_k.count) == 1


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
