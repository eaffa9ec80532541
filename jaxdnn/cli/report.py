"""What ``jaxdnn train`` and ``jaxdnn sweep`` leave in the run directory: metrics per split,
JSON and CSV files, the model, and PNG plots (the tables they print are in
:mod:`jaxdnn.cli.tables`).

Metrics follow 002_0dd137535febb580.txt §8 (catalogue §2.L): loss, accuracy and macro
precision, recall and F1 for classification; RMSE and MAE, in the targets' own units, for
regression.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from jaxdnn import metrics as m
from jaxdnn.data import Dataset
from jaxdnn.model import Model, save_model, split_metrics
from jaxdnn.network import forward_pass
from jaxdnn.rundir import SWEEP_REPORT, atomic_write

__all__ = [
    "RunData",
    "evaluate_splits",
    "per_class",
    "provenance_of",
    "write_outputs",
    "write_sweep",
]

Parts = dict[str, tuple[np.ndarray, np.ndarray]]


class RunData(NamedTuple):
    """The data of a run: the data set, its standardised parts ("train", "validation",
    "test") in float32, the feature statistics ``mean`` and ``std`` and the target's
    ``y_mean`` and ``y_std`` of the training split (0 and 1 unless regression), and each
    part's row indices."""

    dataset: Dataset
    parts: Parts
    mean: np.ndarray
    std: np.ndarray
    y_mean: float
    y_std: float
    rows: dict[str, np.ndarray]


def _logits(params: Any, X: np.ndarray) -> np.ndarray:
    dtype = params[0]["W"].dtype
    return np.asarray(forward_pass(params, jnp.asarray(X, dtype)).pre_activations[-1])


def evaluate_splits(params: Any, data: RunData) -> dict[str, dict[str, float]]:
    """Metrics of each split (``Head.report_metrics``): ``loss`` (mean), and ``accuracy``,
    ``precision``, ``recall``, ``f1`` (macro) for classification, or ``rmse`` and ``mae`` in
    the targets' units for regression.

    P-MET-ACCURACY, P-MET-PRECISION-RECALL, P-MET-FSCORE, P-MET-RMSE, P-MET-MAE
    (002_0dd137535febb580.txt §8.1, §8.3, §8.4).
    """
    dtype = params[0]["W"].dtype
    results = {}
    for name, (X, Y) in data.parts.items():
        row = split_metrics(
            params,
            jnp.asarray(X, dtype),
            jnp.asarray(Y, dtype),
            data.dataset.head,
            data.y_mean,
            data.y_std,
        )
        results[name] = {k: float(v) for k, v in row.items()}
    return results


def per_class(params: Any, data: RunData, split: str = "test") -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of each class on one split, keyed by class name (a
    single-label classifier; empty otherwise).

    P-MET-PRECISION-RECALL, P-MET-FSCORE (002_0dd137535febb580.txt §8.4).
    """
    head, names = data.dataset.head, data.dataset.class_names
    X, Y = data.parts[split]
    if not head.is_classifier or len(names) == 0 or (head.task == "binary" and Y.shape[1] > 1):
        return {}
    y, y_hat, k = head.labels(_logits(params, X), Y)
    scores = {
        "precision": m.precision(y, y_hat, k, None),
        "recall": m.recall(y, y_hat, k, None),
        "f1": m.f1_score(y, y_hat, k, None),
    }
    support = np.bincount(np.asarray(y), minlength=k)
    return {
        names[c]: {**{s: float(v[c]) for s, v in scores.items()}, "support": int(support[c])}
        for c in range(k)
    }


def json_bytes(value: Any, indent: int) -> bytes:
    """Strict JSON (RFC 8259 has no NaN or Infinity): a non-finite number becomes null."""
    return (json.dumps(_finite_or_null(value), indent=indent, allow_nan=False) + "\n").encode()


def _csv_bytes(history: dict[str, list[float]]) -> bytes:
    """The curves as CSV: a header of their names, one row per epoch; numbers as Python writes
    them (every digit of a float; nan and inf as such, which spreadsheets and pandas read)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(history)
    writer.writerows(zip(*history.values(), strict=True))
    return buffer.getvalue().encode()


