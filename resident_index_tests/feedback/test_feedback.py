"""Quality feedback to the source systems, on the 400-resident built council (the session fixture): the lists
and worklists exist in each system's own terms; an owner's response changes the next run's worklist; the
change feed records what changed; the checks and the rule file fail when they should.

Tests that answer or change things work on a copy of the built data folder, so the shared build stays as it is.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster_duckdb import DuckDBResource

from resident_index.council import BUNDLED_COUNCIL as BUNDLED, CouncilConfigError
from resident_index.defs.feedback import assets as fb
from resident_index.sources.spec import load_registry


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def council_copy(built_council, tmp_path, monkeypatch) -> dict:
    """A copy of the built council's data folder (warehouse and exports) and config folder, in use."""
    data, council = tmp_path / "data", tmp_path / "council"
    shutil.copytree(built_council["data"], data, ignore=shutil.ignore_patterns("dagster", "dagster_home"))
    shutil.copytree(built_council["registry"].parent, council)
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(data))
    monkeypatch.setenv("RESIDENT_INDEX_COUNCIL_DIR", str(council))
    return {"data": data, "council": council, "warehouse": data / "warehouse.duckdb"}


def _materialize(copy: dict, *assets) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        return dg.materialize(list(assets), instance=instance, raise_on_error=True,
                              resources={"warehouse": DuckDBResource(database=str(copy["warehouse"]))})


def _respond(copy: dict, system: str, day: str, answers: list[tuple[str, str]]) -> Path:
    folder = copy["data"] / "landing" / "feedback_responses" / system
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{day}.csv"
    path.write_text("suggestion_id,response,note\n" + "".join(f"{s},{r},\n" for s, r in answers), encoding="utf-8")
    return path


def test_each_system_gets_a_worklist_in_its_own_columns_ids_first(built_council):
    specs = {s.name: s for s in load_registry(built_council["registry"])}
    exports = built_council["data"] / "exports" / "feedback"
    con = duckdb.connect(str(built_council["warehouse"]), read_only=True)
    listed = dict(con.execute("SELECT source_system, count(*) FROM feedback_worklist GROUP BY 1").fetchall())
    assert sum(listed.values()) > 0 and con.execute("SELECT count(*) FROM feedback_discrepancies").fetchone()[0] > 0
    for name, spec in specs.items():
        rows = _rows(exports / name / "worklist.csv")
        assert (exports / name / "worklist.xlsx").stat().st_size > 0 and (exports / name / "scorecard.html").is_file()
        with (exports / name / "worklist.csv").open(encoding="utf-8") as f:
            header = f.readline().strip().split(",")
        id_column = spec.columns["source_record_id"]
        assert header[:2] == ["suggestion_id", id_column], name  # ids first, under the system's own key column
        assert len(rows) == listed.get(name, 0)
        mapped = set(spec.source_columns())
        for row in rows:  # the columns to change are the system's own, from its YAML
            if not row["column"].startswith("(no column"):
                assert set(row["column"].split(", ")) <= mapped, (name, row["column"])
        priorities = [float(r["confidence"]) * float(r["impact"]) for r in rows]
        assert priorities == sorted(priorities, reverse=True), name
    # a system's own codes: a record still active after death is asked for the system's own ended code
    for name, spec in specs.items():
        for row in _rows(exports / name / "worklist.csv"):
            if row["what"] == "still active after death" and row["column"] == spec.columns.get("status"):
                assert row["suggested_value"] in spec.codes.status, (name, row)
    con.close()


