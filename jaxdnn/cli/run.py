"""Running the training commands, ``jaxdnn train`` and ``sweep``, from parsed
and checked options (:mod:`jaxdnn.cli.parse`) to what they print (:mod:`jaxdnn.cli.tables`)
and write (:mod:`jaxdnn.cli.report`).

``train`` checkpoints after every epoch (``--resume`` continues exactly where a killed run
stopped, early-stopping state and step-size schedule included) and finishes with the report and
the model; ``sweep`` trains a grid of models at once. ``predict`` and ``verify`` are in
:mod:`jaxdnn.cli.use`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaxdnn.cli.parse import (
    DEFAULT_SWEEP_LR,
    EXIT_DIVERGED,
    LOSS_RISE,
    SWEEP_RESUMABLE,
    UsageError,
    check_resume_options,
    check_sweep_args,
    check_train_args,
    config_from_args,
    resumed_config,
    sweep_devices,
    sweep_points,
    usable_cores,
)
from jaxdnn.rundir import RUN_CONFIG, SWEEP_CHECKPOINT, SWEEP_CONFIG, SWEEP_REPORT

if TYPE_CHECKING:  # the run's modules import JAX: loaded once the arguments are checked
    from jaxdnn.cli.report import RunData

__all__ = ["train_command", "sweep_command"]

HELD_LOCKS: list[Any] = []  # released when main returns (and by the kernel on any exit)
CREATED_RUN_DIRS: list[list[Path]] = []  # removed again if the command wrote nothing there
PLANNED: dict[str, Any] = {}  # the network being built: named in an out-of-memory message


# --- what train and sweep share ---------------------------------------------------------------


def prepare_run_dir(run_dir: Path) -> None:
    """Create the run directory, take its lock (one process at a time) and remove the temporary
    files a killed process left behind."""
    from jaxdnn.rundir import RunDirectoryBusy, RunLock, remove_stale_temporaries

    try:
        missing = [d for d in (run_dir, *run_dir.parents) if not d.exists()]  # deepest first
        if missing:
            CREATED_RUN_DIRS.append(missing)
        run_dir.mkdir(parents=True, exist_ok=True)
        lock = RunLock(run_dir).__enter__()
        HELD_LOCKS.append(lock)
        remove_stale_temporaries(run_dir)
    except RunDirectoryBusy as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot write to run directory {run_dir}: {error.strerror}") from None


def write_started(run_dir: Path, name: str, checkpoint: str, config: dict[str, Any]) -> None:
    """As a run (a sweep) starts its first epoch: write its settings ``config`` to ``name``
    atomically, and remove the ``checkpoint`` of an earlier run in ``run_dir``, which a
    ``--resume`` would otherwise continue instead of this run."""
    from jaxdnn.cli.report import json_bytes
    from jaxdnn.rundir import atomic_write

    # in this order, a kill at any point leaves a directory that resumes one run whole: the
    # earlier run (its checkpoint), none (refused), or this one (its settings)
    (run_dir / name).unlink(missing_ok=True)
    (run_dir / checkpoint).unlink(missing_ok=True)
    atomic_write(run_dir, name, json_bytes(config, 1))


def nothing_to_resume(run_dir: Path, kind: str) -> UsageError:
    """The error of ``--resume`` where ``run_dir`` holds no ``kind`` ("run" or "sweep"): neither
    its checkpoint nor its saved settings; if it holds the other kind, the line names the
    command that resumes that."""
    from jaxdnn.checkpoint import CHECKPOINT_NAME

    files = {"run": (CHECKPOINT_NAME, RUN_CONFIG), "sweep": (SWEEP_CHECKPOINT, SWEEP_CONFIG)}
    other, command = ("sweep", "sweep") if kind == "run" else ("run", "train")
    hint = ""
    if any((run_dir / name).exists() for name in files[other]):
        hint = f"; it holds a {other}: jaxdnn {command} --resume"
    checkpoint, settings = files[kind]
    return UsageError(
        f"cannot resume: there is no {kind} in {run_dir} (no {checkpoint}, no {settings}){hint}"
    )


def read_started(run_dir: Path, name: str) -> dict[str, Any] | None:
    """The settings :func:`write_started` wrote into ``run_dir``, or None if there are none."""
    path = run_dir / name
    try:
        config = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot resume from {run_dir}: {name} is unreadable ({error})") from None
    if not isinstance(config, dict):
        raise UsageError(f"cannot resume from {run_dir}: {name} does not hold settings")
    return config


def remove_if_unused(created: list[Path]) -> None:
    """A run directory this command created (with the parents it created, deepest first) and
    wrote nothing into but its settings — it failed before the first checkpoint: no GPU, no
    checkpoint to resume, divergence in the first epoch — is removed."""
    run_dir = created[0]
    unused = {".lock", RUN_CONFIG, SWEEP_CONFIG}
    try:
        if {entry.name for entry in os.scandir(run_dir)} <= unused:
            for name in unused:
                (run_dir / name).unlink(missing_ok=True)
            for directory in created:
                directory.rmdir()
    except OSError:
        pass  # another process is using it, or it is gone: leave it


PROCESS_ID = "JAXDNN_PROCESS_ID"
COORDINATOR = "JAXDNN_COORDINATOR"
"""The environment of a process that ``jaxdnn train --processes N`` started: its index and the
coordinator's address."""


