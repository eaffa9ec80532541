"""The catalogue's record type, its registry, and how an entry's check is run.

An :class:`Entry` states one proposition of the five documents (or one erratum: a printed
formula the documents get wrong, with the corrected statement) and carries the function that
checks it numerically. A check draws its inputs with ``draw(strategy)`` from the hypothesis
strategies of :mod:`jaxdnn.testing` and returns (actual, expected) pairs; an erratum's check
returns an :class:`Erratum` holding the pairs of the corrected form and those of the printed one.

Two runners share the registry: the test suite runs every entry under hypothesis with shrinking
(``tests/test_catalogue.py``), and ``jaxdnn verify`` runs it with generation only at a fixed seed
(:func:`run_entry`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
from hypothesis import strategies as st

import jaxdnn.testing as jt

D0 = "000_e9869ddaa8874969.txt"
D1 = "001_602cbf05fdb6a620.txt"
D2 = "002_0dd137535febb580.txt"
D3 = "003_4420902fd2b6113f.txt"
D4 = "004_6f61966887c71a84.txt"
DOCUMENTS = (D0, D1, D2, D3, D4)
"""The five source documents, cited by file name."""

PRINTED_DIFFERS = 1e-6
"""An erratum's printed formula counts as different when its relative error exceeds this."""

Kind = Literal["stated", "corrected", "derived", "extension"]
KINDS: tuple[Kind, ...] = ("stated", "corrected", "derived", "extension")
"""stated: as a document states it; corrected: a document's statement repaired (every erratum
is of this kind); derived: follows from stated ones (a document uses it without stating it);
extension: beyond the documents."""

Pair = tuple[Any, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]


class Erratum(NamedTuple):
    """What an erratum's check returns: pairs for the corrected form and for the printed one.

    Attributes:
        corrected: (actual, expected) pairs of the corrected statement.
        printed: (printed value, expected) pairs of the printed form.
    """

    corrected: list[Pair]
    printed: list[Pair]


Check = Callable[[Draw], "list[Pair] | Erratum"]


@dataclasses.dataclass(frozen=True)
class Entry:
    """One catalogue entry: its ID, kind, statement (row-vector convention), source, check and,
    for an erratum (ID ``E-…``), the printed form and why it is wrong. ``without_formula`` says
    why an erratum's check cannot evaluate the printed form ("words": the document makes a
    claim; "shape": it prints a shape; "notation": it misuses notation), so that the check
    asserts the corrected statement alone.

    Attributes:
        id: the ID (``P-…`` or ``E-…``).
        kind: stated, corrected, derived or extension.
        statement: the statement (for an erratum the corrected one), row-vector convention.
        source: the document's file name and its own numbering.
        check: the function that draws inputs and returns the pairs to compare.
        printed: an erratum's printed form.
        why: why the printed form is wrong.
        without_formula: why an erratum's printed form cannot be evaluated, if it cannot.
    """

    id: str
    kind: Kind
    statement: str
    source: str
    check: Check
    printed: str | None = None
    why: str | None = None
    without_formula: str | None = None

    @property
    def is_erratum(self) -> bool:
        """True for an erratum (a corrected printed formula)."""
        return self.printed is not None

    @property
    def area(self) -> str:
        """The catalogue module the entry is stated in (``activations``, ``losses``, …)."""
        return self.check.__module__.rsplit(".", 1)[-1]


ENTRIES: list[Entry] = []
"""The registry, in catalogue order (the order the area modules are imported in)."""


def _register(entry: Entry) -> None:
    if any(e.id == entry.id for e in ENTRIES):
        raise ValueError(f"catalogue ID {entry.id} is registered twice")
    ENTRIES.append(entry)


def proposition(id_: str, kind: Kind, statement: str, source: str) -> Callable[[Check], Check]:
    """Register the decorated function as the check of proposition ``id_``."""
    if not id_.startswith("P-") or kind not in KINDS:
        raise ValueError(f"bad proposition {id_!r} of kind {kind!r}")

    def register(check: Check) -> Check:
        _register(Entry(id_, kind, statement, source, check))
        return check

    return register


def erratum(
    id_: str,
    statement: str,
    source: str,
    *,
    printed: str,
    why: str,
    without_formula: Literal["words", "shape", "notation"] | None = None,
) -> Callable[[Check], Check]:
    """Register the decorated function as the check of erratum ``id_``: ``statement`` is the
    corrected form, ``printed`` what the document prints and ``why`` what is wrong with it."""
    if not id_.startswith("E-"):
        raise ValueError(f"bad erratum ID {id_!r}")

    def register(check: Check) -> Check:
        _register(Entry(id_, "corrected", statement, source, check, printed, why, without_formula))
        return check

    return register


def relative_error(actual: Any, expected: Any) -> float:
    """max |a − b| / (|b| + ATOL/RTOL) over the entries; inf on a shape mismatch or a NaN.

    ``e ≤ RTOL`` is exactly the criterion |a − b| ≤ RTOL·|b| + ATOL of
    ``jaxdnn.testing.assert_close`` (rtol 1e-10, atol 1e-12). Equal infinities count as equal.

    Args:
        actual: the value computed.
        expected: the value expected.

    Returns:
        The error, a float.
    """
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    same = a == b  # equal infinities included
    with np.errstate(invalid="ignore"):
        err = np.where(same, 0.0, np.abs(a - b) / (np.abs(b) + jt.ATOL / jt.RTOL))
    if err.size == 0:
        return 0.0
    worst = float(np.max(err))
    return math.inf if math.isnan(worst) else worst


def max_error(pairs: Sequence[Pair]) -> float:
    """The largest :func:`relative_error` over a list of pairs (0 for none).

    Args:
        pairs: (actual, expected) pairs.

    Returns:
        The largest relative error.
    """
    return max((relative_error(a, b) for a, b in pairs), default=0.0)


def evaluate(entry: Entry, draw: Draw) -> tuple[float, float | None]:
    """Run an entry's check once: (error of the statement, error of the printed form or None).

    Args:
        entry: the entry.
        draw: ``draw(strategy)``, a value drawn from a hypothesis strategy.

    Returns:
        ``(error, printed error or None)``.
    """
    outcome = entry.check(draw)
    if isinstance(outcome, Erratum):
        return max_error(outcome.corrected), max_error(outcome.printed)
    return max_error(outcome), None


def select(pattern: str | None = None) -> Iterator[Entry]:
    """The entries whose ID matches the regular expression ``pattern`` (searched,
    case-insensitive; all when None), in catalogue order.

    Args:
        pattern: a regular expression, or None for every entry.

    Returns:
        An iterator of entries.
    """
    regex = re.compile(pattern, re.IGNORECASE) if pattern else None
    return (e for e in ENTRIES if regex is None or regex.search(e.id))
