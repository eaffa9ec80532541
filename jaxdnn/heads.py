"""The output heads of a network, one record each: softmax classification, sigmoid (binary or
multi-label) classification, and regression (catalogue §2.H, §2.L).

A :class:`Head` carries what depends on the task: the loss head of :mod:`jaxdnn.network` (output
activation, loss, gradient), how the targets are checked, how logits become class labels and
probabilities, the metrics ``fit`` tracks and ``jaxdnn train`` reports, and the report's
columns. Code that differs by task asks the head, instead of comparing task names.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from jaxdnn import metrics
from jaxdnn.activations import sigmoid, softmax
from jaxdnn.network import LossHead, loss_head
from jaxdnn.validation import check_dataset

__all__ = ["Head", "HEADS", "head_of"]


@dataclasses.dataclass(frozen=True)
class Head:
    """A task's output head: ``task`` ("multiclass", "binary" or "regression"), the name of its
    loss head (``loss``), the metric that ranks models (``score``: "accuracy", higher is
    better, or "rmse", lower is better) and the report's columns.

    P-NET-GENERIC (003_4420902fd2b6113f.txt §5: any output activation with its loss),
    P-MET-ACCURACY (002_0dd137535febb580.txt §8.1).

    Attributes:
        task: ``"multiclass"``, ``"binary"`` or ``"regression"``.
        loss: the name of its loss head (a key of ``LOSS_HEADS``).
        score: the metric that ranks models: ``"accuracy"`` or ``"rmse"``.
        columns: the report's metric columns.
    """

    task: str
    loss: str
    score: str
    columns: tuple[str, ...]

    @property
    def is_classifier(self) -> bool:
        """True for the softmax and sigmoid heads."""
        return self.task != "regression"

    @property
    def loss_head(self) -> LossHead:
        """The output activation, loss and loss gradient (:func:`jaxdnn.network.loss_head`)."""
        return loss_head(self.loss)

    def check(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        names: tuple[str, str] = ("X", "Y"),
        n_inputs: int | None = None,
        n_outputs: int | None = None,
    ) -> tuple[Any, Any]:
        """The data set checked for this head (:func:`jaxdnn.validation.check_dataset`): integer
        labels (n,) become one-hot rows for the softmax head, a column otherwise."""
        return check_dataset(X, Y, self.loss, names, n_inputs, n_outputs)

    def labels(self, logits: ArrayLike, Y: ArrayLike) -> tuple[Array, Array, int]:
        """True and predicted class labels and the number of classes: argmax for softmax,
        logit > 0 (σ > ½) for the sigmoid head. A sigmoid head of m > 1 outputs (one binary
        label per output) gives (n, m) 0/1 label indicators and m.

        P-MET-ACCURACY (002_0dd137535febb580.txt §8.1: ŷ_i = argmax_j N(x_i)_j).
        """
        logits, Y = jnp.asarray(logits), jnp.asarray(Y)
        if self.task == "binary":
            truth, predicted = (Y > 0.5).astype(int), (logits > 0).astype(int)
            if Y.shape[-1] == 1:
                return truth[:, 0], predicted[:, 0], 2
            return truth, predicted, Y.shape[-1]
        return jnp.argmax(Y, axis=-1), jnp.argmax(logits, axis=-1), Y.shape[-1]

    def probabilities(self, logits: ArrayLike) -> Array:
        """Class probabilities (n, K) of a single-label classifier: S(z) for softmax,
        (1 − σ(z), σ(z)) for one sigmoid output.

        P-ACT-SOFTMAX (001_602cbf05fdb6a620.txt Def 2.2), P-ACT-SIGMOID (002 §5.2).
        """
        z = jnp.asarray(logits)
        if self.task == "multiclass":
            return softmax(z)
        if self.task == "binary" and z.shape[-1] == 1:
            return jnp.concatenate([sigmoid(-z), sigmoid(z)], axis=-1)
        raise ValueError(f"class probabilities need a single-label classifier, not {self.task}")

    def fit_metrics(self, logits: Array, Y: Array) -> dict[str, Array]:
        """The mean loss and the score ``fit`` records per epoch: accuracy (and, for several
        sigmoid outputs, the share of right labels) or the RMSE of the (standardised) targets.

        P-NET-OBJECTIVE (001_602cbf05fdb6a620.txt Def 5.2, mean), P-MET-ACCURACY,
        P-MET-RMSE (002_0dd137535febb580.txt §8.1, §8.3).
        """
        results = {"loss": jnp.mean(self.loss_head.loss(logits, Y))}
        if not self.is_classifier:
            return results | {"rmse": metrics.rmse(Y, logits)}
        y_true, y_pred, _ = self.labels(logits, Y)
        results["accuracy"] = metrics.accuracy(y_true, y_pred)
        if y_true.ndim == 2:
            results["label_accuracy"] = jnp.mean((y_true == y_pred).astype(logits.dtype))
        return results

    def report_metrics(
        self, logits: Array, Y: Array, y_mean: ArrayLike = 0.0, y_std: ArrayLike = 1.0
    ) -> dict[str, Array]:
        """The report's metrics of one split: the mean loss, and accuracy with macro precision,
        recall and F1, or RMSE and MAE in the targets' units (targets standardised with
        ``y_mean``, ``y_std``).

        P-MET-ACCURACY, P-MET-PRECISION-RECALL, P-MET-FSCORE, P-MET-RMSE, P-MET-MAE
        (002_0dd137535febb580.txt §8.1, §8.3, §8.4).
        """
        row = {"loss": jnp.mean(self.loss_head.loss(logits, Y))}
        if not self.is_classifier:
            y, y_hat = Y[:, 0] * y_std + y_mean, logits[:, 0] * y_std + y_mean
            return row | {"rmse": metrics.rmse(y, y_hat), "mae": metrics.mae(y, y_hat)}
        y, y_hat, k = self.labels(logits, Y)
        row["accuracy"] = metrics.accuracy(y, y_hat)
        for name, metric in (
            ("precision", metrics.precision),
            ("recall", metrics.recall),
            ("f1", metrics.f1_score),
        ):
            row[name] = metric(y, y_hat, k, "macro")
        return row

    def correct(self, logits: Array, Y: Array, mask: Array) -> Array:
        """How many of the rows where ``mask`` holds are classified right (all labels right,
        for several sigmoid outputs): the running training accuracy's numerator."""
        y_true, y_pred, _ = self.labels(logits, Y)
        right = y_true == y_pred
        if right.ndim == 2:
            right = jnp.all(right, axis=-1)
        return jnp.sum(jnp.where(mask, right, False).astype(logits.dtype))

    def targets(self, labels: np.ndarray, n_classes: int) -> np.ndarray:
        """Training targets of class indices (n,) in [0, K) (classifiers: one-hot rows, or a 0/1
        column for two classes) or of real values (regression: a column).

        P-LOSS-CCE-INTLABEL (002_0dd137535febb580.txt §4.2).
        """
        labels = np.asarray(labels)
        if self.task == "multiclass":
            return np.eye(n_classes)[labels]
        return labels.astype(np.float64)[:, None]


HEADS: dict[str, Head] = {
    "multiclass": Head(
        "multiclass",
        "softmax_cross_entropy",
        "accuracy",
        ("loss", "accuracy", "precision", "recall", "f1"),
    ),
    "binary": Head(
        "binary",
        "sigmoid_binary_cross_entropy",
        "accuracy",
        ("loss", "accuracy", "precision", "recall", "f1"),
    ),
    "regression": Head("regression", "half_mean_squared_error", "rmse", ("loss", "rmse", "mae")),
}


def head_of(name: str) -> Head:
    """The head of a task ("multiclass", "binary", "regression") or of a loss head's name
    ("softmax_cross_entropy", "sigmoid_binary_cross_entropy", "half_mean_squared_error").

    P-NET-GENERIC (003_4420902fd2b6113f.txt §5).

    Raises:
        ValueError: naming the tasks and losses if ``name`` is neither.

    Args:
        name: a task or a loss head's name.

    Returns:
        The :class:`Head`.
    """
    if name in HEADS:
        return HEADS[name]
    for head in HEADS.values():
        if head.loss == name:
            return head
    loss_head(name)  # raises, naming the loss heads
    raise AssertionError(name)
