"""Twins share a birthday, a surname and an address: what a system says about who its records are keeps
them apart where the model's scores alone would make them one resident."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from resident_index.resolution.resolve import resolve
from resident_index.resolution.splink_model import model_config

BORN = date(2016, 1, 12)


def resident_groups(records: list[tuple], pairs: list[tuple], **conflicts) -> list[set[str]]:
    """Resolve hand-made records (unique_id, forename, middle name, group, distinct in group[, date of
    birth]) all at one address, born on BORN unless given, the model scoring `pairs` (a, b, probability);
    the residents, as sets. `conflicts` overrides model.yaml's conflicts."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE resolution_input (unique_id VARCHAR, source_system VARCHAR, source_record_id VARCHAR,
                   forename VARCHAR, forename_canonical VARCHAR, middle_name VARCHAR, surname VARCHAR, dob DATE,
                   latest_dob DATE, nhs_number VARCHAR, ni8 VARCHAR, shared_id VARCHAR, phone VARCHAR,
                   email VARCHAR, uprn VARCHAR, distinct_at_address BOOLEAN, distinct_group VARCHAR)""")
    for uid, forename, middle, group, in_group, *born in records:
        system, record = uid.split("|")
        con.execute("INSERT INTO resolution_input VALUES (?, ?, ?, ?, ?, ?, 'TAYLOR', ?, NULL, NULL, NULL, NULL, "
                    "NULL, NULL, 'U1', false, ?)",
                    [uid, system, record, forename, forename, middle, born[0] if born else BORN,
                     group if in_group else None])
    con.execute("ALTER TABLE resolution_input ADD COLUMN dob_checked DATE")  # the dates of birth as checked
    con.execute("UPDATE resolution_input SET dob_checked = dob")
    con.execute("""CREATE TABLE person_records AS SELECT source_system, source_record_id,
                   DATE '2026-11-01' AS first_seen, DATE '2026-11-01' AS last_seen FROM resolution_input""")
    con.execute("""CREATE TABLE resolution_pairs (unique_id_l VARCHAR, unique_id_r VARCHAR, match_probability DOUBLE,
                   match_weight DOUBLE, breakdown JSON)""")
    con.executemany("INSERT INTO resolution_pairs VALUES (least(?, ?), greatest(?, ?), ?, 10, NULL)",
                    [(a, b, a, b, p) for a, b, p in pairs])
    cfg = model_config()
    resolve(con, cfg | {"conflicts": cfg["conflicts"] | conflicts}, "test")
    residents: dict[str, set[str]] = {}
    for system, record, resident in con.execute(
            "SELECT source_system, source_record_id, resident_id FROM resident_crosswalk").fetchall():
        residents.setdefault(resident, set()).add(f"{system}|{record}")
    return sorted(residents.values(), key=sorted)


@pytest.mark.parametrize("in_group, names_at_address, residents", [
    (True, False, [{"tenancy|1", "nhs|1"}, {"tenancy|2"}]),   # a tenancy lists each household member once
    (False, False, [{"tenancy|1", "tenancy|2", "nhs|1"}]),    # a system that may list someone twice: one resident
    (False, True, [{"tenancy|1", "nhs|1"}, {"tenancy|2"}]),   # ... unless two given names no nickname, typo or
])                                                            # initial apart at one address part them
def test_twins_listed_in_one_tenancy_under_other_names_are_two_people(in_group, names_at_address, residents):
    """The tenancy holds no date of birth for Leo: only its household listing, or his name at the address,
    tells him from Isaac (neither holds a middle name: a missing one is no evidence either way)."""
    records = [("tenancy|1", "ISAAC", None, "T1", in_group), ("tenancy|2", "LEO", None, "T1", in_group, None),
               ("nhs|1", "ISAAC", None, None, False)]
    pairs = [("tenancy|1", "nhs|1", 0.999), ("tenancy|1", "tenancy|2", 0.99), ("tenancy|2", "nhs|1", 0.98)]
    assert resident_groups(records, pairs, names_at_address=names_at_address) == residents


@pytest.mark.parametrize("other, residents", [
    ("KIT", [{"crm|1", "nhs|1"}]),                      # a nickname of CHRISTOPHER (the nickname data's variants)
    ("KEITH", [{"crm|1"}, {"nhs|1"}]),                  # another given name: two people of one household
])
def test_one_surname_at_one_address_under_names_no_nickname_apart_is_two_people(other, residents):
    records = [("nhs|1", "CHRISTOPHER", None, None, False), ("crm|1", other, None, None, False, None)]
    assert resident_groups(records, [("nhs|1", "crm|1", 0.99)]) == residents


@pytest.mark.parametrize("other, residents", [
    ("school|2", [{"school|1"}, {"school|2"}]),   # one system's two applications, one per twin
    ("nhs|2", [{"nhs|2"}, {"school|1"}]),         # two systems: given names no nickname, typo or initial apart
                                                  # at one address under one surname (names_at_address)
])
def test_one_systems_two_records_at_one_address_with_one_birthday_under_other_names_are_twins(other, residents):
    """Two school applications (two groups) from one address for two children born the same day."""
    records = [("school|1", "ISAAC", "ETHAN", "A1", True), (other, "LEO", "OLIVER", "A2", True)]
    assert resident_groups(records, [("school|1", other, 0.99)]) == residents


@pytest.mark.parametrize("forename, middle", [
    ("ISAAC", None), ("ISSAC", "ETHAN"), ("I", "E"),   # the same child keyed twice: a typo, initials
])
def test_a_child_keyed_twice_in_one_group_is_still_one_resident(forename, middle):
    records = [("school|1", "ISAAC", "ETHAN", "A1", True), ("school|2", forename, middle, "A1", True)]
    assert resident_groups(records, [("school|1", "school|2", 0.99)]) == [{"school|1", "school|2"}]


def test_the_same_given_name_with_other_middle_names_in_one_group_is_two_people():
    records = [("tenancy|1", "CALUM", "BENJAMIN", "T1", True), ("tenancy|2", "CALLUM", "JACK", "T1", True)]
    assert resident_groups(records, [("tenancy|1", "tenancy|2", 0.99)]) == [{"tenancy|1"}, {"tenancy|2"}]
