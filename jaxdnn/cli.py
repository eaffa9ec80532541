"""The command line: ``jaxdnn train``, ``jaxdnn sweep`` and ``jaxdnn verify``.

``jaxdnn sweep`` trains a grid of models (seeds × learning rates × β) at once and prints them
ranked by their validation score (:mod:`jaxdnn.sweep_command`).

``jaxdnn verify`` checks every catalogue entry at fresh random points in float64 and prints a
table (exit status 1 if a check fails; :mod:`jaxdnn.verify`).

``jaxdnn train`` trains a network on a data set that ships with scikit-learn, shows a progress
bar, checkpoints after every epoch (``--resume`` continues exactly where a killed run stopped),
and writes metrics, the history and plots into the run directory. Every error a user can cause
is one line on stderr and exit status 2; a diverged run exits with status 1.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from jaxdnn._extras import MissingExtra, require

EXIT_USAGE = 2
EXIT_DIVERGED = 1
EXIT_FAILED = 1  # out of memory, full disk: nothing the command line could have refused

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
DEFAULT_LR = {"gd": 0.05, "momentum": 0.05, "rmsprop": 1e-3, "adam": 1e-3}
DEFAULT_SWEEP_LR = {
    "gd": [0.01, 0.02, 0.05, 0.1],
    "momentum": [0.01, 0.02, 0.05, 0.1],
    "rmsprop": [3e-4, 1e-3, 3e-3, 1e-2],
    "adam": [3e-4, 1e-3, 3e-3, 1e-2],
}
PRECISIONS = ("float32", "bfloat16")
DEVICES = ("cpu", "gpu")
GRADIENTS = ("autodiff", "backprop")


class UsageError(Exception):
    """A problem the user can fix: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, as every other usage error
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:

    from jaxdnn._version import __version__

    parser = _Parser(prog="jaxdnn", description="The mathematics of dense networks, run.")
    parser.add_argument("--version", action="version", version=f"jaxdnn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a network on a bundled data set")
    _add_run_arguments(train, "runs/DATASET", epochs_help="with --resume, the new total")
    train.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default 0.05 for gd/momentum, 1e-3 for rmsprop/adam)",
    )
    train.add_argument(
        "--beta", type=float, default=None, help="momentum β, or the RMSprop decay (default 0.9)"
    )
    train.add_argument(
        "--seed", type=int, default=None, help="seed of the data split and the model (default 0)"
    )
    train.add_argument(
        "--gradients",
        default=None,
        choices=GRADIENTS,
        help="autodiff (default) or backprop (hand-written)",
    )
    train.add_argument(
        "--devices",
        type=int,
        default=1,
        help="train data-parallel on this many devices (on a CPU, JAX is told to split it)",
    )
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --run-dir from its last finished epoch, with the settings it "
        "was started with (only --epochs, the new total, may change; other options, if given, "
        "must equal the run's); a run killed before its first checkpoint starts again",
    )

    sweep = commands.add_parser(
        "sweep", help="train a grid of models (seeds × learning rates × β) at once with jax.vmap"
    )
    _add_run_arguments(sweep, "runs/sweep-DATASET", epochs_help="of every model")
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
    verify.add_argument(
        "--jobs",
        type=int,
        default=min(8, _usable_cores()),
        help="worker processes (default: the usable cores, at most 8)",
    )
    verify.add_argument(
        "--no-cache",
        action="store_true",
        help="compile every check afresh instead of reusing the programs an earlier run compiled "
        "(kept in ~/.cache/jaxdnn/xla)",
    )
    verify.add_argument(
        "--wide",
        action="store_true",
        help="print each statement and source in full (rows wider than 80 columns)",
    )
    verify.add_argument(
        "--list",
        action="store_true",
        help="list the entries (ID, kind, statement, source) without checking them",
    )
    verify.add_argument(
        "--markdown",
        metavar="FILE",
        default=None,
        help="write the whole catalogue with each entry's measured error to FILE (Markdown)",
    )

    return parser


