"""Survivorship: which record supplies each golden attribute, and the lineage kept with it."""

from datetime import date

import duckdb
import pytest

from resident_index.golden.survivorship import golden_residents_sql

COLUMNS = {"source_system": "VARCHAR", "source_record_id": "VARCHAR", "name_raw": "VARCHAR", "title": "VARCHAR", "forename": "VARCHAR",
           "middle_names": "VARCHAR", "surname": "VARCHAR", "dob": "DATE", "sex": "VARCHAR", "nhs_number": "VARCHAR",
           "ni_number": "VARCHAR", "uprn": "VARCHAR", "address": "VARCHAR", "postcode": "VARCHAR", "ward": "VARCHAR",
           "polling_district": "VARCHAR", "easting": "DOUBLE", "northing": "DOUBLE", "phone": "VARCHAR",
           "mobile": "VARCHAR", "email": "VARCHAR", "date_of_death": "DATE", "start_date": "DATE", "end_date": "DATE",
           "status": "VARCHAR",
           "first_seen": "DATE", "last_seen": "DATE", "is_current": "BOOLEAN", "record_hash": "UBIGINT"}


@pytest.fixture
def warehouse():
    con = duckdb.connect()
    con.execute("CREATE TABLE person_records (" + ", ".join(f"{k} {v}" for k, v in COLUMNS.items()) + ")")
    con.execute("CREATE TABLE resident_crosswalk (source_system VARCHAR, source_record_id VARCHAR, resident_id VARCHAR)")
    yield con
    con.close()


