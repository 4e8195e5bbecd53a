"""Above model.yaml's training.max_records the model trains on a fixed, uniform sample of the records."""

from __future__ import annotations

import duckdb

from resident_index.resolution.training import training_records_sql


def _warehouse(records: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE resolution_input AS
                    SELECT printf('%s-%06d', CASE WHEN i % 2 = 0 THEN 'council_tax' ELSE 'electoral' END, i) AS unique_id,
                           i AS n FROM range({records}) t(i)""")
    return con


def _cfg(limit: int) -> dict:
    return {"training": {"max_records": limit}}


def test_up_to_the_limit_every_record_is_trained_on():
    con = _warehouse(1_000)
    sql, records = training_records_sql(con, _cfg(1_000))
    assert records == 1_000
    assert con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0] == 1_000


def test_above_it_the_same_spread_sample_every_run():
    con = _warehouse(10_000)
    sql, records = training_records_sql(con, _cfg(1_000))
    assert records == 10_000  # what training.json reports as records_in_index
    first = con.execute(f"SELECT unique_id FROM ({sql}) ORDER BY 1").fetchall()
    assert len(first) == 1_000
    assert con.execute(f"SELECT unique_id FROM ({training_records_sql(con, _cfg(1_000))[0]}) ORDER BY 1").fetchall() == first
    # not the first records by id or by source: both sources, from the whole range
    share, spread = con.execute(f"""SELECT avg((unique_id LIKE 'council_tax%')::INT), max(n) - min(n)
                                    FROM ({sql})""").fetchone()
    assert 0.4 < share < 0.6
    assert spread > 9_000
    # a record added later does not reshuffle the sample: at most it takes one record's place
    con.execute("INSERT INTO resolution_input VALUES ('electoral-999999', 999999)")
    again = set(con.execute(f"SELECT unique_id FROM ({training_records_sql(con, _cfg(1_000))[0]})").fetchall())
    assert len(again & set(first)) >= 999
