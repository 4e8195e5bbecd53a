"""Turn survivorship.yaml into SQL: one ranked pick per attribute, joined into golden_residents.

Rules are data (councils differ on which system they trust for what); this module only writes the
window-function SQL that applies them to the crosswalk and person records.
"""

from __future__ import annotations

from typing import Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from resident_index import incremental
from resident_index.council import load_rule_file
from resident_index.sources.spec import INACTIVE_STATUSES, SourceSpec
from resident_index.standardise.schema import COLUMNS

PREFERENCES = ("current", "live", "trust", "demote", "recent", "frequent")
#: the person_records columns an attribute can take its value from (canonical, plus the gazetteer's)
RECORD_COLUMNS = (*COLUMNS, "source_uprn", "uprn_source", "ward", "polling_district", "easting", "northing")


class AttributeRule(BaseModel):
    """How one golden attribute is chosen among a resident's records (survivorship.yaml's comments)."""

    model_config = ConfigDict(extra="forbid")

    columns: list[Literal[RECORD_COLUMNS]] = Field(min_length=1)  # type: ignore[valid-type]
    require: Literal[RECORD_COLUMNS]  # type: ignore[valid-type]
    prefer: list[Literal[PREFERENCES]] = Field(min_length=1)  # type: ignore[valid-type]
    #: systems by trust, first most trusted (a council's own ordering, by the registry's names)
    trust: list[str] = Field(default_factory=list)
    demote: list[str] = Field(default_factory=list)

    @field_validator("trust", "demote")
    @classmethod
    def _known_systems(cls, names: list[str], info: ValidationInfo) -> list[str]:
        sources = (info.context or {}).get("sources")
        if sources is not None:
            known = [s.name for s in sources]
            unknown = [n for n in names if n not in known]
            if unknown:
                raise ValueError(f"unknown system(s) {unknown}; the registry holds {known}")
        return names


class SurvivorshipRules(BaseModel):
    """survivorship.yaml: one rule per golden attribute."""

    model_config = ConfigDict(extra="forbid")

    attributes: dict[str, AttributeRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _attribute_names(self) -> SurvivorshipRules:
        import re

        for name in self.attributes:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"attribute {name!r}: a name of lower-case letters, digits and _ (a column prefix)")
        return self


def rules(sources: list[SourceSpec] | None = None) -> dict:
    """survivorship.yaml, validated against the registry: attribute -> its rule, as a dict."""
    loaded = load_rule_file("survivorship.yaml", SurvivorshipRules, sources)
    return {name: rule.model_dump() for name, rule in loaded.attributes.items()}


def _systems(names: list[str]) -> str:
    return "[" + ", ".join(f"'{n}'" for n in names) + "]"


#: the latest extract date of any system (as the marts' live_records reads "now")
AS_OF = "(SELECT max(last_seen) FROM person_records)"
#: a record that is live now: in its system's latest extract, no end date on or before the latest extract
#: date, its canonical status not ended, cancelled or deceased (live_records in marts/evidence.sql, whose
#: staleness rule for never-closed records is left to `demote`)
LIVE = (f"p.is_current AND coalesce(p.end_date > {AS_OF}, true)"
        f" AND coalesce(p.status, '') NOT IN ({', '.join(repr(s) for s in INACTIVE_STATUSES)})")


def _order(rule: dict) -> str:
    terms = {
        "current": "is_current DESC",
        "live": "is_live DESC",
        "trust": f"coalesce(list_position({_systems(rule.get('trust', []))}, source_system), 999)",
        "demote": f"source_system IN ({', '.join(repr(s) for s in rule.get('demote', [])) or 'NULL'})",
        "recent": "as_of DESC NULLS LAST",
        "frequent": "agreeing DESC",
    }
    return ", ".join([terms[p] for p in rule["prefer"]] + ["source_system", "source_record_id"])


def attribute_sql(attribute: str, rule: dict) -> str:
    """A CTE picking one record per resident for this attribute, with its lineage."""
    cols = ", ".join(f"p.{c}" for c in rule["columns"])
    live = f", {LIVE} AS is_live" if "live" in rule["prefer"] else ""
    return f"""pick_{attribute} AS (
    SELECT resident_id, {", ".join(rule["columns"])},
           source_system AS {attribute}_source, source_record_id AS {attribute}_record, as_of AS {attribute}_as_of
    FROM (SELECT c.resident_id, {cols}, p.source_system, p.source_record_id, p.is_current{live},
                 coalesce(p.start_date, p.first_seen) AS as_of,
                 count(*) OVER (PARTITION BY c.resident_id, {cols}) AS agreeing
          FROM {{records}} c JOIN person_records p USING (source_system, source_record_id)
          WHERE p.{rule['require']} IS NOT NULL)
    QUALIFY row_number() OVER (PARTITION BY resident_id ORDER BY {_order(rule)}) = 1
)"""


#: what a resident's golden row is computed from (incremental.py): its records, their content, whether current
#: and whether their end date has passed (a record can stop being live with no change to it: `prefer: live`)
RESIDENT_INPUTS = f"""
    SELECT c.resident_id,
           bit_xor(hash(c.source_system, c.source_record_id, p.record_hash, p.is_current,
                        coalesce(p.end_date <= {AS_OF}, false))) AS record_hash,
           max(p.last_seen) AS last_seen
    FROM {{records}} c JOIN person_records p USING (source_system, source_record_id)
    GROUP BY c.resident_id"""


def golden_residents_sql() -> str:
    """One row per resident of {records} (resident_crosswalk, or the rows of the residents to recompute)."""
    loaded = rules()
    ctes = [attribute_sql(a, r) for a, r in loaded.items()]
    selects, joins = [], []
    for attribute, rule in loaded.items():
        selects += [f"pick_{attribute}.{c}" for c in rule["columns"]]
        selects += [f"pick_{attribute}.{attribute}_{x}" for x in ("source", "record", "as_of")]
        joins.append(f"LEFT JOIN pick_{attribute} USING (resident_id)")
    ctes_sql, joins_sql = ",\n".join(ctes), "\n".join(joins)
    return f"""WITH {ctes_sql},
inputs AS ({RESIDENT_INPUTS}),
residents AS (
    SELECT c.resident_id,
           count(*) AS records,
           list(DISTINCT p.source_system ORDER BY p.source_system) FILTER (p.is_current) AS services,
           list(DISTINCT concat_ws(' ', p.forename, p.middle_names, p.surname)
                ORDER BY concat_ws(' ', p.forename, p.middle_names, p.surname)) AS names_used
    FROM {{records}} c JOIN person_records p USING (source_system, source_record_id)
    GROUP BY c.resident_id
)
SELECT residents.resident_id, {", ".join(selects)},{_written_select(loaded)}
       pick_date_of_death.date_of_death IS NOT NULL AS deceased,
       residents.names_used, residents.services, residents.records, inputs.last_seen, inputs.record_hash
FROM residents
JOIN inputs USING (resident_id)
{joins_sql}{_written_join(loaded)}
ORDER BY residents.resident_id"""


def _written_select(loaded: dict) -> str:
    """The chosen name as its record wrote it (`name_raw`: in its own script, "Иван Петров", where the name
    columns hold the transliteration matching uses, "IVAN PETROV")."""
    return "\n       written.name_raw AS name_as_written," if "name" in loaded else ""


def _written_join(loaded: dict) -> str:
    if "name" not in loaded:
        return ""
    return ("\nLEFT JOIN person_records written ON written.source_system = pick_name.name_source"
            " AND written.source_record_id = pick_name.name_record")


def build_golden_residents(con: duckdb.DuckDBPyConnection) -> dict:
    """Table golden_residents, recomputing only residents whose records changed (incremental.py)."""
    sql = golden_residents_sql()
    key = incremental.build_key(sql, incremental.held_build_key(con, "person_records"))
    inputs = f"({RESIDENT_INPUTS.replace('{records}', 'resident_crosswalk')})"
    return incremental.refresh(con, "golden_residents", sql, "resident_crosswalk", key, inputs=inputs,
                               by=("resident_id",))
