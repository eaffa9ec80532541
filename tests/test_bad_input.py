"""Bad input at every public entry point: a ValueError or TypeError that names the argument,
never a silent NaN, a broadcast, or an error from inside JAX or NumPy.

Each case runs under JAX's default promotion rules (rank promotion allowed, standard dtype
promotion), as users run it: the suite's strict conftest must not be what catches it.
"""

import re

import jax
import numpy as np
import optax
import pytest

import jaxdnn as jd

KEY = jax.random.PRNGKey(0)
PARAMS = jd.init_params(KEY, (4, 5, 3), dtype="float32")
_rng = np.random.default_rng(0)
X = _rng.normal(size=(40, 4)).astype(np.float32)
Y = np.eye(3, dtype=np.float32)[np.arange(40) % 3]
X_NAN = X.copy()
X_NAN[3, 1] = np.nan
NEXT_LAYER_TOO_WIDE = [
    {"W": np.ones((5, 4)), "b": np.zeros(5)},
    {"W": np.ones((3, 6)), "b": np.zeros(3)},
]
BIAS_MISMATCH = [{"W": np.ones((5, 4)), "b": np.zeros(4)}, {"W": np.ones((3, 5)), "b": np.zeros(3)}]
INTEGER_WEIGHTS = [{"W": np.ones((3, 4), int), "b": np.zeros(3, int)}]
OPT = jd.momentum(0.1, 0.9)
X_LS = np.c_[np.ones(10), np.arange(10.0)]
Y_LS = np.arange(10.0)
Y_LS_NAN = np.where(Y_LS == 2, np.nan, Y_LS)
LABELS = np.array([0, 1, 2, 2, 1, 0, 2])
PREDICTED = np.array([0, 2, 2, 1, 1, 0, 0])


def fit(*args, **kwargs):
    kwargs = {"key": KEY, "epochs": 1} | kwargs
    return jd.fit(*args, **kwargs)


