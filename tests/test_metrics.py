"""Metrics as functions: the label sets of decisions 7 and 8, the cases where scikit-learn
raises or answers, shapes refused, and metrics under jit. (What each metric computes is the
catalogue's P-MET-… entries.)"""

import warnings

import numpy as np
import pytest
from hypothesis import strategies as st
from sklearn import metrics as skm

import jaxdnn.testing as jt
from jaxdnn import metrics as m

K = 4
N = 24  # fixed sample count: one compiled program per metric


def labels(k=K):
    return st.lists(st.integers(0, k - 1), min_size=N, max_size=N).map(np.asarray)


def test_metrics_reject_unknown_average():
    with pytest.raises(ValueError, match="average must be one of"):
        m.precision(np.zeros(3, int), np.zeros(3, int), 2, "samples")


def test_macro_average_of_absent_classes_follows_the_label_set():
    """Perfect predictions of classes {2, 3}: macro precision 1.0 over the present labels
    (scikit-learn's default) and 0.5 over range(4) (``labels=range(4)``)."""
    y = np.array([2, 3, 2, 3])
    assert float(m.precision(y, y, average="macro")) == 1.0
    assert float(m.precision(y, y, 4, average="macro")) == 0.5
    assert skm.precision_score(y, y, average="macro") == 1.0


# Calls where scikit-learn raises a ValueError: jaxdnn must raise one too, naming the argument.
MULTICLASS = (np.array([0, 1, 2, 2, 1, 0, 2]), np.array([0, 2, 2, 1, 1, 0, 0]))
BOTH_RAISE = {
    "precision binary on 3 classes": (
        lambda: m.precision(*MULTICLASS),
        lambda: skm.precision_score(*MULTICLASS),
        "average='binary'",
    ),
    "recall binary on 3 classes": (
        lambda: m.recall(*MULTICLASS),
        lambda: skm.recall_score(*MULTICLASS),
        "average='binary'",
    ),
    "f1 binary on 3 classes": (
        lambda: m.f1_score(*MULTICLASS),
        lambda: skm.f1_score(*MULTICLASS),
        "average='binary'",
    ),
    "pos_label absent from two labels": (
        lambda: m.precision(np.array([0, 2, 0]), np.array([2, 2, 0])),
        lambda: skm.precision_score(np.array([0, 2, 0]), np.array([2, 2, 0])),
        "pos_label=1",
    ),
    "accuracy unequal lengths": (
        lambda: m.accuracy(np.arange(4), np.arange(5)),
        lambda: skm.accuracy_score(np.arange(4), np.arange(5)),
        "y_true and y_pred",
    ),
    "precision unequal lengths": (
        lambda: m.precision(np.zeros(4, int), np.zeros(5, int)),
        lambda: skm.precision_score(np.zeros(4, int), np.zeros(5, int)),
        "y_true and y_pred",
    ),
    "confusion matrix unequal lengths": (
        lambda: m.confusion_matrix(np.zeros(4, int), np.zeros(5, int)),
        lambda: skm.confusion_matrix(np.zeros(4, int), np.zeros(5, int)),
        "y_true and y_pred",
    ),
    "accuracy of continuous values": (
        lambda: m.accuracy(np.array([0.5, 1.5]), np.array([0.5, 1.5])),
        lambda: skm.accuracy_score(np.array([0.5, 1.5]), np.array([0.5, 1.5])),
        "y_true must hold class labels",
    ),
    "recall of continuous labels": (
        lambda: m.recall(np.array([0.5, 1.0]), np.array([1.0, 1.0])),
        lambda: skm.recall_score(np.array([0.5, 1.0]), np.array([1.0, 1.0])),
        "y_true must hold class labels",
    ),
    "mse unequal lengths": (
        lambda: m.mse(np.zeros(3), np.zeros(4)),
        lambda: skm.mean_squared_error(np.zeros(3), np.zeros(4)),
        "y_true and y_pred",
    ),
    "mse NaN target": (
        lambda: m.mse(np.array([1.0, np.nan]), np.zeros(2)),
        lambda: skm.mean_squared_error(np.array([1.0, np.nan]), np.zeros(2)),
        "y_true of shape .* has a non-finite value",
    ),
    "rmse infinite prediction": (
        lambda: m.rmse(np.zeros(2), np.array([1.0, np.inf])),
        lambda: skm.root_mean_squared_error(np.zeros(2), np.array([1.0, np.inf])),
        "y_pred of shape .* has a non-finite value",
    ),
    "mae empty": (
        lambda: m.mae(np.zeros(0), np.zeros(0)),
        lambda: skm.mean_absolute_error(np.zeros(0), np.zeros(0)),
        "empty",
    ),
    "mape NaN prediction": (
        lambda: m.mape(np.ones(2), np.array([np.nan, 1.0])),
        lambda: skm.mean_absolute_percentage_error(np.ones(2), np.array([np.nan, 1.0])),
        "y_pred of shape .* has a non-finite value",
    ),
    "mse unknown multioutput": (
        lambda: m.mse(np.zeros((3, 2)), np.zeros((3, 2)), "variance_weighted_sum"),
        lambda: skm.mean_squared_error(np.zeros((3, 2)), np.zeros((3, 2)), multioutput="bad"),
        "multioutput",
    ),
    "pr curve on 3 classes": (
        lambda: m.precision_recall_curve(np.array([0, 1, 2]), np.array([0.1, 0.5, 0.9])),
        lambda: skm.precision_recall_curve(np.array([0, 1, 2]), np.array([0.1, 0.5, 0.9])),
        "y_true must hold class labels",
    ),
    "pr curve NaN score": (
        lambda: m.precision_recall_curve(np.array([0, 1]), np.array([0.1, np.nan])),
        lambda: skm.precision_recall_curve(np.array([0, 1]), np.array([0.1, np.nan])),
        "scores of shape .* has a non-finite value",
    ),
    "pr curve unequal lengths": (
        lambda: m.precision_recall_curve(np.array([0, 1]), np.array([0.1, 0.2, 0.3])),
        lambda: skm.precision_recall_curve(np.array([0, 1]), np.array([0.1, 0.2, 0.3])),
        "y_true and scores",
    ),
}


