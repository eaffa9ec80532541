"""Data sets that ship inside scikit-learn, and their preparation (decision 11).

Nothing is downloaded: digits (10 classes), breast cancer (binary), diabetes (regression), iris
and wine (3 classes each) are read from scikit-learn's installed files. Rows are samples
(000_e9869ddaa8874969.txt §5: X ∈ M_{n,m}, Y ∈ M_{n,l}); class labels become one-hot rows,
binary labels a (n, 1) column of 0/1, regression targets a (n, 1) column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from jaxdnn._extras import require
from jaxdnn.heads import HEADS, Head
from jaxdnn.validation import check_key

__all__ = [
    "DATASETS",
    "Dataset",
    "load_dataset",
    "one_hot",
    "fit_standardizer",
    "standardize",
    "train_val_test_split",
    "split_rows",
    "Splits",
    "load_splits",
]

# name → (scikit-learn loader, task)
DATASETS: dict[str, tuple[str, str]] = {
    "digits": ("load_digits", "multiclass"),
    "breast_cancer": ("load_breast_cancer", "binary"),
    "diabetes": ("load_diabetes", "regression"),
    "iris": ("load_iris", "multiclass"),
    "wine": ("load_wine", "multiclass"),
}


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A data set: features X (n, m_0), targets Y (n, m_p), its task and the matching head.

    P-NET-BATCH (000_e9869ddaa8874969.txt §5; 001_602cbf05fdb6a620.txt Convention 2: one sample
    per row).

    Attributes:
        name: the data set's name (a file's stem for your own data).
        task: ``"multiclass"``, ``"binary"`` or ``"regression"``.
        X: the features ``(n, m_0)``.
        Y: the targets ``(n, m_p)``: one-hot rows, a 0/1 column, or values.
        class_names: the classes' names, in label order (classification).
        feature_names: the features' names.
        target_name: the target's name.
        test: a test split ``(X_test, Y_test)`` given with the data, or None.
    """

    name: str
    task: str
    X: np.ndarray
    Y: np.ndarray
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    target_name: str = ""
    test: tuple[np.ndarray, np.ndarray] | None = None
    """A test split given with the data (features, targets), or None: split off from X, Y."""

    @property
    def head(self) -> Head:
        """The output head of this task: softmax, sigmoid or identity output with its loss."""
        return HEADS[self.task]

    @property
    def loss(self) -> str:
        """The name of the head's loss."""
        return self.head.loss


def one_hot(labels: ArrayLike, n_classes: int | None = None) -> np.ndarray:
    """One-hot rows for integer labels c_i ∈ ⟦0, K−1⟧: row i is e_{c_i} of ℝ^K.

    P-LOSS-CCE-INTLABEL (002_0dd137535febb580.txt §4.2: classes indexed 0…K−1, E-02).

    Raises:
        ValueError: naming ``labels`` if they are not non-negative integers below ``n_classes``.

    Args:
        labels: integer labels ``(n,)``.
        n_classes: K (default the largest label + 1).

    Returns:
        ``(n, K)`` float rows.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a vector of integers, got {labels.dtype} {labels.shape}")
    negative = np.flatnonzero(labels < 0)
    if negative.size:
        i = int(negative[0])
        raise ValueError(f"labels must be non-negative; labels[{i}] = {labels[i]}")
    n_classes = int(labels.max()) + 1 if n_classes is None else n_classes
    bad = np.flatnonzero(labels >= n_classes)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"labels must lie in [0, {n_classes - 1}]; labels[{i}] = {labels[i]}")
    return np.eye(n_classes)[labels]


def load_dataset(name: str) -> Dataset:
    """Load one of ``DATASETS`` from scikit-learn's installed files (no network).

    P-NET-BATCH (000_e9869ddaa8874969.txt §5), P-LOSS-CCE-INTLABEL (002_0dd137535febb580.txt
    §4.2: integer labels to one-hot rows).

    Raises:
        ValueError: naming ``name`` and the data sets available.

    Args:
        name: a key of ``DATASETS``.

    Returns:
        The :class:`Dataset`.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    require("cli", "load_dataset (the data sets ship with scikit-learn)", ("scikit-learn",))
    task = DATASETS[name][1]
    X, target, features, names = _bundled(name)
    head = HEADS[task]
    if not head.is_classifier:
        return Dataset(name, task, X, head.targets(target, 0), (), features, "target")
    Y = head.targets(target.astype(np.int64), len(names))
    return Dataset(name, task, X, Y, names, features, "target")