def test_a_landed_response_changes_the_next_runs_worklist(council_copy):
    copy = council_copy
    con = duckdb.connect(str(copy["warehouse"]))
    system, extract = con.execute("""SELECT source_system, any_value(extract_date) FROM feedback_worklist
                                     GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""").fetchone()
    rejected, fixed, not_ours, fixed_later = [r[0] for r in con.execute(
        """SELECT suggestion_id FROM feedback_worklist WHERE source_system = ?
           ORDER BY priority DESC, suggestion_id LIMIT 4""", [system]).fetchall()]
    # the owner fixed one in their system: the next extract no longer holds the record as it was
    record = con.execute("SELECT source_record_id FROM feedback_worklist WHERE suggestion_id = ?", [fixed]).fetchone()[0]
    con.execute("UPDATE person_records SET is_current = false WHERE source_system = ? AND source_record_id = ?",
                [system, record])
    con.close()
    # answered the day before the latest extract, so that extract is the next one after the answers
    day_before = str(extract - __import__("datetime").timedelta(days=1))
    _respond(copy, system, day_before, [(rejected, "rejected"), (fixed, "fixed"), (not_ours, "not ours"),
                                        (fixed_later, "fixed")])
    _materialize(copy, fb.feedback_discrepancies, fb.feedback_missing, fb.feedback_duplicates, fb.feedback_worklists,
                 fb.feedback_scorecards)

    rows = {r["suggestion_id"]: r for r in _rows(copy["data"] / "exports" / "feedback" / system / "worklist.csv")}
    assert rejected not in rows and not_ours not in rows  # never raised again
    assert fixed not in rows
    # reported fixed, but the extract after the answer still holds it: listed again, saying so
    assert rows[fixed_later]["status"].startswith(f"reported fixed on {day_before}, still in the extract of")
    con = duckdb.connect(str(copy["warehouse"]), read_only=True)
    outcomes = dict(con.execute("SELECT suggestion_id, outcome FROM feedback_outcomes WHERE suggestion_id IN (?, ?, ?, ?)",
                                [rejected, fixed, not_ours, fixed_later]).fetchall())
    assert outcomes == {rejected: "rejected", fixed: "fix_confirmed", not_ours: "not_ours", fixed_later: "fix_not_seen"}
    card = con.execute(
        """SELECT fixes_confirmed, fixes_not_seen, rejected, not_ours, fix_rate FROM feedback_scorecard_history
           WHERE source_system = ? AND extract_date = ?""", [system, extract]).fetchone()
    assert card[:4] == (1, 1, 1, 1) and card[4] > 0  # counted on the scorecard
    # a rejection stands on later runs too, though the index still finds the same thing
    assert con.execute("SELECT count(*) FROM feedback_suggestion_log WHERE suggestion_id = ? AND last_raised = ?",
                       [rejected, extract]).fetchone()[0] == 1
    con.close()

    # the same answers landed again the day of the extract: a fix is awaited, not yet checked
    _respond(copy, system, str(extract), [(fixed_later, "fixed")])
    _materialize(copy, fb.feedback_worklists)
    rows = {r["suggestion_id"] for r in _rows(copy["data"] / "exports" / "feedback" / system / "worklist.csv")}
    assert fixed_later not in rows


