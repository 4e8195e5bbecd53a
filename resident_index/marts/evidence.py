"""Residence evidence and the marts' resident base, with the rules of evidence.yaml."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from resident_index.sources.spec import load_registry
from resident_index.council import config_file

HERE = Path(__file__).parent


def load_rules() -> dict:
    return yaml.safe_load(config_file("evidence.yaml").read_text(encoding="utf-8"))


def load_rule_tables(con: duckdb.DuckDBPyConnection, rules: dict | None = None) -> None:
    """Temp tables _inactive_statuses, _stale_after, _move_out_systems, _evidence_weights (a NULL system
    holds the default), _child_roles and _source_titles (each registry system's title, for reasons written in plain words)."""
    rules = rules or load_rules()
    con.execute("CREATE OR REPLACE TEMP TABLE _inactive_statuses AS SELECT unnest(?::VARCHAR[]) AS status",
                [[s.upper() for s in rules["inactive_statuses"]]])
    con.execute("CREATE OR REPLACE TEMP TABLE _child_roles AS SELECT unnest(?::VARCHAR[]) AS role",
                [[r.upper() for r in rules["child_roles"]]])
    stale = rules.get("stale_after") or {}
    con.execute("CREATE OR REPLACE TEMP TABLE _stale_after AS SELECT unnest(?::VARCHAR[]) AS source_system, "
                "unnest(?::INTEGER[]) AS days, unnest(?::VARCHAR[]) AS activity",
                [list(stale), [int(v["days"]) for v in stale.values()], [v.get("activity") for v in stale.values()]])
    con.execute("CREATE OR REPLACE TEMP TABLE _move_out_systems AS SELECT unnest(?::VARCHAR[]) AS source_system",
                [list(rules.get("move_out_systems") or [])])
    weights = [*rules["weights"].items(), (None, rules["default"])]
    for name, w in weights:
        if not 0 <= float(w) <= 1:
            raise ValueError(f"evidence.yaml: weight of {name or 'default'} must be between 0 and 1, not {w}")
    titles = {spec.name: spec.title for spec in load_registry()}
    con.execute("CREATE OR REPLACE TEMP TABLE _source_titles AS "
                "SELECT unnest(?::VARCHAR[]) AS source_system, unnest(?::VARCHAR[]) AS title",
                [list(titles), list(titles.values())])
    con.execute("CREATE OR REPLACE TEMP TABLE _evidence_weights AS "
                "SELECT unnest(?::VARCHAR[]) AS source_system, unnest(?::DOUBLE[]) AS weight",
                [[n for n, _ in weights], [float(w) for _, w in weights]])


def build_residence_evidence(con: duckdb.DuckDBPyConnection) -> None:
    """Tables live_records, residence_evidence, mart_residents and residence_scores (evidence.sql)."""
    load_rule_tables(con)
    con.execute((HERE / "evidence.sql").read_text(encoding="utf-8"))