def _bundled(name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """``(X, target, feature names, class names)`` of a scikit-learn data set, as its loader
    returns them. The first load keeps them in ``$XDG_CACHE_HOME/jaxdnn/data`` (one file per
    data set and scikit-learn version), so that later commands need not import scikit-learn
    (about a second); a damaged or unwritable cache is passed over."""
    import importlib.metadata
    import io
    from pathlib import Path

    from jaxdnn.rundir import atomic_write, user_cache

    try:
        version = importlib.metadata.version("scikit-learn")
        path: Path | None = user_cache("data") / f"{name}-scikit-learn-{version}.npz"
    except importlib.metadata.PackageNotFoundError:  # installed without its metadata
        path = None
    if path is not None and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as saved:
                return (
                    saved["X"],
                    saved["target"],
                    tuple(map(str, saved["features"])),
                    tuple(map(str, saved["names"])),
                )
        except Exception:  # damaged (a killed write leaves no partial file, but a user may)
            pass
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, DATASETS[name][0])()
    X = np.asarray(bunch.data, dtype=np.float64)
    target = np.asarray(bunch.target)
    features = tuple(str(f) for f in bunch.feature_names)
    names = tuple(str(c) for c in getattr(bunch, "target_names", ()))
    if path is not None:
        buffer = io.BytesIO()
        np.savez(buffer, X=X, target=target, features=np.array(features), names=np.array(names))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path.parent, path.name, buffer.getvalue())
        except OSError:
            pass
    return X, target, features, names


