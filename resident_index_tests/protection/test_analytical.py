"""Analytical exports: no identifier among their values, no count of people under the threshold."""

from __future__ import annotations

import csv
import re
import duckdb
import pytest
import yaml

from resident_index.council import BUNDLED_COUNCIL
from resident_index.protection import analytical
from resident_index_tests.protection.conftest import rows

CONFIG = yaml.safe_load((BUNDLED_COUNCIL / "protection" / "analytical.yaml").read_text())


def _identifiers(warehouse) -> set[str]:
    """Every identifying value the index holds, as text, found here without the module under test."""
    found = rows(warehouse, """
        SELECT resident_id FROM golden_residents UNION SELECT nhs_number FROM golden_residents
        UNION SELECT ni_number FROM golden_residents UNION SELECT upper(email) FROM golden_residents
        UNION SELECT phone FROM golden_residents UNION SELECT mobile FROM golden_residents
        UNION SELECT forename || ' ' || surname FROM golden_residents UNION SELECT strftime(dob, '%Y-%m-%d') FROM golden_residents
        UNION SELECT strftime(date_of_death, '%Y-%m-%d') FROM golden_residents
        UNION SELECT strftime(dob + INTERVAL 18 YEAR, '%Y-%m-%d') FROM golden_residents
        UNION SELECT source_record_id FROM resident_crosswalk UNION SELECT uprn FROM llpg
        UNION SELECT postcode FROM golden_residents""")
    return {v for (v,) in found if v and len(v) > 3}


def test_every_analytical_export_holds_no_identifier_and_no_count_under_five(built_council):
    identifiers = _identifiers(built_council["warehouse"])
    exports = built_council["data"] / "exports"
    for table, spec in CONFIG["tables"].items():
        with open(exports / f"{table}.csv", newline="", encoding="utf-8") as f:
            exported = list(csv.DictReader(f))
        assert exported, table
        for number, row in enumerate(exported, start=1):
            for column, value in row.items():
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    assert value.endswith("-01"), (table, number, column, value)  # months, never days
                    continue  # a month is no one's date, even when someone was born on its first day
                for part in re.findall(r'"([^"]*)"', value) or [value]:  # a list's items, or the value
                    assert part.strip().upper() not in identifiers, (table, number, column, part)
            for column in spec["counts"]:
                assert row[column] == "" or int(row[column]) == 0 or int(row[column]) >= CONFIG["threshold"], \
                    (table, number, column, row[column])
    suppressed = [r for r in csv.DictReader(open(exports / "demand_by_ward_age.csv", encoding="utf-8"))
                  if r["residents"] == ""]
    assert suppressed and all(r["per_1000"] == "" for r in suppressed)  # the rate would give the count away


@pytest.fixture
def warehouse():
    con = duckdb.connect()
    con.execute("CREATE TABLE golden_residents AS SELECT 'R000000001' AS resident_id, '9434765919' AS nhs_number, "
                "NULL AS ni_number, NULL AS email, NULL AS phone, NULL AS mobile, 'ANN' AS forename, 'SMITH' AS surname, "
                "'1 HIGH STREET' AS address, DATE '2008-03-02' AS dob, NULL::DATE AS date_of_death")
    con.execute("CREATE TABLE service_overlap (service_a VARCHAR, service_b VARCHAR, residents BIGINT, share_of_a DOUBLE)")
    con.execute("INSERT INTO service_overlap VALUES ('housing', 'benefits', 3, 0.03), ('housing', 'badges', 40, 0.4)")
    yield con
    con.close()


def test_an_export_with_a_cell_under_five_fails_the_check(warehouse):
    unsuppressed = analytical.check_values(warehouse, "service_overlap", "SELECT * FROM service_overlap",
                                           ["residents"], 5)
    assert unsuppressed == ["service_overlap, row 1, column residents: a count of 3 people, under the threshold of 5"]
    select = analytical.suppressed_select(warehouse, "service_overlap", ["residents"], ["share_of_a"], 5)
    assert warehouse.execute(select).fetchall() == [("housing", "benefits", None, None), ("housing", "badges", 40, 0.4)]
    assert analytical.check_values(warehouse, "service_overlap", select, ["residents"], 5) == []


