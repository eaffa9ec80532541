"""Your own data: a CSV file with a header row, or a NumPy ``.npz`` file, read into a
:class:`jaxdnn.data.Dataset` (catalogue P-NET-BATCH: one sample per row).

CSV: the header names the columns; the target is ``target`` (default: the last column); every
other column is a numeric feature. The file is parsed by NumPy's C reader (``np.loadtxt``), one
pass per column group, with no Python loop over rows; only a file that fails to parse is read
again, row by row, to name the first bad cell.

NPZ: arrays ``X`` (n, m) and ``y`` (n,), optionally ``X_test`` and ``y_test`` (a test split
taken as given) and ``feature_names``.

The task is inferred from the target unless ``task`` forces it: integer or string labels are
classes (two classes: the sigmoid head, more: softmax), real values regression. Classes are
ordered numerically when every label is a number, else alphabetically; their names are kept.
Categorical (non-numeric) feature columns are refused — encode them first, e.g. one-hot —
and a missing value (an empty cell, NA, NaN, ?) is an error naming its row and column.
"""

from __future__ import annotations

import csv
import hashlib
import os
import warnings
from pathlib import Path

import numpy as np

from jaxdnn.data import Dataset
from jaxdnn.heads import HEADS

__all__ = ["DataFileError", "read_data", "read_features", "file_sha256", "class_indices"]

MISSING = ("", "na", "n/a", "nan", "null", "none", "?")
"""Cell texts that mean a missing value (compared case-insensitively, spaces stripped)."""


class DataFileError(ValueError):
    """A data file that cannot be used as it is: the message names the file, and the row and
    column of the first problem.

    P-NET-BATCH (000_e9869ddaa8874969.txt §5: a data set is a matrix of finite real numbers,
    one sample per row).
    """


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes (a resumed run checks its data file did not change).

    Args:
        path: the file.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_data(
    path: str | os.PathLike, target: str | None = None, task: str | None = None
) -> Dataset:
    """A data set from a CSV or NPZ file, its task inferred (or forced with ``task``).

    P-NET-BATCH (000_e9869ddaa8874969.txt §5: X ∈ M_{n,m}, one sample per row),
    P-LOSS-CCE-INTLABEL (002_0dd137535febb580.txt §4.2: classes indexed 0…K−1).

    Raises:
        DataFileError: naming the file and the first bad row and column (a missing value, a
            categorical feature, a target the task cannot use, too few rows).
        ValueError: naming ``task`` if it is not one of multiclass, binary, regression.

    Args:
        path: the CSV or NPZ file.
        target: the CSV column to predict (default the last one).
        task: ``"multiclass"``, ``"binary"`` or ``"regression"`` (default inferred).

    Returns:
        The :class:`~jaxdnn.data.Dataset`.
    """
    path = Path(path)
    if task is not None and task not in HEADS:
        raise ValueError(f"task must be one of {tuple(HEADS)} or None, got {task!r}")
    if path.suffix.lower() == ".npz":
        if target is not None:
            raise DataFileError(f"{path}: target applies to CSV files (an NPZ file has y)")
        X, labels, features, target_name, test = _read_npz(path)
    else:
        X, labels, features, target_name = _read_csv(path, target)
        test = None
    name = path.stem
    if X.shape[0] < 3:
        raise DataFileError(f"{path}: {X.shape[0]} rows; training needs at least 3")
    task, class_names, Y = _targets(path, labels, target_name, task)
    test_split = None
    if test is not None:
        X_test, test_labels = test
        test_split = (X_test, _encode(path, test_labels, task, class_names, "y_test"))
    return Dataset(name, task, X, Y, class_names, features, target_name, test_split)


