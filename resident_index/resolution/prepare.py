"""resolution_input: the keys the model blocks and compares on (prepare.sql), with the registry's hints per
system; only new and changed records are recomputed (incremental.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from resident_index import incremental
from resident_index.sources.spec import SourceSpec

SQL = Path(__file__).with_name("prepare.sql")


def build_resolution_input(con: duckdb.DuckDBPyConnection, specs: list[SourceSpec]) -> dict:
    hints = [(s.name, s.matching.min_age, s.matching.distinct_at_address, s.matching.distinct_in_group) for s in specs]
    con.execute("CREATE OR REPLACE TABLE source_hints (source_system VARCHAR, min_age INTEGER, "
                "distinct_at_address BOOLEAN, distinct_in_group BOOLEAN)")
    if hints:
        con.executemany("INSERT INTO source_hints VALUES (?, ?, ?, ?)", hints)
    sql = SQL.read_text(encoding="utf-8")
    key = incremental.build_key(sql, hints, incremental.held_build_key(con, "person_records"))
    return incremental.refresh(con, "resolution_input", sql, "person_records", key)
