"""End to end on a small synthetic council: every system staged, a new YAML staged with no code change."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb

from resident_index.sources.spec import load_registry


def query(council, sql, params=None):
    with duckdb.connect(str(council["warehouse"]), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_landed_row_is_staged_or_quarantined(built_council):
    specs = load_registry(built_council["registry"])
    log = query(built_council, """SELECT source_system, extract_date, rows_landed, rows_staged, rows_quarantined,
                                         accepted FROM landing_log""")
    assert {r[0] for r in log} == {s.name for s in specs}
    assert len(log) >= 2 * (len(specs) - 1)  # two extracts per synthetic system
    for source, day, landed, staged, quarantined, accepted in log:
        assert staged + quarantined == landed > 0, (source, day)
        [(in_table,)] = query(built_council, f"SELECT count(*) FROM staging.{source} WHERE extract_date = ?", [day])
        [(in_quarantine,)] = query(built_council, """SELECT count(*) FROM quarantine
                                                     WHERE source_system = ? AND extract_date = ?""", [source, day])
        assert (in_table, in_quarantine) == (staged, quarantined)
        assert accepted


def test_a_new_source_yaml_is_staged_without_code_changes(built_council):
    rows = query(built_council, """SELECT source_record_id, surname, postcode, uprn FROM person_records
                                   WHERE source_system = 'library_members' ORDER BY 1""")
    assert [r[:3] for r in rows] == [("L001", "SMITH", "NB1 2AB"), ("L002", "JONES", "NB1 3DE"),
                                     ("L003", "PATEL", "NB2 4EF")]


def test_person_records_hold_the_latest_extract_of_every_source_with_uprns(built_council):
    latest = dict(query(built_council, """SELECT source_system, max(extract_date) FROM landing_log
                                          WHERE accepted GROUP BY 1"""))
    current = dict(query(built_council, "SELECT source_system, max(extract_date) FROM person_records GROUP BY 1"))
    assert current == latest
    [(total, with_uprn, matched)] = query(
        built_council, "SELECT count(*), count(uprn), count(*) FILTER (uprn_source = 'matched') FROM person_records")
    assert with_uprn / total > 0.85 and matched > 0


def test_run_prints_a_summary(built_council):
    assert "person_records:" in built_council["stdout"] and "make ui" in built_council["stdout"]


def test_a_new_source_yaml_yields_an_asset_with_its_checks(built_council):
    """Loading the definitions against a registry with one more YAML gives one more source asset."""
    script = ("import json; from resident_index.definitions import defs\n"
              "g = defs.resolve_asset_graph(); node = g.get(__import__('dagster').AssetKey('library_members'))\n"
              "print(json.dumps({'group': node.group_name, 'checks': sorted(k.name for k in node.check_keys)}))")
    result = subprocess.run([sys.executable, "-c", script], env=built_council["env"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    node = json.loads(result.stdout.strip().splitlines()[-1])
    assert node["group"] == "sources"
    assert {"rows_reconcile", "quarantine_rate", "unique_record_ids", "required_fields", "valid_dob_rate",
            "valid_postcode_rate", "row_count_vs_previous"} <= set(node["checks"])


def test_every_run_is_a_run_of_the_code_location_the_ui_serves(built_council):
    """`resident-index run` records its runs as the webserver records a launched one, so the job pages, the
    runs timeline and the asset history list them (an execute_in_process run has no code location)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(built_council["env"]["DAGSTER_HOME"]) as instance:
        runs = instance.get_runs()
        of_location = instance.get_runs(dg.RunsFilter(tags={".dagster/repository": "__repository__@resident_index"}))
        build = instance.get_runs(dg.RunsFilter(job_name="build_index",
                                                tags={".dagster/repository": "__repository__@resident_index"}))
    assert {r.job_name for r in runs} >= {"ingest_sources", "build_index", "build_marts"}
    assert [r.run_id for r in of_location] == [r.run_id for r in runs] and len(build) == 1
    assert all(r.job_code_origin is not None and r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    landed = {day for (day,) in query(built_council, "SELECT DISTINCT extract_date::VARCHAR FROM landing_log")}
    assert {r.tags["dagster/partition"] for r in runs if r.job_name == "ingest_sources"} == landed
