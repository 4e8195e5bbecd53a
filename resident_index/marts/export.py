"""Exports of the marts for the officers and tools that read them: CSV and Parquet under data/exports/."""

from __future__ import annotations

from pathlib import Path

import duckdb

from resident_index.files import replaced_atomically
from resident_index.settings import exports_dir


def export_table(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, Path]:
    """Write `table` to data/exports/<table>.parquet (types kept) and .csv (lists and structs as JSON,
    for a spreadsheet); returns both paths. Replaces the previous export of the table whole."""
    out = exports_dir()
    out.mkdir(parents=True, exist_ok=True)
    paths = {"parquet": out / f"{table}.parquet", "csv": out / f"{table}.csv"}
    columns = con.execute("""SELECT column_name, data_type FROM information_schema.columns
                             WHERE table_name = ? ORDER BY ordinal_position""", [table]).fetchall()
    if not columns:
        raise ValueError(f"cannot export {table}: no such table in the warehouse")
    select = ", ".join(f'to_json("{name}")::VARCHAR AS "{name}"' if _nested(kind) else f'"{name}"'
                       for name, kind in columns)
    # each written beside its name and renamed into place: a reader never opens half an export
    with replaced_atomically(paths["parquet"]) as partial:
        con.execute(f"COPY {table} TO '{_quoted(partial)}' (FORMAT parquet)")
    with replaced_atomically(paths["csv"]) as partial:
        con.execute(f"COPY (SELECT {select} FROM {table}) TO '{_quoted(partial)}' (FORMAT csv, HEADER, DELIMITER ',')")
    return paths


def _nested(kind: str) -> bool:
    return kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION"))


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
