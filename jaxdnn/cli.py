"""The command line: ``jaxdnn train``, ``jaxdnn sweep`` and ``jaxdnn verify``.

``jaxdnn sweep`` trains a grid of models (seeds × learning rates × β) at once with
``jaxdnn.sweep`` and prints them ranked by their validation score.

``jaxdnn verify`` checks every catalogue entry with a closed form at fresh random points in
float64 and prints a table (exit status 1 if a check fails).

``jaxdnn train`` trains a network on a data set that ships with scikit-learn, shows a progress
bar, checkpoints after every epoch (``--resume`` continues exactly where a killed run stopped),
and writes metrics, the history and plots into the run directory. Every error a user can cause
is one line on stderr and exit status 2; a diverged run exits with status 1.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_USAGE = 2
EXIT_DIVERGED = 1

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
DEFAULT_LR = {"gd": 0.05, "momentum": 0.05, "rmsprop": 1e-3, "adam": 1e-3}
DEFAULT_SWEEP_LR = {
    "gd": [0.01, 0.02, 0.05, 0.1],
    "momentum": [0.01, 0.02, 0.05, 0.1],
    "rmsprop": [3e-4, 1e-3, 3e-3, 1e-2],
    "adam": [3e-4, 1e-3, 3e-3, 1e-2],
}
PRECISIONS = ("float32", "bfloat16")


class UsageError(Exception):
    """A problem the user can fix: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other usage error
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:

    parser = _Parser(prog="jaxdnn", description="The mathematics of dense networks, run.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a network on a bundled data set")
    _add_run_arguments(train, "runs/DATASET")
    train.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default 0.05 for gd/momentum, 1e-3 for rmsprop/adam)",
    )
    train.add_argument(
        "--beta", type=float, default=0.9, help="momentum β, or the RMSprop decay (default 0.9)"
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--gradients", default="autodiff", help="autodiff or backprop")
    train.add_argument(
        "--devices",
        type=int,
        default=1,
        help="train data-parallel on this many devices (on a CPU, JAX is told to split it)",
    )
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --run-dir from its last finished epoch, with "
        "the settings it was started with",
    )

    sweep = commands.add_parser(
        "sweep", help="train a grid of models (seeds × learning rates × β) at once with jax.vmap"
    )
    _add_run_arguments(sweep, "runs/sweep-DATASET")
    sweep.add_argument(
        "--lr",
        type=float,
        nargs="+",
        default=None,
        help="learning rates (default 0.01 0.02 0.05 0.1 for gd/momentum, "
        "3e-4 1e-3 3e-3 1e-2 for rmsprop/adam)",
    )
    sweep.add_argument(
        "--beta",
        type=float,
        nargs="+",
        default=[0.9],
        help="momentum β or RMSprop decays (default 0.9; not used by gd and adam)",
    )
    sweep.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2, 3], help="model seeds (default 0 1 2 3)"
    )
    sweep.add_argument(
        "--data-seed", type=int, default=0, help="seed of the data split (as train's --seed)"
    )

    verify = commands.add_parser(
        "verify", help="check the catalogue's closed forms numerically at random points"
    )
    verify.add_argument(
        "--only", default=None, metavar="PATTERN", help="regular expression on the IDs, e.g. P-ACT"
    )
    verify.add_argument(
        "--examples", type=int, default=20, help="random points per check (default 20)"
    )
    verify.add_argument(
        "--seed", type=int, default=None, help="seed of the draws (default: fresh, printed)"
    )

    return parser


