"""Staging an extract: bad input gets a clear error, loses nothing, and the counts reconcile."""

from __future__ import annotations

from datetime import date

import pytest

from resident_index.sources.spec import load_spec
from resident_index.sources.staging import build_staged_records, mark_accepted, stage_extract
from resident_index_tests.conftest import LIBRARY_HEADER, LIBRARY_ROWS, write_library_source

DAY = date(2026, 11, 1)


def counts(con, day=DAY):
    return con.execute("""SELECT rows_landed, rows_staged, rows_quarantined, status FROM landing_log
                          WHERE source_system = 'library_members' AND extract_date = ?""", [day]).fetchone()


def quarantine(con):
    return con.execute("SELECT row_number, column_name, reason FROM quarantine ORDER BY row_number").fetchall()


def test_clean_extract_is_standardised_into_the_canonical_schema(library, con):
    spec, landing = library
    result = stage_extract(con, spec, DAY, spec.landing.extract_path(landing, DAY))
    assert result.error is None and result.rows_staged == 3
    rows = {r[0]: r[1:] for r in con.execute(
        """SELECT source_record_id, forename, forename_canonical, surname, dob, dob_flag, postcode, email,
                  address, source_attributes->>'Branch' FROM staging.library_members""").fetchall()}
    assert rows["L001"] == ("ANN", "ANN", "SMITH", date(1980, 3, 2), "ok", "NB1 2AB", "ann@example.org",
                            "12 HIGH STREET, NORTHBRIDGE", "Central")
    assert rows["L002"][1] == "WILLIAM"  # Bill is a nickname of William
    assert rows["L002"][5] == "NB1 3DE"  # postcode noise normalised
    assert rows["L003"][3:5] == (None, "placeholder")  # 01/01/1900 is a placeholder, not a birthday
    assert rows["L003"][6] == "priya@example.org"
    assert counts(con) == (3, 3, 0, "staged")


def test_a_forenames_column_is_split_into_forename_and_middle_names(tmp_path, con):
    rows = [LIBRARY_ROWS[0].replace(",Ann,", ",Maja Aneta,"), LIBRARY_ROWS[1].replace(",Bill,", ",Mrs Jane,")]
    spec = write_library_source(tmp_path / "reg", tmp_path / "landing", rows=rows)
    stage_extract(con, spec, DAY, spec.landing.extract_path(tmp_path / "landing", DAY))
    assert con.execute("""SELECT title, forename, middle_names FROM staging.library_members
                          ORDER BY source_record_id""").fetchall() == [(None, "MAJA", "ANETA"), ("MRS", "JANE", None)]


def test_malformed_row_and_blank_id_are_quarantined_with_row_and_reason(tmp_path, con):
    rows = [LIBRARY_ROWS[0], "L009,Too,Many,01/01/1990,1 A St,B,NB1 2AB,x@y.org,2020-01-01,Central,EXTRA\n",
            ",No,Id,01/01/1990,1 A St,B,NB1 2AB,,2020-01-01,Central\n", LIBRARY_ROWS[1]]
    spec = write_library_source(tmp_path / "reg", tmp_path / "landing", rows=rows)
    result = stage_extract(con, spec, DAY, spec.landing.extract_path(tmp_path / "landing", DAY))
    assert result.error is None
    assert quarantine(con) == [(2, None, "expected 10 fields, found 11 (line 3)"),
                               (3, "MemberNo", "the record id is blank")]
    landed, staged, quarantined, _ = counts(con)
    assert (landed, staged, quarantined) == (4, 2, 2) and staged + quarantined == landed


def test_wrong_encoding_names_the_row_and_column(tmp_path, con):
    rows = [LIBRARY_ROWS[0], "L004,Zoë,Brontë,01/02/1970,3 Église Road,Northbridge,NB1 2AB,,2020-01-01,East\n"]
    spec = write_library_source(tmp_path / "reg", tmp_path / "landing", rows=rows, encoding="cp1252")
    stage_extract(con, spec, DAY, spec.landing.extract_path(tmp_path / "landing", DAY))  # spec says utf-8
    [(row, column, reason)] = quarantine(con)
    assert (row, column) == (2, "First")
    assert "byte 0xEB is not valid utf-8" in reason
    assert counts(con)[:3] == (2, 1, 1)


def test_missing_required_column_rejects_the_file_and_keeps_every_row(tmp_path, con):
    header = LIBRARY_HEADER.replace("Addr1,", "Address1,")
    spec = write_library_source(tmp_path / "reg", tmp_path / "landing", header=header)
    path = spec.landing.extract_path(tmp_path / "landing", DAY)
    result = stage_extract(con, spec, DAY, path)
    assert str(path) in str(result.error) and "row 0" in str(result.error) and "'Addr1'" in str(result.error)
    assert counts(con) == (3, 0, 3, "rejected")
    assert {r[1] for r in quarantine(con)} == {"Addr1"}


