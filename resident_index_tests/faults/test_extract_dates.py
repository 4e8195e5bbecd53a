"""Any extract date works, and a file that is not an extract is refused by name without stopping anything.

Partitions are the dates that landed (dynamic `extract_dates`), so 2024-12-31 stages like any other day; a
file named `2026-02-30.csv`, `2099-01-01.csv` or `latest.csv` is refused with its reason in the sensor's tick
and the source's `extract_file_names` WARN check. The sensor's cursor, and on its first tick what the instance
already staged, keep an unchanged file from being staged twice; a changed file is staged again.
"""

from __future__ import annotations

import os
from datetime import date

import dagster as dg
import pytest
import yaml

from resident_index.council import start_council_folder
from resident_index.defs.sources.sensors import landing_sensor
from resident_index.sources.landing import scan_landing
from resident_index_tests.conftest import LIBRARY_SPEC, materialize_extract, write_library_source

pytestmark = pytest.mark.faults

BAD_NAMES = {"2026-02-30.csv": "2026-02-30 is not a real date", "2099-01-01.csv": "after today",
             "latest.csv": "the name is not an extract date", "2026-11-01.backup.csv": "the name is not an extract date",
             "notes.txt": "the name is not an extract date"}


def _landing(tmp_path, monkeypatch):
    registry, data = start_council_folder(tmp_path / "council") / "sources", tmp_path / "data"
    monkeypatch.setenv("RESIDENT_INDEX_COUNCIL_DIR", str(registry.parent))
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(data))
    spec = write_library_source(registry, data / "landing", day="2024-12-31")
    folder = data / "landing" / "library_members"
    for name in BAD_NAMES:
        (folder / name).write_text((folder / "2024-12-31.csv").read_text())
    (folder / ".2026-11-02.csv.part").write_text("being copied")  # hidden: an upload in progress
    return spec, data


def test_only_real_dates_up_to_today_are_extracts_and_every_other_file_is_refused_by_name(tmp_path, monkeypatch):
    spec, data = _landing(tmp_path, monkeypatch)
    scan = scan_landing(spec, data / "landing", today=date(2026, 12, 2))
    assert scan.dates == ["2024-12-31"]
    reasons = {r.path.name: r.reason for r in scan.refused}
    assert set(reasons) == set(BAD_NAMES)
    for name, reason in BAD_NAMES.items():
        assert reason in reasons[name] and "<YYYY-MM-DD>.csv" in reasons[name] or "Europe/London" in reasons[name]


def test_an_extract_dated_before_2025_is_staged(tmp_path, monkeypatch):
    spec, _ = _landing(tmp_path, monkeypatch)
    result = materialize_extract(spec, tmp_path / "w.duckdb", "2024-12-31")
    assert result.success
    [mat] = result.asset_materializations_for_node("library_members")
    assert mat.partition == "2024-12-31" and mat.metadata["rows_staged"].value == 3
    check = {e.check_name: e for e in result.get_asset_check_evaluations()}["extract_file_names"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN and "latest.csv" in check.description


def test_the_sensor_refuses_bad_files_by_name_and_still_stages_every_other_source(tmp_path, monkeypatch):
    spec, data = _landing(tmp_path, monkeypatch)
    other = LIBRARY_SPEC | {"name": "mobile_library", "landing": LIBRARY_SPEC["landing"] | {"folder": "mobile_library"}}
    (tmp_path / "council" / "sources" / "mobile_library.yaml").write_text(yaml.safe_dump(other, sort_keys=False))
    (data / "landing" / "mobile_library").mkdir()
    (data / "landing" / "mobile_library" / "2026-11-01.csv").write_text(
        (data / "landing" / "library_members" / "2024-12-31.csv").read_text())
    with dg.instance_for_test() as instance:
        result = landing_sensor(dg.build_sensor_context(instance=instance))
    assert [(r.partition_key, r.asset_selection) for r in result.run_requests] == [
        ("2024-12-31", [dg.AssetKey("library_members")]), ("2026-11-01", [dg.AssetKey("mobile_library")])]
    [add] = result.dynamic_partitions_requests
    assert add.partition_keys == ["2024-12-31", "2026-11-01"]
    checks = {e.asset_key.to_user_string(): e for e in result.asset_events}
    assert set(checks) == {"library_members"} and not checks["library_members"].passed  # reported on a change
    assert checks["library_members"].metadata["files_refused"].value == len(BAD_NAMES)
    assert all(name in checks["library_members"].description for name in BAD_NAMES)
    with dg.instance_for_test() as instance:  # with nothing to stage, the tick itself names the refused files
        context = dg.build_sensor_context(instance=instance, cursor=result.cursor)
        instance.add_dynamic_partitions("extract_dates", add.partition_keys)
        quiet = landing_sensor(context)
    assert quiet.run_requests == [] and quiet.asset_events == []  # reported once, until what is refused changes
    assert "2099-01-01.csv: not staged: dated 2099-01-01, after today" in quiet.skip_reason.skip_message


def test_the_first_tick_stages_nothing_the_instance_already_staged_and_a_changed_file_again(tmp_path, monkeypatch):
    spec, data = _landing(tmp_path, monkeypatch)
    broken = data / "landing" / "library_members" / "2024-12-30.csv"
    broken.write_text("MemberNo,First\nL1,Ann\n")  # refused whole: required columns missing
    with dg.instance_for_test() as instance:
        assert materialize_extract(spec, tmp_path / "w.duckdb", "2024-12-31", instance).success
        assert not materialize_extract(spec, tmp_path / "w.duckdb", "2024-12-30", instance).success
        first = landing_sensor(dg.build_sensor_context(instance=instance))  # no cursor: as after `make demo`
        assert first.run_requests == [] and first.dynamic_partitions_requests == []
        path = spec.landing.extract_path(data / "landing", "2024-12-31")
        path.write_text(path.read_text().replace("Ann", "Anne"))
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
        changed = landing_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        assert [r.partition_key for r in changed.run_requests] == ["2024-12-31"]
