"""What ``jaxdnn train`` reports: metrics per split, a table, JSON files and PNG plots.

Metrics follow 002_0dd137535febb580.txt §8 (catalogue §2.L): loss, accuracy and macro
precision, recall and F1 for classification; RMSE and MAE, in the targets' own units, for
regression.
"""

from __future__ import annotations

import csv
import io
import json
from functools import partial
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxdnn import metrics as m
from jaxdnn._extras import require
from jaxdnn.data import Dataset
from jaxdnn.network import forward_pass, loss_head
from jaxdnn.rundir import atomic_write
from jaxdnn.train import class_labels

__all__ = ["evaluate_splits", "print_table", "provenance_of", "write_outputs", "write_sweep"]

Parts = dict[str, tuple[np.ndarray, np.ndarray]]


def _logits(params: Any, X: np.ndarray) -> np.ndarray:
    dtype = params[0]["W"].dtype
    return np.asarray(forward_pass(params, jnp.asarray(X, dtype)).pre_activations[-1])


def evaluate_splits(
    params: Any, parts: Parts, dataset: Dataset, y_mean: float = 0.0, y_std: float = 1.0
) -> dict[str, dict[str, float]]:
    """Metrics of each split: ``loss`` (mean), and ``accuracy``, ``precision``, ``recall``,
    ``f1`` (macro) for classification, or ``rmse`` and ``mae`` in the targets' units (targets
    standardised with ``y_mean``, ``y_std``) for regression.

    P-MET-ACCURACY, P-MET-PRECISION-RECALL, P-MET-FSCORE, P-MET-RMSE, P-MET-MAE
    (002_0dd137535febb580.txt §8.1, §8.3, §8.4).
    """
    dtype = params[0]["W"].dtype
    results = {}
    for name, (X, Y) in parts.items():
        row = _split_metrics(
            params,
            jnp.asarray(X, dtype),
            jnp.asarray(Y, dtype),
            dataset.loss,
            dataset.task,
            y_mean,
            y_std,
        )
        results[name] = {k: float(v) for k, v in row.items()}
    return results


@partial(jax.jit, static_argnames=("loss", "task"))
def _split_metrics(params, X, Y, loss, task, y_mean, y_std):
    """Every metric of one split in one compiled program."""
    z = forward_pass(params, X).pre_activations[-1]
    row = {"loss": jnp.mean(loss_head(loss).loss(z, Y))}
    if task == "regression":
        y, y_hat = Y[:, 0] * y_std + y_mean, z[:, 0] * y_std + y_mean
        return row | {"rmse": m.rmse(y, y_hat), "mae": m.mae(y, y_hat)}
    y, y_hat, k = class_labels(z, Y, loss)
    row["accuracy"] = m.accuracy(y, y_hat)
    for name, metric in (("precision", m.precision), ("recall", m.recall), ("f1", m.f1_score)):
        row[name] = metric(y, y_hat, k, "macro")
    return row


def print_table(results: dict[str, dict[str, float]], task: str) -> None:
    """Print one row per split."""
    columns = (
        ["loss", "rmse", "mae"]
        if task == "regression"
        else ["loss", "accuracy", "precision", "recall", "f1"]
    )
    print(f"{'split':12s}" + "".join(f"{c:>11s}" for c in columns))
    for split, row in results.items():
        print(f"{split:12s}" + "".join(f"{row[c]:11.4f}" for c in columns))


def _json_bytes(value: Any, indent: int) -> bytes:
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
    parts: Parts,
    dataset: Dataset,
    results: dict[str, dict[str, float]],
    history: dict[str, list[float]],
    config: dict[str, Any],
    y_mean: float,
    y_std: float,
    seconds: float,
    provenance: dict[str, Any] | None = None,
) -> None:
    """Write ``metrics.json``, ``history.json``, ``history.csv`` (the same curves, one row per
    epoch, for a spreadsheet or pandas) and the PNG plots into ``run_dir``, each replaced
    atomically; ``provenance`` (versions, device, command line, time) goes into metrics.json.
    metrics.json is written last: its presence marks a complete report."""
    summary = {
        **(provenance or {}),
        "dataset": dataset.name,
        "task": dataset.task,
        "config": config,
        "metrics": results,
        "train_seconds": seconds,
    }
    atomic_write(run_dir, "history.json", _json_bytes(history, 2))
    atomic_write(run_dir, "history.csv", _csv_bytes(history))
    _plots(run_dir, params, parts["test"], dataset, history, y_mean, y_std)
    atomic_write(run_dir, "metrics.json", _json_bytes(summary, 2))