# (call, exception type, pattern the message must match: the argument's name)
CASES = {
    # fit: parameters, key, optimizer, settings, data
    "fit params=[]": (lambda: fit([], X, Y, OPT), ValueError, r"params must hold at least one"),
    "fit params=None": (lambda: fit(None, X, Y, OPT), TypeError, r"params must be a list"),
    "fit layers that do not chain": (
        lambda: fit(NEXT_LAYER_TOO_WIDE, X, Y, OPT),
        ValueError,
        r"params\[1\]\['W'\] has shape \(3, 6\)",
    ),
    "fit bias of the wrong length": (
        lambda: fit(BIAS_MISMATCH, X, Y, OPT),
        ValueError,
        r"params\[0\]\['b'\] must have shape \(5,\)",
    ),
    "fit integer weights": (
        lambda: fit(INTEGER_WEIGHTS, X, Y, OPT),
        ValueError,
        r"params\[0\]\['W'\] must hold floating",
    ),
    "fit key=None": (lambda: fit(PARAMS, X, Y, OPT, key=None), TypeError, r"key must be a PRNG"),
    "fit key=0": (lambda: fit(PARAMS, X, Y, OPT, key=0), TypeError, r"key must be a PRNG"),
    "fit optimizer='adam'": (
        lambda: fit(PARAMS, X, Y, "adam"),
        TypeError,
        r"optimizer must be an optax",
    ),
    "fit optimizer constructor uncalled": (
        lambda: fit(PARAMS, X, Y, jd.adam),
        TypeError,
        r"optimizer .*adam is a constructor",
    ),
    "fit epochs=-1": (lambda: fit(PARAMS, X, Y, OPT, epochs=-1), ValueError, r"epochs"),
    "fit epochs=2.5": (lambda: fit(PARAMS, X, Y, OPT, epochs=2.5), ValueError, r"epochs"),
    "fit batch_size=0": (lambda: fit(PARAMS, X, Y, OPT, batch_size=0), ValueError, r"batch_size"),
    "fit X with NaN": (lambda: fit(PARAMS, X_NAN, Y, OPT), ValueError, r"X .*non-finite.*row 3"),
    "fit X 1-D": (lambda: fit(PARAMS, X[:, 0], Y, OPT), ValueError, r"X must be a matrix"),
    "fit rows differ": (lambda: fit(PARAMS, X[:30], Y, OPT), ValueError, r"X and Y .*same number"),
    "fit X of the wrong width": (lambda: fit(PARAMS, X[:, :3], Y, OPT), ValueError, r"X .*4 col"),
    "fit Y not one-hot": (lambda: fit(PARAMS, X, 2 * Y, OPT), ValueError, r"Y .*one-hot.*row 0"),
    "fit Y of the wrong width": (lambda: fit(PARAMS, X, Y[:, :2], OPT), ValueError, r"Y .*3 col"),
    "fit X of strings": (lambda: fit(PARAMS, X.astype(str), Y, OPT), ValueError, r"X must hold"),
    "fit empty data": (lambda: fit(PARAMS, X[:0], Y[:0], OPT), ValueError, r"X has no rows"),
    "fit unknown loss": (lambda: fit(PARAMS, X, Y, OPT, loss="hinge"), ValueError, r"loss must"),
    "fit hidden='relu'": (lambda: fit(PARAMS, X, Y, OPT, hidden="relu"), TypeError, r"hidden"),
    "fit X_val without Y_val": (lambda: fit(PARAMS, X, Y, OPT, X_val=X), ValueError, r"X_val"),
    "fit Y_val not one-hot": (
        lambda: fit(PARAMS, X, Y, OPT, X_val=X, Y_val=2 * Y),
        ValueError,
        r"Y_val .*one-hot",
    ),
    "fit unknown gradients": (
        lambda: fit(PARAMS, X, Y, OPT, gradients="fd"),
        ValueError,
        r"gradients",
    ),
    "fit unknown precision": (
        lambda: fit(PARAMS, X, Y, OPT, precision="int8"),
        ValueError,
        r"precision",
    ),
    "fit callback=3": (lambda: fit(PARAMS, X, Y, OPT, callback=3), TypeError, r"callback"),
    "fit unroll=0": (lambda: fit(PARAMS, X, Y, OPT, unroll=0), ValueError, r"unroll"),
    "fit mesh='cpu'": (lambda: fit(PARAMS, X, Y, OPT, mesh="cpu"), ValueError, r"mesh"),
    # evaluate, forward, objective, backprop
    "evaluate X of the wrong width": (
        lambda: jd.evaluate(PARAMS, X[:, :3], Y),
        ValueError,
        r"X .*4 col",
    ),
    "evaluate params=[]": (lambda: jd.evaluate([], X, Y), ValueError, r"params"),
    "objective with one label row for 40 samples": (
        lambda: jd.objective(PARAMS, X, Y[0]),
        ValueError,
        r"logits and target must have the same shape",
    ),
    "objective rows differ": (
        lambda: jd.objective(PARAMS, X, Y[:30]),
        ValueError,
        r"logits and target",
    ),
    "objective layers that do not chain": (
        lambda: jd.objective(NEXT_LAYER_TOO_WIDE, X, Y),
        ValueError,
        r"params\[1\]",
    ),
    "objective unknown reduction": (
        lambda: jd.objective(PARAMS, X, Y, reduction="avg"),
        ValueError,
        r"reduction",
    ),
    "objective sample_weights of the wrong length": (
        lambda: jd.objective(PARAMS, X, Y, sample_weights=np.ones(3)),
        ValueError,
        r"sample_weights",
    ),
    "forward X of the wrong width": (lambda: jd.forward(PARAMS, X[:, :3]), ValueError, r"X must"),
    "forward X 3-D": (lambda: jd.forward(PARAMS, X[None]), ValueError, r"X must have shape"),
    "forward layers that do not chain": (
        lambda: jd.forward(NEXT_LAYER_TOO_WIDE, X),
        ValueError,
        r"params\[1\]",
    ),
    "backprop with one label row": (
        lambda: jd.backprop(PARAMS, X, Y[0]),
        ValueError,
        r"logits and target",
    ),
    "backprop params=None": (lambda: jd.backprop(None, X, Y), TypeError, r"params"),
    # network construction
    "init_params widths (4,)": (lambda: jd.init_params(KEY, (4,)), ValueError, r"widths"),
    "init_params zero width": (lambda: jd.init_params(KEY, (4, 0, 3)), ValueError, r"widths"),
    "init_params float width": (lambda: jd.init_params(KEY, (4, 2.5, 3)), ValueError, r"widths"),
    "init_params key=None": (lambda: jd.init_params(None, (4, 3)), TypeError, r"key"),
    "init_params integer dtype": (
        lambda: jd.init_params(KEY, (4, 3), dtype="int32"),
        ValueError,
        r"dtype",
    ),
    "param_count of a string": (lambda: jd.param_count("abc"), ValueError, r"widths"),
    # layers, losses, simplified Jacobians, neuron
    "dense input of the wrong width": (
        lambda: jd.dense(np.ones(3), np.ones((2, 4)), np.zeros(2)),
        ValueError,
        r"y must have shape",
    ),
    "dense bias of the wrong length": (
        lambda: jd.dense(np.ones(4), np.ones((2, 4)), np.zeros(3)),
        ValueError,
        r"b must have shape",
    ),
    "dense W 1-D": (
        lambda: jd.dense(np.ones(4), np.ones(4), np.zeros(1)),
        ValueError,
        r"W must be a matrix",
    ),
    "softmax_cross_entropy (4, 3) against (3,)": (
        lambda: jd.softmax_cross_entropy(np.zeros((4, 3)), np.zeros(3)),
        ValueError,
        r"logits and target",
    ),
    # a scalar has no last axis to reduce over: the argument is named, not JAX's axis error
    **{
        f"{function.__name__} of scalars": (
            lambda function=function: function(np.float32(0.3), np.float32(1.0)),
            ValueError,
            rf"{function.__name__}: {first} must be one vector \(m,\) or a batch \(n, m\), got a "
            "scalar",
        )
        for function, first in [
            (jd.softmax_cross_entropy, "logits"),
            (jd.softmax_cross_entropy_gradient, "logits"),
            (jd.categorical_cross_entropy, "prediction"),
            (jd.categorical_cross_entropy_gradient, "prediction"),
            (jd.binary_cross_entropy, "prediction"),
            (jd.sigmoid_binary_cross_entropy, "logits"),
            (jd.squared_error, "prediction"),
            (jd.half_mean_squared_error, "prediction"),
            (jd.half_mean_squared_error_gradient, "prediction"),
        ]
    },
    "softmax of a scalar": (lambda: jd.softmax(np.float32(2.0)), ValueError, r"softmax: z must"),
    "predict_class of a scalar": (
        lambda: jd.predict_class(np.float32(2.0)),
        ValueError,
        r"predict_class: probabilities must be one vector",
    ),
    "half_mean_squared_error (4, 1) against (4,)": (
        lambda: jd.half_mean_squared_error(np.zeros((4, 1)), np.zeros(4)),
        ValueError,
        r"prediction and target",
    ),
    "squared_error lengths differ": (
        lambda: jd.squared_error(np.zeros(3), np.zeros(2)),
        ValueError,
        r"prediction and target",
    ),
    "binary_cross_entropy (4, 1) against (4,)": (
        lambda: jd.binary_cross_entropy(np.full((4, 1), 0.5), np.zeros(4)),
        ValueError,
        r"prediction and target",
    ),
    "sigmoid_binary_cross_entropy_gradient shapes": (
        lambda: jd.sigmoid_binary_cross_entropy_gradient(np.zeros((4, 1)), np.zeros(4)),
        ValueError,
        r"logits and target",
    ),
    "categorical_cross_entropy_gradient shapes": (
        lambda: jd.categorical_cross_entropy_gradient(np.full(3, 0.3), np.zeros((2, 3))),
        ValueError,
        r"prediction and target",
    ),
    "cross-entropy label out of range": (
        lambda: jd.categorical_cross_entropy_from_labels(np.full((2, 3), 1 / 3), np.array([0, 3])),
        ValueError,
        r"labels",
    ),
    "cross-entropy negative label": (
        lambda: jd.categorical_cross_entropy_from_labels(np.full((2, 3), 1 / 3), np.array([-1, 0])),
        ValueError,
        r"labels",
    ),
    "cross-entropy float labels": (
        lambda: jd.categorical_cross_entropy_from_labels(
            np.full((2, 3), 1 / 3), np.array([0.0, 1])
        ),
        ValueError,
        r"labels of shape \(2,\) must hold integer class labels, got dtype float64",
    ),
    "relu of a string": (lambda: jd.relu("abc"), TypeError, r"\bz\b"),
    "relu_backward shapes": (
        lambda: jd.relu_backward(np.ones(3), np.ones(4)),
        ValueError,
        r"upstream_gradient and z",
    ),
    "dense_weight_gradient samples differ": (
        lambda: jd.dense_weight_gradient(np.ones((4, 3)), np.ones((5, 2))),
        ValueError,
        r"upstream_gradient .* and y",
    ),
    "dense_input_gradient width": (
        lambda: jd.dense_input_gradient(np.ones(3), np.ones((2, 4))),
        ValueError,
        r"upstream_gradient must have shape",
    ),
    "neuron_gradients input width": (
        lambda: jd.neuron_gradients(np.ones(3), np.ones(2), 0.0, jd.relu_derivative),
        ValueError,
        r"x must have shape",
    ),
    "relu_neuron_mse targets differ": (
        lambda: jd.relu_neuron_mse(np.ones(2), 0.0, np.ones((4, 2)), np.ones(3)),
        ValueError,
        r"X \(m, n\) and y \(m,\)",
    ),
    "matmul inner dimensions": (
        lambda: jd.matmul(np.ones((2, 3)), np.ones((2, 3))),
        ValueError,
        r"inner dimensions",
    ),
    # optimizers
    "momentum learning_rate='0.1'": (
        lambda: jd.momentum("0.1", 0.9),
        TypeError,
        r"learning_rate must be a real number",
    ),
    "momentum learning_rate=0": (lambda: jd.momentum(0.0, 0.9), ValueError, r"learning_rate"),
    "momentum beta=1": (lambda: jd.momentum(0.1, 1.0), ValueError, r"beta"),
    "momentum beta=None": (lambda: jd.momentum(0.1, None), TypeError, r"beta"),
    "adam learning_rate=nan": (lambda: jd.adam(float("nan")), ValueError, r"learning_rate"),
    "adam b2=-0.1": (lambda: jd.adam(1e-3, b2=-0.1), ValueError, r"b2"),
    "adam eps=0 and eps_root=0": (lambda: jd.adam(1e-3, eps=0.0), ValueError, r"eps"),
    "adam bias_correction='no'": (
        lambda: jd.adam(1e-3, bias_correction="no"),
        TypeError,
        r"bias_correction",
    ),
    "rmsprop eps=-1": (lambda: jd.rmsprop(1e-3, eps=-1.0), ValueError, r"eps"),
    "rmsprop decay='0.9'": (lambda: jd.rmsprop(1e-3, decay="0.9"), TypeError, r"decay"),
    "gradient_descent learning_rate=[0.1]": (
        lambda: jd.gradient_descent([0.1]),
        TypeError,
        r"learning_rate",
    ),
    "gradient_descent learning_rate array": (
        lambda: jd.gradient_descent(np.array([0.1, 0.2])),
        TypeError,
        r"learning_rate must be a scalar",
    ),
    "gd_step grads of another structure": (
        lambda: jd.gd_step(PARAMS, PARAMS[:1], 0.1),
        ValueError,
        r"grads must have the structure of params",
    ),
    # metrics
    "precision binary on 3 classes": (
        lambda: jd.precision(LABELS, PREDICTED),
        ValueError,
        r"average='binary'",
    ),
    "confusion_matrix labels above n_classes": (
        lambda: jd.confusion_matrix(LABELS, PREDICTED, 2),
        ValueError,
        r"y_true must hold class labels in \[0, 2\)",
    ),
    "recall of label -1": (
        lambda: jd.recall(np.array([-1, 1, 1]), np.array([1, 1, -1])),
        ValueError,
        r"y_true .*≥ 0",
    ),
    "accuracy (5,) against (5, 1)": (
        lambda: jd.accuracy(np.arange(5), np.arange(5)[:, None]),
        ValueError,
        r"y_true and y_pred must have the same shape",
    ),
    "mse (5,) against (5, 1)": (
        lambda: jd.mse(np.arange(5.0), np.arange(5.0)[:, None]),
        ValueError,
        r"y_true and y_pred",
    ),
    "mae of NaN": (lambda: jd.mae(np.array([np.nan]), np.zeros(1)), ValueError, r"y_true"),
    "rmse of empty arrays": (lambda: jd.rmse(np.zeros(0), np.zeros(0)), ValueError, r"empty"),
    "f1 unknown average": (
        lambda: jd.f1_score(LABELS, LABELS, average="samples"),
        ValueError,
        r"average",
    ),
    "precision_recall_curve scores NaN": (
        lambda: jd.precision_recall_curve(np.array([0, 1]), np.array([0.5, np.nan])),
        ValueError,
        r"scores",
    ),
    # linear models and theory
    "least_squares NaN in y": (
        lambda: jd.least_squares(X_LS, Y_LS_NAN),
        ValueError,
        r"y of shape .* non-finite .* row 2",
    ),
    "least_squares rows differ": (
        lambda: jd.least_squares(X_LS, Y_LS[:5]),
        ValueError,
        r"y must have shape",
    ),
    "least_squares unknown method": (
        lambda: jd.least_squares(X_LS, Y_LS, method="qr2"),
        ValueError,
        r"method",
    ),
    "ridge lam=-1": (lambda: jd.ridge(X_LS, Y_LS, -1.0), ValueError, r"lam"),
    "ridge NaN in X": (
        lambda: jd.ridge(np.where(X_LS > 5, np.nan, X_LS), Y_LS, 1.0),
        ValueError,
        r"X of shape",
    ),
    "polynomial_features degree=-1": (
        lambda: jd.polynomial_features(np.arange(3.0), -1),
        ValueError,
        r"degree",
    ),
    "unseen_rmse on no data": (
        lambda: jd.unseen_rmse(lambda A: A[:, 0], np.zeros((0, 2)), np.zeros(0)),
        ValueError,
        r"X_unseen",
    ),
    "gd_trajectory lr=0": (
        lambda: jd.gd_trajectory(lambda x: x, np.ones(2), 0.0, 5),
        ValueError,
        r"lr",
    ),
    "gd_rate_constant lr beyond 2/L": (lambda: jd.gd_rate_constant(3.0, 1.0), ValueError, r"lr"),
    # data, batches, checkpoints, sweeps
    "batch_indices n=0": (lambda: jd.batch_indices(KEY, 0, 4), ValueError, r"\bn\b"),
    "load_splits unknown data set": (lambda: jd.load_splits("mnist", KEY), ValueError, r"mnist"),
    "load_splits bad fractions": (
        lambda: jd.load_splits("iris", KEY, (0.5, 0.6, 0.1)),
        ValueError,
        r"fractions",
    ),
    "one_hot label above n_classes": (
        lambda: jd.one_hot(np.array([0, 3]), 3),
        ValueError,
        r"labels",
    ),
    "one_hot negative label": (
        lambda: jd.one_hot(np.array([0, -1])),
        ValueError,
        r"labels must be non-negative",
    ),
    "load_checkpoint of a missing run": (
        lambda: jd.load_checkpoint("no-such-run-directory"),
        ValueError,
        r"no checkpoint at no-such-run-directory",
    ),
    "sweep zero width": (
        lambda: jd.sweep((4, 0, 3), X, Y, jd.momentum, seeds=[0], epochs=1),
        ValueError,
        r"widths",
    ),
    "sweep unknown hyperparameter": (
        lambda: jd.sweep(
            (4, 5, 3), X, Y, jd.momentum, seeds=[0], epochs=1, hyperparameters={"lr": [0.1]}
        ),  # fmt: skip
        ValueError,
        r"hyperparameters \['lr'\]",
    ),
    # worked examples, calculus, matrices, activations' Jacobians
    "quad_cos of a point of ℝ³": (
        lambda: jd.quad_cos(np.ones(3)),
        ValueError,
        r"v must be a point",
    ),
    "sin_log_outer_jacobian of one value": (
        lambda: jd.sin_log_outer_jacobian(np.ones(1)),
        ValueError,
        r"g must be a point",
    ),
    "hadamard_jacobians lengths differ": (
        lambda: jd.hadamard_jacobians(np.ones(3), np.ones(2)),
        ValueError,
        r"v and w",
    ),
    "first_order_remainder shapes differ": (
        lambda: jd.first_order_remainder(jd.sigmoid, np.ones(3), np.ones(2)),
        ValueError,
        r"a and h",
    ),
    "row_norm of a matrix": (lambda: jd.row_norm(np.ones((2, 3))), ValueError, r"a must be a row"),
    "stack_rows of ragged rows": (
        lambda: jd.stack_rows([np.ones(2), np.ones(3)]),
        ValueError,
        r"vectors",
    ),
    "identity_matrix of size 0": (lambda: jd.identity_matrix(0), ValueError, r"\bn must"),
    "softmax_jacobian of a batch": (
        lambda: jd.softmax_jacobian(np.ones((2, 3))),
        ValueError,
        r"z must be one vector",
    ),
    "relu_jacobian of a batch": (
        lambda: jd.relu_jacobian(np.ones((2, 3))),
        ValueError,
        r"z must be one vector",
    ),
    "dense_jacobian_weight_row row out of range": (
        lambda: jd.dense_jacobian_weight_row(np.ones(4), np.ones((2, 4)), np.zeros(2), 5),
        ValueError,
        r"\bi must be a row",
    ),
    "forward_pass perturbation of the wrong shape": (
        lambda: jd.forward_pass(PARAMS, X, perturbations=[np.ones(3), np.ones(3)]),
        ValueError,
        r"perturbations\[0\]",
    ),
    "collapse_linear of layers that do not chain": (
        lambda: jd.collapse_linear(NEXT_LAYER_TOO_WIDE),
        ValueError,
        r"params\[1\]",
    ),
    "ema of an empty sequence": (lambda: jd.ema(np.ones((0, 2)), 0.5), ValueError, r"values"),
    # theory
    "convexity_gap points of different shapes": (
        lambda: jd.convexity_gap(jd.row_norm, np.ones(3), np.ones(2), 0.5),
        ValueError,
        r"x and y",
    ),
    "convexity_gap tau=2": (
        lambda: jd.convexity_gap(jd.row_norm, np.ones(3), np.ones(3), 2.0),
        ValueError,
        r"tau",
    ),
    "descent_lemma_gap L=-1": (
        lambda: jd.descent_lemma_gap(jd.row_norm, -1.0, np.ones(3), np.zeros(3)),
        ValueError,
        r"\bL must be a finite number ≥ 0",
    ),
    "quadratic_smoothness of a non-square matrix": (
        lambda: jd.quadratic_smoothness(np.ones((2, 3))),
        ValueError,
        r"A must be a square",
    ),
    "logistic_smoothness of a vector": (
        lambda: jd.logistic_smoothness(np.ones(3)),
        ValueError,
        r"X must be a matrix",
    ),
    "gd_trajectory lr='0.1'": (
        lambda: jd.gd_trajectory(lambda x: x, np.ones(2), "0.1", 5),
        TypeError,
        r"lr must be a number",
    ),
    "gd_trajectory x0 of strings": (
        lambda: jd.gd_trajectory(lambda x: x, "abc", 0.1, 3),
        ValueError,
        r"x0",
    ),
    # data and sweeps
    "standardize statistics of the wrong width": (
        lambda: jd.standardize(np.ones((3, 4)), np.zeros(3), np.ones(3)),
        ValueError,
        r"mean and std",
    ),
    "fit_standardizer of a vector": (
        lambda: jd.fit_standardizer(np.ones(3)),
        ValueError,
        r"X must be a matrix",
    ),
    "sweep given a built optimizer": (
        lambda: jd.sweep((4, 5, 3), X, Y, jd.momentum(0.1, 0.9), seeds=[0], epochs=1),
        TypeError,
        r"optimizer must be a function of the hyperparameters",
    ),
    "sweep seed -1": (
        lambda: jd.sweep(
            (4, 5, 3),
            X,
            Y,
            jd.momentum,
            seeds=[-1],
            epochs=1,
            hyperparameters={"learning_rate": [0.1], "beta": [0.9]},
        ),  # fmt: skip
        ValueError,
        r"seeds",
    ),
    "check_dataset Y 1-D floats for softmax": (
        lambda: jd.check_dataset(X, Y[:, 0], "softmax_cross_entropy"),
        ValueError,
        r"Y of shape \(40,\) must hold integer class labels",
    ),
    "check_dataset Y 3-D": (
        lambda: jd.check_dataset(X, Y[:, :, None], "softmax_cross_entropy"),
        ValueError,
        r"Y must be a matrix",
    ),
}

