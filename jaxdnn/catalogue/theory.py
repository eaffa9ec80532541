"""Optimisation theory: convexity, smoothness, co-coercivity and the convergence rate of gradient
descent (001_602cbf05fdb6a620.txt §6.1).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D1,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    draw_design,
    f64,
    generic_arrays,
    le,
    same,
)
from jaxdnn.catalogue.optimizers import parity

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


def _convex_family(draw: Draw) -> list[tuple[Any, Any, float]]:
    """(f, ∇f, L) for a drawn quadratic, ln cosh and softmax-CCE (catalogue §2.J family)."""
    A, c = f64(draw(jt.spd_matrices(_M))), f64(draw(jt.vectors(size=_M, bound=3.0)))
    y_star = f64(draw(jt.one_hot(_M)))
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
    return f64(draw(jt.vectors(size=_M, bound=5.0))), f64(draw(jt.vectors(size=_M, bound=5.0)))


def _ge0(gap: Any, *terms: Any) -> Pair:
    """gap ≥ 0 up to 1e-12 relative to the inequality's terms, as a pair."""
    return le(-np.asarray(gap) - 1e-12 * (1 + sum(abs(float(t)) for t in terms)), 0.0)


@proposition(
    "P-OPT-CONVEX-DEF",
    "stated",
    "f is convex iff f(τx + (1 − τ)y) ≤ τf(x) + (1 − τ)f(y) for τ ∈ [0, 1]",
    f"{D1} Def 6.1 eq (15)",
)
def opt_convex_def(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    tau = draw(jt.finite_floats(0.0, 1.0))
    family = _convex_family(draw)
    # the check can fail: Σ sin is not convex (its gap at 0, π, τ = ½ is −1)
    sin_gap = jd.convexity_gap(_sum_sin, f64([0.0]), f64([np.pi]), 0.5)
    return [_ge0(jd.convexity_gap(f, x, y, tau), f(x), f(y)) for f, _, _ in family] + [
        *((abs(jd.convexity_gap(f, x, y, 1.0)), 0.0) for f, _, _ in family),  # τ = 1: f(x) − f(x)
        (sin_gap, -1.0),
    ]


def _sum_sin(v: jax.Array) -> jax.Array:
    return jnp.sum(jnp.sin(v))


@proposition(
    "P-OPT-CONVEX-FOC",
    "stated",
    "a differentiable f is convex iff f(y) ≥ f(x) + ∇f(x)·(y − x)ᵀ for all x, y",
    f"{D1} Prop 6.1 eq (16)",
)
def opt_convex_foc(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    sin_gap = jd.first_order_convexity_gap(_sum_sin, f64([np.pi / 2]), f64([3 * np.pi / 2]))
    return [
        _ge0(jd.first_order_convexity_gap(f, x, y), f(x), f(y)) for f, _, _ in _convex_family(draw)
    ] + [
        *((jd.first_order_convexity_gap(f, x, x), 0.0) for f, _, _ in _convex_family(draw)),
        (sin_gap, -2.0),  # Σ sin violates it: the check can fail
    ]


@proposition(
    "P-OPT-LSMOOTH-DEF",
    "stated",
    "f is L-smooth iff ‖∇f(x) − ∇f(y)‖ ≤ L‖x − y‖",
    f"{D1} Def 6.2 eq (17)",
)
def opt_lsmooth_def(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    y = y + (1.0 if bool(jnp.all(x == y)) else 0.0)
    family = _convex_family(draw)
    A = family[0][1].keywords["A"]  # the quadratic's constant λ_max(A) is attained, so smallest
    w, V = np.linalg.eigh(np.asarray(A))
    attained = jd.lipschitz_ratio(
        family[0][1], f64(V[:, -1]) + family[0][1].keywords["c"], family[0][1].keywords["c"]
    )
    return [
        le(jd.lipschitz_ratio(g, x, y), L * (1 + 1e-12) + 1e-12 + _rounding(g, x, y))
        for _, g, L in family
    ] + [
        (attained, w[-1]) if w[-1] > 1e-6 else (0.0, 0.0),
        (jd.quadratic_smoothness(A), w[-1]),
    ]


def _rounding(g: Callable, x: jax.Array, y: jax.Array) -> float:
    """What rounding can add to ‖∇f(x) − ∇f(y)‖/‖x − y‖: each gradient is within 8ε of its
    exact value (the oracle's bound), which matters where x and y are 1e-300 apart."""
    eps = float(jnp.finfo(jnp.float64).eps)
    norms = float(jd.row_norm(g(x)) + jd.row_norm(g(y)))
    return 8 * eps * norms / float(jd.row_norm(x - y))


@proposition(
    "P-OPT-DESCENT-LEMMA",
    "stated",
    "f L-smooth ⇒ f(y) ≤ f(x) + ∇f(x)·(y − x)ᵀ + (L/2)‖y − x‖² (no convexity needed)",
    f"{D1} Prop 6.2 eq (18)",
)
def opt_descent_lemma(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    cases = [(f, L) for f, _, L in _convex_family(draw)] + [(lambda v: jnp.sum(jnp.sin(v)), 1.0)]
    return [
        _ge0(jd.descent_lemma_gap(f, L, x, y), f(x), f(y), L * jnp.sum((y - x) ** 2))
        for f, L in cases
    ]


@proposition(
    "P-OPT-COCOERCIVITY",
    "stated",
    "f convex and L-smooth ⇒ (1/L)‖∇f(y) − ∇f(x)‖² ≤ (∇f(y) − ∇f(x))·(y − x)ᵀ",
    f"{D1} Prop 6.3 eq (19)",
)
def opt_cocoercivity(draw: Draw) -> list[Pair]:
    x, y = _points(draw)
    pairs = []
    for f, g, L in _convex_family(draw):
        if L > 0:
            terms = (f(x), f(y), jnp.dot(g(y) - g(x), y - x))
            pairs.append(_ge0(jd.cocoercivity_gap(g, L, x, y), *terms))
            pairs.append(_ge0(jd.cocoercivity_intermediate_gap(f, L, x, y), *terms))
            pairs.append((jd.cocoercivity_gap(g, L, x, x), 0.0))
    # convexity is needed: −½‖x‖² is 1-smooth, and its gap is −2‖y − x‖² < 0
    pairs.append((jd.cocoercivity_gap(lambda v: -v, 1.0, x, y), -2 * jnp.sum((y - x) ** 2)))
    return pairs


@erratum(
    "E-38",
    "the auxiliary point is z = x + (1/L)(∇f(y) − ∇f(x))",
    f"{D1} Prop 6.3 proof",
    printed="z = x − (1/L)(∇f(y) − ∇f(x))",
    why="with the printed sign the proof's bound evaluates to the wrong side of the inequality",
)
def e38(draw: Draw) -> Erratum:
    d = f64([1.0, 3.0])
    x, y = f64(draw(generic_arrays((2,)))), f64(draw(generic_arrays((2,))))
    y = y + jnp.where(jnp.all(y == x), 1.0, 0.0)  # the two forms differ by 2‖∇f(y) − ∇f(x)‖²/L
    f = lambda v: 0.5 * jnp.sum(d * v * v)  # noqa: E731
    gx, gy, L = d * x, d * y, 3.0
    bound = lambda z: gy @ (y - z) + gx @ (z - x) + L / 2 * jnp.sum((z - x) ** 2)  # noqa: E731
    intermediate = gy @ (y - x) - jnp.sum((gy - gx) ** 2) / (2 * L)
    return Erratum(
        [(bound(x + (gy - gx) / L), intermediate), _ge0(intermediate - (f(y) - f(x)), f(x), f(y))],
        [(bound(x - (gy - gx) / L), intermediate)],
    )


@proposition(
    "P-OPT-GLOBAL-MIN",
    "stated",
    "x* is a global minimiser iff f(x*) ≤ f(x) for every x",
    f"{D1} Def 6.3 eq (20)",
)
def opt_global_min(draw: Draw) -> list[Pair]:
    x, _ = _points(draw)
    f, _, _ = _convex_family(draw)[0]
    c = f.keywords["c"]
    X = draw_design(draw, 8, 3)
    y, direction = f64(draw(jt.vectors(size=8))), f64(draw(jt.vectors(size=3)))
    beta = jd.least_squares(X, y)
    sse = lambda b: jnp.sum((X @ b - y) ** 2)  # noqa: E731
    return [le(f(c), f(x)), le(sse(beta), sse(beta + direction) + 1e-12 * (1 + sse(beta)))]


@proposition(
    "P-OPT-STATIONARY",
    "stated",
    "a global minimiser x* of a differentiable f has ∇f(x*) = 0",
    f"{D1} Prop 6.4 eq (21)",
)
def opt_stationary(draw: Draw) -> list[Pair]:
    _, g, _ = _convex_family(draw)[0]
    X = jnp.column_stack([jnp.ones(8), draw_design(draw, 8, 2)])
    y = f64(draw(jt.vectors(size=8)))
    lam = draw(jt.finite_floats(1e-3, 10.0))
    beta, beta_lam = jd.least_squares(X, y), jd.ridge(X, y, lam, penalize_intercept=False)
    sse_grad = jax.grad(lambda b: jnp.sum((X @ b - y) ** 2))(beta)
    ridge_grad = jax.grad(lambda b: jnp.sum((X @ b - y) ** 2) + lam * jnp.sum(b[1:] ** 2))(beta_lam)
    scale = 1.0 + float(jnp.max(jnp.abs(X.T @ y)))
    # softmax-CCE with one-hot y* has no minimiser: ξ → 0 along t·y*, ∇ = S − y* never 0
    onehot = f64([0.0, 1.0, 0.0])
    norms = [
        float(jnp.linalg.norm(jd.softmax_cross_entropy_gradient(t * onehot, onehot)))
        for t in (1.0, 30.0)
    ]
    return [
        (g(g.keywords["c"]), np.zeros(_M)),
        (_log_cosh_grad(g.keywords["c"], g.keywords["c"]), np.zeros(_M)),
        (sse_grad / scale, np.zeros(3)),
        (ridge_grad / scale, np.zeros(3)),
        same(min(norms) > 0 and float(jd.softmax_cross_entropy(30.0 * onehot, onehot)) < 1e-12),
    ]


@proposition(
    "P-OPT-GD",
    "corrected",
    "x^(n+1) = x^(n) − α∇f(x^(n)) for n ≥ 0, from a given x^(0), with learning rate α > 0",
    f"{D1} Def 6.4 eq (22)",
)
def opt_gd(draw: Draw) -> list[Pair]:
    f, g, L = _convex_family(draw)[0]
    A, c = g.keywords["A"], g.keywords["c"]
    x0 = f64(draw(jt.vectors(size=_M)))
    lr = 1.0 / max(L, 1.0)
    traj = jd.gd_trajectory(_quadratic_grad, x0, lr, 10, args=(A, c))
    tx, x, expected = optax.sgd(lr), x0, [x0]
    state = tx.init(x)
    for _ in range(10):
        updates, state = tx.update(_quadratic_grad(x, A, c), state)
        x = optax.apply_updates(x, updates)
        expected.append(x)
    network = parity("gd_parity", ("gd", "optax.sgd"))(draw)  # jaxdnn.gradient_descent on O_c+
    still = jd.gd_trajectory(_quadratic_grad, c, 0.5, 5, args=(A, c))  # ∇f(x^(0)) = 0: x stays
    return [
        (np.shape(traj), (11, _M)),
        (traj[0], x0),
        (traj[1], x0 - lr * _quadratic_grad(x0, A, c)),
        (traj, jnp.stack(expected)),
        *network,
        same(np.array_equal(still, np.repeat(np.asarray(c)[None], 6, axis=0))),
    ]


@proposition(
    "P-OPT-GD-RATE",
    "stated",
    (
        "f convex and L-smooth with minimiser x*, 0 < α < 2/L, C = α − Lα²/2: f(x^(n)) − f(x*) ≤ "
        "‖x^(0) − x*‖²/(n·C) for n ≥ 1"
    ),
    f"{D1} Prop 6.5",
)
def opt_gd_rate(draw: Draw) -> list[Pair]:
    family = _convex_family(draw)
    r = draw(st.one_of(st.sampled_from([0.05, 0.5, 0.95, 0.999]), jt.finite_floats(0.01, 0.999)))
    x0 = f64(draw(jt.vectors(size=_M, bound=5.0)))
    pairs = []
    cases: list[tuple[tuple[Any, Any, float], Any, tuple[Any, ...]]] = [
        (family[0], _quadratic_grad, (family[0][1].keywords["A"], family[0][1].keywords["c"])),
        (family[1], _log_cosh_grad, (family[1][1].keywords["c"],)),
    ]
    for (f, g, L), grad, args in cases:
        if L < 1e-6:
            continue
        x_star, lr = args[-1], r * 2 / L
        traj = jd.gd_trajectory(grad, x0, lr, 200, args=args)
        values = jax.vmap(f)(traj)
        gn2 = jnp.sum(jax.vmap(g)(traj) ** 2, axis=1)
        d2 = jnp.sum((traj - x_star[None, :]) ** 2, axis=1)
        C = jd.gd_rate_constant(lr, L)
        bound = jd.gd_rate_bound(x0, x_star, lr, L, np.arange(1, 201))
        slack = 1e-12 * (1 + float(values[0]) + float(d2[0]))
        pairs += [
            le(values[1:], bound + slack),
            le(values[1:], values[:-1] - C * gn2[:-1] + slack),
            le(d2[1:], d2[:-1] - (2 * lr / L - lr * lr) * gn2[:-1] + slack),
        ]
    return pairs


@erratum(
    "E-39",
    "δ^(n+1) ≤ δ^(n) − (C/R²)(δ^(n))², and the rate is o(1/n) as n → ∞",
    f"{D1} Prop 6.5 proof",
    printed="δ^(n+1) ≤ δ^(n) − (C/R²)·δ^(n); rate o_{n→0}(n⁻¹)",
    why="the square is missing (the printed form would give a linear rate) and the limit is n → ∞",
)
def e39(draw: Draw) -> Erratum:
    radius = draw(jt.finite_floats(0.01, 0.2))
    x0 = f64([radius, 0.0])
    A, c = jnp.eye(2), jnp.zeros(2)
    traj = jd.gd_trajectory(_quadratic_grad, x0, 0.5, 10, args=(A, c))
    delta = jax.vmap(lambda x: _quadratic(x, A, c))(traj)
    C, R2 = jd.gd_rate_constant(0.5, 1.0), radius**2
    corrected = le(delta[1:], delta[:-1] - C / R2 * delta[:-1] ** 2 + 1e-18)
    printed = le(delta[1:], delta[:-1] - C / R2 * delta[:-1])
    # and the proof's δ_n ≤ ‖∇f(x^(n))‖·‖x^(n) − x*‖ ≤ ‖∇f(x^(n))‖·R
    gnorm = jnp.linalg.norm(jax.vmap(lambda x: _quadratic_grad(x, A, c))(traj), axis=1)
    dist = jnp.linalg.norm(traj, axis=1)
    return Erratum(
        [corrected, le(delta, gnorm * dist + 1e-18), le(dist, radius + 1e-18)], [printed]
    )
