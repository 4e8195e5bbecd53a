"""Resident 360 from the command line: find a resident by name, show everything the index knows.

Plain SQL on the warehouse (read-only), no Dagster import, so both answer in well under a second. Values
are written into the SQL as quoted literals (`_literal`) rather than bound: binding any parameter makes
DuckDB import pandas, which alone takes about a second.
"""

from __future__ import annotations

import re
from datetime import date

import duckdb

LINEAGE = ("name", "dob", "sex", "nhs_number", "ni_number", "address", "phone", "mobile", "email", "date_of_death")
VALUES = {"name": "concat_ws(' ', title, forename, middle_names, surname)",
          "address": "concat_ws(', ', address, postcode) || coalesce(' (UPRN ' || uprn || ', ' || ward || ')', '')"}


def _literal(value) -> str:
    """A SQL literal: NULL, a number, or a string with its quotes doubled (DuckDB has no backslash escapes)."""
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _query_name(text: str) -> str:
    """'Smith, John' and 'john  smith' both become 'JOHN SMITH'."""
    if "," in text:
        surname, forenames = text.split(",", 1)
        text = f"{forenames} {surname}"
    return re.sub(r"\s+", " ", re.sub(r"[^A-Za-z' -]", " ", text)).strip().upper()


def find(con: duckdb.DuckDBPyConnection, name: str, dob: date | None = None, postcode: str | None = None,
         limit: int = 10, exclude: set[str] | frozenset = frozenset()) -> list[dict]:
    """Candidates ranked by name similarity (any name they have used), with a date of birth or postcode
    that agrees lifting them; never the residents in `exclude` (hidden by a restriction request)."""
    query = _query_name(name)
    first, last = query.split(" ")[0], query.split(" ")[-1]
    pc = re.sub(r"\s+", "", postcode or "").upper() or None
    q, qf, ql, qd, qp = (_literal(v) for v in (query, first, last, dob and dob.isoformat(), pc))
    similarity = f"""greatest(
        (jaro_winkler_similarity(coalesce(forename, ''), {qf}) + jaro_winkler_similarity(coalesce(surname, ''), {ql})) / 2,
        list_max(list_transform(names_used, n -> jaro_winkler_similarity(n, {q}))) - 0.02)"""
    rows = con.execute(f"""
        SELECT resident_id, concat_ws(' ', forename, middle_names, surname) AS name, dob, postcode, address,
               services, deceased,
               round({similarity}
                     + CASE WHEN dob = {qd}::DATE THEN 0.5 ELSE 0 END
                     + CASE WHEN replace(postcode, ' ', '') = {qp} THEN 0.3 ELSE 0 END, 3) AS score
        FROM golden_residents
        WHERE ({similarity} >= 0.8 OR (dob = {qd}::DATE AND jaro_winkler_similarity(surname, {ql}) >= 0.8))
          {"AND resident_id NOT IN (" + ", ".join(map(_literal, sorted(exclude))) + ")" if exclude else ""}
        ORDER BY score DESC, resident_id
        LIMIT {int(limit)}""").fetchall()
    cols = ("resident_id", "name", "dob", "postcode", "address", "services", "deceased", "score")
    return [dict(zip(cols, r)) for r in rows]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *values) -> list[dict]:
    """Rows as dicts; `?` placeholders in sql are filled with `values` as literals (see module docstring)."""
    for value in values:
        sql = sql.replace("?", _literal(value), 1)
    result = con.execute(sql)
    cols = [d[0] for d in result.description]
    return [dict(zip(cols, r)) for r in result.fetchall()]


def display_name(name: str | None, as_written: str | None) -> str | None:
    """The golden name (upper-case ASCII, what matching compares) and, when its record wrote it in another
    script, the name as written: "IVAN PETROV (written Иван Петров)"."""
    if name and as_written and not as_written.isascii():
        return f"{name} (written {as_written})"
    return name


