"""The within-system duplicates list (feedback/duplicates.sql) on records written here, no build: which second
records it lists, into which record it says to merge them, and which pairs it leaves alone as two people."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from resident_index.feedback import build
from resident_index.feedback.rules import load_rule_tables, load_rules
from resident_index.resolution.resolve import NAMES_COMPATIBLE
from resident_index.sources.spec import load_registry
from resident_index.standardise.names import variants_table

COLUMNS = ("resident_id", "source_system", "source_record_id", "forename", "surname", "dob", "role", "group_ref",
           "since")


@pytest.fixture()
def listed():
    """Run the list over records (tuples in COLUMNS order, all live and surely linked); return
    {record id: (listed, record to keep, names compatible, why two people)}."""
    def run(*records):
        con = duckdb.connect()
        sources = load_registry()
        load_rule_tables(con, load_rules(sources), sources)
        con.execute(NAMES_COMPATIBLE)
        con.execute("""CREATE TEMP TABLE _fb_records (resident_id VARCHAR, source_system VARCHAR,
                       source_record_id VARCHAR, forename VARCHAR, surname VARCHAR, dob DATE, role VARCHAR,
                       group_ref VARCHAR, since DATE, middle_names VARCHAR, forename_canonical VARCHAR,
                       address VARCHAR, postcode VARCHAR, live BOOLEAN, link_probability DOUBLE)""")
        con.executemany("""INSERT INTO _fb_records SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, '1 HIGH STREET',
                           'NB1 1AA', true, 1.0""", [list(r) for r in records])
        con.execute("UPDATE _fb_records SET forename_canonical = forename")
        variants_table(con, "_fb_forename_variants", "SELECT forename FROM _fb_records")
        build.build_lists(con, "duplicates")
        return {r[0]: r[1:] for r in con.execute("""SELECT source_record_id, listed, keep_record_id, names_compatible,
                                                     two_people FROM feedback_duplicates""").fetchall()}
    return run


D1, D2, D3 = date(2020, 1, 1), date(2021, 1, 1), date(2022, 1, 1)


def test_a_nickname_or_names_written_the_other_way_round_is_still_one_persons_duplicate(listed):
    got = listed(("R1", "crm_contacts", "c1", "CHRISTOPHER", "NEWWORTH", None, None, None, D1),
                 ("R1", "crm_contacts", "c2", "KIT", "NEWWORTH", None, None, None, D2),
                 ("R2", "crm_contacts", "c3", "HARPREET", "SINGH", None, None, None, D1),
                 ("R2", "crm_contacts", "c4", "SINGH", "HARPREET", None, None, None, D2),
                 ("R3", "crm_contacts", "c5", "JOHN", "SMITH", None, None, None, D1),
                 ("R3", "crm_contacts", "c6", "MARY", "SMITH", None, None, None, D2))
    assert got["c2"] == (True, "c1", True, None)
    assert got["c4"] == (True, "c3", True, None)
    assert got["c6"][:3] == (False, "c5", False)  # other given names: the index may have joined two people


def test_two_people_on_one_account_or_with_two_birthdays_are_not_listed(listed):
    got = listed(("R1", "council_tax", "t1", "JON", "COLDSTEAD", None, "lead", "A1", D1),
                 ("R1", "council_tax", "t2", "J", "COLDSTEAD", None, "joint", "A1", D1),
                 ("R2", "council_tax", "t3", "KIRAN", "JOHAL", None, "lead", "A2", D1),
                 ("R2", "council_tax", "t4", "KIRAN", "JOHAL", None, "lead", "A2", D2),
                 ("R3", "housing_tenancies", "h1", "JAVIER", "SANTOS", date(2018, 1, 9), "member", "T1", D1),
                 ("R3", "housing_tenancies", "h2", "JAVIER", "SANTOS", date(2021, 5, 29), "member", "T1", D2),
                 ("R4", "housing_tenancies", "h3", "WEI", "HUANG", date(1990, 3, 14), "member", "T2", D1),
                 ("R4", "housing_tenancies", "h4", "WEI", "HUANG", date(1990, 3, 15), "member", "T2", D2),
                 ("R5", "housing_tenancies", "h5", "YVONNE", "REID", date(1980, 12, 3), "member", "T3", D1),
                 ("R5", "housing_tenancies", "h6", "YVONNE", "REID", date(1980, 3, 12), "member", "T3", D2))
    # the account's lead and joint liable person are two people, however alike their names
    assert got["t2"] == (False, "t1", True, "roles in one group")
    # one account holding one person twice in one role is a duplicate
    assert got["t4"] == (True, "t3", True, None)
    # dates of birth three years apart are two people's; one mistyped digit, or day and month swapped, one person's
    assert got["h2"] == (False, "h1", True, "dates of birth")
    assert got["h4"][0] and got["h6"][0]


def test_a_second_record_is_merged_into_the_oldest_record_that_can_be_the_same_person(listed):
    # the index holds a couple as one resident: her second record is hers to merge, not his
    got = listed(("R1", "crm_contacts", "c1", "JAVIER", "FERNANDEZ", None, None, None, D1),
                 ("R1", "crm_contacts", "c2", "JOANA", "FERNANDEZ", None, None, None, D2),
                 ("R1", "crm_contacts", "c3", "JOANA", "FERNANDEZ", None, None, None, D3))
    assert got["c3"] == (True, "c2", True, None)
    assert got["c2"][:3] == (False, "c1", False)


def test_one_name_and_birthday_twice_in_one_system_is_listed_though_the_index_holds_two_residents(listed):
    # two claims by one name and date of birth under two NI numbers: the index keeps them as two residents
    got = listed(("R1", "benefits", "b1", "THOMAS", "WESGATE", date(1970, 5, 1), "claimant", "C1", D1),
                 ("R2", "benefits", "b2", "THOMAS", "WESGATE", date(1970, 5, 1), "claimant", "C2", D2),
                 ("R3", "benefits", "b3", "ANNA", "WESGATE", date(1970, 5, 1), "claimant", "C3", D2),
                 ("R4", "benefits", "b4", "ANNE", "WESGATE", date(1970, 5, 1), "claimant", "C4", D2))
    assert got["b2"] == (True, "b1", True, None)
    # the oldest is kept, and a twin under another (even a close) forename is not raised
    assert set(got) == {"b2"}
