"""``jaxdnn verify``: the catalogue's checks run at fresh random points, as a table, a list or a
Markdown document.

Each entry of :mod:`jaxdnn.catalogue` is run at ``examples`` points drawn by hypothesis
(generation only: no shrinking, no example database, a fixed seed), and the largest relative
error e = max |a − b| / (|b| + ATOL/RTOL) is recorded, so that e ≤ RTOL is exactly the test
suite's criterion |a − b| ≤ RTOL·|b| + ATOL (rtol 1e-10, atol 1e-12). An erratum passes only if
its corrected form matches and its printed formula differs (by more than 1e-6) at some point.
Requires ``jax_enable_x64`` (the command line turns it on).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jaxdnn.catalogue import Entry

__all__ = ["Result", "configure", "run_entry", "run_entries", "markdown", "write_markdown"]

MEASURED = "*Measured:*"
"""How a measurement line of the Markdown catalogue starts (the staleness test ignores them)."""


@dataclasses.dataclass(frozen=True)
class Result:
    """Outcome of one entry's check over all drawn points."""

    entry: Entry
    examples: int
    max_error: float
    printed_error: float | None
    error: str | None
    ulps: float | None = None
    """The worst relative error against the mpmath oracle, in units of ε (entries with one)."""
    oracle_values: int = 0

    @property
    def passed(self) -> bool:
        """True when the statement matched everywhere and, for an erratum with a printed formula,
        that formula differed somewhere."""
        from jaxdnn.catalogue import PRINTED_DIFFERS
        from jaxdnn.testing import RTOL

        if self.error is not None or not self.max_error <= RTOL:
            return False
        return self.printed_error is None or self.printed_error > PRINTED_DIFFERS


