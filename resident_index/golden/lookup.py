"""Resident 360 from the command line: find a resident by name, show everything the index knows.

Plain SQL on the warehouse (read-only), no Dagster import, so both answer in well under a second. Values
are written into the SQL as quoted literals (`_literal`) rather than bound: binding any parameter makes
DuckDB import pandas, which alone takes about a second.
"""

from __future__ import annotations

import re
from datetime import date

import duckdb
from resident_index.tables import has_table

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


#: what find shows and scores of each resident (golden_residents columns)
FIND_COLUMNS = ("resident_id", "forename", "middle_names", "surname", "names_used", "dob", "postcode", "address",
                "services", "deceased")
#: one row for each (forename, surname) a resident has used: the golden name's, and the first and last word of
#: each name in names_used (forename, middle names, surname as a source record wrote them) as key_forename and
#: key_surname, beside the resident's FIND_COLUMNS, in key order. The read snapshot holds it as name_keys
#: (read_snapshot.py); `find` on the warehouse itself (before any snapshot) computes it from {golden}.
NAME_KEYS_SQL = f"""SELECT k.key_forename, k.key_surname, {", ".join(f"g.{c}" for c in FIND_COLUMNS)} FROM (
    SELECT resident_id, coalesce(forename, '') AS key_forename, coalesce(surname, '') AS key_surname FROM {{golden}}
    UNION
    SELECT resident_id, string_split(n, ' ')[1], string_split(n, ' ')[-1]
    FROM (SELECT resident_id, unnest(names_used) AS n FROM {{golden}})) k JOIN {{golden}} g USING (resident_id)
    ORDER BY k.key_surname, k.key_forename, g.resident_id"""
#: the distinct forenames and surnames of name_keys (part 'forename' or 'surname', token)
NAME_TOKENS_SQL = """SELECT DISTINCT 'forename' AS part, key_forename AS token FROM {keys}
    UNION SELECT DISTINCT 'surname', key_surname FROM {keys} ORDER BY part, token"""
#: a name's forename and surname each at least this like the query's (Jaro-Winkler) to be compared in full:
#: the least either can be when their mean reaches find's 0.8
KEY_SIMILARITY = 0.6
#: a query of one word is compared with each forename and surname: those at least this like it are scored
ONE_WORD_SIMILARITY = 0.8




