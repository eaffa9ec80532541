"""jaxdnn.testing's assertions fail where they should: a closed form off by a factor
1 + 1e-6, or of the wrong shape, is caught; a failure in float32 under float64's tolerances
says how to enable float64."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxdnn as jd
import jaxdnn.testing as jt

Z = np.array([0.5, -1.0, 2.0])
TARGET = np.array([0.0, 1.0, 0.0])


def _off(closed_form, factor=1 + 1e-6):
    return lambda *args: closed_form(*args) * factor


def test_jacobian_assertion_passes_the_closed_form_and_catches_a_slightly_wrong_one():
    jt.assert_jacobian_matches_autodiff(jd.softmax, jd.softmax_jacobian, Z)
    with pytest.raises(AssertionError, match="rtol=1e-10") as caught:
        jt.assert_jacobian_matches_autodiff(jd.softmax, _off(jd.softmax_jacobian), Z)
    assert "jax_enable_x64" not in str(caught.value)  # float64: nothing to enable
    wrong_shape = r"closed form's shape \(3, 3, 1\) != autodiff's \(3, 3\)"
    with pytest.raises(AssertionError, match=wrong_shape):
        jt.assert_jacobian_matches_autodiff(
            jd.softmax, lambda z: jd.softmax_jacobian(z)[:, :, None], Z
        )


def test_gradient_assertion_catches_a_slightly_wrong_gradient():
    jt.assert_gradient_matches_autodiff(
        jd.softmax_cross_entropy, jd.softmax_cross_entropy_gradient, Z, TARGET
    )
    with pytest.raises(AssertionError, match="rtol=1e-10"):
        jt.assert_gradient_matches_autodiff(
            jd.softmax_cross_entropy, _off(jd.softmax_cross_entropy_gradient), Z, TARGET
        )


def test_float32_failure_under_float64_tolerances_says_how_to_enable_float64():
    z = jnp.asarray(Z, jnp.float32)  # what JAX computes in without jax_enable_x64
    with pytest.raises(AssertionError, match=r"float32.*jax_enable_x64.*or pass an rtol"):
        jt.assert_jacobian_matches_autodiff(jd.softmax, _off(jd.softmax_jacobian, 1.001), z)
    with pytest.raises(AssertionError, match=r"float32.*jax_enable_x64"):
        jt.assert_close(np.float32(1.0), np.float32(1.001))
    # tolerances fit for float32: a real error still fails, without the hint
    with pytest.raises(AssertionError) as caught:
        jt.assert_close(np.float32(1.0), np.float32(1.001), rtol=1e-5, atol=1e-6)
    assert "jax_enable_x64" not in str(caught.value)
    jt.assert_jacobian_matches_autodiff(jd.softmax, jd.softmax_jacobian, z, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("strategy", [jt.simplex_points, jt.one_hot])
@pytest.mark.parametrize("size", [0, -1, 2.0])
def test_a_simplex_point_or_one_hot_row_needs_a_coordinate(strategy, size):
    """Its entries sum to 1: size 0 would give empty arrays (summing to 0) and hypothesis's own
    message for one_hot(0) spoke of max_value=-1."""
    with pytest.raises(ValueError, match=rf"size must be None or an integer >= 1 .*got {size}"):
        strategy(size)