def _plots(run_dir, params, test, dataset, history, y_mean, y_std) -> None:
    require("cli", "jaxdnn's plots", ("matplotlib",))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.asarray(history["epoch"]) + 1
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, history["loss"], label="training")
    ax.plot(epochs, history["val_loss"], label="validation")
    ax.set(xlabel="epoch", ylabel="mean loss", title=f"{dataset.name}: loss", yscale="log")
    ax.legend()
    fig.tight_layout()
    _save_figure(fig, run_dir, "loss.png")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    if dataset.task == "regression":
        ax.plot(epochs, np.asarray(history["val_rmse"]) * y_std)
        ax.set(xlabel="epoch", ylabel="validation RMSE", title=f"{dataset.name}: RMSE")
        name = "rmse.png"
    else:
        ax.plot(epochs, history["val_accuracy"])
        ax.set(xlabel="epoch", ylabel="validation accuracy", title=f"{dataset.name}: accuracy")
        name = "accuracy.png"
    fig.tight_layout()
    _save_figure(fig, run_dir, name)
    plt.close(fig)

    X, Y = test
    z = _logits(params, X)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    if dataset.task == "regression":
        y, y_hat = Y[:, 0] * y_std + y_mean, z[:, 0] * y_std + y_mean
        ax.scatter(y, y_hat, s=10)
        lo, hi = float(min(y.min(), y_hat.min())), float(max(y.max(), y_hat.max()))
        ax.plot([lo, hi], [lo, hi], color="gray", linewidth=1)
        ax.set(xlabel="true", ylabel="predicted", title=f"{dataset.name}: test predictions")
        name = "predicted_vs_true.png"
    elif dataset.task == "binary":
        precision, recall, _ = m.precision_recall_curve(Y[:, 0].astype(np.int64), z[:, 0])
        ax.step(recall, precision, where="post")
        ax.set(
            xlabel="recall",
            ylabel="precision",
            xlim=(0, 1.02),
            ylim=(0, 1.02),
            title=f"{dataset.name}: test precision-recall",
        )
        name = "precision_recall.png"
    else:
        y, y_hat, k = class_labels(z, Y, dataset.loss)
        cm = np.asarray(m.confusion_matrix(y, y_hat, k))
        ax.imshow(cm, cmap="Blues")
        for i in range(k):
            for j in range(k):
                dark = cm[i, j] > cm.max() / 2
                ax.text(
                    j,
                    i,
                    str(cm[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else "black",
                )
        ax.set(
            xlabel="predicted class",
            ylabel="true class",
            xticks=range(k),
            yticks=range(k),
            title=f"{dataset.name}: test confusion matrix",
        )
        name = "confusion_matrix.png"
    fig.tight_layout()
    _save_figure(fig, run_dir, name)
    plt.close(fig)


def write_sweep(
    run_dir: Path,
    config: dict[str, Any],
    settings: dict[str, Any],
    history: dict[str, np.ndarray],
    summary: dict[str, Any] | None,
) -> None:
    """Write ``sweep.json`` (settings, per-model history, summary) atomically, and with a
    summary the plot ``sweep.png`` (final validation loss against the learning rate)."""
    payload = {
        "config": config,
        "settings": {k: np.asarray(v).tolist() for k, v in settings.items()},
        "history": {k: np.asarray(v).tolist() for k, v in history.items()},
        "summary": summary,
    }
    atomic_write(run_dir, "sweep.json", _json_bytes(payload, 1))
    if summary is None or summary.get("best") is None:  # in progress, or every model diverged
        return
    require("cli", "jaxdnn's plots", ("matplotlib",))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    lr = np.asarray(settings["learning_rate"])
    final = np.asarray(history["val_loss"])[:, -1]
    others = [k for k in settings if k != "learning_rate"]
    labels = [", ".join(f"{k} {settings[k][m]:g}" for k in others) for m in range(len(lr))]
    for label in dict.fromkeys(labels):
        rows = [m for m in range(len(lr)) if labels[m] == label]
        ax.plot(lr[rows], final[rows], "o-", label=label)
    ax.set(xscale="log", xlabel="learning rate", ylabel="final validation loss")
    if len(set(labels)) <= 12:
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save_figure(fig, run_dir, "sweep.png", dpi=120)
    plt.close(fig)


def provenance_of(device: Any, epochs: int) -> dict[str, Any]:
    """What reproduces a result: versions, device, command line, time (UTC), epochs trained."""
    import datetime
    import sys

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
