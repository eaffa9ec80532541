"""The simplified Jacobians: gradients of an upstream scalar function through ReLU and a dense
layer (001_602cbf05fdb6a620.txt §5.1; 000_e9869ddaa8874969.txt §4; 003_4420902fd2b6113f.txt §4).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D0,
    D1,
    D3,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    draw_layer,
    f64,
    same,
    upstream,
    upstream_grad,
)

# --- §2.F simplified Jacobians ------------------------------------------------------------------


def _cd(draw: Draw, m: int) -> tuple[jax.Array, jax.Array]:
    return f64(draw(jt.vectors(size=m, bound=2.0))), f64(draw(jt.finite_floats(-1.0, 1.0)))


@functools.partial(jax.jit, static_argnums=0)
def _grad_through(phi: Callable, c: jax.Array, d: jax.Array, z: jax.Array) -> jax.Array:
    """∇_z F(φ(z)) by autodiff, F the upstream family (one program per φ and shape)."""
    return jax.grad(lambda z: upstream(c, d)(phi(z)))(z)


@functools.partial(jax.jit, static_argnums=0)
def _layer_grads(
    phi: Callable, c: jax.Array, d: jax.Array, y: jax.Array, W: jax.Array, b: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(∇_y, ∇_W, ∇_b) of F(φ(L(y, W, b))) by autodiff."""
    total = lambda y, W, b: upstream(c, d)(phi(jd.dense(y, W, b)))  # noqa: E731
    return jax.grad(total, argnums=(0, 1, 2))(y, W, b)


@proposition(
    "P-SIMP-RELU-UPSTREAM",
    "stated",
    "∇(F∘ReLU)(z) = ∇F(ReLU(z)) ⊙ 𝟙[z > 0]; for an element-wise φ, ∇(F∘φ)(z) = ∇F(φ(z)) ⊙ φ′(z)",
    f"{D1} Prop 5.1 eq (11)",
)
def simp_relu_upstream(draw: Draw) -> list[Pair]:
    z = f64(draw(jt.vectors(size=3)))
    c, d = _cd(draw, 3)
    got = jd.relu_backward(upstream_grad(c, d, jd.relu(z)), z)
    Z, G = draw(jt.vectors(size=(2, 3))), draw(jt.vectors(size=(2, 3)))  # a batch: row by row
    tanh_backward = jd.elementwise_backward(G, Z, jd.tanh_derivative)
    return [
        (got, _grad_through(jd.relu, c, d, z)),
        (got, upstream_grad(c, d, jd.relu(z)) @ jd.relu_jacobian(z)),
        same(not np.any(jd.relu_backward(np.ones(4), np.array([-1.0, 0.0, -0.0, -3.0])))),
        *((jd.relu_backward(G, Z)[i], jd.relu_backward(G[i], Z[i])) for i in range(2)),
        *(
            (tanh_backward[i], jd.elementwise_backward(G[i], Z[i], jd.tanh_derivative))
            for i in range(2)
        ),
    ]


@erratum(
    "E-31",
    "for element-wise φ: ∇(F∘φ)(z) = ∇F(φ(z)) ⊙ φ′(z)",
    f"{D1} Prop 5.1",
    printed="the ReLU indicator formula stated for any activation",
    why="the indicator is ReLU's derivative only; with tanh it differs from the gradient",
)
def e31(draw: Draw) -> Erratum:
    z = f64(draw(jt.logits(size=3, bound=3.0)))
    c, d = _cd(draw, 3)
    up = upstream_grad(c, d, jd.tanh(z))
    ad = _grad_through(jd.tanh, c, d, z)
    return Erratum(
        [(jd.elementwise_backward(up, z, jd.tanh_derivative), ad)], [(jd.relu_backward(up, z), ad)]
    )


@proposition(
    "P-SIMP-WEIGHT-OUTER",
    "corrected",
    (
        "∇_W F(L(y, W, b)) = ∇F(z)ᵀ·y ∈ M_{m,n} with z = L(y, W, b) (row i*: ∇F(z)_{i*}·y); a "
        "batch gives G_upᵀ·Y"
    ),
    f"{D1} Prop 5.2 eq (12)",
)
def simp_weight_outer(draw: Draw) -> list[Pair]:
    y, W, b = (f64(a) for a in draw_layer(draw))
    c, d = _cd(draw, W.shape[0])
    z = jd.dense(y, W, b)
    got = jd.dense_weight_gradient(upstream_grad(c, d, z), y)
    g = np.asarray(upstream_grad(c, d, z))
    G, Y = draw(jt.vectors(size=(5, len(b)))), draw(jt.vectors(size=(5, len(y))))
    return [
        (got, _layer_grads(jd.identity, c, d, y, W, b)[1]),
        (np.shape(got), np.shape(W)),
        *((got[i], g[i] * y) for i in range(len(b))),  # row i* is ∇F(z)_{i*}·y
        (jd.dense_weight_gradient(G, Y), sum(np.outer(G[i], Y[i]) for i in range(5))),
    ]


