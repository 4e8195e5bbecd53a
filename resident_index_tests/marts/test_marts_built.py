"""The marts on a council built end to end (`resident-index run`, session fixture built_council): every
mart table exists and is exported, analytical marts carry no personal details, every fraud case carries
its score, reason and evidence, and the evaluations ran against the synthetic truth."""

from __future__ import annotations

import csv
import json

import duckdb
import pytest

from resident_index.definitions import defs
from resident_index.marts.counter_fraud.lists import LISTS, load_rules, table_name

ANALYTICAL = ["service_use", "service_overlap", "service_combinations", "multi_service_residents",
              "demand_by_ward_age", "service_trend_monthly", "multi_service_households",
              "electoral_validation", "electoral_validation_rates"]
CASE_LISTS = [table_name(n) for n in LISTS] + ["electoral_review_list", "electoral_canvass_list"]
#: words of a column name that would hold a personal detail (a date someone left an address is not one)
PERSONAL = {"name", "names", "forename", "surname", "dob", "birth", "postcode", "email", "phone", "mobile", "nhs", "ni", "sex"}


def _personal(column: str) -> bool:
    words = column.lower().split("_")
    return bool(PERSONAL & set(words)) or words[-1] == "address"
CASE_COLUMNS = ["case_id", "case_type", "score", "reason", "resident_id", "name", "uprn", "address", "reference",
                "related_residents", "evidence", "as_of"]


@pytest.fixture(scope="module")
def warehouse(built_council):
    con = duckdb.connect(str(built_council["warehouse"]), read_only=True)
    yield con
    con.close()


def test_every_mart_table_is_built_and_exported_as_csv_and_parquet(built_council, warehouse):
    exports = built_council["data"] / "exports"
    for table in ANALYTICAL + CASE_LISTS:
        rows = warehouse.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        parquet = warehouse.execute(f"SELECT count(*) FROM read_parquet('{exports / (table + '.parquet')}')").fetchone()[0]
        with open(exports / f"{table}.csv", newline="", encoding="utf-8") as f:
            in_csv = sum(1 for _ in csv.reader(f)) - 1
        assert rows == parquet == in_csv, table
    assert warehouse.execute("SELECT count(*) FROM service_use").fetchone()[0] > 0
    assert warehouse.execute("SELECT count(*) FROM electoral_validation").fetchone()[0] > 0


def test_analytical_marts_hold_resident_ids_and_areas_not_personal_details(warehouse):
    columns = warehouse.execute("""SELECT table_name, column_name FROM information_schema.columns
                                   WHERE table_name IN (SELECT unnest(?::VARCHAR[]))""", [ANALYTICAL]).fetchall()
    assert {t for t, _ in columns} == set(ANALYTICAL)
    assert [(t, c) for t, c in columns if _personal(c)] == []


def test_fraud_cases_carry_a_score_a_reason_and_dated_evidence(warehouse):
    rules = load_rules()
    for name in LISTS:
        table = table_name(name)
        assert [r[0] for r in warehouse.execute(f"DESCRIBE {table}").fetchall()] == CASE_COLUMNS
        bad = warehouse.execute(f"""SELECT count(*) FROM {table}
                                    WHERE score < ? OR score > 1 OR reason IS NULL OR len(evidence) = 0
                                       OR list_bool_or([e.source_system IS NULL OR e.record_id IS NULL FOR e IN evidence])""",
                                [rules[name]["min_score"]]).fetchone()[0]
        assert bad == 0, table
        scores = [r[0] for r in warehouse.execute(f"SELECT score FROM {table}").fetchall()]
        assert scores == sorted(scores, reverse=True), f"{table} is not highest score first"


def test_the_planted_cases_are_found_and_the_register_validated(warehouse):
    fraud = json.loads(warehouse.execute("SELECT result FROM fraud_evaluation").fetchone()[0])
    assert set(fraud) == set(LISTS)
    for name, r in fraud.items():
        assert r["planted"] >= 1 and r["recall"] is not None, name
    found = sum(r["found"] for r in fraud.values()) / sum(r["planted"] for r in fraud.values())
    assert found >= 0.7, fraud   # a 400-resident council plants two or three cases of each kind
    electoral = json.loads(warehouse.execute("SELECT result FROM electoral_evaluation").fetchone()[0])
    assert electoral["validation_rate"] > 0.8 and electoral["confirmed_precision"] > 0.9


def test_marts_have_their_own_job_run_after_each_successful_index_build():
    marts = defs.resolve_job_def("build_marts").asset_layer.executable_asset_keys
    index = defs.resolve_job_def("build_index").asset_layer.executable_asset_keys
    assert {k.to_user_string() for k in marts} >= set(ANALYTICAL + CASE_LISTS) and not marts & index
    sensor = defs.resolve_sensor_def("marts_after_index")
    assert sensor.job_name == "build_marts"
    assert not any(s.job_name == "build_marts" for s in defs.get_repository_def().schedule_defs)  # not on a clock
