"""The one DuckDB warehouse every asset reads and writes (data/warehouse.duckdb by default)."""

import os
from contextlib import contextmanager

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from resident_index import warehouse_lock
from resident_index.files import private_dir
from resident_index.settings import memory_limit, warehouse_path

#: how long a step waits for a warehouse another process holds (a reviewer's verdict, a backup, a
#: `duckdb` session) before it fails; RESIDENT_INDEX_WAREHOUSE_WAIT overrides it
DEFAULT_WAIT_SECONDS = 300.0


class Warehouse(DuckDBResource):
    """DuckDBResource that waits, saying so in the run's log, while another process holds the file, and
    closes its connection when the asset raises.

    dagster-duckdb retries a locked file ten times over about 100 s, silently, then raises DuckDB's own
    error; and it closes only on success, so a connection left open by a failed step would block the next
    one that opens the file with different settings (e.g. read-only).
    """

    lock_timeout_seconds: float = Field(
        default=DEFAULT_WAIT_SECONDS,
        description="How long to wait for the warehouse while another process holds its lock, then fail.")

    @contextmanager
    def get_connection(self):
        log = dg.get_dagster_logger()
        try:
            con = warehouse_lock.connect(self.database, wait=self.lock_timeout_seconds, on_wait=log.info,
                                         config={"custom_user_agent": "dagster", **self.connection_config})
        except warehouse_lock.WarehouseBusy as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        try:
            yield con
        finally:
            con.close()


@dg.definitions
def resources() -> dg.Definitions:
    path = warehouse_path()
    private_dir(path.parent)
    wait = float(os.environ.get("RESIDENT_INDEX_WAREHOUSE_WAIT") or DEFAULT_WAIT_SECONDS)
    return dg.Definitions(resources={"warehouse": Warehouse(database=str(path), lock_timeout_seconds=wait,
                                                            connection_config={"memory_limit": memory_limit()})})
