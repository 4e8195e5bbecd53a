"""Addresses written as the gazetteer writes them get their UPRN from exact.sql, before the fuzzy matcher.

A hand-made gazetteer of synthetic properties; each case is one way a council system writes an address.
"""

from __future__ import annotations

import duckdb
import pytest

from resident_index.addresses.match import EXACT_SQL


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("""CREATE TABLE llpg AS SELECT * FROM (VALUES
        ('1001', NULL, '12', 'ACORN ROAD', NULL, 'NORTHBRIDGE', 'NB1 1AA'),
        ('1002', 'FLAT 2', 'ROSE COURT', 'ACORN ROAD', 'MILLBROOK', 'NORTHBRIDGE', 'NB1 1AB'),
        ('1003', NULL, '7', 'BIRCH LANE', NULL, 'NORTHBRIDGE', 'NB2 2BB'),
        ('1004', NULL, '7', 'BIRCH LANE', NULL, 'NORTHBRIDGE', 'NB2 2BB'),  -- a duplicate entry, another UPRN
        ('1005', NULL, '3', 'QUAI DES ORFEVRES', NULL, 'PARIS', '75001')
    ) t(uprn, sao, pao, street, locality, town, postcode)""")
    return con


def _exact(con, *addresses: tuple[str, str | None]) -> list[str | None]:
    """The UPRN exact.sql gives each (address, postcode), in order; None: left to the fuzzy matcher."""
    con.execute("CREATE OR REPLACE TEMP TABLE _new_addresses (unique_id VARCHAR, address VARCHAR, postcode_key VARCHAR)")
    con.executemany("INSERT INTO _new_addresses VALUES (?, ?, ?)",
                    [(str(i), a, p) for i, (a, p) in enumerate(addresses)])
    con.execute(EXACT_SQL)
    found = dict(con.execute("SELECT unique_id, uprn FROM _exact_addresses").fetchall())
    return [found.get(str(i)) for i in range(len(addresses))]


def test_the_gazetteers_own_wording_in_any_case_and_punctuation_matches(con):
    assert _exact(con, ("12 Acorn Road", "NB1 1AA"), ("12, ACORN ROAD, NORTHBRIDGE", "nb11aa"),
                  ("Flat 2, Rose Court, Acorn Road, Millbrook, Northbridge", "NB1 1AB"),
                  ("FLAT 2 ROSE COURT ACORN ROAD NORTHBRIDGE", "NB1 1AB")) == ["1001", "1001", "1002", "1002"]


def test_a_postcode_written_at_the_end_of_the_address_is_used_when_the_column_is_empty(con):
    assert _exact(con, ("12 Acorn Road, Northbridge NB1 1AA", None), ("12 Acorn Road NB11AA", None),
                  ("12 Acorn Road, Northbridge NB1 1AA", "NB1 1AA")) == ["1001", "1001", "1001"]


def test_anything_else_is_left_to_the_fuzzy_matcher(con):
    assert _exact(con,
                  ("12 Acorn Rd", "NB1 1AA"),           # an abbreviation
                  ("12 Acorn Road", "NB1 1AB"),         # the wrong postcode
                  ("12 Acorn Road", None),              # no postcode at all
                  ("Flat 2, Acorn Road", "NB1 1AB"),    # part of the address missing
                  ("7 Birch Lane", "NB2 2BB"),          # two UPRNs share this address: neither is chosen
                  ) == [None] * 5


def test_a_postcode_of_another_country_and_accented_letters_match(con):
    assert _exact(con, ("3 Quai des Orfèvres, Paris", "75001"), ("3 QUAI DES ORFEVRES", "75 001")) == ["1005", "1005"]
