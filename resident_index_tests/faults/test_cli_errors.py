"""Small things a council will hit at the terminal: a bad date of birth, a mistyped record id, stdin that
closes. Each gives one plain line on stderr and a non-zero exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from resident_index_tests.conftest import PROJECT, cli
from resident_index_tests.faults.lock_helpers import copy_council

pytestmark = pytest.mark.faults


def _one_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _systems(council) -> list[str]:
    con = duckdb.connect(str(council["warehouse"]), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT DISTINCT source_system FROM resident_crosswalk ORDER BY 1").fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("dob, why", [("1980-02-30", "day is out of range for month"),
                                      ("02/03/1980", "expected YYYY-MM-DD")])
def test_a_bad_date_of_birth_is_one_line(built_council, dob, why):
    result = cli(built_council["env"], "find", "Smith, John", "--dob", dob)
    assert result.returncode == 2
    line = _one_line(result)
    assert line.startswith("resident-index find: --dob") and repr(dob) in line and why in line


def test_an_unknown_record_id_in_a_verdict_names_it_and_the_form(built_council):
    [system] = _systems(built_council)[:1]
    result = cli(built_council["env"], "review", "--left", "nobody", "--right", f"{system}|x", "--verdict", "same")
    assert result.returncode == 2
    line = _one_line(result)
    assert f"unknown record id 'nobody', '{system}|x'" in line and "'<source_system>|<source record id>'" in line


def test_the_warehouse_itself_names_an_unknown_record_id_when_there_is_no_snapshot(built_council, tmp_path):
    council = copy_council(built_council, tmp_path, files=("warehouse.duckdb",))
    result = cli(council["env"], "review", "--left", "nobody", "--right", "nothing|1", "--verdict", "different")
    assert result.returncode == 2
    assert "unknown record id 'nobody', 'nothing|1'" in _one_line(result)


def test_a_verdict_without_both_records_says_what_it_needs(built_council):
    result = cli(built_council["env"], "review", "--left", "a|1", "--verdict", "same")
    assert result.returncode == 2 and "--verdict needs --left and --right" in _one_line(result)


@pytest.mark.parametrize("typed", ["", "k\n"])
def test_review_ends_cleanly_when_stdin_closes(built_council, typed):
    session = subprocess.run([sys.executable, "-m", "resident_index.cli", "review", "--reviewer", "test"],
                             input=typed, env=built_council["env"], cwd=PROJECT, capture_output=True, text=True,
                             timeout=120)
    assert session.returncode == 0, session.stderr
    assert "EOFError" not in session.stderr and "Traceback" not in session.stderr
    assert session.stdout.count("match weight by field") == (2 if typed else 1)
