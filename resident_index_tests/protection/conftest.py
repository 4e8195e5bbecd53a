"""Fixtures for the data protection tests: the session's built council, and a private copy of it for tests
that record requests (a restriction would hide a resident from every other test's lookups).

Their commands run through the CLI's main() in this process (`run`): exit codes, output and the audit entries
are what a shell gets; the interactive review (test_audit.py) and the refusal of an unknown user
(test_access.py) run as real `python -m resident_index.cli` processes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from resident_index_tests.conftest import cli_in_process, copy_council


def rows(database: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def audit_entries(data: Path) -> list[dict]:
    path = data / "audit" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture(scope="module")
def council_copy(built_council, tmp_path_factory) -> dict:
    """The built council's data folder and config in a folder of its own (`council` is its config folder)."""
    council = copy_council(built_council, tmp_path_factory.mktemp("protected"))
    return council | {"council": council["registry"].parent}


def run(council: dict, *args: str):
    """`resident-index <args>` on `council`, in this process (resident_index_tests/conftest.py `cli_in_process`)."""
    return cli_in_process(council["env"], *args)
