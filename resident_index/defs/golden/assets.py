"""The golden record: one view of each resident, with household, relationships and timeline.

Every attribute carries the system, record and date behind it (survivorship.yaml says which wins).
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.defs.metadata import column_schema, md_table, table_metadata
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.golden.relationships import build_relationships
from resident_index.marts.evidence import write_evidence_kinds
from resident_index.golden.survivorship import build_golden_residents
from resident_index.defs.evaluation import evaluate_against_truth, no_truth

SQL = Path(__file__).resolve().parents[2] / "golden"
GROUP = "golden"


def _run(warehouse: DuckDBResource, sql_file: str, table: str) -> dict:
    """Run the SQL file that builds `table`; its row count and column schema."""
    with warehouse.get_connection() as con:
        con.execute((SQL / sql_file).read_text(encoding="utf-8"))
        return table_metadata(con, table)


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=["resident_crosswalk"],
          metadata={"dagster/table_name": "golden_residents"})
def golden_residents(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """One row per resident ID: name, date of birth, sex, NHS and NI numbers, current address (UPRN, ward,
    coordinates), contacts, death; each with its source system, record and date; names used and services.
    Only residents whose records changed are recomputed (record_hash: of their records)."""
    with warehouse.get_connection() as con:
        figures = build_golden_residents(con)
        n, deceased, with_uprn, with_dob = con.execute(
            "SELECT count(*), count(*) FILTER (deceased), count(uprn), count(dob) FROM golden_residents").fetchone()
        services = con.execute("""SELECT len(services) AS n, count(*) FROM golden_residents
                                  GROUP BY 1 ORDER BY 1""").fetchall()
        schema = column_schema(con, "golden_residents")
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "dagster/column_schema": schema, **figures, "deceased": deceased,
                                          "with_current_uprn": with_uprn, "with_dob": with_dob,
                                          "services_per_resident": md_table(["services known to", "residents"], services)})


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[golden_residents],
          metadata={"dagster/table_name": "resident_addresses"})
def resident_addresses(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Every address each resident is known at, from when to when, and which systems say so."""
    return dg.MaterializeResult(metadata=_run(warehouse, "resident_addresses.sql", "resident_addresses"))


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[resident_addresses],
          metadata={"dagster/table_name": "households"})
def households(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Residents at the same UPRN now, with adults, children and over-75s; household_changes records who
    joined or left and when; view new_adults_with_children_known_to_social_care is the safeguarding watch."""
    with warehouse.get_connection() as con:
        write_evidence_kinds(con)  # the safeguarding view reads which systems evidence childrens_social_care
        con.execute((SQL / "households.sql").read_text(encoding="utf-8"))
        n, people, children, watch = con.execute(
            """SELECT count(*), sum(residents), sum(children),
                      (SELECT count(*) FROM new_adults_with_children_known_to_social_care) FROM households""").fetchone()
        schema = column_schema(con, "households")
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "dagster/column_schema": schema, "residents": people, "children": children,
                                          "new_adults_in_households_with_children_known_to_social_care": watch})


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[golden_residents],
          metadata={"dagster/table_name": "relationships"})
def relationships(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Typed links between residents with their evidence (relationships.yaml): parent or carer and child,
    partners, joint tenants, joint council-tax liability, same household."""
    with warehouse.get_connection() as con:
        warnings = build_relationships(con)
        by_type = con.execute("SELECT type, count(*) FROM relationships GROUP BY 1 ORDER BY 1").fetchall()
        schema = column_schema(con, "relationships")
    return dg.MaterializeResult(metadata={"dagster/row_count": sum(n for _, n in by_type),
                                          "dagster/column_schema": schema, **dict(by_type),
                                          "warnings": "; ".join(warnings) or "none"})


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=["resident_crosswalk"],
          metadata={"dagster/table_name": "resident_events"})
def resident_events(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Every interaction as an event on one timeline per resident (type, date, source, record), with deaths."""
    with warehouse.get_connection() as con:
        con.execute((SQL / "resident_events.sql").read_text(encoding="utf-8"))
        by_type = con.execute("SELECT event_type, count(*) FROM resident_events GROUP BY 1 ORDER BY 1").fetchall()
        schema = column_schema(con, "resident_events")
    return dg.MaterializeResult(metadata={"dagster/row_count": sum(n for _, n in by_type), "dagster/column_schema": schema,
                                          "by_type": md_table(["event", "count"], by_type)})


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[households, relationships],
          metadata={"dagster/table_name": "golden_evaluation"})
def golden_evaluation(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """How true the golden record is against the synthetic truth: name, date of birth and current UPRN
    correct, households equal to the true co-residents, deaths marked."""
    from resident_index.golden.evaluate import evaluate_golden

    result = evaluate_against_truth(warehouse, "golden_evaluation", "persons.csv", evaluate_golden)
    if result is None:
        return no_truth()
    return dg.MaterializeResult(metadata={"evaluated": True, **{k: round(v, 4) if isinstance(v, float) else v
                                                                 for k, v in result.items()}})
