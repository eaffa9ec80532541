"""The figures of a run directory and of a sweep, built from numbers alone (no file, no
training), so that each can be checked through matplotlib's objects: titles that say what was
trained (data set, optimizer, precision), labelled axes with whole epochs, the best epoch or
model marked, class names on the confusion matrix, the average precision and the prevalence
on the precision–recall curve, RMSE and R² beside predicted-against-true values.

Metrics follow 002_0dd137535febb580.txt §8 (catalogue §2.L); average precision is
Σ_n (R_n − R_{n−1})·P_n over the precision–recall curve (scikit-learn's
``average_precision_score``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxdnn import metrics as m
from jaxdnn._extras import require

__all__ = [
    "average_precision",
    "confusion_figure",
    "curves_figure",
    "precision_recall_figure",
    "predicted_figure",
    "run_label",
    "sweep_figure",
]

GREEK = {"beta": "β", "learning_rate": "lr", "decay": "β", "b1": "β₁"}


def _figure(width: float, height: float) -> Any:
    require("cli", "jaxdnn's plots", ("matplotlib",))
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def run_label(config: Mapping[str, Any]) -> str:
    """What was trained, in words: ``"momentum (lr 0.05, β 0.9), float32"``; a sweep's
    configuration (without ``lr``) gives ``"momentum, float32"``."""
    settings = []
    if isinstance(config.get("lr"), (int, float)):
        settings.append(f"lr {config['lr']:g}")
    if isinstance(config.get("beta"), (int, float)) and config.get("optimizer") != "gd":
        settings.append(f"β {config['beta']:g}")
    if config.get("schedule", "constant") != "constant":
        settings.append(f"{config['schedule']} schedule")
    if config.get("l2"):
        settings.append(f"λ {config['l2']:g}")
    optimizer = config.get("optimizer", "?") + (f" ({', '.join(settings)})" if settings else "")
    return f"{optimizer}, {config.get('precision', 'float32')}"


def curves_figure(
    history: Mapping[str, Sequence[float]],
    metric: str,
    title: str,
    *,
    scale: float = 1.0,
) -> Any:
    """The ``metric`` per epoch: ``"loss"`` (training and validation, log scale),
    ``"accuracy"`` (training and validation) or ``"rmse"`` (validation, times ``scale``: the
    targets' units). Whole-epoch ticks, and the epoch of the lowest validation loss marked."""
    from matplotlib.ticker import MaxNLocator

    fig = _figure(6, 4)
    ax = fig.add_subplot()
    epochs = np.asarray(history["epoch"]) + 1
    curves = {
        "loss": [("training", "loss"), ("validation", "val_loss")],
        "accuracy": [("training", "accuracy"), ("validation", "val_accuracy")],
        "rmse": [("validation", "val_rmse")],
    }[metric]
    for label, key in curves:
        if key in history:
            ax.plot(epochs, np.asarray(history[key], dtype=float) * scale, label=label)
    val_loss = np.asarray(history["val_loss"], dtype=float)
    if np.isfinite(val_loss).any():
        best = int(np.nanargmin(np.where(np.isfinite(val_loss), val_loss, np.nan)))
        ax.axvline(
            epochs[best],
            color="gray",
            linestyle=":",
            label=f"best validation loss: epoch {epochs[best]}",
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ylabel = {"loss": "mean loss", "accuracy": "accuracy", "rmse": "RMSE (target units)"}
    ax.set(xlabel="epoch", ylabel=ylabel[metric], title=title)
    if metric == "loss":
        ax.set_yscale("log")
    ax.legend()
    return fig


def confusion_figure(cm: np.ndarray, class_names: Sequence[str], title: str) -> Any:
    """The confusion matrix (rows: true class, columns: predicted), each count written in its
    cell, the axes labelled with the class names."""
    cm = np.asarray(cm)
    k = cm.shape[0]
    names = list(class_names) if len(class_names) == k else [str(c) for c in range(k)]
    fig = _figure(max(4.5, 0.5 * k + 3), max(4.0, 0.5 * k + 2.5))
    ax = fig.add_subplot()
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
    long = max(map(len, names)) > 3
    ax.set_xticks(range(k), names, rotation=45 if long else 0, ha="right" if long else "center")
    ax.set_yticks(range(k), names)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    return fig


def average_precision(precision: np.ndarray, recall: np.ndarray) -> float:
    """AP = Σ_n (R_n − R_{n−1})·P_n over a curve whose recall falls (as
    :func:`jaxdnn.precision_recall_curve` returns it)."""
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def precision_recall_figure(
    y_true: np.ndarray, scores: np.ndarray, positive: str, title: str
) -> Any:
    """The precision–recall curve of the class ``positive`` (label 1) with its average
    precision, and the prevalence of that class: the precision of a classifier that guesses."""
    precision, recall, _ = m.precision_recall_curve(y_true, scores)
    ap = average_precision(precision, recall)
    prevalence = float(np.mean(y_true))
    fig = _figure(5.5, 5)
    ax = fig.add_subplot()
    ax.step(recall, precision, where="post", label=f"test set (AP = {ap:.3f})")
    ax.axhline(
        prevalence,
        color="gray",
        linestyle="--",
        label=f"prevalence {prevalence:.3f} (a classifier that guesses)",
    )
    ax.set(
        xlabel=f"recall of {positive!r}",
        ylabel=f"precision of {positive!r}",
        xlim=(0, 1.02),
        ylim=(0, 1.02),
        title=title,
    )
    ax.legend(loc="lower left")
    return fig


def predicted_figure(y: np.ndarray, y_hat: np.ndarray, target: str, title: str) -> Any:
    """Predicted against true values with the line of perfect predictions, and the RMSE and
    R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ)² of the points."""
    y, y_hat = np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float)
    rmse = float(np.sqrt(np.mean((y - y_hat) ** 2)))
    r2 = float(1 - np.sum((y - y_hat) ** 2) / np.sum((y - y.mean()) ** 2))
    fig = _figure(5.5, 5)
    ax = fig.add_subplot()
    ax.scatter(y, y_hat, s=10, label=f"test samples (RMSE {rmse:.4g}, R² {r2:.3f})")
    lo, hi = float(min(y.min(), y_hat.min())), float(max(y.max(), y_hat.max()))
    ax.plot([lo, hi], [lo, hi], color="gray", linewidth=1, label="predicted = true")
    ax.set(xlabel=f"true {target}", ylabel=f"predicted {target}", title=title)
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper left")
    return fig


def sweep_figure(
    settings: Mapping[str, Sequence[float]],
    final: np.ndarray,
    score: str,
    best: int,
    title: str,
) -> Any:
    """The final validation ``score`` (what the sweep ranks by) against the learning rate,
    one line per value of the other hyperparameters (the mean over seeds, each seed a dot),
    every learning rate of the grid ticked and as many labelled as fit side by side, the best
    model marked, the legend beside the plot."""
    from matplotlib.ticker import FixedLocator, NullLocator

    fig = _figure(7.5, 4.2)
    ax = fig.add_subplot()
    lr = np.asarray(settings["learning_rate"], dtype=float)
    final = np.asarray(final, dtype=float)
    others = [k for k in settings if k not in ("learning_rate", "seed")]
    groups = [tuple(float(settings[k][i]) for k in others) for i in range(len(lr))]
    rates = np.unique(lr)
    for g, group in enumerate(dict.fromkeys(groups)):
        rows = np.array([groups[i] == group for i in range(len(lr))])
        color = f"C{g % 10}"
        label = ", ".join(f"{GREEK.get(k, k)} {v:g}" for k, v in zip(others, group, strict=True))
        means = [
            np.nanmean(final[rows & (lr == r)]) if (rows & (lr == r)).any() else np.nan
            for r in rates
        ]
        seeds = len(set(np.asarray(settings["seed"])[rows].tolist()))
        if seeds > 1:
            label = f"{label}: mean of {seeds} seeds (dots)" if label else f"mean of {seeds} seeds"
        ax.plot(rates, means, "o-", color=color, label=label or "one seed")
        ax.scatter(lr[rows], final[rows], s=10, color=color, alpha=0.4)
    described = ", ".join(
        f"{GREEK.get(k, k)} {float(settings[k][best]):g}" for k in settings if k != "seed"
    )
    ax.scatter(
        [lr[best]],
        [final[best]],
        marker="*",
        s=220,
        color="gold",
        edgecolor="black",
        zorder=5,
        label=f"best: {described}, seed {int(settings['seed'][best])}",
    )
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(rates.tolist()))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(rates, [f"{r:.3g}" for r in rates])
    name = {"accuracy": "validation accuracy", "rmse": "validation RMSE (target units)"}
    ax.set(xlabel="learning rate", ylabel=f"final {name.get(score, score)}", title=title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, title="models")
    _thin_tick_labels(fig, ax)
    return fig


def _thin_tick_labels(fig: Any, ax: Any, gap: float = 4.0) -> None:
    """Keep every k-th label of the x axis's ticks, the smallest k for which no two kept labels
    come closer than ``gap`` pixels (a grid of many learning rates would print them on top of
    one another); the ticks stay."""
    fig.draw_without_rendering()  # lays the figure out (constrained), as saving it will
    labels = ax.get_xticklabels()
    boxes = [label.get_window_extent() for label in labels]
    k = next(
        k
        for k in range(1, len(boxes) + 1)
        if all(a.x1 + gap <= b.x0 for a, b in itertools.pairwise(boxes[::k]))
    )
    if k > 1:
        texts = [label.get_text() for label in labels]
        ax.set_xticks(ax.get_xticks(), [t if i % k == 0 else "" for i, t in enumerate(texts)])
