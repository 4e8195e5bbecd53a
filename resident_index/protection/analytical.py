"""Analytical exports: small-number suppression, and a check of every value before the file is written.

A table listed in protection/analytical.yaml is exported with every count of people from 1 to threshold - 1
emptied (and the shares or rates derived from a count in that row, which would give it away), and the
result is then checked value by value. The check fails the export, naming table, column, row and what the
value is, when a value:

- is a count of people (a `counts` column) from 1 to threshold - 1;
- is a resident ID, a source record ID, an NHS or NI number, an email address, a phone number, a name
  ("FORENAME SURNAME") or a full address the index holds, a UPRN, or a full postcode;
- is a date of birth or death the index holds, a date 16 or 18 years after a date of birth (attainment), or
  any date that is not the first of a month (analytical tables speak of months, not days).

The check reads the values, not the column names: a column renamed, or an identifier slipped into a
"label" column, is caught.
"""

from __future__ import annotations

import re

import duckdb
from resident_index.tables import has_table

POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"
PHONE = r"^\+?[0-9][0-9 ]{9,14}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class AnalyticalExportRefused(ValueError):
    """An analytical export that would disclose a person: each problem names table, column, row and why."""


def suppressed_select(con: duckdb.DuckDBPyConnection, table: str, counts: list[str], derived: list[str],
                      threshold: int, columns: list[str] | None = None) -> str:
    """SELECT of `table` (or its `columns`) with counts 1..threshold-1 emptied, and `derived` emptied where
    any count in the row was."""
    have = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    missing = [c for c in counts + derived if c not in have]
    if missing:
        raise AnalyticalExportRefused(f"{table}: protection/analytical.yaml names columns {missing} the table does not "
                                      f"have (it has {', '.join(have)})")
    small = " OR ".join(f'("{c}" BETWEEN 1 AND {threshold - 1})' for c in counts) or "false"
    parts = []
    for c in columns or have:
        if c in counts:
            parts.append(f'CASE WHEN "{c}" BETWEEN 1 AND {threshold - 1} THEN NULL ELSE "{c}" END AS "{c}"')
        elif c in derived:
            parts.append(f'CASE WHEN {small} THEN NULL ELSE "{c}" END AS "{c}"')
        else:
            parts.append(f'"{c}"')
    return f"SELECT {', '.join(parts)} FROM {table}"




def _identifiers(con) -> str:
    """A temp table _pii_values(value, kind) of every identifying string the warehouse holds; its name."""
    parts = []
    if has_table(con, "golden_residents"):
        parts += ["SELECT resident_id::VARCHAR, 'a resident ID' FROM golden_residents",
                  "SELECT nhs_number::VARCHAR, 'an NHS number' FROM golden_residents",
                  "SELECT ni_number::VARCHAR, 'an NI number' FROM golden_residents",
                  "SELECT upper(email::VARCHAR), 'an email address' FROM golden_residents",
                  "SELECT phone::VARCHAR, 'a phone number' FROM golden_residents",
                  "SELECT mobile::VARCHAR, 'a phone number' FROM golden_residents",
                  "SELECT concat_ws(' ', forename, surname)::VARCHAR, 'a name' FROM golden_residents WHERE forename IS NOT NULL",
                  "SELECT upper(address::VARCHAR), 'an address' FROM golden_residents"]
    if has_table(con, "resident_crosswalk"):
        parts += ["SELECT source_record_id::VARCHAR, 'a source record ID' FROM resident_crosswalk"]
    if has_table(con, "llpg"):
        parts += ["SELECT uprn::VARCHAR, 'a UPRN' FROM llpg", "SELECT upper(address_text::VARCHAR), 'an address' FROM llpg"]
    body = " UNION ALL ".join(f"SELECT * FROM ({p}) AS t(value, kind)" for p in parts) or \
        "SELECT NULL::VARCHAR AS value, NULL::VARCHAR AS kind WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pii_values AS SELECT DISTINCT value, kind FROM ({body}) "
                "WHERE value IS NOT NULL AND length(value) > 3")
    dates = []
    if has_table(con, "golden_residents"):
        dates = ["SELECT dob::DATE, 'a date of birth' FROM golden_residents",
                 "SELECT date_of_death::DATE, 'a date of death' FROM golden_residents",
                 "SELECT (dob + INTERVAL 18 YEAR)::DATE, 'a date derived from a date of birth' FROM golden_residents",
                 "SELECT (dob + INTERVAL 16 YEAR)::DATE, 'a date derived from a date of birth' FROM golden_residents"]
    body = " UNION ALL ".join(f"SELECT * FROM ({p}) AS t(value, kind)" for p in dates) or \
        "SELECT NULL::DATE AS value, NULL::VARCHAR AS kind WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pii_dates AS SELECT DISTINCT value, kind FROM ({body}) "
                "WHERE value IS NOT NULL")
    return "_pii_values"


