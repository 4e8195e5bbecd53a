"""Readers never block writers: lookups and review read the snapshot, a verdict waits for a run (and is
kept if the run outlasts the wait), and a run's step waits for a lock held elsewhere, saying so."""

from __future__ import annotations

import time
import uuid

import dagster as dg
import duckdb
import pytest

from resident_index import read_snapshot
from resident_index.defs.resources import Warehouse
from resident_index.resolution.review import PENDING_FOLDER
from resident_index_tests.conftest import cli
from resident_index_tests.faults.compare import warehouse_digest
from resident_index_tests.faults.lock_helpers import Session, copy_council, is_free, locked

pytestmark = pytest.mark.faults

PROMPT = "[s]ame person / [d]ifferent people"


@pytest.fixture
def council(built_council, tmp_path):
    return copy_council(built_council, tmp_path)


def _rows(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _two_records(council, offset=0):
    [(left, right)] = _rows(council["warehouse"], f"""
        SELECT min(source_system || '|' || source_record_id), max(source_system || '|' || source_record_id)
        FROM resident_crosswalk GROUP BY resident_id HAVING count(*) = 2 ORDER BY resident_id LIMIT 1 OFFSET {offset}""")
    return left, right


def test_build_index_publishes_the_snapshot_whole_with_its_build(built_council):
    snapshot = built_council["data"] / "warehouse.read.duckdb"
    [(published_at, build, latest)] = _rows(snapshot, "SELECT published_at, build, latest_extract FROM snapshot_info")
    assert uuid.UUID(build) and published_at is not None and latest is not None  # a Dagster run id
    copied = warehouse_digest(snapshot, ignore={})
    assert set(copied) == {*read_snapshot.TABLES, *read_snapshot.DERIVED, "snapshot_info"}
    built = warehouse_digest(built_council["warehouse"], ignore={})
    assert {t: copied[t] for t in read_snapshot.TABLES} == {t: built[t] for t in read_snapshot.TABLES}


def test_a_reader_keeps_the_snapshot_it_opened_while_the_next_is_published(council, monkeypatch):
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(council["data"]))
    with read_snapshot.reader() as (old, before):
        con = duckdb.connect(str(council["warehouse"]))
        try:
            con.execute("DELETE FROM golden_residents WHERE resident_id IN "
                        "(SELECT resident_id FROM golden_residents ORDER BY 1 LIMIT 5)")
            read_snapshot.publish(con, build="next-build")
            residents = con.execute("SELECT count(*) FROM golden_residents").fetchone()[0]
        finally:
            con.close()
        assert old.execute("SELECT count(*) FROM golden_residents").fetchone()[0] == residents + 5
        assert read_snapshot.info(old)["build"] == before["build"]
    with read_snapshot.reader() as (new, after):
        assert after["build"] == "next-build"
        assert new.execute("SELECT count(*) FROM golden_residents").fetchone()[0] == residents
    assert not list(council["data"].glob("warehouse.read.duckdb.tmp*"))


def test_find_and_show_answer_at_once_while_a_run_writes_the_warehouse(council):
    [(resident, surname)] = _rows(council["warehouse"], "SELECT resident_id, surname FROM golden_residents "
                                                        "WHERE surname IS NOT NULL ORDER BY 1 LIMIT 1")
    with locked(council["warehouse"]):
        started = time.monotonic()
        found = cli(council["env"], "find", surname, "--wait", "1")
        shown = cli(council["env"], "show", resident, "--wait", "1")
        seconds = time.monotonic() - started
    assert found.returncode == 0, found.stderr
    assert shown.returncode == 0 and f"Resident {resident}" in shown.stdout, shown.stderr
    assert "as at " in found.stdout and "as at " in shown.stdout and "(build " in shown.stdout
    assert seconds < 20  # two process starts, no waiting


