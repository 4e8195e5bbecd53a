"""Splink on Spark (RESIDENT_INDEX_SPLINK_ENGINE=spark): the same trained model and the same records, scored by
Splink's SparkAPI in local mode, give the pairs DuckDB gives, weight for weight, and the same residents.

Needs Java 17 (`make java` installs Debian's default-jre-headless where it can): without it the test fails,
saying so, rather than skipping, so a CI image that lost its JRE is noticed.
"""

from __future__ import annotations

import duckdb
import pytest

from resident_index.resolution import engine
from resident_index_tests.conftest import copy_council, environment

pytestmark = pytest.mark.scale

SPARK = {engine.ENGINE_VARIABLE: "spark", engine.MASTER_VARIABLE: "local[2]", engine.PARTITIONS_VARIABLE: "2",
         # short jobs: the JVM's quick compiler only, which starts Spark's many small queries much sooner
         engine.JAVA_OPTIONS_VARIABLE: "-XX:TieredStopAtLevel=1"}


@pytest.fixture(scope="module")
def on_spark(built_council, tmp_path_factory):
    """A copy of the 400-resident council whose resolution_pairs were rescored on Spark and whose residents were
    clustered again from those pairs (a full recluster), beside DuckDB's pairs and residents from its build."""
    reason = engine.java_missing()
    if reason:
        pytest.fail(reason)
    from resident_index.resolution.pairs import score_pairs
    from resident_index.resolution.resolve import resolve
    from resident_index.resolution.splink_model import MODEL_FILE, model_config

    council = copy_council(built_council, tmp_path_factory.mktemp("spark"))
    with environment(council["env"] | SPARK), duckdb.connect(str(council["warehouse"])) as con:
        duckdb_pairs = con.execute("SELECT * FROM resolution_pairs ORDER BY ALL").fetchall()
        duckdb_residents = _residents(con)
        cfg = model_config()
        figures = score_pairs(con, council["data"] / "models" / MODEL_FILE, cfg, full_rebuild=True)
        spark_pairs = con.execute("SELECT * FROM resolution_pairs ORDER BY ALL").fetchall()
        resolve(con, cfg, "spark-test", full=True)
        spark_residents = _residents(con)
        engine.stop_spark()  # the JVM would otherwise outlive the module in this worker
    yield {"figures": figures, "duckdb_pairs": duckdb_pairs, "spark_pairs": spark_pairs,
           "duckdb_residents": duckdb_residents, "spark_residents": spark_residents}


def _residents(con: duckdb.DuckDBPyConnection) -> set[frozenset]:
    """Each resident as the set of its records: clusters compared whatever IDs they were given."""
    rows = con.execute("""SELECT list(source_system || '|' || source_record_id) FROM resident_crosswalk
                          GROUP BY resident_id""").fetchall()
    return {frozenset(records) for (records,) in rows}


def test_spark_scores_the_same_pairs_with_the_same_weights(on_spark):
    assert on_spark["figures"]["mode"] == "full"
    duckdb_pairs = {(p[0], p[1]): p for p in on_spark["duckdb_pairs"]}
    spark_pairs = {(p[0], p[1]): p for p in on_spark["spark_pairs"]}
    assert len(duckdb_pairs) > 500  # the council's pairs above the review threshold: a real comparison
    assert set(spark_pairs) == set(duckdb_pairs)
    for key, (_, _, probability, weight, breakdown) in duckdb_pairs.items():
        spark = spark_pairs[key]
        assert spark[2] == pytest.approx(probability, abs=1e-9), key
        assert spark[3] == pytest.approx(weight, abs=1e-9), key
        assert spark[4] == breakdown, key  # every comparison at the same level, with the same weight


def test_spark_pairs_cluster_into_the_same_residents(on_spark):
    assert len(on_spark["duckdb_residents"]) > 300
    assert on_spark["spark_residents"] == on_spark["duckdb_residents"]


def test_an_unknown_engine_is_refused_by_name(monkeypatch):
    monkeypatch.setenv(engine.ENGINE_VARIABLE, "sparkly")
    with pytest.raises(engine.EngineError, match="RESIDENT_INDEX_SPLINK_ENGINE='sparkly': expected one of duckdb, spark"):
        engine.engine_name()
