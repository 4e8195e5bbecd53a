"""The safeguarding watch: adults who joined a household with a child known to children's social care (a
system whose YAML declares evidence.childrens_social_care, whatever it is called)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from resident_index.marts.evidence import write_evidence_kinds
from resident_index.sources.spec import load_registry

SQL = Path(__file__).resolve().parents[2] / "resident_index" / "golden" / "households.sql"
AS_OF = date(2026, 11, 1)  # the latest extract; the test runs on whatever day it is


@pytest.fixture
def household():
    """At U1: a child (K1, 10) known to children's services and their mother (M1) since 2015."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE golden_residents (resident_id VARCHAR, uprn VARCHAR, dob DATE, deceased BOOLEAN,
                   services VARCHAR[], last_seen DATE)""")
    con.execute("CREATE TABLE llpg AS SELECT 'U1' AS uprn, '1 HIGH STREET' AS address_text, 'East' AS ward")
    con.execute("""CREATE TABLE resident_addresses (resident_id VARCHAR, uprn VARCHAR, from_date DATE, to_date DATE,
                   is_current_address BOOLEAN, sources VARCHAR[])""")
    con.execute("INSERT INTO golden_residents VALUES ('K1', 'U1', '2016-05-01', false, ['childrens_services'], ?)",
                [AS_OF])
    con.execute("INSERT INTO golden_residents VALUES ('M1', 'U1', '1985-01-01', false, ['council_tax'], ?)", [AS_OF])
    con.execute("INSERT INTO resident_addresses VALUES ('M1', 'U1', '2015-01-01', NULL, true, ['council_tax'])")
    write_evidence_kinds(con)  # as the households asset does: what each bundled system evidences

    def watch(joined: date, born: date, child_born: date = date(2016, 5, 1)) -> list:
        con.execute("UPDATE golden_residents SET dob = ? WHERE resident_id = 'K1'", [child_born])
        con.execute("INSERT INTO golden_residents VALUES ('A1', 'U1', ?, false, ['nhs_demographics'], ?)",
                    [born, AS_OF])
        con.execute("INSERT INTO resident_addresses VALUES ('A1', 'U1', ?, NULL, true, ['nhs_demographics'])",
                    [joined])
        con.execute(SQL.read_text(encoding="utf-8"))
        return con.execute("""SELECT new_adult, joined_on, children_known_to_social_care
                              FROM new_adults_with_children_known_to_social_care""").fetchall()

    yield watch
    con.close()


def test_an_adult_who_joined_in_the_last_180_days_of_the_latest_extract_is_on_the_watch(household):
    # 170 days before the latest extract: on the watch whatever today's date is
    assert household(joined=date(2026, 5, 15), born=date(1990, 1, 1)) == [("A1", date(2026, 5, 15), ["K1"])]


@pytest.mark.parametrize("joined, born, child_born", [
    (date(2026, 4, 1), date(1990, 1, 1), date(2016, 5, 1)),    # joined more than 180 days before
    (date(2026, 9, 1), date(2008, 12, 31), date(2016, 5, 1)),  # 17 on the latest extract date
    (date(2026, 9, 1), date(1990, 1, 1), date(2008, 10, 1)),   # the "child" has turned 18
])
def test_older_arrivals_minors_and_a_child_who_has_turned_18_are_not(household, joined, born, child_born):
    assert household(joined=joined, born=born, child_born=child_born) == []


def test_the_watch_follows_the_kind_not_the_name(household):
    """A council whose children's social care system has another name: the view finds its children."""
    con = duckdb.connect()
    con.execute("CREATE TABLE golden_residents (resident_id VARCHAR, uprn VARCHAR, dob DATE, deceased BOOLEAN, "
                "services VARCHAR[], last_seen DATE)")
    con.execute("CREATE TABLE llpg AS SELECT 'U1' AS uprn, '1 HIGH STREET' AS address_text, 'East' AS ward")
    con.execute("CREATE TABLE resident_addresses (resident_id VARCHAR, uprn VARCHAR, from_date DATE, to_date DATE, "
                "is_current_address BOOLEAN, sources VARCHAR[])")
    con.execute("INSERT INTO golden_residents VALUES ('K1', 'U1', '2016-05-01', false, ['mosaic_cs'], ?), "
                "('A1', 'U1', '1990-01-01', false, ['gp_feed'], ?)", [AS_OF, AS_OF])
    con.execute("INSERT INTO resident_addresses VALUES ('A1', 'U1', '2026-05-15', NULL, true, ['gp_feed'])")
    care = next(s for s in load_registry() if s.evidence.childrens_social_care is not None)
    renamed = care.model_copy(update={"name": "mosaic_cs"})
    write_evidence_kinds(con, [renamed])
    con.execute(SQL.read_text(encoding="utf-8"))
    assert con.execute("SELECT new_adult, children_known_to_social_care "
                       "FROM new_adults_with_children_known_to_social_care").fetchall() == [("A1", ["K1"])]
    write_evidence_kinds(con, [])  # no system declares the kind: nobody is on the watch
    assert con.execute("SELECT count(*) FROM new_adults_with_children_known_to_social_care").fetchone()[0] == 0
