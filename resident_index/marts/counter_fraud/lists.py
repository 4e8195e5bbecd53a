"""The counter-fraud review lists: one SQL query per list (its rules in counter_fraud.yaml), one shape
for every case, so an officer reads every list the same way and the evaluation scores them alike."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pydantic import ValidationError

from resident_index.council import CouncilConfigError, describe_errors, load_rule_file
from resident_index.marts.counter_fraud.rules import CounterFraudRules
from resident_index.marts.evidence import load_rule_tables, systems_with
from resident_index.sources.spec import SourceSpec, load_registry
from resident_index.standardise.names import variants_table

HERE = Path(__file__).parent
#: rules given as a list of role selections, loaded as temp table _<rule> (source, roles)
MAPPING_RULES = {"claims", "evidence_roles"}
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


def load_rules(sources: list[SourceSpec] | None = None) -> dict:
    """counter_fraud.yaml, validated against the registry (CounterFraudRules), as a dict of lists' rules."""
    return load_rule_file("marts/counter_fraud.yaml", CounterFraudRules, sources).model_dump()


def table_name(name: str) -> str:
    return f"fraud_{name}"


#: the evidence kind each list reads its cases from (docs/evidence.md)
KIND_OF_LIST = {"single_person_discount": "council_tax_liability", "sublets": "tenancy",
                "entitlements_after_death": "entitlement", "false_school_addresses": "school_application",
                "multiple_identities": "benefit_claim"}


def build_list(con: duckdb.DuckDBPyConnection, name: str, rules: dict | None = None,
               sources: list[SourceSpec] | None = None) -> list[str]:
    """Table fraud_<name>: the cases of one list scoring at least its min_score, highest first; returns the
    warnings to show beside it (a kind no system declares, roles no record holds, a flag column no record
    has: why the list may be empty), each in plain words.

    Needs residence_evidence and friends (marts/evidence.sql). A rule's list of role selections (claims,
    evidence_roles) becomes temp table _<key> of (source, roles), one row per system evidencing the kind;
    every other rule is a named parameter of the list's query.
    """
    if name not in LISTS:
        raise ValueError(f"unknown counter-fraud list {name!r}; the lists are {', '.join(LISTS)}")
    sources = load_registry() if sources is None else sources
    try:
        rule = CounterFraudRules.model_validate(rules or load_rules(sources)).model_dump()[name]
    except ValidationError as exc:
        raise CouncilConfigError(f"counter_fraud.yaml: {describe_errors(exc, CounterFraudRules)}") from None
    load_rule_tables(con, sources=sources)
    query = re.sub(r"--[^\n]*", "", (HERE / f"{name}.sql").read_text(encoding="utf-8"))  # comments name rules too
    sql = CASE_SQL.format(table=table_name(name), name=name, query=query)
    params = {}
    for key, value in rule.items():
        if key in MAPPING_RULES:
            _selection_table(con, f"_{key}", value, sources)
        elif f"${key}" in sql:
            params[key] = value
    if name == "entitlements_after_death":
        _entitlement_tables(con, sources)
    missing = set(re.findall(r"\$(\w+)", sql)) - set(params)
    if missing:
        raise ValueError(f"counter_fraud.yaml: {name} needs {', '.join(sorted(missing))}")
    if "possibly_same_person" in query:
        _person_names(con)
        con.execute((HERE / "same_person.sql").read_text(encoding="utf-8"))
    con.execute(sql, params)
    return list_warnings(con, name, rule, sources)


def _selection_table(con: duckdb.DuckDBPyConnection, table: str, selections: list[dict],
                     sources: list[SourceSpec]) -> None:
    """Temp table (source, roles): each system evidencing a selection's kind, with the roles that count
    (a system evidencing two selected kinds: the roles of both)."""
    roles: dict[str, set[str]] = {}
    for selection in selections:
        for spec in systems_with(selection["evidence"], sources):
            roles.setdefault(spec.name, set()).update(selection["roles"])
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (source VARCHAR, roles VARCHAR[])")
    if roles:
        con.executemany(f"INSERT INTO {table} VALUES (?, ?)", [[s, sorted(r)] for s, r in roles.items()])


