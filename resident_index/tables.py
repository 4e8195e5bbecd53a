"""Whether a connection holds a table: the one check every module that reads an optional table uses."""

from __future__ import annotations

import duckdb


def has_table(con: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> bool:
    """Whether `schema.table` is a table `con` reads by that name: in its current database, or a temporary
    table (database `temp`). Tables of other attached databases do not count: an unqualified name would not
    read them."""
    return bool(con.execute("""SELECT count(*) FROM duckdb_tables()
                               WHERE database_name IN (current_database(), 'temp') AND schema_name = ? AND table_name = ?""",
                            [schema, table]).fetchone()[0])
