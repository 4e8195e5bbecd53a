"""The checks downstream of the sources judge for real: each fails on a hand-made warehouse that breaks it.

Each test materialises a stand-in for the checked asset (same key, counting its table like the real one)
with the project's check, on a test instance. "The last build" is the last on the same warehouse that passed
the check (quality/baselines.py), whatever else the instance has built.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from resident_index.defs.quality import checks
from resident_index.quality.build_checks import load_limits

SEVERITY = dg.AssetCheckSeverity


def stand_in(table: str) -> dg.AssetsDefinition:
    @dg.asset(name=table)
    def _asset(warehouse: DuckDBResource) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            return dg.MaterializeResult(metadata={"dagster/row_count": con.execute(
                f"SELECT count(*) FROM {table}").fetchone()[0]})
    return _asset


def build(db: Path, table: str, check, instance) -> dg.AssetCheckEvaluation:
    result = dg.materialize([stand_in(table), check], instance=instance, raise_on_error=False,
                            resources={"warehouse": DuckDBResource(database=str(db))})
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation


def sql(db: Path, *statements: str) -> None:
    with duckdb.connect(str(db)) as con:
        for s in statements:
            con.execute(s)


def rows(n: int) -> str:
    return f"SELECT 'R' || lpad(i::VARCHAR, 6, '0') AS resident_id FROM range({n}) t(i)"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "warehouse.duckdb"
    sql(db, f"CREATE TABLE resident_crosswalk AS SELECT 'sys' AS source_system, resident_id FROM ({rows(5)})",
        f"CREATE TABLE golden_residents AS {rows(5)}")
    return db


def test_one_golden_row_per_resident_passes_then_fails_on_a_duplicate_and_a_missing_resident(warehouse):
    with dg.instance_for_test() as instance:
        assert build(warehouse, "golden_residents", checks.one_row_per_resident, instance).passed
        sql(warehouse, "INSERT INTO golden_residents VALUES ('R000001')",
            "DELETE FROM golden_residents WHERE resident_id = 'R000004'")
        evaluation = build(warehouse, "golden_residents", checks.one_row_per_resident, instance)
    assert not evaluation.passed and evaluation.severity == SEVERITY.ERROR and evaluation.blocking
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    assert meta["residents_with_several_rows"] == 1 and meta["residents_without_a_row"] == 1
    assert meta["repeated_resident_ids"] == ["R000001"]
    assert "R000001" in evaluation.description


def test_a_duplicate_golden_row_stops_the_run_before_anything_downstream(warehouse):
    sql(warehouse, "INSERT INTO golden_residents VALUES ('R000002')")

    @dg.asset(deps=["golden_residents"])
    def downstream() -> None:
        raise AssertionError("built from a golden record that is not one row per resident")

    with dg.instance_for_test() as instance:
        result = dg.materialize([stand_in("golden_residents"), checks.one_row_per_resident, downstream],
                                instance=instance, raise_on_error=False,
                                resources={"warehouse": DuckDBResource(database=str(warehouse))})
    assert not result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("golden_residents")]


def test_review_queue_growth_warns_when_the_queue_jumps_against_the_last_build(warehouse):
    limits = load_limits().review_queue
    base = max(limits.min_previous, 20)
    sql(warehouse, "CREATE TABLE review_decisions (unique_id_l VARCHAR, unique_id_r VARCHAR)",
        f"CREATE TABLE review_queue AS SELECT 'a' || i AS unique_id_l, 'b' || i AS unique_id_r FROM range({base}) t(i)")
    with dg.instance_for_test() as instance:
        first = build(warehouse, "review_queue", checks.queue_growth, instance)
        assert first.passed and "no earlier build" in first.description
        grown = int(base * (1 + limits.max_growth)) + 1
        sql(warehouse, f"""INSERT INTO review_queue SELECT 'c' || i, 'd' || i FROM range({grown - base}) t(i)""")
        evaluation = build(warehouse, "review_queue", checks.queue_growth, instance)
    assert not evaluation.passed and evaluation.severity == SEVERITY.WARN
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    assert meta["previous_pairs_in_queue"] == base and meta["pairs_in_queue"] == grown
    assert meta["undecided"] == grown


def _mart_check(table: str):
    [check] = [c for c in checks.mart_row_checks if c.check_keys == {dg.AssetCheckKey(dg.AssetKey(table),
                                                                                     "rows_against_last_build")}]
    return check


@pytest.mark.parametrize("table, then, severity", [
    ("fraud_sublets", 0, SEVERITY.ERROR),           # an officer's list collapsing to nothing
    ("fraud_sublets", 40, SEVERITY.ERROR),          # ... or losing more than max_drop of its cases
    ("service_use", 0, SEVERITY.WARN),              # an analyst's table: worth a look, not a stop
])
def test_a_mart_that_collapses_against_its_last_build_fails(tmp_path, table, then, severity):
    db = tmp_path / "warehouse.duckdb"
    sql(db, f"CREATE TABLE {table} AS SELECT i AS case_id FROM range(100) t(i)")
    check = _mart_check(table)
    with dg.instance_for_test() as instance:
        assert build(db, table, check, instance).passed
        sql(db, f"DELETE FROM {table} WHERE case_id >= {then}")
        evaluation = build(db, table, check, instance)
        sql(db, f"INSERT INTO {table} SELECT i FROM range({then}, 100) t(i)")
        recovered = build(db, table, check, instance)
    assert not evaluation.passed and evaluation.severity == severity
    assert evaluation.blocking == (severity == SEVERITY.ERROR)
    assert evaluation.metadata["previous_rows"].value == 100 and evaluation.metadata["rows"].value == then
    assert recovered.passed


def test_the_last_build_is_this_warehouses_last_good_one_not_another_warehouses_on_the_instance(tmp_path):
    """A second council (or a rebuilt warehouse) on one Dagster instance is not compared with the first's
    lists, and an officer's list that collapsed fails again when re-run, rather than becoming the baseline."""
    big, small = tmp_path / "big.duckdb", tmp_path / "small.duckdb"
    sql(big, "CREATE TABLE fraud_sublets AS SELECT i AS case_id FROM range(100) t(i)")
    sql(small, "CREATE TABLE fraud_sublets AS SELECT i AS case_id FROM range(30) t(i)")
    check = _mart_check("fraud_sublets")
    with dg.instance_for_test() as instance:
        assert build(big, "fraud_sublets", check, instance).passed
        first_small = build(small, "fraud_sublets", check, instance)
        assert first_small.passed and "no earlier build" in first_small.description
        sql(big, "DELETE FROM fraud_sublets WHERE case_id >= 20")
        assert not build(big, "fraud_sublets", check, instance).passed
        again = build(big, "fraud_sublets", check, instance)
    assert not again.passed and again.metadata["previous_rows"].value == 100