def read_features(
    path: str | os.PathLike, feature_names: tuple[str, ...], target: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """The features of a file to predict on, in the order ``feature_names`` (CSV: found by
    name, other columns ignored; NPZ: X with that many columns), and the target's labels or
    values (strings) when the file has them, else None.

    Raises:
        DataFileError: naming the file, a missing feature column, or the first bad cell.

    Args:
        path: the CSV or NPZ file.
        feature_names: the features the model was trained on, in order.
        target: the target column's name.

    Returns:
        ``(X, y)``: the ``(n, m)`` features and the target's values as text, or None.
    """
    path = Path(path)
    if path.suffix.lower() == ".npz":
        arrays = _open_npz(path)
        X = _npz_features(path, arrays, "X")
        if X.shape[1] != len(feature_names):
            raise DataFileError(
                f"{path}: X has {X.shape[1]} columns; the model takes {len(feature_names)}"
            )
        labels = _npz_labels(path, arrays["y"], X.shape[0], "y") if "y" in arrays else None
        return X, labels
    header = _header(path)
    missing = [name for name in feature_names if name not in header]
    if missing:
        raise DataFileError(
            f"{path}: no column {missing[0]!r}; the model's features are {_shown(feature_names)}"
        )
    columns = [header.index(name) for name in feature_names]
    X = _numeric_columns(path, header, columns)
    if target not in header:
        return X, None
    labels = _text_columns(path, header, [header.index(target)])[:, 0]
    if np.all(np.isin(np.char.lower(np.char.strip(labels)), MISSING)):
        return X, None  # an empty target column: the labels are what is to be predicted
    _refuse_missing(path, header, labels, header.index(target))
    return X, labels


# --- CSV ------------------------------------------------------------------------------------------


def _header(path: Path) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:  # a BOM is not a name
            row = next(csv.reader(file), None)
    except FileNotFoundError:
        raise DataFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path}: cannot read it ({error})") from None
    if not row:
        raise DataFileError(f"{path}: empty file; a CSV file starts with a header row")
    header = [name.strip() for name in row]
    seen: set[str] = set()
    for k, name in enumerate(header):
        if not name:
            raise DataFileError(f"{path}: the header's column {k + 1} has no name")
        if name in seen:
            raise DataFileError(f"{path}: the header names column {name!r} twice")
        seen.add(name)
    if len(header) < 2:
        raise DataFileError(f"{path}: one column; a CSV file needs features and a target")
    return header


def _read_csv(
    path: Path, target: str | None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], str]:
    header = _header(path)
    if target is None:
        target = header[-1]
    elif target not in header:
        raise DataFileError(f"{path}: no column {target!r}; the columns are {_shown(header)}")
    t = header.index(target)
    features = [k for k in range(len(header)) if k != t]
    X = _numeric_columns(path, header, features)
    labels = _text_columns(path, header, [t])[:, 0]
    _refuse_missing(path, header, labels, t)
    return X, labels, tuple(header[k] for k in features), target


def _loadtxt(path: Path, columns: list[int], dtype: type) -> np.ndarray:
    with warnings.catch_warnings():  # a file of a header alone: refused below, by name
        warnings.filterwarnings("ignore", "loadtxt: input contained no data", UserWarning)
        return _loadtxt_quietly(path, columns, dtype)


def _loadtxt_quietly(path: Path, columns: list[int], dtype: type) -> np.ndarray:
    return np.loadtxt(
        path,
        dtype=dtype,
        delimiter=",",
        skiprows=1,
        usecols=columns,
        comments=None,
        quotechar='"',
        ndmin=2,
        encoding="utf-8",
    )


def _numeric_columns(path: Path, header: list[str], columns: list[int]) -> np.ndarray:
    """The columns as a float64 matrix, or an error naming the first bad cell."""
    try:
        X = _loadtxt(path, columns, np.float64)
    except ValueError:
        _diagnose(path, header, columns)
        raise  # _diagnose raises; this is not reached
    if X.shape[0] == 0:
        raise DataFileError(f"{path}: a header and no rows")
    bad = np.argwhere(~np.isfinite(X))
    if bad.size:  # "nan", "inf" parse as numbers
        row, k = bad[0]
        text = _text_columns(path, header, [columns[k]])[row, 0]
        _refuse_missing(path, header, np.asarray([text]), columns[k], first_row=int(row))
        raise DataFileError(
            f"{path}: row {row + 1}, column {header[columns[k]]!r}: {text.strip()!r} is not a "
            "finite number"
        )
    return X


def _text_columns(path: Path, header: list[str], columns: list[int]) -> np.ndarray:
    try:
        return _loadtxt(path, columns, str)
    except ValueError:
        _diagnose(path, header, columns)
        raise


def _refuse_missing(
    path: Path, header: list[str], cells: np.ndarray, column: int, first_row: int = 0
) -> None:
    missing = np.flatnonzero(np.isin(np.char.lower(np.char.strip(cells)), MISSING))
    if missing.size:
        row = first_row + int(missing[0])
        raise DataFileError(
            f"{path}: missing value in row {row + 1} (line {row + 2}), column "
            f"{header[column]!r}; fill or drop the rows with missing values first"
        )


