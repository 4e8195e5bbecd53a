"""NHS and National Insurance numbers: only a number that can be right is kept, because it links records outright."""

from __future__ import annotations

import polars as pl
import pytest

from resident_index.standardise.identifiers import nhs_number, ni_number


@pytest.mark.parametrize(("raw", "number", "valid"), [
    ("943 476 5919", "9434765919", True),  # NHS England's published example number
    ("943-476-5919", "9434765919", True),
    (" 9434765919 ", "9434765919", True),
    ("999 000 1111", "9990001111", True),  # the 999 range is reserved for test data, and is well-formed
    ("485 777 3457", "4857773457", True),
    ("943 476 5918", None, False),  # wrong check digit: a typo
    ("0000000000", None, False),  # passes mod 11, but a dummy
    ("9999999999", None, False),
    ("1111111111", None, False),
    ("94347659", None, False),  # too short
    ("NHS9434765919", None, False),
    ("not known", None, False),
])
def test_nhs_number(raw, number, valid):
    assert nhs_number(pl.Series([raw])).row(0) == (number, valid)


def test_a_missing_nhs_number_is_null_not_invalid():
    out = nhs_number(pl.Series([None, "", "   "], dtype=pl.String))
    assert out.schema == pl.Schema({"nhs_number": pl.String, "nhs_valid": pl.Boolean})
    assert out.rows() == [(None, None)] * 3


@pytest.mark.parametrize(("raw", "number", "valid"), [
    ("ab 12 34 56 c", "AB123456C", True),
    ("AB123456C", "AB123456C", True),
    ("ab-12-34-56-d", "AB123456D", True),
    ("JG 10 37 59 A", "JG103759A", True),
    ("AB123456", "AB123456", True),  # suffix left off by the source system: accepted, kept as given
    ("AB123456E", None, False),  # suffix is only ever A-D
    ("DA123456A", None, False),  # D is never a prefix letter
    ("AD123456A", None, False),
    ("QQ123456C", None, False),  # HMRC's own example number uses the unused letter Q
    ("AO123456A", None, False),  # O is never the second letter
    ("GB123456A", None, False),  # prefixes never allocated
    ("BG123456A", None, False),
    ("NK123456A", None, False),
    ("ZZ123456A", None, False),
    ("TN010180M", None, False),  # temporary number (TN + date of birth + sex)
    ("TN123456A", None, False),
    ("AB12345C", None, False),
])
def test_ni_number_follows_hmrc_format_rules(raw, number, valid):
    assert ni_number(pl.Series([raw])).row(0) == (number, valid)


def test_a_missing_ni_number_is_null_not_invalid():
    out = ni_number(pl.Series([None, ""], dtype=pl.String))
    assert out.schema == pl.Schema({"ni_number": pl.String, "ni_valid": pl.Boolean})
    assert out.rows() == [(None, None)] * 2
