"""``jaxdnn verify``: the catalogue checked numerically from the command line."""

import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SUBPROCESS_ENV

from jaxdnn import cli, verify

SCRIPT = shutil.which("jaxdnn") or str(Path(sys.executable).parent / "jaxdnn")
TESTS = Path(__file__).parent
ID_PATTERN = re.compile(r"\b[PE]-[A-Z0-9]+(?:-[A-Z0-9]+)*\b(?!-)")


def ids_named_in_tests() -> set[str]:
    """Every catalogue ID (P-… and E-…) that a test file names; a prefix written with a
    wildcard ("P-NEURON-*") is not an ID."""
    found = set()
    for path in TESTS.glob("test_*.py"):
        if path.name != "test_verify.py":
            found |= set(ID_PATTERN.findall(path.read_text(encoding="utf-8")))
    return found


def test_verify_command_passes_and_reports_every_id_the_tests_name():
    """`jaxdnn verify` (real console script, 1 point per check, fixed seed) exits 0, prints a
    pass row for every ID of the registry in at most 80 terminal columns, every erratum row
    shows its printed formula's error or why it has none, and the registry covers every ID the
    suite names."""
    proc = subprocess.run(
        [SCRIPT, "verify", "--examples", "1", "--seed", "0"],
        capture_output=True,
        text=True,
        env=SUBPROCESS_ENV,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    rows = {}
    for line in proc.stdout.splitlines():
        assert cli._display_width(line) <= 80, line
        match = ID_PATTERN.match(line)
        if match:
            rows[match.group()] = line
    registry = {check.id for check in verify.CHECKS}
    assert set(rows) == registry
    assert all(line.endswith("pass") for line in rows.values())
    for id_, line in rows.items():
        if id_.startswith("E-"):
            printed = line.split()[-2]
            reason = verify.WITHOUT_PRINTED_FORMULA.get(id_)
            assert printed == f"({reason})" if reason else float(printed) > 1e-6, line
    missing = ids_named_in_tests() - registry
    assert not missing, f"IDs tested but not verified: {sorted(missing)}"
    assert f"{len(registry)} of {len(registry)} checks passed" in proc.stdout


def test_verify_wide_rows_show_the_source_and_align_combining_characters(capsys):
    """--wide prints each check's source; a row whose text holds combining characters (E-03:
    m̂, v̂) is as wide on a terminal as the header; the default cuts text with "…" to fit."""
    assert cli.main(["verify", "--only", "^E-0[34]$", "--examples", "1", "--seed", "0"]) == 0
    narrow = capsys.readouterr().out.splitlines()
    assert (
        cli.main(["verify", "--only", "^E-0[34]$", "--examples", "1", "--seed", "0", "--wide"]) == 0
    )
    wide = capsys.readouterr().out.splitlines()
    for lines, source_shown in ((narrow, False), (wide, True)):
        header = next(line for line in lines if line.startswith("ID "))
        assert (cli._display_width(header) == 80) != source_shown
        rows = [line for line in lines if line.startswith("E-0")]
        assert len(rows) == 2
        for row in rows:  # "pass" ends the row where "result" ends the header, less 2 columns
            assert cli._display_width(row) == cli._display_width(header) - 2, row
            assert ("002_0dd137535febb580.txt" in row) == source_shown
    assert any("…" in row for row in narrow if row.startswith("E-03"))
    assert cli._display_width("m̂") == 1 and cli._display_width("表") == 2


def test_a_failing_check_gives_exit_1_and_a_fail_row(monkeypatch, capsys):
    """A check whose closed form disagrees (here 1 against 1 + 1e-6) fails the command: FAIL in
    its row, its ID on stderr, exit status 1; an erratum whose printed form agrees also fails."""
    wrong = verify.Check("X-WRONG", "deliberately wrong", "none", lambda draw: [(1.0, 1.0 + 1e-6)])
    indistinct = verify.Check(
        "X-INDISTINCT",
        "printed form equal to the corrected one",
        "none",
        lambda draw: verify.Erratum([(1.0, 1.0)], [(1.0, 1.0)]),
    )
    monkeypatch.setattr(verify, "CHECKS", [*verify.CHECKS, wrong, indistinct])
    status = cli.main(["verify", "--only", "^X-", "--examples", "1", "--seed", "0"])
    out, err = capsys.readouterr()
    assert status == cli.EXIT_DIVERGED == 1
    assert re.search(r"^X-WRONG .*FAIL$", out, re.MULTILINE)
    assert re.search(r"^X-INDISTINCT .*FAIL$", out, re.MULTILINE)
    assert "FAILED: X-WRONG, X-INDISTINCT" in err


def test_a_raising_check_fails_with_its_message():
    """An exception inside a check is a failure that carries the exception's first line."""

    def broken(draw):
        raise ValueError("W has the wrong shape")

    result = verify.run_check(verify.Check("X-RAISES", "raises", "none", broken), 3, 0)
    assert not result.passed
    assert result.error == "ValueError: W has the wrong shape"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify", "--examples", "0"], "--examples must be at least 1"),
        (["verify", "--only", "("], "--only is not a regular expression"),
        (["verify", "--only", "P-NO-SUCH-ID"], "no catalogue ID matches"),
    ],
)
def test_bad_verify_arguments_are_usage_errors(argv, message, capsys):
    """Bad arguments: one line on stderr and exit status 2."""
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_relative_error_is_the_suites_tolerance():
    """e ≤ 1e-10 exactly when |a − b| ≤ 1e-10·|b| + 1e-12; shape mismatches and NaN are inf;
    equal infinities agree."""
    b = np.array([0.0, 1.0, -200.0])
    tolerance = 1e-10 * np.abs(b) + 1e-12
    assert verify.relative_error(b + 0.99 * tolerance, b) <= 1e-10
    assert verify.relative_error(b + 1.01 * tolerance, b) > 1e-10
    assert verify.relative_error(np.zeros(2), np.zeros(3)) == math.inf
    assert verify.relative_error([np.nan], [1.0]) == math.inf
    assert verify.relative_error([np.inf], [np.inf]) == 0.0
