"""What every mart asset ends with: export the table and describe it in the asset's metadata."""

from __future__ import annotations

import duckdb
import dagster as dg

from resident_index.defs.metadata import column_schema, md_table
from resident_index.marts.export import export_table

GROUP = "marts"


def config_warnings(warnings: list[str]) -> str:
    """The `warnings` metadata of a mart: why it may be empty or short (a kind no system declares, roles or
    a column no record holds), in plain words, or 'none'."""
    return "\n".join(f"- WARN: {w}" for w in warnings) if warnings else "none"


def published(con: duckdb.DuckDBPyConnection, table: str, preview: str | None = None,
              **metadata) -> dg.MaterializeResult:
    """Export `table` (CSV + Parquet) and return its row count, column schema, a preview (the first rows of
    `preview`, a query, else of the table) and the export paths, with any further `metadata`."""
    paths = export_table(con, table)
    n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    preview = preview or f"SELECT * FROM {table} LIMIT 10"
    if "suppressed_select" in paths:  # an analytical table: the preview shows what its export does, no small counts
        preview = preview.replace(f"FROM {table}", f"FROM ({paths['suppressed_select']}) AS {table}", 1)
    cur = con.execute(preview)
    columns = [d[0] for d in cur.description]
    return dg.MaterializeResult(metadata={
        "dagster/row_count": n,
        "dagster/column_schema": column_schema(con, table),
        "preview": md_table(columns, cur.fetchall()),
        "export_csv": dg.MetadataValue.path(str(paths["csv"])),
        "export_parquet": dg.MetadataValue.path(str(paths["parquet"])),
        **metadata,
    })