def test_a_record_at_an_address_the_resident_left_is_asked_to_move_them_where_the_evidence_shows(council_copy):
    """A liability (a system whose record ends when the person leaves) ended at the golden record's address:
    the resident's other records there are raised, with that reason, towards their live address elsewhere,
    though the golden record (built before) still holds the address they left."""
    copy = council_copy
    move_out = [s.name for s in load_registry() if s.evidence.residence and s.evidence.residence.ends_on_move_out]
    con = duckdb.connect(str(copy["warehouse"]))
    day = con.execute("SELECT max(last_seen) FROM person_records").fetchone()[0]
    live = """SELECT c.resident_id, p.* FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id)
              WHERE p.is_current AND p.end_date IS NULL AND p.uprn IS NOT NULL"""
    resident, uprn, stays = con.execute(f"""
        WITH live AS ({live})
        SELECT g.resident_id, g.uprn, arg_min(o.source_system || '|' || o.source_record_id, o.source_record_id)
        FROM golden_residents g JOIN live m ON m.resident_id = g.resident_id AND m.uprn = g.uprn
        JOIN live o ON o.resident_id = g.resident_id AND o.uprn = g.uprn AND NOT list_contains($move_out, o.source_system)
         AND coalesce(o.start_date, o.first_seen) < $left
        JOIN live y ON y.resident_id = g.resident_id AND y.uprn <> g.uprn
        WHERE NOT g.deceased AND list_contains($move_out, m.source_system)
        GROUP BY ALL ORDER BY 1 LIMIT 1""", {"move_out": move_out, "left": day}).fetchone()
    elsewhere = {r[0] for r in con.execute(f"WITH live AS ({live}) SELECT uprn FROM live WHERE resident_id = ? AND uprn <> ?",
                                           [resident, uprn]).fetchall()}
    # the resident left: every liability or tenancy of theirs at the address ended the day before the extract
    left_on = day - __import__("datetime").timedelta(days=1)
    con.execute("""UPDATE person_records SET end_date = ? WHERE list_contains(?, source_system)
                   AND uprn = ? AND (source_system, source_record_id) IN
                       (SELECT (source_system, source_record_id) FROM resident_crosswalk WHERE resident_id = ?)""",
                [left_on, move_out, uprn, resident])
    con.close()
    _materialize(copy, fb.feedback_discrepancies)
    con = duckdb.connect(str(copy["warehouse"]), read_only=True)
    system, record = stays.split("|", 1)
    raised = con.execute("""SELECT golden_value, reason, record_support, golden_support FROM feedback_discrepancies
                            WHERE source_system = ? AND source_record_id = ? AND field = 'address'""",
                         [system, record]).fetchone()
    assert con.execute("SELECT uprn FROM golden_residents WHERE resident_id = ?", [resident]).fetchone()[0] == uprn
    con.close()
    assert raised is not None, (system, record)
    suggested, reason, record_support, golden_support = raised
    assert suggested in elsewhere and suggested != uprn
    assert reason.startswith("the resident left this address: ") and reason.endswith(f"shows them leaving on {left_on}")
    assert record_support == 0 and golden_support > 0  # the address left no longer supports itself


def test_a_bad_response_fails_its_check_naming_file_row_and_column(council_copy):
    copy = council_copy
    con = duckdb.connect(str(copy["warehouse"]), read_only=True)
    system, good = con.execute("SELECT source_system, min(suggestion_id) FROM feedback_worklist GROUP BY 1 ORDER BY 1 LIMIT 1").fetchone()
    con.close()
    _respond(copy, system, "2026-11-05", [(good, "maybe"), ("SNOTRAISED01", "fixed")])
    with dg.instance_for_test() as instance:
        result = dg.materialize([fb.feedback_worklists, fb.responses_readable], instance=instance,
                                resources={"warehouse": DuckDBResource(database=str(copy["warehouse"]))})
    [check] = result.get_asset_check_evaluations()
    assert not check.passed
    says = check.metadata["says"].value
    assert f"{system}/2026-11-05.csv row 2 column response: response 'maybe' is not one of fixed, rejected, not ours" in says
    assert f"{system}/2026-11-05.csv row 3 column suggestion_id: no suggestion SNOTRAISED01 was ever raised" in says


def test_a_system_disagreeing_on_too_much_fails_the_plausibility_check(council_copy):
    rules = council_copy["council"] / "quality_feedback.yaml"
    loaded = yaml.safe_load(rules.read_text())
    loaded["checks"]["max_discrepancy_rate"] = 0.0001
    rules.write_text(yaml.safe_dump(loaded))
    with dg.instance_for_test() as instance:
        result = dg.materialize([fb.feedback_discrepancies, fb.discrepancy_rate_plausible], instance=instance,
                                resources={"warehouse": DuckDBResource(database=str(council_copy["warehouse"]))})
    [check] = result.get_asset_check_evaluations()
    assert not check.passed and "disagree with the golden record (limit 0%)" in check.metadata["says"].value