def _add_run_arguments(
    parser: argparse.ArgumentParser, default_run_dir: str, epochs_help: str
) -> None:
    """The arguments train and sweep share. Options default to None, filled in by
    ``_fill_defaults``, so that a resume can tell which ones were given."""
    from jaxdnn.data import DATASETS

    parser.add_argument(
        "--dataset", default=None, choices=DATASETS, help="the data set (default digits)"
    )
    parser.add_argument(
        "--hidden",
        type=int,
        nargs="*",
        default=None,
        help="hidden layer widths (default 64 64; none: a linear model)",
    )
    parser.add_argument(
        "--optimizer", default=None, choices=OPTIMIZERS, help="the optimizer (default momentum)"
    )
    parser.add_argument(
        "--epochs", type=int, default=None, help=f"number of epochs (default 30; {epochs_help})"
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help="mini-batch size B (default 32)"
    )
    parser.add_argument(
        "--precision",
        default=None,
        choices=PRECISIONS,
        help="float32 (default), or bfloat16: matrix products in bfloat16, parameters, "
        "optimizer state and loss in float32",
    )
    parser.add_argument(
        "--device", default=None, choices=DEVICES, help="the device (default: JAX's default)"
    )
    parser.add_argument(
        "--run-dir", default=None, help=f"output directory (default {default_run_dir})"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


DEFAULTS = {
    "dataset": "digits",
    "hidden": [64, 64],
    "optimizer": "momentum",
    "epochs": 30,
    "batch_size": 32,
    "precision": "float32",
    "beta": 0.9,
    "seed": 0,
    "gradients": "autodiff",
}


def _fill_defaults(args: argparse.Namespace) -> None:
    """Record in ``args.given`` the options given on the command line and fill in the defaults
    of the others (the learning rate's depends on the optimizer)."""
    args.given = {name for name in (*DEFAULTS, "lr") if getattr(args, name, None) is not None}
    for name, value in DEFAULTS.items():
        if name in args and getattr(args, name) is None:
            setattr(args, name, value)
    if args.command == "train" and args.lr is None:
        args.lr = DEFAULT_LR.get(args.optimizer)


LOSS_RISE = 100.0  # a training loss this many times its lowest so far is warned about
MAX_EPOCHS = 2**31 - 1  # the epoch is folded into the data order's key as a 32-bit integer


def _check_run_args(args: argparse.Namespace) -> None:
    """Checks of the arguments train and sweep share."""
    if not 1 <= args.epochs <= MAX_EPOCHS:
        raise UsageError(f"--epochs must lie in [1, {MAX_EPOCHS}], got {args.epochs}")
    seed_name, seed = ("--seed", args.seed) if "seed" in args else ("--data-seed", args.data_seed)
    if not 0 <= seed < 2**32:
        raise UsageError(f"{seed_name} must lie in [0, 2**32), got {seed}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")
    if any(width < 1 for width in args.hidden):
        raise UsageError(f"--hidden widths must be at least 1, got {args.hidden}")
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
    # the command line trains in float32, also where a program has enabled float64
    parts = {name: (X.astype("float32"), Y.astype("float32")) for name, (X, Y) in parts.items()}
    return splits.dataset, parts, y_mean, y_std


def _check_train_args(args: argparse.Namespace) -> None:
    _check_run_args(args)
    if not (math.isfinite(args.lr) and args.lr > 0):
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
        "lr": args.lr,
        "beta": args.beta,
        "epochs": args.epochs,
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

    import jaxdnn as jd
    from jaxdnn.checkpoint import (
        CHECKPOINT_NAME,
        CheckpointError,
        from_state_dict,
        load_training_state,
        save_checkpoint,
    )
    from jaxdnn.devices import describe_device

    config = _config_from_args(args)
    resumed = None
    if args.resume and not (run_dir / CHECKPOINT_NAME).exists() and not _CREATED_RUN_DIRS:
        # killed before its first checkpoint: nothing was finished, so the run starts again
        print(f"no checkpoint in {run_dir} yet: starting the run from its first epoch")
    elif args.resume:
        try:
            resumed = load_training_state(run_dir)
        except CheckpointError as error:
            raise UsageError(f"cannot resume: {error}") from None
        config = _resumed_config(resumed, args, run_dir)
        finished = resumed["epoch"] + 1
        if finished >= config["epochs"] and _report_is_complete(run_dir, finished):
            print(f"run {run_dir} is complete ({finished} epochs); nothing to do")
            return 0

    _, key_init, key_fit = jax.random.split(jax.random.PRNGKey(config["seed"]), 3)
    dataset, parts, y_mean, y_std = _load_data(config["dataset"], config["seed"])
    (X, Y), (X_val, Y_val), (X_test, Y_test) = parts.values()
    widths = (X.shape[1], *config["hidden"], Y.shape[1])
    _check_memory(widths, 1, device)
    optimizer = _make_optimizer(config)
    params = jd.init_params(key_init, widths, dtype=jnp.float32)
    opt_state, initial_epoch, history_before = None, 0, {}
    if resumed is not None:
        saved = [(tuple(W.shape), tuple(b.shape)) for W, b in _layers(resumed["params"])]
        expected = [((n, m), (n,)) for m, n in zip(widths[:-1], widths[1:], strict=True)]
        if saved != expected:
            raise UsageError(
                f"cannot resume from {run_dir}: the checkpoint's parameters (layer shapes "
                f"{[w for w, _ in saved]}) do not match its config (widths {widths})"
            )
        params = jd.load_checkpoint(run_dir)
        try:
            template = optimizer.init(params)
            opt_state = from_state_dict(template, resumed["opt_state"])
            shapes = [jnp.shape(leaf) for leaf in jax.tree.leaves(opt_state)]
            if shapes != [jnp.shape(leaf) for leaf in jax.tree.leaves(template)]:
                raise ValueError("shapes differ")
        except (ValueError, KeyError, TypeError) as error:
            raise UsageError(
                f"cannot resume from {run_dir}: its {config['optimizer']} state does not match "
                f"the parameters ({error})"
            ) from None
        initial_epoch = resumed["epoch"] + 1
        history_before = resumed["history"]
        if any(len(curve) != initial_epoch for curve in history_before.values()):
            raise UsageError(
                f"cannot resume from {run_dir}: its history does not have one entry per "
                f"finished epoch ({initial_epoch})"
            )

    print(
        f"jaxdnn {jd.__version__}: {dataset.name} ({dataset.task}, {X.shape[0]} train / "
        f"{X_val.shape[0]} validation / {X_test.shape[0]} test), widths {widths}, "
        f"{config['optimizer']} lr={config['lr']}, B={config['batch_size']}, "
        f"{config['precision']}, device {describe_device(device)}"
        + (f" ×{mesh.size} data-parallel" if mesh is not None else "")
        + (f"; resuming after epoch {initial_epoch}" if resumed is not None else "")
    )
    if dataset.task == "regression":
        print(
            f"loss: ½·MSE of the targets standardised on the training split (÷ {y_std:.4g}²); "
            "RMSE and MAE in the targets' own units"
        )

    progress = None
    if not args.no_progress and initial_epoch < config["epochs"]:
        from tqdm import tqdm

        progress = tqdm(  # smoothing 0: the rate is epochs / time since the clock was last reset
            total=config["epochs"],
            initial=initial_epoch,
            unit="epoch",
            file=sys.stderr,
            dynamic_ncols=True,
            smoothing=0,
        )

    # the baseline of the loss-rise warning: the losses so far, or the untrained network's
    losses = [v for v in history_before.get("loss", []) if math.isfinite(v)]
    if not losses:
        from jaxdnn.report import _split_metrics

        untrained = _split_metrics(params, X, Y, dataset.loss, dataset.task, y_mean, y_std)
        losses.append(float(untrained["loss"]))
    warned: list[bool] = []

    def on_epoch(epoch, params, opt_state, history):
        if not all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in jax.tree.leaves(params)):
            # the loss was measured before the step that overflowed: keep no such checkpoint
            raise jd.TrainingDiverged(epoch, history["loss"][-1])
        merged = _merge_histories(history_before, history)
        save_checkpoint(
            run_dir, epoch=epoch, params=params, opt_state=opt_state, history=merged, config=config
        )
        loss = history["loss"][-1]
        if losses and not warned and loss > LOSS_RISE * min(losses):
            warned.append(epoch)
            message = (
                f"jaxdnn: warning: the training loss rose from {min(losses):.4g} to {loss:.4g} "
                f"(epoch {epoch + 1}), more than {LOSS_RISE:g}-fold: the learning rate "
                f"{config['lr']:g} is probably too large"
            )
            (progress.write if progress is not None else print)(message, file=sys.stderr)
        losses.append(loss)
        if progress is not None:
            shown = {"loss": f"{loss:.4f}", "val_loss": f"{history['val_loss'][-1]:.4f}"}
            if "val_accuracy" in history:
                shown["val_acc"] = f"{history['val_accuracy'][-1]:.4f}"
            else:  # in the targets' units
                shown["val_rmse"] = f"{history['val_rmse'][-1] * y_std:.4g}"
            progress.set_postfix(shown)
            progress.update(1)
            if epoch == initial_epoch:  # the ETA counts epochs after the compiling first one
                progress.initial, progress.start_t = progress.n, progress._time()

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

    from jaxdnn.report import evaluate_splits, print_table, provenance_of, write_outputs

    params = jax.device_get(params)  # replicated over a mesh: one copy for the report
    metrics = evaluate_splits(params, parts, dataset, y_mean, y_std)
    provenance = provenance_of(device, len(history["epoch"]))
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
    print_table(metrics, dataset.task)
    print(f"trained {trained} epoch{'s' * (trained != 1)} in {seconds:.1f} s; wrote {run_dir}/")
    return 0


