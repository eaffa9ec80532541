"""A trained model as ``jaxdnn train`` leaves it: the network with the preprocessing it was
trained with, saved as ``model.msgpack`` in the run directory and loaded by :func:`load_model`.

The model standardises raw features with the training split's column means and standard
deviations, applies the network, and decodes its output: class names and probabilities for a
classifier, values in the target's own units for regression (the network was trained on
targets standardised with the training split's mean and standard deviation).
"""

from __future__ import annotations

import dataclasses
import os
from functools import partial
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from jaxdnn.checkpoint import (
    CHECKPOINT_NAME,
    packb,
    params_problem,
    stored_params,
    to_state_dict,
    unpackb,
)
from jaxdnn.data import out_of_range, standardize
from jaxdnn.datafile import class_indices
from jaxdnn.heads import HEADS, Head
from jaxdnn.network import Params, forward_pass
from jaxdnn.rundir import RUN_CONFIG, SWEEP_CHECKPOINT, SWEEP_CONFIG, SWEEP_REPORT, atomic_write

__all__ = ["FeatureOutOfRange", "Model", "load_model", "save_model", "split_metrics"]

MODEL_NAME = "model.msgpack"
_FORMAT = "jaxdnn-model-1"


@partial(jax.jit, static_argnames="head")
def split_metrics(
    params: Params, X: Array, Y: Array, head: Head, y_mean: ArrayLike, y_std: ArrayLike
) -> dict[str, Array]:
    """Every report metric of one split (``head.report_metrics`` of the network's logits on
    standardised features X) in one compiled program.

    P-MET-ACCURACY, P-MET-PRECISION-RECALL, P-MET-FSCORE, P-MET-RMSE, P-MET-MAE
    (002_0dd137535febb580.txt §8).

    Args:
        params: the network.
        X: standardised features ``(n, m_0)``.
        Y: the targets, as the head takes them.
        head: the task's :class:`~jaxdnn.heads.Head`.
        y_mean: the regression targets' mean (0 for classes).
        y_std: their standard deviation (1 for classes).

    Returns:
        ``{metric: value}``.
    """
    return head.report_metrics(forward_pass(params, X).pre_activations[-1], Y, y_mean, y_std)


@partial(jax.jit, static_argnames="head")
def _outputs(params: Params, X: Array, head: Head) -> tuple[Array, Array]:
    logits = forward_pass(params, X).pre_activations[-1]
    if not head.is_classifier:
        return logits, logits
    return logits, head.probabilities(logits)


class FeatureOutOfRange(ValueError):
    """A feature value so far from its training mean that, standardised, it lies beyond the
    network's dtype (its predictions would be NaN): ``X[row, column] = value``, ``deviations``
    training standard deviations from the mean.

    P-CAP-VALIDATION (002_0dd137535febb580.txt §10: features standardised with the training
    split's statistics)."""

    def __init__(self, row: int, column: int, value: float, deviations: float, dtype: Any) -> None:
        self.row, self.column, self.deviations, self.dtype = (
            int(row),
            int(column),
            deviations,
            dtype,
        )
        super().__init__(self.describe(f"X[{row}, {column}] = {value:.6g}"))

    def describe(self, where: str) -> str:
        """The error's message, the value named by ``where``."""
        return (
            f"{where} lies {self.deviations:.3g} training standard deviations from its training "
            f"mean, beyond {self.dtype}'s range"
        )


