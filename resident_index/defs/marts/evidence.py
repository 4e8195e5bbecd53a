"""Residence evidence: the base every mart reads where people live from (marts/evidence.sql)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.defs.marts.publish import GROUP
from resident_index.defs.metadata import column_schema, md_table
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.marts.evidence import build_residence_evidence


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=["golden_residents"],
          metadata={"dagster/table_name": "residence_evidence"})
def residence_evidence(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Every record placing a resident at a UPRN, whether it still does (live) and its weight
    (marts/evidence.yaml); live_records: every record of every resident, live or not; and mart_residents:
    golden address, age, adult and deceased per resident."""
    with warehouse.get_connection() as con:
        build_residence_evidence(con)
        rows = con.execute("""SELECT source_system, count(*) AS records, count(*) FILTER (live) AS live,
                                     any_value(weight) AS weight
                              FROM residence_evidence GROUP BY 1 ORDER BY 1""").fetchall()
        residents = con.execute("SELECT count(*) FROM mart_residents").fetchone()[0]
        schema = column_schema(con, "residence_evidence")
    return dg.MaterializeResult(metadata={"dagster/row_count": sum(r[1] for r in rows), "dagster/column_schema": schema,
                                          "residents": residents,
                                          "by_source": md_table(["source", "records", "live", "weight"], rows)})
