"""Subject access (UK GDPR article 15): everything the index holds about one resident, and nothing about
anyone else, as a folder with report.html (to read) and subject_access.json (to process).

What it holds, from the warehouse (read-only) and the landed files:
- every source record the crosswalk maps to them: the row as it landed in each extract (read back from the
  file with its source spec), and as it was staged, extract by extract;
- the golden record's attributes, each with the system, record and date it came from; names used, services;
- addresses, their own household changes, the timeline; the household as a count of other people;
- relationships by type, date and evidence, the other person never named or identified;
- matching: how each record was linked (rule or model, probability), the scored pairs between their own
  records, and how many comparisons with other people's records were made (never which);
- review verdicts and review queue entries on their records (the other side withheld when it is not theirs);
- every other table that holds their resident ID (the officer lists, derived tables), other people's IDs,
  records and lists scrubbed; cases on which they appear only as a related person are counted;
- erasure and restriction requests, and every audit entry of a lookup that showed them.

Third parties: any value that is another resident's ID or another person's record ID is replaced by
"[another person]" / "[another person's record]", including inside free text.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from resident_index import settings
from resident_index.files import private_dir
from resident_index.protection import audit, rights
from resident_index.tables import has_table

TABLES = ("golden_residents", "resident_addresses", "households", "household_changes", "relationships",
          "resident_events", "resident_crosswalk", "audit_log")
#: tables a SAR reads in its own way (the rest with a resident_id column are read as lists / derived tables)
OWN_WAY = {"golden_residents", "resident_addresses", "households", "household_changes", "relationships",
           "resident_events", "resident_crosswalk", "review_queue", "resident_id_history"}
OTHER_PERSON = "[another person]"
OTHER_RECORD = "[another person's record]"
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/.:-]*[A-Za-z0-9]")


class NoSuchResident(LookupError):
    pass


def _rows(con, sql: str, params=()) -> list[dict]:
    result = con.execute(sql, list(params))
    cols = [d[0] for d in result.description]
    return [dict(zip(cols, r)) for r in result.fetchall()]




class Scrubber:
    """Replaces other people's resident IDs and record IDs, wherever they are, in any JSON-like value."""

    def __init__(self, con, subject: str, own_records: set[str]):
        self.subject = subject
        self.others = {r for (r,) in con.execute("SELECT DISTINCT resident_id FROM resident_crosswalk "
                                                 "WHERE resident_id <> ?", [subject]).fetchall()}
        if has_table(con, "resident_id_history"):
            self.others |= {r for (r,) in con.execute(
                "SELECT DISTINCT resident_id FROM resident_id_history WHERE resident_id <> ? UNION "
                "SELECT DISTINCT related_id FROM resident_id_history WHERE related_id IS NOT NULL AND related_id <> ?",
                [subject, subject]).fetchall()}
        own_ids = {r.split("|", 1)[1] for r in own_records}
        self.other_records = {r for (r,) in con.execute(
            "SELECT DISTINCT source_record_id FROM resident_crosswalk WHERE resident_id <> ?", [subject]).fetchall()
            } - own_ids
        self.other_keys = {f"{s}|{r}" for s, r in con.execute(
            "SELECT source_system, source_record_id FROM resident_crosswalk WHERE resident_id <> ?", [subject]
        ).fetchall()} - own_records

    def text(self, value: str) -> str:
        if value in self.other_keys or value in self.other_records:
            return OTHER_RECORD
        if value in self.others:
            return OTHER_PERSON

        def swap(m: re.Match) -> str:
            token = m.group(0)
            if token in self.others:
                return OTHER_PERSON
            if token in self.other_records:
                return OTHER_RECORD
            return token

        return TOKEN.sub(swap, value)

    def __call__(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        return value


def _raw_rows(con, wanted: dict[tuple[str, date], set[int]]) -> dict[tuple[str, str, int], dict | str]:
    """(system, extract_date, row_number) -> the row as landed ({source column: text}), read back from each
    extract file with its source spec; a note where the file is no longer in the landing folder."""
    from resident_index.sources.landing import ExtractError, read_extract, source_column
    from resident_index.sources.spec import load_registry

    specs = {s.name: s for s in load_registry()}
    out: dict = {}
    for (system, day), numbers in sorted(wanted.items()):
        found = con.execute("SELECT file_path FROM landing_log WHERE source_system = ? AND extract_date = ?",
                            [system, day]).fetchone()
        path = Path(found[0]) if found else None
        if system not in specs or path is None or not path.exists():
            for n in numbers:
                out[(system, str(day), n)] = "the extract file is no longer in the landing folder"
            continue
        try:
            frame = read_extract(specs[system], path).frame
        except ExtractError as exc:
            for n in numbers:
                out[(system, str(day), n)] = f"the extract can no longer be read: {exc}"
            continue
        for row in frame.filter(frame["row_number"].is_in(sorted(numbers))).to_dicts():
            n = row.pop("row_number")
            out[(system, str(day), n)] = {source_column(k): v for k, v in row.items()}
    return out


def gather(con: duckdb.DuckDBPyConnection, resident_id: str) -> dict:
    """Everything held about `resident_id` (see the module docstring), other people scrubbed."""
    from resident_index.golden import lookup

    records = _rows(con, """SELECT source_system, source_record_id, linked_by, match_probability, first_seen,
                                   last_seen FROM resident_crosswalk WHERE resident_id = ? ORDER BY ALL""", [resident_id])
    person = lookup.show(con, resident_id)
    requests = [r for r in rights.requests() if r["resident_id"] == resident_id]
    lookups = audit.entries_about(resident_id)
    if person is None and not records and not requests and not lookups:
        raise NoSuchResident(f"no resident {resident_id} in the index, its requests or its audit log")
    own = {f"{r['source_system']}|{r['source_record_id']}" for r in records}
    scrub = Scrubber(con, resident_id, own)

    # every source record: as staged (each extract) and as landed
    staged, wanted = [], {}
    for system in sorted({r["source_system"] for r in records}):
        if not has_table(con, system, "staging"):
            continue
        ids = [r["source_record_id"] for r in records if r["source_system"] == system]
        for row in _rows(con, f'SELECT * FROM staging."{system}" WHERE source_record_id IN '
                              f'(SELECT unnest(?::VARCHAR[])) ORDER BY source_record_id, extract_date', [ids]):
            staged.append(row)
            wanted.setdefault((system, row["extract_date"]), set()).add(row["row_number"])
    raw = _raw_rows(con, wanted)
    source_records = []
    for r in records:
        versions = [s for s in staged if s["source_system"] == r["source_system"] and
                    s["source_record_id"] == r["source_record_id"]]
        source_records.append({**r, "extracts": [{
            "extract_date": s["extract_date"], "row_number": s["row_number"],
            "as_landed": raw.get((s["source_system"], str(s["extract_date"]), s["row_number"])),
            "as_staged": {k: v for k, v in s.items() if k not in ("source_system", "source_record_id")}}
            for s in versions]})

    # golden record, without anyone else
    golden = {}
    if person is not None:
        current_uprn = next((a["uprn"] for a in person["addresses"] if a.get("is_current_address")), None)
        golden = {
            "attributes": person["golden"], "names_used": person["names_used"], "services": person["services"],
            "deceased": person["deceased"], "addresses": person["addresses"], "timeline": person["timeline"],
            "household": {"uprn": current_uprn, "other_people_at_this_address": len(person["household"]) - 1
                          if any(m["resident_id"] == resident_id for m in person["household"])
                          else len(person["household"])},
            "household_changes": [c for c in person["household_changes"] if c["resident_id"] == resident_id],
            "relationships": [{"type": r["type"], "since": r["since"], "with": OTHER_PERSON,
                               "evidence": [{"source": e.get("source"), "group_ref": e.get("group_ref"),
                                             "record": e.get("record") if e.get("record") and
                                             f"{e.get('source')}|{e.get('record')}" in own else None}
                                            for e in r["evidence"] or []]}
                              for r in person["relationships"]],
        }

    # matching: pairs among their own records; comparisons with others counted only
    uid_own = sorted(own)
    pairs, cross = [], 0
    if has_table(con, "resolution_pairs") and uid_own:
        for p in _rows(con, """SELECT unique_id_l, unique_id_r, match_probability, match_weight FROM resolution_pairs
                               WHERE unique_id_l IN (SELECT unnest(?::VARCHAR[])) OR unique_id_r IN (SELECT unnest(?::VARCHAR[]))
                               ORDER BY ALL""", [uid_own, uid_own]):
            if p["unique_id_l"] in own and p["unique_id_r"] in own:
                pairs.append(p)
            else:
                cross += 1
    reviews = []
    for table in ("review_decisions", "review_queue"):
        if not has_table(con, table) or not uid_own:
            continue
        for row in _rows(con, f"""SELECT * FROM {table} WHERE unique_id_l IN (SELECT unnest(?::VARCHAR[]))
                                  OR unique_id_r IN (SELECT unnest(?::VARCHAR[])) ORDER BY unique_id_l, unique_id_r""",
                         [uid_own, uid_own]):
            kept = {"table": table}
            for side in ("l", "r"):
                theirs = row[f"unique_id_{side}"] in own
                for k, v in row.items():
                    if k.endswith(f"_{side}"):
                        kept[k] = v if theirs else OTHER_RECORD if k.startswith("unique_id") else None
            for k in ("verdict", "reviewer", "note", "decided_at", "match_probability", "reason", "priority"):
                if k in row:
                    kept[k] = row[k]
            reviews.append(kept)

    # every other table that holds their resident ID: lists they are on, derived tables
    lists, related_on = {}, {}
    tables = [t for (t,) in con.execute("""SELECT DISTINCT table_name FROM information_schema.columns
                                           WHERE table_schema = 'main' AND column_name = 'resident_id'
                                           ORDER BY 1""").fetchall() if t not in OWN_WAY]
    for table in tables:
        rows = _rows(con, f'SELECT * FROM "{table}" WHERE resident_id = ?', [resident_id])
        if rows:
            lists[table] = [scrub({k: (len(v) if k == "related_residents" and isinstance(v, list) else v)
                                   for k, v in row.items()}) for row in rows]
        columns = [c for (c,) in con.execute("""SELECT column_name FROM information_schema.columns
                                                WHERE table_name = ? AND data_type = 'VARCHAR[]'""", [table]).fetchall()]
        for column in columns:
            n = con.execute(f'SELECT count(*) FROM "{table}" WHERE list_contains("{column}", ?) AND '
                            f'coalesce(resident_id, \'\') <> ?', [resident_id, resident_id]).fetchone()[0]
            if n:
                related_on[f"{table}.{column}"] = n
    history = _rows(con, "SELECT * FROM resident_id_history WHERE resident_id = ? ORDER BY recorded_at",
                    [resident_id]) if has_table(con, "resident_id_history") else []

    shown = [{"seq": e["seq"], "at": e["at"], "user": e.get("user"), "purpose": e.get("purpose"),
              "action": e["action"], "outcome": e["outcome"], "table": e.get("table"),
              "with_other_people": len(set(e.get("residents") or []) - {resident_id})} for e in lookups]
    return scrub({
        "resident_id": resident_id,
        "source_records": source_records,
        "golden_record": golden,
        "matching": {"records_linked": [{k: r[k] for k in ("source_system", "source_record_id", "linked_by",
                                                            "match_probability")} for r in records],
                     "pairs_between_own_records": pairs,
                     "comparisons_with_other_peoples_records": cross,
                     "id_history": history},
        "review": reviews,
        "lists_and_derived_tables": lists,
        "appears_as_a_related_person_on": related_on,
        "requests": [{k: r.get(k) for k in ("seq", "at", "kind", "reason", "reference", "allowed_purposes",
                                             "records")} for r in requests],
        "lookups_of_them": shown,
    })


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return html.escape(json.dumps(value, default=str, ensure_ascii=False))
    return html.escape(str(value))


def _table(rows: list[dict]) -> str:
    if not rows:
        return "<p>None held.</p>"
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(held: dict, meta: dict) -> str:
    g = held["golden_record"] or {}
    parts = [f"<h1>Information held about resident {html.escape(held['resident_id'])}</h1>",
             f"<p>{html.escape(meta['controller'])}. Prepared {html.escape(meta['generated_at'])} by "
             f"{html.escape(meta['generated_by'])} under UK GDPR article 15, from the index {html.escape(meta['as_at'])}. "
             "Information about other people is withheld: they are shown as “[another person]”.</p>",
             "<h2>Your record in the index (golden record)</h2>", _table(g.get("attributes", [])),
             f"<p>Names used: {_cell(g.get('names_used'))}. Council services that hold a record of you: "
             f"{_cell(g.get('services'))}.</p>",
             "<h2>Addresses</h2>", _table(g.get("addresses", [])),
             "<h2>Household</h2>", _table([g["household"]] if g.get("household") else []),
             _table(g.get("household_changes", [])),
             "<h2>Relationships recorded</h2>", _table(g.get("relationships", [])),
             "<h2>Timeline</h2>", _table(g.get("timeline", [])),
             "<h2>Records from council systems</h2>"]
    for r in held["source_records"]:
        parts.append(f"<h3>{html.escape(r['source_system'])} record {html.escape(str(r['source_record_id']))}</h3>"
                     f"<p>Linked by {html.escape(str(r['linked_by']))} (probability {_cell(r['match_probability'])}); "
                     f"first seen {_cell(r['first_seen'])}, last seen {_cell(r['last_seen'])}.</p>")
        for e in r["extracts"]:
            parts.append(f"<h4>Extract of {_cell(e['extract_date'])}, row {_cell(e['row_number'])}</h4>"
                         "<p>As received:</p>" + (_table([e["as_landed"]]) if isinstance(e["as_landed"], dict)
                                                  else f"<p>{_cell(e['as_landed'])}</p>")
                         + "<p>As the index holds it:</p>" + _table([e["as_staged"]]))
    m = held["matching"]
    parts += ["<h2>How your records were matched</h2>", _table(m["records_linked"]),
              "<p>Scores between your own records:</p>", _table(m["pairs_between_own_records"]),
              f"<p>Your records were also compared with {m['comparisons_with_other_peoples_records']} record(s) of "
              "other people and found not to be you (which ones is withheld).</p>",
              _table(m["id_history"]),
              "<h2>Review of matches by staff</h2>", _table(held["review"]),
              "<h2>Lists and tables you appear on</h2>"]
    for table, rows in held["lists_and_derived_tables"].items():
        parts += [f"<h3>{html.escape(table)}</h3>", _table(rows)]
    if held["appears_as_a_related_person_on"]:
        parts += ["<p>You are also named as a related person in entries about someone else (withheld; the "
                  "information governance officer decides on their disclosure):</p>",
                  _table([{"where": k, "entries": v} for k, v in held["appears_as_a_related_person_on"].items()])]
    parts += ["<h2>Your requests (erasure, restriction)</h2>", _table(held["requests"]),
              "<h2>Who has looked at your record</h2>", _table(held["lookups_of_them"])]
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse;margin:.5em 0}"
             "td,th{border:1px solid #999;padding:2px 6px;font-size:90%;vertical-align:top}th{background:#eee}")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Subject access: "
            f"{html.escape(held['resident_id'])}</title><style>{style}</style></head><body>{''.join(parts)}</body></html>")


def subject_access(grant, con: duckdb.DuckDBPyConnection, resident_id: str, out: Path | None = None) -> Path:
    """Write the folder; audit it. Returns the folder."""
    held = gather(con, resident_id)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    folder = private_dir(Path(out) if out else settings.data_dir() / "sar" / f"{resident_id}-{now:%Y%m%dT%H%M%S}")
    meta = {"generated_at": now.isoformat().replace("+00:00", "Z"), "generated_by": grant.user,
            "purpose": grant.purpose_id, "controller": grant.protection.organisation.controller,
            "as_at": "the warehouse, extracts to {}".format(
                con.execute("SELECT max(last_seen) FROM resident_crosswalk").fetchone()[0])}
    (folder / "subject_access.json").write_text(json.dumps({"about": meta, **held}, indent=2, default=str,
                                                           ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "report.html").write_text(render_html(held, meta), encoding="utf-8")
    grant.audit(residents=[resident_id], table="resident_crosswalk", rows=len(held["source_records"]),
                detail={"folder": str(folder)})
    return folder
