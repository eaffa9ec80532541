"""``jaxdnn verify``: the catalogue run, listed and written as Markdown from the command line."""

import ast
import math
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from jaxdnn import catalogue, cli, devices, verify
from jaxdnn.catalogue import ENTRIES
from jaxdnn.cli import tables

DOCS_CATALOGUE = Path(__file__).parent.parent / "docs" / "catalogue.md"
ROW = re.compile(r"^([PE]-[A-Z0-9-]+)\s")
ONE_POINT = ["--examples", "1", "--seed", "0", "--jobs", "1", "--no-cache"]
"""In-process runs: one point per check, in this process, without a compilation cache (which
would stay configured for the rest of the test session)."""


def test_verify_rows_fit_80_columns_and_every_erratum_row_shows_its_printed_error(capsys):
    """Two areas' entries at one point each: a pass row per entry in at most 80 terminal
    columns; an erratum row shows how far its printed formula is off (> 1e-6) or why it has
    none; the summary counts them."""
    pattern = "^(P-ACT|E-1[01]$|E-4[16]$|E-0[34]$)"
    assert cli.main(["verify", "--only", pattern, *ONE_POINT]) == 0
    out = capsys.readouterr().out
    rows = {}
    for line in out.splitlines():
        assert tables._display_width(line) <= 80, line
        if match := ROW.match(line):
            rows[match.group(1)] = line
    expected = {e.id for e in catalogue.select(pattern)}
    assert set(rows) == expected and len(expected) == 15
    for id_, line in rows.items():
        assert line.endswith("pass"), line
        if id_.startswith("E-"):
            printed, reason = line.split()[-2], catalogue.entry(id_).without_formula
            assert printed == f"({reason})" if reason else float(printed) > 1e-6, line
    assert "15 of 15 checks passed" in out


def test_verify_wide_rows_show_the_source_and_align_combining_characters(capsys):
    """--wide prints each statement and source in full; a row whose text holds combining
    characters (E-03: m̂, v̂) is as wide on a terminal as the header; the default cuts text with
    "…" to fit."""
    argv = ["verify", "--only", "^E-0[34]$", *ONE_POINT]
    assert cli.main(argv) == 0
    narrow = capsys.readouterr().out.splitlines()
    assert cli.main([*argv, "--wide"]) == 0
    wide = capsys.readouterr().out.splitlines()
    for lines, source_shown in ((narrow, False), (wide, True)):
        header = next(line for line in lines if line.startswith("ID "))
        assert (tables._display_width(header) == 80) != source_shown
        rows = [line for line in lines if line.startswith("E-0")]
        assert len(rows) == 2
        for row in rows:  # "pass" ends the row where "result" ends the header, less 2 columns
            assert tables._display_width(row) == tables._display_width(header) - 2, row
            assert ("002_0dd137535febb580.txt" in row) == source_shown
    assert any("…" in row for row in narrow if row.startswith("E-03"))
    assert tables._display_width("m̂") == 1 and tables._display_width("表") == 2