def check_values(con: duckdb.DuckDBPyConnection, table: str, select: str, counts: list[str], threshold: int,
                 limit: int = 10) -> list[str]:
    """Every problem with the values `select` gives (see the module docstring), at most `limit` per kind."""
    _identifiers(con)
    con.execute(f"CREATE OR REPLACE TEMP VIEW _analytical_export AS SELECT row_number() OVER () AS _row, * "
                f"FROM ({select})")
    described = con.execute("DESCRIBE _analytical_export").fetchall()
    problems = []
    for name, kind, *_ in described:
        if name == "_row":
            continue
        col = f'"{name}"'
        if name in counts:
            rows = con.execute(f"SELECT _row, {col} FROM _analytical_export WHERE {col} BETWEEN 1 AND {threshold - 1} "
                               f"ORDER BY _row LIMIT {limit}").fetchall()
            problems += [f"{table}, row {r}, column {name}: a count of {v} people, under the threshold of {threshold}"
                         for r, v in rows]
        if kind.startswith("DATE") or kind.startswith("TIMESTAMP"):
            rows = con.execute(f"""SELECT e._row, e.{col}::DATE, coalesce(d.kind, 'a day, not a month')
                                   FROM _analytical_export e LEFT JOIN _pii_dates d ON d.value = e.{col}::DATE
                                   WHERE e.{col} IS NOT NULL AND day(e.{col}) <> 1  -- a month (its 1st) is no one's date
                                   ORDER BY e._row LIMIT {limit}""").fetchall()
            problems += [f"{table}, row {r}, column {name}: {v} is {why}" for r, v, why in rows]
            continue
        if kind.endswith("]") or kind.startswith(("STRUCT", "MAP")):  # every string inside, and every number
            values = (f"(SELECT _row, unnest(regexp_extract_all(to_json({col})::VARCHAR, "
                      f"'\"([^\"]*)\"|([0-9][0-9.]*)', 0)) AS v FROM _analytical_export)")
            values = f"(SELECT _row, trim(both '\"' FROM v) AS v FROM {values})"
        else:
            values = f"(SELECT _row, {col}::VARCHAR AS v FROM _analytical_export WHERE {col} IS NOT NULL)"
        rows = con.execute(f"""SELECT e._row, p.kind FROM {values} e JOIN _pii_values p ON upper(trim(e.v)) = p.value
                               ORDER BY e._row LIMIT {limit}""").fetchall()
        problems += [f"{table}, row {r}, column {name}: a value is {why} the index holds" for r, why in rows]
        rows = con.execute(f"""SELECT _row, v FROM {values} WHERE regexp_full_match(upper(trim(v)), '{POSTCODE}')
                                 OR regexp_full_match(trim(v), '{PHONE}') OR regexp_full_match(trim(v), '{EMAIL}')
                               ORDER BY _row LIMIT {limit}""").fetchall()
        problems += [f"{table}, row {r}, column {name}: a value has the form of a postcode, phone number or email"
                     for r, _ in rows]
    return problems


def checked_select(con: duckdb.DuckDBPyConnection, table: str, analytical, columns: list[str] | None = None) -> tuple[str, dict]:
    """The suppressed SELECT of an analytical `table`, checked; raises AnalyticalExportRefused listing every
    problem. Returns (select, figures: cells suppressed per column, threshold)."""
    spec = analytical.tables[table]
    select = suppressed_select(con, table, spec.counts, spec.derived, analytical.threshold, columns)
    problems = check_values(con, table, select, spec.counts, analytical.threshold)
    if problems:
        raise AnalyticalExportRefused(f"analytical export {table} refused: it would disclose people ("
                                      + "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
                                      + "). Suppress or aggregate further (protection/analytical.yaml)")
    t = analytical.threshold
    suppressed = {c: con.execute(f'SELECT count(*) FROM {table} WHERE "{c}" BETWEEN 1 AND {t - 1}').fetchone()[0]
                  for c in spec.counts}
    return select, {"threshold": t, "cells_suppressed": suppressed}


def published(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A subquery of `table` as its export publishes it: an analytical table's counts under the threshold
    (and what is derived from them) emptied, so a chart of it shows no more than the export; any other
    table as it is."""
    if not is_analytical(table):
        return table
    config = _analytical()
    spec = config.tables[table]
    return f"({suppressed_select(con, table, spec.counts, spec.derived, config.threshold)}) AS {table}"


def is_analytical(table: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9_]+", table)) and table in _analytical().tables


def _analytical():
    from resident_index.protection.config import AnalyticalFile, load_rule_file

    return load_rule_file("protection/analytical.yaml", AnalyticalFile, sources=[])
