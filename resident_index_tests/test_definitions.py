"""The Dagster definitions: they load, the graph is what the snapshot says, and checks really judge."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from resident_index.council import start_council_folder
from resident_index.defs.sources.sensors import landing_sensor
from resident_index.sources.spec import load_registry
from resident_index_tests.conftest import LIBRARY_ROWS, materialize_extract, write_library_source

SNAPSHOT = Path(__file__).with_name("snapshots") / "asset_graph.json"


def graph_snapshot(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    nodes = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        nodes[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "kinds": sorted(node.kinds),
            "partitioned": node.partitions_def is not None,
            "checks": sorted(f"{c.name}{' (blocking)' if graph.get(c).blocking else ''}"
                             for c in node.check_keys),
        }
    return nodes


def test_definitions_load_and_match_the_snapshot():
    """Any change to the asset graph (a new asset, dep, group or check) shows up here for review.

    Regenerate with UPDATE_SNAPSHOTS=1 pytest resident_index_tests/test_definitions.py.
    """
    from resident_index.definitions import defs

    snapshot = graph_snapshot(defs)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(snapshot, indent=2) + "\n")
    assert snapshot == json.loads(SNAPSHOT.read_text())


def test_every_registered_source_is_a_partitioned_asset_with_blocking_checks():
    from resident_index.definitions import defs

    snapshot = graph_snapshot(defs)
    specs = load_registry()
    assert len(specs) >= 11
    for spec in specs:
        node = snapshot[spec.name]
        assert node["group"] == "sources" and node["partitioned"]
        assert {"rows_reconcile (blocking)", "unique_record_ids (blocking)"} <= set(node["checks"])
    assert defs.resolve_job_def("ingest_sources") and defs.resolve_job_def("build_index")
    assert defs.resolve_schedule_def("daily_build").job_name == "build_index"
    assert defs.resolve_sensor_def("landing_sensor")


def test_evaluations_against_the_truth_are_their_own_job_not_part_of_the_daily_builds():
    """A council has no ground truth: the daily builds never spend time scoring against one."""
    from resident_index.definitions import defs

    def keys(job):
        return {k.to_user_string() for k in defs.resolve_job_def(job).asset_layer.executable_asset_keys}

    evaluations = {name for name in graph_snapshot(defs) if name.endswith("_evaluation")}
    assert evaluations == {"resolution_evaluation", "golden_evaluation", "fraud_evaluation", "electoral_evaluation",
                           "quality_feedback_evaluation"}
    assert keys("evaluate_against_truth") == evaluations
    assert not evaluations & (keys("build_index") | keys("build_marts"))
    assert defs.resolve_schedule_def("daily_build").job_name == "build_index"
    assert defs.resolve_sensor_def("marts_after_index").job_name == "build_marts"


def test_landing_sensor_requests_one_run_per_new_or_changed_extract(tmp_path, monkeypatch):
    registry, data = start_council_folder(tmp_path / "council") / "sources", tmp_path / "data"
    spec = write_library_source(registry, data / "landing")
    write_library_source(registry, data / "landing", day="2026-11-02")
    monkeypatch.setenv("RESIDENT_INDEX_COUNCIL_DIR", str(registry.parent))
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(data))
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance)
        first = landing_sensor(context)
        requests = first.run_requests
        assert [(r.partition_key, r.asset_selection) for r in requests] == [
            ("2026-11-01", [dg.AssetKey("library_members")]), ("2026-11-02", [dg.AssetKey("library_members")])]
        [add] = first.dynamic_partitions_requests  # each landed date becomes a partition in the same tick
        assert (add.partitions_def_name, add.partition_keys) == ("extract_dates", ["2026-11-01", "2026-11-02"])
        instance.add_dynamic_partitions("extract_dates", add.partition_keys)
        context.update_cursor(first.cursor)
        assert landing_sensor(context).run_requests == []  # nothing changed: nothing staged twice
        path = spec.landing.extract_path(data / "landing", "2026-11-02")
        path.write_text(path.read_text() + LIBRARY_ROWS[0].replace("L001", "L099"))
        again = landing_sensor(context).run_requests
        assert [r.partition_key for r in again] == ["2026-11-02"]
        assert again[0].run_key != requests[1].run_key


def _materialise(spec, tmp_path, day="2026-11-01"):
    db = tmp_path / "warehouse.duckdb"
    return materialize_extract(spec, db, day), db


def test_duplicate_record_ids_fail_a_blocking_check_and_the_extract_is_not_accepted(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(data))
    spec = write_library_source(tmp_path / "registry", data / "landing",
                                rows=LIBRARY_ROWS + [LIBRARY_ROWS[0].replace("Ann", "Anne")])
    result, db = _materialise(spec, tmp_path)
    assert not result.success  # the blocking check stops the step, so downstream assets would not run
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["unique_record_ids"].passed
    assert checks["rows_reconcile"].passed and checks["rows_reconcile"].metadata["landed"].value == 4
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT accepted FROM landing_log").fetchone() == (False,)


def test_a_failed_warning_does_not_block_and_the_extract_is_accepted(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(data))
    spec = write_library_source(tmp_path / "registry", data / "landing")
    result, db = _materialise(spec, tmp_path)
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    # one of three dates of birth is the 01/01/1900 placeholder: below the 95% valid-DOB rate, a WARN
    assert not checks["valid_dob_rate"].passed and checks["valid_dob_rate"].severity == dg.AssetCheckSeverity.WARN
    assert all(c.passed for name, c in checks.items() if name != "valid_dob_rate")
    [mat] = result.asset_materializations_for_node("library_members")
    assert mat.metadata["rows_staged"].value == 3 and "Ann" not in mat.metadata["profile"].value
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT accepted FROM landing_log").fetchone() == (True,)


def test_a_broken_file_fails_the_run_with_the_file_named(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(data))
    spec = write_library_source(tmp_path / "registry", data / "landing", header="MemberNo,First\n",
                                rows=["L1,Ann\n"])
    result, db = _materialise(spec, tmp_path)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.message
    assert "library_members/2026-11-01.csv, row 0, column 'Last, Addr1'" in message
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (1,)
