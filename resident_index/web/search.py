"""Find a resident by whatever the caller has: any name they have used (with a date of birth), an address
or postcode (now or in the past), a UPRN, an NHS or NI number, or a resident ID (a retired one redirects
to the ID its records went to). Reads the read snapshot; values are quoted literals as in golden/lookup.py.
"""

from __future__ import annotations

import re
from datetime import date

import duckdb

from resident_index.golden import lookup
from resident_index.golden.lookup import _literal
from resident_index.tables import has_table

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
NI_NUMBER = re.compile(r"^[A-Z]{2}[0-9]{6}[A-D]?$")
RESIDENT_ID = re.compile(r"^R[0-9]+$")

COLUMNS = """g.resident_id, concat_ws(' ', g.forename, g.middle_names, g.surname) AS name, g.dob, g.postcode,
             g.address, g.services, g.deceased"""


def _rows(con, sql: str, matched_on: str) -> list[dict]:
    result = con.execute(sql)
    cols = [d[0] for d in result.description]
    return [{**dict(zip(cols, r)), "matched_on": matched_on} for r in result.fetchall()]


def current_id(con: duckdb.DuckDBPyConnection, resident_id: str) -> str | None:
    """The resident ID now holding `resident_id`'s records: itself if it is a resident, else the ID it was
    merged into (followed through later merges), else None."""
    seen = set()
    rid = resident_id
    while rid not in seen:
        seen.add(rid)
        if con.execute(f"SELECT 1 FROM golden_residents WHERE resident_id = {_literal(rid)}").fetchone():
            return rid
        if not has_table(con, "resident_id_history"):
            return None
        row = con.execute(f"""SELECT related_id FROM resident_id_history
                              WHERE event = 'merge' AND resident_id = {_literal(rid)}
                              ORDER BY recorded_at DESC LIMIT 1""").fetchone()
        if row is None or row[0] is None:
            return None
        rid = row[0]
    return None


def kind_of(text: str) -> str:
    """What the search text is: resident_id, nhs_number, ni_number, postcode, uprn, address or name."""
    t = text.strip().upper()
    compact = re.sub(r"\s+", "", t)
    if RESIDENT_ID.fullmatch(compact):
        return "resident_id"
    if POSTCODE.fullmatch(t) or POSTCODE.fullmatch(compact):
        return "postcode"
    if NI_NUMBER.fullmatch(compact):
        return "ni_number"
    if re.fullmatch(r"[0-9]{10}", compact) and re.fullmatch(r"[0-9 ]+", t):
        return "nhs_number"  # a 10-digit UPRN is searched too (search() below)
    if re.fullmatch(r"[0-9]{1,12}", compact):
        return "uprn"
    if re.search(r"[0-9]", t):
        return "address"
    return "name"


def search(con: duckdb.DuckDBPyConnection, text: str, dob: date | None = None, limit: int = 25,
           exclude: set[str] | frozenset = frozenset()) -> list[dict]:
    """Residents the text finds, best first, each with what it matched on."""
    kind = kind_of(text)
    t = text.strip().upper()
    compact = re.sub(r"\s+", "", t)
    hidden = f"AND g.resident_id NOT IN ({', '.join(map(_literal, sorted(exclude)))})" if exclude else ""
    dob_sql = f"AND g.dob = {_literal(dob.isoformat())}::DATE" if dob else ""
    if kind == "name":
        found = lookup.find(con, text, dob, limit=limit, exclude=exclude)
        return [{**f, "matched_on": "name" + (" and date of birth" if dob else "")} for f in found]
    if kind == "resident_id":
        now = current_id(con, compact)
        if now is None:
            return []
        rows = _rows(con, f"SELECT {COLUMNS} FROM golden_residents g WHERE g.resident_id = {_literal(now)} {hidden}",
                     "resident ID" if now == compact else f"former resident ID {compact} (merged into {now})")
        return rows
    if kind == "nhs_number":
        rows = _rows(con, f"SELECT {COLUMNS} FROM golden_residents g WHERE g.nhs_number = {_literal(compact)} "
                          f"{hidden} {dob_sql} LIMIT {int(limit)}", "NHS number")
        seen = {r["resident_id"] for r in rows}
        return rows + [r for r in search_uprn(con, compact, hidden, dob_sql, limit) if r["resident_id"] not in seen]
    if kind == "ni_number":
        return _rows(con, f"SELECT {COLUMNS} FROM golden_residents g WHERE left(g.ni_number, 8) = "
                          f"{_literal(compact[:8])} {hidden} {dob_sql} LIMIT {int(limit)}", "NI number")
    if kind == "uprn":
        return search_uprn(con, compact, hidden, dob_sql, limit)
    if kind == "postcode":
        pc = compact[:-3] + " " + compact[-3:]
        # staging writes every postcode in this one form (standardise/postcodes.py): an equality DuckDB applies
        # to the postcode column alone, not a replace() of every address's
        return _rows(con, f"""SELECT {COLUMNS}, bool_or(a.is_current_address) AS lives_there_now
                              FROM resident_addresses a JOIN golden_residents g USING (resident_id)
                              WHERE a.postcode = {_literal(pc)} {hidden} {dob_sql}
                              GROUP BY ALL ORDER BY lives_there_now DESC, name
                              LIMIT {int(limit)}""", f"postcode {pc}")
    words = [w for w in re.split(r"[^A-Z0-9]+", t) if w]
    cond = " AND ".join(f"contains(a.address, {_literal(w)})" for w in words) or "false"
    return _rows(con, f"""SELECT {COLUMNS}, bool_or(a.is_current_address) AS lives_there_now
                          FROM resident_addresses a JOIN golden_residents g USING (resident_id)
                          WHERE {cond} {hidden} {dob_sql}
                          GROUP BY ALL ORDER BY lives_there_now DESC, name
                          LIMIT {int(limit)}""", "address")


def search_uprn(con, uprn: str, hidden: str, dob_sql: str, limit: int) -> list[dict]:
    return _rows(con, f"""SELECT {COLUMNS}, bool_or(a.is_current_address) AS lives_there_now
                          FROM resident_addresses a JOIN golden_residents g USING (resident_id)
                          WHERE a.uprn = {_literal(uprn)} {hidden} {dob_sql}
                          GROUP BY ALL ORDER BY lives_there_now DESC LIMIT {int(limit)}""", f"UPRN {uprn}")
