"""The one DuckDB warehouse every asset reads and writes (data/warehouse.duckdb by default)."""

from contextlib import contextmanager

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.settings import warehouse_path


class Warehouse(DuckDBResource):
    """DuckDBResource that also closes its connection when the asset raises.

    dagster-duckdb closes only on success; a connection left open by a failed step would block the
    next one that opens the file with different settings (e.g. read-only).
    """

    @contextmanager
    def get_connection(self):
        with super().get_connection() as con:
            try:
                yield con
            finally:
                con.close()


@dg.definitions
def resources() -> dg.Definitions:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return dg.Definitions(resources={"warehouse": Warehouse(database=str(path))})
