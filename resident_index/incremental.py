"""Derived tables rebuilt only where their inputs changed, so a day costs its changes, not the tables.

staged_records carries `record_hash`, which moves exactly when a record's content does. Each table built
from it (person_records, resolution_input, golden_residents, review_queue) stores, per row, the hash of the
inputs the row was computed from. A refresh compares those with the current inputs: rows whose inputs are new or
moved are recomputed, rows whose inputs are gone are dropped, and the columns that move every day (the
extract and row a record was last read from, when it was last seen) are copied without recomputing
anything. Whatever else the rows depend on (the SQL itself, the gazetteer, the registry's hints) makes up
the table's build key: a new key rebuilds the table whole. Either way the table is what a rebuild gives.
"""

from __future__ import annotations

import hashlib

import duckdb

from resident_index.transactions import transaction

RECORD_KEY = ("source_system", "source_record_id")
DAILY = ("extract_date", "row_number", "last_seen", "is_current")


def build_key(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of `table`, none if there is no such table (duckdb_columns() takes a while in a big file)."""
    try:
        return {d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description}
    except duckdb.CatalogException:
        return set()


def held_build_key(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The build key `table` was last refreshed under (None: never): part of the keys of tables built from it."""
    con.execute("CREATE TABLE IF NOT EXISTS incremental_builds (table_name VARCHAR, build_key VARCHAR)")
    row = con.execute("SELECT build_key FROM incremental_builds WHERE table_name = ?", [table]).fetchone()
    return row[0] if row else None


def record_build_key(con: duckdb.DuckDBPyConnection, table: str, key: str) -> None:
    """Note that `table` is now built under `key` (inside the transaction that built it)."""
    con.execute("DELETE FROM incremental_builds WHERE table_name = ?", [table])
    con.execute("INSERT INTO incremental_builds VALUES (?, ?)", [table, key])


def refresh(con: duckdb.DuckDBPyConnection, table: str, select_sql: str, source: str, key: str,
            inputs: str | None = None, by: tuple[str, ...] = RECORD_KEY) -> dict:
    """Make `table` equal to `select_sql` over all of `source`, recomputing only rows whose inputs changed.

    `select_sql` selects from `{records}` (all of `source`, or those of its rows to recompute) one row per
    value of the columns `by`, with a `record_hash` of its inputs. `inputs` (default `source`) gives, for
    every row the table should hold, `by`, `record_hash` and any daily columns, cheaper than the rows.
    Returns the mode and how many rows were recomputed and removed.
    """
    inputs = inputs or source
    columns = table_columns(con, table)
    full = held_build_key(con, table) != key or "record_hash" not in columns
    with transaction(con):
        if full:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS " + select_sql.replace("{records}", source))
            figures = {"mode": "full", "rows_recomputed": con.execute(f"SELECT count(*) FROM {table}").fetchone()[0],
                       "rows_removed": 0}
        else:
            figures = _apply_changes(con, table, select_sql, source, inputs, columns, by)
        record_build_key(con, table, key)
    return figures


def _apply_changes(con, table: str, select_sql: str, source: str, inputs: str, columns: set[str],
                   key: tuple[str, ...]) -> dict:
    input_columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {inputs}").fetchall()}
    daily = [c for c in DAILY if c in columns and c in input_columns and c not in key]
    by = ", ".join(key)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _inputs AS SELECT {', '.join([*key, 'record_hash', *daily])} FROM {inputs}")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _recompute AS
                    SELECT {by} FROM _inputs ANTI JOIN {table} USING ({by}, record_hash)""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _drop AS
                    SELECT {by} FROM {table} ANTI JOIN _inputs USING ({by}, record_hash)""")
    match = " AND ".join(f"t.{c} = d.{c}" for c in key)
    con.execute(f"DELETE FROM {table} t USING _drop d WHERE {match}")
    changed = f"(SELECT * FROM {source} SEMI JOIN _recompute USING ({by}))"
    con.execute(f"INSERT INTO {table} BY NAME " + select_sql.replace("{records}", changed))
    if daily:
        assign = ", ".join(f"{c} = d.{c}" for c in daily)
        held, latest = (", ".join(f"{side}.{c}" for c in daily) for side in ("t", "d"))
        con.execute(f"""UPDATE {table} t SET {assign} FROM _inputs d
                        WHERE {match} AND ({held}) IS DISTINCT FROM ({latest})""")
    recomputed = con.execute("SELECT count(*) FROM _recompute").fetchone()[0]
    removed = con.execute(f"SELECT count(*) FROM _drop ANTI JOIN _recompute USING ({by})").fetchone()[0]
    for temp in ("_inputs", "_recompute", "_drop"):
        con.execute(f"DROP TABLE {temp}")
    return {"mode": "incremental", "rows_recomputed": recomputed, "rows_removed": removed}
