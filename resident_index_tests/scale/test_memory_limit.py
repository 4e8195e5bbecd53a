"""DuckDB's memory limit comes from RESIDENT_INDEX_MEMORY_LIMIT or the machine, never a constant (issue 17 item 1)."""

from __future__ import annotations

import os

import dagster as dg
import pytest

from resident_index.resolution.linker import scratch_catalog, scratch_connection
from resident_index.settings import memory_limit


def _in_duckdb(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_without_the_variable_the_limit_is_half_the_machines_memory(monkeypatch):
    monkeypatch.delenv("RESIDENT_INDEX_MEMORY_LIMIT", raising=False)
    machine_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    assert memory_limit() == f"{int(machine_mb / 2)}MB"


def test_the_variable_sets_the_warehouse_and_splinks_scratch_databases(monkeypatch, tmp_path):
    monkeypatch.setenv("RESIDENT_INDEX_MEMORY_LIMIT", "1500MB")
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(tmp_path))
    from resident_index.defs.resources import resources

    warehouse = resources().resources["warehouse"]
    with warehouse.get_connection() as con:
        assert _in_duckdb(con) == "1.3 GiB"  # DuckDB shows 1500 MB (10^6 bytes) in GiB
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        mem = scratch_connection(con, {"t": "SELECT * FROM t"})
        assert _in_duckdb(mem) == "1.3 GiB"
        con.execute("SET memory_limit = '3GiB'")
        with scratch_catalog(con, {"v": "SELECT * FROM warehouse.t"}) as scratch:
            assert _in_duckdb(scratch) == "1.3 GiB"
        assert _in_duckdb(con) == "3.0 GiB"  # the connection's own limit again afterwards


@pytest.mark.parametrize("given", ["4", "lots", "4 GB please"])
def test_an_amount_without_a_unit_is_refused_in_plain_words(monkeypatch, given):
    monkeypatch.setenv("RESIDENT_INDEX_MEMORY_LIMIT", given)
    with pytest.raises(ValueError, match=r"RESIDENT_INDEX_MEMORY_LIMIT=.*give an amount with its unit, e\.g\. 4GB"):
        memory_limit()