def fit_standardizer(X: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations of the training features (constant columns get a
    standard deviation of 1, so they map to 0).

    P-CAP-VALIDATION (002_0dd137535febb580.txt §10: validation and test rows are never used for
    fitting, so the statistics come from the training split alone).

    Raises:
        ValueError: naming ``X`` if it is not a matrix, or a column whose mean or standard
            deviation overflows float64.

    Args:
        X: the training features ``(n, m)``.

    Returns:
        ``(mean, std)``, each ``(m,)``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a matrix (n, m) with at least one row, got shape {X.shape}")
    mean, std = _statistics(X)
    j = _overflowing(mean, std)
    if j is not None:
        raise ValueError(
            f"X column {j}: its mean or standard deviation overflows float64 (values up to "
            f"{np.max(np.abs(X[:, j])):.3g}); rescale it first (for example take its logarithm)"
        )
    return mean, np.where(std > 0, std, 1.0)


def overflowing_column(X: np.ndarray) -> int | None:
    """The first column of ``X`` (n, m) whose mean or standard deviation overflows float64 (so
    that it cannot be standardised), or None.

    Args:
        X: the features ``(n, m)``.

    Returns:
        The column's index, or None.
    """
    return _overflowing(*_statistics(np.asarray(X, dtype=np.float64)))


def _statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations, inf or NaN where they overflow (no warning)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return X.mean(axis=0), X.std(axis=0)


def _overflowing(mean: np.ndarray, std: np.ndarray) -> int | None:
    bad = np.flatnonzero(~(np.isfinite(mean) & np.isfinite(std)))
    return int(bad[0]) if bad.size else None


def standardize(X: ArrayLike, mean: ArrayLike, std: ArrayLike) -> np.ndarray:
    """(X − mean) / std column-wise, with statistics from ``fit_standardizer`` on training data.

    P-CAP-VALIDATION (002_0dd137535febb580.txt §10).

    Args:
        X: features ``(n, m)``.
        mean: the training means ``(m,)``.
        std: the training standard deviations ``(m,)``.

    Returns:
        The standardised ``(n, m)`` features.
    """
    X, mean, std = np.asarray(X, dtype=np.float64), np.asarray(mean), np.asarray(std)
    if X.ndim != 2 or mean.shape != (X.shape[1],) or std.shape != (X.shape[1],):
        raise ValueError(
            f"X (n, m) needs mean and std of shape (m,): got {X.shape}, {mean.shape} and "
            f"{std.shape}"
        )
    return (X - mean) / std


def out_of_range(Z: np.ndarray, dtype: np.dtype | type = np.float32) -> tuple[int, int] | None:
    """The first ``(row, column)`` of the standardised matrix ``Z`` whose value ``dtype`` cannot
    hold (beyond its largest finite number, or not finite), or None. A feature far out in its
    tail (``1e39`` among values near 1) would become ``inf`` in float32, and the network's
    outputs NaN.

    Args:
        Z: a matrix ``(n, m)``.
        dtype: the floating-point type the values are cast to.

    Returns:
        The first offending ``(row, column)``, or None.
    """
    bad = np.argwhere(~(np.abs(np.asarray(Z, np.float64)) <= float(np.finfo(dtype).max)))
    return (int(bad[0][0]), int(bad[0][1])) if bad.size else None


def _class_of_rows(Y: np.ndarray) -> np.ndarray | None:
    """Class index of each row when Y holds one-hot rows or a 0/1 column, else None."""
    if Y.shape[1] == 1 and np.isin(Y, (0.0, 1.0)).all():
        return Y[:, 0].astype(np.int64)
    if Y.shape[1] > 1 and np.isin(Y, (0.0, 1.0)).all() and (Y.sum(axis=1) == 1).all():
        return Y.argmax(axis=1)
    return None


def split_rows(
    key: Array,
    Y: ArrayLike,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    stratify: bool | None = None,
) -> tuple[np.ndarray, ...]:
    """The row indices of each part of ``train_val_test_split`` (two or three parts), a
    deterministic function of ``key``; together they hold every row of ``Y`` exactly once.

    P-CAP-VALIDATION (002_0dd137535febb580.txt §10: disjoint training and validation data),
    decision 11.

    Raises:
        ValueError: naming ``fractions`` unless two or three positive numbers summing to 1.

    Args:
        key: the PRNG key of the split.
        Y: the targets, n rows.
        fractions: the training, validation (and test) shares, summing to 1.
        stratify: as for ``train_val_test_split``.

    Returns:
        One index array per part.
    """
    check_key(key)
    Y = np.asarray(Y)
    fractions = tuple(float(f) for f in fractions)
    if len(fractions) not in (2, 3) or min(fractions) <= 0 or not np.isclose(sum(fractions), 1):
        raise ValueError(
            f"fractions must be two or three positive numbers summing to 1, got {fractions}"
        )
    classes = _class_of_rows(Y) if Y.ndim == 2 else None
    if stratify and classes is None:
        raise ValueError("stratify=True needs class labels: one-hot rows or a 0/1 column in Y")
    if stratify is False:
        classes = None
    n = Y.shape[0]
    groups = (
        [np.arange(n)]
        if classes is None
        else [np.flatnonzero(classes == c) for c in np.unique(classes)]
    )
    # one random 32-bit integer per row orders the rows of each class, a second one shuffles
    # each part: two draws of one shape whatever the classes, identical with or without x64
    order = np.asarray(jax.random.bits(key, (n,), jnp.uint32))
    shuffle = np.asarray(jax.random.bits(jax.random.fold_in(key, 1), (n,), jnp.uint32))
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    for rows in groups:
        rows = rows[np.argsort(order[rows], kind="stable")]
        cuts = np.cumsum([int(round(f * rows.size)) for f in fractions[:-1]])
        cuts = np.minimum(cuts, rows.size)
        for part, chunk in zip(parts, np.split(rows, cuts), strict=True):
            part.append(chunk)
    out = []
    for part in parts:
        rows = np.concatenate(part)
        out.append(rows[np.argsort(shuffle[rows], kind="stable")])
    return tuple(out)


def train_val_test_split(
    key: Array,
    X: ArrayLike,
    Y: ArrayLike,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    stratify: bool | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Split (X, Y) into disjoint training, validation and test parts, a deterministic function
    of ``key``: ``((X_train, Y_train), (X_val, Y_val), (X_test, Y_test))`` (two parts for two
    fractions).

    With ``stratify`` (the default when Y holds class labels: one-hot rows or a 0/1 column)
    every class is split in the same proportions. Each part is shuffled; together the parts hold
    every row exactly once.

    P-CAP-VALIDATION (002_0dd137535febb580.txt §10: disjoint training and validation data),
    decision 11.

    Raises:
        ValueError: naming ``fractions`` unless two or three positive numbers summing to 1, or
            ``X`` and ``Y`` if their row counts differ.

    Args:
        key: the PRNG key of the split.
        X: the features ``(n, m)``.
        Y: the targets, n rows.
        fractions: the training, validation (and test) shares, summing to 1.
        stratify: split each class alike (default: when Y holds class labels).

    Returns:
        The parts, each ``(X_part, Y_part)``.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows, got {X.shape} and {Y.shape}")
    return tuple((X[rows], Y[rows]) for rows in split_rows(key, Y, fractions, stratify))


class Splits(NamedTuple):
    """Standardised training, validation and test parts of a data set, with the training
    statistics (mean, std) that standardised them and each part's rows: indices into the data
    set's X (into its given test split for ``"test"`` when it has one).

    P-CAP-VALIDATION (002_0dd137535febb580.txt §10).

    Attributes:
        dataset: the :class:`Dataset`.
        train: ``(X, Y)`` of the training part, standardised.
        val: the validation part.
        test: the test part.
        mean: the training features' means.
        std: their standard deviations.
        rows: each part's row indices (``"train"``, ``"val"``, ``"test"``).
    """

    dataset: Dataset
    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    mean: np.ndarray
    std: np.ndarray
    rows: dict[str, np.ndarray] | None = None


def load_splits(
    name: str | Dataset, key: Array, fractions: Sequence[float] = (0.7, 0.15, 0.15)
) -> Splits:
    """Load a data set (by name, or a :class:`Dataset` read from a file), split it (stratified
    for classes) and standardise the features of every part with the statistics of the
    training part. A data set with a given test split keeps it, and its other rows are split
    into training and validation parts in the proportions of the first two ``fractions``.

    P-CAP-VALIDATION (002_0dd137535febb580.txt §10), decision 11.

    Raises:
        ValueError: naming ``name`` or ``fractions``, as ``load_dataset`` and
            ``train_val_test_split`` do.

    Args:
        name: a key of ``DATASETS``, or a :class:`Dataset`.
        key: the PRNG key of the split.
        fractions: the training, validation (and test) shares, summing to 1.

    Returns:
        The :class:`Splits`.
    """
    dataset = load_dataset(name) if isinstance(name, str) else name
    X, Y = dataset.X, dataset.Y
    if dataset.test is None and len(fractions) != 3:
        raise ValueError(
            "fractions must be three positive numbers summing to 1 (training, validation, "
            f"test) for a data set without a test split, got {tuple(fractions)}"
        )
    if dataset.test is None:
        train_rows, val_rows, test_rows = split_rows(key, Y, fractions)
        test = (X[test_rows], Y[test_rows])
    else:
        first = tuple(float(f) for f in fractions)[:2]
        train_rows, val_rows = split_rows(key, Y, (first[0] / sum(first), first[1] / sum(first)))
        test, test_rows = dataset.test, np.arange(dataset.test[0].shape[0])
    train, val = (X[train_rows], Y[train_rows]), (X[val_rows], Y[val_rows])
    mean, std = fit_standardizer(train[0])
    train, val, test = ((standardize(A, mean, std), B) for A, B in (train, val, test))
    rows = {"train": train_rows, "validation": val_rows, "test": test_rows}
    return Splits(dataset, train, val, test, mean, std, rows)
