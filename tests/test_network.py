"""Network initialisation and the objective's arguments: behaviour the catalogue does not state
(decision 14's initialisers, and the errors that name a bad argument)."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdnn as jd

KEY = jax.random.PRNGKey(0)
PARAMS = jd.init_params(KEY, (4, 5, 3))
X = jax.random.normal(jax.random.PRNGKey(1), (7, 4))
Y = jnp.eye(3)[jnp.array([0, 1, 2, 2, 1, 0, 1])]


def test_init_shapes_biases_and_scales():
    """Decision 14: W^(k) has shape (m_k, m_{k−1}), biases are zero; hidden weights
    are He normal (std √(2/m_{k−1})), output weights Glorot normal (std √(2/(m_{k−1} + m_k)))."""
    widths = (400, 300, 200)
    params = jd.init_params(KEY, widths)
    chex.assert_shape([layer["W"] for layer in params], [(300, 400), (200, 300)])
    chex.assert_shape([layer["b"] for layer in params], [(300,), (200,)])
    for layer in params:
        np.testing.assert_array_equal(layer["b"], 0.0)
        assert layer["W"].dtype == jnp.float64
    np.testing.assert_allclose(np.std(params[0]["W"]), np.sqrt(2 / 400), rtol=0.03)
    np.testing.assert_allclose(np.std(params[1]["W"]), np.sqrt(2 / (300 + 200)), rtol=0.03)


def test_init_accepts_jax_initializers_and_dtype():
    """weight_init is any jax.nn.initializers function, in its (in, out) convention
    (fan-in = m_{k−1}); dtype is honoured."""
    params = jd.init_params(KEY, (500, 100), jax.nn.initializers.lecun_normal(), jnp.float32)
    chex.assert_shape(params[0]["W"], (100, 500))
    chex.assert_type(params[0]["W"], jnp.float32)
    np.testing.assert_allclose(np.std(params[0]["W"]), np.sqrt(1 / 500), rtol=0.03)
    ones = jd.init_params(KEY, (2, 3), jax.nn.initializers.ones)
    np.testing.assert_array_equal(ones[0]["W"], np.ones((3, 2)))


@pytest.mark.parametrize("bad", [(3,), (), (3, 0, 2), (3, 2.0), "34"])
def test_init_rejects_bad_widths(bad):
    """widths must be at least two positive integers; the error names widths."""
    with pytest.raises(ValueError, match="widths"):
        jd.init_params(KEY, bad)


def test_objective_rejects_unknown_reduction_and_loss():
    """reduction ∉ {sum, mean} and an unknown loss are ValueErrors naming them."""
    with pytest.raises(ValueError, match="reduction"):
        jd.objective(PARAMS, X, Y, reduction="median")
    with pytest.raises(ValueError, match="loss must be one of"):
        jd.objective(PARAMS, X, Y, loss="hinge")
    with pytest.raises(ValueError, match="hidden"):
        jd.forward(PARAMS, X, hidden=(jd.relu, jd.tanh))
