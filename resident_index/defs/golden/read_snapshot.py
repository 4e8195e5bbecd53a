"""The last step of build_index: publish what caseworkers and reviewers read (read_snapshot.py)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.defs.metadata import md_table
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.read_snapshot import publish

#: the assets whose tables it copies (household_changes comes with households, review_decisions with the queue)
COPIES = ["golden_residents", "resident_addresses", "households", "relationships", "resident_events",
          "resident_crosswalk", "review_queue"]


@dg.asset(group_name="golden", kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=COPIES)
def read_snapshot(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """data/warehouse.read.duckdb: the golden record tables `find` and `show` read and the review queue,
    copied from this build and renamed into place whole, so lookups and reviewers never wait for a run
    and a run never waits for them."""
    with warehouse.get_connection() as con:
        figures = publish(con, build=context.run_id)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(figures["path"]),
        "published_at": figures["published_at"], "bytes": figures["bytes"], "seconds": figures["seconds"],
        "rows": md_table(["table", "rows"], sorted(figures["rows"].items()))})