def split_cpu(n_devices: int) -> None:
    """Tell XLA to show a CPU as ``n_devices`` devices, unless ``XLA_FLAGS`` already sets their
    number. It must reach XLA before JAX starts, and it only affects the CPU backend."""
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={n_devices}"


def start_device(platform: str | None, n_devices: int = 1, processes: int = 1, cache: bool = True):
    """Start JAX on the chosen platform (and, on a CPU, split into ``n_devices`` devices, or
    into ``n_devices / processes`` in each of the processes ``--processes`` started, which then
    join one distributed run), with the compilation cache unless ``cache`` is False: returns
    ``(device, mesh or None)``; the mesh spans the devices of every process."""
    flags = os.environ.get("XLA_FLAGS", "")
    if PROCESS_ID in os.environ:  # exactly this process's share, whatever was inherited
        flags = re.sub(r"--xla_force_host_platform_device_count=\S*", "", flags)
        flags = f"{flags} --xla_force_host_platform_device_count={n_devices // processes}"
        os.environ["XLA_FLAGS"] = flags.strip()
    elif n_devices > 1:
        split_cpu(n_devices)
    from jaxdnn.devices import (
        compilation_cache_dir,
        data_parallel_mesh,
        select_device,
        start_processes,
        use_compilation_cache,
    )

    use_compilation_cache(compilation_cache_dir() if cache else None)

    if PROCESS_ID in os.environ:
        start_processes(os.environ[COORDINATOR], processes, int(os.environ[PROCESS_ID]))
    try:
        device = select_device(platform)
        mesh = data_parallel_mesh(n_devices, device.platform) if n_devices > 1 else None
    except ValueError as error:
        message = str(error).replace("n_devices=", "--devices ").replace("device '", "--device '")
        raise UsageError(message) from None
    return device, mesh


def launch_processes(args: argparse.Namespace) -> int:
    """``jaxdnn train --processes N``: run the same command in N processes of this machine, the
    first one's output shown, and return the first failure's exit status (the others are then
    stopped: a process waiting for a dead peer would wait for ever). Each process dies with
    this one."""
    import socket
    import subprocess
    import tempfile

    with socket.socket() as probe:  # a free port for the coordinator
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, COORDINATOR: f"127.0.0.1:{port}"}
    command = [sys.executable, "-m", "jaxdnn.cli", *args.argv]
    logs = [tempfile.TemporaryFile() for _ in range(args.processes - 1)]
    processes = [
        subprocess.Popen(
            command,
            env={**env, PROCESS_ID: str(k)},
            stdout=None if k == 0 else subprocess.DEVNULL,
            stderr=None if k == 0 else logs[k - 1],
            preexec_fn=_die_with_parent,
        )
        for k in range(args.processes)
    ]
    status = None
    while status is None:
        codes = [p.poll() for p in processes]
        failed = [code for code in codes if code not in (None, 0)]
        if failed:
            status = codes[0] if codes[0] not in (None, 0) else failed[0]
        elif all(code == 0 for code in codes):
            status = 0
        else:
            time.sleep(0.05)
    for p in processes:
        if p.poll() is None:
            p.kill()
        p.wait()
    if status != 0 and processes[0].returncode in (0, -9):  # another process failed first
        for k, log in enumerate(logs, start=1):
            log.seek(0)
            text = log.read().decode(errors="replace").strip()
            if processes[k].returncode not in (0, -9) and text:
                print(f"jaxdnn: process {k}: {text.splitlines()[-1]}", file=sys.stderr)
    return status if status >= 0 else 128 - status