def run_entry(entry: Entry, examples: int = 20, seed: int = 0) -> Result:
    """Run one entry's check at ``examples`` hypothesis-drawn points seeded by ``seed``
    (generation only), and, for an entry with functions in ``jaxdnn.catalogue.oracle``, their
    accuracy against the mpmath oracle at its fixed points. An exception becomes a failed result
    naming it in one line."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    from jaxdnn.catalogue import evaluate, oracle

    errors: list[float] = []
    printed: list[float] = []

    @settings(
        max_examples=examples,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(st.data())
    def body(data: st.DataObject) -> None:
        error, printed_error = evaluate(entry, data.draw)
        errors.append(error)
        if printed_error is not None:
            printed.append(printed_error)

    try:
        hypothesis_seed(seed)(body)()
    except Exception as exc:  # a check that raises has failed; say why in one line
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return Result(entry, len(errors), max(errors, default=math.inf), None, message)
    result = Result(entry, len(errors), max(errors), max(printed) if printed else None, None)
    return _with_oracle(result) if entry.id in oracle.oracle_ids() else result


def _with_oracle(result: Result) -> Result:
    """The result with its functions' accuracy against the mpmath oracle; a value beyond
    ``oracle.ULPS`` fails the entry, naming the first such value."""
    from jaxdnn.catalogue import oracle

    accuracies = oracle.measure(result.entry.id)
    failures = [f for a in accuracies for f in a.failures]
    error = f"beyond {oracle.ULPS} ulps of the exact value: {failures[0]}" if failures else None
    return dataclasses.replace(
        result,
        error=error,
        ulps=max(a.worst_ulps for a in accuracies),
        oracle_values=sum(a.points for a in accuracies),
    )


def run_entries(
    pattern: str | None = None, examples: int = 20, seed: int = 0, jobs: int = 1
) -> Iterator[Result]:
    """Run every entry whose ID matches ``pattern`` (a regular expression, searched,
    case-insensitive; all when None), yielding results in catalogue order.

    With ``jobs`` > 1 this process and ``jobs`` − 1 spawned workers share the entries
    (:class:`_Claims`); the results are the same as with one process.
    """
    from jaxdnn.catalogue import select

    selected = list(select(pattern))
    jobs = min(jobs, len(selected))
    if jobs <= 1:
        for entry_ in selected:
            yield run_entry(entry_, examples, seed)
        return
    import multiprocessing
    import queue

    context = multiprocessing.get_context("spawn")  # JAX's runtime does not survive a fork
    ids = [e.id for e in selected]
    claims = _Claims(context.Array("b", len(ids)))
    done: multiprocessing.Queue = context.Queue()
    workers = [
        context.Process(
            target=_work, args=(ids, claims, k * len(ids) // jobs, examples, seed, done)
        )
        for k in range(1, jobs)
    ]
    results: dict[int, Result] = {}
    # Ctrl-C raises here, so that the workers are stopped on the way out (the command line's
    # own handler would exit at once and orphan them)
    handler = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for worker in workers:
            worker.start()
        cursor, shown = 0, 0
        while shown < len(ids):
            while True:  # what the workers finished
                try:
                    i, fields = done.get_nowait()
                except queue.Empty:
                    break
                results[i] = Result(selected[i], *fields)
            while shown in results:
                yield results.pop(shown)
                shown += 1
            i = claims.claim(cursor)
            if i is not None:  # this process works too, while the workers start and after
                results[i] = run_entry(selected[i], examples, seed)
                cursor = i + 1
                continue
            try:  # everything is claimed: wait for the workers' last entries
                i, fields = done.get(timeout=0.5)
                results[i] = Result(selected[i], *fields)
            except queue.Empty:
                if not any(w.is_alive() for w in workers):  # a worker died: its entries here
                    missing = [i for i in range(shown, len(ids)) if i not in results]
                    for i in missing:
                        results[i] = run_entry(selected[i], examples, seed)
    finally:
        for worker in workers:
            if worker.pid is None:  # not started: starting one flushes stdout, which can fail
                continue
            if worker.is_alive():
                worker.terminate()
            worker.join()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, handler)


class _Claims:
    """Which entries a process has taken, shared by the processes of :func:`run_entries`.

    Process k of n starts at entry k·N/n and works forward through neighbouring entries (mostly
    one area's, which share compiled programs); a process that reaches a taken entry or the end
    continues from the middle of the longest run of free entries, so that none idles while
    another has more than one entry left.
    """

    def __init__(self, taken: Any) -> None:
        self.taken = taken

    def claim(self, cursor: int) -> int | None:
        """Take entry ``cursor`` if it is free, else the middle of the longest free run; None
        when every entry is taken."""
        lock = self.taken.get_lock()
        # a worker killed inside this section leaves the lock taken: go on without it (at worst
        # an entry runs twice, with the same result)
        locked = lock.acquire(timeout=5)
        try:
            taken = self.taken.get_obj()
            if cursor >= len(taken) or taken[cursor]:
                runs, start = [], None
                for i, t in enumerate([*taken, 1]):
                    if not t and start is None:
                        start = i
                    elif t and start is not None:
                        runs.append((i - start, start))
                        start = None
                if not runs:
                    return None
                length, start = max(runs)
                cursor = start + length // 2
            taken[cursor] = 1
            return cursor
        finally:
            if locked:
                lock.release()


def _work(
    ids: list[str], claims: _Claims, cursor: int, examples: int, seed: int, done: Any
) -> None:
    """A worker process of :func:`run_entries`: runs the entries it claims, sending each result's
    fields to ``done``."""
    from jaxdnn.catalogue import entry

    _start_worker()
    while (i := claims.claim(cursor)) is not None:
        result = run_entry(entry(ids[i]), examples, seed)
        done.put((i, tuple(getattr(result, f.name) for f in dataclasses.fields(result))[1:]))
        cursor = i + 1
    # Every result is through the pipe once the queue's feeder thread is joined; exiting now
    # skips the interpreter's teardown (JAX freeing each compiled program), which the parent
    # waits for when this worker finishes last.
    done.close()
    done.join_thread()
    os._exit(0)


def _start_worker() -> None:
    """A worker of :func:`run_entries`: Ctrl-C (sent to the whole foreground process group)
    ends it silently, the parent reports the interruption; float64 and fast-compile flags."""
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(130))
    configure()


FAST_COMPILE = ("--xla_backend_optimization_level=0", "--xla_cpu_use_fusion_emitters=false")
"""XLA flags for the catalogue's many tiny programs: skipping backend optimisation and XLA's
fusion emitters compiles each about twice as fast, and a check's program runs in microseconds
either way."""


def configure(cache: Path | None = None) -> None:
    """Turn on float64 and, unless ``XLA_FLAGS`` sets them already, the :data:`FAST_COMPILE`
    flags (they act only if JAX's CPU backend has not started yet). With ``cache``, compiled
    programs are kept in that directory (:func:`jaxdnn.devices.use_compilation_cache`), so that
    a repeated run loads what an earlier one compiled; worker processes inherit the setting."""
    flags = os.environ.get("XLA_FLAGS", "")
    for flag in FAST_COMPILE:
        if flag.split("=")[0] not in flags:
            flags = f"{flags} {flag}".strip()
    os.environ["XLA_FLAGS"] = flags
    import jax

    from jaxdnn.devices import use_compilation_cache

    jax.config.update("jax_enable_x64", True)
    use_compilation_cache(cache)


# --- the catalogue as Markdown ------------------------------------------------------------------

AREA_TITLES = {
    "calculus": "Matrices and differential calculus",
    "activations": "Activations",
    "losses": "Losses",
    "dense": "The dense layer",
    "simplified": "Simplified Jacobians",
    "network": "The network and its objective",
    "backprop": "Backpropagation",
    "worked_examples": "Worked examples and single neurons",
    "optimizers": "Algorithms and optimizers",
    "theory": "Optimisation theory",
    "capacity": "Model capacity and regularisation",
    "metrics": "Metrics",
}


def _md(text: str) -> str:
    """Plain text with formulas, escaped for Markdown (``*`` and ``_`` are not emphasis)."""
    return re.sub(r"([\\*_`<>\[\]])", r"\\\1", text)


def markdown(results: dict[str, Result] | None = None, note: str = "") -> str:
    """The whole catalogue as Markdown: one section per area, one paragraph per entry (ID, kind,
    statement, source; for an erratum the printed form and why it is wrong), and, where
    ``results`` holds the entry's outcome, a line starting with ``*Measured:*``."""
    from jaxdnn.catalogue import AREAS, ENTRIES

    out = [
        "# The jaxdnn catalogue",
        "",
        "Every checkable statement of the five documents (`P-…`) and every erratum (`E-…`): a",
        "formula the documents print wrongly, with the corrected statement that jaxdnn",
        "implements. Vectors are rows (`y·Wᵀ + b`, `W` of shape (out, in)). Each entry is",
        "checked numerically by `jaxdnn verify` and by the test suite; its check is a function",
        "of the module named in the section title. This file is written by",
        "`jaxdnn verify --markdown docs/catalogue.md`.",
    ]
    if note:
        out += ["", note]
    for area in AREAS:
        out += ["", f"## {AREA_TITLES[area]} (`jaxdnn.catalogue.{area}`)"]
        for entry in (e for e in ENTRIES if e.area == area):
            out += ["", f"**{entry.id}** ({entry.kind}) · `{entry.check.__name__}`  "]
            if entry.is_erratum:
                out += [
                    f"Corrected: {_md(entry.statement)}  ",
                    f"Printed: {_md(entry.printed or '')}  ",
                    f"Wrong because: {_md(entry.why or '')}  ",
                ]
            else:
                out.append(f"{_md(entry.statement)}  ")
            out.append(f"Source: {_md(entry.source)}")
            result = (results or {}).get(entry.id)
            if result is not None:
                measured = f"max error {result.max_error:.1e}"
                if result.printed_error is not None:
                    measured += f", printed formula off by {result.printed_error:.1e}"
                elif entry.without_formula:
                    measured += f" (no printed formula: {entry.without_formula})"
                if result.ulps is not None:
                    measured += (
                        f"; against the mpmath oracle at {result.oracle_values:,} values, within "
                        f"{result.ulps:.1f} ulps"
                    )
                status = "pass" if result.passed else "FAIL"
                out[-1] += "  "
                out.append(f"{MEASURED} {measured}, {status}")
    return "\n".join(out) + "\n"


def write_markdown(path: Path, only: str | None, examples: int, seed: int, jobs: int) -> int:
    from jaxdnn import rundir

    path.parent.mkdir(parents=True, exist_ok=True)  # before the checks: it may fail
    results = {r.entry.id: r for r in run_entries(only, examples, seed, jobs)}
    failed = [i for i, r in results.items() if not r.passed]
    note = f"{MEASURED} {examples} random points per check, seed {seed}, float64."
    rundir.atomic_write(path.parent, path.name, markdown(results, note).encode())
    entries = "entry" if len(results) == 1 else "entries"
    print(f"wrote {path}: {len(results)} {entries} measured, {len(failed)} failed")
    if failed:
        print(f"jaxdnn verify: FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
