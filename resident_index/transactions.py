"""One table write, one transaction: a run killed at any point leaves each table as it was before the step
or as the step left it, never half of each (DuckDB rolls an unfinished transaction back when the file is
next opened). Steps that write several tables which must agree (a crosswalk and the state it came from)
write them in one transaction."""

from __future__ import annotations

from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """BEGIN, then COMMIT when the block succeeds or ROLLBACK when it raises. Inside a transaction the
    caller already opened, the block simply joins it (the outer one commits or rolls back)."""
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.TransactionException:
        yield con
        return
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