def _layers(params: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(params[str(k)]["W"], params[str(k)]["b"]) for k in range(len(params))]


RESUMABLE = {  # config key: (option, accepted type, check of a value)
    "dataset": ("--dataset", str, lambda v: v in _dataset_names()),
    "hidden": ("--hidden", list, lambda v: all(_is_int(w) and w >= 1 for w in v)),
    "optimizer": ("--optimizer", str, lambda v: v in OPTIMIZERS),
    "lr": ("--lr", float, lambda v: math.isfinite(v) and v > 0),
    "beta": ("--beta", float, lambda v: 0 <= v < 1),
    "epochs": ("--epochs", int, lambda v: 1 <= v <= MAX_EPOCHS),
    "batch_size": ("--batch-size", int, lambda v: v >= 1),
    "seed": ("--seed", int, lambda v: 0 <= v < 2**32),
    "gradients": ("--gradients", str, lambda v: v in GRADIENTS),
    "precision": ("--precision", str, lambda v: v in PRECISIONS),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _dataset_names() -> tuple[str, ...]:
    from jaxdnn.data import DATASETS

    return tuple(DATASETS)


def _resumed_config(
    resumed: dict[str, Any], args: argparse.Namespace, run_dir: Path
) -> dict[str, Any]:
    """The configuration of the run being resumed, checked key by key; ``--epochs`` replaces its
    total, and any other option given on the command line must equal the run's setting."""
    saved = resumed["config"]
    config = {}
    for key, (_, kind, valid) in RESUMABLE.items():
        value = saved.get(key, "float32" if key == "precision" else None)  # older checkpoints
        if kind is float and _is_int(value):
            value = float(value)
        well_typed = _is_int(value) if kind is int else isinstance(value, kind)
        if not (well_typed and valid(value)):
            raise UsageError(
                f"cannot resume from {run_dir}: its checkpoint's config has a bad {key!r} "
                f"({value!r})"
            )
        config[key] = value
    for key in sorted(args.given - {"epochs"}):
        given = getattr(args, key)
        if given != config[key]:
            option = RESUMABLE[key][0]
            shown = " ".join(map(str, given)) if key == "hidden" else given
            raise UsageError(
                f"{option} {shown} differs from the run's {config[key]}: --resume continues a "
                f"run with its own settings (only --epochs may change); leave out {option}, or "
                "start a new --run-dir"
            )
    if "epochs" in args.given:
        config["epochs"] = args.epochs
    return config


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


def _network_size(args: argparse.Namespace | None) -> str:
    """ ", a network of N parameters (…)": the size of a train or sweep command's network."""
    if args is None or args.command not in ("train", "sweep"):
        return ""
    from jaxdnn.data import load_dataset
    from jaxdnn.network import param_count

    dataset = load_dataset(args.dataset)
    widths = (dataset.X.shape[1], *args.hidden, dataset.Y.shape[1])
    count = param_count(widths)
    models = len(args.seeds) * len(args.lr or [0] * 4) * len(args.beta) if "seeds" in args else 1
    return (
        f" for a network of widths {widths}, {count:,} parameters "
        f"({count * 4 / 2**30:,.1f} GiB in float32{f', ×{models} models' if models > 1 else ''})"
        "; use smaller --hidden widths or --batch-size"
    )


def _check_memory(widths: Sequence[int], models: int, device: Any) -> None:
    """Refuse, before allocating anything, a network whose parameters alone (×``models``, in
    float32) exceed the device's memory: one line, exit status 1, instead of a failed
    allocation deep inside XLA."""
    from jaxdnn.network import param_count

    count = param_count(widths) * models
    try:
        available = device.memory_stats()["bytes_limit"]
    except Exception:  # a CPU: its physical memory
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if 4 * count > available:
        raise MemoryError(f"{4 * count / 2**30:,.1f} GiB of parameters")


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jaxdnn`` console script."""
    global _RUNNING
    args = None
    try:
        args = _RUNNING = _parser().parse_args(argv)
        require("testing" if args.command == "verify" else "cli", f"jaxdnn {args.command}")
        if args.command in ("train", "sweep"):
            _fill_defaults(args)
        if args.command == "verify":
            from jaxdnn.verify import verify_command

            return verify_command(args)
        if args.command == "sweep":
            from jaxdnn.sweep_command import sweep_command

            return sweep_command(args)
        return train_command(args)
    except UsageError as error:
        print(f"jaxdnn: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except MissingExtra as error:
        print(f"jaxdnn: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(_interrupted_message(args).strip(), file=sys.stderr)
        return 130
    except BrokenPipeError:  # stdout was closed (`jaxdnn … | head`): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except OSError as error:  # a full disk, a read-only or vanished run directory
        where = error.filename or "the run directory"
        print(
            f"jaxdnn: error: cannot write {where}: {error.strerror or error}; every finished "
            "epoch is kept (free space or fix the directory, then --resume)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except MemoryError:
        print(f"jaxdnn: error: out of memory{_network_size(args)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:
        if "RESOURCE_EXHAUSTED" not in str(error):
            raise
        match = re.search(r"allocating (\d+) bytes", str(error))
        asked = f" allocating {int(match[1]) / 2**30:,.1f} GiB" if match else ""
        print(f"jaxdnn: error: out of memory{asked}{_network_size(args)}", file=sys.stderr)
        return EXIT_FAILED
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
    os.write(2, _interrupted_message(_RUNNING).encode())
    os._exit(130)


_RUNNING: argparse.Namespace | None = None
"""The parsed command line of the command running now (for the interruption message)."""


def _interrupted_message(args: argparse.Namespace | None) -> str:
    if args is not None and args.command == "verify":
        return "\njaxdnn: interrupted\n"
    return "\njaxdnn: interrupted; every finished epoch is kept\n"


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
