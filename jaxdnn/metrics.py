"""Classification and regression metrics (catalogue §2.L; 002_0dd137535febb580.txt §8).

Pure JAX and jit-compatible, following scikit-learn's conventions (decision 7): class labels
are integers 0…K−1; a zero denominator gives 0, not an exception; multi-class precision, recall
and F1 take ``average`` in {None, "macro", "micro", "weighted"}; argmax ties go to the lowest
index. MAPE is a fraction with denominator max(abs(y), ε) (decision 8).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

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


@jax.jit
def predict_class(probabilities: ArrayLike) -> Array:
    """ŷ_i = argmax_j N(x_i)_j, ties to the lowest index (``jnp.argmax``).

    P-MET-ACCURACY (002_0dd137535febb580.txt §8.1).
    """
    return jnp.argmax(jnp.asarray(probabilities), axis=-1)


@jax.jit
def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """accuracy = (1/n) Σ_i 𝟙[ŷ_i = y_i]; the error rate is 1 − accuracy.

    P-MET-ACCURACY (002_0dd137535febb580.txt §8.1).
    """
    hits = jnp.asarray(y_true) == jnp.asarray(y_pred)
    return jnp.mean(hits.astype(jnp.result_type(float)))


@partial(jax.jit, static_argnames="n_classes")
def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> Array:
    """C[i, j] = number of samples of true class i predicted as class j (rows: truth).

    P-MET-PRECISION-RECALL (002_0dd137535febb580.txt §8.1, the counts TP, FP, FN).
    """
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    return jnp.zeros((n_classes, n_classes), jnp.result_type(int)).at[y_true, y_pred].add(1)


def _safe_divide(numerator: Array, denominator: Array) -> Array:
    """numerator / denominator, and 0 where the denominator is 0 (scikit-learn's policy)."""
    safe = jnp.where(denominator == 0, 1, denominator)
    return jnp.where(denominator == 0, 0.0, numerator / safe)


def _counts(y_true: Array, y_pred: Array, n_classes: int) -> tuple[Array, Array, Array, Array]:
    cm = confusion_matrix(y_true, y_pred, n_classes).astype(jnp.result_type(float))
    tp = jnp.diag(cm)
    return tp, cm.sum(axis=0) - tp, cm.sum(axis=1) - tp, cm.sum(axis=1)  # tp, fp, fn, support


def _average(per_class: Array, support: Array, average: str | None, pos_label: int) -> Array:
    if average is None:
        return per_class
    if average == "binary":
        return per_class[pos_label]
    if average == "macro":
        return jnp.mean(per_class)
    return _safe_divide(jnp.sum(per_class * support), jnp.sum(support))  # weighted


def _score(kind: str, y_true, y_pred, n_classes, average, pos_label) -> Array:
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    tp, fp, fn, support = _counts(y_true, y_pred, n_classes)
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    p, r = _safe_divide(tp, tp + fp), _safe_divide(tp, tp + fn)
    per_class = {"precision": p, "recall": r, "f1": _safe_divide(2 * tp, 2 * tp + fp + fn)}[kind]
    return per_class if average == "micro" else _average(per_class, support, average, pos_label)


@partial(jax.jit, static_argnames=("n_classes", "average", "pos_label"))
def precision(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    n_classes: int = 2,
    average: str | None = "binary",
    pos_label: int = 1,
) -> Array:
    """precision = TP/(TP + FP) for the positive class (``average="binary"``), per class
    (``None``), or averaged (macro: mean over classes; micro: from summed counts; weighted: by
    support). 0 when TP + FP = 0.

    P-MET-PRECISION-RECALL (002_0dd137535febb580.txt §8.1, used there without a formula).
    """
    return _score("precision", y_true, y_pred, n_classes, average, pos_label)


@partial(jax.jit, static_argnames=("n_classes", "average", "pos_label"))
def recall(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    n_classes: int = 2,
    average: str | None = "binary",
    pos_label: int = 1,
) -> Array:
    """recall = TP/(TP + FN), with the same ``average`` options as ``precision``; 0 when
    TP + FN = 0.

    P-MET-PRECISION-RECALL, P-MET-IMBALANCE (002_0dd137535febb580.txt §8.1, corrected E-48).
    """
    return _score("recall", y_true, y_pred, n_classes, average, pos_label)


@partial(jax.jit, static_argnames=("n_classes", "average", "pos_label"))
def f1_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    n_classes: int = 2,
    average: str | None = "binary",
    pos_label: int = 1,
) -> Array:
    """F = 2pr/(p + r) = 2TP/(2TP + FP + FN), with the same ``average`` options as
    ``precision``; 0 when the denominator is 0.

    P-MET-FSCORE (002_0dd137535febb580.txt §8.1).
    """
    return _score("f1", y_true, y_pred, n_classes, average, pos_label)


def precision_recall_curve(
    y_true: ArrayLike, scores: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision–recall curve of binary labels against scores: for each distinct score τ
    (increasing), predict positive iff score ≥ τ; returns ``(precision, recall, thresholds)``
    with the final point (precision 1, recall 0) appended, as scikit-learn does. Recall is
    non-increasing in τ. The counts are computed in JAX; the number of distinct scores depends
    on the data, so the result is compacted on the host (not jit-compatible).

    P-MET-PR-CURVE (002_0dd137535febb580.txt §8.1).
    """
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


def _as_float(values: ArrayLike) -> Array:
    """The values as a floating array (integers become JAX's default float)."""
    values = jnp.asarray(values)
    if jnp.issubdtype(values.dtype, jnp.floating):
        return values
    return values.astype(jnp.result_type(float))


@jax.jit
def mse(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """MSE = (1/n) Σ_{i=1}^{n} (y_i − ŷ_i)² (002 sums i = 0…n, E-44); MSE = 2 × the primer's
    cost C.

    P-MET-MSE (002_0dd137535febb580.txt §8.3 eq (15), corrected E-44).
    """
    d = _as_float(y_true) - _as_float(y_pred)
    return jnp.mean(d * d)


@jax.jit
def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """RMSE = √MSE.

    P-MET-RMSE (002_0dd137535febb580.txt §8.3 eq (16), corrected E-44).
    """
    return jnp.sqrt(mse(y_true, y_pred))


@jax.jit
def mae(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """MAE = (1/n) Σ_i abs(y_i − ŷ_i) ≥ 0, 0 iff the predictions are perfect (E-58).

    P-MET-MAE (002_0dd137535febb580.txt §8.4 eq (17), corrected E-44).
    """
    return jnp.mean(jnp.abs(_as_float(y_true) - _as_float(y_pred)))


@jax.jit
def mape(y_true: ArrayLike, y_pred: ArrayLike) -> Array:
    """MAPE = (1/n) Σ_i abs(y_i − ŷ_i) / max(abs(y_i), ε), a fraction (×100 for percent); ε is
    the machine epsilon of the dtype, as in scikit-learn (decision 8). 002 divides by y_i,
    which is negative for negative targets (E-45).

    P-MET-MAPE (002_0dd137535febb580.txt §8.5 eq (18), corrected E-45).
    """
    y_true, y_pred = _as_float(y_true), _as_float(y_pred)
    eps = jnp.finfo(y_true.dtype).eps
    return jnp.mean(jnp.abs(y_true - y_pred) / jnp.maximum(jnp.abs(y_true), eps))
