"""Exports of the marts for the officers and tools that read them: CSV and Parquet under data/exports/.

Each goes through the access layer's build export (resident_index/protection/exports.py): an analytical
table (protection/analytical.yaml) has its small counts suppressed and every value checked, and a failing
check refuses the export, leaving the previous one; residents under a restriction or erasure request are
left out where no purpose reading the table may see them; each export is an entry in the audit log.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from resident_index.files import replaced_atomically
from resident_index.settings import exports_dir


def _protection():
    """The council's protection config; None for a council folder without protection/ (its exports are
    then written unchecked, and the audit entry says so)."""
    from resident_index.council import council_dir
    from resident_index.protection.config import load_protection

    folder = council_dir() / "protection"
    if not folder.is_dir():
        return None
    state = (str(folder), tuple((f.name, f.stat().st_mtime_ns) for f in sorted(folder.glob("*.yaml"))))
    if _LOADED.get("state") != state:  # read once per build, again only when a file changes
        _LOADED.update(state=state, protection=load_protection())
    return _LOADED["protection"]


_LOADED: dict = {}


def export_table(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    """Write `table` to data/exports/<table>.parquet (types kept) and .csv (lists and structs as JSON,
    for a spreadsheet); returns both paths (and, for an analytical table, `suppressed_select`: the SELECT its
    export was written from). Replaces the previous export of the table whole."""
    from resident_index.protection.exports import audit_build_export, build_select

    out = exports_dir()
    out.mkdir(parents=True, exist_ok=True)
    paths = {"parquet": out / f"{table}.parquet", "csv": out / f"{table}.csv"}
    columns = con.execute("""SELECT column_name, data_type FROM information_schema.columns
                             WHERE table_name = ? ORDER BY ordinal_position""", [table]).fetchall()
    if not columns:
        raise ValueError(f"cannot export {table}: no such table in the warehouse")
    protection = _protection()
    source, notes = build_select(con, table, protection)  # raises AnalyticalExportRefused before anything is written
    if protection is None:
        notes = {"unchecked": "the council config folder has no protection/: not checked, nobody left out"}
    select = ", ".join(f'to_json("{name}")::VARCHAR AS "{name}"' if _nested(kind) else f'"{name}"'
                       for name, kind in columns)
    # each written beside its name and renamed into place: a reader never opens half an export
    with replaced_atomically(paths["parquet"]) as partial:
        con.execute(f"COPY ({source}) TO '{_quoted(partial)}' (FORMAT parquet)")
    with replaced_atomically(paths["csv"]) as partial:
        con.execute(f"COPY (SELECT {select} FROM ({source})) TO '{_quoted(partial)}' (FORMAT csv, HEADER, DELIMITER ',')")
    rows = con.execute(f"SELECT count(*) FROM ({source})").fetchone()[0]
    audit_build_export(table, rows, notes)
    if protection is not None and table in protection.analytical.tables:
        paths["suppressed_select"] = source  # what a preview of the table may show (defs/marts/publish.py)
    return paths


def _nested(kind: str) -> bool:
    return kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION"))


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
