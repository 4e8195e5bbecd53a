"""Service demand mart: hand-made residents and records in an in-memory DuckDB, and the counts each table
must give for them. The upstream tables are cut down to the columns the mart's SQL reads."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from resident_index.marts.service_demand.build import TABLES, build_table
from resident_index.marts.service_demand.config import age_bands, load_settings

AS_OF = date(2026, 11, 1)
SETTINGS = {"services": {"council_tax": "Council tax", "benefits": "Benefits", "adult_social_care": "Adult care",
                         "blue_badges": "Blue badges"},
            "age_band_starts": [0, 18, 65], "residents_min_services": 3, "households_min_services": 2,
            "trend_months": 3}

# resident: (ward, age, deceased, {system: live?})
RESIDENTS = {
    "R1": ("North", 70, False, {"council_tax": True, "benefits": True, "adult_social_care": True}),
    "R2": ("North", 40, False, {"council_tax": True, "benefits": True}),
    "R3": ("South", 30, False, {"council_tax": True, "benefits": False}),  # benefit claim no longer live
    "R4": ("South", 80, True, {"adult_social_care": True}),  # died: not current demand
    "R5": (None, None, False, {"council_tax": True}),  # no address, no date of birth
    "R6": ("South", 10, False, {"nhs_demographics": True}),  # known only to a system that is not a service
}


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE mart_residents (resident_id VARCHAR, ward VARCHAR, age INTEGER, deceased BOOLEAN, "
                "as_of DATE)")
    con.execute("CREATE TABLE live_records (resident_id VARCHAR, source_system VARCHAR, source_record_id VARCHAR, "
                "live BOOLEAN)")
    for resident, (ward, age, deceased, records) in RESIDENTS.items():
        con.execute("INSERT INTO mart_residents VALUES (?, ?, ?, ?, ?)", [resident, ward, age, deceased, AS_OF])
        for system, live in records.items():
            con.execute("INSERT INTO live_records VALUES (?, ?, ?, ?)", [resident, system, f"{system}-{resident}", live])
    con.execute("CREATE TABLE households (household_id VARCHAR, uprn VARCHAR, ward VARCHAR, residents INTEGER, "
                "adults INTEGER, children INTEGER, over_75s INTEGER, resident_ids VARCHAR[])")
    con.execute("INSERT INTO households VALUES ('H1', '1', 'North', 2, 2, 0, 0, ['R1', 'R2']), "
                "('H2', '2', 'South', 2, 1, 1, 0, ['R3', 'R6'])")
    con.execute("CREATE TABLE resident_events (resident_id VARCHAR, event_date DATE, event_type VARCHAR, "
                "source_system VARCHAR, source_record_id VARCHAR, end_date DATE)")
    con.execute("CREATE TABLE person_records (source_system VARCHAR, source_record_id VARCHAR, start_date DATE)")
    yield con
    con.close()


def build(con, *tables, **settings):
    for table in ("service_use", *tables):
        build_table(con, table, {**SETTINGS, **settings})


def event(con, resident, system, record, start, end=None, event_type="claim", dated=True):
    """An event on `start`; dated=False: the record has no start date and resident_events fell back to the
    first extract that held it."""
    con.execute("INSERT INTO resident_events VALUES (?, ?, ?, ?, ?, ?)", [resident, start, event_type, system, record, end])
    con.execute("INSERT INTO person_records VALUES (?, ?, ?)", [system, record, start if dated else None])


def test_service_use_counts_live_records_of_living_residents_in_services_only(con):
    build(con)
    rows = con.execute("SELECT resident_id, service, ward, age_band FROM service_use ORDER BY ALL").fetchall()
    assert rows == [("R1", "adult_social_care", "North", "65+"), ("R1", "benefits", "North", "65+"),
                    ("R1", "council_tax", "North", "65+"), ("R2", "benefits", "North", "18-64"),
                    ("R2", "council_tax", "North", "18-64"), ("R3", "council_tax", "South", "18-64"),
                    ("R5", "council_tax", None, None)]


def test_the_overlap_matrix_is_complete_with_residents_per_service_on_the_diagonal(con):
    build(con, "service_overlap")
    cells = {(a, b): (n, share) for a, b, n, share in con.execute("SELECT * FROM service_overlap").fetchall()}
    assert len(cells) == 16  # every pair, zeros included
    assert [cells[s, s][0] for s in SETTINGS["services"]] == [4, 2, 1, 0]  # council tax, benefits, adult care, badges
    assert cells["council_tax", "benefits"] == (2, 0.5)  # of 4 council tax payers, 2 also claim
    assert cells["benefits", "council_tax"] == (2, 1.0)  # every claimant pays council tax
    assert cells["benefits", "adult_social_care"][0] == cells["adult_social_care", "benefits"][0] == 1
    assert cells["blue_badges", "council_tax"] == (0, None)


def test_combinations_count_each_exact_set_of_services(con):
    build(con, "service_combinations")
    rows = con.execute("SELECT services, service_count, residents, share FROM service_combinations").fetchall()
    assert rows == [(["council_tax"], 1, 2, 0.5), (["council_tax", "benefits"], 2, 1, 0.25),
                    (["council_tax", "benefits", "adult_social_care"], 3, 1, 0.25)]


def test_multi_service_residents_are_those_at_or_over_the_threshold(con):
    build(con, "multi_service_residents")
    assert con.execute("SELECT * FROM multi_service_residents").fetchall() == [
        ("R1", "North", "65+", ["council_tax", "benefits", "adult_social_care"], 3)]
    build(con, "multi_service_residents", residents_min_services=2)
    assert con.execute("SELECT resident_id FROM multi_service_residents ORDER BY 1").fetchall() == [("R1",), ("R2",)]


def test_demand_by_ward_and_age_band_has_population_rates_and_zeros(con):
    build(con, "demand_by_ward_age")
    rows = {(w, b, s): (n, pop, rate) for w, b, s, n, pop, rate in con.execute("SELECT * FROM demand_by_ward_age").fetchall()}
    # living population: North 65+ R1, North 18-64 R2, South 18-64 R3, South 0-17 R6, Unknown/Unknown R5
    assert {(w, b) for w, b, _ in rows} == {("North", "65+"), ("North", "18-64"), ("South", "18-64"),
                                            ("South", "0-17"), ("Unknown", "Unknown")}
    assert len(rows) == 5 * 4
    assert rows["North", "18-64", "benefits"] == (1, 1, 1000.0)
    assert rows["South", "18-64", "benefits"] == (0, 1, 0.0)  # R3's claim is not live
    assert rows["South", "0-17", "council_tax"] == (0, 1, 0.0)
    assert rows["Unknown", "Unknown", "council_tax"] == (1, 1, 1000.0)
    assert ("South", "65+", "adult_social_care") not in rows  # R4 died: no living population there


def test_trend_counts_starts_and_ends_per_complete_month_leaving_out_undated_records_and_deaths(con):
    event(con, "R1", "benefits", "b1", date(2026, 8, 3))
    event(con, "R2", "benefits", "b2", date(2026, 8, 20), end=date(2026, 10, 5))
    event(con, "R2", "benefits", "b3", date(2026, 8, 21))  # a second claim by the same resident
    event(con, "R3", "council_tax", "c1", date(2026, 10, 31))
    event(con, "R3", "council_tax", "c2", date(2026, 11, 1))  # the month still under way: out of the window
    event(con, "R1", "council_tax", "c3", date(2026, 7, 31))  # before the three-month window
    event(con, "R5", "council_tax", "c4", date(2026, 10, 31), dated=False)  # dated by the first extract
    event(con, "R4", "adult_social_care", "d1", date(2026, 9, 9), event_type="death")
    event(con, "R6", "nhs_demographics", "n1", date(2026, 9, 1))  # not a service
    build(con, "service_trend_monthly")
    rows = {(m, s): rest for m, s, *rest in con.execute("SELECT * FROM service_trend_monthly").fetchall()}
    assert len(rows) == 3 * 4 and {m for m, _ in rows} == {date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)}
    assert rows[date(2026, 8, 1), "benefits"] == [3, 2, 0]  # started, residents starting, ended
    assert rows[date(2026, 10, 1), "benefits"] == [0, 0, 1]
    assert rows[date(2026, 10, 1), "council_tax"] == [1, 1, 0]  # c1 only: c4 has no start date of its own
    assert sum(r[0] for (_, s), r in rows.items() if s == "adult_social_care") == 0  # a death is not a service event


def test_multi_service_households_combine_their_members_services(con):
    build(con, "multi_service_households")
    rows = con.execute("SELECT household_id, services, service_count, members_by_service "
                       "FROM multi_service_households").fetchall()
    # H1: R1 (3 services) and R2 (2); H2: R3 council tax only, R6 no service -> below the threshold of 2
    assert rows == [("H1", ["council_tax", "benefits", "adult_social_care"], 3,
                     {"council_tax": 2, "benefits": 2, "adult_social_care": 1})]
    build(con, "multi_service_households", households_min_services=1)
    assert con.execute("SELECT count(*) FROM multi_service_households").fetchone()[0] == 2


PERSONAL = ("name", "dob", "birth", "address", "postcode", "email", "phone", "mobile", "nhs", "ni_number", "sex")


def test_no_service_demand_table_has_a_name_date_of_birth_or_address_column(con):
    event(con, "R1", "benefits", "b1", date(2026, 8, 3))
    build(con, *TABLES[1:])
    columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_name IN (SELECT unnest(?::VARCHAR[]))", [list(TABLES)]).fetchall()
    assert {t for t, _ in columns} == set(TABLES)
    assert [(t, c) for t, c in columns if any(p in c.lower() for p in PERSONAL)] == []


def test_age_bands_are_labelled_from_where_each_starts():
    assert age_bands([0, 5, 18]) == [("0-4", 0, 5), ("5-17", 5, 18), ("18+", 18, None)]


def test_settings_are_checked_and_services_are_the_service_use_systems(tmp_path):
    settings = load_settings()
    # every system declaring evidence.service_use, in its order, under its label (else its title)
    assert list(settings["services"])[:3] == ["council_tax", "benefits", "housing_tenancies"]
    assert settings["services"]["council_tax"] == "Council tax"  # no label: the registry title
    assert "nhs_demographics" not in settings["services"] and settings["warnings"] == []
    bad = tmp_path / "service_demand.yaml"
    bad.write_text("age_band_starts: [5, 18]\nresidents_min_services: 3\nhouseholds_min_services: 2\n"
                   "trend_months: 12\n")
    with pytest.raises(ValueError, match="age_band_starts: age_band_starts must begin at 0"):
        load_settings(bad)
    # the services once listed by name here: a clear error saying where they went
    bad.write_text("services: {council_tax: null}\nage_band_starts: [0]\n"
                   "residents_min_services: 3\nhouseholds_min_services: 2\ntrend_months: 12\n")
    with pytest.raises(ValueError, match="'services' moved to the source YAMLs.*evidence.service_use"):
        load_settings(bad)


def test_with_no_service_use_system_the_mart_says_why_it_is_empty(tmp_path):
    from resident_index.sources.spec import load_registry

    sources = [s.model_copy(update={"evidence": s.evidence.model_copy(update={"service_use": None})})
               for s in load_registry()]
    settings = load_settings(sources=sources)
    assert settings["services"] == {}
    assert settings["warnings"] == ["no system evidences service_use: every service demand table is empty because "
                                    "no source YAML declares evidence.service_use (docs/evidence.md)"]
