"""Relationships between residents, from relationships.yaml: group-role rules and same household."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from resident_index.council import config_file



def build_relationships(con: duckdb.DuckDBPyConnection) -> None:
    """Table relationships: (resident_id, related_resident_id, type) with its evidence and dates."""
    rules = yaml.safe_load(config_file("relationships.yaml").read_text(encoding="utf-8"))
    con.execute("""CREATE OR REPLACE TEMP TABLE _rules (source VARCHAR, from_roles VARCHAR[], to_roles VARCHAR[],
                                                       type VARCHAR)""")
    for r in rules.get("from_groups", []):
        con.execute("INSERT INTO _rules VALUES (?, ?, ?, ?)",
                    [r["source"], [x.upper() for x in r["from_roles"]], [x.upper() for x in r["to_roles"]], r["type"]])
    household = """
        UNION ALL
        SELECT a.resident_id, b.resident_id, 'same_household', 'golden_residents', a.uprn, NULL, NULL, NULL
        FROM golden_residents a JOIN golden_residents b
          ON a.uprn = b.uprn AND a.resident_id <> b.resident_id AND NOT a.deceased AND NOT b.deceased""" \
        if rules.get("same_household") else ""
    con.execute(f"""
        CREATE OR REPLACE TABLE relationships AS
        WITH records AS (
            SELECT c.resident_id, p.* FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id)
            WHERE p.group_ref IS NOT NULL AND p.role IS NOT NULL),
        found AS (
            SELECT a.resident_id, b.resident_id AS related_resident_id, r.type, a.source_system, a.group_ref,
                   a.source_record_id AS record_a, b.source_record_id AS record_b,
                   least(coalesce(a.start_date, a.first_seen), coalesce(b.start_date, b.first_seen)) AS since
            FROM records a
            JOIN _rules r ON r.source = a.source_system AND list_contains(r.from_roles, a.role)
            JOIN records b ON b.source_system = a.source_system AND b.group_ref = a.group_ref
                          AND list_contains(r.to_roles, b.role) AND b.resident_id <> a.resident_id
            {household})
        SELECT resident_id, related_resident_id, type,
               list_sort(list(DISTINCT {{'source': source_system, 'group_ref': group_ref, 'record': record_a,
                                        'related_record': record_b}})) AS evidence,
               min(since) AS since
        FROM found GROUP BY ALL ORDER BY ALL""")