def _die_with_parent() -> None:
    """In a child process (Linux): be killed when the process that started it dies."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


def read_data_file(path: str, target: str | None, task: str | None):
    """The data set of ``--data``, or one line naming the problem."""
    from jaxdnn.datafile import DataFileError, read_data

    try:
        return read_data(path, target, task)
    except DataFileError as error:
        raise UsageError(str(error)) from None


def load_run_data(config: dict[str, Any]) -> RunData:
    """The splits of a run: the bundled data set or the file of its config, split with its seed
    and standardised on the training split, regression targets too; float32 throughout (also
    where a program has enabled float64)."""
    import jax
    import numpy as np

    import jaxdnn as jd
    from jaxdnn.cli.report import RunData

    if config.get("data") is not None:
        dataset = read_data_file(config["data"], config.get("target"), config.get("task"))
    else:
        dataset = jd.load_dataset(config["dataset"])
    source = config.get("data") or dataset.name
    _check_raw(source, dataset)
    key_split = jax.random.split(jax.random.PRNGKey(config["seed"]), 3)[0]
    try:
        splits = jd.load_splits(dataset, key_split)
    except ValueError as error:  # a feature of the training split whose statistics overflow
        raise UsageError(f"{source}: {error}") from None
    parts = {"train": splits.train, "validation": splits.val, "test": splits.test}
    empty = [name for name, (X, _) in parts.items() if X.shape[0] == 0]
    if empty:
        raise UsageError(
            f"{dataset.name} has {dataset.X.shape[0]} rows: too few for a {empty[0]} split "
            "(70 % train, 15 % validation, 15 % test, per class for classification)"
        )
    y_mean, y_std = 0.0, 1.0
    if not dataset.head.is_classifier:  # train on standardised targets, report in units
        y_mean, y_std = float(splits.train[1].mean()), float(splits.train[1].std())
        if y_std == 0:
            raise UsageError(f"the target of {dataset.name} is constant on the training split")
        parts = {name: (X, (Y - y_mean) / y_std) for name, (X, Y) in parts.items()}
    rows = splits.rows or {}
    _check_standardized(source, splits.dataset, parts, rows)
    parts = {name: (X.astype(np.float32), Y.astype(np.float32)) for name, (X, Y) in parts.items()}
    return RunData(splits.dataset, parts, splits.mean, splits.std, y_mean, y_std, rows)


def _check_raw(source: str, dataset: Any) -> None:
    """A usage error naming a feature whose mean or spread overflows float64 (it cannot be
    standardised), or a regression target float32 cannot hold (the run reports its metrics in
    the targets' own units, in float32)."""
    import numpy as np

    from jaxdnn.data import out_of_range, overflowing_column

    j = overflowing_column(dataset.X)
    if j is not None:
        name = dataset.feature_names[j] if j < len(dataset.feature_names) else f"column {j}"
        raise UsageError(
            f"{source}: the mean or standard deviation of {name!r} overflows float64 (values "
            f"up to {np.max(np.abs(dataset.X[:, j])):.3g}); rescale it first (for example "
            "take its logarithm)"
        )
    if dataset.head.is_classifier:
        return
    given = [(dataset.Y, "")]
    if dataset.test is not None:
        given.append((dataset.test[1], " of the given test split"))
    for Y, where in given:
        beyond = out_of_range(Y)
        if beyond is not None:
            i = beyond[0]
            raise UsageError(
                f"{source}: the target {dataset.target_name!r} in row {i + 1}{where} is "
                f"{Y[i, 0]:.6g}, beyond float32's range, in which the run reports the "
                "targets' units; rescale it first (for example take its logarithm)"
            )


def _check_standardized(
    source: str, dataset: Any, parts: dict[str, Any], rows: dict[str, Any]
) -> None:
    """A usage error naming the feature (or target) and row whose standardised value float32
    cannot hold: trained on, it would make every loss and metric NaN."""
    from jaxdnn.data import out_of_range

    for part, (X, Y) in parts.items():
        for Z, names in ((X, dataset.feature_names), (Y, (dataset.target_name,))):
            beyond = None if Z is Y and dataset.head.is_classifier else out_of_range(Z)
            if beyond is None:
                continue
            i, j = beyond
            where = f"row {int(rows[part][i]) + 1 if part in rows else i + 1}"
            if part == "test" and dataset.test is not None:
                where += " of the given test split"
            name = names[j] if j < len(names) else f"column {j}"
            raise UsageError(
                f"{source}: {name!r} in {where} lies {abs(Z[i, j]):.3g} training standard "
                "deviations from its training mean, beyond float32's range; rescale it first "
                "(for example take its logarithm)"
            )


def optimizer_family(name: str):
    """The optimizer's constructor and the name of the hyperparameter ``--beta`` sets (None:
    the constructor takes only ``learning_rate`` from the command line)."""
    import jaxdnn as jd

    return {
        "gd": (jd.gradient_descent, None),
        "momentum": (jd.momentum, "beta"),
        "rmsprop": (jd.rmsprop, "decay"),
        "adam": (jd.adam, None),
    }[name]


def make_optimizer(config: dict[str, Any], steps: int):
    """The run's optimizer, its step size following ``config["schedule"]`` over ``steps``."""
    import jaxdnn as jd

    constructor, beta_name = optimizer_family(config["optimizer"])
    extra = {} if beta_name is None else {beta_name: config["beta"]}
    rate = jd.learning_rate_schedule(config["schedule"], config["lr"], steps)
    return constructor(rate, **extra)


def check_memory(widths: Sequence[int], models: int, device: Any) -> None:
    """Refuse, before allocating anything, a network whose parameters alone (×``models``, in
    float32) exceed the device's memory: one line, exit status 1, instead of a failed
    allocation deep inside XLA."""
    from jaxdnn.network import param_count

    PLANNED.update(widths=tuple(widths), models=models)
    count = param_count(widths) * models
    try:
        available = device.memory_stats()["bytes_limit"]
    except Exception:  # a CPU: its physical memory
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if 4 * count > available:
        raise MemoryError(f"{4 * count / 2**30:,.1f} GiB of parameters")


def network_size() -> str:
    """ " for a network of widths …": the size of the network being built, if known."""
    if not PLANNED:
        return ""
    from jaxdnn.network import param_count

    widths, models = PLANNED["widths"], PLANNED["models"]
    count = param_count(widths)
    return (
        f" for a network of widths {widths}, {count:,} parameters "
        f"({count * 4 / 2**30:,.1f} GiB in float32{f', ×{models} models' if models > 1 else ''})"
        "; use smaller --hidden widths or --batch-size"
    )


def describe_data(data: RunData) -> str:
    """ "name (task, n train / n validation / n test)" """
    dataset, parts = data.dataset, data.parts
    classes = f", {len(dataset.class_names)} classes" if dataset.head.is_classifier else ""
    return (
        f"{dataset.name} ({dataset.task}{classes}, {parts['train'][0].shape[0]} train / "
        f"{parts['validation'][0].shape[0]} validation / {parts['test'][0].shape[0]} test)"
    )


# --- train --------------------------------------------------------------------------------------


def merge_histories(before: dict[str, list], new: dict[str, list]) -> dict[str, list]:
    """The checkpointed history followed by this process's epochs, every curve kept (a resume
    with no epoch left to train adds nothing, and loses nothing); a curve the earlier epochs
    did not record (a checkpoint of an older jaxdnn) is NaN there."""
    finished = len(before.get("epoch", []))
    added = len(new.get("epoch", []))
    merged = {}
    for name in {**new, **before}:
        merged[name] = list(before.get(name, [math.nan] * finished)) + list(
            new.get(name, [math.nan] * added)
        )
    merged["epoch"] = [int(epoch) for epoch in merged.get("epoch", [])]  # stored as numbers
    return merged


def report_is_complete(run_dir: Path, epochs: int, config: dict[str, Any]) -> bool:
    """metrics.json was written for these ``epochs`` of the run of this ``config`` (the report
    follows the last checkpoint; an earlier run's may still be there)."""
    try:
        summary = json.loads((run_dir / "metrics.json").read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(summary, dict)
        and summary.get("epochs") == epochs
        and _same_run(summary.get("config"), config)
    )


def _same_run(a: Any, b: dict[str, Any]) -> bool:
    """Two configs of one run: equal but for the number of epochs (--resume may change it)."""
    return isinstance(a, dict) and {**a, "epochs": None} == {**b, "epochs": None}


def _data_hint(args: argparse.Namespace) -> str:
    """What to do when the data file a resumed run names cannot be read."""
    if not args.resume or "data" in args.given:
        return ""
    return (
        " (the run's path to it; resuming from another directory, give --data with its path "
        "from here)"
    )


def _layers(params: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(params[str(k)]["W"], params[str(k)]["b"]) for k in range(len(params))]


def train_command(args: argparse.Namespace) -> int:
    """``jaxdnn train``: returns the exit status."""
    check_train_args(args)
    name = Path(args.data).stem if args.data is not None else args.dataset
    run_dir = Path(args.run_dir if args.run_dir is not None else Path("runs") / name)
    started = PROCESS_ID in os.environ  # one of the processes of --processes
    if not started:
        prepare_run_dir(run_dir)  # the lock is held by the command that starts the processes
        if args.resume and CREATED_RUN_DIRS:  # the directory did not exist
            raise UsageError(f"cannot resume: there is no run in {run_dir}")  # before the processes
        if args.processes > 1:
            return launch_processes(args)
    device, mesh = start_device(args.device, args.devices, args.processes, not args.no_cache)
    writer = not started or os.environ[PROCESS_ID] == "0"  # who writes the run directory

    import jax
    import jax.numpy as jnp

    import jaxdnn as jd
    from jaxdnn.checkpoint import (
        CHECKPOINT_NAME,
        CheckpointError,
        from_state_dict,
        load_training_state,
        stored_params,
    )
    from jaxdnn.datafile import file_sha256

    config = config_from_args(args)
    resumed = None
    if args.resume and not (run_dir / CHECKPOINT_NAME).exists():
        # killed before its first checkpoint: nothing was finished, so the run starts again,
        # with the settings it was started with
        settings = read_started(run_dir, RUN_CONFIG)
        if settings is None:
            raise nothing_to_resume(run_dir, "run")
        config = resumed_config({"config": settings}, args, run_dir, RUN_CONFIG, trained=False)
        print(f"no checkpoint in {run_dir} yet: starting the run from its first epoch")
    elif args.resume:
        try:
            resumed = load_training_state(run_dir)
        except CheckpointError as error:
            raise UsageError(f"cannot resume: {error}") from None
        config = resumed_config(resumed, args, run_dir)
    if config["data"] is not None:
        try:
            digest = file_sha256(config["data"])
        except OSError as error:
            raise UsageError(
                f"cannot read --data {config['data']}: {error.strerror}{_data_hint(args)}"
            ) from None
        if resumed is not None and digest != config["data_sha256"]:
            raise UsageError(
                f"cannot resume from {run_dir}: its data file {config['data']} changed since "
                "the run started (its SHA-256 differs)"
            )
        config["data_sha256"] = digest

    data = load_run_data(config)
    dataset, parts = data.dataset, data.parts
    (X, Y), (X_val, Y_val) = parts["train"], parts["validation"]
    widths = (X.shape[1], *config["hidden"], Y.shape[1])
    check_memory(widths, 1, device)
    steps = -(-X.shape[0] // min(config["batch_size"], X.shape[0]))
    optimizer = make_optimizer(config, steps * config["epochs"])
    _, key_init, key_fit = jax.random.split(jax.random.PRNGKey(config["seed"]), 3)
    params = jd.init_params(key_init, widths, dtype=jnp.float32)
    opt_state, initial_epoch, history_before = None, 0, {}
    stopping = None if config["patience"] is None else jd.EarlyStopping(config["patience"])
    if resumed is not None:
        saved = [(tuple(W.shape), tuple(b.shape)) for W, b in _layers(resumed["params"])]
        expected = [((n, m), (n,)) for m, n in zip(widths[:-1], widths[1:], strict=True)]
        if saved != expected:
            raise UsageError(
                f"cannot resume from {run_dir}: the checkpoint's parameters (layer shapes "
                f"{[w for w, _ in saved]}) do not match its config (widths {widths})"
            )
        params = stored_params(resumed["params"])
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
        best = resumed.get("best")
        if stopping is not None and best is not None:
            stopping = stopping._replace(
                best_epoch=best["epoch"],
                best_loss=best["val_loss"],
                best_params=stored_params(best["params"]),
            )
    # the last epoch to train: every one, or none left once early stopping has stopped
    last_epoch = config["epochs"]
    if stopping is not None and initial_epoch > 0 and stopping.should_stop(initial_epoch - 1):
        last_epoch = initial_epoch
    if resumed is not None and initial_epoch >= last_epoch:
        if report_is_complete(run_dir, initial_epoch, config):
            done = f"{initial_epoch} epoch{'s' * (initial_epoch != 1)}"
            print(f"run {run_dir} is complete ({done}); nothing to do")
            return 0
        if initial_epoch > config["epochs"]:  # its report would contradict its config
            raise UsageError(
                f"cannot resume from {run_dir}: the run has trained {initial_epoch} epochs, more "
                f"than --epochs {config['epochs']}"
            )

    from jaxdnn.devices import describe_device

    extras = [f"l2={config['l2']:g}"] if config["l2"] else []
    if config["patience"] is not None:
        extras.append(f"patience {config['patience']}")
    if config["schedule"] != "constant":
        extras.append(f"{config['schedule']} schedule")
    print(
        f"jaxdnn {jd.__version__}: {describe_data(data)}, widths {widths}, "
        f"{config['optimizer']} lr={config['lr']}{''.join(', ' + e for e in extras)}, "
        f"B={config['batch_size']}, {config['precision']}, device {describe_device(device)}"
        + (f" ×{mesh.size} data-parallel" if mesh is not None else "")
        + (f" in {args.processes} processes" if args.processes > 1 else "")
        + (f"; resuming after epoch {initial_epoch}" if resumed is not None else "")
    )
    if not dataset.head.is_classifier:
        print(
            f"loss: ½·MSE of the targets standardised on the training split (÷ "
            f"{data.y_std:.4g}²); RMSE and MAE in the targets' own units"
        )

    progress = None
    # no bar when stderr is closed (`2>&-`): nothing could be shown, and tqdm would fail
    if not args.no_progress and writer and initial_epoch < last_epoch and sys.stderr is not None:
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
        losses.append(jd.evaluate(params, X, Y, dataset.loss)["loss"])
    warned: list[int] = []

    def on_epoch(epoch, params, opt_state, history):
        nonlocal stopping
        if not all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in jax.tree.leaves(params)):
            # the loss was measured before the step that overflowed: keep no such checkpoint
            raise jd.TrainingDiverged(epoch, history["loss"][-1])
        best = None
        if stopping is not None:
            stopping = stopping.update(epoch, history["val_loss"][-1], params)
            best = (stopping.best_epoch, stopping.best_loss, stopping.best_params)
        if writer:
            jd.save_checkpoint(
                run_dir,
                epoch=epoch,
                params=params,
                opt_state=opt_state,
                history=merge_histories(history_before, history),
                config=config,
                best=best,
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
                shown["val_rmse"] = f"{history['val_rmse'][-1] * data.y_std:.4g}"
            progress.set_postfix(shown, refresh=False)  # update(1) redraws it once
            progress.update(1)
            if epoch == initial_epoch:  # the ETA counts epochs after the compiling first one
                progress.initial, progress.start_t = progress.n, progress._time()
                progress.last_print_t = progress.start_t  # else close() draws no final bar
        return stopping is not None and stopping.should_stop(epoch)

    if writer and resumed is None:
        write_started(run_dir, RUN_CONFIG, CHECKPOINT_NAME, config)
    start = time.perf_counter()
    try:
        params, history = jd.fit(
            params,
            X,
            Y,
            optimizer,
            key=key_fit,
            epochs=last_epoch,
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
            l2=config["l2"],
        )
    except jd.TrainingDiverged as error:
        if progress is not None:
            progress.close()
        kept = (
            f"the checkpoint of the last finite epoch is kept in {run_dir}"
            if (run_dir / CHECKPOINT_NAME).exists()
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
    history = merge_histories(history_before, history)
    finished = len(history["epoch"])
    stopped = ""
    if stopping is not None and stopping.best_params is not None:
        params = stopping.best_params  # the best epoch's, as fit(patience=…) returns them
        if finished < config["epochs"]:
            stopped = f"stopped early after epoch {finished}: "
        stopped += (
            f"the best validation loss was epoch {stopping.best_epoch + 1}'s, whose parameters "
            "are kept"
        )

    from jaxdnn.cli.report import evaluate_splits, per_class, provenance_of, write_outputs
    from jaxdnn.cli.tables import print_metrics, print_per_class

    params = jax.device_get(params)  # replicated over a mesh: one copy for the report
    metrics = evaluate_splits(params, data)
    classes = per_class(params, data)
    summary = {
        **provenance_of(device, finished),
        "dataset": dataset.name,
        "task": dataset.task,
        "config": config,
        "metrics": metrics,
        "per_class_test": classes,
        "best_epoch": None if stopping is None else stopping.best_epoch,
        "train_seconds": seconds,
    }
    if writer:
        write_outputs(run_dir, params, data, summary, history, config)
    print_metrics(metrics, dataset.head)
    if 2 < len(classes) <= 30 or (classes and any(not n.isdigit() for n in classes)):
        print_per_class(classes)
    if stopped:
        print(stopped)
    print(f"trained {trained} epoch{'s' * (trained != 1)} in {seconds:.1f} s; wrote {run_dir}/")
    return 0


# --- sweep --------------------------------------------------------------------------------------


SWEEP_JSON_EVERY = 10.0
"""Seconds between the writes of ``sweep.json`` while a sweep trains (the curves so far, to look
at; the checkpoint, written after every epoch, is what a resume needs). Encoding every model's
curves as JSON costs tens of milliseconds at 256 models, as much as a checkpoint."""


def write_sweep_checkpoint(
    run_dir: Path, epochs: int, params: Any, opt_state: Any, history: Any, config: dict
) -> None:
    """Write the sweep's state after ``epochs`` finished epochs atomically (temporary file,
    fsync, rename): every model's parameters and optimizer state, the curves, the settings."""
    import numpy as np

    from jaxdnn.checkpoint import packb, to_state_dict
    from jaxdnn.rundir import atomic_write

    state = {
        "epoch": int(epochs),
        "params": to_state_dict(params),
        "opt_state": to_state_dict(opt_state),
        "history": {k: np.asarray(v) for k, v in history.items()},
        "config": config,
    }
    atomic_write(run_dir, SWEEP_CHECKPOINT, packb(state))


def resume_sweep(args: argparse.Namespace, run_dir: Path) -> dict[str, Any] | None:
    """Read the checkpoint of the sweep in ``run_dir`` and set ``args`` to the settings it was
    started with (``--epochs``, if given, is the new total); the checkpoint's state, or None for
    a sweep killed before its first checkpoint, which starts again with its saved settings."""
    from jaxdnn.checkpoint import unpackb

    path = run_dir / SWEEP_CHECKPOINT
    source = path.name
    try:
        state = unpackb(path.read_bytes())
    except FileNotFoundError:
        source, started = SWEEP_CONFIG, read_started(run_dir, SWEEP_CONFIG)
        if started is None:
            raise nothing_to_resume(run_dir, "sweep") from None
        state = {"epoch": 0, "config": started}
    except Exception as error:
        raise UsageError(
            f"cannot resume from {run_dir}: {path.name} is corrupt ({error})"
        ) from None
    try:
        done, saved = int(state["epoch"]), dict(state["config"])
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(
            f"cannot resume from {run_dir}: {source} is not a sweep's ({error!r})"
        ) from None
    if "epochs" not in saved:
        raise UsageError(f"cannot resume from {run_dir}: {source} has no 'epochs'")
    for key, valid in SWEEP_RESUMABLE.items():
        if key in saved and not valid(saved[key]):
            raise UsageError(
                f"cannot resume from {run_dir}: {source} has a bad {key!r} ({saved[key]!r})"
            )
    check_resume_options(args, saved, saved, "sweep")
    for key in SWEEP_RESUMABLE.keys() - {"epochs"} - args.given:
        if key in saved:
            setattr(args, key, saved[key])
    if "epochs" not in args.given:
        args.epochs = saved["epochs"]
    try:
        check_sweep_args(args)
    except UsageError as error:
        raise UsageError(
            f"cannot resume from {run_dir}: {source} holds bad settings ({error})"
        ) from None
    if "params" in state and done < 1:
        raise UsageError(f"cannot resume from {run_dir}: {source} is corrupt (epoch {done})")
    if done > args.epochs and not _sweep_reported(run_dir, saved):  # the report would say less
        raise UsageError(
            f"cannot resume from {run_dir}: the sweep has trained {done} epochs, more than "
            f"--epochs {args.epochs}"
        )
    if done == 0:
        print(f"no checkpoint in {run_dir} yet: starting the sweep from its first epoch")
        return None
    return state


def restored_sweep(fresh: Any, state: dict[str, Any], run_dir: Path) -> Any:
    """The :class:`jaxdnn.SweepResult` a checkpoint holds, read into the layout of ``fresh``
    (the same sweep's state before its first epoch)."""
    import numpy as np

    from jaxdnn.checkpoint import from_state_dict

    try:
        history = {k: np.asarray(v) for k, v in state["history"].items()}
        params = from_state_dict(fresh.params, state["params"])
        opt_state = from_state_dict(fresh.opt_state, state["opt_state"])
        if len(history["epoch"]) != state["epoch"]:
            raise ValueError(f"{len(history['epoch'])} epochs of curves for {state['epoch']}")
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(
            f"cannot resume from {run_dir}: {SWEEP_CHECKPOINT} does not fit its own settings "
            f"({error})"
        ) from None
    return fresh._replace(params=params, opt_state=opt_state, history=history)


def _sweep_reported(run_dir: Path, config: dict[str, Any]) -> bool:
    """Whether ``sweep.json`` holds the final report of the sweep of this ``config`` (a sweep
    may be killed before it, and an earlier sweep's may still be there)."""
    try:
        report = json.loads((run_dir / SWEEP_REPORT).read_text())
        return report.get("summary") is not None and _same_run(report.get("config"), config)
    except (OSError, ValueError, AttributeError):
        return False


def start_sweep_device(args: argparse.Namespace) -> tuple[Any, Any]:
    """Start JAX for a sweep: ``(device, mesh or None)``, the mesh of ``--devices`` devices the
    models are split across. Without ``--devices``, a CPU is split into one device per usable
    core (unless ``XLA_FLAGS`` already sets their number) and the sweep takes as many as divide
    its grid, at most one per core; another platform takes one device. ``args.devices`` is set
    to the number taken."""
    if args.devices is not None:
        return start_device(args.device, args.devices, cache=not args.no_cache)
    split_cpu(usable_cores())
    device, _ = start_device(args.device, cache=not args.no_cache)
    args.devices = 1
    if device.platform == "cpu":
        import jax

        from jaxdnn.devices import data_parallel_mesh

        # more devices than cores would gain nothing
        cores = min(jax.local_device_count("cpu"), usable_cores())
        args.devices = sweep_devices(cores, len(args.seeds), sweep_points(args))
    return device, (data_parallel_mesh(args.devices, "cpu") if args.devices > 1 else None)


def sweep_command(args: argparse.Namespace) -> int:
    """``jaxdnn sweep``: train the grid, print the table, write sweep.json; the exit status."""
    check_sweep_args(args)
    name = Path(args.data).stem if args.data is not None else args.dataset
    run_dir = Path(args.run_dir if args.run_dir is not None else Path("runs") / f"sweep-{name}")
    prepare_run_dir(run_dir)
    state = resume_sweep(args, run_dir) if args.resume else None
    if (
        state is not None
        and state["epoch"] >= args.epochs
        and _sweep_reported(run_dir, state["config"])
    ):
        done = state["epoch"]
        print(
            f"the sweep in {run_dir} is complete ({done} epoch{'s' * (done != 1)}); nothing to do"
        )
        return 0
    device, mesh = start_sweep_device(args)

    import jax
    import jax.numpy as jnp
    import numpy as np

    import jaxdnn as jd
    from jaxdnn.cli.report import evaluate_splits, write_sweep
    from jaxdnn.cli.tables import print_sweep
    from jaxdnn.devices import describe_device
    from jaxdnn.sweep import _grid

    epochs = args.epochs
    data_sha256 = None
    if args.data is not None:
        from jaxdnn.datafile import file_sha256

        try:
            data_sha256 = file_sha256(args.data)
        except OSError as error:
            raise UsageError(
                f"cannot read --data {args.data}: {error.strerror}{_data_hint(args)}"
            ) from None
        if state is not None and data_sha256 != state["config"].get("data_sha256"):
            raise UsageError(
                f"cannot resume from {run_dir}: its data file {args.data} changed since the "
                "sweep started (its SHA-256 differs)"
            )
    data = load_run_data(
        {"data": args.data, "target": args.target, "task": args.task, "dataset": args.dataset}
        | {"seed": args.data_seed}
    )
    dataset, parts, y_std = data.dataset, data.parts, data.y_std
    (X, Y), (X_val, Y_val) = parts["train"], parts["validation"]
    widths = (X.shape[1], *args.hidden, Y.shape[1])
    constructor, beta_name = optimizer_family(args.optimizer)
    grid = {"learning_rate": args.lr if args.lr is not None else DEFAULT_SWEEP_LR[args.optimizer]}
    if beta_name is not None:
        grid[beta_name] = args.beta
    settings = _grid(args.seeds, grid)  # one row per model, as the sweep orders them
    models = len(settings["seed"])
    check_memory(widths, models, device)
    steps = -(-X.shape[0] // min(args.batch_size, X.shape[0]))
    print(
        f"jaxdnn {jd.__version__} sweep: {models} model{'s' * (models != 1)} of widths "
        f"{widths} on {describe_data(data)}, {args.optimizer}, B={args.batch_size}, {epochs} "
        f"epoch{'s' * (epochs != 1)}, "
        f"{args.precision}, device {describe_device(device)}"
        + (f" ×{mesh.size}, the models split across them" if mesh is not None else "")
    )
    progress = None
    if not args.no_progress and sys.stderr is not None:  # None: closed (`2>&-`)
        from tqdm import tqdm

        done = state["epoch"] if state is not None else 0  # resumed: the bar starts there
        progress = tqdm(
            total=epochs, initial=done, unit="epoch", file=sys.stderr, dynamic_ncols=True
        )
    config = {**vars(args), "epochs": epochs, "widths": list(widths), "models": models}
    config["data_sha256"] = data_sha256
    for key in ("command", "given", "argv", "resume"):
        config.pop(key)

    def run_sweep(epochs: int, **more: Any) -> Any:
        return jd.sweep(
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
            l2=args.l2,
            mesh=mesh,
            **more,
        )

    begun = None  # the state this process continues from, or None
    if state is not None:
        begun = restored_sweep(run_sweep(0), state, run_dir)  # epochs=0: the fresh state's layout
        print(f"resuming after epoch {state['epoch']}")
    else:
        write_started(run_dir, SWEEP_CONFIG, SWEEP_CHECKPOINT, config)
    finished = []  # when each epoch finished: the first one includes the compilation
    shown_at = [-math.inf]  # when sweep.json last showed the curves so far

    def on_epoch(epoch, params, opt_state, history):
        finished.append(time.perf_counter())
        # every finished epoch survives a kill: the state to resume from
        write_sweep_checkpoint(run_dir, epoch + 1, params, opt_state, history, config)
        if finished[-1] - shown_at[0] >= SWEEP_JSON_EVERY:  # the curves so far, to look at
            write_sweep(run_dir, config, settings, history, None)
            shown_at[0] = finished[-1]
        if progress is not None:
            progress.update(1)

    start = time.perf_counter()
    result = run_sweep(epochs, callback=on_epoch, start=begun)
    seconds = time.perf_counter() - start
    if progress is not None:
        progress.close()
    score = dataset.head.score
    final = result.history[f"val_{score}"][:, -1]
    # a diverged model (or a NaN score) is never ranked above a finite one
    lower_is_better = score == "rmse"
    scale = y_std if lower_is_better else 1.0  # rmse in the targets' units
    ranked = np.where(np.isfinite(final), final * (1 if lower_is_better else -1), np.inf)
    order = sorted(range(models), key=lambda m: (bool(result.diverged[m]), ranked[m]))
    diverged_in = {  # the epoch (counted from 1) whose training loss was not finite
        m: int(np.argmax(~np.isfinite(result.history["loss"][m]))) + 1
        for m in range(models)
        if result.diverged[m]
    }
    best = order[0]
    test = evaluate_splits(
        jax.device_get(result.model(best)), data._replace(parts={"test": parts["test"]})
    )["test"]
    names = list(settings)
    if not dataset.head.is_classifier:
        print(
            f"losses: ½·MSE of the targets standardised on the training split (÷ {y_std:.4g}²); "
            "rmse in the targets' own units"
        )
    rows = {
        "loss": result.history["loss"][:, -1],
        "val_loss": result.history["val_loss"][:, -1],
        score: final * scale,
    }
    notes = {m: f"diverged in epoch {e}" for m, e in diverged_in.items()}
    print_sweep(names, settings, order, rows, score, notes)
    if len(diverged_in) == models:
        write_sweep(run_dir, config, settings, result.history, {"best": None})
        print(
            f"jaxdnn: every model diverged (the first in epoch {min(diverged_in.values())}); try "
            f"smaller learning rates; wrote {run_dir}/",
            file=sys.stderr,
        )
        return EXIT_DIVERGED
    compile_seconds = finished[0] - start if finished else None  # None: no epoch left to train
    rate = None
    if len(finished) > 1:  # after the first epoch: without the compilation
        rate = models * steps * (len(finished) - 1) / (finished[-1] - finished[0])
    summary = {
        "best": {n: float(settings[n][best]) for n in names},
        "best_model": best,
        "score": score,
        "score_scale": scale,
        "best_test": test,
        "seconds": seconds,
        "first_epoch_seconds": compile_seconds,
        "model_steps_per_second": rate,
    }
    write_sweep(run_dir, config, settings, result.history, summary)
    best_settings = ", ".join(f"{n} {settings[n][best]:g}" for n in names)
    shown = f"{test['rmse']:.4g} RMSE" if lower_is_better else f"{test['accuracy']:.4f} accuracy"
    print(
        f"best by validation {score}: {best_settings}; its test {shown}\n"
        f"{models} model{'s' * (models != 1)} × {steps * len(finished)} steps in {seconds:.1f} s"
        + (
            f" (first epoch, with compilation, {compile_seconds:.1f} s"
            + (f"; then {rate:,.0f} model-steps/s" if rate else "")
            + ")"
            if compile_seconds is not None
            else ""
        )
        + f"; wrote {run_dir}/"
    )
    return 0