# Valid input that must be accepted, each with what it must give.
VALID = {
    "init_params with NumPy integer widths": (
        lambda: jd.init_params(KEY, np.array([64, 16, 10]))[1]["W"].shape,
        (10, 16),
    ),
    "param_count with NumPy integers": (lambda: jd.param_count(np.array([4, 5, 3])), 43),
    "fit on Python lists": (
        lambda: len(fit(PARAMS, X.tolist(), Y.tolist(), OPT)[1]["loss"]),
        1,
    ),
    "sigmoid of integers, as relu and tanh take them": (
        lambda: float(jd.sigmoid(np.array([0]))[0]),
        0.5,
    ),
    "an optax schedule as learning rate": (
        lambda: len(fit(PARAMS, X, Y, jd.adam(optax.cosine_decay_schedule(1e-2, 10)))[1]["loss"]),
        1,
    ),
    "a NumPy float learning rate": (
        lambda: jd.momentum(np.float32(0.1), 0.9).hyperparameters["learning_rate"],
        np.float32(0.1),
    ),
    "metrics on Python lists": (lambda: float(jd.accuracy([0, 1, 1], [0, 1, 0])), 2 / 3),
}


def _user_defaults():
    """JAX's default promotion rules (the suite's conftest makes both strict)."""
    return jax.numpy_rank_promotion("allow"), jax.numpy_dtype_promotion("standard")


