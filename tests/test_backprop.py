"""backprop as a function: jit-compatible, a single sample, and the errors that name a bad
argument. (That it equals autodiff, equation by equation, is the catalogue's P-BP-… entries.)"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdnn as jd
import jaxdnn.testing as jt

HEADS = ["softmax_cross_entropy", "sigmoid_binary_cross_entropy", "half_mean_squared_error"]


FIXED_WIDTHS = (4, 6, 3, 2)


def fixed_problem(head="softmax_cross_entropy", seed=0):
    rng = np.random.default_rng(seed)
    params = [
        {"W": jnp.asarray(rng.normal(size=(m, n))), "b": jnp.asarray(rng.normal(size=m))}
        for n, m in zip(FIXED_WIDTHS[:-1], FIXED_WIDTHS[1:], strict=True)
    ]
    X = jnp.asarray(rng.normal(size=(5, 4)))
    if head == "softmax_cross_entropy":
        Y = jnp.eye(2)[rng.integers(0, 2, size=5)]
    elif head == "sigmoid_binary_cross_entropy":
        Y = jnp.asarray(rng.integers(0, 2, size=(5, 2)).astype(np.float64))
    else:
        Y = jnp.asarray(rng.normal(size=(5, 2)))
    return params, X, Y


_STATIC = ("reduction", "loss", "hidden")


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_backprop_jitted_equals_eager(head, reduction):
    """backprop is jit-compatible; jitted equals eager equals jax.grad."""
    params, X, Y = fixed_problem(head)
    kwargs = {"reduction": reduction, "loss": head, "hidden": (jd.relu, jd.tanh)}
    jitted = jax.jit(jd.backprop, static_argnames=_STATIC)(params, X, Y, **kwargs)
    eager = jd.backprop(params, X, Y, **kwargs)
    ad = jax.jit(jax.grad(jd.objective), static_argnames=_STATIC)(params, X, Y, **kwargs)
    for a, b, c in zip(
        jax.tree.leaves(jitted), jax.tree.leaves(eager), jax.tree.leaves(ad), strict=True
    ):
        jt.assert_close(a, b)
        jt.assert_close(a, c)


def test_backprop_of_a_single_sample():
    """A single sample (m_0,) is a batch of one."""
    params, X, Y = fixed_problem()
    for a, b in zip(
        jax.tree.leaves(jd.backprop(params, X[0], Y[0])),
        jax.tree.leaves(jax.grad(jd.objective)(params, X[0], Y[0])),
        strict=True,
    ):
        jt.assert_close(a, b)


def test_output_delta_rejects_unknown_activation():
    """An output activation without a known derivative is a ValueError naming it."""
    with pytest.raises(ValueError, match="activation"):
        jd.output_delta(jnp.ones(3), jnp.ones(3), jnp.sin)


def test_layer_gradients_003_rejects_the_output_layer():
    """The layer-k theorem covers hidden layers only: k = p is a ValueError naming k."""
    params, X, Y = fixed_problem()
    with pytest.raises(ValueError, match="k must be a hidden layer"):
        jd.layer_gradients_003(params, X, Y, len(params))
