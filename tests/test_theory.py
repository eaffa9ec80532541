"""Optimisation theory (catalogue §2.J: P-OPT-*; errata E-06, E-38, E-39).

Families of catalogue §2.J: convex quadratics f(x) = ½(x − c)·A·(x − c)ᵀ with A = st_spd
(possibly singular; L = λ_max(A), minimiser c, f* = 0), Σ ln cosh(x_i − c_i) (L = 1, minimiser
c), z ↦ ξ(S(z), y*) (L = ½), logistic regression; non-convex controls Σ sin x_i (L = 1) and
−½‖x‖² (L = 1).
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jax.flatten_util import ravel_pytree

import jaxdnn as jd
import jaxdnn.testing as jt

M = 3
TOL = 1e-12


def quadratic(x, A, c):
    return 0.5 * (x - c) @ A @ (x - c)


def quadratic_grad(x, A, c):
    return (x - c) @ A


def log_cosh(x, c):
    # ln cosh t = log1p(2 sinh²(t/2)) is accurate near 0; |t| + log1p(e^{−2|t|}) − ln 2 far out
    t = jnp.abs(x - c)
    near = jnp.log1p(2 * jnp.sinh(jnp.minimum(t, 1.0) / 2) ** 2)
    far = t + jnp.log1p(jnp.exp(-2 * t)) - jnp.log(2.0)
    return jnp.sum(jnp.where(t < 1.0, near, far))


def log_cosh_grad(x, c):
    return jnp.tanh(x - c)


def sum_sin(x):
    return jnp.sum(jnp.sin(x))


points = jt.vectors(size=M, bound=5.0)
quadratics = st.tuples(jt.spd_matrices(M), jt.vectors(size=M, bound=3.0))
unit = jt.finite_floats(0.0, 1.0)


def scale(*values):
    """Magnitude of the terms of an inequality: the slack TOL is relative to it."""
    return 1.0 + sum(abs(float(v)) for v in values)


def convex_family(A, c, y_star):
    """(f, grad f, L) for the convex members of the family."""
    return [
        (
            lambda x: quadratic(x, A, c),
            lambda x: quadratic_grad(x, A, c),
            jd.quadratic_smoothness(A),
        ),
        (lambda x: log_cosh(x, c), lambda x: log_cosh_grad(x, c), 1.0),
        (
            lambda z: jd.softmax_cross_entropy(z, y_star),
            lambda z: jd.softmax_cross_entropy_gradient(z, y_star),
            0.5,
        ),
    ]


@settings(max_examples=60)
@given(quadratics, jt.one_hot(M), points, points, unit)
def test_P_OPT_CONVEX_DEF_and_FOC_hold_on_the_convex_family(q, y_star, x, y, tau):
    """P-OPT-CONVEX-DEF, P-OPT-CONVEX-FOC: both convexity gaps are ≥ 0 (slack 1e-12 relative)
    for quadratics, ln cosh and z ↦ ξ(S(z), y*); τ ∈ {0, 1} gives gap 0."""
    A, c = q
    for f, _, _ in convex_family(A, c, y_star):
        gap = jd.convexity_gap(f, x, y, tau)
        assert gap >= -TOL * scale(f(x), f(y))
        assert jd.first_order_convexity_gap(f, x, y) >= -TOL * scale(f(x), f(y))
        assert abs(jd.convexity_gap(f, x, y, 1.0)) <= TOL * scale(f(x))
        assert jd.first_order_convexity_gap(f, x, x) == 0.0


def test_P_OPT_CONVEX_DEF_fails_for_non_convex_functions():
    """P-OPT-CONVEX-DEF, P-OPT-CONVEX-FOC: the checks can fail. For Σ sin and for the network
    objective O_c+ (as a function of its parameters) some random triples violate convexity."""
    key_x, key_y, key_tau, key_data = jax.random.split(jax.random.PRNGKey(0), 4)
    X = jax.random.normal(key_data, (6, 3))
    Y = jnp.eye(2)[jnp.arange(6) % 2]
    params = jd.init_params(jax.random.PRNGKey(1), (3, 4, 2))
    flat, unravel = ravel_pytree(params)

    def network(theta):
        return jd.objective(unravel(theta), X, Y)

    xs = 2.0 * jax.random.normal(key_x, (200, flat.size))
    ys = 2.0 * jax.random.normal(key_y, (200, flat.size))
    taus = jax.random.uniform(key_tau, (200,))
    gaps = jax.vmap(lambda x, y, t: jd.convexity_gap(network, x, y, t))(xs, ys, taus)
    assert float(gaps.min()) < -1e-3
    sin_gaps = jax.vmap(lambda x, y: jd.first_order_convexity_gap(sum_sin, x, y))(
        xs[:, :M], ys[:, :M]
    )
    assert float(sin_gaps.min()) < -1e-3


@settings(max_examples=60)
@given(quadratics, jt.one_hot(M), points, points)
def test_P_OPT_LSMOOTH_DEF_ratio_below_the_familys_constant(q, y_star, x, y):
    """P-OPT-LSMOOTH-DEF: ‖∇f(x) − ∇f(y)‖/‖x − y‖ ≤ L(1 + 1e−12) with L = λ_max(A), 1, ½."""
    A, c = q
    if np.array_equal(x, y):
        return
    for _, grad, L in convex_family(A, c, y_star):
        assert jd.lipschitz_ratio(grad, x, y) <= L * (1 + TOL) + TOL


def test_P_OPT_LSMOOTH_DEF_quadratic_constant_is_attained():
    """P-OPT-LSMOOTH-DEF: along the top eigenvector of A the ratio equals λ_max exactly, so the
    estimate is the smallest valid L."""
    A = jnp.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]])
    w, V = np.linalg.eigh(np.asarray(A))
    c = jnp.zeros(M)
    ratio = jd.lipschitz_ratio(lambda x: quadratic_grad(x, A, c), jnp.asarray(V[:, -1]), c)
    jt.assert_close(ratio, w[-1])
    jt.assert_close(jd.quadratic_smoothness(A), w[-1])


@settings(max_examples=30)
@given(st.integers(0, 2**31 - 1), st.sampled_from(["mean", "sum"]), points)
def test_smoothness_bounds_of_logistic_and_softmax_regression(seed, reduction, beta):
    """P-OPT-LSMOOTH-DEF: ¼λ_max(XᵀX) (logistic) and ½λ_max(XᵀX) (softmax regression), /n for
    the mean, bound the largest Hessian eigenvalue at drawn points."""
    X = jax.random.normal(jax.random.PRNGKey(seed), (10, M))
    y = (X[:, 0] > 0).astype(jnp.float64)
    n = 10 if reduction == "mean" else 1

    def logistic(b):
        return jnp.sum(jd.sigmoid_binary_cross_entropy(X @ b, y)) / n

    top = np.linalg.eigvalsh(np.asarray(jax.hessian(logistic)(jnp.asarray(beta))))[-1]
    assert top <= float(jd.logistic_smoothness(X, reduction)) * (1 + TOL)
    Y = jnp.eye(3)[jnp.arange(10) % 3]
    W = jnp.asarray(np.resize(beta, (3, M)))

    def softmax_regression(w):
        return jnp.sum(jd.softmax_cross_entropy(X @ w.reshape(3, M).T, Y)) / n

    hessian = jax.hessian(softmax_regression)(W.ravel())
    top = np.linalg.eigvalsh(np.asarray(hessian))[-1]
    assert top <= float(jd.softmax_regression_smoothness(X, reduction)) * (1 + TOL)


def indefinite(bm):
    B, _ = bm
    return (B + B.T) / 2


@settings(max_examples=60)
@given(
    quadratics, st.tuples(jt.vectors(size=(M, M), bound=3.0), unit).map(indefinite), points, points
)
def test_P_OPT_DESCENT_LEMMA_without_convexity(q, S, x, y):
    """P-OPT-DESCENT-LEMMA: f(y) ≤ f(x) + ∇f(x)·(y − x)ᵀ + (L/2)‖y − x‖² for the convex
    quadratics, indefinite quadratics (L = max |eigenvalue|) and Σ sin (L = 1)."""
    A, c = q
    cases = [
        (lambda v: quadratic(v, A, c), jd.quadratic_smoothness(A)),
        (lambda v: quadratic(v, S, c), jd.quadratic_smoothness(S)),
        (sum_sin, 1.0),
    ]
    for f, L in cases:
        assert jd.descent_lemma_gap(f, L, x, y) >= -TOL * scale(
            f(x), f(y), L * np.sum((y - x) ** 2)
        )


@settings(max_examples=60)
@given(quadratics, jt.one_hot(M), points, points)
def test_P_OPT_COCOERCIVITY_and_its_intermediate_inequality(q, y_star, x, y):
    """P-OPT-COCOERCIVITY: for convex L-smooth f, (1/L)‖∇f(y) − ∇f(x)‖² ≤ (∇f(y) − ∇f(x))·(y − x)ᵀ
    and f(y) − f(x) ≤ ∇f(y)·(y − x)ᵀ − (1/(2L))‖∇f(y) − ∇f(x)‖²; x = y gives 0."""
    A, c = q
    for f, grad, L in convex_family(A, c, y_star):
        if float(L) == 0.0:
            continue  # A = 0: f constant, no L > 0 to divide by
        terms = scale(f(x), f(y), np.dot(grad(y) - grad(x), y - x))
        assert jd.cocoercivity_gap(grad, L, x, y) >= -TOL * terms
        assert jd.cocoercivity_intermediate_gap(f, L, x, y) >= -TOL * terms
        assert jd.cocoercivity_gap(grad, L, x, x) == 0.0


def test_P_OPT_COCOERCIVITY_needs_convexity():
    """P-OPT-COCOERCIVITY: f = −½‖x‖² is 1-smooth but not convex; the gap is −2‖y − x‖² < 0."""
    x, y = jnp.array([1.0, 0.0, 2.0]), jnp.array([0.0, -1.0, 0.5])
    gap = jd.cocoercivity_gap(lambda v: -v, 1.0, x, y)
    jt.assert_close(gap, -2 * jnp.sum((y - x) ** 2))


def test_E38_printed_auxiliary_point_breaks_the_proof():
    """E-38: f = ½x·diag(1, 3)·xᵀ, L = 3, x = (1, −2), y = (0.5, 0.7). The proof bounds
    f(y) − f(x) by ∇f(y)·(y − z)ᵀ + ∇f(x)·(z − x)ᵀ + (L/2)‖z − x‖²; with the corrected
    z = x + (1/L)(∇f(y) − ∇f(x)) this equals the intermediate expression −5.557 ≥ −5.64; with the
    printed z = x − (1/L)(…) it is 38.35, which does not give the intermediate inequality."""
    d = jnp.array([1.0, 3.0])

    def f(v):
        return 0.5 * jnp.sum(d * v * v)

    L, x, y = 3.0, jnp.array([1.0, -2.0]), jnp.array([0.5, 0.7])
    gx, gy = jax.grad(f)(x), jax.grad(f)(y)

    def bound(z):
        return gy @ (y - z) + gx @ (z - x) + L / 2 * jnp.sum((z - x) ** 2)

    intermediate = gy @ (y - x) - jnp.sum((gy - gx) ** 2) / (2 * L)
    corrected, printed = bound(x + (gy - gx) / L), bound(x - (gy - gx) / L)
    jt.assert_close(corrected, intermediate)
    np.testing.assert_allclose([float(corrected), float(printed)], [-5.557, 38.35], atol=5e-3)
    jt.assert_close(f(y) - f(x), -5.64)
    assert f(y) - f(x) <= corrected
    jt.assert_close(jd.cocoercivity_intermediate_gap(f, L, x, y), intermediate - (f(y) - f(x)))


@settings(max_examples=60)
@given(quadratics, points)
def test_P_OPT_GLOBAL_MIN_and_STATIONARY_for_the_family(q, x):
    """P-OPT-GLOBAL-MIN: the quadratic's and ln cosh's f(c) ≤ f(x); P-OPT-STATIONARY: their
    gradients vanish at c."""
    A, c = q
    assert quadratic(c, A, c) <= quadratic(x, A, c)
    assert log_cosh(c, c) <= log_cosh(x, c)
    np.testing.assert_array_equal(jax.grad(quadratic)(jnp.asarray(c), A, c), 0.0)
    np.testing.assert_array_equal(log_cosh_grad(c, c), 0.0)


def test_P_OPT_STATIONARY_softmax_cce_has_no_minimiser():
    """P-OPT-STATIONARY edge case: with one-hot y*, ξ(S(z), y*) → 0 along z = t·e_c but the
    gradient S − y* never vanishes: there is no minimiser to be stationary at."""
    y_star = jnp.array([0.0, 1.0, 0.0])
    for t in (1.0, 10.0, 30.0):
        z = t * y_star
        assert float(jnp.linalg.norm(jd.softmax_cross_entropy_gradient(z, y_star))) > 0
    assert float(jd.softmax_cross_entropy(30.0 * y_star, y_star)) < 1e-12


@settings(max_examples=40)
@given(quadratics, points, jt.finite_floats(1e-3, 0.5))
def test_P_OPT_GD_E06_trajectory_equals_optax_sgd(q, x0, lr):
    """P-OPT-GD, E-06: x^(1) = x^(0) − α∇f(x^(0)) (the recurrence holds from n = 0) and the
    whole trajectory equals optax.sgd(α)."""
    A, c = q
    L = float(jd.quadratic_smoothness(A))
    lr = lr / max(L, 1.0)
    traj = jd.gd_trajectory(quadratic_grad, x0, lr, 20, args=(A, c))
    assert traj.shape == (21, M)
    jt.assert_close(traj[0], x0)
    jt.assert_close(traj[1], x0 - lr * quadratic_grad(x0, A, c))
    tx, x = optax.sgd(lr), jnp.asarray(x0)
    state = tx.init(x)
    for n in range(1, 21):
        updates, state = tx.update(quadratic_grad(x, A, c), state)
        x = optax.apply_updates(x, updates)
        jt.assert_close(traj[n], x)


def test_P_OPT_GD_edge_cases():
    """P-OPT-GD: ∇f(x^(0)) = 0 keeps x constant; α ≤ 0 and n_steps < 0 are rejected by name."""
    A, c = jnp.eye(M), jnp.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(
        jd.gd_trajectory(quadratic_grad, c, 0.5, 5, args=(A, c)), c[None].repeat(6, 0)
    )
    for lr in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="lr"):
            jd.gd_trajectory(quadratic_grad, c, lr, 5, args=(A, c))
    with pytest.raises(ValueError, match="n_steps"):
        jd.gd_trajectory(quadratic_grad, c, 0.1, -1, args=(A, c))


ratios = st.one_of(st.sampled_from([0.05, 0.5, 0.95, 0.999]), jt.finite_floats(0.01, 0.999))


def check_rate(f, grad, args, x0, x_star, f_star, L, r, steps=200):
    """The Prop 6.5 bound for n = 1…steps and both per-step inequalities of its proof."""
    lr = r * 2 / L
    C = jd.gd_rate_constant(lr, L)
    traj = np.asarray(jd.gd_trajectory(grad, x0, lr, steps, args=args))
    values = np.array([float(f(x, *args)) for x in traj]) - f_star
    grads = np.asarray(jax.vmap(lambda x: grad(x, *args))(jnp.asarray(traj)))
    gnorm2 = np.sum(grads**2, axis=1)
    dist2 = np.sum((traj - np.asarray(x_star)) ** 2, axis=1)
    bound = jd.gd_rate_bound(x0, x_star, lr, L, np.arange(1, steps + 1))
    slack = TOL * (1 + np.abs(values[0]) + dist2[0])
    assert np.all(values[1:] <= bound + slack)
    assert np.all(values[1:] + f_star <= values[:-1] + f_star - C * gnorm2[:-1] + slack)
    assert np.all(dist2[1:] <= dist2[:-1] - (2 * lr / L - lr * lr) * gnorm2[:-1] + slack)
    return values, dist2, gnorm2, C


@settings(max_examples=30)
@given(quadratics, points, ratios)
def test_P_OPT_GD_RATE_on_quadratics(q, x0, r):
    """P-OPT-GD-RATE: for α = r·2/L, r ∈ ]0, 1[ (0.999 included), f(x^(n)) − f* ≤
    ‖x^(0) − x*‖²/(nC) for n = 1…200, with f(x^(n+1)) ≤ f(x^(n)) − C‖∇f(x^(n))‖² and
    ‖x^(n+1) − x*‖² ≤ ‖x^(n) − x*‖² − (2α/L − α²)‖∇f(x^(n))‖² (singular A included)."""
    A, c = q
    L = float(jd.quadratic_smoothness(A))
    if L < 1e-6:
        return  # A ≈ 0: f constant, every step is 0
    check_rate(quadratic, quadratic_grad, (A, c), x0, c, 0.0, L, r)


@settings(max_examples=30)
@given(jt.vectors(size=M, bound=3.0), points, ratios)
def test_P_OPT_GD_RATE_on_log_cosh(c, x0, r):
    """P-OPT-GD-RATE on Σ ln cosh(x_i − c_i): L = 1, minimiser c, f* = 0."""
    check_rate(log_cosh, log_cosh_grad, (c,), x0, c, 0.0, 1.0, r)


def test_P_OPT_GD_RATE_constant_and_bound_edge_cases():
    """P-OPT-GD-RATE: C ≤ 0 (α ≥ 2/L) is rejected by name; x^(0) = x* gives the bound 0;
    n < 1 is rejected."""
    assert jd.gd_rate_constant(0.5, 1.0) == 0.375
    for lr in (2.0, 3.0, 0.0):
        with pytest.raises(ValueError, match="lr"):
            jd.gd_rate_constant(lr, 1.0)
    with pytest.raises(ValueError, match="L"):
        jd.gd_rate_constant(0.1, 0.0)
    np.testing.assert_array_equal(jd.gd_rate_bound(np.ones(2), np.ones(2), 0.5, 1.0, [1, 5]), 0.0)
    with pytest.raises(ValueError, match="n"):
        jd.gd_rate_bound(np.ones(2), np.zeros(2), 0.5, 1.0, 0)


def test_E39_corrected_recursion_holds_where_the_printed_one_fails():
    """E-39: with δ_n = f(x^(n)) − f* and R = ‖x^(0) − x*‖ the proof needs
    δ_{n+1} ≤ δ_n − (C/R²)δ_n² and δ_n ≤ ‖∇f(x^(n))‖·‖x^(n) − x*‖ ≤ ‖∇f(x^(n))‖·R; the printed
    δ_{n+1} ≤ δ_n − (C/R²)δ_n (square missing) fails for f = ½‖x‖², α = ½, x^(0) = (0.1, 0)."""
    A, c = jnp.eye(2), jnp.zeros(2)
    x0 = jnp.array([0.1, 0.0])
    values, dist2, gnorm2, C = check_rate(
        quadratic, quadratic_grad, (A, c), x0, c, 0.0, 1.0, 0.25, 30
    )
    R2 = dist2[0]
    slack = 1e-15
    assert np.all(values[1:] <= values[:-1] - C / R2 * values[:-1] ** 2 + slack)
    assert np.all(values <= np.sqrt(gnorm2 * dist2) + slack)
    assert np.all(np.sqrt(dist2) <= np.sqrt(R2) + slack)
    printed_rhs = values[:-1] - C / R2 * values[:-1]
    assert values[1] > printed_rhs[0] + 1e-4  # δ_1 = 0.00125 > δ_0(1 − 37.5) < 0
