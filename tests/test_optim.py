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
