"""Helpers shared by the catalogue's checks: pairs for inequalities, booleans and pytrees, the
activation table, the upstream test family of the simplified Jacobians, and the draws of a dense
layer, a network with its data, and a random design matrix.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    Draw,
    Pair,
)

# --- helpers ------------------------------------------------------------------------------------


def jacobian_pairs(f: Callable, closed_form: Any, *args: Any, argnums: int = 0) -> list[Pair]:
    """closed form against jacfwd and jacrev (jitted, shared with the test assertions)."""
    (fwd, rev), _ = jt.autodiff_jacobians(f, argnums)
    return [(closed_form, fwd(*args)), (closed_form, rev(*args))]


def le(lhs: Any, rhs: Any) -> Pair:
    """lhs ≤ rhs as a pair: the violation, scaled by 1 + |rhs|, against 0."""
    lhs, rhs = np.broadcast_arrays(np.asarray(lhs, np.float64), np.asarray(rhs, np.float64))
    return (np.maximum(lhs - rhs, 0.0) / (1.0 + np.abs(rhs)), np.zeros_like(rhs))


def leaf_pairs(actual: Any, expected: Any) -> list[Pair]:
    """Leaf-by-leaf pairs of two pytrees of the same structure (parameters, gradients)."""
    return list(zip(jax.tree.leaves(actual), jax.tree.leaves(expected), strict=True))


def same(flag: bool) -> Pair:
    """A boolean property as a pair: 0 against 0 when it holds, 1 against 0 otherwise."""
    return (0.0 if flag else 1.0, 0.0)


def f64(x: Any) -> jax.Array:
    return jnp.asarray(x, dtype=jnp.float64)


ACTIVATIONS = {
    "relu": (jd.relu, jd.relu_jacobian, jd.relu_derivative),
    "sigmoid": (jd.sigmoid, jd.sigmoid_jacobian, jd.sigmoid_derivative),
    "tanh": (jd.tanh, jd.tanh_jacobian, jd.tanh_derivative),
    "identity": (jd.identity, jd.identity_jacobian, jd.identity_derivative),
}


def upstream(c: jax.Array, d: jax.Array) -> Callable[[jax.Array], jax.Array]:
    """The upstream family of catalogue §2.F: F(a) = Σ c_j sin a_j + ½d‖a‖² + logsumexp(a)."""

    def F(a: jax.Array) -> jax.Array:
        return jnp.sum(c * jnp.sin(a)) + 0.5 * d * jnp.sum(a * a) + jax.nn.logsumexp(a)

    return F


def upstream_grad(c: Any, d: Any, a: Any) -> jax.Array:
    return c * jnp.cos(a) + d * a + jax.nn.softmax(a)


F_grad = jax.jit(lambda c, d, a: jax.grad(upstream(c, d))(a))

objective_grad = jax.jit(jax.grad(jd.objective), static_argnames=("reduction", "loss", "hidden"))
"""∇O by autodiff, compiled once per network shape and shared by the checks."""


def draw_network(
    draw: Draw,
    integer: bool = False,
    widths: tuple[int, ...] | None = None,
    generic: bool = False,
) -> tuple[list[dict], np.ndarray, np.ndarray]:
    widths = widths or draw(st.sampled_from(ARCHITECTURES))
    params = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        if generic:
            W, b = draw(generic_arrays((n_out, n_in))), draw(generic_arrays((n_out,)))
        elif integer:
            W = draw(jt.integer_valued_vectors(size=(n_out, n_in), bound=4)) / 4
            b = np.zeros(n_out)
        else:
            W = draw(jt.vectors(size=(n_out, n_in), bound=1.5))
            b = draw(jt.vectors(size=n_out, bound=1.0))
        params.append({"W": f64(W), "b": f64(b)})
    if generic:
        X = draw(generic_arrays((3, widths[0])))
    else:
        X = draw((jt.integer_valued_vectors if integer else jt.vectors)(size=(3, widths[0])))
    Y = np.eye(widths[-1])[[draw(st.integers(0, widths[-1] - 1)) for _ in range(3)]]
    return params, X, Y


@functools.cache
def generic_arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Entries of magnitude in [0.15, 2.1] with either sign, scaled by distinct factors: no zero
    and no two equal entries even at hypothesis's simplest draw, so that the points distinguish
    a printed formula from the corrected one."""
    size = math.prod(shape)
    spread = np.linspace(0.6, 1.4, size).reshape(shape)
    magnitudes = jt.finite_floats(0.25, 1.5)
    signed = magnitudes.flatmap(lambda v: st.sampled_from([v, -v]))
    return st.lists(signed, min_size=size, max_size=size).map(
        lambda entries: np.array(entries, dtype=np.float64).reshape(shape) * spread
    )


ARCHITECTURES = [(3, 4, 2), (2, 3, 3, 2), (4, 3), (1, 2, 1, 2)]


def draw_layer(draw: Draw, integer: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m, n = draw(layer_shapes)
    vec = jt.integer_valued_vectors if integer else jt.vectors
    return draw(vec(size=n)), draw(vec(size=(m, n))), draw(vec(size=m))


layer_shapes = st.sampled_from([(1, 1), (2, 3), (3, 2), (4, 4)])


def draw_design(draw: Draw, n: int, p: int) -> jax.Array:
    """A random standard-normal design (full column rank with probability 1), from a drawn key."""
    return jax.random.normal(jax.random.PRNGKey(draw(st.integers(0, 2**31 - 1))), (n, p))
