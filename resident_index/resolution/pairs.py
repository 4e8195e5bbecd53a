"""Keep the warehouse's table of scored pairs current: a full rescore or just the changed records.

State: resolution_state holds each record's fingerprint (its matching fields) when last scored, and
resolution_meta the checksum of the model that scored them. A new model, or a full rebuild asked for,
rescores everything; otherwise only new and changed records are scored against everyone.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from resident_index.resolution.linker import scratch_catalog, trained_settings
from resident_index.resolution.predict import comparisons_per_rule, predict_all, predict_changed
from resident_index.sources.landing import file_sha256
from resident_index.transactions import transaction

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

    if mode == "full" or changed:
        with scratch_catalog(con, {"resolution_input": "SELECT * FROM warehouse.resolution_input"}) as scratch:
            if mode == "full":
                figures["comparisons_per_blocking_rule"] = comparisons_per_rule(scratch, cfg["blocking_rules"])
                predict_all(scratch, settings, cfg["review_threshold"])
            else:
                scratch.execute("""CREATE TABLE changed_records AS
                                   SELECT * FROM resolution_input SEMI JOIN _changed USING (unique_id)""")
                predict_changed(scratch, settings, cfg["review_threshold"], cfg["blocking_rules"])
            scratch.execute("CREATE OR REPLACE TEMP TABLE _pairs AS SELECT * FROM pairs")  # outlives the catalog
    with transaction(con):  # the pairs, the state they were scored from and the model's checksum agree
        if mode == "full":
            con.execute("CREATE OR REPLACE TABLE resolution_pairs AS SELECT * FROM _pairs")
            con.execute("CREATE OR REPLACE TABLE resolution_state AS SELECT unique_id, fingerprint FROM resolution_input")
            figures["records_scored"] = con.execute("SELECT count(*) FROM resolution_input").fetchone()[0]
        else:
            if changed:
                con.execute("""DELETE FROM resolution_pairs
                               WHERE unique_id_l IN (SELECT unique_id FROM _changed)
                                  OR unique_id_r IN (SELECT unique_id FROM _changed)""")
                con.execute("INSERT INTO resolution_pairs SELECT * FROM _pairs")
            con.execute("DELETE FROM resolution_state WHERE unique_id IN (SELECT unique_id FROM _changed)")
            con.execute("""INSERT INTO resolution_state SELECT unique_id, fingerprint FROM resolution_input
                           SEMI JOIN _changed USING (unique_id)""")
            figures["records_scored"] = changed
        con.execute("DROP TABLE IF EXISTS _pairs")
        con.execute("DELETE FROM resolution_meta")
        con.execute("INSERT INTO resolution_meta VALUES (?)", [model_sha])
    figures["pairs"] = con.execute("SELECT count(*) FROM resolution_pairs").fetchone()[0]
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures
