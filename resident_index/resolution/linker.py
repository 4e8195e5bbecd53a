"""Splink runs on its own in-memory DuckDB, fed from the warehouse, so its scratch tables never land in
the warehouse file and the warehouse's single-writer lock is held only to copy data in and out."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from resident_index.resolution.splink_model import model_config

MEMORY_LIMIT = "6GB"


def scratch_connection(warehouse: duckdb.DuckDBPyConnection, tables: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding copies of warehouse queries: {name in scratch: SQL in warehouse}."""
    mem = duckdb.connect()
    mem.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    for name, sql in tables.items():
        arrow = warehouse.sql(sql).arrow()
        mem.register("_arrow", arrow)
        mem.execute(f"CREATE TABLE {name} AS SELECT * FROM _arrow")
        mem.unregister("_arrow")
    return mem


def trained_settings(model_path: Path, cfg: dict | None = None) -> dict:
    """The saved model with today's blocking rules from model.yaml (tuning blocking needs no retraining)."""
    cfg = cfg or model_config()
    if not model_path.exists():
        raise FileNotFoundError(f"{model_path}: no trained model yet; materialise resolution_model "
                                "(job train_resolution_model) first")
    settings = json.loads(model_path.read_text(encoding="utf-8"))
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in cfg["blocking_rules"]]
    settings["retain_intermediate_calculation_columns"] = True
    return settings


def linker(mem: duckdb.DuckDBPyConnection, settings, table: str = "resolution_input"):
    from splink import DuckDBAPI, Linker

    return Linker(table, settings, db_api=DuckDBAPI(connection=mem), set_up_basic_logging=False)