def _entitlement_tables(con: duckdb.DuckDBPyConnection, sources: list[SourceSpec]) -> None:
    """Temp tables _entitlements (source, what) and _period_starts (each entitlement record's current
    period start, where its system keeps the record through a renewal: evidence.entitlement.period_start)."""
    systems = [(s, s.evidence.entitlement) for s in systems_with("entitlement", sources)]
    con.execute("CREATE OR REPLACE TEMP TABLE _entitlements (source VARCHAR, what VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE _period_starts (source_system VARCHAR, source_record_id VARCHAR, "
                "period_start DATE)")
    for spec, entitlement in systems:
        con.execute("INSERT INTO _entitlements VALUES (?, ?)", [spec.name, entitlement.what])
        if entitlement.period_start is not None:  # strptime takes its formats as a constant: one insert each
            con.execute("""INSERT INTO _period_starts
                           SELECT source_system, source_record_id,
                                  try_strptime(source_attributes->>$column, $formats)::DATE
                           FROM person_records WHERE source_system = $source""",
                        {"column": entitlement.period_start.column, "formats": entitlement.period_start.formats,
                         "source": spec.name})


def list_warnings(con: duckdb.DuckDBPyConnection, name: str, rule: dict, sources: list[SourceSpec]) -> list[str]:
    """Why a list may be empty or short, in plain words: no system evidences the kind it reads, the roles it
    selects are on no live record, or a flag column is in none of the records."""
    label = name.replace("_", " ")
    kind = KIND_OF_LIST[name]
    systems = systems_with(kind, sources)
    if not systems:
        return [f"no system evidences {kind}: the {label} list is empty because no source YAML declares "
                f"evidence.{kind} (docs/evidence.md)"]
    warnings = []
    names = [s.name for s in systems]
    if name == "single_person_discount":
        for spec in systems:
            discount = spec.evidence.council_tax_liability.discount
            if discount is None:
                warnings.append(f"{spec.name} declares council_tax_liability with no discount: none of its "
                                "accounts can be on the single person discount list")
                continue
            held, flagged = con.execute(
                """SELECT count(*) FILTER (source_attributes->>$column IS NOT NULL),
                          count(*) FILTER (list_contains($values, upper(source_attributes->>$column)))
                   FROM person_records WHERE source_system = $source""",
                {"column": discount.column, "values": [v.upper() for v in discount.values],
                 "source": spec.name}).fetchone()
            if not held:
                warnings.append(f"{spec.name}: the discount column {discount.column!r} is in none of its records "
                                "(evidence.council_tax_liability.discount.column): the single person discount "
                                "list is empty")
            elif not flagged:
                warnings.append(f"{spec.name}: no record has {discount.column} in {discount.values} "
                                "(evidence.council_tax_liability.discount.values)")
    selections = {"sublets": [("tenant_roles", kind, rule.get("tenant_roles"))],
                  "false_school_addresses": [("child_roles", kind, rule.get("child_roles")),
                                             ("parent_roles", kind, rule.get("parent_roles"))],
                  "multiple_identities": [("claims", s["evidence"], s["roles"]) for s in rule.get("claims", [])]
                  }.get(name, [])   # (evidence_roles only narrow what counts: none in those roles empties nothing)
    for key, selected_kind, roles in selections:
        in_kind = [s.name for s in systems_with(selected_kind, sources)]
        if not in_kind:
            warnings.append(f"{key}: no system evidences {selected_kind}")
            continue
        live = con.execute("SELECT count(*) FROM live_records WHERE live AND list_contains($systems, source_system) "
                           "AND list_contains($roles, role)", {"systems": in_kind, "roles": roles}).fetchone()[0]
        if not live:
            warnings.append(f"{key}: no live record of {', '.join(in_kind)} is in role {' or '.join(roles)}: "
                            "check the systems' codes.role (docs/evidence.md)")
    live = con.execute("SELECT count(*) FROM live_records WHERE live AND list_contains($systems, source_system)",
                       {"systems": names}).fetchone()[0]
    if not live:
        warnings.append(f"no live record of {', '.join(names)} (evidencing {kind}): the {label} list is empty")
    return warnings


def _person_names(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table _person_names, what possibly_same_person compares: each golden resident's name, date of
    birth and sex, and the nickname variants of the forename (KATHY and CATHERINE share CATHERINE)."""
    variants_table(con, "_variants", "SELECT forename FROM golden_residents")
    con.execute("""CREATE OR REPLACE TEMP TABLE _person_names AS
                   SELECT g.resident_id, g.forename, g.surname, g.dob, g.sex, v.variants
                   FROM golden_residents g LEFT JOIN _variants v USING (forename)""")
