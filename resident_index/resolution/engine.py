"""The engine that runs Splink's scoring: DuckDB (the default) or Spark, chosen by setting, not by code.

RESIDENT_INDEX_SPLINK_ENGINE=spark runs the full rescore (`resolution_pairs`' prediction over every blocked
pair, the part that grows with the population) through Splink's SparkAPI on a SparkSession whose master is
RESIDENT_INDEX_SPARK_MASTER (default `local[*]`: every core of this machine; `spark://host:7077` or
`yarn` for a cluster). The model, its comparisons and the blocking rules are the same: the trained model's
SQL, which Splink wrote for DuckDB, is translated to Spark SQL here (Splink's own translator, sqlglot, plus
the few functions it does not map). The records go to Spark as Parquet written by DuckDB, and the scored
pairs come back the same way, so clustering, IDs and everything after run on the warehouse as before.

Training (sampled u, EM on blocked pairs, run one-threaded so the same records give the same model byte for
byte) and the incremental day's scoring (about 1% of records) stay on DuckDB: neither grows past one machine
before the full rescore does. docs/scaling.md says when to choose Spark and what was measured.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from copy import deepcopy
from functools import cache
from pathlib import Path

import duckdb

ENGINE_VARIABLE = "RESIDENT_INDEX_SPLINK_ENGINE"
MASTER_VARIABLE = "RESIDENT_INDEX_SPARK_MASTER"
#: folder for the Parquet files passed between DuckDB and Spark and Splink's checkpoints (personal data:
#: private, removed after each scoring); on a cluster, one that this machine and every executor can reach
SPARK_DIR_VARIABLE = "RESIDENT_INDEX_SPARK_DIR"
#: Spark's shuffle partitions (spark.sql.shuffle.partitions); Spark's own 200 is slow on one machine
PARTITIONS_VARIABLE = "RESIDENT_INDEX_SPARK_PARTITIONS"
#: memory of Spark's driver JVM (spark.driver.memory), which in local mode does all the work
DRIVER_MEMORY_VARIABLE = "RESIDENT_INDEX_SPARK_DRIVER_MEMORY"
#: options of that JVM (spark.driver.extraJavaOptions); `-XX:TieredStopAtLevel=1` starts small scorings sooner
JAVA_OPTIONS_VARIABLE = "RESIDENT_INDEX_SPARK_JAVA_OPTIONS"
ENGINES = ("duckdb", "spark")
DEFAULT_MASTER = "local[*]"


class EngineError(RuntimeError):
    """The chosen engine cannot run here (an unknown name, no Java for Spark)."""


def engine_name() -> str:
    name = (os.environ.get(ENGINE_VARIABLE) or "duckdb").strip().lower()
    if name not in ENGINES:
        raise EngineError(f"{ENGINE_VARIABLE}={os.environ[ENGINE_VARIABLE]!r}: expected one of {', '.join(ENGINES)}")
    return name


def spark_master() -> str:
    return (os.environ.get(MASTER_VARIABLE) or DEFAULT_MASTER).strip()


# --- Spark SQL from the model's DuckDB SQL -------------------------------------------------------------

def spark_sql(condition: str, arrays: frozenset[str] = frozenset()) -> str:
    """A comparison level's or blocking rule's DuckDB SQL as Spark SQL: sqlglot's translation (quoting,
    STARTSWITH, DATEDIFF ...), with what it cannot know: Splink's UDF for DuckDB's jaro_winkler_similarity,
    list_intersect as array_intersect, and the length of a list (DuckDB's len) as Spark's size. `arrays`
    names the list columns (as l and r see them: address_tokens_l ...), which len() means a list of."""
    import sqlglot
    from sqlglot import exp

    def is_list(node) -> bool:
        return (isinstance(node, exp.ArrayIntersect) or (isinstance(node, exp.Column) and node.name in arrays)
                or (isinstance(node, exp.Anonymous) and node.name.lower() == "list_intersect"))

    def fix(node):
        if isinstance(node, exp.JarowinklerSimilarity):  # DuckDB's built-in; Splink's jar registers jaro_winkler
            return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "list_intersect":
            return exp.ArrayIntersect(expressions=node.expressions)
        if isinstance(node, exp.Length) and is_list(node.this):
            return exp.ArraySize(this=fix(node.this))
        return node

    if condition.strip().upper() == "ELSE":  # Splink's level for all other pairs
        return condition
    return sqlglot.parse_one(condition, read="duckdb").transform(fix).sql(dialect="spark")


def spark_settings(settings: dict, arrays: frozenset[str] = frozenset()) -> dict:
    """A Splink settings dict written for DuckDB (a trained model) with every SQL condition in Spark SQL;
    `arrays`: the input's list columns."""
    sides = frozenset(f"{column}{side}" for column in arrays for side in ("_l", "_r"))
    out = deepcopy(settings)
    out["sql_dialect"] = "spark"
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = spark_sql(level["sql_condition"], sides)
    out["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": spark_sql(rule["blocking_rule"] if isinstance(rule, dict) else rule, sides),
         "sql_dialect": "spark"}
        for rule in out["blocking_rules_to_generate_predictions"]]
    return out