@pytest.mark.parametrize("case", sorted(BOTH_RAISE))
def test_metrics_raise_where_sklearn_raises(case):
    ours, theirs, message = BOTH_RAISE[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError):
            theirs()
    with pytest.raises(ValueError, match=message):
        ours()


def test_mixed_label_types_are_refused():
    """Integer labels against strings: a ValueError naming y_pred (recent scikit-learn raises
    too; before 1.9 it answered 0.0)."""
    with pytest.raises(ValueError, match="y_pred must hold real numbers"):
        m.accuracy(np.array([0, 1]), np.array(["a", "b"]))


# Calls where scikit-learn returns a number: jaxdnn returns the same number.
BOTH_ANSWER = {
    "binary on labels {1, 2}, pos_label 1": (
        lambda: m.precision(np.array([1, 2, 1]), np.array([1, 2, 2])),
        lambda: skm.precision_score(np.array([1, 2, 1]), np.array([1, 2, 2])),
    ),
    "binary, only negatives": (
        lambda: m.recall(np.zeros(4, int), np.zeros(4, int)),
        lambda: skm.recall_score(np.zeros(4, int), np.zeros(4, int), zero_division=0),
    ),
    "binary pos_label 0": (
        lambda: m.f1_score(np.array([0, 1, 0, 1]), np.array([0, 0, 0, 1]), pos_label=0),
        lambda: skm.f1_score(np.array([0, 1, 0, 1]), np.array([0, 0, 0, 1]), pos_label=0),
    ),
    "multi-label subset accuracy": (
        lambda: m.accuracy(np.array([[1, 0], [1, 1]]), np.array([[1, 1], [1, 1]])),
        lambda: skm.accuracy_score(np.array([[1, 0], [1, 1]]), np.array([[1, 1], [1, 1]])),
    ),
    "accuracy of labels -1 and 1": (
        lambda: m.accuracy(np.array([-1, 1, 1]), np.array([1, 1, -1])),
        lambda: skm.accuracy_score(np.array([-1, 1, 1]), np.array([1, 1, -1])),
    ),
    "float labels with integer values": (
        lambda: m.precision(np.array([0.0, 1.0, 1.0]), np.array([1.0, 1.0, 0.0])),
        lambda: skm.precision_score(np.array([0.0, 1.0, 1.0]), np.array([1.0, 1.0, 0.0])),
    ),
    "rmse of 2-D targets averages per output": (
        lambda: m.rmse(np.array([[1.0, 2], [3, 4], [5, 6]]), np.array([[1.0, 12], [3, 4], [5, 6]])),
        lambda: skm.root_mean_squared_error(
            np.array([[1.0, 2], [3, 4], [5, 6]]), np.array([[1.0, 12], [3, 4], [5, 6]])
        ),
    ),
    "mae raw values": (
        lambda: m.mae(np.array([[1.0, 2], [3, 4]]), np.array([[2.0, 2], [3, 7]]), "raw_values"),
        lambda: skm.mean_absolute_error(
            np.array([[1.0, 2], [3, 4]]), np.array([[2.0, 2], [3, 7]]), multioutput="raw_values"
        ),
    ),
    "mse of integer targets": (
        lambda: m.mse(np.array([1, 2, 3]), np.array([1, 2, 5])),
        lambda: skm.mean_squared_error(np.array([1, 2, 3]), np.array([1, 2, 5])),
    ),
    "mape zero target, float32 input": (
        lambda: m.mape(np.array([0, 2, 4], np.float32), np.array([1, 2, 3], np.float32)),
        lambda: skm.mean_absolute_percentage_error(
            np.array([0, 2, 4], np.float32), np.array([1, 2, 3], np.float32)
        ),
    ),
    "python lists": (
        lambda: m.f1_score([0, 1, 2, 2], [0, 2, 2, 2], average="weighted"),
        lambda: skm.f1_score([0, 1, 2, 2], [0, 2, 2, 2], average="weighted", zero_division=0),
    ),
}


