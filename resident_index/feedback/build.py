"""Quality feedback to the source systems: the lists, the worklists, the scorecards and the change feed.

SQL beside this file does the set-based work; this module loads the rules (quality_feedback.yaml), runs the
SQL in order and writes the files under data/exports/feedback/<system>/.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from resident_index.feedback import responses, scorecard_page, worklists
from resident_index.feedback.rules import FeedbackRules, load_rule_tables, load_rules
from resident_index.files import replaced_atomically
from resident_index.sources.spec import SourceSpec, load_registry
from resident_index.standardise.names import variants_table
from resident_index.transactions import transaction

HERE = Path(__file__).parent


def _sql(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute((HERE / name).read_text(encoding="utf-8"))


def prepare(con: duckdb.DuckDBPyConnection, sources: list[SourceSpec] | None = None,
            rules: FeedbackRules | None = None) -> tuple[list[SourceSpec], FeedbackRules]:
    """The rule tables and the records judged, with their golden values (temp tables: records.sql)."""
    from resident_index.marts import evidence
    from resident_index.resolution.resolve import NAMES_COMPATIBLE

    sources = load_registry() if sources is None else sources
    rules = load_rules(sources) if rules is None else rules
    load_rule_tables(con, rules, sources)
    evidence.load_rule_tables(con, sources=sources)  # _start_unknown, _move_out_systems: as the marts read them
    con.execute(NAMES_COMPATIBLE)
    _sql(con, "records.sql")
    variants_table(con, "_fb_forename_variants", "SELECT forename FROM _fb_records")
    return sources, rules


def build_lists(con: duckdb.DuckDBPyConnection, which: str) -> None:
    """Table feedback_<which> (discrepancies, missing or duplicates) from prepared temp tables."""
    with transaction(con):
        _sql(con, f"{which}.sql")


def as_of(con: duckdb.DuckDBPyConnection) -> date:
    return con.execute("SELECT max(last_seen) FROM person_records").fetchone()[0]


def build_worklists(con: duckdb.DuckDBPyConnection, sources: list[SourceSpec]) -> dict:
    """The suggestion log, the owners' responses, outcomes and the worklist files of every system."""
    with transaction(con):  # the log, the responses and what became of each suggestion agree
        _sql(con, "suggestions.sql")
        landed = responses.land_responses(con, [s.name for s in sources])
        _sql(con, "outcomes.sql")
    titles = {s.name: s.title for s in sources}
    listed = {r[0]: r[1] for r in con.execute("SELECT source_system, worklist FROM _fb_systems").fetchall()}
    day = as_of(con)
    files = {}
    for spec in sources:
        if not listed.get(spec.name):
            continue
        frame = worklists.worklist_frame(con, spec, titles)
        files[spec.name] = (frame.height, worklists.write_worklist(frame, spec.name, day))
    return {**landed, "worklists": files}


def build_scorecards(con: duckdb.DuckDBPyConnection, sources: list[SourceSpec], rules: FeedbackRules) -> dict:
    """feedback_scorecard_history's rows for each system's latest extract, and one HTML page per system."""
    fields = [(s.name, f) for s in sources for f in rules.scorecard.completeness_fields if f in s.columns]
    con.execute("CREATE OR REPLACE TEMP TABLE _fb_scorecard_fields (source_system VARCHAR, field VARCHAR)")
    if fields:
        con.executemany("INSERT INTO _fb_scorecard_fields VALUES (?, ?)", [list(f) for f in fields])
    with transaction(con):
        _sql(con, "scorecard.sql")
    pages = {}
    for spec in sources:
        history = con.execute("""SELECT * FROM feedback_scorecard_history WHERE source_system = ?
                                 ORDER BY extract_date""", [spec.name]).fetchdf()
        if history.empty:
            continue
        by_field = con.execute("""
            SELECT field, count(*) FILTER (listed) AS listed, count(*) AS found FROM (
                SELECT field, listed FROM feedback_discrepancies WHERE source_system = $s
                UNION ALL SELECT 'missing_' || field, listed FROM feedback_missing WHERE source_system = $s
                UNION ALL SELECT 'duplicate', listed FROM feedback_duplicates WHERE source_system = $s)
            GROUP BY field ORDER BY listed DESC, field""", {"s": spec.name}).fetchall()
        path = worklists.feedback_dir(spec.name) / "scorecard.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        with replaced_atomically(path) as partial:
            partial.write_text(scorecard_page.render(spec, history, by_field), encoding="utf-8")
        pages[spec.name] = path
    return pages


def build_change_feed(con: duckdb.DuckDBPyConnection, sources: list[SourceSpec]) -> dict:
    """Append this build's events to change_feed and write each system's export of the day's events:
    data/exports/feedback/<system>/change_feed/<date>.csv (written every build, empty when nothing changed)."""
    first = not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'change_feed_residents'"
                            ).fetchone()[0] or not con.execute("SELECT count(*) FROM change_feed_residents").fetchone()[0]
    with transaction(con):  # the events and the state they were computed against move together
        _sql(con, "change_feed.sql")
    day = as_of(con)
    files = {}
    for spec in sources:
        path = worklists.feedback_dir(spec.name) / "change_feed" / f"{day}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        events = con.execute("""
            SELECT event_id, event_date, event_type, pmir_event, source_record_id, resident_id, previous_resident_id,
                   previous_value, new_value, record_holds_new_value
            FROM change_feed WHERE source_system = ? AND event_date = ? ORDER BY event_id""", [spec.name, day]).pl()
        with replaced_atomically(path) as partial:
            events.write_csv(partial)
        files[spec.name] = (events.height, path)
    return {"baseline_only": first, "day": day, "files": files}
