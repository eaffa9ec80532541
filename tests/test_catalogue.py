"""The catalogue run by the test suite: every entry's check under hypothesis (shrinking on, so a
failure is reported at a minimal point), with the suite's tolerance; the test IDs are the
catalogue IDs. And the registry's own contract: every ID is run, every ID a docstring of the
package cites is an entry, every entry is stated and sourced."""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxdnn
import jaxdnn.testing as jt
from jaxdnn.catalogue import DOCUMENTS, ENTRIES, KINDS, PRINTED_DIFFERS, evaluate

ID_PATTERN = re.compile(r"\b[PE]-[A-Z0-9]+(?:-[A-Z0-9]+)*\b(?![-*])")
EXAMPLES = 25
"""Points per entry in the suite (hypothesis's profile draws 100 for hand-written tests): the
catalogue's 162 checks at 25 points cost about as much as the rest of the suite."""

PARAMETERS = pytest.mark.parametrize("entry", list(ENTRIES), ids=[e.id for e in ENTRIES])


@PARAMETERS
def test_entry(entry):
    """The entry's statement holds at every drawn point (error ≤ 1e-10); for an erratum with a
    printed formula, that formula is off by more than 1e-6 at the drawn points taken together."""
    printed_errors = []

    @settings(max_examples=EXAMPLES)
    @given(st.data())
    def check(data):
        error, printed_error = evaluate(entry, data.draw)
        assert error <= jt.RTOL, f"{entry.id}: error {error:.3e} > {jt.RTOL}"
        if printed_error is not None:
            printed_errors.append(printed_error)

    check()
    if entry.is_erratum and entry.without_formula is None:
        assert max(printed_errors) > PRINTED_DIFFERS, f"{entry.id}: printed form not refuted"
    else:
        assert not printed_errors, f"{entry.id} evaluates a printed formula it does not declare"


def test_every_entry_is_well_formed():
    """IDs unique and of the P-…/E-… form, kinds from the list, a statement and a source naming
    one of the five documents; an erratum has its printed form and why it is wrong; the check is
    a named function of the entry's area module."""
    assert len({e.id for e in ENTRIES}) == len(ENTRIES)
    assert PARAMETERS.args[1] == ENTRIES  # test_entry runs every entry of the registry
    for e in ENTRIES:
        assert ID_PATTERN.fullmatch(e.id), e.id
        assert e.kind in KINDS and e.statement.strip() and e.check.__name__ != "_", e.id
        assert any(document in e.source for document in DOCUMENTS), e.id
        assert e.is_erratum == e.id.startswith("E-"), e.id
        if e.is_erratum:
            assert e.kind == "corrected" and e.printed and e.why, e.id
        assert e.check.__module__ == f"jaxdnn.catalogue.{e.area}", e.id


def cited_ids() -> dict[str, list[str]]:
    """Every catalogue ID cited in a docstring of the package (module, class or function)."""
    cited: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(jaxdnn.__path__, "jaxdnn."):
        module = importlib.import_module(info.name)
        objects = [module, *vars(module).values()]
        for obj in objects:
            if getattr(obj, "__module__", module.__name__) != module.__name__:
                continue
            for id_ in ID_PATTERN.findall(getattr(obj, "__doc__", None) or ""):
                cited.setdefault(id_, []).append(getattr(obj, "__qualname__", info.name))
    return cited


def test_every_id_a_docstring_cites_is_an_entry():
    """A docstring that cites P-… or E-… points at an entry of the catalogue."""
    registry = {e.id for e in ENTRIES}
    missing = {id_: where for id_, where in cited_ids().items() if id_ not in registry}
    assert not missing, f"cited but not in the catalogue: {missing}"


def test_no_other_test_checks_a_catalogue_entry_again():
    """Each ID is checked here only: no other test function is named after a catalogue ID
    (test_P_…, test_E…), and no other test's docstring starts with one."""
    registry = {e.id for e in ENTRIES}
    offenders = []
    for path in Path(__file__).parent.glob("test_*.py"):
        if path.name in ("test_catalogue.py", "test_verify.py"):
            continue
        text = path.read_text(encoding="utf-8")
        for name in re.findall(r"^def (test_\w+)", text, re.MULTILINE):
            if re.match(r"test_(P_[A-Z]|E\d)", name):
                offenders.append(f"{path.name}::{name}")
        for doc in re.findall(r'^    """([PE]-[A-Z0-9-]+)', text, re.MULTILINE):
            if doc.rstrip(":,") in registry:
                offenders.append(f"{path.name}: a docstring starting with {doc}")
    assert not offenders, offenders
