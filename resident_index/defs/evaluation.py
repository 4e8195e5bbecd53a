"""Shared by the evaluation assets: score against the synthetic truth and keep the result as JSON."""

import json
from collections.abc import Callable

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.settings import truth_dir


def evaluate_against_truth(warehouse: DuckDBResource, table: str, needs: str, evaluate: Callable) -> dict | None:
    """Run `evaluate(con, truth_dir)` and store its result in `table`; None when there is no truth file
    `needs` (a real council has no ground truth, and that is not an error)."""
    if not (truth_dir() / needs).exists():
        return None
    with warehouse.get_connection() as con:
        result = evaluate(con, truth_dir())
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT ?::JSON AS result, now() AS evaluated_at",
                    [json.dumps(result)])
    return result


def no_truth() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"evaluated": False,
                                          "note": f"no ground truth at {truth_dir()}: a real council has none"})
