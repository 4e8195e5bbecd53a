"""quality_feedback.yaml, validated, and the facts about each system the feedback SQL reads as temp tables.

Nothing here names a system: which systems are trusted for an attribute comes from survivorship.yaml,
which evidence deaths or residence from each source YAML's `evidence:`, which fields a system could hold
from its column mapping.
"""

from __future__ import annotations

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from resident_index.council import load_rule_file
from resident_index.sources.spec import INACTIVE_STATUSES, ROLES, SourceSpec, load_registry

RULE_FILE = "quality_feedback.yaml"

#: attributes compared with the golden record (golden column(s) -> suggestion field)
COMPARED = ("life_status", "date_of_death", "address", "nhs_number", "ni_number", "dob", "name", "sex",
            "phone", "mobile", "email")
MISSABLE = ("nhs_number", "ni_number", "dob", "uprn")
FIELDS = (*COMPARED, "duplicate", *(f"missing_{f}" for f in MISSABLE))
COMPLETENESS_FIELDS = ("dob", "sex", "nhs_number", "ni_number", "uprn", "postcode", "phone", "mobile", "email")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Confidence(_Strict):
    trusted_system: float = Field(gt=0)
    other_system: float = Field(gt=0)
    newer_record: float = Field(ge=0, le=1)
    death_from_death_system: float = Field(ge=0, le=1)
    death_from_other_system: float = Field(ge=0, le=1)
    uprn_from_own_address: float = Field(ge=0, le=1)
    different_names: float = Field(ge=0, le=1)
    another_resident: float = Field(ge=0, le=1)
    moved_away: float = Field(ge=0, le=1)


class FieldRule(_Strict):
    impact: float = Field(ge=1, le=10)
    min_confidence: float = Field(ge=0, le=1)


def _known_systems(names, info: ValidationInfo, key: str) -> None:
    sources = (info.context or {}).get("sources")
    if sources is None:
        return
    known = {s.name for s in sources}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"unknown system(s) {unknown} under {key}; expected some of {sorted(known)}")


