"""Builds the electoral register tables: loads electoral_register.yaml into temp tables and runs the SQL.

Each table is built on its own connection (one Dagster asset each), so a build first loads the rules and,
where it needs them, recomputes where the confirming systems place each resident (residence_scores.sql).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from resident_index.council import config_file
from resident_index.marts.evidence import load_rule_tables as load_evidence_rules

HERE = Path(__file__).parent


def load_rules(path: Path | None = None) -> dict:
    path = path or config_file("marts/electoral_register.yaml")
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))
    register = rules["register"]["source_system"]
    if register in rules["confirming_systems"]:
        raise ValueError(f"{path.name}: the register ({register}) cannot confirm itself; "
                         "take it out of confirming_systems")
    if not 0 < float(rules["min_score"]) <= 1:
        raise ValueError(f"{path.name}: min_score must be above 0 and at most 1, not {rules['min_score']}")
    return rules


def load_rule_tables(con: duckdb.DuckDBPyConnection, rules: dict) -> None:
    """Temp tables _electoral_settings (one row) and _electoral_systems (the confirming systems), beside the
    shared evidence rules (_move_out_systems...)."""
    load_evidence_rules(con)
    con.execute("""CREATE OR REPLACE TEMP TABLE _electoral_settings AS
                   SELECT ?::VARCHAR AS register_system, ?::DOUBLE AS min_score, ?::INTEGER[] AS attainer_ages,
                          ?::INTEGER AS voting_age""",
                [rules["register"]["source_system"], float(rules["min_score"]),
                 [int(a) for a in rules["attainer_ages"]], int(rules["voting_age"])])
    con.execute("CREATE OR REPLACE TEMP TABLE _electoral_systems AS SELECT unnest(?::VARCHAR[]) AS source_system",
                [rules["confirming_systems"]])


def _sql(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def _run(con: duckdb.DuckDBPyConnection, sql_file: str, rules: dict | None, scores: bool = True) -> None:
    rules = rules or load_rules()
    load_rule_tables(con, rules)
    if scores:
        con.execute(_sql("residence_scores.sql"))
    con.execute(_sql(sql_file))


def build_validation(con: duckdb.DuckDBPyConnection, rules: dict | None = None) -> None:
    """electoral_register_validation: one row per elector, with status, evidence and its age."""
    rules = rules or load_rules()
    reg = rules["register"]
    con.execute(_sql("register_entries.sql"),
                {"register_system": reg["source_system"], "pd_attribute": reg["polling_district"],
                 "attainment_attribute": reg["attainment_date"], "attainment_format": reg["attainment_date_format"]})
    _run(con, "validation.sql", rules)


def build_validation_rates(con: duckdb.DuckDBPyConnection) -> None:
    """electoral_validation_rates: overall and per polling district (reads the validation table)."""
    con.execute(_sql("validation_rates.sql"))


def build_review_list(con: duckdb.DuckDBPyConnection, rules: dict | None = None) -> None:
    """electoral_review_list: electors not confirmed, with name, registered address and reason."""
    _run(con, "review_list.sql", rules, scores=False)


def build_canvass_list(con: duckdb.DuckDBPyConnection, rules: dict | None = None) -> None:
    """electoral_canvass_list: adults and attainers evidenced at an address where they are not registered."""
    _run(con, "canvass_list.sql", rules)
