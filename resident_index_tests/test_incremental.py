"""A day's run updates the derived tables in place, recomputing only changed rows: the tables must be
exactly what a build from scratch makes. Runs on a copy of the session's built council."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from resident_index.golden.survivorship import build_golden_residents
from resident_index.resolution.prepare import build_resolution_input
from resident_index.sources.spec import load_registry
from resident_index.sources.staging import build_staged_records
from resident_index.standardise.person_records import build_person_records
from resident_index_tests.conftest import cli, project_env

TABLES = ["staged_records", "person_records", "resolution_input", "golden_residents"]


@pytest.fixture(scope="module")
def changed_day(built_council, tmp_path_factory):
    """The built council after one more day in which 5% of records changed, run as the schedule runs it."""
    from resident_index.synthetic.next_day import land_changed_day

    root = tmp_path_factory.mktemp("incremental")
    data = root / "data"
    shutil.copytree(built_council["data"], data, ignore=shutil.ignore_patterns("dagster", "dagster_home"))
    env = project_env(data, built_council["registry"])
    assert land_changed_day(data, date(2026, 11, 5), share=0.05, seed=11) > 0
    run = cli(env, "run")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    return {"warehouse": data / "warehouse.duckdb", "specs": load_registry(built_council["registry"])}


def test_a_run_with_nothing_new_recomputes_nothing(changed_day, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(changed_day["warehouse"], copy)
    with duckdb.connect(str(copy)) as con:
        new = con.execute("SELECT count(*) FROM staged_records WHERE first_seen = DATE '2026-11-05'").fetchone()[0]
        assert new > 0  # the day brought new records
        build_staged_records(con, changed_day["specs"])
        for figures in (build_person_records(con), build_resolution_input(con, changed_day["specs"]),
                        build_golden_residents(con)):
            assert figures == {"mode": "incremental", "rows_recomputed": 0, "rows_removed": 0}


def test_tables_kept_in_place_equal_a_build_from_scratch(changed_day, tmp_path):
    copy, specs = tmp_path / "warehouse.duckdb", changed_day["specs"]
    shutil.copy(changed_day["warehouse"], copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("DROP TABLE staged_records")
        con.execute("DELETE FROM incremental_builds")
        build_staged_records(con, specs)
        assert build_person_records(con)["mode"] == "full"
        assert build_resolution_input(con, specs)["mode"] == "full"
        assert build_golden_residents(con)["mode"] == "full"
        con.execute(f"ATTACH '{changed_day['warehouse']}' AS kept (READ_ONLY)")
        for table in TABLES:
            columns = ", ".join(r[0] for r in con.execute(f"DESCRIBE {table}").fetchall())
            differ = con.execute(f"""SELECT count(*) FROM (
                (SELECT {columns} FROM {table} EXCEPT ALL SELECT {columns} FROM kept.{table})
                UNION ALL (SELECT {columns} FROM kept.{table} EXCEPT ALL SELECT {columns} FROM {table}))""").fetchone()[0]
            assert differ == 0, table
