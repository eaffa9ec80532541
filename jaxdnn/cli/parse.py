"""The command line's grammar: the options of ``jaxdnn train``, ``sweep``, ``predict`` and
``verify``, their defaults, and the checks that turn a bad value into one line naming the option.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Any, NoReturn

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
TASKS = ("multiclass", "binary", "regression")
SCHEDULES = ("constant", "cosine", "step")
DATASETS = ("digits", "breast_cancer", "diabetes", "iris", "wine")
"""The bundled data sets (``jaxdnn.data.DATASETS``), named here so that parsing needs no JAX."""


class UsageError(Exception):
    """A problem the user can fix: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, as every other usage error
        raise UsageError(message)

    def _print_message(self, message: str, file: Any = None) -> None:
        # --help and --version: argparse ignores an output that cannot be written; here it is
        # reported as any other command's output is (jaxdnn.cli.main: one line, exit status 1)
        if message and file is not None:  # None: standard output closed, reported by main
            file.write(message)


def build_parser() -> argparse.ArgumentParser:

    from jaxdnn._version import __version__

    parser = _Parser(prog="jaxdnn", description="The mathematics of dense networks, run.")
    parser.add_argument("--version", action="version", version=f"jaxdnn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser(
        "train", help="train a network on a bundled data set or on your own CSV or NPZ file"
    )
    _add_run_arguments(train, "runs/DATASET", epochs_help="with --resume, the new total")
    train.add_argument(
        "--patience",
        type=int,
        default=None,
        help="stop when the validation loss has not improved for this many epochs, and keep "
        "the best epoch's parameters (default: train every epoch)",
    )
    train.add_argument(
        "--schedule",
        default=None,
        choices=SCHEDULES,
        help="step size over the run: constant (default), cosine (decays to 0 at the last "
        "step) or step (×0.1 at 50 %% and 75 %% of the steps)",
    )
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
        default=None,
        help="train data-parallel on this many devices in all (on a CPU, JAX is told to split "
        "it; default 1, or one per process)",
    )
    train.add_argument(
        "--processes",
        type=int,
        default=1,
        help="train data-parallel in this many JAX processes on this machine's CPU, each with "
        "its share of --devices, joined by jax.distributed over gloo (the path to a cluster); "
        "process 0 writes the run directory",
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
        default=None,
        help="momentum β or RMSprop decays (default 0.9; not used by gd and adam)",
    )
    sweep.add_argument(
        "--seeds", type=int, nargs="+", default=None, help="model seeds (default 0 1 2 3)"
    )
    sweep.add_argument(
        "--data-seed",
        type=int,
        default=None,
        help="seed of the data split (as train's --seed; default 0)",
    )
    sweep.add_argument(
        "--devices",
        type=int,
        default=None,
        help="split the models across this many devices, each training its share (on a CPU, "
        "JAX is told to split it; default: on a CPU, one per usable core, as many as divide the "
        "seeds or the points per seed evenly; elsewhere 1)",
    )
    sweep.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in --run-dir from its last finished epoch, with the settings it "
        "was started with (only --epochs, the new total, may change; other options, if given, "
        "must equal the sweep's)",
    )

    predict = commands.add_parser(
        "predict", help="predict with a trained run: one row per sample of a CSV or NPZ file"
    )
    predict.add_argument("--run-dir", required=True, help="the run directory of jaxdnn train")
    predict.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="CSV with a header naming the run's feature columns (the target column, if "
        "present, is compared with the predictions), or NPZ with an array X",
    )
    predict.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="where to write the predictions as CSV (default RUN_DIR/predictions.csv; - for "
        "standard output)",
    )
    _add_no_cache(predict)

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
        default=min(8, usable_cores()),
        help="processes sharing the checks, this one included (default: usable cores, at most 8)",
    )
    _add_no_cache(verify)
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
    ``fill_defaults``, so that a resume can tell which ones were given."""
    parser.add_argument(
        "--dataset", default=None, choices=DATASETS, help="a bundled data set (default digits)"
    )
    parser.add_argument(
        "--data",
        default=None,
        metavar="FILE",
        help="your own data instead: a CSV file with a header row, or an NPZ file with arrays X "
        "and y (and optionally X_test, y_test: the test split, taken as given)",
    )
    parser.add_argument(
        "--target", default=None, help="the CSV column to predict (default: the last one)"
    )
    parser.add_argument(
        "--task",
        default=None,
        choices=TASKS,
        help="force the task (default: inferred: integer or string labels are classes, two "
        "of them binary; real values regression)",
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
    _add_no_cache(parser)
    parser.add_argument(
        "--run-dir", default=None, help=f"output directory (default {default_run_dir})"
    )
    parser.add_argument(
        "--l2",
        type=float,
        default=None,
        help="ridge penalty λ: adds (λ/2)·Σ‖W‖² of the weights to every model's objective "
        "(default 0)",
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
    "l2": 0.0,
    "schedule": "constant",
}
SWEEP_DEFAULTS = {"beta": [0.9], "seeds": [0, 1, 2, 3], "data_seed": 0}
"""The defaults that differ for ``jaxdnn sweep`` (its grid's)."""
OPTIONAL = ("data", "target", "task", "patience")
"""Options whose absence (None) is itself the default."""


def fill_defaults(args: argparse.Namespace) -> None:
    """Record in ``args.given`` the options given on the command line that set a run's
    settings, and fill in the defaults of the others (the learning rate's depends on the
    optimizer)."""
    defaults, names = DEFAULTS, (*DEFAULTS, *OPTIONAL, "lr")
    if args.command == "sweep":
        defaults, names = DEFAULTS | SWEEP_DEFAULTS, (*names, *SWEEP_DEFAULTS, "device", "devices")
    args.given = {name for name in names if getattr(args, name, None) is not None}
    for name, value in defaults.items():
        if name in args and getattr(args, name) is None:  # a list is copied: never shared
            setattr(args, name, list(value) if isinstance(value, list) else value)
    if args.command == "train" and args.lr is None:
        args.lr = DEFAULT_LR.get(args.optimizer)


LOSS_RISE = 100.0  # a training loss this many times its lowest so far is warned about
MAX_EPOCHS = 2**31 - 1  # the epoch is folded into the data order's key as a 32-bit integer


def check_run_args(args: argparse.Namespace) -> None:
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
    if not (math.isfinite(args.l2) and args.l2 >= 0):
        raise UsageError(f"--l2 must be a finite number >= 0, got {args.l2}")
    if args.data is not None and "dataset" in args.given:
        raise UsageError("give --dataset or --data, not both")
    if args.data is None and (args.target is not None or args.task is not None):
        option = "--target" if args.target is not None else "--task"
        raise UsageError(f"{option} applies to --data FILE only")


def check_train_args(args: argparse.Namespace) -> None:
    check_run_args(args)
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a finite number > 0, got {args.lr}")
    if not 0 <= args.beta < 1:
        raise UsageError(f"--beta must lie in [0, 1), got {args.beta}")
    if args.processes < 1:
        raise UsageError(f"--processes must be at least 1, got {args.processes}")
    if args.devices is None:
        args.devices = args.processes
    if args.devices < 1:
        raise UsageError(f"--devices must be at least 1, got {args.devices}")
    if args.devices % args.processes:
        raise UsageError(
            f"--devices ({args.devices}) must be a multiple of --processes ({args.processes})"
        )
    if args.processes > 1 and args.device == "gpu":
        raise UsageError(
            "--processes starts processes on this machine's CPU; on GPU hosts start one "
            "process per host with jax.distributed (see the README)"
        )
    if args.batch_size % args.devices:
        raise UsageError(
            f"--batch-size ({args.batch_size}) must be a multiple of --devices ({args.devices})"
        )
    if args.precision != "float32" and args.gradients != "autodiff":
        raise UsageError(f"--precision {args.precision} needs --gradients autodiff")
    if args.patience is not None and args.patience < 1:
        raise UsageError(f"--patience must be at least 1, got {args.patience}")


def check_sweep_args(args: argparse.Namespace) -> None:
    check_run_args(args)
    if args.lr is not None and not all(math.isfinite(lr) and lr > 0 for lr in args.lr):
        raise UsageError(f"--lr values must be finite numbers > 0, got {args.lr}")
    if not all(0 <= beta < 1 for beta in args.beta):
        raise UsageError(f"--beta values must lie in [0, 1), got {args.beta}")
    if not all(0 <= seed < 2**32 for seed in args.seeds):
        raise UsageError(f"--seeds must lie in [0, 2**32), got {args.seeds}")
    for option, values in (("--lr", args.lr or []), ("--beta", args.beta), ("--seeds", args.seeds)):
        repeated = next((v for k, v in enumerate(values) if v in values[:k]), None)
        if repeated is not None:  # the grid would train the same model twice
            raise UsageError(f"{option} lists {repeated} twice, got {values}")
    if args.devices is not None:
        if args.devices < 1:
            raise UsageError(f"--devices must be at least 1, got {args.devices}")
        seeds, points = len(args.seeds), sweep_points(args)
        if seeds % args.devices and points % args.devices:
            raise UsageError(
                f"--devices {args.devices} divides neither the {seeds} seed"
                f"{'s' * (seeds != 1)} nor the {points} grid point{'s' * (points != 1)} per seed: "
                "the models are split evenly along one of the two"
            )


def sweep_points(args: argparse.Namespace) -> int:
    """The number of models of one seed: learning rates × β values (if the optimizer has a β)."""
    lrs = len(args.lr) if args.lr is not None else len(DEFAULT_SWEEP_LR[args.optimizer])
    return lrs * (len(args.beta) if args.optimizer in ("momentum", "rmsprop") else 1)


def sweep_devices(available: int, seeds: int, points: int) -> int:
    """The default ``--devices`` of a sweep on a CPU of ``available`` devices: the most that
    divide the seeds or the points per seed."""
    return max(d for d in range(1, available + 1) if seeds % d == 0 or points % d == 0)


def same_data(given: str, saved: dict[str, Any]) -> bool:
    """Whether ``--data given`` holds the data of the run whose settings are ``saved`` (the same
    SHA-256): the run's file named by another path (resumed from another directory, or moved)."""
    from jaxdnn.datafile import file_sha256

    try:
        return saved.get("data_sha256") is not None and file_sha256(given) == saved["data_sha256"]
    except OSError:
        return False


def check_resume_options(
    args: argparse.Namespace, settings: dict[str, Any], saved: dict[str, Any], what: str
) -> None:
    """With ``--resume``, each option given but ``--epochs`` must equal the ``settings`` of the
    ``what`` ("run" or "sweep") being resumed; ``--data`` may name its file by another path
    (the same bytes as the ``saved`` settings' SHA-256)."""
    for key in sorted(args.given - {"epochs"}):
        given = getattr(args, key)
        if given == settings.get(key) or (key == "data" and same_data(given, saved)):
            continue
        option = f"--{key.replace('_', '-')}"
        shown = " ".join(map(str, given)) if isinstance(given, list) else given
        raise UsageError(
            f"{option} {shown} differs from the {what}'s {settings.get(key, 'unset')}: --resume "
            f"continues a {what} with the settings it was started with (only --epochs, the new "
            f"total, may change); leave out {option}, or start a new --run-dir"
        )


def check_verify_args(args: argparse.Namespace) -> None:
    import re

    if args.examples < 1:
        raise UsageError(f"--examples must be at least 1, got {args.examples}")
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    if args.seed is not None and not 0 <= args.seed < 2**32:
        raise UsageError(f"--seed must lie in [0, 2**32), got {args.seed}")
    if args.list and args.markdown is not None:  # --list computes nothing to write
        raise UsageError("--list and --markdown exclude each other: --list computes nothing")
    if args.only is not None:
        try:
            re.compile(args.only)
        except re.error as error:
            raise UsageError(
                f"--only is not a regular expression ({error}): {args.only!r}"
            ) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


RESUMABLE: dict[str, tuple[str, Any, Any]] = {
    # config key: (option, value in checkpoints older than the option, check of a value)
    "dataset": ("--dataset", None, lambda v: v is None or v in DATASETS),
    "data": ("--data", None, lambda v: v is None or isinstance(v, str)),
    "data_sha256": ("--data", None, lambda v: v is None or isinstance(v, str)),
    "target": ("--target", None, lambda v: v is None or isinstance(v, str)),
    "task": ("--task", None, lambda v: v is None or v in TASKS),
    "hidden": (
        "--hidden",
        None,
        lambda v: isinstance(v, list) and all(_is_int(w) and w >= 1 for w in v),
    ),
    "optimizer": ("--optimizer", None, lambda v: v in OPTIMIZERS),
    "lr": ("--lr", None, lambda v: _is_real(v) and math.isfinite(v) and v > 0),
    "beta": ("--beta", None, lambda v: _is_real(v) and 0 <= v < 1),
    "epochs": ("--epochs", None, lambda v: _is_int(v) and 1 <= v <= MAX_EPOCHS),
    "batch_size": ("--batch-size", None, lambda v: _is_int(v) and v >= 1),
    "seed": ("--seed", None, lambda v: _is_int(v) and 0 <= v < 2**32),
    "gradients": ("--gradients", None, lambda v: v in GRADIENTS),
    "precision": ("--precision", "float32", lambda v: v in PRECISIONS),
    "l2": ("--l2", 0.0, lambda v: _is_real(v) and math.isfinite(v) and v >= 0),
    "patience": ("--patience", None, lambda v: v is None or (_is_int(v) and v >= 1)),
    "schedule": ("--schedule", "constant", lambda v: v in SCHEDULES),
}


def _nonempty_list_of(valid: Any) -> Any:
    return lambda v: isinstance(v, list) and len(v) >= 1 and all(valid(x) for x in v)


SWEEP_RESUMABLE: dict[str, Any] = {
    # a sweep's saved setting: the check of its value
    **{
        key: RESUMABLE[key][2]
        for key in ("dataset", "data", "target", "task", "hidden", "optimizer", "epochs")
        + ("batch_size", "precision", "l2")
    },
    "lr": lambda v: v is None or _nonempty_list_of(RESUMABLE["lr"][2])(v),
    "beta": _nonempty_list_of(RESUMABLE["beta"][2]),
    "seeds": _nonempty_list_of(RESUMABLE["seed"][2]),
    "data_seed": RESUMABLE["seed"][2],
    "device": lambda v: v is None or v in DEVICES,
    "devices": lambda v: v is None or (_is_int(v) and v >= 1),
}
"""The settings ``jaxdnn sweep --resume`` takes back from a sweep's checkpoint (or, killed
before its first, from its ``sweep-config.json``)."""


def config_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """A new run's configuration: every key of ``RESUMABLE``, as the checkpoint keeps it."""
    config = {key: getattr(args, key, None) for key in RESUMABLE}
    config["hidden"] = list(args.hidden)
    if args.data is not None:
        config["dataset"] = None
    return config


def resumed_config(
    resumed: dict[str, Any],
    args: argparse.Namespace,
    run_dir: Path,
    source: str = "its checkpoint's config",
    trained: bool = True,
) -> dict[str, Any]:
    """The configuration of the run being resumed (``resumed["config"]``, read from
    ``source``), checked key by key; ``--epochs`` replaces its total (under a schedule, only
    before anything was ``trained``), and any other option given on the command line must equal
    the run's setting."""
    saved = resumed["config"]
    config = {}
    for key, (_, older, valid) in RESUMABLE.items():
        value = saved.get(key, older)
        if key in ("lr", "beta", "l2") and _is_int(value):
            value = float(value)
        if not valid(value):
            raise UsageError(
                f"cannot resume from {run_dir}: {source} has a bad {key!r} ({value!r})"
            )
        config[key] = value
    check_resume_options(args, config, saved, "run")
    if "data" in args.given:
        config["data"] = args.data  # the run's file, perhaps by another path
    if "epochs" in args.given and args.epochs != config["epochs"]:
        if trained and config["schedule"] != "constant":
            raise UsageError(
                f"--epochs cannot change on --resume with --schedule {config['schedule']}: the "
                f"schedule spans the run's {config['epochs']} epochs"
            )
        config["epochs"] = args.epochs
    return config


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _add_no_cache(parser: argparse.ArgumentParser) -> None:
    """``--no-cache``, which every command that compiles programs takes."""
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="compile every program afresh instead of loading those an earlier run compiled "
        "(kept in ~/.cache/jaxdnn/xla)",
    )
