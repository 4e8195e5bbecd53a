"""Turn survivorship.yaml into SQL: one ranked pick per attribute, joined into golden_residents.

Rules are data (councils differ on which system they trust for what); this module only writes the
window-function SQL that applies them to the crosswalk and person records.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import yaml

from resident_index import incremental
from resident_index.council import config_file

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PREFERENCES = {"current", "trust", "demote", "recent", "frequent"}


def rules() -> dict:
    path = config_file("survivorship.yaml")
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))["attributes"]
    for attribute, rule in loaded.items():
        unknown = set(rule["prefer"]) - PREFERENCES
        if unknown or not _NAME.match(attribute):
            raise ValueError(f"{path}: attribute {attribute!r}: unknown preference(s) {sorted(unknown)}")
        for name in [*rule["columns"], rule["require"], *rule.get("trust", []), *rule.get("demote", [])]:
            if not _NAME.match(name):
                raise ValueError(f"{path}: attribute {attribute!r}: {name!r} is not a column or system name")
    return loaded


def _systems(names: list[str]) -> str:
    return "[" + ", ".join(f"'{n}'" for n in names) + "]"


def _order(rule: dict) -> str:
    terms = {
        "current": "is_current DESC",
        "trust": f"coalesce(list_position({_systems(rule.get('trust', []))}, source_system), 999)",
        "demote": f"source_system IN ({', '.join(repr(s) for s in rule.get('demote', [])) or 'NULL'})",
        "recent": "as_of DESC NULLS LAST",
        "frequent": "agreeing DESC",
    }
    return ", ".join([terms[p] for p in rule["prefer"]] + ["source_system", "source_record_id"])


def attribute_sql(attribute: str, rule: dict) -> str:
    """A CTE picking one record per resident for this attribute, with its lineage."""
    cols = ", ".join(f"p.{c}" for c in rule["columns"])
    return f"""pick_{attribute} AS (
    SELECT resident_id, {", ".join(rule["columns"])},
           source_system AS {attribute}_source, source_record_id AS {attribute}_record, as_of AS {attribute}_as_of
    FROM (SELECT c.resident_id, {cols}, p.source_system, p.source_record_id, p.is_current,
                 coalesce(p.start_date, p.first_seen) AS as_of,
                 count(*) OVER (PARTITION BY c.resident_id, {cols}) AS agreeing
          FROM {{records}} c JOIN person_records p USING (source_system, source_record_id)
          WHERE p.{rule['require']} IS NOT NULL)
    QUALIFY row_number() OVER (PARTITION BY resident_id ORDER BY {_order(rule)}) = 1
)"""


#: what a resident's golden row is computed from (incremental.py): its records, their content and whether current
RESIDENT_INPUTS = """
    SELECT c.resident_id,
           bit_xor(hash(c.source_system, c.source_record_id, p.record_hash, p.is_current)) AS record_hash,
           max(p.last_seen) AS last_seen
    FROM {records} c JOIN person_records p USING (source_system, source_record_id)
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