def _add_run_arguments(parser: argparse.ArgumentParser, default_run_dir: str) -> None:
    """The arguments train and sweep share."""
    from jaxdnn.data import DATASETS

    parser.add_argument(
        "--dataset", default="digits", help=f"one of {', '.join(DATASETS)} (default digits)"
    )
    parser.add_argument(
        "--hidden",
        type=int,
        nargs="*",
        default=[64, 64],
        help="hidden layer widths (default 64 64)",
    )
    parser.add_argument("--optimizer", default="momentum", help=f"one of {', '.join(OPTIMIZERS)}")
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="number of epochs (default 30; with --resume, the new total)",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--precision",
        default="float32",
        help="float32 (default), or bfloat16: matrix products in bfloat16, parameters, "
        "optimizer state and loss in float32",
    )
    parser.add_argument("--device", default=None, help="cpu or gpu (default: JAX's default device)")
    parser.add_argument(
        "--run-dir", default=None, help=f"output directory (default {default_run_dir})"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


MAX_EPOCHS = 2**31 - 1  # the epoch is folded into the data order's key as a 32-bit integer


def _check_run_args(args: argparse.Namespace) -> None:
    """Checks of the arguments train and sweep share."""
    from jaxdnn.data import DATASETS

    if args.dataset not in DATASETS:
        raise UsageError(f"unknown dataset {args.dataset!r}; choose one of {', '.join(DATASETS)}")
    if args.optimizer not in OPTIMIZERS:
        raise UsageError(
            f"unknown optimizer {args.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}"
        )
    if args.epochs is not None and not 1 <= args.epochs <= MAX_EPOCHS:
        raise UsageError(f"--epochs must lie in [1, {MAX_EPOCHS}], got {args.epochs}")
    seed_name, seed = ("--seed", args.seed) if "seed" in args else ("--data-seed", args.data_seed)
    if not 0 <= seed < 2**32:
        raise UsageError(f"{seed_name} must lie in [0, 2**32), got {seed}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")
    if any(width < 1 for width in args.hidden):
        raise UsageError(f"--hidden widths must be at least 1, got {args.hidden}")
    if args.precision not in PRECISIONS:
        raise UsageError(
            f"--precision must be one of {', '.join(PRECISIONS)}, got {args.precision!r}"
        )
    if args.device not in (None, "cpu", "gpu"):
        raise UsageError(f"--device must be cpu or gpu, got {args.device!r}")
    if args.run_dir is not None and not args.run_dir.strip():
        raise UsageError("--run-dir must not be empty")


def _start_device(platform: str | None, n_devices: int = 1):
    """Start JAX on the chosen platform (and, on a CPU, split into ``n_devices`` devices):
    returns ``(device, mesh or None)``."""
    if n_devices > 1:  # must reach XLA before JAX starts; it only affects the CPU backend
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_force_host_platform_device_count" not in flags:
            os.environ["XLA_FLAGS"] = (
                f"{flags} --xla_force_host_platform_device_count={n_devices}".strip()
            )
    from jaxdnn.devices import data_parallel_mesh, select_device

    try:
        device = select_device(platform)
        mesh = data_parallel_mesh(n_devices, device.platform) if n_devices > 1 else None
    except ValueError as error:
        message = str(error).replace("n_devices=", "--devices ").replace("device '", "--device '")
        raise UsageError(message) from None
    return device, mesh


def _load_data(dataset_name: str, seed: int):
    """The splits of ``jaxdnn train --seed seed``; regression targets standardised on the
    training split. Returns ``(dataset, parts, y_mean, y_std)``."""
    import jax

    import jaxdnn as jd

    key_split = jax.random.split(jax.random.PRNGKey(seed), 3)[0]
    splits = jd.load_splits(dataset_name, key_split)
    parts = {"train": splits.train, "validation": splits.val, "test": splits.test}
    y_mean, y_std = 0.0, 1.0
    if splits.dataset.task == "regression":  # train on standardised targets, report in units
        y_mean, y_std = float(splits.train[1].mean()), float(splits.train[1].std())
        parts = {name: (X, (Y - y_mean) / y_std) for name, (X, Y) in parts.items()}
    return splits.dataset, parts, y_mean, y_std


def _check_train_args(args: argparse.Namespace) -> None:
    _check_run_args(args)
    if args.gradients not in ("autodiff", "backprop"):
        raise UsageError(f"--gradients must be autodiff or backprop, got {args.gradients!r}")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a finite number > 0, got {args.lr}")
    if not 0 <= args.beta < 1:
        raise UsageError(f"--beta must lie in [0, 1), got {args.beta}")
    if args.devices < 1:
        raise UsageError(f"--devices must be at least 1, got {args.devices}")
    if args.batch_size % args.devices:
        raise UsageError(
            f"--batch-size ({args.batch_size}) must be a multiple of --devices ({args.devices})"
        )
    if args.precision != "float32" and args.gradients != "autodiff":
        raise UsageError(f"--precision {args.precision} needs --gradients autodiff")


_HELD_LOCKS: list[Any] = []  # released when main returns (and by the kernel on any exit)
_CREATED_RUN_DIRS: list[list[Path]] = []  # removed again if the command wrote nothing there


def _prepare_run_dir(run_dir: Path) -> None:
    """Create the run directory, take its lock (one process at a time) and remove the temporary
    files a killed process left behind."""
    from jaxdnn.rundir import RunDirectoryBusy, RunLock, remove_stale_temporaries

    try:
        missing = [d for d in (run_dir, *run_dir.parents) if not d.exists()]  # deepest first
        if missing:
            _CREATED_RUN_DIRS.append(missing)
        run_dir.mkdir(parents=True, exist_ok=True)
        lock = RunLock(run_dir).__enter__()
        _HELD_LOCKS.append(lock)
        remove_stale_temporaries(run_dir)
    except RunDirectoryBusy as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot write to run directory {run_dir}: {error.strerror}") from None


def _optimizer_family(name: str):
    """The optimizer's constructor and the name of the hyperparameter ``--beta`` sets (None:
    the constructor takes only ``learning_rate`` from the command line)."""
    import jaxdnn as jd

    return {
        "gd": (jd.gradient_descent, None),
        "momentum": (jd.momentum, "beta"),
        "rmsprop": (jd.rmsprop, "decay"),
        "adam": (jd.adam, None),
    }[name]


def _make_optimizer(config: dict[str, Any]):
    constructor, beta_name = _optimizer_family(config["optimizer"])
    extra = {} if beta_name is None else {beta_name: config["beta"]}
    return constructor(config["lr"], **extra)


def _config_from_args(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "dataset": args.dataset,
        "hidden": list(args.hidden),
        "optimizer": args.optimizer,
        "lr": args.lr if args.lr is not None else DEFAULT_LR[args.optimizer],
        "beta": args.beta,
        "epochs": args.epochs if args.epochs is not None else 30,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "gradients": args.gradients,
        "precision": args.precision,
    }


def train_command(args: argparse.Namespace) -> int:
    """``jaxdnn train``: returns the exit status."""
    _check_train_args(args)
    run_dir = Path(args.run_dir if args.run_dir is not None else Path("runs") / args.dataset)
    _prepare_run_dir(run_dir)
    device, mesh = _start_device(args.device, args.devices)

    import jax
    import jax.numpy as jnp
    from flax import serialization

    import jaxdnn as jd
    from jaxdnn.checkpoint import CheckpointError, load_training_state, save_checkpoint
    from jaxdnn.devices import describe_device

    config = _config_from_args(args)
    resumed = None
    if args.resume:
        try:
            resumed = load_training_state(run_dir)
        except CheckpointError as error:
            raise UsageError(f"cannot resume: {error}") from None
        config = dict(resumed["config"])
        if args.epochs is not None:
            config["epochs"] = args.epochs
        try:
            finished = int(resumed["epoch"]) + 1
        except (TypeError, ValueError):
            raise UsageError(f"cannot resume from {run_dir}: bad epoch in checkpoint") from None
        if finished >= config["epochs"] and _report_is_complete(run_dir, finished):
            print(f"run {run_dir} is complete ({finished} epochs); nothing to do")
            return 0

    config.setdefault("precision", "float32")  # checkpoints written before the option
    _, key_init, key_fit = jax.random.split(jax.random.PRNGKey(config["seed"]), 3)
    dataset, parts, y_mean, y_std = _load_data(config["dataset"], config["seed"])
    (X, Y), (X_val, Y_val), (X_test, Y_test) = parts.values()
    widths = (X.shape[1], *config["hidden"], Y.shape[1])
    optimizer = _make_optimizer(config)
    params = jd.init_params(key_init, widths, dtype=jnp.float32)
    opt_state, initial_epoch, history_before = None, 0, {}
    if resumed is not None:
        try:
            params = jd.load_checkpoint(run_dir)
            opt_state = serialization.from_state_dict(optimizer.init(params), resumed["opt_state"])
        except (CheckpointError, ValueError, KeyError, TypeError) as error:
            raise UsageError(
                f"cannot resume from {run_dir}: checkpoint does not match ({error})"
            ) from None
        initial_epoch = int(resumed["epoch"]) + 1
        history_before = resumed["history"]

    print(
        f"jaxdnn {jd.__version__}: {dataset.name} ({dataset.task}, {X.shape[0]} train / "
        f"{X_val.shape[0]} validation / {X_test.shape[0]} test), widths {widths}, "
        f"{config['optimizer']} lr={config['lr']}, B={config['batch_size']}, "
        f"{config['precision']}, device {describe_device(device)}"
        + (f" ×{mesh.size} data-parallel" if mesh is not None else "")
        + (f"; resuming after epoch {initial_epoch}" if resumed is not None else "")
    )

    progress = None
    if not args.no_progress and initial_epoch < config["epochs"]:
        from tqdm import tqdm

        progress = tqdm(
            total=config["epochs"],
            initial=initial_epoch,
            unit="epoch",
            file=sys.stderr,
            dynamic_ncols=True,
        )

    def on_epoch(epoch, params, opt_state, history):
        if not all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in jax.tree.leaves(params)):
            # the loss was measured before the step that overflowed: keep no such checkpoint
            raise jd.TrainingDiverged(epoch, history["loss"][-1])
        merged = _merge_histories(history_before, history)
        save_checkpoint(
            run_dir, epoch=epoch, params=params, opt_state=opt_state, history=merged, config=config
        )
        if progress is not None:
            progress.set_postfix(loss=f"{history['loss'][-1]:.4f}")
            progress.update(1)

    start = time.perf_counter()
    try:
        params, history = jd.fit(
            params,
            X,
            Y,
            optimizer,
            key=key_fit,
            epochs=config["epochs"],
            batch_size=config["batch_size"],
            loss=dataset.loss,
            gradients=config["gradients"],
            X_val=X_val,
            Y_val=Y_val,
            callback=on_epoch,
            opt_state=opt_state,
            initial_epoch=initial_epoch,
            precision=None if config["precision"] == "float32" else config["precision"],
            mesh=mesh,
        )
    except jd.TrainingDiverged as error:
        if progress is not None:
            progress.close()
        kept = (
            f"the checkpoint of the last finite epoch is kept in {run_dir}"
            if (run_dir / "checkpoint.msgpack").exists()
            else "no epoch finished"
        )
        cause = (
            f"the training loss is {error.loss}"
            if not math.isfinite(error.loss)
            else f"the parameters overflowed (training loss {error.loss:.4g})"
        )
        print(
            f"jaxdnn: training diverged in epoch {error.epoch + 1} of {config['epochs']}: "
            f"{cause}; try a smaller learning rate (for example --lr {config['lr'] / 10:g}); "
            f"{kept}",
            file=sys.stderr,
        )
        return EXIT_DIVERGED
    if progress is not None:
        progress.close()
    seconds = time.perf_counter() - start
    trained = len(history["epoch"])
    history = _merge_histories(history_before, history)

    from jaxdnn.report import evaluate_splits, print_table, write_outputs

    params = jax.device_get(params)  # replicated over a mesh: one copy for the report
    metrics = evaluate_splits(params, parts, dataset, y_mean, y_std)
    print_table(metrics, dataset.task)
    provenance = _provenance(device, len(history["epoch"]))
    write_outputs(
        run_dir,
        params,
        parts,
        dataset,
        metrics,
        history,
        config,
        y_mean,
        y_std,
        seconds,
        provenance,
    )
    print(f"trained {trained} epochs in {seconds:.1f} s; wrote {run_dir}/")
    return 0


