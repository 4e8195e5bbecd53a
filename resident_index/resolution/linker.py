"""Splink's scratch tables never land in the warehouse file: training runs on its own in-memory DuckDB fed
from the warehouse (the warehouse's lock is held only to copy data in); scoring runs on the warehouse
connection with an in-memory catalog as its default, reading the warehouse through views, with no copy."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import duckdb

from resident_index.resolution.splink_model import model_config
from resident_index.settings import memory_limit


def scratch_connection(warehouse: duckdb.DuckDBPyConnection, tables: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding copies of warehouse queries: {name in scratch: SQL in warehouse}."""
    mem = duckdb.connect()
    mem.execute(f"SET memory_limit = '{memory_limit()}'")
    for name, sql in tables.items():
        arrow = warehouse.sql(sql).arrow()
        mem.register("_arrow", arrow)
        mem.execute(f"CREATE TABLE {name} AS SELECT * FROM _arrow")
        mem.unregister("_arrow")
    return mem


@contextmanager
def scratch_catalog(warehouse: duckdb.DuckDBPyConnection, views: dict[str, str]):
    """The warehouse connection with an in-memory catalog as its default while Splink works: {view name:
    SQL over the warehouse, whose tables are `warehouse.<table>` in it}. Yields the connection; the
    catalog is dropped afterwards, with every table Splink made."""
    db, limit = warehouse.execute("SELECT current_database(), current_setting('memory_limit')").fetchone()
    warehouse.execute("ATTACH ':memory:' AS splink_scratch")
    warehouse.execute("USE splink_scratch")
    warehouse.execute(f"SET memory_limit = '{memory_limit()}'")
    try:
        for name, sql in views.items():
            warehouse.execute(f"CREATE VIEW {name} AS {sql.replace('warehouse.', f'{db}.main.')}")
        yield warehouse
    finally:
        warehouse.execute(f"SET memory_limit = '{limit}'")
        warehouse.execute(f"USE {db}")
        warehouse.execute("DETACH splink_scratch")


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
