"""Retention and the activity window, on a hand-made source whose extracts land on changing days."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
import yaml

from resident_index.council import CouncilConfigError, start_council_folder
from resident_index.protection.retention import RetentionFile, in_index_sql, load_retention, out_of_index, purge
from resident_index.sources.spec import load_spec
from resident_index.sources.staging import build_staged_records, mark_accepted, stage_extract

SPEC = {"name": "library_members", "title": "Library members", "description": "Members of the libraries.",
        "data_owner": "Head of Libraries", "lawful_basis": "UK GDPR 6(1)(e)", "retention": "90 days",
        "landing": {"folder": "library_members", "format": "csv", "extension": "csv"},
        "columns": {"source_record_id": "MemberNo", "forename": "First", "surname": "Last", "end_date": "Left"},
        "date_formats": {"end_date": ["%Y-%m-%d"]}, "required_columns": ["MemberNo", "Last"]}


@pytest.fixture
def library(tmp_path, monkeypatch):
    council = start_council_folder(tmp_path / "council", with_sources=True)
    (council / "sources" / "library_members.yaml").write_text(yaml.safe_dump(SPEC))
    monkeypatch.setenv("RESIDENT_INDEX_COUNCIL_DIR", str(council))
    spec = load_spec(council / "sources" / "library_members.yaml")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    folder = tmp_path / "landing" / "library_members"
    folder.mkdir(parents=True)

    def land(day: str, rows: list[str]):
        path = folder / f"{day}.csv"
        path.write_text("MemberNo,First,Last,Left\n" + "".join(r + "\n" for r in rows))
        stage_extract(con, spec, date.fromisoformat(day), path)
        mark_accepted(con, spec.name, date.fromisoformat(day), True)
        return path

    yield con, spec, land, council
    con.close()


def _in_index(con, rules):
    return sorted(r for (r,) in con.execute(f"SELECT source_record_id FROM ({in_index_sql(rules)})").fetchall())


def test_old_extracts_are_purged_and_only_active_records_still_held_at_source_are_in_the_index(library):
    con, spec, land, _ = library
    rules = RetentionFile(keep_extracts_days={"library_members": 90}, activity_window_days=730)
    june = land("2026-06-01", ["L001,Ann,Smith,", "L002,Bill,Jones,2023-01-01", "L005,Ed,Old,"])
    land("2026-10-31", ["L001,Ann,Smith,", "L002,Bill,Jones,2023-01-01", "L003,Cy,Lee,2024-12-01", "L004,Di,Kaur,"])
    land("2026-11-01", ["L001,Ann,Smith,", "L002,Bill,Jones,2023-01-01", "L003,Cy,Lee,2024-12-01"])

    figures = purge(con, [spec], rules)
    assert figures["extracts_purged"] == 1 and figures["rows_purged"] == 3 and figures["files_deleted"] == 1
    assert not june.exists()  # the landed file past retention is gone too
    assert con.execute("SELECT DISTINCT extract_date FROM staging.library_members ORDER BY 1").fetchall() == \
        [(date(2026, 10, 31),), (date(2026, 11, 1),)]
    [(day, rows, deleted, rule)] = con.execute("SELECT extract_date, rows_purged, file_deleted, rule "
                                               "FROM retention_purge_log").fetchall()
    assert (day, rows, deleted) == (date(2026, 6, 1), 3, True) and "kept 90 days before" in rule
    assert con.execute("SELECT count(*) FROM landing_log WHERE extract_date = '2026-06-01'").fetchone()[0] == 1

    build_staged_records(con, [spec])
    # L002 ended over two years before the latest extract; L004 was deleted at source; L005 purged with June
    assert _in_index(con, rules) == ["L001", "L003"]

    # a changed day: a new extract four months on moves both the purge and the window
    land("2027-03-01", ["L001,Ann,Smith,", "L002,Bill,Jones,2023-01-01", "L003,Cy,Lee,2024-12-01", "L006,Flo,New,"])
    assert purge(con, [spec], rules)["extracts_purged"] == 2  # 2026-10-31 and 2026-11-01 are now past 90 days
    build_staged_records(con, [spec])
    assert _in_index(con, rules) == ["L001", "L006"]  # L003's end (2024-12-01) is now past the two-year window
    assert purge(con, [spec], rules)["extracts_purged"] == 0  # the latest accepted extract is never purged
    assert _in_index(con, RetentionFile(activity_window_days=None, drop_deleted_at_source=False)) == \
        ["L001", "L002", "L003", "L006"]


def test_retention_yaml_is_validated_against_the_registry(library):
    _, _, _, council = library
    path = council / "protection" / "retention.yaml"
    assert load_retention().activity_window_days == 730
    path.write_text(path.read_text() + "\nkeep_extracts_days:\n  library_membrs: 30\n")
    with pytest.raises(CouncilConfigError, match=r"retention.yaml: keep_extracts_days: unknown source systems "
                                                 r"\['library_membrs'\]"):
        load_retention()


def test_person_records_and_so_the_index_hold_only_the_records_retention_keeps(library):
    from resident_index.standardise.person_records import build_person_records

    con, spec, land, _ = library
    land("2026-10-31", ["L001,Ann,Smith,", "L002,Bill,Jones,2023-01-01", "L004,Di,Kaur,"])
    land("2026-11-01", ["L001,Ann,Smith,", "L002,Bill,Jones,2023-01-01", "L003,Cy,Lee,2025-06-01"])
    build_staged_records(con, [spec])
    con.execute("CREATE TABLE reference_versions AS SELECT 'llpg' AS name, 'x' AS sha256")
    con.execute("CREATE TABLE llpg (uprn VARCHAR, ward VARCHAR, polling_district VARCHAR, easting DOUBLE, northing DOUBLE)")
    con.execute("CREATE TABLE address_match_cache (address VARCHAR, postcode VARCHAR, uprn VARCHAR, accepted BOOLEAN, "
                "match_weight DOUBLE, match_reason VARCHAR)")
    build_person_records(con)  # under the bundled retention.yaml: two years, deletions dropped
    held = sorted(r for (r,) in con.execute("SELECT source_record_id FROM person_records").fetchall())
    assert held == ["L001", "L003"]
    figures = out_of_index(con, load_retention())
    assert figures["left_out_inactive"] == 1 and figures["left_out_deleted_at_source"] == 1
