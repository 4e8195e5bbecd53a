"""The one DuckDB warehouse every asset reads and writes (data/warehouse.duckdb by default)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.settings import warehouse_path


@dg.definitions
def resources() -> dg.Definitions:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return dg.Definitions(resources={"warehouse": DuckDBResource(database=str(path))})
