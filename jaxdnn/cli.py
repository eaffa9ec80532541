"""The command line: ``jaxdnn train`` and ``jaxdnn verify``.

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
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_USAGE = 2
EXIT_DIVERGED = 1

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
DEFAULT_LR = {"gd": 0.05, "momentum": 0.05, "rmsprop": 1e-3, "adam": 1e-3}


class UsageError(Exception):
    """A problem the user can fix: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other usage error
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    from jaxdnn.data import DATASETS

    parser = _Parser(prog="jaxdnn", description="The mathematics of dense networks, run.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a network on a bundled data set")
    train.add_argument(
        "--dataset", default="digits", help=f"one of {', '.join(DATASETS)} (default digits)"
    )
    train.add_argument(
        "--hidden",
        type=int,
        nargs="*",
        default=[64, 64],
        help="hidden layer widths (default 64 64)",
    )
    train.add_argument("--optimizer", default="momentum", help=f"one of {', '.join(OPTIMIZERS)}")
    train.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default 0.05 for gd/momentum, 1e-3 for rmsprop/adam)",
    )
    train.add_argument(
        "--beta", type=float, default=0.9, help="momentum β, or the RMSprop decay (default 0.9)"
    )
    train.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="number of epochs (default 30; with --resume, the new total)",
    )
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--gradients", default="autodiff", help="autodiff or backprop")
    train.add_argument("--run-dir", default=None, help="output directory (default runs/DATASET)")
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --run-dir from its last finished epoch, with "
        "the settings it was started with",
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")

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


def _check_train_args(args: argparse.Namespace) -> None:
    from jaxdnn.data import DATASETS

    if args.dataset not in DATASETS:
        raise UsageError(f"unknown dataset {args.dataset!r}; choose one of {', '.join(DATASETS)}")
    if args.optimizer not in OPTIMIZERS:
        raise UsageError(
            f"unknown optimizer {args.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}"
        )
    if args.gradients not in ("autodiff", "backprop"):
        raise UsageError(f"--gradients must be autodiff or backprop, got {args.gradients!r}")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a finite number > 0, got {args.lr}")
    if not 0 <= args.beta < 1:
        raise UsageError(f"--beta must lie in [0, 1), got {args.beta}")
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, got {args.epochs}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")
    if any(width < 1 for width in args.hidden):
        raise UsageError(f"--hidden widths must be at least 1, got {args.hidden}")


def _prepare_run_dir(run_dir: Path) -> None:
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise UsageError(f"cannot write to run directory {run_dir}: {error.strerror}") from None


def _make_optimizer(config: dict[str, Any]):
    import jaxdnn as jd

    name, lr, beta = config["optimizer"], config["lr"], config["beta"]
    if name == "gd":
        return jd.gradient_descent(lr)
    if name == "momentum":
        return jd.momentum(lr, beta)
    if name == "rmsprop":
        return jd.rmsprop(lr, decay=beta)
    return jd.adam(lr)


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
    }


def train_command(args: argparse.Namespace) -> int:
    """``jaxdnn train``: returns the exit status."""
    _check_train_args(args)
    run_dir = Path(args.run_dir if args.run_dir is not None else Path("runs") / args.dataset)
    _prepare_run_dir(run_dir)

    import jax
    import jax.numpy as jnp
    from flax import serialization

    import jaxdnn as jd
    from jaxdnn.checkpoint import CheckpointError, load_training_state, save_checkpoint

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

    key = jax.random.PRNGKey(config["seed"])
    key_split, key_init, key_fit = jax.random.split(key, 3)
    splits = jd.load_splits(config["dataset"], key_split)
    dataset = splits.dataset
    (X, Y), (X_val, Y_val), (X_test, Y_test) = splits.train, splits.val, splits.test
    y_mean, y_std = 0.0, 1.0
    if dataset.task == "regression":  # train on standardised targets, report in their units
        y_mean, y_std = float(Y.mean()), float(Y.std())
        Y, Y_val, Y_test = ((T - y_mean) / y_std for T in (Y, Y_val, Y_test))
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
        f"device {jax.devices()[0].platform}"
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
        merged = {k: history_before.get(k, []) + v for k, v in history.items()}
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
        )
    except jd.TrainingDiverged as error:
        if progress is not None:
            progress.close()
        kept = (
            "the checkpoint of the last finished epoch is kept"
            if error.epoch > 0
            else ("no epoch finished")
        )
        print(
            f"jaxdnn: {error} (for example --lr {config['lr'] / 10:g}); {kept} in {run_dir}",
            file=sys.stderr,
        )
        return EXIT_DIVERGED
    if progress is not None:
        progress.close()
    seconds = time.perf_counter() - start
    history = {k: history_before.get(k, []) + v for k, v in history.items()}

    from jaxdnn.report import evaluate_splits, print_table, write_outputs

    parts = {"train": (X, Y), "validation": (X_val, Y_val), "test": (X_test, Y_test)}
    metrics = evaluate_splits(params, parts, dataset, y_mean, y_std)
    print_table(metrics, dataset.task)
    write_outputs(run_dir, params, parts, dataset, metrics, history, config, y_mean, y_std, seconds)
    print(f"trained {len(history['epoch'])} epochs in {seconds:.1f} s; wrote {run_dir}/")
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
        return train_command(args)
    except UsageError as error:
        print(f"jaxdnn: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jaxdnn: interrupted; the last finished epoch is checkpointed", file=sys.stderr)
        return 130


def entry_point() -> None:
    """Console-script wrapper: exit with ``main``'s status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
