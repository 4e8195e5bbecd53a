"""What resolution compares: the keys prepare.sql derives from each standardised record."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from resident_index import incremental
from resident_index.standardise.schema import duckdb_columns_sql

PREPARE = Path(__file__).resolve().parents[2] / "resident_index" / "resolution" / "prepare.sql"


@pytest.mark.parametrize("start, latest_dob", [
    (date(2006, 3, 1), date(1988, 3, 1)),     # liable since 2006: born 18 years before at the latest
    (None, date(2004, 10, 31)),               # no start date: 18 when the first extract held the record
    (date(2024, 5, 1), date(2004, 10, 31)),   # begun after the first extract held it (a typo): the earlier
    (date(1900, 1, 1), date(2004, 10, 31)),   # a placeholder start date proves nothing
])
def test_an_adults_only_record_was_born_min_age_years_before_it_began(start, latest_dob):
    con = duckdb.connect()
    con.execute(f"CREATE TABLE person_records ({duckdb_columns_sql()}, first_seen DATE, record_hash UBIGINT)")
    con.execute("""INSERT INTO person_records (source_system, source_record_id, surname, start_date, first_seen)
                   VALUES ('council_tax', 'CT1', 'SMITH', ?, DATE '2022-10-31')""", [start])
    con.execute("CREATE TABLE source_hints AS SELECT 'council_tax' AS source_system, 18 AS min_age, "
                "false AS distinct_at_address, true AS distinct_in_group")
    incremental.refresh(con, "resolution_input", PREPARE.read_text(encoding="utf-8"), "person_records", "test")
    assert con.execute("SELECT latest_dob FROM resolution_input").fetchone() == (latest_dob,)
