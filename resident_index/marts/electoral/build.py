"""Builds the electoral register tables: loads electoral.yaml and the register's and confirming
systems (by what their YAMLs evidence) into temp tables and runs the SQL.

Each table is built on its own connection (one Dagster asset each), so a build first loads the rules and,
where it needs them, recomputes where the confirming systems place each resident (residence_scores.sql).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from resident_index.council import CouncilConfigError, describe_errors, load_rule_file
from resident_index.marts.evidence import load_rule_tables as load_evidence_rules
from resident_index.marts.evidence import systems_with
from resident_index.sources.spec import SourceSpec

HERE = Path(__file__).parent


class ElectoralRules(BaseModel):
    """marts/electoral.yaml. The register is every electoral_entry system; the systems that may
    confirm residence are every other residence system (the source YAMLs' `evidence:`)."""

    model_config = ConfigDict(extra="forbid")

    min_score: float = Field(gt=0, le=1)
    attainer_ages: list[int] = Field(min_length=1)
    voting_age: int = Field(ge=16, le=21)

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, raw):
        moved = {"register": "the register is every electoral_entry system: its YAML's evidence.electoral_entry "
                             "(polling_district, attainment_date)",
                 "confirming_systems": "every residence system that is not an electoral_entry system confirms"}
        if isinstance(raw, dict) and (found := [f"'{k}' ({moved[k]})" for k in raw if k in moved]):
            raise ValueError("keys that named systems or their columns moved to the source YAMLs "
                             "(docs/evidence.md): " + "; ".join(found))
        return raw


def load_rules(path: Path | None = None) -> dict:
    """electoral.yaml, validated (ElectoralRules), as a dict."""
    if path is None:
        return load_rule_file("marts/electoral.yaml", ElectoralRules).model_dump()
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return ElectoralRules.model_validate(raw).model_dump()
    except ValidationError as exc:
        raise CouncilConfigError(f"{path}: {describe_errors(exc, ElectoralRules)}") from None


def register_systems(sources: list[SourceSpec] | None = None) -> list[SourceSpec]:
    """The register: every system evidencing electoral_entry."""
    return systems_with("electoral_entry", sources)


def confirming_systems(sources: list[SourceSpec] | None = None) -> list[str]:
    """Every residence system that is not the register: it is what is checked, so it cannot confirm itself."""
    register = {s.name for s in register_systems(sources)}
    return [s.name for s in systems_with("residence", sources) if s.name not in register]


def warnings(sources: list[SourceSpec] | None = None) -> list[str]:
    """Why the mart may be empty, in plain words (shown in the assets' metadata)."""
    found = []
    if not register_systems(sources):
        found.append("no system evidences electoral_entry: the electoral register validation, review list and "
                     "canvass list's registered-elsewhere are empty because no source YAML declares "
                     "evidence.electoral_entry (docs/evidence.md)")
    if not confirming_systems(sources):
        found.append("no system but the register evidences residence: nothing can confirm an elector")
    return found


def load_rule_tables(con: duckdb.DuckDBPyConnection, rules: dict, sources: list[SourceSpec] | None = None) -> None:
    """Temp tables _electoral_settings (one row: the register's systems, min_score, ages) and
    _electoral_systems (the confirming systems), beside the shared evidence rules (_move_out_systems...)."""
    load_evidence_rules(con, sources=sources)
    con.execute("""CREATE OR REPLACE TEMP TABLE _electoral_settings AS
                   SELECT ?::VARCHAR[] AS register_systems, ?::DOUBLE AS min_score, ?::INTEGER[] AS attainer_ages,
                          ?::INTEGER AS voting_age""",
                [[s.name for s in register_systems(sources)], float(rules["min_score"]),
                 [int(a) for a in rules["attainer_ages"]], int(rules["voting_age"])])
    con.execute("CREATE OR REPLACE TEMP TABLE _electoral_systems AS SELECT unnest(?::VARCHAR[]) AS source_system",
                [confirming_systems(sources)])


def _sql(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def _run(con: duckdb.DuckDBPyConnection, sql_file: str, rules: dict | None, scores: bool = True) -> None:
    rules = rules or load_rules()
    load_rule_tables(con, rules)
    if scores:
        con.execute(_sql("residence_scores.sql"))
    con.execute(_sql(sql_file))


def build_validation(con: duckdb.DuckDBPyConnection, rules: dict | None = None) -> None:
    """electoral_validation: one row per elector, with status, evidence and its age."""
    rules = rules or load_rules()
    con.execute("""CREATE OR REPLACE TEMP TABLE _register_entries (elector_number VARCHAR, polling_district VARCHAR,
                   resident_id VARCHAR, registered_uprn VARCHAR, attainment_date DATE)""")
    for spec in register_systems():  # strptime takes its format as a constant: one statement per register
        entry = spec.evidence.electoral_entry
        attainment = entry.attainment_date
        con.execute(_sql("register_entries.sql"),
                    {"register_system": spec.name, "pd_attribute": entry.polling_district,
                     "attainment_attribute": attainment.column if attainment else None,
                     "attainment_format": attainment.format if attainment else "%Y-%m-%d"})
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
