"""Owners' answers to their worklists, landed back as files: data/landing/feedback_responses/<system>/<date>.csv.

A file is a CSV with a header holding at least `suggestion_id` and `response` (the worklist itself, with its
response column filled in, is one); `note` is kept if present. Responses: fixed, rejected, not ours. Rows with
no response are skipped (not answered yet). Every file is read again on every build, so the table always
equals what has landed; a bad row (unknown suggestion, another system's suggestion, a response not in the
list) is kept in feedback_response_problems with its file, row and column, and never silently dropped.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import duckdb

from resident_index.settings import landing_dir

FOLDER = "feedback_responses"
RESPONSES = {"fixed": "fixed", "rejected": "rejected", "not ours": "not_ours", "not_ours": "not_ours"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

DDL = """
CREATE OR REPLACE TABLE feedback_responses (
    source_system VARCHAR, file VARCHAR, row BIGINT, suggestion_id VARCHAR, response VARCHAR, note VARCHAR,
    responded_on DATE);
CREATE OR REPLACE TABLE feedback_response_problems (
    source_system VARCHAR, file VARCHAR, row BIGINT, column_name VARCHAR, problem VARCHAR);
"""


def responses_dir() -> Path:
    return landing_dir() / FOLDER


def land_responses(con: duckdb.DuckDBPyConnection, systems: list[str]) -> dict:
    """Tables feedback_responses and feedback_response_problems from every response file landed; the
    suggestions answered must be in feedback_suggestion_log, for the system whose folder holds the file."""
    con.execute(DDL)
    rows, problems = [], []
    root = responses_dir()
    files = sorted(p for p in root.glob("*/*") if p.is_file()) if root.is_dir() else []
    for path in files:
        name = f"{path.parent.name}/{path.name}"
        system = path.parent.name
        if system not in systems:
            problems.append((system, name, None, None, f"no source system is named {system!r}; expected a folder "
                                                       f"named for one of {sorted(systems)}"))
            continue
        if path.suffix.lower() != ".csv" or not _DATE.match(path.stem) or not _is_date(path.stem):
            problems.append((system, name, None, None, "not a response file: expected <YYYY-MM-DD>.csv (save the "
                                                       "worklist as CSV, named for the day you answered)"))
            continue
        responded_on = date.fromisoformat(path.stem)
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = {h.strip().lower(): h for h in (reader.fieldnames or [])}
            missing = [c for c in ("suggestion_id", "response") if c not in header]
            if missing:
                problems.append((system, name, 1, ", ".join(missing), f"header lacks {', '.join(missing)}"))
                continue
            for number, record in enumerate(reader, start=2):
                sid = (record.get(header["suggestion_id"]) or "").strip().upper()
                answer = (record.get(header["response"]) or "").strip().lower().replace("-", " ")
                note = (record.get(header["note"]) or "").strip() or None if "note" in header else None
                if not answer:
                    continue
                if answer not in RESPONSES:
                    problems.append((system, name, number, header["response"],
                                     f"response {answer!r} is not one of fixed, rejected, not ours"))
                    continue
                if not sid:
                    problems.append((system, name, number, header["suggestion_id"], "no suggestion id"))
                    continue
                rows.append((system, name, number, sid, RESPONSES[answer], note, responded_on))
    if rows:
        con.executemany("INSERT INTO feedback_responses VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    # answers to suggestions the index never raised, or raised to another system
    con.execute("""
        INSERT INTO feedback_response_problems
        SELECT r.source_system, r.file, r.row, 'suggestion_id',
               CASE WHEN l.suggestion_id IS NULL THEN 'no suggestion ' || r.suggestion_id || ' was ever raised'
                    ELSE 'suggestion ' || r.suggestion_id || ' was raised to ' || l.source_system || ', not ' || r.source_system END
        FROM feedback_responses r LEFT JOIN feedback_suggestion_log l USING (suggestion_id)
        WHERE l.suggestion_id IS NULL OR l.source_system <> r.source_system""")
    con.execute("""DELETE FROM feedback_responses r WHERE NOT EXISTS (
                       SELECT 1 FROM feedback_suggestion_log l
                       WHERE l.suggestion_id = r.suggestion_id AND l.source_system = r.source_system)""")
    if problems:
        con.executemany("INSERT INTO feedback_response_problems VALUES (?, ?, ?, ?, ?)", problems)
    responses, bad = con.execute("SELECT (SELECT count(*) FROM feedback_responses), "
                                 "(SELECT count(*) FROM feedback_response_problems)").fetchone()
    return {"response_files": len(files), "responses": responses, "response_problems": bad}


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False