def _finite_or_null(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_null(v) for v in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def _save_figure(fig: Any, run_dir: Path, name: str, dpi: int = 100) -> None:
    """Render a figure to PNG and replace ``run_dir/name`` with it atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    atomic_write(run_dir, name, buffer.getvalue())


def write_outputs(
    run_dir: Path,
    params: Any,
    data: RunData,
    results: dict[str, Any],
    history: dict[str, list[float]],
    config: dict[str, Any],
) -> None:
    """Write into ``run_dir``, each file replaced atomically: ``model.msgpack`` (the network
    with its preprocessing, for ``jaxdnn predict`` and ``jaxdnn.load_model``), ``splits.npz``
    (each split's row indices), ``history.json`` and ``history.csv`` (the same curves, one row
    per epoch, for a spreadsheet or pandas), the PNG plots, and last ``metrics.json``
    (``results``: metrics, provenance, timing), whose presence marks a complete report."""
    dataset = data.dataset
    model = Model(
        params=params,
        task=dataset.task,
        mean=data.mean,
        std=data.std,
        y_mean=data.y_mean,
        y_std=data.y_std,
        class_names=dataset.class_names,
        feature_names=dataset.feature_names,
        target=dataset.target_name,
        config=config,
    )
    save_model(run_dir, model)
    buffer = io.BytesIO()
    np.savez(buffer, **data.rows)  # type: ignore[arg-type]  # numpy's stub: names as **kwds
    atomic_write(run_dir, "splits.npz", buffer.getvalue())
    atomic_write(run_dir, "history.json", json_bytes(history, 2))
    atomic_write(run_dir, "history.csv", _csv_bytes(history))
    _plots(run_dir, params, data, history, config)
    atomic_write(run_dir, "metrics.json", json_bytes(results, 2))


def _plots(
    run_dir: Path,
    params: Any,
    data: RunData,
    history: dict[str, list[float]],
    config: dict[str, Any],
) -> None:
    from jaxdnn.cli import plots

    dataset, test, y_mean, y_std = data.dataset, data.parts["test"], data.y_mean, data.y_std
    trained = plots.run_label(config)

    def title(what: str) -> str:
        return f"{dataset.name}: {what}\n{trained}"

    figures = {"loss.png": plots.curves_figure(history, "loss", title("loss"))}
    if dataset.head.is_classifier:
        figures["accuracy.png"] = plots.curves_figure(history, "accuracy", title("accuracy"))
    else:
        figures["rmse.png"] = plots.curves_figure(history, "rmse", title("RMSE"), scale=y_std)
    X, Y = test
    z = _logits(params, X)
    if not dataset.head.is_classifier:
        y, y_hat = Y[:, 0] * y_std + y_mean, z[:, 0] * y_std + y_mean
        target = dataset.target_name or "target"
        figures["predicted_vs_true.png"] = plots.predicted_figure(
            y, y_hat, target, title("test predictions")
        )
    elif dataset.task == "binary":
        positive = dataset.class_names[1] if len(dataset.class_names) == 2 else "1"
        figures["precision_recall.png"] = plots.precision_recall_figure(
            Y[:, 0].astype(np.int64), z[:, 0], positive, title("test precision–recall")
        )
    else:
        truth, guess, k = dataset.head.labels(z, Y)
        cm = np.asarray(m.confusion_matrix(truth, guess, k))
        figures["confusion_matrix.png"] = plots.confusion_figure(
            cm, dataset.class_names, title("test confusion matrix")
        )
    for name, fig in figures.items():
        _save_figure(fig, run_dir, name)


def write_sweep(
    run_dir: Path,
    config: dict[str, Any],
    settings: dict[str, Any],
    history: dict[str, np.ndarray],
    summary: dict[str, Any] | None,
) -> None:
    """Write ``sweep.json`` (settings, per-model history, summary) atomically, and with a
    summary the plot ``sweep.png`` (final validation loss against the learning rate) first:
    a ``sweep.json`` with its summary is a complete report."""
    payload = {
        "config": config,
        "settings": {k: np.asarray(v).tolist() for k, v in settings.items()},
        "history": {k: np.asarray(v).tolist() for k, v in history.items()},
        "summary": summary,
    }
    if summary is not None and summary.get("best") is not None:  # None: every model diverged
        _sweep_plot(run_dir, config, settings, history, summary)
    atomic_write(run_dir, SWEEP_REPORT, json_bytes(payload, 1))


def _sweep_plot(
    run_dir: Path,
    config: dict[str, Any],
    settings: dict[str, Any],
    history: dict[str, np.ndarray],
    summary: dict[str, Any],
) -> None:
    from jaxdnn.cli import plots

    score = summary["score"]
    final = np.asarray(history[f"val_{score}"])[:, -1] * summary.get("score_scale", 1.0)
    title = (
        f"{Path(config['data']).stem if config.get('data') else config.get('dataset')}: "
        f"{len(final)} model{'s' * (len(final) != 1)}, ranked by "
        f"validation {score}\n{plots.run_label(config)}"
    )
    fig = plots.sweep_figure(settings, final, score, summary["best_model"], title)
    _save_figure(fig, run_dir, "sweep.png", dpi=120)


def provenance_of(device: Any, epochs: int) -> dict[str, Any]:
    """What reproduces a result: versions, device, command line, time (UTC), epochs trained."""
    import datetime
    import sys

    import jax
    import jaxlib
    import optax

    import jaxdnn
    from jaxdnn.devices import describe_device

    return {
        "epochs": epochs,
        "versions": {
            "jaxdnn": jaxdnn.__version__,
            "jax": jax.__version__,
            "jaxlib": jaxlib.__version__,
            "optax": optax.__version__,
        },
        "device": describe_device(device),
        "command": ["jaxdnn", *sys.argv[1:]],
        "utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
