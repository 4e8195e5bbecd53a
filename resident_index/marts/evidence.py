"""Residence evidence and the marts' resident base, with the rules of evidence.yaml."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

HERE = Path(__file__).parent
RULES = HERE / "evidence.yaml"


def load_rules() -> dict:
    return yaml.safe_load(RULES.read_text(encoding="utf-8"))


def load_rule_tables(con: duckdb.DuckDBPyConnection, rules: dict | None = None) -> None:
    """Temp tables _inactive_statuses, _evidence_weights (a NULL system holds the default), _child_roles."""
    rules = rules or load_rules()
    con.execute("CREATE OR REPLACE TEMP TABLE _inactive_statuses AS SELECT unnest(?::VARCHAR[]) AS status",
                [[s.upper() for s in rules["inactive_statuses"]]])
    con.execute("CREATE OR REPLACE TEMP TABLE _child_roles AS SELECT unnest(?::VARCHAR[]) AS role",
                [[r.upper() for r in rules["child_roles"]]])
    weights = [*rules["weights"].items(), (None, rules["default"])]
    for name, w in weights:
        if not 0 <= float(w) <= 1:
            raise ValueError(f"{RULES.name}: weight of {name or 'default'} must be between 0 and 1, not {w}")
    con.execute("CREATE OR REPLACE TEMP TABLE _evidence_weights AS "
                "SELECT unnest(?::VARCHAR[]) AS source_system, unnest(?::DOUBLE[]) AS weight",
                [[n for n, _ in weights], [float(w) for _, w in weights]])


def build_residence_evidence(con: duckdb.DuckDBPyConnection) -> None:
    """Tables residence_evidence and mart_residents (evidence.sql)."""
    load_rule_tables(con)
    con.execute((HERE / "evidence.sql").read_text(encoding="utf-8"))