def show(con: duckdb.DuckDBPyConnection, resident_id: str) -> dict | None:
    golden = _rows(con, "SELECT * FROM golden_residents WHERE resident_id = ?", resident_id)
    if not golden:
        return None
    g = golden[0]
    lineage = []
    for attribute in LINEAGE:
        value = _rows(con, f"SELECT {VALUES.get(attribute, attribute)} AS v FROM golden_residents "
                           "WHERE resident_id = ?", resident_id)[0]["v"]
        if attribute == "name":
            value = display_name(value, g.get("name_as_written"))
        lineage.append({"attribute": attribute, "value": value, "source": g[f"{attribute}_source"],
                        "record": g[f"{attribute}_record"], "as_of": g[f"{attribute}_as_of"]})
    return {
        "resident_id": resident_id,
        "deceased": g["deceased"],
        "golden": lineage,
        "names_used": g["names_used"],
        "services": g["services"],
        "addresses": _rows(con, """SELECT uprn, address, postcode, from_date, to_date, sources, is_current_address
                                   FROM resident_addresses WHERE resident_id = ? ORDER BY from_date""", resident_id),
        "household": _rows(con, """SELECT m.resident_id, concat_ws(' ', m.forename, m.surname) AS name, m.dob
                                   FROM households h, unnest(h.resident_ids) AS u(resident_id)
                                   JOIN golden_residents m ON m.resident_id = u.resident_id
                                   WHERE h.uprn = ? ORDER BY m.dob NULLS LAST""", g["uprn"]),
        "household_changes": _rows(con, """SELECT resident_id, change, change_date, evidence FROM household_changes
                                           WHERE uprn = ? ORDER BY change_date DESC LIMIT 20""", g["uprn"]),
        "relationships": _rows(con, """SELECT r.type, r.related_resident_id,
                                              concat_ws(' ', o.forename, o.surname) AS related_name, r.since,
                                              r.evidence
                                       FROM relationships r JOIN golden_residents o ON o.resident_id = r.related_resident_id
                                       WHERE r.resident_id = ? ORDER BY r.type, r.related_resident_id""",
                               resident_id),
        "timeline": _rows(con, """SELECT event_date, event_type, source_system, source_record_id, status, end_date
                                  FROM resident_events WHERE resident_id = ? ORDER BY event_date DESC NULLS LAST""",
                          resident_id),
        "records": _rows(con, """SELECT source_system, source_record_id, linked_by, round(match_probability, 4) AS
                                 match_probability, first_seen, last_seen FROM resident_crosswalk
                                 WHERE resident_id = ? ORDER BY source_system""", resident_id),
    }


def _table(rows: list[dict], columns: list[str]) -> str:
    if not rows:
        return "  (none)"
    def cell(value) -> str:
        if value is None:
            return ""
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    text = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(columns)]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths)),
             "  " + "  ".join("-" * w for w in widths)]
    return "\n".join(lines + ["  " + "  ".join(v.ljust(w) for v, w in zip(t, widths)) for t in text])


def render_found(found: list[dict]) -> str:
    return _table(found, ["resident_id", "score", "name", "dob", "postcode", "deceased"]) if found else "no match"


def render(person: dict) -> str:
    relationships = [{**r, "evidence": ", ".join(f"{e['source']} {e['group_ref']}" for e in (r["evidence"] or [])
                                                 if e.get("source"))} for r in person["relationships"]]
    return "\n".join([
        f"Resident {person['resident_id']}" + ("  (DECEASED)" if person["deceased"] else ""),
        "", "Golden record (each value with the system and record behind it)",
        _table(person["golden"], ["attribute", "value", "source", "record", "as_of"]),
        "", "Names used: " + "; ".join(person["names_used"] or []),
        "Known to: " + ", ".join(person["services"] or []),
        "", "Address history", _table(person["addresses"], ["from_date", "to_date", "address", "uprn", "sources"]),
        "", "Household now", _table(person["household"], ["resident_id", "name", "dob"]),
        "", "Recent household changes", _table(person["household_changes"], ["change_date", "change", "resident_id"]),
        "", "Relationships", _table(relationships, ["type", "related_resident_id", "related_name", "since", "evidence"]),
        "", "Timeline", _table(person["timeline"], ["event_date", "event_type", "source_system", "source_record_id",
                                                    "status", "end_date"]),
        "", "Source records", _table(person["records"], ["source_system", "source_record_id", "linked_by",
                                                         "match_probability", "first_seen", "last_seen"]),
    ])