def test_empty_extract_is_an_error_naming_the_file(tmp_path, con):
    spec = write_library_source(tmp_path / "reg", tmp_path / "landing", rows=[], header="")
    path = spec.landing.extract_path(tmp_path / "landing", DAY)
    result = stage_extract(con, spec, DAY, path)
    assert f"{path}: the extract is empty" in str(result.error)
    assert counts(con)[:3] == (0, 0, 0)


def test_missing_extract_is_an_error_naming_the_expected_file(library, con):
    spec, landing = library
    other = date(2026, 11, 2)
    result = stage_extract(con, spec, other, spec.landing.extract_path(landing, other))
    assert "library_members/2026-11-02.csv: no extract has landed" in str(result.error)


def test_repeated_extract_is_rejected_but_restaging_the_same_day_is_idempotent(library, con):
    spec, landing = library
    first = spec.landing.extract_path(landing, DAY)
    stage_extract(con, spec, DAY, first)
    before = con.execute("SELECT * FROM staging.library_members ORDER BY 1").fetchall()
    stage_extract(con, spec, DAY, first)  # a rerun of the same partition
    assert con.execute("SELECT * FROM staging.library_members ORDER BY 1").fetchall() == before
    assert counts(con) == (3, 3, 0, "staged")

    later = date(2026, 11, 2)
    copy = spec.landing.extract_path(landing, later)
    copy.write_bytes(first.read_bytes())
    result = stage_extract(con, spec, later, copy)
    assert "identical to the 2026-11-01 extract" in str(result.error)
    assert counts(con, later) == (3, 0, 3, "rejected")


def test_later_extract_changes_adds_and_removes_records(tmp_path, con):
    landing = tmp_path / "landing"
    spec = write_library_source(tmp_path / "reg", landing)
    stage_extract(con, spec, DAY, spec.landing.extract_path(landing, DAY))
    mark_accepted(con, spec.name, DAY, True)
    later = date(2026, 11, 2)
    changed = [LIBRARY_ROWS[0].replace("12 High Street", "40 Mill Lane"), LIBRARY_ROWS[2],
               "L004,Tom,Brown,05/05/2001,9 Park Road,Northbridge,NB1 5GH,,2026-11-02,East\n"]
    spec = write_library_source(tmp_path / "reg", landing, day=str(later), rows=changed)
    stage_extract(con, spec, later, spec.landing.extract_path(landing, later))
    mark_accepted(con, spec.name, later, True)
    build_staged_records(con, [spec])
    records = {r[0]: r[1:] for r in con.execute(
        "SELECT source_record_id, address, is_current, first_seen, last_seen FROM staged_records").fetchall()}
    assert records["L001"] == ("40 MILL LANE, NORTHBRIDGE", True, DAY, later)  # changed
    assert records["L002"][1:] == (False, DAY, DAY)  # removed: kept, no longer current
    assert records["L004"][1:] == (True, later, later)  # added


def _rebuilt_from_scratch(con, spec):
    """staged_records as a first build makes it (from every accepted extract), for comparison."""
    kept = con.execute("SELECT * FROM staged_records ORDER BY ALL").fetchall()
    con.execute("DROP TABLE staged_records")
    con.execute("DROP TABLE staged_records_extracts")
    build_staged_records(con, [spec])
    return kept, con.execute("SELECT * FROM staged_records ORDER BY ALL").fetchall()


def test_staged_records_built_a_day_at_a_time_equal_a_build_from_all_extracts(tmp_path, con):
    landing = tmp_path / "landing"
    days = [date(2026, 11, d) for d in (1, 2, 3)]
    versions = [LIBRARY_ROWS,
                [LIBRARY_ROWS[0].replace("12 High Street", "40 Mill Lane"), LIBRARY_ROWS[2],
                 "L004,Tom,Brown,05/05/2001,9 Park Road,Northbridge,NB1 5GH,,2026-11-02,East\n"],
                [LIBRARY_ROWS[1], LIBRARY_ROWS[2]]]  # L002 back, L001 and L004 gone
    for day, rows in zip(days, versions):
        spec = write_library_source(tmp_path / "reg", landing, day=str(day), rows=rows)
        stage_extract(con, spec, day, spec.landing.extract_path(landing, day))
        mark_accepted(con, spec.name, day, True)
        build_staged_records(con, [spec])  # folds in the new day
    folded, full = _rebuilt_from_scratch(con, spec)
    assert folded == full
    records = {r[0]: r[1:] for r in con.execute(
        "SELECT source_record_id, is_current, first_seen, last_seen FROM staged_records").fetchall()}
    assert records == {"L001": (False, days[0], days[1]), "L002": (True, days[0], days[2]),
                       "L003": (True, days[0], days[2]), "L004": (False, days[1], days[1])}

    # the middle extract re-staged with other content, then rejected: the source is rebuilt, not folded
    spec = write_library_source(tmp_path / "reg", landing, day=str(days[1]), rows=LIBRARY_ROWS[:1])
    stage_extract(con, spec, days[1], spec.landing.extract_path(landing, days[1]))
    mark_accepted(con, spec.name, days[1], True)
    build_staged_records(con, [spec])
    assert con.execute("SELECT last_seen FROM staged_records WHERE source_record_id = 'L001'").fetchone() == (days[1],)
    mark_accepted(con, spec.name, days[1], False)
    build_staged_records(con, [spec])
    folded, full = _rebuilt_from_scratch(con, spec)
    assert folded == full
    assert con.execute("SELECT last_seen FROM staged_records WHERE source_record_id = 'L001'").fetchone() == (days[0],)


