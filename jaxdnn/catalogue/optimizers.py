"""Algorithms: gradient descent, momentum, mini-batches, RMSprop and Adam, each checked against
optax (001_602cbf05fdb6a620.txt §6.2; 002_0dd137535febb580.txt §7).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from hypothesis import strategies as st
from jax.flatten_util import ravel_pytree

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D1,
    D2,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    draw_network,
    f64,
    le,
    leaf_pairs,
    objective_grad,
    same,
)

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
    tx, grad = _OPTIMIZERS[name](), objective_grad

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


def parity(name: str, *names: tuple[str, str]) -> Callable[[Draw], list[Pair]]:
    """A check named ``name``: the trajectories of each (jaxdnn, optax) pair of optimizers from
    one drawn network and data set."""

    def compare_trajectories(draw: Draw) -> list[Pair]:
        params, X, Y = draw_network(draw, widths=PARITY_WIDTHS, generic=True)
        return [(_trajectory(a, params, X, Y), _trajectory(b, params, X, Y)) for a, b in names]

    compare_trajectories.__name__ = compare_trajectories.__qualname__ = name
    return compare_trajectories


@erratum(
    "E-06",
    "the recurrences hold for every n ≥ 0, so x^(1) = x^(0) − α∇f(x^(0))",
    f"{D1} Def 6.4",
    printed="the recurrences are stated for n ∈ ℕ* only",
    why="only x^(0) is given, so x^(1) is never defined",
)
def e06(draw: Draw) -> Erratum:
    params, X, Y = draw_network(draw, widths=PARITY_WIDTHS, generic=True)
    first_iterate = _trajectory("gd", params, X, Y)[0]
    flat = ravel_pytree(params)[0]
    expected = flat - ALPHA * ravel_pytree(objective_grad(params, X, Y))[0]
    # printed: recurrences only for n ≥ 1, so x^(1) is never produced and x stays at x^(0)
    return Erratum([(first_iterate, expected)], [(flat, expected)])


@proposition(
    "P-ALG-MOMENTUM",
    "corrected",
    "m^(0) = 0; m^(n+1) = β·m^(n) + (1 − β)·∇f(x^(n)); x^(n+1) = x^(n) − α·m^(n+1), β ∈ [0, 1)",
    f"{D1} Def 6.5 eq (23)",
)
def alg_momentum(draw: Draw) -> list[Pair]:
    pairs = parity(
        "alg_momentum",
        ("momentum", "optax.sgd momentum"),
        ("momentum", "optax.ema scale"),
        ("momentum β=0", "gd"),
    )(draw)
    return pairs + _momentum_closed_form()


@erratum(
    "E-05",
    "m^(n+1) = β m^(n) + (1 − β)∇f(x^(n)), x^(n+1) = x^(n) − α m^(n+1) for n ≥ 0",
    f"{D1} Def 6.5",
    printed="x^(n+1) = x^(n) − α m^(n) with m^(0) = 0",
    why="the first step is a no-op and every later step uses the previous iterate's gradient",
)
def e05(draw: Draw) -> Erratum:
    params, X, Y = draw_network(draw, widths=PARITY_WIDTHS, generic=True)
    flat = ravel_pytree(params)[0]
    gradient = ravel_pytree(objective_grad(params, X, Y))[0]
    m0 = jnp.zeros_like(flat)
    printed_first = flat - ALPHA * m0  # x^(1) = x^(0) − α m^(0)
    expected = flat - ALPHA * (BETA * m0 + (1 - BETA) * gradient)
    return Erratum(
        [(_trajectory("momentum", params, X, Y)[0], expected)], [(printed_first, expected)]
    )


@erratum(
    "E-07",
    "β ∈ [0, 1)",
    f"{D1} Defs 6.5–6.7",
    printed="β ∈ [0, 1]",
    why="with β = 1 the momentum stays 0 and the parameters never move",
)
def e07(draw: Draw) -> Erratum:
    params, X, Y = draw_network(draw, widths=PARITY_WIDTHS, generic=True)
    flat = ravel_pytree(params)[0]
    rejected = True
    for beta in (1.0, -0.1, 1.5):  # β ∉ [0, 1) is refused, naming beta
        try:
            jd.momentum(ALPHA, beta)
            rejected = False
        except ValueError as error:
            rejected = rejected and "beta" in str(error)
    stuck = _trajectory("optax.ema β=1 scale", params, X, Y)[-1]
    moving = _trajectory("momentum β=0.5", params, X, Y)[-1]  # an admissible β trains
    return Erratum([same(rejected), (stuck, flat)], [(stuck, moving)])


@proposition(
    "P-ALG-EMA",
    "stated",
    "EMA_n = β·EMA_{n−1} + (1 − β)·g_n with EMA_0 = 0; the debiased average is EMA_n/(1 − βⁿ)",
    f"{D2} §7.4",
)
def alg_ema(draw: Draw) -> list[Pair]:
    beta = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99]))
    debias = draw(st.booleans())
    seq = f64(draw(jt.vectors(size=(6, 2))))
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


@proposition(
    "P-ALG-BP-GD",
    "corrected",
    (
        "every W^(k), b^(k) moves at once against its gradient of O_c+ at the current iterate: θ ← "
        "θ − α∇_θO_c+"
    ),
    f"{D1} Def 6.6",
)
def alg_bp_gd(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw, widths=PARITY_WIDTHS)
    grads = objective_grad(params, X, Y)
    tx = jd.gradient_descent(ALPHA)
    updates, _ = tx.update(grads, tx.init(params))
    stepped = optax.apply_updates(params, updates)
    reverse = jd.gd_step(params[::-1], grads[::-1], ALPHA)[::-1]
    return leaf_pairs(stepped, reverse)


@proposition(
    "P-ALG-BP-MOMENTUM",
    "corrected",
    (
        "one momentum buffer per W^(k) and b^(k), zeros of the same shape, each updated by P-ALG- "
        "MOMENTUM"
    ),
    f"{D1} Def 6.7",
)
def alg_bp_momentum(draw: Draw) -> list[Pair]:
    pairs = parity("alg_bp_momentum", ("momentum", "optax.sgd momentum"))(draw)
    return pairs + _momentum_buffers()


@proposition(
    "P-ALG-MINIBATCH",
    "stated",
    (
        "each epoch cuts a random permutation of the n samples into ⌈n/B⌉ consecutive batches of "
        "size B, the last of size n − B⌊n/B⌋ when non-zero"
    ),
    f"{D1} Note after Def 6.6; {D2} §7.1–7.3",
)
def alg_minibatch(draw: Draw) -> list[Pair]:
    n, B = draw(st.sampled_from([1, 7, 32, 33, 100])), draw(st.sampled_from([1, 5, 32, 64]))
    key = jax.random.PRNGKey(draw(st.integers(0, 2**31 - 1)))
    idx, mask = jd.batch_indices(key, n, B)
    valid = np.asarray(idx)[np.asarray(mask)]
    last = n - B * (n // B) or B
    sizes = np.asarray(mask).sum(axis=1)
    return [
        (np.sort(valid), np.arange(n)),
        (np.shape(idx), (-(-n // B), B)),
        (sizes[:-1], np.full(len(sizes) - 1, B)),  # only the last batch is short
        (sizes[-1], min(last, n)),
        same(np.array_equal(idx, jd.batch_indices(key, n, B)[0])),  # a key fixes the batches
    ]


@proposition(
    "P-ALG-GRAD-ESTIMATE",
    "stated",
    (
        "a batch estimates the gradient by the mean (1/|B|) Σ_{i∈B} ∇ξ_i, whose expectation over "
        "batches is ∇O_c+/n"
    ),
    f"{D1} Note after Def 6.6",
)
def alg_grad_estimate(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw, widths=PARITY_WIDTHS)
    full = objective_grad(params, X, Y)
    subsets = list(itertools.combinations(range(len(X)), 2))
    grads = [objective_grad(params, X[list(s)], Y[list(s)], reduction="mean") for s in subsets]
    average = jax.tree.map(lambda *g: sum(g) / len(g), *grads)
    return leaf_pairs(average, jax.tree.map(lambda g: g / len(X), full))


@erratum(
    "E-37",
    "the batch mean estimates ∇O_c+/n, the gradient of the mean objective",
    f"{D1} Note after Def 6.6",
    printed="the SGD estimate is the batch mean while O_c+ is a sum",
    why="with the summed objective the effective learning rate differs by the factor n",
)
def e37(draw: Draw) -> Erratum:
    params, X, Y = draw_network(draw, generic=True)
    total = ravel_pytree(objective_grad(params, X, Y))[0]
    mean = ravel_pytree(objective_grad(params, X, Y, reduction="mean"))[0]
    return Erratum([(mean, total / len(X))], [(mean, total)])


@proposition(
    "P-ALG-BP-SGD",
    "stated",
    (
        "mini-batch SGD takes one P-ALG-BP-GD (or momentum) step per batch with the batch estimate "
        "in place of ∇O_c+"
    ),
    f"{D1} Note after Def 6.6",
)
def alg_bp_sgd(draw: Draw) -> list[Pair]:
    params, X, Y = draw_network(draw, widths=PARITY_WIDTHS, generic=True)
    step = jd.gd_step(params, objective_grad(params, X, Y, reduction="mean"), ALPHA)
    pairs = []
    for batch_size in (len(X), 50):  # B = n, and B > n means B = n: no sample is dropped
        fitted, _ = jd.fit(
            params,
            X,
            Y,
            jd.gradient_descent(ALPHA),
            key=jax.random.PRNGKey(0),
            epochs=1,
            batch_size=batch_size,
        )
        pairs += leaf_pairs(fitted, step)
    return pairs


@proposition(
    "P-ALG-RMSPROP",
    "corrected",
    "v_0 = 0, v_t = β·v_{t−1} + (1 − β)·g_t², w_{t+1} = w_t − η·g_t/√(v_t + ε)",
    f"{D2} §7.5 eqs (8)–(10)",
)
def alg_rmsprop(draw: Draw) -> list[Pair]:
    pairs = parity(
        "alg_rmsprop",
        ("rmsprop", "optax.rmsprop"),
        ("rmsprop outside", "optax.rmsprop outside"),
    )(draw)
    return pairs + _rmsprop_first_step()


@erratum(
    "E-04",
    "w_{t+1} = w_t − η·g_t/√(v_t + ε), with v_t indexed by t and v_0 = 0",
    f"{D2} §7.5",
    printed="ε added to the denominator (text) while eq (9) puts it inside the root",
    why="the two placements give steps that differ by an order of magnitude for small gradients",
)
def e04(draw: Draw) -> Erratum:
    g = f64([draw(jt.finite_floats(1e-4, 1e-2))])
    tx = jd.rmsprop(1.0, 0.9, 1e-2)
    inside = tx.update(g, tx.init(g))[0]
    expected = -g / jnp.sqrt(0.1 * g * g + 1e-2)
    return Erratum([(inside, expected)], [(-g / (jnp.sqrt(0.1 * g * g) + 1e-2), expected)])


@proposition(
    "P-ALG-ADAM",
    "corrected",
    (
        "m_t = β₁m_{t−1} + (1 − β₁)g_t, v_t = β₂v_{t−1} + (1 − β₂)g_t², w_t = w_{t−1} − "
        "η·m̂_t/(√v̂_t + ε) with m̂_t = m_t/(1 − β₁^t), v̂_t = v_t/(1 − β₂^t)"
    ),
    f"{D2} §7.6 eqs (11)–(14)",
)
def alg_adam(draw: Draw) -> list[Pair]:
    pairs = parity("alg_adam", ("adam", "optax.adam"), ("adam eps_root", "optax.adam eps_root"))(
        draw
    )
    return pairs + _adam_first_steps()


alg_adam_002 = proposition(
    "P-ALG-ADAM-002",
    "corrected",
    (
        "the same moments without bias correction and with ε inside the root: w_t = w_{t−1} − "
        "η·m_t/√(v_t + ε)"
    ),
    f"{D2} §7.6",
)(parity("alg_adam_002", ("adam 002", "optax.adam 002")))


@erratum(
    "E-03",
    "Δw_t = −η·m̂_t/(√v̂_t + ε) with bias-corrected moments (Kingma and Ba)",
    f"{D2} §7.6",
    printed="Δw_t = −η·v_t/√(S_t + ε)·g_t²",
    why=(
        "an extra factor g_t² makes the step scale with the square of the gradient, and the "
        "moments are not bias-corrected"
    ),
)
def e03(draw: Draw) -> Erratum:
    g = f64([draw(jt.finite_floats(0.1, 10.0))])
    tx = jd.adam(1e-3)
    step = tx.update(g, tx.init(g))[0]
    with jax.numpy_dtype_promotion("standard"):
        ref_tx = optax.adam(1e-3)
        reference = ref_tx.update(g, ref_tx.init(g))[0]
    v, s = (1 - 0.9) * g, (1 - 0.999) * g * g
    printed = -1e-3 * v / jnp.sqrt(s + 1e-8) * g * g
    # scaling g by 10 leaves Adam's step and multiplies the printed one by about 100
    step10 = tx.update(10 * g, tx.init(g))[0]
    printed10 = -1e-3 * (10 * v) / jnp.sqrt(100 * s + 1e-8) * 100 * g * g
    return Erratum(
        [
            (step, reference),
            le(jnp.abs(step10 - step), 1e-6 * jnp.abs(step)),  # up to ε's share of √v̂ + ε
            le(jnp.abs(printed10 / printed - 100.0), 0.2),
        ],
        [(printed, reference)],
    )


_X0 = np.array([1.0, -2.0])  # float64 whatever the mode at import; f64() where it is used


def _quadratic_13(x: jax.Array) -> jax.Array:
    return 0.5 * jnp.sum(f64([1.0, 3.0]) * x * x)


def _run(tx: optax.GradientTransformation, x0: jax.Array, steps: int) -> np.ndarray:
    """Iterates x^(1), …, x^(steps) of ``tx`` on f(x) = ½(x₁² + 3x₂²)."""
    state, xs, x = tx.init(x0), [], x0
    for _ in range(steps):
        updates, state = tx.update(jax.grad(_quadratic_13)(x), state, x)
        x = optax.apply_updates(x, updates)
        xs.append(x)
    return np.stack(xs)


def _momentum_closed_form() -> list[Pair]:
    """x^(1) = x^(0) − α(1 − β)∇f(x^(0)) ≠ x^(0); m^(n) = (1 − β) Σ_{k<n} β^{n−1−k} ∇f(x^(k))."""
    x0 = f64(_X0)
    xs = _run(jd.momentum(ALPHA, BETA), x0, 6)
    iterates = np.concatenate([np.asarray(x0)[None], xs])
    grads = [np.asarray(jax.grad(_quadratic_13)(f64(x))) for x in iterates[:-1]]
    m_6 = (1 - BETA) * sum(BETA ** (5 - k) * grads[k] for k in range(6))
    return [
        (xs[0], x0 - ALPHA * (1 - BETA) * jax.grad(_quadratic_13)(x0)),
        same(not np.array_equal(xs[0], x0)),
        (iterates[6], iterates[5] - ALPHA * m_6),
    ]


def _momentum_buffers() -> list[Pair]:
    """One zero buffer per W^(k) and b^(k), of its shape."""
    params = jd.init_params(jax.random.PRNGKey(5), PARITY_WIDTHS, dtype=jnp.float64)
    state = jd.momentum(ALPHA, BETA).init(params)
    leaves = zip(jax.tree.leaves(state.momentum), jax.tree.leaves(params), strict=True)
    return [same(m.shape == p.shape and not np.any(m)) for m, p in leaves]


def _rmsprop_first_step() -> list[Pair]:
    """The first step is η·g/√((1 − β)g² + ε)."""
    g = f64([1e-3])
    tx = jd.rmsprop(1.0, 0.9, 1e-2)
    return [(tx.update(g, tx.init(g))[0], -g / np.sqrt(0.1 * 1e-6 + 1e-2))]


def _adam_first_steps() -> list[Pair]:
    """The first step has size η for any non-zero gradient (m̂/√v̂ = sign g); with ε = 0 scaling
    the gradients by c > 0 leaves every step unchanged."""
    g = f64([1e-3, -5.0, 1e3])
    first = jd.adam(1e-3, eps=1e-12)
    tx = jd.adam(1e-2, eps=0.0, eps_root=1e-300)
    gs = jax.random.normal(jax.random.PRNGKey(4), (5, 3), dtype=jnp.float64)
    steps = []
    for c in (1.0, 1e3):
        state, out = tx.init(gs[0]), []
        for gradient in gs:
            update, state = tx.update(c * gradient, state)
            out.append(update)
        steps.append(np.stack(out))
    return [
        (np.abs(first.update(g, first.init(g))[0]), np.full(3, 1e-3)),
        (steps[1], steps[0]),
    ]
