"""Metrics against scikit-learn (catalogue §2.L; decisions 7, 8; errata E-44, E-45, E-48)."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm

import jaxdnn.testing as jt
from jaxdnn import metrics as m

K = 4
N = 24  # fixed sample count: one compiled program per metric


def labels(k=K):
    return st.lists(st.integers(0, k - 1), min_size=N, max_size=N).map(np.asarray)


@given(labels(), labels())
def test_P_MET_ACCURACY_equals_sklearn(y_true, y_pred):
    """P-MET-ACCURACY: (1/n) Σ 𝟙[ŷ_i = y_i] equals accuracy_score and lies in [0, 1]."""
    value = float(m.accuracy(y_true, y_pred))
    jt.assert_close(value, skm.accuracy_score(y_true, y_pred))
    assert 0 <= value <= 1


def test_P_MET_ACCURACY_argmax_ties_go_to_lowest_index():
    np.testing.assert_array_equal(
        m.predict_class(np.array([[0.4, 0.4, 0.2], [0.1, 0.3, 0.3]])), [0, 1]
    )


@given(labels(), labels(3))  # class 3 is never predicted
def test_P_MET_PRECISION_RECALL_FSCORE_multiclass_equal_sklearn(y_true, y_pred):
    """P-MET-PRECISION-RECALL, P-MET-FSCORE: every average (None, macro, micro, weighted)
    equals scikit-learn with zero_division=0, a class never predicted included; the confusion
    matrix too."""
    np.testing.assert_array_equal(
        m.confusion_matrix(y_true, y_pred, K), skm.confusion_matrix(y_true, y_pred, labels=range(K))
    )
    for average in (None, "macro", "micro", "weighted"):
        for ours, theirs in (
            (m.precision, skm.precision_score),
            (m.recall, skm.recall_score),
            (m.f1_score, skm.f1_score),
        ):
            expected = theirs(y_true, y_pred, labels=range(K), average=average, zero_division=0)
            jt.assert_close(ours(y_true, y_pred, K, average), expected)


@given(labels(2), labels(2))
def test_P_MET_PRECISION_RECALL_FSCORE_binary(y_true, y_pred):
    """P-MET-PRECISION-RECALL, P-MET-FSCORE: binary (pos_label 1) equals scikit-learn;
    F = 2pr/(p + r) = 2TP/(2TP + FP + FN) and min(p, r) ≤ F ≤ max(p, r)."""
    p, r, f = (float(g(y_true, y_pred)) for g in (m.precision, m.recall, m.f1_score))
    jt.assert_close(p, skm.precision_score(y_true, y_pred, zero_division=0))
    jt.assert_close(r, skm.recall_score(y_true, y_pred, zero_division=0))
    jt.assert_close(f, skm.f1_score(y_true, y_pred, zero_division=0))
    if p + r > 0:
        jt.assert_close(f, 2 * p * r / (p + r))
        assert min(p, r) - 1e-12 <= f <= max(p, r) + 1e-12


def test_P_MET_IMBALANCE_E48_majority_classifier():
    """P-MET-IMBALANCE, E-48: 95 % negatives, 5 % positives, always predicting the majority:
    accuracy 0.95, minority recall 0, precision 0 by the zero-division policy."""
    y_true = np.array([0] * 95 + [1] * 5)
    y_pred = np.zeros(100, dtype=int)
    jt.assert_close(m.accuracy(y_true, y_pred), 0.95)  # a sum of 95 ones, divided by 100
    assert float(m.recall(y_true, y_pred)) == 0.0
    assert float(m.precision(y_true, y_pred)) == 0.0


def test_metrics_reject_unknown_average():
    with pytest.raises(ValueError, match="average must be one of"):
        m.precision(np.zeros(3, int), np.zeros(3, int), 2, "samples")


@given(
    labels(2),
    st.lists(
        st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]) | jt.finite_floats(0, 1),
        min_size=N,
        max_size=N,
    ).map(np.asarray),
)
def test_P_MET_PR_CURVE_equals_sklearn(y_true, scores):
    """P-MET-PR-CURVE: equals precision_recall_curve (tied scores, final point (1, 0), no
    positive label included); recall is non-increasing in the threshold."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns when no label is positive
        expected = skm.precision_recall_curve(y_true, scores)
    for ours, theirs in zip(m.precision_recall_curve(y_true, scores), expected, strict=True):
        assert ours.shape == theirs.shape
        jt.assert_close(ours, theirs)
    assert np.all(np.diff(m.precision_recall_curve(y_true, scores)[1]) <= 0)


values = st.lists(jt.finite_floats(-100, 100), min_size=N, max_size=N).map(np.asarray)


@given(values, values)
def test_P_MET_MSE_RMSE_MAE_equal_sklearn(y, y_hat):
    """P-MET-MSE, P-MET-RMSE, P-MET-MAE, E-44: the means over the n samples equal
    scikit-learn; MAE ≤ RMSE ≤ max abs error."""
    jt.assert_close(m.mse(y, y_hat), skm.mean_squared_error(y, y_hat))
    jt.assert_close(m.rmse(y, y_hat), skm.root_mean_squared_error(y, y_hat))
    jt.assert_close(m.mae(y, y_hat), skm.mean_absolute_error(y, y_hat))
    assert float(m.mae(y, y_hat)) <= float(m.rmse(y, y_hat)) + 1e-12
    assert float(m.rmse(y, y_hat)) <= np.max(np.abs(y - y_hat)) + 1e-12


def test_P_MET_MSE_single_sample_and_perfect_predictions():
    """P-MET-MSE, E-44: n = 1 needs one sample (the printed Σ_{i=0}^{n} would need two);
    E-58: MAE = 0 for perfect predictions."""
    assert float(m.mse(np.array([3.0]), np.array([1.0]))) == 4.0
    assert float(m.mae(np.array([1.0, 2.0]), np.array([1.0, 2.0]))) == 0.0


@given(values.map(lambda v: np.where(np.abs(v) < 1e-3, 1.0, v)), values)
def test_P_MET_MAPE_equals_sklearn(y, y_hat):
    """P-MET-MAPE: equals mean_absolute_percentage_error (targets away from 0)."""
    jt.assert_close(m.mape(y, y_hat), skm.mean_absolute_percentage_error(y, y_hat))


def test_P_MET_MAPE_E45_zero_and_negative_targets():
    """E-45: y = −2, ŷ = −1 gives 0.5 (printed: −0.5); y = 0 uses max(abs(y), ε), as
    scikit-learn: ≈1.5e15 for y = [0, 2, 4], ŷ = [1, 2, 3]."""
    jt.assert_close(m.mape(np.array([-2.0]), np.array([-1.0])), 0.5)
    y, y_hat = np.array([0.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0])
    jt.assert_close(m.mape(y, y_hat), skm.mean_absolute_percentage_error(y, y_hat))
    assert float(m.mape(y, y_hat)) > 1e15
