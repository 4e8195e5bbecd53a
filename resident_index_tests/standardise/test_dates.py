"""Dates: each source's own formats parse to one date, and a missing date always says why it is missing."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from resident_index.standardise.dates import check_dob, parse_dates

TODAY = date(2026, 11, 1)
UK_FORMATS = ["%d/%m/%Y", "%d-%b-%Y", "%d/%m/%y", "%Y-%m-%d", "%Y%m%d", "%d %B %Y"]


def parsed(values, formats=UK_FORMATS):
    return parse_dates(pl.Series(values, dtype=pl.String), formats, as_of=TODAY).rows()


@pytest.mark.parametrize(("raw", "expected"), [
    ("02/03/1980", date(1980, 3, 2)),  # day first, as UK systems write it
    ("2/3/1980", date(1980, 3, 2)),
    ("02-Mar-1980", date(1980, 3, 2)),
    ("02-MAR-1980", date(1980, 3, 2)),
    ("1980-03-02", date(1980, 3, 2)),
    ("19800302", date(1980, 3, 2)),
    ("2 March 1980", date(1980, 3, 2)),
    ("  02/03/1980 ", date(1980, 3, 2)),
    ("1980-03-02 00:00:00", date(1980, 3, 2)),  # database exports add a midnight time
    ("1980-03-02T00:00:00", date(1980, 3, 2)),
    ("1980-03-02T00:00:00.000Z", date(1980, 3, 2)),
    ("02/03/1980 00:00", date(1980, 3, 2)),
])
def test_parse_dates_reads_the_formats_a_source_declares(raw, expected):
    assert parsed([raw]) == [(expected, "ok")]


def test_two_digit_years_are_never_in_the_future():
    assert parsed(["02/03/45", "02/03/80", "02/03/19"]) == [
        (date(1945, 3, 2), "ok"), (date(1980, 3, 2), "ok"), (date(2019, 3, 2), "ok")]


def test_a_four_digit_year_format_does_not_read_a_two_digit_year():
    # "%d/%m/%Y" alone would read "80" as the year 80 AD; with the shape check it falls through to %y
    assert parsed(["02/03/80"], ["%d/%m/%Y", "%d/%m/%y"]) == [(date(1980, 3, 2), "ok")]
    assert parsed(["02/03/80"], ["%d/%m/%Y"]) == [(None, "unparseable")]


def test_formats_are_tried_in_order_so_day_first_wins_for_ambiguous_dates():
    assert parsed(["04/05/1990"], ["%d/%m/%Y", "%m/%d/%Y"]) == [(date(1990, 5, 4), "ok")]
    assert parsed(["04/25/1990"], ["%d/%m/%Y", "%m/%d/%Y"]) == [(date(1990, 4, 25), "ok")]


def test_formats_with_a_time_part_are_supported():
    assert parsed(["02/03/1980 14:30:00"], ["%d/%m/%Y %H:%M:%S"]) == [(date(1980, 3, 2), "ok")]


@pytest.mark.parametrize(("raw", "flag"), [
    (None, "missing"), ("", "missing"), ("   ", "missing"), ("N/A", "missing"), ("unknown", "missing"),
    ("00/00/0000", "missing"), ("0", "missing"),
    ("31/02/1980", "unparseable"),  # no such day
    ("1980/13/01", "unparseable"),
    ("next Tuesday", "unparseable"),
])
def test_dates_that_cannot_be_read_say_whether_they_were_missing_or_unreadable(raw, flag):
    assert parsed([raw]) == [(None, flag)]


def test_parse_dates_output_schema():
    out = parse_dates(pl.Series(["02/03/1980", None]), ["%d/%m/%Y"])
    assert out.schema == pl.Schema({"value": pl.Date, "flag": pl.String})


def test_unsupported_or_missing_formats_fail_loudly_when_the_source_is_configured():
    with pytest.raises(ValueError, match="%j"):
        parse_dates(pl.Series(["1980-062"]), ["%Y-%j"])
    with pytest.raises(ValueError):
        parse_dates(pl.Series(["02/03/1980"]), [])


def dob(values, flags=None):
    values = pl.Series(values, dtype=pl.Date)
    flags = pl.Series(flags or ["ok" if v is not None else "missing" for v in values], dtype=pl.String)
    return check_dob(values, flags, TODAY).rows()


@pytest.mark.parametrize("placeholder", [date(1900, 1, 1), date(1901, 1, 1), date(1800, 1, 1),
                                         date(1899, 12, 31), date(1911, 11, 11), date(1111, 11, 11)])
def test_placeholder_birth_dates_are_removed_and_flagged(placeholder):
    assert dob([placeholder]) == [(None, "placeholder", None)]


def test_1_january_1970_is_a_real_birthday_not_a_placeholder():
    assert dob([date(1970, 1, 1)]) == [(date(1970, 1, 1), "ok", None)]


def test_births_in_the_future_or_over_115_years_ago_are_implausible_and_kept_as_written_for_matching():
    assert dob([date(2026, 11, 2), date(2026, 11, 1), date(1911, 11, 2), date(1910, 11, 1), date(1850, 6, 1)]) == [
        (None, "implausible", date(2026, 11, 2)),   # tomorrow: often a one-digit slip of a real date
        (date(2026, 11, 1), "ok", None),            # born today
        (date(1911, 11, 2), "ok", None),            # 114 today, 115 tomorrow
        (None, "implausible", date(1910, 11, 1)),   # 116 today
        (None, "implausible", date(1850, 6, 1)),
    ]


def test_check_dob_keeps_the_reason_a_date_was_already_missing():
    assert dob([None, None, date(1985, 7, 14)], ["missing", "unparseable", "ok"]) == [
        (None, "missing", None), (None, "unparseable", None), (date(1985, 7, 14), "ok", None)]


def test_parse_then_check_is_the_staging_pipeline_for_a_date_of_birth():
    raw = pl.Series(["14/07/1985", "01/01/1900", "", "31/02/1985", "01/01/2030"])
    parsed_dob = parse_dates(raw, ["%d/%m/%Y"], as_of=TODAY)
    out = check_dob(parsed_dob["value"], parsed_dob["flag"], TODAY)
    assert out.schema == pl.Schema({"value": pl.Date, "flag": pl.String, "written": pl.Date})
    assert out["flag"].to_list() == ["ok", "placeholder", "missing", "unparseable", "implausible"]
    assert out["written"].to_list() == [None, None, None, None, date(2030, 1, 1)]  # a placeholder is never kept