def test_without_a_snapshot_a_lookup_waits_for_the_run_with_a_visible_timeout(council):
    (council["data"] / "warehouse.read.duckdb").unlink()
    with locked(council["warehouse"]) as pid:
        gave_up = cli(council["env"], "find", "Smith", "--wait", "1")
    assert gave_up.returncode == 1 and "Traceback" not in gave_up.stderr
    assert f"waiting for warehouse.duckdb (locked by PID {pid}" in gave_up.stderr and "of 1 s" in gave_up.stderr
    assert "gave up after 1 s" in gave_up.stderr
    with locked(council["warehouse"], release_after=5):
        waited = cli(council["env"], "find", "Smith", "--wait", "60")
    assert waited.returncode in (0, 1) and "waiting for warehouse.duckdb" in waited.stderr, waited.stderr
    assert "read from the warehouse itself" in waited.stdout


def test_review_holds_no_lock_while_the_reviewer_thinks(council):
    decided = len(_rows(council["warehouse"], "SELECT * FROM review_decisions"))
    session = Session(council["env"], "review", "--reviewer", "test")
    try:
        shown = session.read_until(PROMPT)
        assert "review queue as at " in shown and "match weight by field" in shown
        assert is_free(council["warehouse"])  # a run's step could write now
        with locked(council["warehouse"], release_after=5):
            session.send("d")  # the verdict waits for that "run", then is written
            session.read_until("recorded: different")
        session.send("q")
        code, out, err = session.finish()
    finally:
        session.process.kill()
    assert code == 0, err
    assert "waiting for warehouse.duckdb (locked by PID" in err
    assert len(_rows(council["warehouse"], "SELECT * FROM review_decisions")) == decided + 1


def test_a_verdict_outlasted_by_a_run_is_kept_and_recorded_by_the_next_review(council):
    first, second = _two_records(council, 0), _two_records(council, 1)
    with locked(council["warehouse"]) as pid:
        kept = cli(council["env"], "review", "--left", first[0], "--right", first[1], "--verdict", "different",
                   "--reviewer", "test", "--note", "kept", "--wait", "1")
    assert kept.returncode == 1 and "Traceback" not in kept.stderr
    assert f"locked by PID {pid}" in kept.stderr and "gave up after 1 s" in kept.stderr
    assert "kept in" in kept.stderr and len(list((council["data"] / PENDING_FOLDER).glob("*.json"))) == 1
    assert not _rows(council["warehouse"], "SELECT * FROM review_decisions WHERE note = 'kept'")
    later = cli(council["env"], "review", "--left", second[0], "--right", second[1], "--verdict", "same",
                "--reviewer", "test")
    assert later.returncode == 0 and "recorded 1 verdict(s) kept from before" in later.stderr, later.stderr
    recorded = _rows(council["warehouse"], """SELECT unique_id_l, unique_id_r, verdict, reviewer FROM review_decisions
                                               ORDER BY decided_at""")
    assert recorded[-2:] == [(*sorted(first), "different", "test"), (*sorted(second), "same", "test")]
    assert not list((council["data"] / PENDING_FOLDER).glob("*.json"))


def test_a_step_waits_for_a_lock_held_elsewhere_says_so_then_fails_plainly(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()

    @dg.asset
    def touches_the_warehouse(warehouse: Warehouse) -> None:
        with warehouse.get_connection() as con:
            con.execute("CREATE OR REPLACE TABLE t AS SELECT 1 AS x")

    def materialise(timeout: float):
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize([touches_the_warehouse], instance=instance, raise_on_error=False,
                                resources={"warehouse": Warehouse(database=str(path), lock_timeout_seconds=timeout)})
        logs = [e.user_message for e in instance.all_logs(result.run_id)]
        return result, logs

    with locked(path, release_after=5) as pid:
        result, logs = materialise(60)
    assert result.success
    assert any(f"waiting for warehouse.duckdb (locked by PID {pid}" in m and "of 60 s" in m for m in logs), logs

    with locked(path) as pid:
        result, logs = materialise(1)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.message
    assert f"is locked by another process (PID {pid}" in message and "gave up after 1 s" in message
    assert "IO Error" not in message