def _diagnose(path: Path, header: list[str], columns: list[int]) -> None:
    """Read the file again with the csv module and raise naming the first bad cell: a row of
    the wrong length, a missing value, or a non-numeric feature (a categorical column)."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file)
        next(reader)
        for row_number, row in enumerate(reader):
            if not row:
                continue
            if len(row) != len(header):
                raise DataFileError(
                    f"{path}: row {row_number + 1} (line {row_number + 2}) has {len(row)} "
                    f"fields; the header has {len(header)}"
                )
            for k in columns:
                cell = row[k].strip()
                if cell.lower() in MISSING:
                    raise DataFileError(
                        f"{path}: missing value in row {row_number + 1} (line "
                        f"{row_number + 2}), column {header[k]!r}; fill or drop the rows with "
                        "missing values first"
                    )
                try:
                    float(cell)
                except ValueError:
                    raise DataFileError(
                        f"{path}: column {header[k]!r} is not numeric ({cell!r} in row "
                        f"{row_number + 1}): jaxdnn takes numeric features; encode a "
                        "categorical column as numbers first (for example one 0/1 column per "
                        "category), or drop it"
                    ) from None
    raise DataFileError(f"{path}: cannot be parsed as CSV with a header row")


# --- NPZ ------------------------------------------------------------------------------------------


def _open_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise DataFileError(f"{path}: no such file") from None
    except (OSError, ValueError) as error:
        raise DataFileError(f"{path}: not a readable .npz file ({error})") from None


def _read_npz(path: Path):
    arrays = _open_npz(path)
    for name in ("X", "y"):
        if name not in arrays:
            raise DataFileError(
                f"{path}: no array {name!r}; an NPZ data file holds X (n, m) and y (n,), "
                f"optionally X_test and y_test (it holds {_shown(sorted(arrays))})"
            )
    if ("X_test" in arrays) != ("y_test" in arrays):
        raise DataFileError(f"{path}: X_test and y_test must be given together")
    X = _npz_features(path, arrays, "X")
    labels = _npz_labels(path, arrays["y"], X.shape[0], "y")
    names = arrays.get("feature_names")
    if names is None:
        features = tuple(f"x{j}" for j in range(X.shape[1]))
    elif names.shape != (X.shape[1],):
        raise DataFileError(f"{path}: feature_names must hold one name per column of X")
    else:
        features = tuple(str(n) for n in names)
    test = None
    if "X_test" in arrays:
        X_test = _npz_features(path, arrays, "X_test")
        if X_test.shape[1] != X.shape[1]:
            raise DataFileError(f"{path}: X_test has {X_test.shape[1]} columns, X has {X.shape[1]}")
        test = (X_test, _npz_labels(path, arrays["y_test"], X_test.shape[0], "y_test"))
    return X, labels, features, "y", test


def _npz_features(path: Path, arrays: dict[str, np.ndarray], name: str) -> np.ndarray:
    X = arrays[name]
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataFileError(f"{path}: {name} must be a matrix (n, m), got shape {X.shape}")
    if np.issubdtype(X.dtype, np.complexfloating):  # a cast would drop the imaginary parts
        raise DataFileError(f"{path}: {name} holds {X.dtype} values; jaxdnn takes real features")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise DataFileError(
            f"{path}: {name} holds {X.dtype} values; jaxdnn takes numeric features (encode "
            "categorical columns as numbers first)"
        )
    X = X.astype(np.float64)
    bad = np.argwhere(~np.isfinite(X))
    if bad.size:
        row, column = bad[0]
        what = "missing value (NaN)" if np.isnan(X[row, column]) else "infinite value"
        raise DataFileError(f"{path}: {what} in {name} row {row + 1}, column {column + 1}")
    return X


def _npz_labels(path: Path, y: np.ndarray, n: int, name: str) -> np.ndarray:
    """The targets as text, the form the CSV reader gives (integers stay integers)."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (n,):
        raise DataFileError(f"{path}: {name} must have shape ({n},), got {y.shape}")
    if np.issubdtype(y.dtype, np.complexfloating):
        raise DataFileError(
            f"{path}: {name} holds {y.dtype} values; jaxdnn takes real numbers or class labels"
        )
    if np.issubdtype(y.dtype, np.floating):
        bad = np.flatnonzero(~np.isfinite(y))
        if bad.size:
            raise DataFileError(f"{path}: {name}[{bad[0]}] is {y[bad[0]]}, not a finite number")
        return np.asarray([repr(float(v)) for v in y])
    if y.dtype == bool:
        y = y.astype(np.int64)
    return y.astype(str)


