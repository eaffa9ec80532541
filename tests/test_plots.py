"""Every plot jaxdnn draws, checked through matplotlib's objects (titles, axis labels, legends,
ticks, marks), not pixels: the run directory's figures, the sweep's, and the three theory and
capacity experiments'. The figures are built from small made-up numbers (no training)."""

import importlib
import io
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, r2_score

from jaxdnn.cli import plots

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
CONFIG = {"optimizer": "momentum", "lr": 0.05, "beta": 0.9, "precision": "float32"}
HISTORY = {
    "epoch": list(range(6)),
    "loss": [1.0, 0.6, 0.4, 0.3, 0.25, 0.2],
    "accuracy": [0.5, 0.7, 0.8, 0.85, 0.9, 0.92],
    "val_loss": [0.9, 0.5, 0.35, 0.3, 0.32, 0.33],  # best: epoch 4 (index 3)
    "val_accuracy": [0.55, 0.72, 0.8, 0.86, 0.85, 0.85],
    "val_rmse": [0.9, 0.5, 0.35, 0.3, 0.32, 0.33],
}


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_run_label_says_the_optimizer_its_settings_and_the_precision():
    assert plots.run_label(CONFIG) == "momentum (lr 0.05, β 0.9), float32"
    gd = {"optimizer": "gd", "lr": 0.1, "beta": 0.9, "precision": "bfloat16", "l2": 1e-3}
    assert plots.run_label(gd) == "gd (lr 0.1, λ 0.001), bfloat16"  # gd has no β
    sweep = {"optimizer": "adam", "lr": [0.01, 0.1], "beta": [0.9], "precision": "float32"}
    assert plots.run_label(sweep) == "adam, float32"


@pytest.mark.parametrize("metric", ["loss", "accuracy", "rmse"])
def test_curves_have_whole_epochs_labels_and_the_best_validation_epoch(metric):
    fig = plots.curves_figure(HISTORY, metric, f"iris: {metric}\nmomentum, float32", scale=2.0)
    ax = fig.axes[0]
    fig.canvas.draw()
    assert ax.get_title() == f"iris: {metric}\nmomentum, float32"
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == {"loss": "mean loss", "accuracy": "accuracy"}.get(
        metric, "RMSE (target units)"
    )
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks  # no 1.25, 1.5
    texts = legend_texts(ax)
    assert "best validation loss: epoch 4" in texts
    best = [line for line in ax.get_lines() if line.get_label().startswith("best")][0]
    assert list(best.get_xdata()) == [4, 4]
    expected = {"loss": ["training", "validation"], "accuracy": ["training", "validation"]}
    assert texts[:-1] == expected.get(metric, ["validation"])
    if metric == "rmse":  # in the targets' units
        assert np.allclose(ax.get_lines()[0].get_ydata(), 2.0 * np.array(HISTORY["val_rmse"]))
    assert ax.get_yscale() == ("log" if metric == "loss" else "linear")