# --- the Spark session ---------------------------------------------------------------------------------

def java_missing() -> str | None:
    """Why Spark cannot start here, or None: PySpark runs Spark in a Java VM."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return None
    if shutil.which("java"):
        return None
    return (f"{ENGINE_VARIABLE}=spark needs Java 17 (a JRE) for Spark, and neither JAVA_HOME nor `java` on PATH "
            "gives one: install Debian's default-jre-headless (`make java`) or set JAVA_HOME")


@cache
def spark_session():
    """This process's SparkSession (started once; Spark's JVM lasts as long as the process), with Splink's
    similarity UDFs (jaro_winkler, damerau_levenshtein ...) on its classpath."""
    reason = java_missing()
    if reason:
        raise EngineError(reason)
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    master = spark_master()
    builder = (SparkSession.builder.master(master).appName("resident-index")
               .config("spark.local.dir", str(spark_base()))  # its shuffle and spill files: personal data
               .config("spark.jars", similarity_jar_location())
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.legacy.sizeOfNull", "false")  # size(NULL) is NULL, as DuckDB's length
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.memory", os.environ.get(DRIVER_MEMORY_VARIABLE) or "4g"))
    if os.environ.get(JAVA_OPTIONS_VARIABLE):
        builder = builder.config("spark.driver.extraJavaOptions", os.environ[JAVA_OPTIONS_VARIABLE])
    partitions = os.environ.get(PARTITIONS_VARIABLE) or ("8" if master.startswith("local") else None)
    if partitions:
        builder = builder.config("spark.sql.shuffle.partitions", partitions)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop_spark() -> None:
    """Stop this process's SparkSession, if one was started, and its JVM (a test's, a bench's: a Dagster step's
    ends with its process)."""
    if not spark_session.cache_info().currsize:
        return
    from pyspark import SparkContext

    spark_session().stop()
    spark_session.cache_clear()
    gateway = SparkContext._gateway
    if gateway is not None:
        gateway.shutdown()
        proc = getattr(gateway, "proc", None)  # the JVM PySpark started
        if proc is not None:  # asked to end; a JVM still deleting its spill files after 30 s is killed
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        SparkContext._gateway = SparkContext._jvm = None


def spark_base() -> Path:
    """The private folder Spark's files go to: RESIDENT_INDEX_SPARK_DIR, or spark/ in the data folder."""
    from resident_index.files import private_dir
    from resident_index.settings import data_dir

    return private_dir(Path(os.environ.get(SPARK_DIR_VARIABLE) or data_dir() / "spark"))


@contextmanager
def spark_folder():
    """A private folder for one scoring's Parquet files and Splink's checkpoints, removed afterwards."""

    folder = Path(tempfile.mkdtemp(prefix="scoring-", dir=spark_base()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- scoring -------------------------------------------------------------------------------------------

@contextmanager
def scoring_linker(mem: duckdb.DuckDBPyConnection, settings: dict, table: str = "resolution_input"):
    """A Splink Linker over table `table` of `mem` on the chosen engine, and a function that gives the name of
    a Splink result (a SplinkDataFrame) in `mem`: `with scoring_linker(...) as (linker, in_duckdb)`. On DuckDB
    that is Splink's own table; from Spark it is copied in (a table named after Splink's)."""
    from resident_index.resolution.linker import linker

    if engine_name() == "duckdb":
        yield linker(mem, settings, table), lambda result: result.physical_name
        return

    from splink import Linker, SparkAPI

    spark = spark_session()
    with spark_folder() as folder:
        spark.sparkContext.setCheckpointDir(str(folder / "checkpoints"))
        mem.execute(f"COPY (SELECT * FROM {table}) TO '{folder / 'input'}' (FORMAT parquet, PER_THREAD_OUTPUT)")
        records = spark.read.parquet(str(folder / "input"))

        def in_duckdb(result) -> str:
            name = f"spark_{result.physical_name}"
            path = folder / f"{name}.parquet"
            result.as_spark_dataframe().write.mode("overwrite").parquet(str(path))
            mem.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet('{path}/*.parquet')")
            return name

        from pyspark.sql.types import ArrayType

        arrays = frozenset(f.name for f in records.schema.fields if isinstance(f.dataType, ArrayType))
        # on one machine Splink's intermediate tables stay in Spark's memory (spilling to spark.local.dir, the
        # private folder); on a cluster they are written as Parquet to the checkpoint folder, Splink's default
        lineage = "persist" if spark_master().startswith("local") else "parquet"
        api = SparkAPI(spark_session=spark, break_lineage_method=lineage)
        try:
            yield (Linker(records, spark_settings(settings, arrays), db_api=api, set_up_basic_logging=False),
                   in_duckdb)
        finally:  # nothing of this scoring stays in the session: Splink's views and what they persisted
            for view in spark.catalog.listTables():
                if view.isTemporary:
                    spark.catalog.dropTempView(view.name)
            spark.catalog.clearCache()
