"""The tables the command line prints: a run's metrics per split and per class, a sweep's
models ranked, and the catalogue's checks and entries."""

from __future__ import annotations

import textwrap
import time
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jaxdnn.catalogue import Entry
    from jaxdnn.heads import Head
    from jaxdnn.verify import Result

__all__ = [
    "print_metrics",
    "print_per_class",
    "print_sweep",
    "print_verify_list",
    "print_verify_table",
]


def print_metrics(results: dict[str, dict[str, float]], head: Head, file: Any = None) -> None:
    """One row per split, the head's columns (on ``file``, default standard output)."""
    width = max(12, *(len(split) + 2 for split in results))
    print(f"{'split':{width}s}" + "".join(f"{c:>11s}" for c in head.columns), file=file)
    for split, row in results.items():
        print(f"{split:{width}s}" + "".join(_cell(row[c]) for c in head.columns), file=file)


def _cell(value: float) -> str:
    """A metric in an 11-character column: 4 decimals, or 4 significant digits where those
    would not leave a space before it (targets in large units), so that the columns align."""
    text = f"{value:.4f}"
    return f"{text if len(text) <= 10 else f'{value:.4g}':>11s}"


def print_per_class(scores: dict[str, dict[str, float]], split: str = "test") -> None:
    """Precision, recall, F1 and support of each class on ``split``, by class name."""
    if not scores:
        return
    width = max(12, *(len(name) + 2 for name in scores))
    columns = ("precision", "recall", "f1", "support")
    print(f"{split + ' class':{width}s}" + "".join(f"{c:>11s}" for c in columns))
    for name, row in scores.items():
        cells = "".join(_cell(row[c]) for c in columns[:3]) + f"{row['support']:11d}"
        print(f"{name:{width}s}" + cells)


def print_sweep(
    names: list[str],
    settings: dict[str, Any],
    order: list[int],
    rows: dict[str, Any],
    score: str,
    notes: dict[int, str],
) -> None:
    """The sweep's models, best first: their settings, final training and validation loss and
    score, and a note (a diverged model's epoch)."""
    header = "  ".join(f"{n:>13}" for n in [*names, "train loss", "val loss", score])
    print(header)
    print("-" * len(header))
    for m in order:
        row = [settings[n][m] for n in names] + [rows[c][m] for c in ("loss", "val_loss", score)]
        cells = "  ".join(f"{v:>13.6g}" for v in row)
        print(cells + (f"  {notes[m]}" if m in notes else ""))


def print_verify_list(selected: Sequence[Entry], wide: bool) -> None:
    """Print the catalogue entries: ID, kind, statement, source (errata: printed form, why)."""
    for entry in selected:
        head = f"{entry.id:<22} {entry.kind:<9}  "
        lines = [f"{entry.statement}"]
        if entry.is_erratum:
            lines += [f"printed: {entry.printed}", f"wrong: {entry.why}"]
        lines.append(f"source: {entry.source}")
        if wide:
            print(head + "; ".join(lines))
            continue
        indent = " " * len(head)
        for k, line in enumerate(lines):
            print(
                textwrap.fill(
                    line,
                    80,
                    initial_indent=head if k == 0 else indent,
                    subsequent_indent=indent,
                    break_on_hyphens=False,
                )
            )
    print(f"{len(selected)} {'entry' if len(selected) == 1 else 'entries'}")


def print_verify_table(
    selected: Sequence[Entry], results: Iterable[Result], examples: int, seed: int, wide: bool
) -> list[str]:
    """Print the verify table, a row as each result arrives; returns the IDs that failed."""
    wrap = _print_wrapped if not wide else print
    wrap(
        f"jaxdnn verify: {len(selected)} check{'s' * (len(selected) != 1)}, {examples} random "
        f"point{'s' * (examples != 1)} each, float64, "
        f"seed {seed}; error = max |a − b| / (|b| + 0.01), pass at ≤ 1e-10"
    )
    numbers = f"{'max error':>9} {'printed':>9} {'ulps':>5}  result"
    if wide:
        what_width = max(_display_width(e.statement) for e in selected)
        source_width = max(_display_width(e.source) for e in selected)
    else:  # fit an 80-column terminal: ID, statement (cut with …), the numbers
        what_width, source_width = 80 - 23 - len(numbers) - 1, 0
    source_header = f" {_fit('source', source_width)}" if source_width else ""
    header = f"{'ID':<22} {_fit('statement', what_width)}{source_header} {numbers}"
    print(header)
    print("-" * _display_width(header))
    start, failed = time.perf_counter(), []
    for result in results:
        entry = result.entry
        if result.printed_error is not None:
            printed = f"{result.printed_error:9.1e}"
        elif entry.is_erratum:  # an erratum in words, shapes or notation
            printed = f"({entry.without_formula})"
        else:
            printed = ""
        status = "pass" if result.passed else "FAIL"
        source = f" {_fit(entry.source, source_width)}" if source_width else ""
        ulps = "" if result.ulps is None else f"{result.ulps:5.1f}"
        print(
            f"{entry.id:<22} {_fit(entry.statement, what_width)}{source} "
            f"{result.max_error:9.1e} {printed:>9} {ulps:>5}  {status}"
            + (f"\n{'':<22} ({result.error})" if result.error else ""),
            flush=True,
        )
        if not result.passed:
            failed.append(entry.id)
    seconds = time.perf_counter() - start
    wrap(
        f"{len(selected) - len(failed)} of {len(selected)} checks passed in {seconds:.0f} s "
        f"(seed {seed}; 'printed' is the error of a document's printed formula, which an "
        "erratum check requires to exceed 1e-6; (words), (shape), (notation): the erratum "
        "corrects a claim, a shape or notation, and has no printed formula to evaluate; 'ulps': "
        "the worst relative error of the entry's functions against a 50-digit mpmath oracle "
        "over the whole float64 range, in units of ε = 2.2e-16, a pass at ≤ 8"
        + ("" if wide else "; --wide shows each statement and source in full")
        + ")"
    )
    return failed


# --- terminal text ------------------------------------------------------------------------------


def _print_wrapped(text: str) -> None:
    print(textwrap.fill(text, 80, break_on_hyphens=False))


def _display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: combining marks take none, wide characters two."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _fit(text: str, width: int) -> str:
    """``text`` padded, or cut with "…", to exactly ``width`` terminal columns."""
    if _display_width(text) > width:
        while _display_width(text) > width - 1:
            text = text[:-1]
        text = text.rstrip() + "…"
    return text + " " * (width - _display_width(text))
