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


def test_a_date_of_birth_set_aside_as_implausible_is_compared_as_written_but_not_used_by_the_age_rules():
    """2062-08-30 is a one-digit slip of another record's 2002-08-30 (RLdata500's ANGELA STEIN), and a register
    of people born before 1910 is no mistake: the model and blocking compare the date as the record gives it;
    the clustering rules on age and dates of birth, and the golden record, read only the checked `dob`."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE person_records ({duckdb_columns_sql()}, first_seen DATE, record_hash UBIGINT)")
    con.execute("""INSERT INTO person_records (source_system, source_record_id, surname, dob, dob_flag, dob_written)
                   VALUES ('registry', 'A', 'STEIN', NULL, 'implausible', DATE '2062-08-30'),
                          ('registry', 'B', 'STEIN', DATE '2002-08-30', 'ok', NULL),
                          ('registry', 'C', 'STEIN', NULL, 'placeholder', NULL)""")
    con.execute("CREATE TABLE source_hints (source_system VARCHAR, min_age INT, distinct_at_address BOOLEAN, "
                "distinct_in_group BOOLEAN)")
    incremental.refresh(con, "resolution_input", PREPARE.read_text(encoding="utf-8"), "person_records", "test")
    assert con.execute("SELECT source_record_id, dob, dob_text, dob_checked FROM resolution_input "
                       "ORDER BY 1").fetchall() == [
        ("A", date(2062, 8, 30), "2062-08-30", None),
        ("B", date(2002, 8, 30), "2002-08-30", date(2002, 8, 30)),
        ("C", None, None, None),
    ]
