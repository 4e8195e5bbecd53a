"""What "the last build" is for the checks that compare a build with the one before: a figure kept in the
warehouse it describes (table `check_baselines`), not read from the Dagster instance.

The instance is not one warehouse's history: a second council, a rebuilt or restored warehouse, or a test
build on the same DAGSTER_HOME would be "the last build" (a 10,000-resident council built after a
30,000-resident one on one instance failed as links collapsed and every counter-fraud list down 60%). A
figure becomes the baseline when its check passed, or when the check only warns; a blocking check that failed
leaves the baseline where it was, so re-running the same collapse fails again rather than becoming the new
normal.
"""

from __future__ import annotations

import json

import duckdb

DDL = """CREATE TABLE IF NOT EXISTS check_baselines (
    asset VARCHAR, figure VARCHAR, value JSON, run_id VARCHAR, recorded_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (asset, figure))"""


def last(con: duckdb.DuckDBPyConnection, asset: str, figure: str):
    """The value of `figure` for `asset` at the last build on this warehouse that set a baseline, or None."""
    con.execute(DDL)
    row = con.execute("SELECT value FROM check_baselines WHERE asset = ? AND figure = ?", [asset, figure]).fetchone()
    return None if row is None else json.loads(row[0])


def record(con: duckdb.DuckDBPyConnection, asset: str, figure: str, value, *, baseline: bool,
           run_id: str | None = None) -> None:
    """This build's `value` becomes the one the next build compares with, if `baseline` (its check passed, or
    only warns); otherwise the last baseline stays. One row per asset and figure: the figures of every build
    are in the check's metadata in the Dagster UI."""
    if not baseline:
        return
    con.execute(DDL)
    con.execute("""INSERT OR REPLACE INTO check_baselines (asset, figure, value, run_id, recorded_at)
                   VALUES (?, ?, ?, ?, current_timestamp)""", [asset, figure, json.dumps(value), run_id])
