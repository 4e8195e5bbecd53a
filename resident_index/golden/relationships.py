"""Relationships between residents, from relationships.yaml: group-role rules (by evidence kind, never a
system's name) and same household."""

from __future__ import annotations

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from resident_index.council import load_rule_file
from resident_index.sources.spec import Kind, Role, SourceSpec, load_registry


class GroupRule(BaseModel):
    """Within a group (group_ref) of a system evidencing `evidence`, the resident behind a record in one of
    `from_roles` has relationship `type` to the resident behind a record in one of `to_roles`."""

    model_config = ConfigDict(extra="forbid")

    evidence: Kind
    from_roles: list[Role] = Field(min_length=1)
    to_roles: list[Role] = Field(min_length=1)
    type: str = Field(pattern=r"^[a-z][a-z0-9_]*$")

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, raw):
        if isinstance(raw, dict) and "source" in raw:
            raise ValueError(f"'source: {raw['source']}' names a system: a rule selects systems by what they "
                             "evidence, e.g. 'evidence: tenancy' (docs/evidence.md)")
        return raw

    @model_validator(mode="after")
    def _roles_exist(self, info: ValidationInfo) -> GroupRule:
        sources = (info.context or {}).get("sources")
        systems = [s for s in sources or [] if getattr(s.evidence, self.evidence) is not None]
        given = {r for s in systems for r in s.roles_given()}
        for key, roles in (("from_roles", self.from_roles), ("to_roles", self.to_roles)):
            if systems and not set(roles) & given:
                raise ValueError(f"{key} {roles}: no system evidencing {self.evidence} "
                                 f"({', '.join(s.name for s in systems)}) gives any of them; their codes.role "
                                 f"and constants give {sorted(given) or 'none'}")
        return self


class RelationshipRules(BaseModel):
    """relationships.yaml."""

    model_config = ConfigDict(extra="forbid")

    from_groups: list[GroupRule] = Field(default_factory=list)
    same_household: bool = True


def load_rules(sources: list[SourceSpec] | None = None) -> RelationshipRules:
    return load_rule_file("relationships.yaml", RelationshipRules, sources)


def warnings(rules: RelationshipRules, sources: list[SourceSpec]) -> list[str]:
    """Rules no system can apply: their kind is declared by no source."""
    return [f"from_groups: no system evidences {r.evidence}, so no {r.type} relationship is inferred"
            for r in rules.from_groups if not [s for s in sources if getattr(s.evidence, r.evidence) is not None]]



def build_relationships(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Table relationships: (resident_id, related_resident_id, type) with its evidence and dates. Each rule
    applies to every system evidencing its kind. Returns warnings (rules no system can apply)."""
    sources = load_registry()
    rules = load_rules(sources)
    con.execute("""CREATE OR REPLACE TEMP TABLE _rules (source VARCHAR, from_roles VARCHAR[], to_roles VARCHAR[],
                                                       type VARCHAR)""")
    for r in rules.from_groups:
        for spec in sources:
            if getattr(spec.evidence, r.evidence) is not None:
                con.execute("INSERT INTO _rules VALUES (?, ?, ?, ?)", [spec.name, r.from_roles, r.to_roles, r.type])
    household = """
        UNION ALL
        SELECT a.resident_id, b.resident_id, 'same_household', 'golden_residents', a.uprn, NULL, NULL, NULL
        FROM golden_residents a JOIN golden_residents b
          ON a.uprn = b.uprn AND a.resident_id <> b.resident_id AND NOT a.deceased AND NOT b.deceased""" \
        if rules.same_household else ""
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
    return warnings(rules, sources)
