"""Fixtures for the data protection tests: the session's built council, and a private copy of it for tests
that record requests (a restriction would hide a resident from every other test's lookups)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from resident_index_tests.conftest import cli, project_env


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
    """The built council's warehouse, read snapshot, landing files and config in a data folder of its own."""
    root = tmp_path_factory.mktemp("protected")
    data = root / "data"
    data.mkdir()
    for name in ("warehouse.duckdb", "warehouse.read.duckdb"):
        shutil.copy2(built_council["data"] / name, data / name)
    shutil.copytree(built_council["data"] / "landing", data / "landing")
    council = shutil.copytree(built_council["registry"].parent, root / "council")
    env = project_env(data, council / "sources")
    return {"data": data, "env": env, "warehouse": data / "warehouse.duckdb", "council": council}


def run(council: dict, *args: str):
    return cli(council["env"], *args, timeout=300)
