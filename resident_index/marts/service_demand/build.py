"""Build the service demand tables: each is one SQL file here, run with the settings loaded as temp tables.

service_use comes first (from live_records and mart_residents, built by the residence evidence); every
other table reads it, and mart_residents, households or resident_events.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from resident_index.marts.service_demand.config import load_setting_tables, load_settings

HERE = Path(__file__).parent
TABLES = ("service_use", "service_overlap", "service_combinations", "multi_service_residents",
          "demand_by_ward_age", "service_trend_monthly", "multi_service_households")


def build_table(con: duckdb.DuckDBPyConnection, table: str, settings: dict | None = None) -> dict:
    """Create or replace `table` (one of TABLES); returns the settings used, for the charts and metadata."""
    if table not in TABLES:
        raise ValueError(f"unknown service demand table {table!r}; expected one of {TABLES}")
    settings = settings or load_settings()
    load_setting_tables(con, settings)
    con.execute((HERE / f"{table}.sql").read_text(encoding="utf-8"))
    return settings
