"""Residence evidence and the marts' resident base: which systems evidence what comes from each source's
YAML (`evidence:`, docs/evidence.md); evidence.yaml holds only what is council-wide."""

from __future__ import annotations

from pathlib import Path

import duckdb
from pydantic import BaseModel, ConfigDict, Field, model_validator

from resident_index.council import load_rule_file

from resident_index.sources.spec import INACTIVE_STATUSES, SourceSpec, load_registry

HERE = Path(__file__).parent

#: keys evidence.yaml once held, now declared per source: where each went
MOVED_KEYS = {
    "weights": "each source's evidence.residence.weight",
    "default": "default_weight",
    "stale_after": "each source's evidence.residence.stale_after_days and activity_column",
    "move_out_systems": "each source's evidence.residence.ends_on_move_out",
    "inactive_statuses": "each source's codes.status (ended, cancelled and deceased are inactive)",
    "child_roles": "each source's codes.role (the canonical role child)",
}


class EvidenceRules(BaseModel):
    """evidence.yaml: residence evidence rules shared by every council system."""

    model_config = ConfigDict(extra="forbid")

    #: how strongly a record of a system that declares no `evidence.residence` places its person at its address
    default_weight: float = Field(ge=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, raw):
        if isinstance(raw, dict):
            moved = [f"'{k}' (now {MOVED_KEYS[k]})" for k in raw if k in MOVED_KEYS]
            if moved:
                raise ValueError("keys moved to the source YAMLs (docs/evidence.md): " + "; ".join(moved))
        return raw


def load_rules() -> EvidenceRules:
    return load_rule_file("evidence.yaml", EvidenceRules)


def systems_with(kind: str, sources: list[SourceSpec] | None = None) -> list[SourceSpec]:
    """The sources whose YAML declares evidence `kind`, by name."""
    return [s for s in (load_registry() if sources is None else sources) if getattr(s.evidence, kind) is not None]


def _table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: list[tuple]) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    if rows:
        con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})", [list(r) for r in rows])


def load_rule_tables(con: duckdb.DuckDBPyConnection, rules: EvidenceRules | None = None,
                     sources: list[SourceSpec] | None = None) -> None:
    """Temp tables of what each system evidences, from the source YAMLs: _evidence_kinds (system, kind),
    _evidence_weights (a NULL system holds default_weight), _stale_after, _move_out_systems, _start_unknown
    (systems whose records carry no real start date), _inactive_statuses and _child_roles (canonical),
    _discounts (council tax liability discount flags) and _source_titles (for reasons in plain words)."""
    rules = rules or load_rules()
    sources = load_registry() if sources is None else sources
    _table(con, "_evidence_kinds", {"source_system": "VARCHAR", "kind": "VARCHAR"},
           [(s.name, k) for s in sources for k in s.evidence.kinds()])
    residence = [(s, s.evidence.residence) for s in sources if s.evidence.residence is not None]
    _table(con, "_evidence_weights", {"source_system": "VARCHAR", "weight": "DOUBLE"},
           [(s.name, r.weight) for s, r in residence] + [(None, rules.default_weight)])
    _table(con, "_stale_after", {"source_system": "VARCHAR", "days": "INTEGER", "activity": "VARCHAR"},
           [(s.name, r.stale_after_days, r.activity_column) for s, r in residence if r.stale_after_days])
    _table(con, "_move_out_systems", {"source_system": "VARCHAR"},
           [(s.name,) for s, r in residence if r.ends_on_move_out])
    _table(con, "_start_unknown", {"source_system": "VARCHAR"}, [(s.name,) for s in sources if not s.start_known()])
    _table(con, "_inactive_statuses", {"status": "VARCHAR"}, [(s,) for s in INACTIVE_STATUSES])
    _table(con, "_child_roles", {"role": "VARCHAR"}, [("child",)])
    liability = [(s, s.evidence.council_tax_liability) for s in systems_with("council_tax_liability", sources)]
    _table(con, "_discounts", {"source_system": "VARCHAR", "attribute": "VARCHAR", "flag_values": "VARCHAR[]"},
           [(s.name, c.discount.column, [v.upper() for v in c.discount.values]) for s, c in liability if c.discount])
    _table(con, "_source_titles", {"source_system": "VARCHAR", "title": "VARCHAR"}, [(s.name, s.title) for s in sources])


def write_evidence_kinds(con: duckdb.DuckDBPyConnection, sources: list[SourceSpec] | None = None) -> None:
    """Table source_evidence_kinds (source_system, kind): what each system's YAML says its records evidence,
    for views that outlive a connection (the safeguarding view) and for anyone querying the warehouse."""
    sources = load_registry() if sources is None else sources
    con.execute("CREATE OR REPLACE TABLE source_evidence_kinds (source_system VARCHAR, kind VARCHAR)")
    rows = [[s.name, k] for s in sources for k in s.evidence.kinds()]
    if rows:
        con.executemany("INSERT INTO source_evidence_kinds VALUES (?, ?)", rows)


def build_residence_evidence(con: duckdb.DuckDBPyConnection) -> None:
    """Tables live_records, residence_evidence, mart_residents and residence_scores (evidence.sql)."""
    load_rule_tables(con)
    con.execute((HERE / "evidence.sql").read_text(encoding="utf-8"))