def _merge_histories(before: dict[str, list], new: dict[str, list]) -> dict[str, list]:
    """The checkpointed history followed by this process's epochs, every curve kept (a resume
    with no epoch left to train adds nothing, and loses nothing)."""
    return {k: list(before.get(k, [])) + list(new.get(k, [])) for k in {**before, **new}}


def _report_is_complete(run_dir: Path, epochs: int) -> bool:
    """metrics.json was written for these ``epochs`` (the report follows the last checkpoint)."""
    import json

    try:
        summary = json.loads((run_dir / "metrics.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(summary, dict) and summary.get("epochs") == epochs


def _provenance(device: Any, epochs: int) -> dict[str, Any]:
    """What reproduces a result: versions, device, command line, time (UTC), epochs trained."""
    import datetime

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

    epochs = args.epochs if args.epochs is not None else 30
    dataset, parts, y_mean, y_std = _load_data(args.dataset, args.data_seed)
    (X, Y), (X_val, Y_val) = parts["train"], parts["validation"]
    widths = (X.shape[1], *args.hidden, Y.shape[1])
    constructor, beta_name = _optimizer_family(args.optimizer)
    grid = {"learning_rate": args.lr if args.lr is not None else DEFAULT_SWEEP_LR[args.optimizer]}
    if beta_name is not None:
        grid[beta_name] = args.beta
    settings = _grid(args.seeds, grid)  # one row per model, as the sweep orders them
    models = len(settings["seed"])
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
    header = "  ".join(f"{n:>13}" for n in [*names, "train loss", "val loss", score[4:]])
    print(header)
    print("-" * len(header))
    for m in order:
        row = [settings[n][m] for n in names]
        row += [result.history["loss"][m, -1], result.history["val_loss"][m, -1], final[m]]
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


def verify_command(args: argparse.Namespace) -> int:
    """``jaxdnn verify``: run the catalogue checks, print the table, return the exit status."""
    import re
    import secrets

    if args.examples < 1:
        raise UsageError(f"--examples must be at least 1, got {args.examples}")
    if args.only is not None:
        try:
            re.compile(args.only)
        except re.error as error:
            raise UsageError(
                f"--only is not a regular expression ({error}): {args.only!r}"
            ) from None
    seed = args.seed if args.seed is not None else secrets.randbelow(2**32)

    # the checks compile many tiny programs: XLA's backend optimisations cost more than they save
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_backend_optimization_level" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_backend_optimization_level=0".strip()
    import jax

    jax.config.update("jax_enable_x64", True)
    from jaxdnn import verify

    selected = [c for c in verify.CHECKS if args.only is None or re.search(args.only, c.id, re.I)]
    if not selected:
        raise UsageError(f"no catalogue ID matches --only {args.only!r}")
    print(
        f"jaxdnn verify: {len(selected)} checks, {args.examples} random points each, float64, "
        f"seed {seed}; error = max |a − b| / (|b| + 0.01), pass at ≤ 1e-10"
    )
    what_width = max(len(c.what) for c in selected)
    source_width = max(len(c.source) for c in selected)
    header = (
        f"{'ID':<22} {'what is checked':<{what_width}} {'source':<{source_width}} "
        f"{'max error':>9} {'printed':>9}  result"
    )
    print(header)
    print("-" * len(header))
    start, failed = time.perf_counter(), []
    for result in verify.run_checks(args.only, args.examples, seed):
        check = result.check
        printed = "" if result.printed_error is None else f"{result.printed_error:9.1e}"
        status = "pass" if result.passed else "FAIL"
        print(
            f"{check.id:<22} {check.what:<{what_width}} {check.source:<{source_width}} "
            f"{result.max_error:9.1e} {printed:>9}  {status}"
            + (f" ({result.error})" if result.error else ""),
            flush=True,
        )
        if not result.passed:
            failed.append(check.id)
    seconds = time.perf_counter() - start
    print(
        f"{len(selected) - len(failed)} of {len(selected)} checks passed in {seconds:.0f} s "
        f"(seed {seed}; 'printed' is the error of a document's printed formula, which an "
        "erratum check requires to exceed 1e-6)"
    )
    if failed:
        print(f"jaxdnn verify: FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jaxdnn`` console script."""
    try:
        args = _parser().parse_args(argv)
        if args.command == "verify":
            return verify_command(args)
        if args.command == "sweep":
            return sweep_command(args)
        return train_command(args)
    except UsageError as error:
        print(f"jaxdnn: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jaxdnn: interrupted; the last finished epoch is checkpointed", file=sys.stderr)
        return 130
    finally:
        while _HELD_LOCKS:
            _HELD_LOCKS.pop().__exit__(None, None, None)
        while _CREATED_RUN_DIRS:
            _remove_if_unused(_CREATED_RUN_DIRS.pop())


def _remove_if_unused(created: list[Path]) -> None:
    """A run directory this command created (with the parents it created, deepest first) and
    wrote nothing into — it failed before the first checkpoint: no GPU, no checkpoint to resume,
    divergence in the first epoch — is removed."""
    run_dir = created[0]
    try:
        if {entry.name for entry in os.scandir(run_dir)} <= {".lock"}:
            (run_dir / ".lock").unlink(missing_ok=True)
            for directory in created:
                directory.rmdir()
    except OSError:
        pass  # another process is using it, or it is gone: leave it


def _stop_on_interrupt(signum: int, frame: Any) -> None:
    """Ctrl-C stops the command at once: one line, exit status 130. Every finished epoch is
    already in the run directory (each file is replaced atomically, and a temporary file cut
    short is removed on the next start); the kernel releases the run's lock."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os.write(2, b"\njaxdnn: interrupted; every finished epoch is kept\n")
    os._exit(130)


def entry_point() -> None:
    """Console-script wrapper: exit with ``main``'s status.

    SIGINT is handled by ``_stop_on_interrupt`` rather than as a ``KeyboardInterrupt``, which
    code inside JAX, tqdm or matplotlib could catch (the run went on) or turn into a traceback.
    """
    signal.signal(signal.SIGINT, _stop_on_interrupt)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
