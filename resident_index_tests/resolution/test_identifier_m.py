"""The date of birth's m values come from records that share a number, not from EM's household-laden blocks.

Records that share an NHS, NI or shared id number are one person's whatever else they hold, so the dates of
birth they hold show how one person's records differ: on the synthetic council none of 1,381 such pairs held
wholly different dates, where EM, blocking on names and addresses, had learnt that 14% of matches do (a father
and the son named after him at one address look like one person on everything but the date).
"""

from __future__ import annotations

import duckdb
import pytest

from resident_index.resolution.linker import linker
from resident_index.resolution.splink_model import model_config, settings
from resident_index.resolution.training import m_from_identifier_pairs

COLUMNS = {
    "unique_id": "VARCHAR", "source_system": "VARCHAR", "source_record_id": "VARCHAR", "forename": "VARCHAR",
    "forename_canonical": "VARCHAR", "forename_initial": "VARCHAR", "surname": "VARCHAR",
    "previous_surname": "VARCHAR", "dob": "DATE", "dob_text": "VARCHAR", "dob_checked": "DATE", "postcode": "VARCHAR",
    "postcode_sector": "VARCHAR", "postcode_district": "VARCHAR", "uprn": "VARCHAR", "address": "VARCHAR",
    "address_tokens": "VARCHAR[]", "nhs_number": "VARCHAR", "ni8": "VARCHAR", "shared_id": "VARCHAR",
    "email": "VARCHAR", "phone": "VARCHAR", "middle_name": "VARCHAR",
}
ELSE = "All other comparisons"


def _records(same: int, other_date: int, unnumbered: int) -> duckdb.DuckDBPyConnection:
    """`same` people whose two records share an NHS number and a date of birth, `other_date` whose two records
    share the number under wholly different dates, and `unnumbered` pairs of one name and other dates with no
    number (a father and son: not counted)."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE resolution_input ({', '.join(f'{c} {t}' for c, t in COLUMNS.items())})")
    rows = []
    for i in range(same + other_date + unnumbered):
        numbered = i < same + other_date
        dates = ("1970-01-01", "1970-01-01") if i < same else ("1950-03-04", "1991-11-27")
        for side, dob in enumerate(dates):
            rows.append((f"s{side}|{i}", f"s{side}", str(i), f"NAME{i}", f"NAME{i}", "N", f"SURNAME{i}", dob, dob,
                         f"999{i:07d}" if numbered else None))
    con.executemany("""INSERT INTO resolution_input (unique_id, source_system, source_record_id, forename,
                       forename_canonical, forename_initial, surname, dob, dob_text, nhs_number)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?::DATE, ?, ?)""", rows)
    return con


def _dob_m(model) -> dict[str, float]:
    saved = model.misc.save_model_to_json()
    dob = next(c for c in saved["comparisons"] if c["output_column_name"] == "dob")
    return {lv["label_for_charts"]: lv.get("m_probability") for lv in dob["comparison_levels"]
            if not lv.get("is_null_level")}


def test_records_sharing_a_number_set_the_date_of_births_m_values():
    con = _records(same=60, other_date=4, unnumbered=20)
    model = linker(con, settings(model_config()))
    figures = m_from_identifier_pairs(con, model, {"rules": ["l.nhs_number = r.nhs_number"], "comparisons": ["dob"],
                                                   "min_pairs": 50})
    [dob] = figures
    assert dob["comparison"] == "dob" and dob["pairs"] == 64 and dob["used"]  # the 20 unnumbered pairs not counted
    levels = 6  # exact, day/month swapped, one character, two of three parts, within a year, else
    m = _dob_m(model)
    assert m["Exact match on dob"] == pytest.approx((60 + 0.5) / (64 + 0.5 * levels))
    assert m[ELSE] == pytest.approx((4 + 0.5) / (64 + 0.5 * levels))
    # a level no pair falls in is rare, not impossible: it keeps a small m (a weight, not minus infinity)
    assert m["within a year"] == pytest.approx(0.5 / (64 + 0.5 * levels))
    assert dob["m_used"][ELSE] == pytest.approx(m[ELSE], rel=1e-3)  # what training.json records
    # a pair two rules admit (one NHS number, one surname) is counted once
    [twice] = m_from_identifier_pairs(con, model, {"rules": ["l.nhs_number = r.nhs_number", "l.surname = r.surname"],
                                                   "comparisons": ["dob"], "min_pairs": 50})
    assert twice["pairs"] == 84  # the 64, and the 20 unnumbered pairs of one surname


def test_too_few_pairs_leave_em_s_values_and_say_so():
    con = _records(same=30, other_date=1, unnumbered=0)
    model = linker(con, settings(model_config()))
    before = _dob_m(model)
    [dob] = m_from_identifier_pairs(con, model, {"rules": ["l.nhs_number = r.nhs_number"], "comparisons": ["dob"],
                                                 "min_pairs": 50})
    assert dob["pairs"] == 31 and not dob["used"] and "m_used" not in dob
    assert _dob_m(model) == before


def test_no_setting_no_change():
    con = _records(same=60, other_date=0, unnumbered=0)
    model = linker(con, settings(model_config()))
    assert m_from_identifier_pairs(con, model, None) == []