class Missing(_Strict):
    fields: list[str]
    #: system -> fields it maps but is not asked to fill
    not_expected: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _missable(cls, fields: list[str]) -> list[str]:
        unknown = sorted(set(fields) - set(MISSABLE))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; expected some of {list(MISSABLE)}")
        return fields

    @field_validator("not_expected")
    @classmethod
    def _systems(cls, not_expected: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        _known_systems(not_expected, info, "missing.not_expected")
        for system, fields in not_expected.items():
            unknown = sorted(set(fields) - set(MISSABLE))
            if unknown:
                raise ValueError(f"missing.not_expected.{system}: unknown field(s) {unknown}; expected some of "
                                 f"{list(MISSABLE)}")
        return not_expected


class Duplicates(_Strict):
    several_allowed_in_roles: list[str] = Field(default_factory=list)
    several_allowed_in_systems: list[str] = Field(default_factory=list)

    @field_validator("several_allowed_in_systems")
    @classmethod
    def _systems(cls, names: list[str], info: ValidationInfo) -> list[str]:
        _known_systems(names, info, "duplicates.several_allowed_in_systems")
        return names

    @field_validator("several_allowed_in_roles")
    @classmethod
    def _roles(cls, roles: list[str]) -> list[str]:
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; expected canonical roles from {list(ROLES)}")
        return roles


class Scorecard(_Strict):
    completeness_fields: list[str]

    @field_validator("completeness_fields")
    @classmethod
    def _fields(cls, fields: list[str]) -> list[str]:
        unknown = sorted(set(fields) - set(COMPLETENESS_FIELDS))
        if unknown or not fields:
            raise ValueError(f"unknown or no field(s) {unknown}; expected some of {list(COMPLETENESS_FIELDS)}")
        return fields


class Checks(_Strict):
    max_discrepancy_rate: float = Field(gt=0, le=1)


class FeedbackRules(_Strict):
    """quality_feedback.yaml: how sure, how important and what is asked of each system."""

    confidence: Confidence
    fields: dict[str, FieldRule]
    missing: Missing
    duplicates: Duplicates = Field(default_factory=Duplicates)
    no_worklist: list[str] = Field(default_factory=list)
    scorecard: Scorecard
    checks: Checks

    @field_validator("no_worklist")
    @classmethod
    def _no_worklist(cls, names: list[str], info: ValidationInfo) -> list[str]:
        _known_systems(names, info, "no_worklist")
        return names

    @model_validator(mode="after")
    def _every_field_ruled(self) -> FeedbackRules:
        unknown = sorted(set(self.fields) - set(FIELDS))
        if unknown:
            raise ValueError(f"fields: unknown field(s) {unknown}; expected some of {list(FIELDS)}")
        needed = [f for f in FIELDS if f not in self.fields and
                  (not f.startswith("missing_") or f.removeprefix("missing_") in self.missing.fields)]
        if needed:
            raise ValueError(f"fields: no impact and min_confidence for {needed}; every compared field, "
                             f"duplicate and each missing.fields entry (as missing_<field>) needs one")
        return self


def load_rules(sources: list[SourceSpec] | None = None) -> FeedbackRules:
    return load_rule_file(RULE_FILE, FeedbackRules, sources)


#: survivorship attribute behind each compared field (its trust list weighs the systems)
_ATTRIBUTE = {"life_status": "date_of_death", "date_of_death": "date_of_death", "address": "address",
              "nhs_number": "nhs_number", "ni_number": "ni_number", "dob": "dob", "name": "name", "sex": "sex",
              "phone": "phone", "mobile": "mobile", "email": "email"}


def load_rule_tables(con: duckdb.DuckDBPyConnection, rules: FeedbackRules, sources: list[SourceSpec]) -> None:
    """Temp tables the feedback SQL reads:
    _fb_field_rules (field, impact, min_confidence), _fb_weights (field, source_system, weight: how much a
    system's value counts), _fb_systems (source_system, death_system, worklist,
    several_allowed: a record per thing held, not per person; distinct_in_group: it lists each person once in
    a group, its source YAML's matching.distinct_in_group), _fb_could_hold
    (source_system, field: mapped and asked for), _fb_inactive (status), _fb_several_roles (role) and
    _fb_conf (one row of the confidence constants)."""
    from resident_index.golden.survivorship import rules as survivorship_rules
    from resident_index.marts.evidence import load_rules as evidence_rules

    trust = {a: r.get("trust", []) for a, r in survivorship_rules().items()}
    default_residence = evidence_rules().default_weight
    c = rules.confidence
    weights = []
    for field, attribute in _ATTRIBUTE.items():
        for s in sources:
            if field == "address":
                w = s.evidence.residence.weight if s.evidence.residence else default_residence
                w = w if w > 0 else c.other_system * 0.01
            else:
                w = c.trusted_system if s.name in trust.get(attribute, []) else c.other_system
            weights.append((field, s.name, float(w)))
    _table(con, "_fb_weights", {"field": "VARCHAR", "source_system": "VARCHAR", "weight": "DOUBLE"}, weights)
    _table(con, "_fb_field_rules", {"field": "VARCHAR", "impact": "DOUBLE", "min_confidence": "DOUBLE"},
           [(f, r.impact, r.min_confidence) for f, r in rules.fields.items()])
    _table(con, "_fb_systems", {"source_system": "VARCHAR", "death_system": "BOOLEAN", "worklist": "BOOLEAN",
                                "several_allowed": "BOOLEAN", "distinct_in_group": "BOOLEAN"},
           [(s.name, s.evidence.death is not None, s.name not in rules.no_worklist,
             s.name in rules.duplicates.several_allowed_in_systems, s.matching.distinct_in_group) for s in sources])
    could = []
    for s in sources:
        for field in rules.missing.fields:
            if field in s.columns and field not in rules.missing.not_expected.get(s.name, []):
                could.append((s.name, field))
    _table(con, "_fb_could_hold", {"source_system": "VARCHAR", "field": "VARCHAR"}, could)
    _table(con, "_fb_inactive", {"status": "VARCHAR"}, [(x,) for x in INACTIVE_STATUSES])
    _table(con, "_fb_several_roles", {"role": "VARCHAR"}, [(r,) for r in rules.duplicates.several_allowed_in_roles])
    _table(con, "_fb_conf", {k: "DOUBLE" for k in Confidence.model_fields},
           [tuple(float(getattr(c, k)) for k in Confidence.model_fields)])


def _table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: list[tuple]) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({', '.join(f'{k} {t}' for k, t in columns.items())})")
    if rows:
        con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})", [list(r) for r in rows])
