"""The counter-fraud review lists: one SQL query per list (its rules in counter_fraud.yaml), one shape
for every case, so an officer reads every list the same way and the evaluation scores them alike."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl
import yaml

from resident_index.marts.evidence import load_rule_tables
from resident_index.council import config_file
from resident_index.standardise.names import forename_variants

HERE = Path(__file__).parent
#: rules given as a list of mappings, loaded as temp table _<rule>
MAPPING_RULES = {"entitlements", "claims", "evidence_roles"}
LISTS = ["single_person_discount", "sublets", "entitlements_after_death", "false_school_addresses",
         "multiple_identities"]

#: every list's columns: a case, its score and plain-words reason, who and where, and the records behind it
CASE_SQL = """
CREATE OR REPLACE TABLE {table} AS
WITH cases AS ({query})
SELECT c.case_id, '{name}' AS case_type, round(c.score::DOUBLE, 3) AS score, c.reason, c.resident_id,
       nullif(concat_ws(' ', g.forename, g.surname), '') AS name, c.uprn, l.address_text AS address,
       c.reference, c.related_residents,
       c.evidence::STRUCT(source_system VARCHAR, record_id VARCHAR, date DATE, fact VARCHAR)[] AS evidence,
       (SELECT max(last_seen) FROM person_records) AS as_of
FROM cases c
LEFT JOIN golden_residents g ON g.resident_id = c.resident_id
LEFT JOIN llpg l ON l.uprn = c.uprn
WHERE c.score >= $min_score
ORDER BY c.score DESC, c.case_id
"""


def load_rules() -> dict:
    return yaml.safe_load(config_file("marts/counter_fraud.yaml").read_text(encoding="utf-8"))


def table_name(name: str) -> str:
    return f"fraud_{name}"


def build_list(con: duckdb.DuckDBPyConnection, name: str, rules: dict | None = None) -> None:
    """Table fraud_<name>: the cases of one list scoring at least its min_score, highest first.

    Needs residence_evidence and friends (marts/evidence.sql). A rule's list of mappings (entitlements,
    claims) becomes temp table _<key>; every other rule is a named parameter of the list's query (roles and
    values upper case, as the records hold them).
    """
    if name not in LISTS:
        raise ValueError(f"unknown counter-fraud list {name!r}; the lists are {', '.join(LISTS)}")
    rule = (rules or load_rules())[name]
    load_rule_tables(con)
    query = re.sub(r"--[^\n]*", "", (HERE / f"{name}.sql").read_text(encoding="utf-8"))  # comments name rules too
    sql = CASE_SQL.format(table=table_name(name), name=name, query=query)
    params, tables = {}, set()
    for key, value in rule.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            _mapping_table(con, f"_{key}", value)
            tables.add(key)
        elif f"${key}" in sql:
            params[key] = [str(v).upper() for v in value] if key.endswith(("_roles", "_values")) else value
    missing = set(re.findall(r"\$(\w+)", sql)) - set(params)
    missing |= {t for t in re.findall(r"JOIN _(\w+)", query) if t in MAPPING_RULES and t not in tables}
    if missing:
        raise ValueError(f"counter_fraud.yaml: {name} needs {', '.join(sorted(missing))}")
    if "possibly_same_person" in query:
        _person_names(con)
        con.execute((HERE / "same_person.sql").read_text(encoding="utf-8"))
    con.execute(sql, params)


def _person_names(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table _person_names, what possibly_same_person compares: each golden resident's name, date of
    birth and sex, and the nickname variants of the forename (KATHY and CATHERINE share CATHERINE)."""
    names = pl.from_arrow(con.execute("SELECT DISTINCT forename FROM golden_residents "
                                      "WHERE forename IS NOT NULL").arrow())
    con.register("_variants", names.with_columns(variants=forename_variants(names["forename"])).to_arrow())
    con.execute("""CREATE OR REPLACE TEMP TABLE _person_names AS
                   SELECT g.resident_id, g.forename, g.surname, g.dob, g.sex, v.variants
                   FROM golden_residents g LEFT JOIN _variants v USING (forename)""")
    con.unregister("_variants")


def _mapping_table(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """A temp table from a YAML list of mappings; list values (roles) kept as upper-case VARCHAR[]."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    types = {k: "VARCHAR[]" if any(isinstance(r.get(k), list) for r in rows) else "VARCHAR" for k in keys}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({', '.join(f'{k} {t}' for k, t in types.items())})")
    for r in rows:
        con.execute(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in keys)})",
                    [[str(x).upper() for x in r[k]] if types[k] == "VARCHAR[]" and r.get(k) is not None
                     else r.get(k) for k in keys])