@erratum(
    "E-30",
    "∇_{W_{i*,:}} F(L(y, W, b)) = ∇F(z)_{i*}·y, y the layer input",
    f"{D1} Prop 5.2",
    printed="w ↦ ∇F(z)_{i*}·v with v undefined",
    why="the factor is the layer's input y",
)
def e30(draw: Draw) -> Erratum:
    y, W, b = (f64(a) for a in draw_layer(draw))
    c, d = _cd(draw, W.shape[0])
    z = jd.dense(y, W, b)
    ad = _layer_grads(jd.identity, c, d, y, W, b)[1]
    v = y + 1.0  # any other vector in place of y
    return Erratum(
        [(jd.dense_weight_gradient(upstream_grad(c, d, z), y)[0], ad[0])],
        [(upstream_grad(c, d, z)[0] * v, ad[0])],
    )


@proposition(
    "P-SIMP-BIAS",
    "derived",
    "∇_b F(L(y, W, b)) = ∇F(z); a batch gives Σ_i ∇F(z_i)",
    f"{D1} Prop 4.3 + Thm 1.3",
)
def simp_bias(draw: Draw) -> list[Pair]:
    y, W, b = (f64(a) for a in draw_layer(draw))
    c, d = _cd(draw, W.shape[0])
    got = jd.dense_bias_gradient(upstream_grad(c, d, jd.dense(y, W, b)))
    G = draw(jt.vectors(size=(5, len(b))))
    return [
        (got, _layer_grads(jd.identity, c, d, y, W, b)[2]),
        (jd.dense_bias_gradient(G), G.sum(axis=0)),
    ]


@proposition(
    "P-SIMP-INPUT",
    "derived",
    "∇_y F(L(y, W, b)) = ∇F(z)·W; a batch gives G_up·W",
    f"{D1} Prop 4.1 + Thm 1.3",
)
def simp_input(draw: Draw) -> list[Pair]:
    y, W, b = (f64(a) for a in draw_layer(draw))
    c, d = _cd(draw, W.shape[0])
    got = jd.dense_input_gradient(upstream_grad(c, d, jd.dense(y, W, b)), W)
    G = draw(jt.vectors(size=(2, len(b))))
    return [
        (got, _layer_grads(jd.identity, c, d, y, W, b)[0]),
        (np.shape(got), np.shape(y)),
        *((jd.dense_input_gradient(G, W)[i], jd.dense_input_gradient(G[i], W)) for i in range(2)),
    ]


@proposition(
    "P-SIMP-RELU-DENSE",
    "corrected",
    "z = L(y, W, b), g = ∇F(ReLU(z)) ⊙ 𝟙[z > 0]: ∇_y = g·W, ∇_W = gᵀ·y, ∇_b = g",
    f"{D3} §4",
)
def simp_relu_dense(draw: Draw) -> list[Pair]:
    y, W, b = (f64(a) for a in draw_layer(draw, integer=True))
    c, d = _cd(draw, W.shape[0])
    up = upstream_grad(c, d, jd.relu(jd.dense(y, W, b)))
    dy, dW, db = jd.relu_dense_backward(up, y, W, b)
    ady, adW, adb = _layer_grads(jd.relu, c, d, y, W, b)
    inactive = np.asarray(jd.dense(y, W, b)) <= 0  # units with z_j ≤ 0 get exactly 0
    return [
        (dy, ady),
        (dW, adW),
        (db, adb),
        same(not np.any(np.asarray(db)[inactive]) and not np.any(np.asarray(dW)[inactive])),
    ]


@erratum(
    "E-22",
    "∇_y (F∘ReLU∘L) = (∇F(a) ⊙ 𝟙[z > 0])·W, one row",
    f"{D0} §4",
    printed="an m′×m matrix with rows ∂F/∂y′_j·𝟙(L_j > 0)·W_{j,:}",
    why="F∘ReLU∘L is scalar: its gradient is the sum of those rows",
)
def e22(draw: Draw) -> Erratum:
    y, W, b = (f64(a) for a in draw_layer(draw))
    c, d = _cd(draw, W.shape[0])
    up = upstream_grad(c, d, jd.relu(jd.dense(y, W, b)))
    dy = jd.relu_dense_backward(up, y, W, b)[0]
    printed = (up * jd.indicator_positive(jd.dense(y, W, b)))[:, None] * W  # m rows
    return Erratum([(dy.shape, y.shape), (dy, printed.sum(axis=0))], [(printed.shape, y.shape)])


@erratum(
    "E-23",
    "𝟙[L_j(w) > 0]·y: one indicator, that of unit j",
    f"{D0} §4",
    printed="[𝟙(L_1(w))·y_1 … 𝟙(L_m(w))·y_m]",
    why="the indicator index runs with the coordinate of y instead of staying at unit j",
)
def e23(draw: Draw) -> Erratum:
    y = f64(draw(jt.logits(size=2, bound=3.0)) + np.array([5.0, 5.0]))
    W, b = f64(np.eye(2)), f64([0.0, -100.0])  # z_1 > 0, z_2 < 0
    up = f64([1.0, 1.0])
    dW = jd.relu_dense_backward(up, y, W, b)[1]
    z = jd.dense(y, W, b)
    printed = up[:, None] * jd.indicator_positive(z)[None, :] * y[None, :]  # indicator runs with k
    ad = jax.grad(lambda W: jnp.sum(jd.relu(jd.dense(y, W, b))))(W)
    return Erratum([(dW, ad)], [(printed, ad)])
