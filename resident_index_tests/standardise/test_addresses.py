"""Addresses: one tidy display line; the address matcher does the heavy cleaning later."""

from __future__ import annotations

import polars as pl
import pytest

from resident_index.standardise.addresses import clean_address, join_address


def test_join_address_skips_blank_parts_and_upper_cases():
    df = pl.DataFrame({
        "line1": ["Flat 2", None, " ", "12  High St,", None],
        "line2": ["12 High Street", "7 Mill Lane", "", "Northbridge", None],
        "town": [" Northbridge ", "Northbridge", None, None, ""],
    })
    assert join_address(df, ["line1", "line2", "town"]).to_list() == [
        "FLAT 2, 12 HIGH STREET, NORTHBRIDGE",
        "7 MILL LANE, NORTHBRIDGE",
        None,
        "12 HIGH ST, NORTHBRIDGE",  # joining does not expand abbreviations; clean_address does
        None,
    ]


def test_join_address_accepts_non_text_columns_such_as_a_house_number():
    df = pl.DataFrame({"number": [12, None], "street": ["Rose Close", "Rose Close"]})
    assert join_address(df, ["number", "street"]).to_list() == ["12, ROSE CLOSE", "ROSE CLOSE"]


@pytest.mark.parametrize(("raw", "clean"), [
    ("12 High St, Northbridge", "12 HIGH STREET, NORTHBRIDGE"),
    ("12 High St.", "12 HIGH STREET"),
    ("St Anne's Road", "ST ANNES ROAD"),  # a leading ST is a saint
    ("12 St Annes Rd", "12 ST ANNES ROAD"),
    ("Flat 1, St Marys Ct", "FLAT 1, ST MARYS COURT"),
    ("HIGH ST NORTHBRIDGE", "HIGH ST NORTHBRIDGE"),  # ST mid-part is left alone: it could be a saint
    ("1 Acacia Ave", "1 ACACIA AVENUE"),
    ("3 Church Gdns", "3 CHURCH GARDENS"),
    ("4 Oak Cl", "4 OAK CLOSE"),
    ("5 Kings Ct", "5 KINGS COURT"),
    ("6 Park Cres", "6 PARK CRESCENT"),
    ("9 Elm Dr", "9 ELM DRIVE"),
    ("2 Mill Ln", "2 MILL LANE"),
    ("2 Market Pl", "2 MARKET PLACE"),
    ("7 Berkeley Sq", "7 BERKELEY SQUARE"),
    ("3 Victoria Terr", "3 VICTORIA TERRACE"),
    ("4 Albert Ter", "4 ALBERT TERRACE"),
    ("Ivy Hse, Rd End", "IVY HOUSE, ROAD END"),
    ("Flat 2/3, 10-12 Duke's Rd.", "FLAT 2/3, 10-12 DUKES ROAD"),
    ("Clay Pl., Rdg", "CLAY PLACE, RDG"),  # only whole words are expanded
    ("1 Acacia Ave,, ,Northbridge,", "1 ACACIA AVENUE, NORTHBRIDGE"),
    (" , ", None),
    ("", None),
    (None, None),
])
def test_clean_address(raw, clean):
    assert clean_address(pl.Series([raw], dtype=pl.String)).item() == clean
