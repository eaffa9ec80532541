"""``jaxdnn sweep``: train a grid of models (seeds × learning rates × β) at once with
:mod:`jaxdnn.sweep`, print them ranked by their validation score, and write ``sweep.json`` into
the run directory. The options are parsed, and shared checks made, by :mod:`jaxdnn.cli`.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from jaxdnn.cli import (
    DEFAULT_SWEEP_LR,
    EXIT_DIVERGED,
    UsageError,
    _check_memory,
    _check_run_args,
    _load_data,
    _optimizer_family,
    _prepare_run_dir,
    _start_device,
)

__all__ = ["sweep_command"]


def _check_sweep_args(args: argparse.Namespace) -> None:
    _check_run_args(args)
    if args.lr is not None and not all(math.isfinite(lr) and lr > 0 for lr in args.lr):
        raise UsageError(f"--lr values must be finite numbers > 0, got {args.lr}")
    if not all(0 <= beta < 1 for beta in args.beta):
        raise UsageError(f"--beta values must lie in [0, 1), got {args.beta}")
    if not all(0 <= seed < 2**32 for seed in args.seeds):
        raise UsageError(f"--seeds must lie in [0, 2**32), got {args.seeds}")


def sweep_command(args: argparse.Namespace) -> int:
    """``jaxdnn sweep``: train the grid, print the table, write sweep.json; the exit status."""
    _check_sweep_args(args)
    run_dir = Path(
        args.run_dir if args.run_dir is not None else Path("runs") / f"sweep-{args.dataset}"
    )
    _prepare_run_dir(run_dir)
    device, _ = _start_device(args.device)

    import jax
    import jax.numpy as jnp
    import numpy as np

    import jaxdnn as jd
    from jaxdnn.devices import describe_device
    from jaxdnn.report import evaluate_splits, write_sweep
    from jaxdnn.sweep import _grid

    epochs = args.epochs
    dataset, parts, y_mean, y_std = _load_data(args.dataset, args.data_seed)
    (X, Y), (X_val, Y_val) = parts["train"], parts["validation"]
    widths = (X.shape[1], *args.hidden, Y.shape[1])
    constructor, beta_name = _optimizer_family(args.optimizer)
    grid = {"learning_rate": args.lr if args.lr is not None else DEFAULT_SWEEP_LR[args.optimizer]}
    if beta_name is not None:
        grid[beta_name] = args.beta
    settings = _grid(args.seeds, grid)  # one row per model, as the sweep orders them
    models = len(settings["seed"])
    _check_memory(widths, models, device)
    steps = -(-X.shape[0] // min(args.batch_size, X.shape[0]))
    print(
        f"jaxdnn {jd.__version__} sweep: {models} models of widths {widths} on {dataset.name} "
        f"({X.shape[0]} train / {X_val.shape[0]} validation), {args.optimizer}, "
        f"B={args.batch_size}, {epochs} epochs, {args.precision}, device {describe_device(device)}"
    )
    progress = None
    if not args.no_progress:
        from tqdm import tqdm

        progress = tqdm(total=epochs, unit="epoch", file=sys.stderr, dynamic_ncols=True)
    config = {**vars(args), "epochs": epochs, "widths": list(widths), "models": models}
    config.pop("command")
    config.pop("given")

    finished = []  # when each epoch finished: the first one includes the compilation

    def on_epoch(epoch, params, opt_state, history):
        finished.append(time.perf_counter())
        write_sweep(run_dir, config, settings, history, None)  # finished epochs survive a kill
        if progress is not None:
            progress.update(1)

    start = time.perf_counter()
    result = jd.sweep(
        widths,
        X,
        Y,
        constructor,
        seeds=args.seeds,
        hyperparameters=grid,
        epochs=epochs,
        batch_size=args.batch_size,
        loss=dataset.loss,
        X_val=X_val,
        Y_val=Y_val,
        precision=None if args.precision == "float32" else args.precision,
        dtype=jnp.float32,
        callback=on_epoch,
    )
    seconds = time.perf_counter() - start
    if progress is not None:
        progress.close()
    score = "val_rmse" if dataset.task == "regression" else "val_accuracy"
    final = result.history[score][:, -1]
    # a diverged model (or a NaN score) is never ranked above a finite one
    ranked = np.where(np.isfinite(final), final * (1 if score == "val_rmse" else -1), np.inf)
    order = sorted(range(models), key=lambda m: (bool(result.diverged[m]), ranked[m]))
    diverged_in = {  # the epoch (counted from 1) whose training loss was not finite
        m: int(np.argmax(~np.isfinite(result.history["loss"][m]))) + 1
        for m in range(models)
        if result.diverged[m]
    }
    best = order[0]
    test = evaluate_splits(
        jax.device_get(result.model(best)), {"test": parts["test"]}, dataset, y_mean, y_std
    )["test"]
    names = list(settings)
    if score == "val_rmse":
        print(
            f"losses: ½·MSE of the targets standardised on the training split (÷ {y_std:.4g}²); "
            "rmse in the targets' own units"
        )
    header = "  ".join(f"{n:>13}" for n in [*names, "train loss", "val loss", score[4:]])
    print(header)
    print("-" * len(header))
    for m in order:
        row = [settings[n][m] for n in names]
        shown_score = final[m] * y_std if score == "val_rmse" else final[m]  # in target units
        row += [result.history["loss"][m, -1], result.history["val_loss"][m, -1], shown_score]
        cells = "  ".join(f"{v:>13.6g}" for v in row)
        print(cells + (f"  diverged in epoch {diverged_in[m]}" if m in diverged_in else ""))
    if len(diverged_in) == models:
        write_sweep(run_dir, config, settings, result.history, {"best": None})
        print(
            f"jaxdnn: every model diverged (the first in epoch {min(diverged_in.values())}); try "
            f"smaller learning rates; wrote {run_dir}/",
            file=sys.stderr,
        )
        return EXIT_DIVERGED
    compile_seconds = finished[0] - start
    rate = None
    if len(finished) > 1:  # after the first epoch: without the compilation
        rate = models * steps * (len(finished) - 1) / (finished[-1] - finished[0])
    summary = {
        "best": {n: float(settings[n][best]) for n in names},
        "best_test": test,
        "seconds": seconds,
        "first_epoch_seconds": compile_seconds,
        "model_steps_per_second": rate,
    }
    write_sweep(run_dir, config, settings, result.history, summary)
    best_settings = ", ".join(f"{n} {settings[n][best]:g}" for n in names)
    shown = (
        f"{test['rmse']:.4g} RMSE" if score == "val_rmse" else f"{test['accuracy']:.4f} accuracy"
    )
    print(
        f"best by validation {score[4:]}: {best_settings}; its test {shown}\n"
        f"{models} models × {steps * len(result.history['epoch'])} steps in {seconds:.1f} s "
        f"(first epoch, with compilation, {compile_seconds:.1f} s"
        + (f"; then {rate:,.0f} model-steps/s" if rate else "")
        + f"); wrote {run_dir}/"
    )
    return 0