@dataclasses.dataclass(frozen=True)
class Model:
    """A trained network with its preprocessing: ``params`` (float32 layers), ``task``,
    ``mean`` and ``std`` (the training features' column statistics), ``y_mean`` and ``y_std``
    (regression targets), ``class_names``, ``feature_names``, ``target`` and the run's
    ``config``.

    P-NET-DEF (001_602cbf05fdb6a620.txt Def 5.1), P-CAP-VALIDATION (002_0dd137535febb580.txt
    §10: preprocessing fitted on the training split only).

    Attributes:
        params: the network's float32 layers.
        task: ``"multiclass"``, ``"binary"`` or ``"regression"``.
        mean: the training features' column means.
        std: their standard deviations.
        y_mean: the regression targets' mean (0 for classes).
        y_std: their standard deviation (1 for classes).
        class_names: the classes' names, in label order.
        feature_names: the features' names, in input order.
        target: the target's name.
        config: the run's settings.
    """

    params: Params
    task: str
    mean: np.ndarray
    std: np.ndarray
    y_mean: float
    y_std: float
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    target: str
    config: dict[str, Any]

    @property
    def head(self) -> Head:
        """The output head of the model's task."""
        return HEADS[self.task]

    def standardized(self, X: ArrayLike) -> Array:
        """Raw features (n, m) standardised as in training, in the parameters' dtype.

        Raises:
            ValueError: naming ``X`` if it is not a finite matrix of the model's m columns;
                :class:`FeatureOutOfRange` if a standardised value lies beyond the parameters'
                dtype.
        """
        if np.iscomplexobj(X):  # a cast would drop the imaginary parts
            raise ValueError(f"X must hold real numbers, got {np.asarray(X).dtype}")
        X = np.asarray(X, dtype=np.float64)
        m = len(self.mean)
        if X.ndim != 2 or X.shape[1] != m:
            raise ValueError(f"X must be a matrix (n, {m}), got shape {X.shape}")
        bad = np.argwhere(~np.isfinite(X))
        if bad.size:
            row, column = bad[0]
            raise ValueError(f"X must be finite; X[{row}, {column}] = {X[row, column]}")
        dtype = self.params[0]["W"].dtype
        Z = standardize(X, self.mean, self.std)
        beyond = out_of_range(Z, dtype)
        if beyond is not None:
            row, column = beyond
            raise FeatureOutOfRange(row, column, X[row, column], abs(Z[row, column]), dtype)
        return jnp.asarray(Z, dtype)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predictions for raw features X (n, m): class names (n,) for a classifier (the most
        probable class), values (n,) in the target's units for regression.

        P-MET-ACCURACY (002_0dd137535febb580.txt §8.1: ŷ = argmax_j N(x)_j).
        """
        logits, _ = _outputs(self.params, self.standardized(X), self.head)
        if not self.head.is_classifier:
            return np.asarray(logits[:, 0], np.float64) * self.y_std + self.y_mean
        _, predicted, _ = self.head.labels(logits, logits)
        return np.asarray(self.class_names)[np.asarray(predicted)]

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities (n, K), columns in the order of ``class_names``.

        P-ACT-SOFTMAX (001_602cbf05fdb6a620.txt Def 2.2), P-ACT-SIGMOID (002 §5.2).

        Raises:
            ValueError: for a regression model.
        """
        if not self.head.is_classifier:
            raise ValueError("predict_proba needs a classifier; this model is a regression")
        _, probabilities = _outputs(self.params, self.standardized(X), self.head)
        return np.asarray(probabilities)

    def metrics(self, X: ArrayLike, y: ArrayLike) -> dict[str, float]:
        """The report's metrics of raw features X (n, m) against targets y (n,): class names
        as ``class_names`` spells them for a classifier, values in the target's units for
        regression. On a run's test rows they equal the run's reported test metrics.

        P-MET-ACCURACY, P-MET-PRECISION-RECALL, P-MET-FSCORE, P-MET-RMSE, P-MET-MAE
        (002_0dd137535febb580.txt §8).

        Raises:
            ValueError: naming ``y`` if its length differs from X's rows or it holds a class
                the model does not know.
        """
        X_std = self.standardized(X)
        y = np.asarray(y)
        if y.shape != (X_std.shape[0],):
            raise ValueError(f"y must have shape ({X_std.shape[0]},), got {y.shape}")
        if self.head.is_classifier:
            Y = self.head.targets(class_indices(y, self.class_names, "y"), len(self.class_names))
        else:
            Y = ((y.astype(np.float64) - self.y_mean) / self.y_std)[:, None]
        dtype = self.params[0]["W"].dtype
        row = split_metrics(
            self.params, X_std, jnp.asarray(Y, dtype), self.head, self.y_mean, self.y_std
        )
        return {name: float(value) for name, value in row.items()}