def test_confusion_matrix_is_labelled_with_the_class_names_and_counts():
    cm = np.array([[7, 0, 0], [0, 5, 2], [0, 0, 7]])
    fig = plots.confusion_figure(cm, ("setosa", "versicolor", "virginica"), "iris: confusion")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["setosa", "versicolor", "virginica"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["setosa", "versicolor", "virginica"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    cells = sorted(int(t.get_text()) for t in ax.texts)
    assert cells == sorted(cm.ravel().tolist())
    assert ax.get_title() == "iris: confusion"


def test_precision_recall_has_average_precision_prevalence_and_the_positive_class():
    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.3).astype(np.int64)
    scores = y + rng.normal(0, 0.8, 200)
    fig = plots.precision_recall_figure(y, scores, "malignant", "tumours: precision–recall")
    ax = fig.axes[0]
    ap = average_precision_score(y, scores)
    texts = legend_texts(ax)
    assert texts[0] == f"test set (AP = {ap:.3f})"
    assert texts[1] == f"prevalence {y.mean():.3f} (a classifier that guesses)"
    baseline = ax.get_lines()[-1]
    assert np.allclose(baseline.get_ydata(), y.mean())
    assert ax.get_xlabel() == "recall of 'malignant'"
    assert ax.get_ylabel() == "precision of 'malignant'"
    assert plots.average_precision(np.array([1.0, 0.5, 1.0]), np.array([1.0, 0.5, 0.0])) == 0.75


def test_predicted_against_true_has_rmse_r2_and_a_labelled_diagonal():
    rng = np.random.default_rng(1)
    y = rng.normal(150, 50, 80)
    y_hat = y + rng.normal(0, 30, 80)
    fig = plots.predicted_figure(y, y_hat, "progression", "diabetes: test predictions")
    ax = fig.axes[0]
    rmse = np.sqrt(np.mean((y - y_hat) ** 2))
    texts = legend_texts(ax)
    assert texts == [
        f"test samples (RMSE {rmse:.4g}, R² {r2_score(y, y_hat):.3f})",
        "predicted = true",
    ]
    diagonal = ax.get_lines()[0]
    assert np.allclose(diagonal.get_xdata(), diagonal.get_ydata())
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("true progression", "predicted progression")


def test_sweep_plots_the_ranking_score_marks_the_best_and_keeps_the_legend_off_the_points():
    lrs, betas, seeds = [0.01, 0.02, 0.05, 0.1], [0.5, 0.9], [0, 1]
    grid = [(s, lr, b) for s in seeds for lr in lrs for b in betas]
    settings = {
        "seed": np.array([g[0] for g in grid]),
        "learning_rate": np.array([g[1] for g in grid]),
        "beta": np.array([g[2] for g in grid]),
    }
    final = np.array([0.8 + lr - 0.01 * b + 0.001 * s for s, lr, b in grid])  # accuracy
    best = int(np.argmax(final))
    fig = plots.sweep_figure(settings, final, "accuracy", best, "digits: 16 models\nmomentum")
    ax = fig.axes[0]
    fig.canvas.draw()
    assert ax.get_title() == "digits: 16 models\nmomentum"
    assert ax.get_ylabel() == "final validation accuracy"  # what the table ranks by
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.01", "0.02", "0.05", "0.1"]
    texts = legend_texts(ax)
    assert texts[:2] == ["β 0.5: mean of 2 seeds (dots)", "β 0.9: mean of 2 seeds (dots)"]
    assert texts[2] == "best: lr 0.1, β 0.5, seed 1"
    star = [c for c in ax.collections if c.get_label().startswith("best")][0]
    assert np.allclose(star.get_offsets(), [[0.1, final[best]]])
    legend = ax.get_legend().get_window_extent()
    axes_box = ax.get_window_extent()
    assert legend.x0 >= axes_box.x1  # beside the plot, over no point


def test_a_sweep_of_many_learning_rates_labels_as_many_as_fit_side_by_side():
    """64 learning rates (geomspace 1e-3 … 0.3, 4 seeds): every rate keeps its tick, and as
    laid out when saved, the labels shown (every k-th, the first included, 3 significant
    digits) do not overlap."""
    lrs = np.geomspace(1e-3, 0.3, 64)
    grid = [(s, lr) for s in range(4) for lr in lrs]
    settings = {
        "seed": np.array([g[0] for g in grid]),
        "learning_rate": np.array([g[1] for g in grid]),
        "beta": np.full(len(grid), 0.9),
    }
    final = np.array([0.9 + 0.01 * np.log10(lr) + 0.001 * s for s, lr in grid])
    fig = plots.sweep_figure(settings, final, "accuracy", 0, "digits: 256 models\nmomentum")
    fig.savefig(io.BytesIO(), format="png")
    ax = fig.axes[0]
    assert np.allclose(ax.get_xticks(), lrs)
    labels = ax.get_xticklabels()
    kept = [i for i, t in enumerate(labels) if t.get_text()]
    assert 3 <= len(kept) < 64 and kept == list(range(0, 64, kept[1]))
    assert [labels[i].get_text() for i in kept[:2]] == ["0.001", f"{lrs[kept[1]]:.3g}"]
    shown = [labels[i] for i in kept]
    boxes = [t.get_window_extent() for t in shown]
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes)), [
        (round(b.x0), round(b.x1)) for b in boxes
    ]


