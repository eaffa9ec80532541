"""Classification and regression metrics, checked against scikit-learn (002_0dd137535febb580.txt
§8).
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.catalogue._registry import (
    D2,
    Draw,
    Erratum,
    Pair,
    erratum,
    proposition,
)
from jaxdnn.catalogue._support import (
    le,
    same,
)

# --- §2.L metrics (against scikit-learn) --------------------------------------------------------


def _labels(draw: Draw, n_classes: int, n: int = 12) -> np.ndarray:
    return np.array([draw(st.integers(0, n_classes - 1)) for _ in range(n)])


@proposition(
    "P-MET-ACCURACY",
    "stated",
    (
        "accuracy = (1/n) Σ_i 𝟙[ŷ_i = y_i], with ŷ_i = argmax_j N(x_i)_j; error = 1 − accuracy; "
        "several sigmoid outputs: ŷ_i = y_i for every output (exact match)"
    ),
    f"{D2} §8.1",
)
def met_accuracy(draw: Draw) -> list[Pair]:
    from sklearn.metrics import accuracy_score

    y, yhat = _labels(draw, 3), _labels(draw, 3)
    P = np.stack([draw(jt.simplex_points(size=3)) for _ in range(4)])
    ties = np.array([[0.4, 0.4, 0.2], [0.1, 0.3, 0.3]])  # a tie goes to the lowest index
    T, Tp = _indicators(draw), _indicators(draw)  # several sigmoid outputs: exact match
    return [
        (jd.accuracy(T, Tp), accuracy_score(T, Tp)),
        (jd.accuracy(T, Tp), np.mean(np.all(T == Tp, axis=1))),
        (jd.accuracy(y, yhat), accuracy_score(y, yhat)),
        le(jd.accuracy(y, yhat), 1.0),
        le(-jd.accuracy(y, yhat), 0.0),
        (jd.predict_class(P), np.argmax(P, axis=1)),
        same(np.array_equal(jd.predict_class(ties), [0, 1])),
    ]


@proposition(
    "P-MET-IMBALANCE",
    "corrected",
    (
        "with 95 % of one class, predicting that class always gives accuracy 0.95 and recall 0 on "
        "the other"
    ),
    f"{D2} §8.1",
)
def met_imbalance(draw: Draw) -> list[Pair]:
    y = np.array([0] * 95 + [1] * 5)
    perm = np.random.default_rng(draw(st.integers(0, 2**31 - 1))).permutation(100)
    y, yhat = y[perm], np.zeros(100, dtype=int)
    return [(jd.accuracy(y, yhat), 0.95), (jd.recall(y, yhat), 0.0), (jd.precision(y, yhat), 0.0)]


@erratum(
    "E-48",
    "95 % accessories: always predicting 'accessory' gives accuracy 0.95 and finds no phone",
    f"{D2} §8.1",
    printed="'95 of the examples', 'an accuracy of 95'",
    why="the percent signs are lost: an accuracy lies in [0, 1]",
)
def e48(draw: Draw) -> Erratum:
    y, yhat = np.array([0] * 95 + [1] * 5), np.zeros(100, dtype=int)
    return Erratum([(jd.accuracy(y, yhat), 0.95)], [(95.0, 0.95)])


@proposition(
    "P-MET-PRECISION-RECALL",
    "derived",
    (
        "precision = TP/(TP + FP), recall = TP/(TP + FN) (per class; macro, micro and weighted "
        "averages; several sigmoid outputs: per output)"
    ),
    f"{D2} §8.1",
)
def met_precision_recall(draw: Draw) -> list[Pair]:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    k = draw(st.sampled_from([2, 3]))
    y, yhat = _labels(draw, k), _labels(draw, 2)  # with k = 3, a class never predicted
    pairs = [(jd.confusion_matrix(y, yhat, k), confusion_matrix(y, yhat, labels=range(k)))]
    for average in (["binary"] if k == 2 else []) + [None, "macro", "micro", "weighted"]:
        kw = {"average": average, "zero_division": 0}
        p, r, _, _ = precision_recall_fscore_support(y, yhat, labels=range(k), **kw)
        pairs += [(jd.precision(y, yhat, k, average), p), (jd.recall(y, yhat, k, average), r)]
        if average != "binary":  # without n_classes: the labels present, scikit-learn's default
            p, r, _, _ = precision_recall_fscore_support(y, yhat, **kw)
            pairs += [
                (jd.precision(y, yhat, average=average), p),
                (jd.recall(y, yhat, average=average), r),
            ]
    with warnings.catch_warnings():  # scikit-learn warns when only one label is present
        warnings.simplefilter("ignore", UserWarning)
        pairs.append((jd.confusion_matrix(y, yhat), confusion_matrix(y, yhat)))
    # several sigmoid outputs: (n, 3) 0/1 label indicators, one binary problem per column
    T, P = _indicators(draw), _indicators(draw)
    for average in (None, "macro", "micro", "weighted"):
        p, r, _, _ = precision_recall_fscore_support(T, P, average=average, zero_division=0)
        pairs += [(jd.precision(T, P, average=average), p), (jd.recall(T, P, average=average), r)]
    return pairs


def _indicators(draw: Draw, n: int = 12, m: int = 3) -> np.ndarray:
    return np.array([[draw(st.integers(0, 1)) for _ in range(m)] for _ in range(n)])


@proposition(
    "P-MET-FSCORE",
    "stated",
    "F₁ = 2pr/(p + r) = 2TP/(2TP + FP + FN)",
    f"{D2} §8.1",
)
def met_fscore(draw: Draw) -> list[Pair]:
    from sklearn.metrics import f1_score

    y, yhat = _labels(draw, 2), _labels(draw, 2)
    f = jd.f1_score(y, yhat)
    p, r = float(jd.precision(y, yhat)), float(jd.recall(y, yhat))
    y3, yhat3 = _labels(draw, 3), _labels(draw, 3)
    averages = [
        (
            jd.f1_score(y3, yhat3, 4, average),
            f1_score(y3, yhat3, average=average, labels=range(4), zero_division=0),
        )
        for average in (None, "macro", "micro", "weighted")
    ]
    T, P = _indicators(draw), _indicators(draw)  # several sigmoid outputs: per column
    averages += [
        (jd.f1_score(T, P, average=average), f1_score(T, P, average=average, zero_division=0))
        for average in (None, "macro", "micro", "weighted")
    ]
    return [
        (f, f1_score(y, yhat, zero_division=0)),
        (f, 2 * p * r / (p + r) if p + r > 0 else 0.0),
        le(min(p, r), f + 1e-12),
        le(f, max(p, r) + 1e-12),
        *averages,
    ]


@proposition(
    "P-MET-PR-CURVE",
    "stated",
    (
        "for each threshold τ among the scores, predict positive iff score ≥ τ; the curve is "
        "(recall(τ), precision(τ)), recall non-increasing in τ"
    ),
    f"{D2} §8.1",
)
def met_pr_curve(draw: Draw) -> list[Pair]:
    from sklearn.metrics import precision_recall_curve

    y = _labels(draw, 2)
    y[0] = 1
    scores = np.array([draw(st.integers(0, 6)) / 6 for _ in y])  # ties
    p, r, t = jd.precision_recall_curve(y, scores)
    sp, sr, stt = precision_recall_curve(y, scores)
    return [(p, sp), (r, sr), (t, stt), same(bool(np.all(np.diff(r) <= 0)))]


@proposition(
    "P-MET-MSE",
    "corrected",
    "MSE = (1/n) Σ_i (y_i − ŷ_i)²",
    f"{D2} §8.3 eq (15)",
)
def met_mse(draw: Draw) -> list[Pair]:
    from sklearn.metrics import mean_squared_error

    y, yhat = draw(jt.vectors(size=6)), draw(jt.vectors(size=6))
    return [
        (jd.mse(np.array([3.0]), np.array([1.0])), 4.0),  # n = 1: one sample
        (jd.mse(y, yhat), mean_squared_error(y, yhat)),
        (jd.mse(y, yhat), 2 * jd.half_mean_squared_error(yhat, y)),
    ]


@proposition(
    "P-MET-RMSE",
    "corrected",
    "RMSE = √MSE",
    f"{D2} §8.3 eq (16)",
)
def met_rmse(draw: Draw) -> list[Pair]:
    from sklearn.metrics import root_mean_squared_error

    y, yhat = draw(jt.vectors(size=6)), draw(jt.vectors(size=6))
    return [
        (jd.rmse(y, yhat), root_mean_squared_error(y, yhat)),
        le(jd.mae(y, yhat), jd.rmse(y, yhat)),
    ]


@proposition(
    "P-MET-MAE",
    "corrected",
    "MAE = (1/n) Σ_i |y_i − ŷ_i| ≥ 0, 0 iff every prediction is exact",
    f"{D2} §8.4 eq (17)",
)
def met_mae(draw: Draw) -> list[Pair]:
    from sklearn.metrics import mean_absolute_error

    y, yhat = draw(jt.vectors(size=6)), draw(jt.vectors(size=6))
    return [
        (jd.mae(y, yhat), mean_absolute_error(y, yhat)),
        le(jd.rmse(y, yhat), np.max(np.abs(y - yhat))),
    ]


@erratum(
    "E-44",
    "the metric sums run over i = 1…n, n terms for the factor 1/n",
    f"{D2} §8.3–8.5",
    printed="Σ_{i=0}^{n}, n + 1 terms",
    why="the mean divides n + 1 terms by n",
)
def e44(draw: Draw) -> Erratum:
    y, yhat = draw(jt.vectors(size=1)), draw(jt.vectors(size=1))
    y = y + 1.0 + np.abs(yhat)
    correct = (y[0] - yhat[0]) ** 2
    printed = 2 * (y[0] - yhat[0]) ** 2  # n + 1 = 2 terms over 1/n (the extra term repeated)
    return Erratum([(jd.mse(y, yhat), correct)], [(printed, correct)])


@erratum(
    "E-58",
    "MAE is non-negative and 0 exactly for perfect predictions",
    f"{D2} §8.4",
    printed="MAE is always positive",
    why="a perfect prediction has MAE 0",
    without_formula="words",
)
def e58(draw: Draw) -> list[Pair]:
    y = draw(jt.vectors(size=5))
    return [(jd.mae(y, y), 0.0)]


@proposition(
    "P-MET-MAPE",
    "corrected",
    "MAPE = (1/n) Σ_i |y_i − ŷ_i| / |y_i| for y_i ≠ 0, a fraction (×100 for percent)",
    f"{D2} §8.5 eq (18)",
)
def met_mape(draw: Draw) -> list[Pair]:
    from sklearn.metrics import mean_absolute_percentage_error

    y = draw(jt.vectors(size=6))
    y = np.where(np.abs(y) < 0.5, 0.5 + np.abs(y), y)
    yhat = draw(jt.vectors(size=6))
    zero, zero_hat = np.array([0.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0])  # y = 0: max(|y|, ε)
    return [
        (jd.mape(y, yhat), mean_absolute_percentage_error(y, yhat)),
        (jd.mape(zero, zero_hat), mean_absolute_percentage_error(zero, zero_hat)),
        same(float(jd.mape(zero, zero_hat)) > 1e15),
    ]


@erratum(
    "E-45",
    "MAPE = (1/n) Σ_i |y_i − ŷ_i|/|y_i|, a fraction",
    f"{D2} §8.5 eq (18)",
    printed="(1/n) Σ_i |y_i − ŷ_i|/y_i, called a percentage",
    why="negative targets give negative errors; the value is a fraction, ×100 for percent",
)
def e45(draw: Draw) -> Erratum:
    y = -1.0 - np.abs(draw(jt.vectors(size=4)))
    yhat = draw(jt.vectors(size=4))
    correct = np.mean(np.abs(y - yhat) / np.abs(y))
    printed = np.mean(np.abs(y - yhat) / y)
    return Erratum([(jd.mape(y, yhat), correct)], [(printed, correct)])
