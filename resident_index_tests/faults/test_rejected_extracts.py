"""A rejected extract stops nothing: its source goes on with its previous accepted extract, and the rejection
names the check, the field, the observed rate, the threshold and example rows (record ids only)."""

from __future__ import annotations

import re

import duckdb
import dagster as dg
import pytest
import yaml

from resident_index.sources.staging import build_staged_records, rejected_extracts
from resident_index_tests.conftest import LIBRARY_ROWS, LIBRARY_SPEC, materialize_extract, write_library_source

pytestmark = pytest.mark.faults

ADDRESS_REQUIRED = LIBRARY_SPEC | {"required_fields": ["surname", "address"]}
#: four members, two without an address
HALF_WITHOUT_ADDRESS = LIBRARY_ROWS[:1] + [
    "L002,Bill,Jones,31/12/1975,,,nb13de,,2021-06-01,East\n",
    LIBRARY_ROWS[2],
    "L004,Tom,Brown,05/06/1985,,,,,2023-03-03,East\n",
]


def _library(tmp_path, monkeypatch, day, rows):
    data, registry = tmp_path / "data", tmp_path / "registry"
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(data))
    write_library_source(registry, data / "landing", day=day, rows=rows)
    (registry / "library_members.yaml").write_text(yaml.safe_dump(ADDRESS_REQUIRED, sort_keys=False))
    from resident_index.sources.spec import load_spec
    return load_spec(registry / "library_members.yaml")


def test_a_rejection_names_check_field_rate_threshold_and_example_rows_without_personal_data(tmp_path, monkeypatch):
    spec = _library(tmp_path, monkeypatch, "2026-11-01", HALF_WITHOUT_ADDRESS)
    result = materialize_extract(spec, tmp_path / "w.duckdb")
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.message
    assert ("required_fields: address: given on 50.0% of 4 records (2 not), at least 99% required; "
            "e.g. row 2 (id L002), row 4 (id L004)") in message
    assert "library_members extract 2026-11-01 rejected" in message and "no accepted extract yet" in message
    assert "blocking asset check failed" not in message  # Dagster's own message named no field nor rate
    assert not {"Jones", "Brown", "nb13de"} & set(message.replace(",", " ").split())
    check = {e.check_name: e for e in result.get_asset_check_evaluations()}["required_fields"]
    assert not check.passed and "address: given on 50.0%" in check.description
    figures = check.metadata["expect_column_values_to_not_be_null(address)"].value
    assert (figures["observed_rate"], figures["threshold"], figures["example_rows"]) == (0.5, 0.99,
                                                                                         {"2": "L002", "4": "L004"})
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        accepted, logged = con.execute("SELECT accepted, message FROM landing_log").fetchone()
    assert accepted is False and "address: given on 50.0%" in logged


def test_the_previous_accepted_extract_stays_in_use_and_the_rejection_is_listed(tmp_path, monkeypatch):
    spec = _library(tmp_path, monkeypatch, "2026-11-01", LIBRARY_ROWS)
    write_library_source(tmp_path / "unused", tmp_path / "data" / "landing", day="2026-11-02", rows=HALF_WITHOUT_ADDRESS)
    db = tmp_path / "w.duckdb"
    with dg.instance_for_test() as instance:
        assert materialize_extract(spec, db, "2026-11-01", instance).success
        second = materialize_extract(spec, db, "2026-11-02", instance)
    assert not second.success
    [failure] = [e for e in second.all_events if e.is_step_failure]
    assert "The 2026-11-01 extract stays in use" in failure.event_specific_data.error.message
    with duckdb.connect(str(db)) as con:
        build_staged_records(con, [spec])
        held = con.execute("SELECT DISTINCT extract_date::VARCHAR FROM staged_records").fetchall()
        [(source, day, why, in_use)] = rejected_extracts(con)
    assert held == [("2026-11-01",)]
    assert (source, str(day), str(in_use)) == ("library_members", "2026-11-02", "2026-11-01")
    assert "required_fields: address" in why


def test_resident_index_run_builds_everything_past_a_rejected_extract_and_refused_files(tmp_path):
    """A council whose extracts are dated 2024-12-31, with a rejected extract and three files that are not
    extracts: the index and the marts are built, the summary names each problem, the exit code is 3."""
    import shutil

    from resident_index.council import start_council_folder
    from resident_index_tests.conftest import cli, project_env

    data = tmp_path / "data"
    registry = start_council_folder(tmp_path / "council", with_sources=True) / "sources"
    env = project_env(data, registry)
    synth = cli(env, "synth", "--residents", "300", "--seed", "3", "--as-of", "2024-12-31")
    assert synth.returncode == 0, synth.stderr
    write_library_source(registry, data / "landing", day="2024-12-31")
    write_library_source(registry, data / "landing", day="2025-01-01", rows=HALF_WITHOUT_ADDRESS)
    (registry / "library_members.yaml").write_text(yaml.safe_dump(ADDRESS_REQUIRED, sort_keys=False))
    tax = data / "landing" / "council_tax"
    for name in ("2026-02-30.csv", "2099-01-01.csv", "latest.csv"):
        shutil.copy(tax / "2024-12-31.csv", tax / name)
    run = cli(env, "run")
    assert run.returncode == 3, run.stdout + run.stderr
    assert "rejected; each source goes on with its previous accepted extract:" in run.stdout
    assert ("library_members extract 2025-01-01 rejected by required_fields: address: given on 50.0% of 4 "
            "records (2 not), at least 99% required; e.g. row 2 (id L002), row 4 (id L004). "
            "The 2024-12-31 extract stays in use.") in run.stdout
    assert "WARN: 3 landed files were not an extract" in run.stdout
    for name in ("2026-02-30.csv: not staged", "2099-01-01.csv: not staged", "latest.csv: not staged"):
        assert name in run.stdout
    assert re.search(r"WARN: built, but \d+ extract\(s\) rejected and 3 landed file\(s\) refused", run.stderr)
    assert "golden_residents:" in run.stdout  # the index was built...
    assert (data / "exports" / "fraud_single_person_discount.csv").exists()  # ...and the marts
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        held = con.execute("""SELECT DISTINCT extract_date::VARCHAR FROM person_records
                              WHERE source_system = 'library_members'""").fetchall()
        assert held == [("2024-12-31",)]
        accepted = con.execute("""SELECT source_system FROM landing_log
                                  WHERE extract_date = '2024-12-31' AND accepted""").fetchall()
        assert {("council_tax",), ("library_members",), ("electoral_register",)} <= set(accepted)
