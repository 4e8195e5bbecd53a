"""Staging never loses an accepted extract: re-sent files, dates staged out of order, readers that crash."""

from __future__ import annotations

from datetime import date

import pytest

from resident_index.sources import staging
from resident_index.sources.staging import build_staged_records, mark_accepted, stage_extract
from resident_index_tests.conftest import LIBRARY_ROWS, write_library_source

pytestmark = pytest.mark.faults

MONDAY, TUESDAY, WEDNESDAY = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
CHANGED = [*LIBRARY_ROWS, "L004,Dev,Shah,05/06/1990,3 Oak Road,Northbridge,NB3 1AA,,2023-03-03,East\n"]


def _stage(con, spec, landing, day):
    """Stage one day as the source asset does: accepted when it staged (the suite passes on these files)."""
    result = stage_extract(con, spec, day, spec.landing.extract_path(landing, day))
    if result.error is None:
        mark_accepted(con, spec.name, day, True)
    return result


def _state(con, spec):
    log = con.execute("""SELECT extract_date, status, accepted, rows_landed, rows_staged, rows_quarantined
                         FROM landing_log ORDER BY extract_date""").fetchall()
    rows = con.execute("SELECT extract_date, source_record_id FROM staging.library_members ORDER BY ALL").fetchall()
    build_staged_records(con, [spec])
    records = con.execute("""SELECT source_record_id, first_seen, last_seen, is_current FROM staged_records
                             ORDER BY ALL""").fetchall()
    return log, rows, records


@pytest.fixture
def resent(tmp_path):
    """Monday's extract, Tuesday's with a new record, and Wednesday's: a re-send of Tuesday's file."""
    registry, landing = tmp_path / "registry", tmp_path / "landing"
    spec = write_library_source(registry, landing, day=str(MONDAY))
    write_library_source(registry, landing, day=str(TUESDAY), rows=CHANGED)
    folder = landing / "library_members"
    (folder / f"{WEDNESDAY}.csv").write_bytes((folder / f"{TUESDAY}.csv").read_bytes())
    return spec, landing


def test_a_resent_file_is_rejected_once_and_the_original_stays_accepted_on_every_later_run(resent, con):
    spec, landing = resent
    for day in (MONDAY, TUESDAY, WEDNESDAY):
        _stage(con, spec, landing, day)
    first = _state(con, spec)
    log = {day: (status, accepted) for day, status, accepted, *_ in first[0]}
    assert log == {MONDAY: ("staged", True), TUESDAY: ("staged", True), WEDNESDAY: ("rejected", False)}
    for _ in range(2):  # `resident-index run` stages every landed date again, each time
        for day in (MONDAY, TUESDAY, WEDNESDAY):
            result = _stage(con, spec, landing, day)
        assert "identical to the 2026-11-03 extract" in str(result.error)
        assert _state(con, spec) == first
    assert ("L004", TUESDAY, TUESDAY, True) in first[2]


@pytest.mark.parametrize("order", [(WEDNESDAY, TUESDAY, MONDAY), (TUESDAY, WEDNESDAY, MONDAY),
                                   (WEDNESDAY, MONDAY, TUESDAY)])
def test_staging_gives_the_same_tables_whatever_order_the_dates_arrive_in(resent, con, order):
    import duckdb

    spec, landing = resent
    for day in (MONDAY, TUESDAY, WEDNESDAY):
        _stage(con, spec, landing, day)
    in_order = _state(con, spec)
    other = duckdb.connect()
    try:
        for day in order:
            _stage(other, spec, landing, day)
        assert _state(other, spec) == in_order
    finally:
        other.close()


def test_a_reader_that_crashes_rejects_the_file_naming_it_and_quarantines_every_row(library, con, monkeypatch):
    spec, landing = library
    day = date(2026, 11, 1)
    path = spec.landing.extract_path(landing, day)

    def broken(*_):
        raise RuntimeError("a fault no one foresaw")

    monkeypatch.setattr(staging, "standardise_changed", broken)
    result = stage_extract(con, spec, day, path)
    assert result.error is not None
    assert str(path) in str(result.error) and "a fault no one foresaw" in str(result.error)
    landed, staged, quarantined, status, message = con.execute(
        """SELECT rows_landed, rows_staged, rows_quarantined, status, message FROM landing_log""").fetchone()
    assert (landed, staged, quarantined, status) == (3, 0, 3, "rejected")
    assert str(path) in message
    raw = [r[0] for r in con.execute("SELECT raw_record FROM quarantine ORDER BY row_number").fetchall()]
    assert [r.split(",")[0] for r in raw] == ["L001", "L002", "L003"]


def test_an_unknown_encoding_in_the_spec_still_keeps_every_row(tmp_path, con):
    spec = write_library_source(tmp_path / "registry", tmp_path / "landing")
    spec = spec.model_copy(update={"landing": spec.landing.model_copy(update={"encoding": "no-such-codec"})})
    result = stage_extract(con, spec, date(2026, 11, 1), spec.landing.extract_path(tmp_path / "landing", "2026-11-01"))
    assert "unknown encoding 'no-such-codec'" in str(result.error)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 3
