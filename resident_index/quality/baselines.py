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
    asset VARCHAR, figure VARCHAR, value JSON, baseline BOOLEAN, run_id VARCHAR,
    recorded_at TIMESTAMP DEFAULT current_timestamp)"""


def last(con: duckdb.DuckDBPyConnection, asset: str, figure: str):
    """The value of `figure` for `asset` in the last build on this warehouse that set a baseline, or None."""
    con.execute(DDL)
    row = con.execute("""SELECT value FROM check_baselines WHERE asset = ? AND figure = ? AND baseline
                         ORDER BY recorded_at DESC, rowid DESC LIMIT 1""", [asset, figure]).fetchone()
    return None if row is None else json.loads(row[0])


def record(con: duckdb.DuckDBPyConnection, asset: str, figure: str, value, *, baseline: bool,
           run_id: str | None = None) -> None:
    """Keep this build's `value`; the next build compares with it only if `baseline` (its check passed, or only
    warns)."""
    con.execute(DDL)
    con.execute("INSERT INTO check_baselines (asset, figure, value, baseline, run_id) VALUES (?, ?, ?, ?, ?)",
                [asset, figure, json.dumps(value), baseline, run_id])
