"""Exports through the access layer: the marts as the build writes them, and as a user asks for them.

- The build's own exports (marts/export.py, data/exports/) are the service account's: an analytical table is
  suppressed and checked (protection/analytical.py), residents under a restriction or erasure request are
  left out of any table the purposes reading it may not see them in, and each export is in the audit log
  as user `system:build_marts`.
- `resident-index export <table>` gives a user the columns their purpose allows of a table it covers, without
  the residents hidden from that purpose, into a folder of their own, and audits it with the residents
  exported.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from resident_index import settings
from resident_index.files import private_dir, replaced_atomically
from resident_index.protection import analytical, audit, rights
from resident_index.protection.config import ALL, Protection
from resident_index.tables import has_table

SYSTEM_USER = "system:build_marts"


class ExportRefused(ValueError):
    pass


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute("""SELECT column_name, data_type FROM information_schema.columns
                          WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position""",
                       [table]).fetchall()


def _crosswalk(con) -> list[tuple[str, str, str]] | None:
    if not rights.standing().by_record:
        return None
    has = has_table(con, "resident_crosswalk")
    return con.execute("SELECT resident_id, source_system, source_record_id FROM resident_crosswalk").fetchall() \
        if has else None


def hidden_in_table(con, table: str, protection: Protection) -> set[str]:
    """Residents a build export of `table` leaves out: hidden from every purpose that reads the table."""
    readers = [p for p, spec in protection.purposes.items() if spec.columns(table) is not None]
    crosswalk = _crosswalk(con)
    if not readers:
        return rights.hidden_residents("", crosswalk)
    hidden = None
    for purpose in readers:
        h = rights.hidden_residents(purpose, crosswalk)
        hidden = h if hidden is None else hidden & h
    return hidden or set()


def _without(select: str, columns: list[str], hidden: set[str]) -> str:
    if not hidden or "resident_id" not in columns:
        return select
    ids = ", ".join("'" + r.replace("'", "''") + "'" for r in sorted(hidden))
    return f"SELECT * FROM ({select}) WHERE resident_id IS NULL OR resident_id NOT IN ({ids})"


def build_select(con: duckdb.DuckDBPyConnection, table: str, protection: Protection | None) -> tuple[str, dict]:
    """What the build exports of `table`: the SELECT and notes for the asset's metadata."""
    columns = [c for c, _ in _columns(con, table)]
    notes: dict = {}
    select = f"SELECT * FROM {table}"
    if protection is None:
        return select, notes
    if table in protection.analytical.tables:
        select, notes = analytical.checked_select(con, table, protection.analytical)
    hidden = hidden_in_table(con, table, protection)
    if hidden and "resident_id" in columns:
        notes["residents_left_out_by_requests"] = len(hidden)
    return _without(select, columns, hidden), notes


def audit_build_export(table: str, rows: int, notes: dict) -> None:
    audit.record("build_export", user=SYSTEM_USER, purpose=None, table=table, rows=rows, detail=notes or None)


def export_for(grant, con: duckdb.DuckDBPyConnection, table: str, out: Path | None = None) -> dict:
    """`table` as `grant` may see it, written to <out>/<table>.csv; audited with the residents exported."""
    from resident_index.read_snapshot import TABLES as LOOKUP_TABLES

    if table in LOOKUP_TABLES:
        raise grant.refuse(f"{table} is read through find and show, which cut it to each purpose; export gives "
                           "the marts", table=table)
    available = _columns(con, table)
    if not available:
        raise ExportRefused(f"no table {table} in the warehouse (has build_marts run?)")
    allowed = grant.columns(table)
    names = [c for c, _ in available]
    chosen = names if allowed == ALL else [c for c in names if c in allowed]
    unknown = [] if allowed == ALL else sorted(set(allowed) - set(names))
    notes = [f"purpose {grant.purpose_id} lists columns {unknown} the table does not have"] if unknown else []
    if not chosen:
        raise grant.refuse(f"purpose {grant.purpose_id} allows no column of {table}", table=table)
    kinds = dict(available)
    if table in grant.protection.analytical.tables:
        try:
            select, figures = analytical.checked_select(con, table, grant.protection.analytical, chosen)
        except analytical.AnalyticalExportRefused as exc:
            raise grant.refuse(str(exc), table=table) from None
        notes.append(f"counts under {figures['threshold']} suppressed: {figures['cells_suppressed']}")
    else:
        select = "SELECT " + ", ".join(f'"{c}"' for c in chosen) + f" FROM {table}"
    left_out = [c for c in names if c not in chosen]
    if left_out:
        notes.append(f"columns outside purpose {grant.purpose_id} left out: {', '.join(left_out)}")
    hidden = grant.hidden_residents(con)
    select = _without(select, chosen, hidden)
    if "source_system" in chosen and grant.purpose.sources != ALL:
        systems = ", ".join("'" + s + "'" for s in grant.purpose.sources) or "NULL"
        select = f"SELECT * FROM ({select}) WHERE source_system IN ({systems})"
    if grant.purpose.sources != ALL:  # evidence from systems outside the purpose left out of lists of facts
        seen = "[" + ", ".join("'" + s + "'" for s in grant.purpose.sources) + "]"
        facts = [c for c in chosen if kinds[c].startswith("STRUCT(") and kinds[c].endswith("[]")
                 and "source_system VARCHAR" in kinds[c]]
        if facts:
            select = (f"SELECT * REPLACE (" + ", ".join(
                f'list_filter("{c}", e -> list_contains({seen}, e.source_system)) AS "{c}"' for c in facts)
                + f") FROM ({select})")
            notes.append(f"facts from systems outside purpose {grant.purpose_id} left out of {', '.join(facts)}")
    nested = {c for c in chosen if kinds[c].endswith("]") or kinds[c].startswith(("STRUCT", "MAP", "UNION"))}
    as_csv = ", ".join(f'to_json("{c}")::VARCHAR AS "{c}"' if c in nested else f'"{c}"' for c in chosen)
    folder = private_dir(Path(out) if out else settings.exports_dir() / "for" / grant.user)
    path = folder / f"{table}.csv"
    with replaced_atomically(path) as partial:
        con.execute(f"COPY (SELECT {as_csv} FROM ({select})) TO '{str(partial).replace(chr(39), chr(39) * 2)}' "
                    "(FORMAT csv, HEADER)")
    rows = con.execute(f"SELECT count(*) FROM ({select})").fetchone()[0]
    residents = ([r for (r,) in con.execute(f"SELECT DISTINCT resident_id FROM ({select}) WHERE resident_id IS NOT NULL")
                  .fetchall()] if "resident_id" in chosen else [])
    grant.audit(residents=residents, table=table, rows=rows, detail={"path": str(path), "columns": chosen})
    return {"path": path, "rows": rows, "notes": notes}
