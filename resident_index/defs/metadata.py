"""Markdown for asset metadata: the one way a table of figures or rows is shown in the Dagster UI."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg


def md_table(columns: Sequence[str], rows: Sequence[Sequence], max_chars: int = 80) -> dg.MetadataValue:
    """A markdown table; numbers right-aligned, long cells cut to max_chars, pipes escaped."""
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
               for i in range(len(columns))]

    def cell(v) -> str:
        if v is None:
            return ""
        text = f"{v:.3f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)
        text = text.replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= max_chars else text[: max_chars - 1] + "…"

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return dg.MetadataValue.md("\n".join(lines))


def column_schema(con, table: str) -> dg.TableSchema:
    """The table's columns and DuckDB types as the warehouse holds them now (`dagster/column_schema`)."""
    return dg.TableSchema(columns=[dg.TableColumn(name, type=type_) for name, type_, *_ in
                                   con.execute(f"DESCRIBE {table}").fetchall()])


def table_metadata(con, table: str) -> dict:
    """What every table asset reports: its row count and its column schema."""
    return {"dagster/row_count": con.execute(f"SELECT count(*) FROM {table}").fetchone()[0],
            "dagster/column_schema": column_schema(con, table)}