def test_verify_list_states_every_entry_without_computing(capsys, monkeypatch):
    """--list prints every entry (ID, kind, statement, source; for an erratum the printed form
    and what is wrong) within 80 columns, and runs no check."""
    monkeypatch.setattr(verify, "run_entry", lambda *a: pytest.fail("--list ran a check"))
    assert cli.main(["verify", "--list"]) == 0
    out = capsys.readouterr().out
    listed = [m.group(1) for line in out.splitlines() if (m := ROW.match(line))]
    assert listed == [e.id for e in ENTRIES]
    assert all(tables._display_width(line) <= 80 for line in out.splitlines())
    assert out.count("printed: ") == sum(e.is_erratum for e in ENTRIES)
    assert out.rstrip().endswith(f"{len(ENTRIES)} entries")
    assert cli.main(["verify", "--list", "--only", "^E-01$"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("\n1 entry")  # not "1 entries"


def _without_measurements(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith(verify.MEASURED):
            continue
        line = line.rstrip()
        if not (line == "" and lines and lines[-1] == ""):
            lines.append(line)
    return lines


def test_docs_catalogue_is_current():
    """docs/catalogue.md is what `jaxdnn verify --markdown` writes today, measurements aside:
    a changed statement, source or ID without regenerating the file fails here."""
    committed = _without_measurements(DOCS_CATALOGUE.read_text(encoding="utf-8"))
    assert committed == _without_measurements(verify.markdown()), (
        "docs/catalogue.md is stale: run `jaxdnn verify --markdown docs/catalogue.md`"
    )


def test_markdown_writes_measurements_and_escapes_formulas(tmp_path, capsys):
    """--markdown FILE writes the catalogue with a measurement line per checked entry; a formula's
    * and _ are escaped, so that Markdown does not read them as emphasis."""
    path = tmp_path / "docs" / "catalogue.md"
    argv = ["verify", "--only", "^(E-07|P-LOSS-CCE)$", *ONE_POINT]
    assert cli.main([*argv, "--markdown", str(path)]) == 0
    assert f"wrote {path}: 2 entries measured, 0 failed" in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    assert text.count(verify.MEASURED) == 3  # the note and the two entries
    assert "y\\*\\_k" in text and "y*_k" not in text


def test_a_failing_check_gives_exit_1_and_a_fail_row(monkeypatch, capsys):
    """A check whose statement disagrees (1 against 1 + 1e-6) fails the command: FAIL in its row,
    its ID on stderr, exit status 1; an erratum whose printed form agrees also fails."""
    wrong = catalogue.Entry(
        "P-X-WRONG", "stated", "1 = 1 + 1e-6", "none", lambda d: [(1, 1.0 + 1e-6)]
    )
    indistinct = catalogue.Entry(
        "E-99",
        "corrected",
        "printed form equal to the corrected one",
        "none",
        lambda draw: catalogue.Erratum([(1.0, 1.0)], [(1.0, 1.0)]),
        printed="the same",
        why="nothing",
    )
    monkeypatch.setattr(catalogue._registry, "ENTRIES", [wrong, indistinct])
    status = cli.main(["verify", *ONE_POINT])
    out, err = capsys.readouterr()
    assert status == 1
    assert re.search(r"^P-X-WRONG .*FAIL$", out, re.MULTILINE)
    assert re.search(r"^E-99 .*FAIL$", out, re.MULTILINE)
    assert "FAILED: P-X-WRONG, E-99" in err


def test_a_second_run_loads_the_compiled_programs_of_the_first(tmp_path):
    """The compilation cache (under $XDG_CACHE_HOME/jaxdnn/xla) is filled by a first run and
    read by a second, which prints the same rows; --no-cache writes nothing there."""
    # without the user's own cache settings (JAX_COMPILATION_CACHE_DIR would take the place of
    # jaxdnn's directory)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    argv = ["jaxdnn", "verify", "--only", "^(P-ACT-RELU|E-03)$", "--examples", "2", "--seed", "0"]

    def rows(*extra: str) -> list[str]:
        out = subprocess.run(
            [*argv, *extra], env=env, capture_output=True, text=True, timeout=600, check=True
        ).stdout
        return [line for line in out.splitlines() if ROW.match(line)]

    first = rows("--no-cache")
    assert not (tmp_path / "jaxdnn").exists()
    assert rows() == first and len(first) == 2
    cached = list((tmp_path / "jaxdnn" / "xla").iterdir())
    assert len(cached) > 10
    assert rows() == first
    assert len(list((tmp_path / "jaxdnn" / "xla").iterdir())) == len(cached)  # all loaded


def test_the_cache_keeps_its_newest_programs_within_its_size_limit(tmp_path, monkeypatch):
    """Beyond CACHE_BYTES the oldest files of the cache are removed when a run starts, and so
    is a program written since the last start that does not decompress whole (truncated by a
    kill); an unwritable cache location means no cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    program = zlib.compress(bytes(range(200)))  # a compressed executable, as JAX writes them
    monkeypatch.setattr(devices, "CACHE_BYTES", 2.5 * len(program))
    cache = tmp_path / "jaxdnn" / "xla"
    cache.mkdir(parents=True)
    for age in range(5):  # 5 programs, program 0 the newest
        path = cache / f"program-{age}"
        path.write_bytes(program)
        os.utime(path, (1e9 - age, 1e9 - age))
    (cache / "program-truncated").write_bytes(program[:-5])
    assert devices.compilation_cache_dir() == cache
    assert sorted(p.name for p in cache.glob("program-*")) == ["program-0", "program-1"]
    (cache / "program-new-truncated").write_bytes(program[:-5])  # after the check: checked next
    assert devices.compilation_cache_dir() == cache
    assert sorted(p.name for p in cache.glob("program-*")) == ["program-0", "program-1"]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "program-0-is-a-file" / "x"))
    (tmp_path / "program-0-is-a-file").write_text("")
    assert devices.compilation_cache_dir() is None


def test_worker_processes_give_the_results_of_one_process():
    """--jobs 2 shares the entries between this process and a spawned worker: the same results,
    in catalogue order, as one process (the draws depend on the seed alone). Both run as fresh
    processes, as the command line does (pytest's hypothesis plugin changes the draws)."""
    pattern = "^(P-ACT-RELU|P-LOSS-CCE|E-0[34])$"
    one, two = (
        subprocess.run(
            [sys.executable, "-c", RUN_ENTRIES, pattern, str(jobs)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        ).stdout
        for jobs in (1, 2)
    )
    results = ast.literal_eval(two)
    assert [id_ for id_, _, _ in results] == [e.id for e in catalogue.select(pattern)]
    assert all(error <= 1e-10 for _, error, _ in results)
    assert all(printed > 1e-6 for id_, _, printed in results if id_.startswith("E-"))
    assert one == two


def test_processes_take_neighbouring_entries_then_the_middle_of_the_longest_free_run():
    """Each entry is claimed once; a process continues after its last entry while that is free,
    and otherwise takes the middle of the longest run of free entries."""
    import multiprocessing

    claims = verify._Claims(multiprocessing.get_context("spawn").Array("b", 10))
    assert [claims.claim(0), claims.claim(1), claims.claim(5)] == [0, 1, 5]
    assert claims.claim(6) == 6  # the second process goes on from its start
    assert claims.claim(1) == 8  # taken: the middle of the longest free run, 7 8 9
    assert claims.claim(9) == 9
    taken = [claims.claim(10) for _ in range(4)]  # free: 2 3 4 and 7
    assert sorted(taken) == [2, 3, 4, 7] and taken[0] == 3
    assert claims.claim(0) is None and claims.claim(10) is None


RUN_ENTRIES = """
import sys
from jaxdnn import verify
if __name__ == "__main__":
    verify.configure()
    results = verify.run_entries(sys.argv[1], examples=3, seed=1, jobs=int(sys.argv[2]))
    print(repr([(r.entry.id, r.max_error, r.printed_error) for r in results]))
"""


def test_a_raising_check_fails_with_its_message():
    """An exception inside a check is a failure that carries the exception's first line."""

    def broken(draw):
        raise ValueError("W has the wrong shape")

    result = verify.run_entry(catalogue.Entry("P-X", "stated", "s", "none", broken), 3, 0)
    assert not result.passed
    assert result.error == "ValueError: W has the wrong shape"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify", "--examples", "0"], "--examples must be at least 1"),
        (["verify", "--jobs", "0"], "--jobs must be at least 1"),
        (["verify", "--only", "("], "--only is not a regular expression"),
        (["verify", "--seed", "-1"], "--seed must lie in [0, 2**32), got -1"),
        (["verify", "--list", "--markdown", "c.md"], "--list and --markdown exclude each other"),
        (["verify", "--only", "P-NO-SUCH-ID", "--no-cache"], "no catalogue ID matches"),
        (  # refused before any check runs, without a word about epochs
            ["verify", "--only", "P-ACT-RELU$", "--no-cache", "--markdown", "/proc/jaxdnn/c.md"],
            "cannot write --markdown /proc/jaxdnn/c.md: ",
        ),
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
    assert catalogue.relative_error(b + 0.99 * tolerance, b) <= 1e-10
    assert catalogue.relative_error(b + 1.01 * tolerance, b) > 1e-10
    assert catalogue.relative_error(np.zeros(2), np.zeros(3)) == math.inf
    assert catalogue.relative_error([np.nan], [1.0]) == math.inf
    assert catalogue.relative_error([np.inf], [np.inf]) == 0.0