@pytest.mark.parametrize("case", sorted(BOTH_ANSWER))
def test_metrics_answer_where_sklearn_answers(case):
    ours, theirs = BOTH_ANSWER[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = theirs()
    jt.assert_close(np.asarray(ours(), dtype=np.float64), expected, rtol=1e-6)


def test_metrics_refuse_broadcasting_shapes_whatever_the_promotion_mode():
    """(5,) against (5, 1) would broadcast to 5×5 (accuracy 0.2, MSE 4.0): refused, also with
    JAX's default rank promotion."""
    import jax

    with jax.numpy_rank_promotion("allow"):
        for metric in (m.accuracy, m.mse, m.rmse, m.mae, m.mape, m.precision, m.confusion_matrix):
            with pytest.raises(ValueError, match=r"same shape \(no broadcasting\)"):
                metric(np.arange(5), np.arange(5).reshape(5, 1))


def test_metrics_check_labels_against_n_classes():
    """Labels outside [0, n_classes) raise instead of being dropped (n_classes=2 on labels 0–2)
    or wrapped around (−1 counted as class K−1)."""
    y_true, y_pred = np.array([0, 1, 2, 2, 1, 0, 2]), np.array([0, 2, 2, 1, 1, 0, 0])
    with pytest.raises(ValueError, match=r"y_true must hold class labels in \[0, 2\)"):
        m.confusion_matrix(y_true, y_pred, 2)
    with pytest.raises(ValueError, match=r"y_true must hold class labels ≥ 0, got -1"):
        m.recall(np.array([-1, 1, 1]), np.array([1, 1, -1]))
    with pytest.raises(ValueError, match="n_classes must be a positive integer"):
        m.precision(y_true, y_pred, 0, "macro")


def test_metrics_under_jit_need_n_classes_and_skip_value_checks():
    import jax

    y = np.array([0, 1, 2, 2])
    jitted = jax.jit(lambda a, b: m.precision(a, b, 3, "macro"))
    jt.assert_close(jitted(y, y), 1.0)
    with pytest.raises(ValueError, match="n_classes must be given when the labels are traced"):
        jax.jit(lambda a, b: m.recall(a, b, average="macro"))(y, y)
    with pytest.raises(ValueError, match="average='binary' needs n_classes <= 2 under jit"):
        jax.jit(lambda a, b: m.f1_score(a, b, 3))(y, y)
    with pytest.raises(ValueError, match="same shape"):
        jax.jit(m.mse)(np.zeros(3), np.zeros((3, 1)))


values = st.lists(jt.finite_floats(-100, 100), min_size=N, max_size=N).map(np.asarray)