def test_every_mart_table_has_its_row_check_and_the_officer_lists_are_errors():
    from resident_index.definitions import defs

    graph = defs.resolve_asset_graph()
    blocking = {table for table in checks.mart_tables()
                if graph.get(dg.AssetCheckKey(dg.AssetKey(table), "rows_against_last_build")).blocking}
    assert blocking == {"fraud_entitlements_after_death", "fraud_false_school_addresses", "fraud_multiple_identities",
                        "fraud_single_person_discount", "fraud_sublets", "electoral_validation",
                        "electoral_review_list", "electoral_canvass_list"}
    assert "service_use" in checks.mart_tables() and "fraud_evaluation" not in checks.mart_tables()


def test_every_staged_record_is_in_the_crosswalk_once_or_the_check_fails(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    sql(db, "CREATE TABLE staged_records AS SELECT 'sys' AS source_system, 'r' || i AS source_record_id FROM range(6) t(i)",
        "CREATE TABLE resident_crosswalk AS SELECT source_system, source_record_id, 'R' || source_record_id AS resident_id "
        "FROM staged_records")
    with dg.instance_for_test() as instance:
        assert build(db, "resident_crosswalk", checks.every_record_once_check, instance).passed
        sql(db, "DELETE FROM resident_crosswalk WHERE source_record_id = 'r4'",
            "INSERT INTO resident_crosswalk VALUES ('sys', 'r1', 'R9'), ('sys', 'x', 'R8')")
        evaluation = build(db, "resident_crosswalk", checks.every_record_once_check, instance)
    assert not evaluation.passed and evaluation.severity == SEVERITY.ERROR and evaluation.blocking
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    assert (meta["records_missing"], meta["records_repeated"], meta["records_not_staged"]) == (1, 1, 1)
    assert "sys/r4" in evaluation.description and "sys/r1" in evaluation.description


def crosswalk_stand_in(events: dict[str, int]) -> dg.AssetsDefinition:
    """resident_crosswalk as the real asset reports it (residents), writing `events` to resident_id_history
    under its own run, as resolve() does."""
    @dg.asset(name="resident_crosswalk")
    def _asset(context, warehouse: DuckDBResource) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            for event, n in events.items():
                con.execute("INSERT INTO resident_id_history SELECT ?, now(), ?, 'R' || i, NULL, 1 FROM range(?) t(i)",
                            [context.run_id, event, n])
            residents = con.execute("SELECT count(DISTINCT resident_id) FROM resident_crosswalk").fetchone()[0]
        return dg.MaterializeResult(metadata={"residents": residents})
    return _asset


@pytest.mark.parametrize("events, severity", [
    ({"merge": 40}, SEVERITY.ERROR),   # a mass merge: records of different people put together
    ({"split": 40}, SEVERITY.ERROR),   # ... or one person's records parted
    ({"mint": 300}, SEVERITY.WARN),    # many new residents: a new source does that rightly
])
def test_id_churn_against_the_last_build_fails_on_mass_merges_and_splits(tmp_path, events, severity):
    db = tmp_path / "warehouse.duckdb"
    limits = load_limits().crosswalk
    residents = max(limits.min_previous, 400)
    sql(db, "CREATE TABLE resident_id_history (run_id VARCHAR, recorded_at TIMESTAMP, event VARCHAR, "
            "resident_id VARCHAR, related_id VARCHAR, records BIGINT)",
        f"CREATE TABLE resident_crosswalk AS {rows(residents)}")

    def run(events):
        result = dg.materialize([crosswalk_stand_in(events), checks.id_churn_check], instance=instance,
                                raise_on_error=False, resources={"warehouse": DuckDBResource(database=str(db))})
        [evaluation] = result.get_asset_check_evaluations()
        return evaluation

    with dg.instance_for_test() as instance:
        first = run({"mint": residents})
        assert first.passed and "no earlier build" in first.description
        assert run({"merge": 2, "mint": 3}).passed  # an ordinary day
        evaluation = run(events)
    assert not evaluation.passed and evaluation.severity == severity and evaluation.blocking
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    kind = next(iter(events))
    assert meta[f"{kind}s"] == events[kind] and meta["previous_residents"] == residents
    assert meta[f"{kind}_share"] == round(events[kind] / residents, 5)
