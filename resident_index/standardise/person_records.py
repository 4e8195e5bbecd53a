"""person_records: every staged record the index holds (protection/retention.yaml: in its source's latest
extract, active within the window) with the UPRN it resolves to (person_records.sql), kept current in place:
only records whose content or address match changed are recomputed (incremental.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from resident_index import incremental

SQL = Path(__file__).with_name("person_records.sql")


def build_person_records(con: duckdb.DuckDBPyConnection) -> dict:
    from resident_index.protection import retention

    sql = SQL.read_text(encoding="utf-8")
    llpg_sha = con.execute("SELECT sha256 FROM reference_versions WHERE name = 'llpg'").fetchone()[0]
    # only the staged records the index holds: in their source's latest extract, active within the window
    records = retention.create_in_index_view(con)
    inputs = ("(SELECT source_system, source_record_id, record_hash, extract_date, row_number, last_seen, is_current"
              f" FROM ({sql.replace('{records}', records)}\n))")
    return incremental.refresh(con, "person_records", sql, records, incremental.build_key(sql, llpg_sha),
                               inputs=inputs)