def _experiment(name):
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(EXPERIMENTS))


def test_gd_convergence_labels_its_axes_shows_coinciding_bounds_and_keeps_a_useful_range():
    gd = _experiment("gd_convergence")
    steps = 50
    n = np.arange(1, steps + 1)
    curves = {}
    for r in gd.RATIOS:
        gap = np.concatenate([[1.0], 1.0 / n]) if r < 1 else np.concatenate([[1.0], 2.0**n])
        c = 2 * r / 3 - (2 * r) ** 2 / 6  # C = α − Lα²/2 at L = 3: symmetric in r ↔ 1 − r
        curves[r] = (gap, 10 / (n * c) if r < 1 else None)
    fig = gd.figure({"quadratic": curves, "logistic": curves}, steps)
    for ax in fig.axes:
        assert ax.get_ylabel() == "f(xⁿ) − f*" and ax.get_xlabel() == "step n"
        low, high = ax.get_ylim()
        assert low > 1e-3 and high < 1e4  # the curves' range, not down to 1e-16
        texts = legend_texts(ax)
        assert "bound, α = 0.1·2/L" in texts
        assert "bound, α = 0.9·2/L (= bound of 0.1·2/L)" in texts
        bounds = {line.get_label(): line for line in ax.get_lines() if "bound" in line.get_label()}
        first, twin = (
            bounds["bound, α = 0.1·2/L"],
            bounds["bound, α = 0.9·2/L (= bound of 0.1·2/L)"],
        )
        assert np.allclose(first.get_ydata(), twin.get_ydata())
        assert first.get_color() != twin.get_color()
        # matplotlib keeps the dash offset privately: the twin's dashes start in the gaps
        assert first._unscaled_dash_pattern[0] != twin._unscaled_dash_pattern[0]


def test_momentum_convergence_labels_its_axes_and_names_gradient_descent():
    mc = _experiment("momentum_convergence")
    steps = 20
    curves = {(p, b): np.linspace(1, 0.01, steps + 1) for p in ("a", "b") for b in mc.BETAS}
    fig = mc.figure(curves, ["a", "b"], steps)
    for ax in fig.axes:
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("step n", "f(xⁿ) − f*")
        assert legend_texts(ax)[0] == "β = 0.0 (gradient descent)"
        assert ax.get_title().endswith("momentum with α = 1/L")


def test_capacity_labels_every_panel_and_shows_the_unpenalised_fit_whole():
    cap = _experiment("capacity")
    import jax.numpy as jnp

    x = jnp.linspace(-0.9, 0.9, 8)
    y = jnp.sin(jnp.pi * x)
    wild = jnp.zeros(16).at[15].set(-50.0)  # −50·x¹⁵: −50 at x = 1
    choices = [("degree 3 (validation)", jnp.array([0.0, 3.0, 0.0, -4.0])), ("λ = 0", wild)]
    by_degree = {"degree": (3, list(range(15, 0, -1)), list(range(1, 16)))}
    by_lambda = {"lambda": (1e-3, list(np.ones(25)), list(np.ones(25)))}
    fig = cap.figure(by_degree, by_lambda, (x, y), choices)
    axes = fig.axes
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert legend_texts(axes[0])[-1] == "chosen: degree 3"
    assert legend_texts(axes[1])[-1] == "chosen: λ = 1.0e-03"
    assert axes[2].get_ylim()[0] > -2  # the data's range
    assert axes[3].get_ylim()[0] < -50  # the whole curve: nothing clipped
