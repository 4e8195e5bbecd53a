"""Standardised records of all sources together, with addresses matched to the gazetteer.

staged_records: the latest accepted extract of every source, in the canonical schema.
address_matches: their addresses matched to LLPG UPRNs (uk_address_matcher), cached across runs.
person_records: staged records with the UPRN each resolves to; what entity resolution reads.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.addresses.match import match_new_addresses
from resident_index.defs.metadata import column_schema, md_table
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.sources.spec import load_registry
from resident_index.sources.staging import build_staged_records, rejected_extracts
from resident_index.standardise.person_records import build_person_records

SPECS = load_registry()


@dg.asset(group_name="standardise", kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[spec.name for spec in SPECS],
          metadata={"dagster/table_name": "staged_records"})
def staged_records(context, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Latest version of every record in an accepted extract (no ERROR check failed), all sources, with
    first_seen, last_seen and is_current. A source whose latest extract was rejected goes on with its previous
    accepted one: `rejected_extracts` says which, by which check and why."""
    from resident_index.protection.retention import purge

    with warehouse.get_connection() as con:
        purged = purge(con, SPECS)  # extracts past their source's retention (protection/retention.yaml)
        build_staged_records(con, SPECS)
        rows = con.execute("""SELECT source_system, max(last_seen)::VARCHAR, count(*), count(*) FILTER (is_current)
                              FROM staged_records GROUP BY 1 ORDER BY 1""").fetchall()
        rejected = rejected_extracts(con)
        schema = column_schema(con, "staged_records")
    for source, day, message, _ in rejected:  # a rejected extract stops nothing, but is said on every build
        context.log.warning(f"{source} {day}: {message}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": sum(r[2] for r in rows), "dagster/column_schema": schema, "sources_included": len(rows),
        "by_source": md_table(["source", "latest extract", "records", "current"], rows),
        "extracts_rejected": len(rejected),
        "retention_purge": dg.MetadataValue.json(purged),
        "rejected_extracts": md_table(["source", "rejected extract", "in use instead", "why"],
                                      [(s, str(d), str(u or "none"), m) for s, d, m, u in rejected], max_chars=800)
        if rejected else dg.MetadataValue.md("No source's latest extract was rejected.")})


@dg.asset(group_name="standardise", kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[staged_records, "llpg"],
          metadata={"dagster/table_name": "address_match_cache"})
def address_matches(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Addresses with no UPRN the gazetteer knows, matched to one by uk_address_matcher (weight and reason kept)."""
    with warehouse.get_connection() as con:
        sha = con.execute("SELECT sha256 FROM reference_versions WHERE name = 'llpg'").fetchone()[0]
        con.execute("""CREATE OR REPLACE TEMP VIEW _unmatched AS
                       SELECT address, postcode FROM staged_records s
                       WHERE s.uprn IS NULL OR s.uprn NOT IN (SELECT uprn FROM llpg)""")
        figures = match_new_addresses(con, "_unmatched", sha)
        reasons = con.execute("""SELECT match_reason, accepted, count(*) FROM address_match_cache
                                 GROUP BY ALL ORDER BY 3 DESC""").fetchall()
        schema = column_schema(con, "address_match_cache")
    return dg.MaterializeResult(metadata={**figures, "dagster/column_schema": schema, "by_reason": md_table(["reason", "accepted", "addresses"], reasons)})


@dg.asset(group_name="standardise", kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[address_matches],
          metadata={"dagster/table_name": "person_records"})
def person_records(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Standardised records with their resolved UPRN, ward and polling district: the input to resolution."""
    from resident_index.protection.retention import load_retention, out_of_index

    with warehouse.get_connection() as con:
        figures = build_person_records(con)
        figures |= out_of_index(con, load_retention())  # staged records retention.yaml leaves out, and why
        rows = con.execute("""SELECT source_system, count(*), count(uprn), count(*) FILTER (uprn_source = 'matched')
                              FROM person_records GROUP BY 1 ORDER BY 1""").fetchall()
        schema = column_schema(con, "person_records")
    total = sum(r[1] for r in rows)
    table = md_table(["source", "records", "with UPRN", "matched by address"],
                     [(s, n, f"{u / n:.1%}", m) for s, n, u, m in rows])
    return dg.MaterializeResult(metadata={"dagster/row_count": total, "dagster/column_schema": schema, **figures,
                                          "uprn_rate": round(sum(r[2] for r in rows) / total, 4) if total else 0.0,
                                          "by_source": table})