def test_the_change_feed_appends_one_event_per_affected_record(council_copy):
    copy = council_copy
    con = duckdb.connect(str(copy["warehouse"]))
    assert con.execute("SELECT count(*) FROM change_feed").fetchone()[0] == 0  # one build: the baseline only
    # as if the last build had placed one resident elsewhere and not known another's death
    moved = con.execute("""SELECT g.resident_id FROM golden_residents g JOIN resident_crosswalk c USING (resident_id)
                           JOIN person_records p USING (source_system, source_record_id)
                           WHERE g.uprn IS NOT NULL AND NOT g.deceased AND p.is_current AND p.end_date IS NULL
                           GROUP BY 1 HAVING count(*) >= 2 ORDER BY 1 LIMIT 1""").fetchone()[0]
    con.execute("UPDATE change_feed_residents SET uprn = '0', address = 'WHERE THEY WERE' WHERE resident_id = ?", [moved])
    con.close()
    _materialize(copy, fb.change_feed)
    con = duckdb.connect(str(copy["warehouse"]), read_only=True)
    events = con.execute("""SELECT source_system, source_record_id, previous_value, pmir_event FROM change_feed
                            WHERE event_type = 'address_change' AND resident_id = ?""", [moved]).fetchall()
    live = con.execute("""SELECT count(*) FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id)
                          WHERE c.resident_id = ? AND p.is_current AND p.end_date IS NULL
                            AND coalesce(p.status NOT IN ('ended', 'cancelled', 'deceased'), true)""", [moved]).fetchone()[0]
    assert len(events) == live >= 2 and {e[2] for e in events} == {"WHERE THEY WERE"} and {e[3] for e in events} == {"update"}
    day = con.execute("SELECT max(last_seen) FROM person_records").fetchone()[0]
    total = con.execute("SELECT count(*) FROM change_feed").fetchone()[0]
    con.close()
    system, record = events[0][:2]
    export = _rows(copy["data"] / "exports" / "feedback" / system / "change_feed" / f"{day}.csv")
    assert record in {r["source_record_id"] for r in export}
    # append-only and idempotent: the next build (nothing changed) adds nothing and keeps what was there
    _materialize(copy, fb.change_feed)
    con = duckdb.connect(str(copy["warehouse"]), read_only=True)
    assert con.execute("SELECT count(*) FROM change_feed").fetchone()[0] == total
    con.close()


def test_the_rule_file_names_the_file_key_and_what_was_expected(tmp_path, monkeypatch):
    from resident_index.council import start_council_folder
    from resident_index.feedback.rules import load_rules

    folder = start_council_folder(tmp_path / "council", with_sources=True)
    monkeypatch.setenv("RESIDENT_INDEX_COUNCIL_DIR", str(folder))
    path = folder / "quality_feedback.yaml"
    loaded = yaml.safe_load(path.read_text())
    loaded["duplicates"]["several_allowed_in_systems"] = ["no_such_system"]
    loaded["duplicates"]["several_allowed_in_roles"] = ["lodger"]
    loaded["fields"]["dob"]["colour"] = "red"
    path.write_text(yaml.safe_dump(loaded))
    with pytest.raises(CouncilConfigError) as error:
        load_rules()
    message = str(error.value)
    assert str(path) in message
    assert "duplicates.several_allowed_in_systems: unknown system(s) ['no_such_system']" in message
    assert "duplicates.several_allowed_in_roles: unknown role(s) ['lodger']; expected canonical roles" in message
    assert "fields.dob.colour: unknown key" in message
    loaded = yaml.safe_load((BUNDLED / "quality_feedback.yaml").read_text())
    del loaded["fields"]["dob"]
    path.write_text(yaml.safe_dump(loaded))
    with pytest.raises(CouncilConfigError, match=r"fields: no impact and min_confidence for \['dob'\]"):
        load_rules()