def add(con, resident, system, record, **values):
    row = {"source_system": system, "source_record_id": record, "first_seen": date(2026, 10, 31),
           "last_seen": date(2026, 11, 1), "is_current": True, **values}
    con.execute(f"INSERT INTO person_records ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    con.execute("INSERT INTO resident_crosswalk VALUES (?, ?, ?)", [system, record, resident])


def golden(con, resident):
    con.execute("CREATE OR REPLACE TABLE golden_residents AS "
                + golden_residents_sql().replace("{records}", "resident_crosswalk"))
    cur = con.execute("SELECT * FROM golden_residents WHERE resident_id = ?", [resident])
    return dict(zip([d[0] for d in cur.description], cur.fetchone()))


def test_the_nhs_feeds_nhs_number_beats_one_typed_into_the_crm(warehouse):
    add(warehouse, "R1", "crm_contacts", "c1", surname="SMITH", nhs_number="9434765919", start_date=date(2026, 1, 1))
    add(warehouse, "R1", "nhs_demographics", "n1", surname="SMITH", nhs_number="9434765870", start_date=date(2001, 1, 1))
    g = golden(warehouse, "R1")
    assert (g["nhs_number"], g["nhs_number_source"], g["nhs_number_record"]) == ("9434765870", "nhs_demographics", "n1")


def test_the_newest_address_wins_unless_its_source_is_known_to_be_stale(warehouse):
    add(warehouse, "R1", "council_tax", "ct1", surname="KHAN", uprn="100", address="1 OLD ROAD",
        start_date=date(2020, 5, 1))
    add(warehouse, "R1", "electoral_register", "er1", surname="KHAN", uprn="200", address="9 NEW STREET",
        start_date=date(2026, 9, 1))
    add(warehouse, "R1", "parking_permits", "pp1", surname="KHAN", uprn="300", address="5 PERMIT LANE",
        start_date=date(2026, 10, 1))  # newest, but permits lag behind moves
    g = golden(warehouse, "R1")
    assert (g["uprn"], g["address_source"], g["address_as_of"]) == ("200", "electoral_register", date(2026, 9, 1))


def test_a_record_no_longer_in_its_system_does_not_supply_the_current_address(warehouse):
    add(warehouse, "R1", "council_tax", "ct1", surname="KHAN", uprn="100", start_date=date(2026, 10, 1),
        is_current=False)
    add(warehouse, "R1", "council_tax", "ct2", surname="KHAN", uprn="200", start_date=date(2024, 1, 1))
    assert golden(warehouse, "R1")["uprn"] == "200"


def test_a_liability_that_has_ended_does_not_keep_the_golden_address(warehouse):
    # still in the council tax extract (current), but ended before the extract date: they left in September
    add(warehouse, "R1", "council_tax", "ct1", surname="KHAN", uprn="100", start_date=date(2021, 4, 1),
        end_date=date(2026, 9, 30), status="ended")
    add(warehouse, "R1", "nhs_demographics", "n1", surname="KHAN", uprn="200", start_date=date(2019, 6, 1))
    g = golden(warehouse, "R1")
    assert (g["uprn"], g["address_source"]) == ("200", "nhs_demographics")


def test_an_end_date_alone_or_an_ended_status_alone_ends_a_record(warehouse):
    add(warehouse, "R1", "council_tax", "ct1", surname="KHAN", uprn="100", start_date=date(2021, 4, 1),
        end_date=date(2026, 9, 30))                      # no status column mapped
    add(warehouse, "R1", "nhs_demographics", "n1", surname="KHAN", uprn="200", start_date=date(2019, 6, 1))
    add(warehouse, "R2", "housing_tenancies", "h2", surname="OKAFOR", uprn="300", start_date=date(2022, 1, 1),
        status="ended")                                  # closed, end date not given
    add(warehouse, "R2", "electoral_register", "e2", surname="OKAFOR", uprn="400", start_date=date(2018, 1, 1))
    assert golden(warehouse, "R1")["uprn"] == "200"
    assert golden(warehouse, "R2")["uprn"] == "400"


def test_a_liability_ending_after_the_extract_date_still_places_them_there(warehouse):
    add(warehouse, "R1", "council_tax", "ct1", surname="KHAN", uprn="100", start_date=date(2021, 4, 1),
        end_date=date(2026, 12, 31), status="active")    # notice given, not yet ended
    add(warehouse, "R1", "nhs_demographics", "n1", surname="KHAN", uprn="200", start_date=date(2019, 6, 1))
    assert golden(warehouse, "R1")["uprn"] == "100"


def test_a_run_after_an_end_date_passes_moves_the_golden_address_though_no_record_changed(warehouse):
    from resident_index.golden.survivorship import build_golden_residents

    add(warehouse, "R1", "council_tax", "ct1", surname="KHAN", uprn="100", start_date=date(2021, 4, 1),
        end_date=date(2026, 11, 15), record_hash=1)
    add(warehouse, "R1", "nhs_demographics", "n1", surname="KHAN", uprn="200", start_date=date(2019, 6, 1),
        record_hash=2)
    build_golden_residents(warehouse)
    assert warehouse.execute("SELECT uprn FROM golden_residents").fetchone()[0] == "100"
    warehouse.execute("UPDATE person_records SET last_seen = DATE '2026-11-20'")  # the next extract, same rows
    assert build_golden_residents(warehouse)["mode"] != "full"
    assert warehouse.execute("SELECT uprn FROM golden_residents").fetchone()[0] == "200"


def test_names_used_services_and_death_are_kept(warehouse):
    add(warehouse, "R1", "nhs_demographics", "n1", forename="MARGARET", surname="JONES", dob=date(1940, 2, 3),
        date_of_death=date(2026, 10, 20))
    add(warehouse, "R1", "blue_badges", "b1", forename="PEGGY", surname="JONES", dob=date(1940, 3, 2))
    add(warehouse, "R1", "council_tax", "ct1", forename="M", surname="JONES", is_current=False)
    g = golden(warehouse, "R1")
    assert (g["forename"], g["dob"], g["deceased"], g["date_of_death"]) == ("MARGARET", date(1940, 2, 3), True,
                                                                            date(2026, 10, 20))
    assert g["names_used"] == ["M JONES", "MARGARET JONES", "PEGGY JONES"]
    assert g["services"] == ["blue_badges", "nhs_demographics"]  # council tax account closed
    assert g["records"] == 3


def test_a_name_in_another_script_is_matched_as_its_transliteration_and_shown_as_written(warehouse):
    from resident_index.golden.lookup import display_name

    add(warehouse, "R1", "electoral_register", "e1", name_raw="Иван Петров", forename="IVAN", surname="PETROV")
    g = golden(warehouse, "R1")
    assert (g["forename"], g["surname"], g["name_as_written"]) == ("IVAN", "PETROV", "Иван Петров")
    assert display_name("IVAN PETROV", g["name_as_written"]) == "IVAN PETROV (written Иван Петров)"
    assert display_name("ZOE SMITH", "Zoë Smith") == "ZOE SMITH (written Zoë Smith)"
    assert display_name("JOHN SMITH", "SMITH, John") == "JOHN SMITH"