def save_model(run_dir: str | os.PathLike, model: Model) -> Path:
    """Write ``model`` to ``run_dir/model.msgpack`` atomically.

    Args:
        run_dir: the run directory.
        model: the model.

    Returns:
        The path written.

    Raises:
        ValueError: naming the problem, with nothing written, for a model :func:`load_model`
            would refuse (non-finite parameters, statistics or names that do not fit the
            network, …).
    """
    state = {
        "format": _FORMAT,
        "params": to_state_dict(model.params),
        "task": model.task,
        "mean": np.asarray(model.mean, np.float64),
        "std": np.asarray(model.std, np.float64),
        "y_mean": float(model.y_mean),
        "y_std": float(model.y_std),
        "class_names": list(model.class_names),
        "feature_names": list(model.feature_names),
        "target": model.target,
        "config": model.config,
    }
    data = packb(state)
    stored = unpackb(data)  # what load_model would read back
    problem = params_problem(stored["params"]) or _problem(stored)
    if problem is not None:
        raise ValueError(f"save_model: {problem}; nothing was written")
    return atomic_write(Path(run_dir), MODEL_NAME, data)


def load_model(run_dir: str | os.PathLike) -> Model:
    """The model a finished ``jaxdnn train`` run wrote into ``run_dir``.

    Raises:
        FileNotFoundError: naming the file if the run has not finished (no model yet).
        ValueError: naming the file if it is not a jaxdnn model or is inconsistent.

    Args:
        run_dir: the run directory.

    Returns:
        The :class:`Model`.
    """
    path = Path(run_dir) / MODEL_NAME
    if not Path(run_dir).is_dir():
        raise FileNotFoundError(f"no run directory {run_dir}")
    if not path.is_file():
        try:
            present = {f.name for f in Path(run_dir).iterdir()}
        except OSError:  # unreadable: say what is missing
            present = set()
        if present & {SWEEP_REPORT, SWEEP_CONFIG, SWEEP_CHECKPOINT}:
            raise FileNotFoundError(
                f"{run_dir} holds a sweep, which keeps no model: train the model you want with "
                "jaxdnn train (the sweep's settings and seed) and predict with its run directory"
            )
        if present & {RUN_CONFIG, CHECKPOINT_NAME}:
            raise FileNotFoundError(
                f"no model at {path}: the run has not finished (jaxdnn train --resume finishes it)"
            )
        raise FileNotFoundError(
            f"no run in {run_dir}: it has no {MODEL_NAME}, which jaxdnn train writes when a run "
            "finishes"
        )
    try:
        state = unpackb(path.read_bytes())
    except Exception as error:  # msgpack raises several unrelated types on bad bytes
        raise ValueError(f"{path} is not a jaxdnn model ({type(error).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(f"{path} is not a jaxdnn model")
    problem = params_problem(state.get("params")) or _problem(state)
    if problem is not None:
        raise ValueError(f"{path} is inconsistent: {problem}")
    return Model(
        params=stored_params(state["params"]),
        task=state["task"],
        mean=np.asarray(state["mean"]),
        std=np.asarray(state["std"]),
        y_mean=float(state["y_mean"]),
        y_std=float(state["y_std"]),
        class_names=tuple(state["class_names"]),
        feature_names=tuple(state["feature_names"]),
        target=state["target"],
        config=state["config"],
    )


def _problem(state: dict[str, Any]) -> str | None:
    if state.get("task") not in HEADS:
        return f"unknown task {state.get('task')!r}"
    m = state["params"]["0"]["W"].shape[1]
    if not all(
        isinstance(state.get(k), np.ndarray) and state[k].shape == (m,) for k in ("mean", "std")
    ):
        return f"mean and std must have the network's {m} inputs"
    if len(state.get("feature_names", ())) != m:
        return f"feature_names must name the network's {m} inputs"
    outputs = state["params"][str(len(state["params"]) - 1)]["W"].shape[0]
    classes = len(state.get("class_names", ()))
    if state["task"] == "multiclass" and classes != outputs:
        return f"{classes} class names for {outputs} outputs"
    if state["task"] == "binary" and classes != 2:
        return f"a binary model needs two class names, got {classes}"
    return None