def test_an_identifier_or_a_date_derived_from_a_birth_date_fails_the_check(warehouse):
    warehouse.execute("UPDATE service_overlap SET service_b = 'R000000001' WHERE residents = 40")
    warehouse.execute("ALTER TABLE service_overlap ADD COLUMN since DATE")
    warehouse.execute("UPDATE service_overlap SET since = DATE '2026-03-02'")  # the dob + 18 years: attainment
    problems = analytical.check_values(warehouse, "service_overlap", "SELECT * FROM service_overlap", ["residents"], 5)
    assert "service_overlap, row 2, column service_b: a value is a resident ID the index holds" in problems
    assert any("column since: 2026-03-02 is a date derived from a date of birth" in p for p in problems)


def test_a_month_passes_even_when_someone_was_born_on_its_first_day(warehouse):
    """service_trend_monthly speaks of months (their first day): on any council someone's birthday falls on
    one, and refusing it stopped every build's marts."""
    warehouse.execute("UPDATE golden_residents SET dob = DATE '2008-03-01'")
    warehouse.execute("ALTER TABLE service_overlap ADD COLUMN month DATE")
    warehouse.execute("UPDATE service_overlap SET month = DATE '2008-03-01'")
    assert analytical.check_values(warehouse, "service_overlap", "SELECT * FROM service_overlap WHERE residents >= 5",
                                   ["residents"], 5) == []
    warehouse.execute("UPDATE service_overlap SET month = DATE '2008-03-02'")  # a day: refused
    assert analytical.check_values(warehouse, "service_overlap", "SELECT * FROM service_overlap WHERE residents >= 5",
                                   ["residents"], 5) == ["service_overlap, row 1, column month: 2008-03-02 is a day, not a month"]


def test_the_build_export_refuses_an_analytical_table_that_would_disclose_someone(warehouse, tmp_path, monkeypatch):
    from resident_index.marts.export import export_table

    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RESIDENT_INDEX_COUNCIL_DIR", str(BUNDLED_COUNCIL))
    paths = export_table(warehouse, "service_overlap")  # the 3 is suppressed: exported
    assert paths["csv"].read_text().splitlines()[1] == "housing,benefits,,"
    assert warehouse.execute(paths["suppressed_select"]).fetchall()[0] == ("housing", "benefits", None, None)
    warehouse.execute("UPDATE service_overlap SET service_a = '9434765919'")
    with pytest.raises(analytical.AnalyticalExportRefused, match="column service_a: a value is an NHS number"):
        export_table(warehouse, "service_overlap")
    assert paths["csv"].read_text().splitlines()[1] == "housing,benefits,,"  # the last good export stays


def test_a_chart_of_an_analytical_table_shows_no_count_its_export_withholds(warehouse, monkeypatch):
    """The service-overlap chart is drawn from the table as its export publishes it: the 3 is not drawn."""
    from resident_index.marts.service_demand import charts

    monkeypatch.setenv("RESIDENT_INDEX_COUNCIL_DIR", str(BUNDLED_COUNCIL))
    settings = {"services": {"housing": "Housing", "benefits": "Benefits", "badges": "Blue badges"}}
    frame = charts._frame(warehouse, "SELECT service_a, service_b, residents, share_of_a FROM {service_overlap}",
                          settings)
    import pandas as pd

    drawn = {row["service_b"]: (row["residents"], row["share_of_a"]) for row in frame.to_dict("records")}
    assert all(pd.isna(v) for v in drawn["Benefits"])  # the 3 and its share: withheld
    assert drawn["Blue badges"] == (40, 0.4)