def test_an_extract_that_failed_its_checks_is_not_used_downstream(tmp_path, con):
    landing = tmp_path / "landing"
    spec = write_library_source(tmp_path / "reg", landing)
    stage_extract(con, spec, DAY, spec.landing.extract_path(landing, DAY))
    mark_accepted(con, spec.name, DAY, True)
    later = date(2026, 11, 2)
    spec = write_library_source(tmp_path / "reg", landing, day=str(later), rows=LIBRARY_ROWS[:1])
    stage_extract(con, spec, later, spec.landing.extract_path(landing, later))
    mark_accepted(con, spec.name, later, False)  # e.g. duplicate record ids
    build_staged_records(con, [spec])
    assert con.execute("SELECT DISTINCT extract_date, is_current FROM staged_records").fetchall() == [(DAY, True)]


FEED_SPEC = """
name: feed
title: Feed
description: A JSON-lines feed.
data_owner: Someone
lawful_basis: UK GDPR 6(1)(e)
retention: 1 year
landing: {folder: feed, format: jsonl, extension: jsonl}
columns: {source_record_id: id, surname: family, address: addr}
"""


def _feed(tmp_path, lines: list[str]):
    spec_path = tmp_path / "reg" / "feed.yaml"
    spec_path.parent.mkdir(exist_ok=True)
    spec_path.write_text(FEED_SPEC)
    path = tmp_path / "landing" / "feed" / "2026-11-01.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_spec(spec_path), path


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]"])
def test_jsonl_lines_that_are_not_objects_are_quarantined(tmp_path, con, bad):
    spec, path = _feed(tmp_path, ['{"id": "1", "family": "Khan", "addr": "1 High St"}', bad])
    result = stage_extract(con, spec, DAY, path)
    assert result.rows_staged == 1 and len(result.quarantined) == 1 and result.quarantined[0].row_number == 2


@pytest.mark.parametrize("extra", [
    [],                                                        # clean: parsed by Polars at once
    ['{"id": "9", "family": "Ng", "addr": "9 Mill Lane", "visits": 3}'],   # a number: read line by line
    ['{"id": " ", "family": "Ng", "addr": "9 Mill Lane"}'],   # a blank record id: read line by line
])
def test_a_clean_jsonl_file_reads_exactly_as_line_by_line(tmp_path, monkeypatch, extra):
    """The fast path for clean files gives the same columns, values and row numbers as the careful reader."""
    from resident_index.sources import landing

    spec, path = _feed(tmp_path, [
        '{"id": "1", "family": "Khan ", "addr": "1 High St", "note": null}',
        '{"family": "Dubois", "id": "2", "addr": "", "email": "z@example.org"}',   # keys in another order
        '{"id": "3", "family": "Żak", "addr": "3 Ash Row\\u2028Flat 2"}', *extra])
    assert (landing._clean_jsonl(spec, path.read_text(encoding="utf-8")) is not None) == (not extra)
    fast = landing.read_extract(spec, path)
    monkeypatch.setattr(landing, "_clean_jsonl", lambda *args: None)
    careful = landing.read_extract(spec, path)
    assert fast.columns == careful.columns and fast.frame.equals(careful.frame)
    assert [(q.row_number, q.reason) for q in fast.quarantined] == [(q.row_number, q.reason) for q in careful.quarantined]
    assert fast.frame["family"].to_list()[:3] == ["Khan", "Dubois", "Żak"] and fast.rows_landed == 3 + len(extra)


def test_unchanged_rows_reuse_yesterdays_records_and_stage_exactly_as_from_scratch(tmp_path, con):
    """A full-snapshot extract costs what its changed rows cost, and gives the same records."""
    import polars as pl

    from resident_index.sources.landing import read_extract
    from resident_index.standardise.person import standardise

    landing = tmp_path / "landing"
    spec = write_library_source(tmp_path / "registry", landing)
    stage_extract(con, spec, DAY, spec.landing.extract_path(landing, DAY))
    later = date(2026, 11, 2)
    changed = LIBRARY_ROWS[1].replace("Bill", "William")
    write_library_source(tmp_path / "registry", landing, day=str(later), rows=[LIBRARY_ROWS[0], changed, LIBRARY_ROWS[2]])
    result = stage_extract(con, spec, later, spec.landing.extract_path(landing, later))
    assert result.rows_reused == 2
    stored = pl.from_arrow(con.execute("""SELECT * EXCLUDE (raw_hash) FROM staging.library_members
                                          WHERE extract_date = ? ORDER BY row_number""", [later]).arrow())
    fresh = standardise(read_extract(spec, spec.landing.extract_path(landing, later)).frame, spec, later)
    assert stored.cast(fresh.schema).equals(fresh)
    assert stored["forename"].to_list()[1] == "WILLIAM"
