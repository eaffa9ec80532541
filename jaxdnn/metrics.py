"""Classification and regression metrics (catalogue §2.L; 002_0dd137535febb580.txt §8).

They follow scikit-learn's semantics (decision 7) and are checked at the boundary:

* **Shapes** must be equal — no broadcasting, whatever JAX's promotion mode. This is static,
  so it holds under ``jax.jit`` too. (scikit-learn ravels an (n, 1) column against an (n,)
  vector; jaxdnn refuses the pair rather than guess.)
* **Values** are checked when the inputs are concrete (not traced): finite, non-empty, class
  labels integers in ``[0, n_classes)``; a bad value raises a ``ValueError`` naming the argument.
* **Label set** of the multi-class scores: with ``n_classes=K`` the classes 0…K−1
  (scikit-learn's ``labels=range(K)``); without it, the labels present in y_true ∪ y_pred
  (scikit-learn's default). Under ``jit`` the labels are unknown, so ``n_classes`` must be given.
* ``average="binary"`` (the default, as in scikit-learn) scores the class ``pos_label`` and
  raises when the labels hold more than two classes; ``None`` gives the per-class scores,
  ``"macro"`` their mean, ``"micro"`` the score of the summed counts, ``"weighted"`` the mean
  weighted by support. A zero denominator gives 0, not an exception.
* Regression metrics of 2-D targets (n, m) average per output, ``multioutput="uniform_average"``,
  or return the m per-output values with ``"raw_values"``. MAPE is a fraction with denominator
  max(abs(y), float64's machine ε) whatever the input dtype (decision 8).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.validation import check_finite, check_has_last_axis

__all__ = [
    "predict_class",
    "accuracy",
    "confusion_matrix",
    "precision",
    "recall",
    "f1_score",
    "precision_recall_curve",
    "mse",
    "rmse",
    "mae",
    "mape",
]

AVERAGES = (None, "binary", "macro", "micro", "weighted")
MULTIOUTPUTS = ("uniform_average", "raw_values")
FLOAT64_EPS = float(np.finfo(np.float64).eps)


# --- boundary checks ----------------------------------------------------------------------------


def _is_traced(*values: Any) -> bool:
    return any(isinstance(v, jax.core.Tracer) for v in values)


def _array(name: str, values: ArrayLike) -> Any:
    """``values`` as an array (JAX arrays and tracers stay as they are), holding real numbers or
    booleans; otherwise a ``ValueError`` naming the argument."""
    if not isinstance(values, jax.Array):
        try:
            values = np.asarray(values)
        except (ValueError, TypeError) as error:  # ragged nested lists
            raise ValueError(f"{name} must be an array of numbers: {error}") from None
    dtype = values.dtype
    if not (jnp.issubdtype(dtype, jnp.number) or jnp.issubdtype(dtype, jnp.bool_)) or (
        jnp.issubdtype(dtype, jnp.complexfloating)
    ):
        raise ValueError(f"{name} must hold real numbers, got dtype {dtype}")
    return values


def _pair(
    y_true: ArrayLike, y_pred: ArrayLike, names: tuple[str, str], ndims: tuple[int, ...]
) -> tuple[Any, Any]:
    """The two inputs as arrays of one shape, of an allowed rank, with at least one sample."""
    a, b = _array(names[0], y_true), _array(names[1], y_pred)
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape (no broadcasting), got "
            f"{a.shape} and {b.shape}"
        )
    if a.ndim not in ndims:
        wanted = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{names[0]} and {names[1]} must be {wanted}, got shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError(f"{names[0]} and {names[1]} are empty (shape {a.shape})")
    return a, b


def _integer_labels(name: str, values: Any) -> np.ndarray:
    """Concrete class labels: finite and integer-valued (any integers); returned as int64."""
    check_finite(name, values)
    host = np.asarray(values)
    if host.dtype.kind == "f" and not np.array_equal(host, np.round(host)):
        i = int(np.flatnonzero((host != np.round(host)).ravel())[0])
        raise ValueError(
            f"{name} must hold class labels (integers), got the non-integer {host.ravel()[i]}"
        )
    return host.astype(np.int64)


def _check_labels(name: str, values: Any, n_classes: int | None) -> np.ndarray:
    """Concrete class labels: integers in [0, n_classes) (≥ 0 without n_classes), as int64."""
    labels = _integer_labels(name, values)
    bad = (labels < 0) if n_classes is None else ((labels < 0) | (labels >= n_classes))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        allowed = "≥ 0" if n_classes is None else f"in [0, {n_classes}) (n_classes={n_classes})"
        raise ValueError(f"{name} must hold class labels {allowed}, got {labels[i]} at index {i}")
    return labels


def _check_n_classes(n_classes: Any) -> int | None:
    if n_classes is None:
        return None
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer or None, got {n_classes!r}")
    return int(n_classes)


def _need_n_classes(function: str) -> ValueError:
    return ValueError(
        f"{function}: n_classes must be given when the labels are traced (under jax.jit, vmap "
        "or grad), since the set of classes cannot be read from traced values"
    )


class _Labels:
    """Checked class labels of a classification metric and the label set it scores."""

    def __init__(self, y_true: ArrayLike, y_pred: ArrayLike, n_classes: Any, function: str):
        n_classes = _check_n_classes(n_classes)
        self.inferred = n_classes is None
        self.y_true, self.y_pred = _pair(y_true, y_pred, ("y_true", "y_pred"), (1,))
        self.traced = _is_traced(self.y_true, self.y_pred)
        # `present`: the sorted labels of y_true ∪ y_pred (concrete inputs), else None
        self.present: np.ndarray | None = None
        if self.traced:
            if n_classes is None:
                raise _need_n_classes(function)
            self.n_classes = n_classes
            return
        true = _check_labels("y_true", self.y_true, n_classes)
        pred = _check_labels("y_pred", self.y_pred, n_classes)
        self.present = np.union1d(true, pred)
        self.n_classes = n_classes if n_classes is not None else int(self.present[-1]) + 1
        self.y_true, self.y_pred = true, pred

    def scored(self) -> np.ndarray | None:
        """The labels that macro averages and per-class results run over: the present labels
        when ``n_classes`` was inferred, all classes otherwise (None: every class)."""
        if self.traced or not self.inferred:
            return None
        return self.present


# --- classification -----------------------------------------------------------------------------


@jax.jit
def predict_class(probabilities: ArrayLike) -> Array:
    """$ŷ_i = argmax_j N(x_i)_j$, ties to the lowest index (``jnp.argmax``).

    P-MET-ACCURACY (002_0dd137535febb580.txt §8.1).

    Args:
        probabilities: the network's outputs ``(n, K)`` (or logits: the argmax is the same).

    Returns:
        The ``(n,)`` predicted classes.
    """
    check_has_last_axis("predict_class", "probabilities", probabilities)
    return jnp.argmax(jnp.asarray(probabilities), axis=-1)


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """$accuracy = (1/n) Σ_i 𝟙[ŷ_i = y_i]$; the error rate is 1 − accuracy.

    Labels are any integers (as in scikit-learn's ``accuracy_score``). For 2-D inputs (n, m),
    one row of m binary labels per sample (a multi-output sigmoid head), a sample counts as
    right only if all its m labels are (exact match, scikit-learn's subset accuracy).

    P-MET-ACCURACY (002_0dd137535febb580.txt §8.1).

    Raises:
        ValueError: naming ``y_true`` or ``y_pred`` for unequal shapes, empty input, or (when
            concrete) non-finite or non-integer labels.

    Args:
        y_true: the true labels ``(n,)``, or ``(n, m)`` binary labels (integers).
        y_pred: the predicted labels of ``y_true``'s shape.

    Returns:
        The share of right samples, a scalar in [0, 1].

    Examples:
        >>> float(jaxdnn.accuracy(jnp.array([0, 1, 2, 2]), jnp.array([0, 2, 2, 2])))
        0.75
    """
    y_true, y_pred = _pair(y_true, y_pred, ("y_true", "y_pred"), (1, 2))
    if not _is_traced(y_true, y_pred):
        _integer_labels("y_true", y_true)
        _integer_labels("y_pred", y_pred)
    return _accuracy(jnp.asarray(y_true), jnp.asarray(y_pred))


@jax.jit
def _accuracy(y_true: Array, y_pred: Array) -> Array:
    hits = y_true == y_pred
    if hits.ndim == 2:
        hits = jnp.all(hits, axis=1)
    return jnp.mean(hits.astype(jnp.result_type(float)))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int | None = None) -> Array:
    """$C[i, j]$ = number of samples of true class i predicted as class j (rows: truth).

    With ``n_classes=K`` the matrix is K×K over the classes 0…K−1; without it, over the labels
    present in y_true ∪ y_pred, in increasing order (scikit-learn's ``confusion_matrix``).

    P-MET-PRECISION-RECALL (002_0dd137535febb580.txt §8.1, the counts TP, FP, FN).

    Raises:
        ValueError: naming the argument for unequal shapes, empty input, labels outside
            ``[0, n_classes)``, or a missing ``n_classes`` under ``jit``.

    Args:
        y_true: the true labels ``(n,)`` (integers).
        y_pred: the predicted labels ``(n,)``.
        n_classes: K: the label set is 0 … K−1 (required under ``jit``); default the labels present.

    Returns:
        The K×K integer matrix (rows: truth, columns: prediction).
    """
    labels = _Labels(y_true, y_pred, n_classes, "confusion_matrix")
    cm = _confusion_matrix(jnp.asarray(labels.y_true), jnp.asarray(labels.y_pred), labels.n_classes)
    scored = labels.scored()
    return cm if scored is None else cm[np.ix_(scored, scored)]


@partial(jax.jit, static_argnums=2)
def _confusion_matrix(y_true: Array, y_pred: Array, n_classes: int) -> Array:
    counts = jnp.zeros((n_classes, n_classes), jnp.result_type(int))
    return counts.at[y_true.astype(jnp.int32), y_pred.astype(jnp.int32)].add(1)


def _safe_divide(numerator: Array, denominator: Array) -> Array:
    """numerator / denominator, and 0 where the denominator is 0 (scikit-learn's policy)."""
    safe = jnp.where(denominator == 0, 1, denominator)
    return jnp.where(denominator == 0, 0.0, numerator / safe)


@partial(jax.jit, static_argnums=(2, 3, 4))
def _scores(y_true: Array, y_pred: Array, n_classes: int, kind: str, average: str | None):
    """Per-class scores (average None, binary, macro, weighted) or the micro score, with the
    support per class."""
    cm = _confusion_matrix(y_true, y_pred, n_classes).astype(jnp.result_type(float))
    tp = jnp.diag(cm)
    return _from_counts(tp, cm.sum(axis=0) - tp, cm.sum(axis=1) - tp, kind, average)


@partial(jax.jit, static_argnums=(2, 3))
def _multilabel_scores(y_true: Array, y_pred: Array, kind: str, average: str | None):
    """Per-label scores of (n, m) 0/1 indicators (each column a binary problem), or the micro
    score, with the support per label."""
    t, p = y_true.astype(jnp.result_type(float)), y_pred.astype(jnp.result_type(float))
    tp = jnp.sum(t * p, axis=0)
    return _from_counts(tp, jnp.sum(p, axis=0) - tp, jnp.sum(t, axis=0) - tp, kind, average)


def _from_counts(tp: Array, fp: Array, fn: Array, kind: str, average: str | None):
    support = tp + fn
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    if kind == "precision":
        return _safe_divide(tp, tp + fp), support
    if kind == "recall":
        return _safe_divide(tp, tp + fn), support
    return _safe_divide(2 * tp, 2 * tp + fp + fn), support


def _averaged(values: Array, support: Array, average: str | None) -> Array:
    if average is None or average == "micro":
        return values
    if average == "macro":
        return jnp.mean(values)
    return _safe_divide(jnp.sum(values * support), jnp.sum(support))  # weighted


def _multilabel_score(kind, function, y_true, y_pred, n_classes, average) -> Array:
    """precision, recall or F1 of a multi-output sigmoid head: y_true and y_pred (n, m) 0/1
    indicators, one binary problem per column (scikit-learn's multilabel-indicator input)."""
    y_true, y_pred = _pair(y_true, y_pred, ("y_true", "y_pred"), (2,))
    m = y_true.shape[1]
    if n_classes is not None and n_classes != m:
        raise ValueError(
            f"n_classes={n_classes} but y_true and y_pred hold {m} labels per sample (shape "
            f"{y_true.shape}); pass n_classes={m} or None"
        )
    if average == "binary":
        raise ValueError(
            f"{function}: y_true and y_pred are (n, m) label indicators (one binary label per "
            "column) but average='binary' scores one label per sample; pass average=None, "
            "'macro', 'micro' or 'weighted'"
        )
    if not _is_traced(y_true, y_pred):
        for name, values in (("y_true", y_true), ("y_pred", y_pred)):
            labels = _integer_labels(name, values)
            if np.any((labels != 0) & (labels != 1)):
                raise ValueError(f"{name} of shape {labels.shape} must hold 0/1 label indicators")
    values, support = _multilabel_scores(jnp.asarray(y_true), jnp.asarray(y_pred), kind, average)
    return _averaged(values, support, average)


def _score(kind, y_true, y_pred, n_classes, average, pos_label) -> Array:
    function = {"precision": "precision", "recall": "recall", "f1": "f1_score"}[kind]
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    if isinstance(pos_label, bool) or not isinstance(pos_label, int | np.integer) or pos_label < 0:
        raise ValueError(f"pos_label must be a non-negative integer, got {pos_label!r}")
    n_classes = _check_n_classes(n_classes)
    y_true, y_pred = _array("y_true", y_true), _array("y_pred", y_pred)
    if y_true.ndim == 2 or y_pred.ndim == 2:
        return _multilabel_score(kind, function, y_true, y_pred, n_classes, average)
    labels = _Labels(y_true, y_pred, n_classes, function)
    n = labels.n_classes
    if average == "binary":
        if labels.traced:
            if n > 2:
                raise ValueError(
                    f"{function}: average='binary' needs n_classes <= 2 under jit (got "
                    f"n_classes={n}); pass average=None, 'macro', 'micro' or 'weighted'"
                )
        elif labels.present is not None and len(labels.present) > 2:
            raise ValueError(
                f"{function}: the labels hold {len(labels.present)} classes "
                f"{labels.present.tolist()} but average='binary'; pass average=None, 'macro', "
                "'micro' or 'weighted'"
            )
        elif labels.present is not None and pos_label not in labels.present:
            if len(labels.present) == 2:
                raise ValueError(
                    f"pos_label={pos_label} is not a valid label: it should be one of "
                    f"{labels.present.tolist()}"
                )
        if n_classes is not None and pos_label >= n:
            raise ValueError(f"pos_label={pos_label} must be < n_classes={n}")
        n = max(n, pos_label + 1)
    values, support = _scores(
        jnp.asarray(labels.y_true), jnp.asarray(labels.y_pred), n, kind, average
    )
    if average == "micro":
        return values
    if average == "binary":
        return values[pos_label]
    scored = labels.scored()
    if scored is not None:
        values, support = values[scored], support[scored]
    return _averaged(values, support, average)


def precision(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    n_classes: int | None = None,
    average: str | None = "binary",
    pos_label: int = 1,
) -> Array:
    """$precision = TP/(TP + FP)$: of the class ``pos_label`` (``average="binary"``), per class
    (``None``), or averaged (macro: mean over the label set; micro: from summed counts;
    weighted: by support). 0 when TP + FP = 0.

    Equals ``sklearn.metrics.precision_score(y_true, y_pred, average=…, zero_division=0)``,
    with ``labels=range(n_classes)`` when ``n_classes`` is given.

    P-MET-PRECISION-RECALL (002_0dd137535febb580.txt §8.1, used there without a formula).

    Raises:
        ValueError: naming the argument for unequal shapes, empty input, labels outside
            ``[0, n_classes)``, more than two classes with ``average="binary"``, an unknown
            ``average``, or a missing ``n_classes`` under ``jit``.

    Args:
        y_true: the true labels ``(n,)`` (integers).
        y_pred: the predicted labels ``(n,)``.
        n_classes: K: the label set is 0 … K−1 (required under ``jit``); default the labels present.
        average: ``"binary"`` (the class ``pos_label``), ``None`` (per class), ``"macro"``,
            ``"micro"`` or ``"weighted"``.
        pos_label: the positive class of ``average="binary"``.

    Returns:
        A scalar, or one value per class with ``average=None``.

    Examples:
        >>> y_true, y_pred = jnp.array([1, 1, 0, 0]), jnp.array([1, 0, 1, 0])
        >>> float(jaxdnn.precision(y_true, y_pred)), float(jaxdnn.recall(y_true, y_pred))
        (0.5, 0.5)
    """
    return _score("precision", y_true, y_pred, n_classes, average, pos_label)


def recall(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    n_classes: int | None = None,
    average: str | None = "binary",
    pos_label: int = 1,
) -> Array:
    """$recall = TP/(TP + FN)$, with the same label set, ``average`` options and checks as
    ``precision``; 0 when TP + FN = 0.

    P-MET-PRECISION-RECALL, P-MET-IMBALANCE (002_0dd137535febb580.txt §8.1, corrected E-48).

    Raises:
        ValueError: as ``precision``.

    Args:
        y_true: the true labels ``(n,)`` (integers).
        y_pred: the predicted labels ``(n,)``.
        n_classes: K: the label set is 0 … K−1 (required under ``jit``); default the labels present.
        average: ``"binary"`` (the class ``pos_label``), ``None`` (per class), ``"macro"``,
            ``"micro"`` or ``"weighted"``.
        pos_label: the positive class of ``average="binary"``.

    Returns:
        A scalar, or one value per class with ``average=None``.
    """
    return _score("recall", y_true, y_pred, n_classes, average, pos_label)


def f1_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    n_classes: int | None = None,
    average: str | None = "binary",
    pos_label: int = 1,
) -> Array:
    """$F = 2pr/(p + r) = 2TP/(2TP + FP + FN)$, with the same label set, ``average`` options and
    checks as ``precision``; 0 when the denominator is 0.

    P-MET-FSCORE (002_0dd137535febb580.txt §8.1).

    Raises:
        ValueError: as ``precision``.

    Args:
        y_true: the true labels ``(n,)`` (integers).
        y_pred: the predicted labels ``(n,)``.
        n_classes: K: the label set is 0 … K−1 (required under ``jit``); default the labels present.
        average: ``"binary"`` (the class ``pos_label``), ``None`` (per class), ``"macro"``,
            ``"micro"`` or ``"weighted"``.
        pos_label: the positive class of ``average="binary"``.

    Returns:
        A scalar, or one value per class with ``average=None``.
    """
    return _score("f1", y_true, y_pred, n_classes, average, pos_label)


def precision_recall_curve(
    y_true: ArrayLike, scores: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision–recall curve of binary labels (0/1) against scores: for each distinct score τ
    (increasing), predict positive iff score ≥ τ, giving $P(τ) = TP(τ)/(TP(τ) + FP(τ))$ and
    $R(τ) = TP(τ)/(TP(τ) + FN(τ))$; returns ``(precision, recall, thresholds)`` with the final
    point (precision 1, recall 0) appended, as scikit-learn does. Recall is
    non-increasing in τ. The counts are computed in JAX; the number of distinct scores depends
    on the data, so the result is compacted on the host (not jit-compatible).

    P-MET-PR-CURVE (002_0dd137535febb580.txt §8.1).

    Raises:
        ValueError: naming ``y_true`` or ``scores`` for unequal shapes, empty or non-1-D input,
            non-finite scores, or labels other than 0 and 1.

    Args:
        y_true: binary labels (0/1) ``(n,)``.
        scores: the scores of the positive class ``(n,)`` (probabilities or logits).

    Returns:
        ``(precision, recall, thresholds)`` as NumPy arrays.
    """
    y_true, scores = _pair(y_true, scores, ("y_true", "scores"), (1,))
    if _is_traced(y_true, scores):
        raise ValueError(
            "precision_recall_curve needs concrete inputs (its length is data-dependent)"
        )
    _check_labels("y_true", y_true, 2)
    check_finite("scores", scores)
    tp, fp, last_of_run, s = _pr_counts(jnp.asarray(y_true), jnp.asarray(scores))
    keep = np.asarray(last_of_run)
    tp, fp, thresholds = np.asarray(tp)[keep], np.asarray(fp)[keep], np.asarray(s)[keep]
    positives = tp[-1]
    precision_ = np.divide(tp, tp + fp, out=np.zeros(tp.shape), where=(tp + fp) > 0)
    recall_ = np.ones_like(precision_) if positives == 0 else tp / positives
    increasing = slice(None, None, -1)  # thresholds from the lowest score up
    return (
        np.concatenate([precision_[increasing], [1.0]]),
        np.concatenate([recall_[increasing], [0.0]]),
        thresholds[increasing],
    )


@jax.jit
def _pr_counts(y_true: Array, scores: Array) -> tuple[Array, Array, Array, Array]:
    """Cumulative TP and FP counts over scores sorted decreasingly, and where each run of equal
    scores ends."""
    order = jnp.argsort(-scores, stable=True)
    s, y = scores[order], y_true[order].astype(jnp.int32)
    tp = jnp.cumsum(y)
    fp = jnp.cumsum(1 - y)
    last_of_run = jnp.concatenate([s[1:] != s[:-1], jnp.array([True])])
    return tp, fp, last_of_run, s


# --- regression ---------------------------------------------------------------------------------


def _regression_pair(y_true: ArrayLike, y_pred: ArrayLike, multioutput: str) -> tuple[Array, Array]:
    """Checked regression targets and predictions, (n,) or (n, m), as floating arrays."""
    if multioutput not in MULTIOUTPUTS:
        raise ValueError(f"multioutput must be one of {MULTIOUTPUTS}, got {multioutput!r}")
    y_true, y_pred = _pair(y_true, y_pred, ("y_true", "y_pred"), (1, 2))
    if not _is_traced(y_true, y_pred):
        check_finite("y_true", y_true)
        check_finite("y_pred", y_pred)
    return _as_float(y_true), _as_float(y_pred)


def _as_float(values: Any) -> Array:
    """The values as a floating array (integers and booleans become JAX's default float)."""
    values = jnp.asarray(values)
    if jnp.issubdtype(values.dtype, jnp.floating):
        return values
    return values.astype(jnp.result_type(float))


def _per_output(errors: Array, multioutput: str, finish=None) -> Array:
    """Mean over samples of per-sample errors, per output (2-D), then ``finish`` (e.g. √) per
    output, then averaged over outputs unless ``"raw_values"``."""
    per_output = jnp.mean(errors, axis=0)
    if finish is not None:
        per_output = finish(per_output)
    if per_output.ndim == 0 or multioutput == "raw_values":
        return per_output
    return jnp.mean(per_output)


@partial(jax.jit, static_argnums=2)
def _mse(y_true: Array, y_pred: Array, multioutput: str) -> Array:
    d = y_true - y_pred
    return _per_output(d * d, multioutput)


def mse(y_true: ArrayLike, y_pred: ArrayLike, multioutput: str = "uniform_average") -> Array:
    """$MSE = (1/n) Σ_{i=1}^{n} (y_i − ŷ_i)²$ (002 sums i = 0…n, E-44); MSE = 2 × the primer's
    cost C. For (n, m) targets: the mean over outputs of the per-output MSEs, or those m values
    with ``multioutput="raw_values"`` (scikit-learn's ``mean_squared_error``).

    P-MET-MSE (002_0dd137535febb580.txt §8.3 eq (15), corrected E-44).

    Raises:
        ValueError: naming the argument for unequal shapes, empty input, a rank other than 1
            or 2, non-finite values (when concrete) or an unknown ``multioutput``.

    Args:
        y_true: the true values ``(n,)`` or ``(n, m)``.
        y_pred: the predictions, of ``y_true``'s shape.
        multioutput: ``"uniform_average"`` (the mean over outputs) or ``"raw_values"``.

    Returns:
        A scalar, or ``(m,)`` with ``multioutput="raw_values"``.
    """
    return _mse(*_regression_pair(y_true, y_pred, multioutput), multioutput)


@partial(jax.jit, static_argnums=2)
def _rmse(y_true: Array, y_pred: Array, multioutput: str) -> Array:
    d = y_true - y_pred
    return _per_output(d * d, multioutput, jnp.sqrt)


def rmse(y_true: ArrayLike, y_pred: ArrayLike, multioutput: str = "uniform_average") -> Array:
    """$RMSE = √MSE$; for (n, m) targets the mean over outputs of the per-output RMSEs (not the
    root of the overall MSE), as scikit-learn's ``root_mean_squared_error``.

    P-MET-RMSE (002_0dd137535febb580.txt §8.3 eq (16), corrected E-44).

    Raises:
        ValueError: as ``mse``.

    Args:
        y_true: the true values ``(n,)`` or ``(n, m)``.
        y_pred: the predictions, of ``y_true``'s shape.
        multioutput: ``"uniform_average"`` (the mean over outputs) or ``"raw_values"``.

    Returns:
        A scalar, or ``(m,)`` with ``multioutput="raw_values"``.
    """
    return _rmse(*_regression_pair(y_true, y_pred, multioutput), multioutput)


@partial(jax.jit, static_argnums=2)
def _mae(y_true: Array, y_pred: Array, multioutput: str) -> Array:
    return _per_output(jnp.abs(y_true - y_pred), multioutput)


def mae(y_true: ArrayLike, y_pred: ArrayLike, multioutput: str = "uniform_average") -> Array:
    """$MAE = (1/n) Σ_i abs(y_i − ŷ_i) ≥ 0$, 0 iff the predictions are perfect (E-58); per output
    for (n, m) targets as ``mse``.

    P-MET-MAE (002_0dd137535febb580.txt §8.4 eq (17), corrected E-44).

    Raises:
        ValueError: as ``mse``.

    Args:
        y_true: the true values ``(n,)`` or ``(n, m)``.
        y_pred: the predictions, of ``y_true``'s shape.
        multioutput: ``"uniform_average"`` (the mean over outputs) or ``"raw_values"``.

    Returns:
        A scalar, or ``(m,)`` with ``multioutput="raw_values"``.
    """
    return _mae(*_regression_pair(y_true, y_pred, multioutput), multioutput)


@partial(jax.jit, static_argnums=2)
def _mape(y_true: Array, y_pred: Array, multioutput: str) -> Array:
    denominator = jnp.maximum(jnp.abs(y_true), FLOAT64_EPS)
    return _per_output(jnp.abs(y_true - y_pred) / denominator, multioutput)


def mape(y_true: ArrayLike, y_pred: ArrayLike, multioutput: str = "uniform_average") -> Array:
    """$MAPE = (1/n) Σ_i abs(y_i − ŷ_i) / max(abs(y_i), ε)$, a fraction (×100 for percent); ε is
    float64's machine epsilon 2.2e−16 whatever the input dtype, as in scikit-learn (decision 8).
    002 divides by y_i, which is negative for negative targets (E-45). Per output for (n, m)
    targets as ``mse``.

    P-MET-MAPE (002_0dd137535febb580.txt §8.5 eq (18), corrected E-45).

    Raises:
        ValueError: as ``mse``.

    Args:
        y_true: the true values ``(n,)`` or ``(n, m)``.
        y_pred: the predictions, of ``y_true``'s shape.
        multioutput: ``"uniform_average"`` (the mean over outputs) or ``"raw_values"``.

    Returns:
        A scalar, or ``(m,)`` with ``multioutput="raw_values"``.
    """
    return _mape(*_regression_pair(y_true, y_pred, multioutput), multioutput)
