"""Checks of user data at the API boundary (decision 5): NumPy and on-device JAX arrays."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxdnn as jd

GOOD_X = np.arange(12.0).reshape(4, 3)
GOOD_Y = np.eye(2)[[0, 1, 1, 0]]


@pytest.mark.parametrize("as_array", [np.asarray, jnp.asarray], ids=["numpy", "jax"])
def test_check_dataset_returns_good_data_unchanged(as_array):
    X, Y = jd.check_dataset(as_array(GOOD_X), as_array(GOOD_Y), "softmax_cross_entropy")
    np.testing.assert_array_equal(X, GOOD_X)
    np.testing.assert_array_equal(Y, GOOD_Y)
    assert type(X) is type(as_array(GOOD_X))  # JAX arrays stay on their device


@pytest.mark.parametrize("as_array", [np.asarray, jnp.asarray], ids=["numpy", "jax"])
@pytest.mark.parametrize(
    ("X", "Y", "loss", "message"),
    [
        (np.ones(3), GOOD_Y, "softmax_cross_entropy", r"X must be a matrix .* shape \(3,\)"),
        (np.ones((0, 3)), np.ones((0, 2)), "softmax_cross_entropy", r"X has no rows"),
        (
            np.where(GOOD_X == 7.0, np.inf, GOOD_X),
            GOOD_Y,
            "softmax_cross_entropy",
            r"X of shape \(4, 3\) has a non-finite value in row 2",
        ),
        (
            GOOD_X,
            np.where(GOOD_Y == 1.0, np.nan, GOOD_Y),
            "half_mean_squared_error",
            r"Y of shape \(4, 2\) has a non-finite value in row 0",
        ),
        (GOOD_X[:3], GOOD_Y, "softmax_cross_entropy", r"same number of rows.*\(3, 3\).*\(4, 2\)"),
        (  # labels: the shape given, not that of the one-hot matrix made of them
            GOOD_X,
            np.array([0, 1, 1]),
            "softmax_cross_entropy",
            r"same number of rows, got shapes \(4, 3\) and \(3,\)$",
        ),
        (GOOD_X, GOOD_Y * 2, "softmax_cross_entropy", r"one-hot rows .* row 0 is \[2\. 0\.\]"),
        (
            GOOD_X,
            GOOD_Y[:, :1] * 3,
            "sigmoid_binary_cross_entropy",
            r"Y of shape \(4, 1\) must lie in \[0, 1\] .* row 0 is \[3\.\]",
        ),
    ],
)
def test_check_dataset_names_argument_shape_and_first_bad_row(as_array, X, Y, loss, message):
    with pytest.raises(ValueError, match=message):
        jd.check_dataset(as_array(X), as_array(Y), loss)


def test_check_dataset_checks_network_widths():
    with pytest.raises(ValueError, match=r"must have 5 columns \(the network's input width\)"):
        jd.check_dataset(GOOD_X, GOOD_Y, "softmax_cross_entropy", n_inputs=5)
    with pytest.raises(ValueError, match=r"Y_val of shape \(4, 2\) must have 3 columns"):
        jd.check_dataset(GOOD_X, GOOD_Y, "softmax_cross_entropy", ("X_val", "Y_val"), 3, 3)


def test_check_dataset_remembers_passed_jax_pairs_per_setting_and_forgets_dead_ones():
    """A JAX pair that passed is not scanned again with the same settings (arrays are
    immutable), is checked anew under other settings, and is forgotten once garbage; a pair
    that failed fails again."""
    import gc

    from jaxdnn import validation

    X, Y = jnp.asarray(GOOD_X), jnp.asarray(GOOD_Y)
    before = len(validation._PASSED)
    assert jd.check_dataset(X, Y, "softmax_cross_entropy", n_inputs=3)[0] is X
    assert len(validation._PASSED) == before + 1
    assert jd.check_dataset(X, Y, "softmax_cross_entropy", n_inputs=3)[0] is X
    with pytest.raises(ValueError, match=r"must have 4 columns"):
        jd.check_dataset(X, Y, "softmax_cross_entropy", n_inputs=4)
    bad = jnp.asarray(np.where(GOOD_X == 7.0, np.nan, GOOD_X))
    for _ in range(2):
        with pytest.raises(ValueError, match=r"non-finite value in row 2"):
            jd.check_dataset(bad, Y, "softmax_cross_entropy")
    del X
    gc.collect()
    assert len(validation._PASSED) == before