def test_the_table_is_large():
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_raises_an_error_naming_the_argument(case):
    call, error, pattern = CASES[case]
    rank, dtype = _user_defaults()
    with rank, dtype, pytest.raises(error) as raised:
        call()
    assert re.search(pattern, str(raised.value)), str(raised.value)
    # raised by jaxdnn's own checks, not deep inside JAX, NumPy or optax
    last = raised.traceback[-1].path
    assert "site-packages" not in str(last) or "jax/_src/pjit" in str(last), str(last)


@pytest.mark.parametrize("case", list(VALID))
def test_valid_input_is_accepted(case):
    call, expected = VALID[case]
    rank, dtype = _user_defaults()
    with rank, dtype:
        assert call() == pytest.approx(expected)


def _integer_cases():
    """Every activation (z) and loss (prediction or logits, target) of the package, with
    integer arrays and with the same values as floats."""
    import inspect

    from jaxdnn import activations, losses

    z, p, y = np.array([2, 0, -3]), np.array([1, 2, 3]), np.array([0, 1, 0])
    cases = {}
    for module in (activations, losses):
        for name in module.__all__:
            function = getattr(module, name)
            if name in ("elementwise_jacobian", "derivative_of"):
                continue  # they take a function, not an array
            if name == "categorical_cross_entropy_from_labels":  # labels stay integers
                P, labels = np.array([[1, 0], [0, 1]]), np.array([0, 1])
                cases[name] = (function, (P, labels), (P.astype(np.float32), labels))
            elif len(inspect.signature(function).parameters) == 1:
                cases[name] = (function, (z,), (z.astype(np.float32),))
            else:
                floats = (p.astype(np.float32), y.astype(np.float32))
                cases[name] = (function, (p, y), floats)
    return cases


INTEGER_CASES = _integer_cases()


@pytest.mark.parametrize("name", list(INTEGER_CASES))
def test_integer_arrays_are_accepted_by_every_activation_and_loss(name):
    """Integer inputs give the values of the same inputs as floats (ReLU's stay integers)."""
    function, integers, floats = INTEGER_CASES[name]
    rank, dtype = _user_defaults()
    with rank, dtype:
        from_integers = np.asarray(function(*integers))
        from_floats = np.asarray(function(*floats))
    np.testing.assert_allclose(from_integers, from_floats, rtol=1e-6)
