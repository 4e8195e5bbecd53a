"""Resident IDs persist across runs: reruns change nothing, a new extract only adds or joins, and a
reviewer's verdict survives a full rebuild. Runs on a copy of the session's built council."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from resident_index_tests.conftest import LIBRARY_ROWS, cli, project_env, write_library_source


@pytest.fixture(scope="module")
def council(built_council, tmp_path_factory):
    root = tmp_path_factory.mktemp("ids")
    data = root / "data"
    shutil.copytree(built_council["data"], data, ignore=shutil.ignore_patterns("dagster", "dagster_home"))
    shutil.copytree(built_council["registry"].parent, root / "council")
    registry = root / "council" / "sources"
    return {"data": data, "registry": registry, "env": project_env(data, registry)}


def rows(council, sql, params=None):
    with duckdb.connect(str(council["data"] / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def crosswalk(council) -> dict[str, str]:
    return dict(rows(council, "SELECT source_system || '|' || source_record_id, resident_id FROM resident_crosswalk"))


def run(council, *args):
    result = cli(council["env"], "run", *args)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]


def test_every_staged_record_is_in_the_crosswalk_exactly_once(council):
    staged = set(r[0] for r in rows(council, "SELECT source_system || '|' || source_record_id FROM person_records"))
    [(n, distinct)] = rows(council, """SELECT count(*), count(DISTINCT (source_system, source_record_id))
                                       FROM resident_crosswalk""")
    assert n == distinct == len(staged) and set(crosswalk(council)) == staged


def test_a_rerun_with_nothing_changed_keeps_every_id(council):
    before, events = crosswalk(council), rows(council, "SELECT count(*) FROM resident_id_history")
    run(council)
    assert crosswalk(council) == before
    assert rows(council, "SELECT count(*) FROM resident_id_history") == events
    [(mode, scored)] = rows(council, "SELECT 'incremental', count(*) FROM resolution_state")
    assert scored == len(before)


def test_a_full_rebuild_with_nothing_changed_keeps_every_id(council):
    before = crosswalk(council)
    run(council, "--full-rebuild")
    assert crosswalk(council) == before


def test_a_new_extract_adds_new_residents_and_joins_known_ones(council):
    before = crosswalk(council)
    minted_before = rows(council, "SELECT count(*) FROM resident_id_history WHERE event = 'mint'")[0][0]
    new = "L900,Zebedee,Quixote-Vane,07/07/1977,1 Nowhere Lane,Northbridge,NB9 9ZZ,zq@example.org,2026-11-02,East\n"
    write_library_source(council["registry"], council["data"] / "landing", day="2026-11-02",
                         rows=LIBRARY_ROWS + [new])
    run(council)
    after = crosswalk(council)
    assert {k: v for k, v in after.items() if k in before} == before  # nobody else's ID moved
    assert after["library_members|L900"] not in before.values()
    events = rows(council, "SELECT event, count(*) FROM resident_id_history GROUP BY 1")
    assert dict(events)["mint"] == minted_before + 1
    assert "merge" not in dict(events) and "split" not in dict(events)


def test_an_incremental_day_reclusters_only_what_changed_and_agrees_with_a_full_run(council, tmp_path):
    from datetime import date

    from resident_index.resolution.resolve import resolve
    from resident_index.resolution.splink_model import model_config
    from resident_index.synthetic.next_day import land_changed_day

    assert land_changed_day(council["data"], date(2026, 11, 3), share=0.05, seed=3) > 0
    run(council)
    incremental = crosswalk(council)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(council["data"] / "warehouse.duckdb", copy)
    with duckdb.connect(str(copy)) as con:
        figures = resolve(con, model_config(), "test-full", full=True)
        full = dict(con.execute("SELECT source_system || '|' || source_record_id, resident_id "
                                "FROM resident_crosswalk").fetchall())
        assert figures["id_events"] == {}  # the full run finds nothing to change
        noop = resolve(con, model_config(), "test-noop")
    assert full == incremental
    assert noop["mode"] == "incremental" and noop["records_reclustered"] == 0


def test_a_reviewers_not_the_same_verdict_survives_a_full_rebuild(council):
    [(left, right, resident)] = rows(council, """
        SELECT min(source_system || '|' || source_record_id), max(source_system || '|' || source_record_id), resident_id
        FROM resident_crosswalk WHERE linked_by = 'model'
        GROUP BY resident_id HAVING count(*) = 2 ORDER BY resident_id LIMIT 1""")
    review = cli(council["env"], "review", "--left", left, "--right", right, "--verdict", "different",
                 "--reviewer", "test")
    assert review.returncode == 0, review.stderr
    run(council, "--full-rebuild")
    after = crosswalk(council)
    assert after[left] != after[right] and resident in (after[left], after[right])
    [(event, related)] = rows(council, """SELECT event, related_id FROM resident_id_history
                                          WHERE event = 'split' ORDER BY recorded_at DESC LIMIT 1""")
    assert related == resident


def test_the_interactive_review_shows_pairs_skips_and_records_a_verdict(council):
    import subprocess
    import sys

    from resident_index_tests.conftest import PROJECT

    queue = rows(council, "SELECT unique_id_l, unique_id_r FROM review_queue ORDER BY priority DESC, match_probability DESC, "
                          "unique_id_l, unique_id_r LIMIT 2")
    decided_before = rows(council, "SELECT count(*) FROM review_decisions")[0][0]
    session = subprocess.run([sys.executable, "-m", "resident_index.cli", "review", "--reviewer", "test"],
                             input="k\nd\nq\n", env=council["env"], cwd=PROJECT, capture_output=True, text=True,
                             timeout=120)
    assert session.returncode == 0, session.stderr
    assert "match weight by field" in session.stdout and "recorded: different" in session.stdout
    [latest] = rows(council, "SELECT unique_id_l, unique_id_r, verdict, reviewer FROM review_decisions "
                             "ORDER BY decided_at DESC LIMIT 1")
    assert latest == (*queue[1], "different", "test")  # the first pair was skipped, the second decided
    assert rows(council, "SELECT count(*) FROM review_decisions")[0][0] == decided_before + 1
