"""Postcodes: however a system typed it, one spelling; the format is checked; parts are ready for blocking."""

from __future__ import annotations

import polars as pl
import pytest

from resident_index.standardise.postcodes import extract_postcode, normalise_postcode, postcode_parts


@pytest.mark.parametrize(("raw", "postcode", "valid"), [
    ("NW1 2AB", "NW1 2AB", True),
    ("nw12ab", "NW1 2AB", True),
    (" nw1  2ab ", "NW1 2AB", True),
    ("NW1-2AB", "NW1 2AB", True),
    ("sw1a1aa", "SW1A 1AA", True),
    ("M1 1AE", "M1 1AE", True),
    ("B33 8TH", "B33 8TH", True),
    ("CR2 6XH", "CR2 6XH", True),
    ("DN55 1PT", "DN55 1PT", True),
    ("EC1A 1BB", "EC1A 1BB", True),
    ("GIR0AA", "GIR 0AA", True),
    ("LS1 4AI", "LS1 4AI", False),  # I is never used in the last two letters
    ("LS1 4A", "LS 14A", False),  # too short: kept as typed (normalised) so staff can fix it
    ("N/K", "NK", False),
    ("12345", "12 345", False),
])
def test_normalise_postcode(raw, postcode, valid):
    assert normalise_postcode(pl.Series([raw])).row(0) == (postcode, valid)


def test_a_missing_postcode_is_null_not_invalid():
    out = normalise_postcode(pl.Series([None, "", "  "], dtype=pl.String))
    assert out.schema == pl.Schema({"postcode": pl.String, "postcode_valid": pl.Boolean})
    assert out.rows() == [(None, None)] * 3


def test_postcode_parts_for_blocking():
    out = postcode_parts(pl.Series(["NW1 2AB", "sw1a1aa", "M1 1AE", "LS1 4AI", None]))
    assert out.schema == pl.Schema({c: pl.String for c in ("postcode_sector", "postcode_district", "postcode_area")})
    assert out.rows() == [
        ("NW1 2", "NW1", "NW"),
        ("SW1A 1", "SW1A", "SW"),
        ("M1 1", "M1", "M"),
        (None, None, None),  # an invalid postcode is in nobody's block
        (None, None, None),
    ]


@pytest.mark.parametrize(("address", "postcode"), [
    ("12 High Street, Northbridge NW1 2AB", "NW1 2AB"),
    ("12 High Street, Northbridge, nw12ab.", "NW1 2AB"),
    ("Flat 3, 7 Mill Lane, Leeds LS1 4AP, UK", "LS1 4AP"),
    ("5 Church Road, Birmingham, B33 8TH England", "B33 8TH"),
    ("12 High Street, Northbridge", None),
    ("Flat 2/3 Tower Court", None),
    (None, None),
])
def test_extract_postcode_from_the_end_of_a_free_text_address(address, postcode):
    assert extract_postcode(pl.Series([address], dtype=pl.String)).item() == postcode