def find(con: duckdb.DuckDBPyConnection, name: str, dob: date | None = None, postcode: str | None = None,
         limit: int = 10, exclude: set[str] | frozenset = frozenset()) -> list[dict]:
    """Candidates ranked by name similarity (any name they have used), with a date of birth or postcode
    that agrees lifting them; never the residents in `exclude` (hidden by a restriction request).

    Scored in full: the residents with a name whose forename and surname are each at least KEY_SIMILARITY
    like the query's and together reach the 0.8 below (the distinct forenames and surnames held are compared,
    name_tokens, then name_keys gives who used them), those born on the date of birth asked, and for a query of
    one word everyone with a forename or surname at least ONE_WORD_SIMILARITY like it; so it reads a few
    hundred residents, not every one, at 300,000 residents."""
    query = _query_name(name)
    first, last = query.split(" ")[0], query.split(" ")[-1]
    pc = re.sub(r"\s+", "", postcode or "").upper() or None
    q, qf, ql, qd, qp = (_literal(v) for v in (query, first, last, dob and dob.isoformat(), pc))
    if has_table(con, "name_keys") and has_table(con, "name_tokens"):
        keys, tokens = "name_keys", "name_tokens"
    else:  # the warehouse itself, before a read snapshot is published: the same tables, computed here
        keys = f"({NAME_KEYS_SQL.format(golden='golden_residents')})"
        tokens = f"({NAME_TOKENS_SQL.format(keys=keys)})"
    columns = ", ".join(f"k.{c}" for c in FIND_COLUMNS)
    one_word = ""
    if " " not in query:  # one name ('Holcombe'): everyone with a forename or surname like it is scored
        one_word = "".join(f"""
              UNION SELECT {columns}, {q}, {qf}, {ql} FROM {keys} k JOIN t ON t.part = '{part}' AND k.key_{part} = t.token
              WHERE t.j >= {ONE_WORD_SIMILARITY}""" for part in ("forename", "surname"))
    # the query's words are columns of the candidates (q, qf, ql), so the comparisons run on candidates only
    similarity = """greatest(
        (jaro_winkler_similarity(coalesce(c.forename, ''), c.qf) + jaro_winkler_similarity(coalesce(c.surname, ''), c.ql)) / 2,
        list_max(list_transform(c.names_used, n -> jaro_winkler_similarity(n, c.q))) - 0.02)"""
    hidden = f"AND c.resident_id NOT IN ({', '.join(map(_literal, sorted(exclude)))})" if exclude else ""
    rows = con.execute(f"""
        WITH t AS (SELECT part, token, jaro_winkler_similarity(token, CASE part WHEN 'forename' THEN {qf} ELSE {ql} END) AS j
                   FROM {tokens} WHERE j >= {KEY_SIMILARITY}),
        f AS (SELECT token AS key_forename, j AS jf, {q} AS q, {qf} AS qf, {ql} AS ql FROM t WHERE part = 'forename'),
        s AS (SELECT token AS key_surname, j AS js FROM t WHERE part = 'surname'),
        c AS (SELECT {columns}, f.q, f.qf, f.ql FROM {keys} k JOIN f USING (key_forename) JOIN s USING (key_surname)
              WHERE f.jf + s.js >= 1.6
              UNION SELECT {columns}, {q}, {qf}, {ql} FROM {keys} k WHERE k.dob = {qd}::DATE{one_word})
        SELECT c.resident_id, concat_ws(' ', c.forename, c.middle_names, c.surname) AS name, c.dob, c.postcode,
               c.address, c.services, c.deceased,
               round({similarity}
                     + CASE WHEN c.dob = {qd}::DATE THEN 0.5 ELSE 0 END
                     + CASE WHEN replace(c.postcode, ' ', '') = {qp} THEN 0.3 ELSE 0 END, 3) AS score
        FROM c
        WHERE ({similarity} >= 0.8 OR (c.dob = {qd}::DATE AND jaro_winkler_similarity(c.surname, c.ql) >= 0.8))
          {hidden}
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


def _people(con: duckdb.DuckDBPyConnection, resident_ids: list[str]) -> dict[str, dict]:
    """{resident_id: {resident_id, name, dob}} of those of `resident_ids` in golden_residents: one lookup by
    resident ID each (UNION ALL), which reads only the row groups holding them; a join would read every
    resident."""
    if not resident_ids:
        return {}
    one = "SELECT resident_id, concat_ws(' ', forename, surname) AS name, dob FROM golden_residents WHERE resident_id = "
    rows = _rows(con, " UNION ALL ".join(one + _literal(r) for r in sorted(set(resident_ids))))
    return {r["resident_id"]: r for r in rows}


def _household(con: duckdb.DuckDBPyConnection, uprn: str | None) -> list[dict]:
    """Who lives at the resident's current address now, eldest first (those without a date of birth last)."""
    ids = [r for row in con.execute(f"SELECT resident_ids FROM households WHERE uprn = {_literal(uprn)}").fetchall()
           for r in row[0] or []]
    people = _people(con, ids)
    return sorted((people[r] for r in ids if r in people),
                  key=lambda m: (m["dob"] is None, m["dob"] or date.min, m["resident_id"]))


def _relationships(con: duckdb.DuckDBPyConnection, resident_id: str) -> list[dict]:
    rows = _rows(con, """SELECT type, related_resident_id, since, evidence FROM relationships WHERE resident_id = ?
                         ORDER BY type, related_resident_id""", resident_id)
    people = _people(con, [r["related_resident_id"] for r in rows])
    return [{"type": r["type"], "related_resident_id": r["related_resident_id"],
             "related_name": people[r["related_resident_id"]]["name"], "since": r["since"], "evidence": r["evidence"]}
            for r in rows if r["related_resident_id"] in people]


def show(con: duckdb.DuckDBPyConnection, resident_id: str) -> dict | None:
    shown = ", ".join(f"{VALUES[a]} AS __shown_{a}" for a in LINEAGE if a in VALUES)
    golden = _rows(con, f"SELECT *, {shown} FROM golden_residents WHERE resident_id = ?", resident_id)
    if not golden:
        return None
    g = golden[0]
    lineage = []
    for attribute in LINEAGE:
        value = g[f"__shown_{attribute}" if attribute in VALUES else attribute]
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
        "household": _household(con, g["uprn"]),
        "household_changes": _rows(con, """SELECT resident_id, change, change_date, evidence FROM household_changes
                                           WHERE uprn = ? ORDER BY change_date DESC LIMIT 20""", g["uprn"]),
        "relationships": _relationships(con, resident_id),
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
