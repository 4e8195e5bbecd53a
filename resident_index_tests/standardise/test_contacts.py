"""Phones and emails: the same line or inbox written five ways becomes one comparable value."""

from __future__ import annotations

import polars as pl
import pytest

from resident_index.standardise.contacts import email, phone_e164


@pytest.mark.parametrize(("raw", "phone", "valid"), [
    ("020 7946 0018", "+442079460018", True),
    ("(020) 7946 0018", "+442079460018", True),
    ("02079460018", "+442079460018", True),
    ("+44 (0)20 7946 0018", "+442079460018", True),
    ("0044 20 7946 0018", "+442079460018", True),
    ("+44 20 7946 0018", "+442079460018", True),
    ("0113 496 0000", "+441134960000", True),
    ("0161 496 0123", "+441614960123", True),
    ("07911 123456", "+447911123456", True),
    ("+1 202 555 0143", "+12025550143", True),  # a number with its own country code keeps it
    # Ofcom's drama range: the right length but never allocated, so kept in E.164 yet not valid
    ("07700 900123", "+447700900123", False),
    ("12345", None, False),
    ("not given", None, False),
    ("07700 900123 / 020 7946 0018", None, False),  # two numbers in one field: not guessed at
])
def test_phone_e164(raw, phone, valid):
    assert phone_e164(pl.Series([raw])).row(0) == (phone, valid)


def test_a_missing_phone_is_null_not_invalid():
    out = phone_e164(pl.Series([None, "", " "], dtype=pl.String))
    assert out.schema == pl.Schema({"phone": pl.String, "phone_valid": pl.Boolean})
    assert out.rows() == [(None, None)] * 3


def test_phone_region_reads_numbers_without_a_country_code():
    assert phone_e164(pl.Series(["01 234 5678"]), region="IE").row(0) == ("+35312345678", True)


@pytest.mark.parametrize(("raw", "address", "valid"), [
    (" Jane.Smith@Example.CO.UK ", "jane.smith@example.co.uk", True),
    ("j.o'neill+council@example.org", "j.o'neill+council@example.org", True),
    ("a.khan@mail.example.com", "a.khan@mail.example.com", True),
    ("jane smith@example.com", None, False),
    ("jane@@example.com", None, False),
    ("jane.example.com", None, False),
    ("jane@example", None, False),
    ("jane..smith@example.com", None, False),
    ("jane@example.c", None, False),
    ("none@none.com", None, False),  # placeholders would link every resident without an email
    ("NoEmail@northbridge.gov.uk", None, False),
])
def test_email(raw, address, valid):
    assert email(pl.Series([raw])).row(0) == (address, valid)


def test_a_missing_email_is_null_not_invalid():
    out = email(pl.Series([None, ""], dtype=pl.String))
    assert out.schema == pl.Schema({"email": pl.String, "email_valid": pl.Boolean})
    assert out.rows() == [(None, None)] * 2
