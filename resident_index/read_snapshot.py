"""The read snapshot: what caseworker lookups and reviewers read, in a file of its own.

At the end of each build_index run the golden record tables that `find` and `show` read and the review
queue that `review` works through are copied into data/warehouse.read.duckdb, with a row saying when and
by which build. The copy is written beside it under a temporary name and renamed over the old one, so a
reader sees the whole of one build or the whole of the previous one, never half; and readers open this
file, never the warehouse, so they hold no lock a run would wait for. A reader that has the old file open
keeps reading it until it reopens.

The copy is laid out for lookups of one resident at 300,000 residents and more: each table is written in the
order of the key its lookups filter on (SORT_KEYS), so DuckDB's per-row-group min/max statistics skip all but
the row groups holding that key instead of scanning the table, and `name_keys` (golden/lookup.py NAME_KEYS_SQL:
every forename and surname each resident has used) lets `find` compare a name with the distinct names held,
not with every resident; `emergency_points` (web/emergency.py POINTS_SQL: each living resident's coordinates
and the systems holding a current record of theirs, in easting order) lets a radius query read one table.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from resident_index import settings, warehouse_lock
from resident_index.golden.lookup import NAME_KEYS_SQL, NAME_TOKENS_SQL
from resident_index.tables import has_table
from resident_index.transactions import transaction
from resident_index.web import emergency

#: everything lookup.find/show and the review queue read (resident_id_history: the web app's search sends a
#: retired resident ID on to the one its records went to)
TABLES = ("golden_residents", "resident_addresses", "households", "household_changes", "relationships",
          "resident_events", "resident_crosswalk", "review_queue", "review_decisions", "resident_id_history")
INFO = "snapshot_info"
#: tables the snapshot derives from TABLES for lookups (not copies of a warehouse table)
DERIVED = ("name_keys", "name_tokens", emergency.POINTS_TABLE)
#: the order each table is written in: the key lookups filter on (tables not named keep the warehouse's order)
SORT_KEYS = {"golden_residents": "resident_id", "resident_addresses": "resident_id", "households": "uprn",
             "household_changes": "uprn", "relationships": "resident_id", "resident_events": "resident_id",
             "resident_crosswalk": "resident_id", "resident_id_history": "resident_id"}


def snapshot_path() -> Path:
    return settings.data_dir() / "warehouse.read.duckdb"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def derive(con: duckdb.DuckDBPyConnection, prefix: str = "") -> None:
    """Write the DERIVED tables from the copied TABLES (in the database named by `prefix`, e.g. 'snap.')."""
    con.execute(f"CREATE TABLE {prefix}name_keys AS " + NAME_KEYS_SQL.format(golden=f"{prefix}golden_residents"))
    con.execute(f"CREATE TABLE {prefix}name_tokens AS " + NAME_TOKENS_SQL.format(keys=f"{prefix}name_keys"))
    con.execute(f"CREATE TABLE {prefix}{emergency.POINTS_TABLE} AS "
                + emergency.POINTS_SQL.format(golden=f"{prefix}golden_residents", events=f"{prefix}resident_events")
                + " ORDER BY easting, northing")


def publish(con: duckdb.DuckDBPyConnection, build: str, target: Path | None = None) -> dict:
    """Copy TABLES from the warehouse `con` into a new snapshot file and rename it over `target`;
    returns figures for metadata (rows per table, bytes, seconds)."""
    started = time.perf_counter()
    target = target or snapshot_path()
    temp = target.with_name(target.name + ".tmp")
    for leftover in (temp, temp.with_name(temp.name + ".wal")):  # from a publish that was killed
        leftover.unlink(missing_ok=True)
    [database] = con.execute("SELECT current_database()").fetchone()
    missing = [t for t in TABLES if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' AND table_name = ?",
        [database, t]).fetchone()[0]]
    if missing:
        raise RuntimeError(f"cannot publish the read snapshot: the warehouse has no table {', '.join(missing)} "
                           "(build_index builds them)")
    published_at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    rows = {}
    con.execute(f"ATTACH '{str(temp).replace(chr(39), chr(39) * 2)}' AS read_snapshot")
    try:
        with transaction(con):  # one consistent read of the warehouse
            for table in TABLES:
                order = f" ORDER BY {SORT_KEYS[table]}" if table in SORT_KEYS else ""
                con.execute(f'CREATE TABLE read_snapshot.{table} AS SELECT * FROM "{database}".main.{table}{order}')
                rows[table] = con.execute(f"SELECT count(*) FROM read_snapshot.{table}").fetchone()[0]
            derive(con, "read_snapshot.")
            for table in DERIVED:
                rows[table] = con.execute(f"SELECT count(*) FROM read_snapshot.{table}").fetchone()[0]
            con.execute(f"""CREATE TABLE read_snapshot.{INFO} AS
                            SELECT ?::TIMESTAMP AS published_at, ?::VARCHAR AS build,
                                   (SELECT max(last_seen) FROM read_snapshot.resident_crosswalk) AS latest_extract""",
                        [published_at, build])
    finally:
        con.execute("DETACH read_snapshot")
    warehouse = settings.warehouse_path()
    if warehouse.exists():
        shutil.copymode(warehouse, temp)  # as private as the warehouse it copies
    _fsync(temp)
    os.replace(temp, target)
    _fsync(target.parent)
    return {"path": str(target), "published_at": published_at.isoformat(sep=" ") + " UTC", "build": build, "rows": rows,
            "bytes": target.stat().st_size, "seconds": round(time.perf_counter() - started, 2)}


def info(con: duckdb.DuckDBPyConnection) -> dict | None:
    """When the snapshot `con` reads was published, by which build, and its latest extract date."""
    if not has_table(con, INFO):
        return None
    published_at, build, latest = con.execute(f"SELECT published_at, build, latest_extract FROM {INFO}").fetchone()
    return {"published_at": published_at, "build": build, "latest_extract": latest}


def as_at(about: dict | None) -> str:
    """'as at 2026-11-01 06:04:12 UTC (build 1a2b3c4d, extracts to 2026-11-01)', or what was read instead."""
    if about is None:
        return "as at now: read from the warehouse itself (no read snapshot has been published yet)"
    return (f"as at {about['published_at']:%Y-%m-%d %H:%M:%S} UTC (build {str(about['build'])[:8]}, "
            f"extracts to {about['latest_extract']})")


@contextmanager
def reader(wait: float = 120.0, on_wait: Callable[[str], None] = print) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict | None]]:
    """A read-only connection to the snapshot and its info; without a snapshot yet, to the warehouse
    itself (waiting up to `wait` seconds if a run is writing it), with info None."""
    path = snapshot_path()
    if not path.exists():
        path = settings.warehouse_path()
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist yet: run `make demo` (or `resident-index run`) first")
    con = warehouse_lock.connect(path, read_only=True, wait=wait, on_wait=on_wait)
    try:
        yield con, info(con)
    finally:
        con.close()