# --- targets --------------------------------------------------------------------------------------


def _targets(path: Path, labels: np.ndarray, target: str, task: str | None):
    """(task, class names, Y) from the target's texts."""
    labels = np.char.strip(labels.astype(str))
    unsigned = np.char.lstrip(labels, "+-")
    integers = bool(
        np.all(
            np.char.isdigit(unsigned) & (np.char.str_len(labels) - 1 <= np.char.str_len(unsigned))
        )
    )
    numbers = as_floats(labels)
    if task is None:
        task = "regression" if numbers is not None and not integers else "classification"
        if task == "classification":
            names = _class_names(labels, numbers)
            counts = np.unique(labels, return_counts=True)[1]
            if len(names) < 2:
                raise DataFileError(
                    f"{path}: the target {target!r} holds one class ({names[0]!r}); "
                    "classification needs two or more"
                )
            if integers and counts.min() < 2:
                raise DataFileError(
                    f"{path}: the target {target!r} looks like a measurement, not classes: "
                    f"{len(names)} distinct integers, some seen once; give --task regression "
                    "(or --task multiclass to treat each value as a class)"
                )
            task = "binary" if len(names) == 2 else "multiclass"
    if task == "regression":
        if numbers is None:
            bad = next(v for v in labels if as_floats(np.asarray([v])) is None)
            raise DataFileError(
                f"{path}: regression needs a numeric target; {target!r} holds {bad!r}"
            )
        return task, (), numbers[:, None]
    names = _class_names(labels, numbers)
    if task == "binary" and len(names) != 2:
        raise DataFileError(
            f"{path}: binary classification needs two classes; {target!r} holds {len(names)}"
        )
    if len(names) < 2:
        raise DataFileError(f"{path}: the target {target!r} holds one class ({names[0]!r})")
    return task, names, _encode(path, labels, task, names, target)


def as_floats(labels: np.ndarray) -> np.ndarray | None:
    """Texts as float64 numbers, or None unless every one is a finite number."""
    try:
        values = labels.astype(np.float64)
    except ValueError:
        return None
    return values if np.all(np.isfinite(values)) else None


def _class_names(labels: np.ndarray, numbers: np.ndarray | None) -> tuple[str, ...]:
    """The distinct labels, numerically ordered when they are all numbers."""
    unique = np.unique(labels)
    if numbers is not None:
        unique = unique[np.argsort(unique.astype(np.float64), kind="stable")]
    return tuple(str(v) for v in unique)


def _encode(path: Path, labels: np.ndarray, task: str, names: tuple[str, ...], what: str):
    """Labels (texts) as the head's targets: one-hot rows, or a 0/1 column for binary."""
    labels = np.char.strip(labels.astype(str))
    if task == "regression":
        values = as_floats(labels)
        if values is None:
            raise DataFileError(f"{path}: {what} must hold finite numbers")
        return values[:, None]
    try:
        classes = class_indices(labels, names, what)
    except ValueError as error:
        raise DataFileError(f"{path}: {error}") from None
    return HEADS[task].targets(classes, len(names))


def class_indices(labels: np.ndarray, names: tuple[str, ...], what: str = "labels") -> np.ndarray:
    """The index in ``names`` of each label (compared as text, spaces stripped), vectorised.

    Raises:
        ValueError: naming ``what`` and the first label that is not one of ``names``.

    Args:
        labels: the labels, any dtype ``(n,)``.
        names: the class names, in label order.
        what: how the error message names the labels.

    Returns:
        The ``(n,)`` integer indices.
    """
    labels = np.char.strip(np.asarray(labels).astype(str))
    ordered = np.asarray(sorted(names))
    position = np.minimum(np.searchsorted(ordered, labels), len(ordered) - 1)
    unknown = np.flatnonzero(ordered[position] != labels)
    if unknown.size:
        raise ValueError(
            f"{what} holds the class {str(labels[unknown[0]])!r}, which is not one of the model's "
            f"classes {_shown(names)}"
        )
    index = {name: k for k, name in enumerate(names)}
    return np.asarray([index[name] for name in ordered.tolist()])[position]


def _shown(names) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:12])
    return shown + (f", … ({len(names)} in all)" if len(names) > 12 else "")
