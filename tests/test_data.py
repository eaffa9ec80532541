"""Data sets and splits: loading, one-hot labels, stratified splits and standardisation fitted
on the training part (decision 11)."""

import chex
import jax
import numpy as np
import pytest

import jaxdnn as jd
from jaxdnn.data import (
    DATASETS,
    fit_standardizer,
    load_dataset,
    one_hot,
    standardize,
    train_val_test_split,
)

KEY = jax.random.PRNGKey(0)
EXPECTED = {  # name: (n, features, outputs, task)
    "digits": (1797, 64, 10, "multiclass"),
    "breast_cancer": (569, 30, 1, "binary"),
    "diabetes": (442, 10, 1, "regression"),
    "iris": (150, 4, 3, "multiclass"),
    "wine": (178, 13, 3, "multiclass"),
}


@pytest.mark.parametrize("name", list(DATASETS))
def test_datasets_load_one_sample_per_row(name):
    """Every data set loads offline as X (n, m_0), Y (n, m_p), finite, with labels
    fit for its head (checked by check_dataset)."""
    data = load_dataset(name)
    n, m_in, m_out, task = EXPECTED[name]
    chex.assert_shape((data.X, data.Y), [(n, m_in), (n, m_out)])
    assert data.task == task
    jd.check_dataset(data.X, data.Y, data.loss)


def test_load_dataset_rejects_unknown_name():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'; choose one of digits"):
        load_dataset("mnist")


def test_one_hot_rows_and_refused_labels():
    """Label c becomes e_c; labels out of range are rejected by name."""
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"labels\[1\] = 3"):
        one_hot(np.array([0, 3]), 3)


def test_stratified_split_is_a_disjoint_deterministic_partition():
    """Decision 11: training, validation and test parts are disjoint, hold
    every row once, keep each class's proportion (±1 row), and depend only on the key."""
    data = load_dataset("iris")
    X = np.column_stack([np.arange(150), data.X])  # column 0 identifies the row
    parts = train_val_test_split(KEY, X, data.Y)
    rows = [part[0][:, 0].astype(int) for part in parts]
    assert [r.size for r in rows] == [105, 24, 21]  # per class of 50: 35, round(7.5) = 8, 7
    np.testing.assert_array_equal(np.sort(np.concatenate(rows)), np.arange(150))
    for (Xp, Yp), fraction in zip(parts, (0.7, 0.15, 0.15), strict=True):
        np.testing.assert_array_equal(Yp, data.Y[Xp[:, 0].astype(int)])  # rows stay paired
        assert np.all(np.abs(Yp.sum(axis=0) - fraction * 50) <= 1)
    again = train_val_test_split(KEY, X, data.Y)
    for a, b in zip(parts, again, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
    other = train_val_test_split(jax.random.PRNGKey(1), X, data.Y)
    assert not np.array_equal(other[0][0], parts[0][0])


def test_regression_split_and_bad_fractions():
    data = load_dataset("diabetes")
    parts = train_val_test_split(KEY, data.X, data.Y)
    assert sum(p[0].shape[0] for p in parts) == 442
    with pytest.raises(ValueError, match="fractions"):
        train_val_test_split(KEY, data.X, data.Y, fractions=(0.8, 0.3, 0.1))
    with pytest.raises(ValueError, match="stratify=True needs class labels"):
        train_val_test_split(KEY, data.X, data.Y, stratify=True)
    with pytest.raises(TypeError, match="key must be a PRNG key .* got int 0"):
        train_val_test_split(0, data.X, data.Y)
    # two fractions split a data set in two; load_splits needs the three parts (it unpacked
    # two into three: "not enough values to unpack")
    assert len(train_val_test_split(KEY, data.X, data.Y, fractions=(0.5, 0.5))) == 2
    with pytest.raises(ValueError, match=r"three .* without a test split, got \(0.5, 0.5\)"):
        jd.load_splits("diabetes", KEY, (0.5, 0.5))


def test_standardizer_uses_training_statistics():
    """Statistics from the training split only; constant columns map to 0."""
    train = np.array([[1.0, 5.0], [3.0, 5.0]])
    mean, std = fit_standardizer(train)
    np.testing.assert_array_equal(standardize(train, mean, std), [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(standardize(np.array([[5.0, 6.0]]), mean, std), [[3.0, 1.0]])


def test_a_feature_whose_statistics_overflow_is_named():
    """A column whose standard deviation overflows float64 cannot be standardised: a
    ValueError naming it, not a column of zeros and a RuntimeWarning."""
    X = np.array([[0.0, 1e308], [1.0, -1e308], [2.0, 1e308]])
    with pytest.raises(ValueError, match="X column 1: its mean or standard deviation overflows"):
        fit_standardizer(X)
    assert jd.data.out_of_range(X[:, :1]) is None
    assert jd.data.out_of_range(X) == (0, 1)  # beyond float32
    assert jd.data.out_of_range(X, np.float64) is None


def test_load_splits_standardises_with_training_statistics():
    """The training features have mean 0 and standard deviation 1 (or 0 for
    constant columns); the other parts use the same training statistics."""
    splits = jd.load_splits("wine", KEY)
    X_train = splits.train[0]
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_train.std(axis=0), 1.0, rtol=1e-12)
    raw_val, _ = train_val_test_split(KEY, splits.dataset.X, splits.dataset.Y)[1]
    np.testing.assert_allclose(splits.val[0], (raw_val - splits.mean) / splits.std)


def test_split_does_not_depend_on_float_precision():
    """The split is a function of the key alone: the same rows with and without x64."""
    data = load_dataset("wine")
    with_x64 = train_val_test_split(KEY, data.X, data.Y)
    jax.config.update("jax_enable_x64", False)
    try:
        without_x64 = train_val_test_split(KEY, data.X, data.Y)
    finally:
        jax.config.update("jax_enable_x64", True)
    for a, b in zip(with_x64, without_x64, strict=True):
        np.testing.assert_array_equal(a[0], b[0])


def test_a_bundled_data_set_loads_from_the_cache_as_scikit_learn_gives_it(tmp_path, monkeypatch):
    """The first load keeps the data set under $XDG_CACHE_HOME/jaxdnn/data; later loads read
    it without scikit-learn and give the same arrays and names; a damaged file is replaced."""
    import sklearn.datasets

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = {name: load_dataset(name) for name in DATASETS}
    files = sorted((tmp_path / "jaxdnn" / "data").iterdir())
    assert len(files) == len(DATASETS)
    for _, loader_task in DATASETS.items():
        monkeypatch.setattr(sklearn.datasets, loader_task[0], None)  # calling it would fail
    for name, dataset in first.items():
        again = load_dataset(name)
        for field in ("X", "Y"):
            np.testing.assert_array_equal(getattr(again, field), getattr(dataset, field))
        assert again.X.dtype == dataset.X.dtype and again.Y.dtype == dataset.Y.dtype
        assert (again.class_names, again.feature_names) == (
            dataset.class_names,
            dataset.feature_names,
        )
    assert first["digits"].feature_names[:2] == ("pixel_0_0", "pixel_0_1")
    assert first["diabetes"].class_names == () and first["iris"].class_names[0] == "setosa"
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    damaged = next(f for f in files if f.name.startswith("wine-"))
    damaged.write_bytes(damaged.read_bytes()[:100])
    np.testing.assert_array_equal(load_dataset("wine").X, first["wine"].X)
    assert damaged.stat().st_size > 1000  # written again whole
