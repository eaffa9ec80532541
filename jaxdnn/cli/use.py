"""The commands that use what exists: ``jaxdnn predict`` applies a finished run's model to a
data file, ``jaxdnn verify`` runs, lists or writes the catalogue.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jaxdnn.cli.parse import UsageError, check_verify_args

__all__ = ["predict_command", "verify_command"]


def predict_command(args: argparse.Namespace) -> int:
    """``jaxdnn predict``: apply a finished run's model to a data file and write one row per
    sample (the predicted class and each class's probability, or the predicted value); with
    the target in the file, print the metrics too."""
    import csv
    import io

    from jaxdnn.cli.tables import print_metrics
    from jaxdnn.datafile import DataFileError, as_floats, class_indices, read_features
    from jaxdnn.devices import compilation_cache_dir, use_compilation_cache
    from jaxdnn.model import FeatureOutOfRange, load_model
    from jaxdnn.rundir import atomic_write

    use_compilation_cache(None if args.no_cache else compilation_cache_dir())
    run_dir = Path(args.run_dir)
    try:
        model = load_model(run_dir)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    except ValueError as error:
        raise UsageError(f"--run-dir: {error}") from None
    try:
        X, labels = read_features(args.data, model.feature_names, model.target)
    except DataFileError as error:
        raise UsageError(str(error)) from None
    try:
        model.standardized(X)
    except FeatureOutOfRange as error:  # the network's input would overflow: NaN predictions
        where = f"{args.data}: {model.feature_names[error.column]!r} in row {error.row + 1}"
        raise UsageError(error.describe(where)) from None
    results = None  # the metrics, when the file holds the target: checked before any output
    if labels is not None:
        targets = labels
        if not model.head.is_classifier:
            numbers = as_floats(labels)
            if numbers is None:
                row = next(k for k, v in enumerate(labels) if as_floats(labels[k : k + 1]) is None)
                raise UsageError(
                    f"{args.data}: row {row + 1}, column {model.target!r}: {str(labels[row])!r} "
                    "is not a finite number"
                )
            targets = numbers
        else:
            try:
                class_indices(labels, model.class_names, f"column {model.target!r}")
            except ValueError as error:
                raise UsageError(
                    f"{args.data}: {error}; drop the column to predict without metrics"
                ) from None
        try:
            results = model.metrics(X, targets)
        except ValueError as error:
            raise UsageError(f"{args.data}: {error}") from None
    predicted = model.predict(X)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if model.head.is_classifier:
        probabilities = model.predict_proba(X)
        writer.writerow([model.target or "predicted", *(f"p_{c}" for c in model.class_names)])
        writer.writerows(
            [label, *map(repr, map(float, row))]
            for label, row in zip(predicted.tolist(), probabilities, strict=True)
        )
    else:
        writer.writerow([model.target or "predicted"])
        writer.writerows([repr(float(v))] for v in predicted)
    if args.out == "-":
        print(buffer.getvalue(), end="")  # a closed stdout is reported by main
        out = "standard output"
    else:
        path = Path(args.out) if args.out is not None else run_dir / "predictions.csv"
        try:
            atomic_write(path.parent, path.name, buffer.getvalue().encode())
        except OSError as error:
            raise UsageError(f"cannot write --out {path}: {error.strerror}") from None
        out = str(path)
    print(
        f"predicted {len(predicted)} row{'s' * (len(predicted) != 1)} of {args.data} with "
        f"{run_dir}; wrote {out}",
        file=sys.stderr if args.out == "-" else sys.stdout,
    )
    if results is not None:
        shown = sys.stderr if args.out == "-" else None  # standard output holds the CSV
        print_metrics({Path(args.data).name: results}, model.head, file=shown)
    return 0


def verify_command(args: argparse.Namespace) -> int:
    """``jaxdnn verify``: run, list or write the catalogue; return the exit status."""
    check_verify_args(args)
    import secrets

    from jaxdnn.cli.tables import print_verify_list, print_verify_table
    from jaxdnn.devices import compilation_cache_dir
    from jaxdnn.verify import configure, run_entries, write_markdown

    seed = args.seed if args.seed is not None else secrets.randbelow(2**32)
    configure(None if args.no_cache or args.list else compilation_cache_dir())
    from jaxdnn.catalogue import select

    selected = list(select(args.only))
    if not selected:
        raise UsageError(f"no catalogue ID matches --only {args.only!r}")
    if args.list:
        print_verify_list(selected, args.wide)
        return 0
    if args.markdown is not None:
        path = Path(args.markdown)
        try:
            return write_markdown(path, args.only, args.examples, seed, args.jobs)
        except OSError as error:
            raise UsageError(f"cannot write --markdown {path}: {error.strerror}") from None
    results = run_entries(args.only, args.examples, seed, args.jobs)
    failed = print_verify_table(selected, results, args.examples, seed, args.wide)
    if failed:
        print(f"jaxdnn verify: FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
