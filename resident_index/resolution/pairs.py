"""Keep the warehouse's table of scored pairs current: a full rescore or just the changed records.

State: resolution_state holds each record's fingerprint (its matching fields) when last scored, and
resolution_meta the checksum of the model that scored them. A new model, or a full rebuild asked for,
rescores everything; otherwise only new and changed records are scored against everyone.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from resident_index.resolution.linker import scratch_connection, trained_settings
from resident_index.resolution.predict import comparisons_per_rule, predict_all, predict_changed
from resident_index.sources.landing import file_sha256

DDL = """
CREATE TABLE IF NOT EXISTS resolution_pairs (
    unique_id_l VARCHAR, unique_id_r VARCHAR, match_probability DOUBLE, match_weight DOUBLE, breakdown JSON
);
CREATE TABLE IF NOT EXISTS resolution_state (unique_id VARCHAR, fingerprint VARCHAR);
CREATE TABLE IF NOT EXISTS resolution_meta (model_sha256 VARCHAR);
"""


def score_pairs(con: duckdb.DuckDBPyConnection, model_path: Path, cfg: dict, full_rebuild: bool = False) -> dict:
    started = time.perf_counter()
    con.execute(DDL)
    model_sha = file_sha256(model_path) if model_path.exists() else None
    previous_sha = (con.execute("SELECT model_sha256 FROM resolution_meta").fetchone() or [None])[0]
    scored_before = con.execute("SELECT count(*) FROM resolution_state").fetchone()[0]
    con.execute("""CREATE OR REPLACE TEMP TABLE _changed AS
                   SELECT i.unique_id FROM resolution_input i LEFT JOIN resolution_state s USING (unique_id)
                   WHERE s.fingerprint IS DISTINCT FROM i.fingerprint
                   UNION ALL
                   SELECT unique_id FROM resolution_state ANTI JOIN resolution_input USING (unique_id)""")
    changed = con.execute("SELECT count(*) FROM _changed").fetchone()[0]
    settings = trained_settings(model_path, cfg)
    mode = "full" if full_rebuild or not scored_before or previous_sha != model_sha else "incremental"
    figures: dict = {"mode": mode, "records_changed": changed}

    if mode == "full":
        mem = scratch_connection(con, {"resolution_input": "SELECT * FROM resolution_input"})
        figures["comparisons_per_blocking_rule"] = comparisons_per_rule(mem, cfg["blocking_rules"])
        predict_all(mem, settings, cfg["review_threshold"])
        con.register("_pairs", mem.table("pairs").arrow())
        con.execute("CREATE OR REPLACE TABLE resolution_pairs AS SELECT * FROM _pairs")
        figures["records_scored"] = mem.execute("SELECT count(*) FROM resolution_input").fetchone()[0]
    elif changed:
        mem = scratch_connection(con, {
            "resolution_input": "SELECT * FROM resolution_input",
            "changed_records": "SELECT i.* FROM resolution_input i SEMI JOIN _changed USING (unique_id)"})
        predict_changed(mem, settings, cfg["review_threshold"], cfg["blocking_rules"])
        con.register("_pairs", mem.table("pairs").arrow())
        con.execute("""DELETE FROM resolution_pairs
                       WHERE unique_id_l IN (SELECT unique_id FROM _changed)
                          OR unique_id_r IN (SELECT unique_id FROM _changed)""")
        con.execute("INSERT INTO resolution_pairs SELECT * FROM _pairs")
        figures["records_scored"] = changed
    else:
        figures["records_scored"] = 0
    if mode == "full" or changed:
        con.unregister("_pairs")
        mem.close()
    con.execute("CREATE OR REPLACE TABLE resolution_state AS SELECT unique_id, fingerprint FROM resolution_input")
    con.execute("DELETE FROM resolution_meta")
    con.execute("INSERT INTO resolution_meta VALUES (?)", [model_sha])
    figures["pairs"] = con.execute("SELECT count(*) FROM resolution_pairs").fetchone()[0]
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures
