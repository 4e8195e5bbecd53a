"""Near-misses the model credits as evidence (issue 11 item 2): which level of each comparison a pair of
records falls in, read from Splink's own comparison vectors for the model's comparisons."""

from __future__ import annotations

import duckdb
import pytest

from resident_index.resolution.splink_model import comparisons, settings

COLUMNS = {"forename": "VARCHAR", "forename_canonical": "VARCHAR", "surname": "VARCHAR",
           "previous_surname": "VARCHAR", "dob": "DATE", "dob_text": "VARCHAR", "uprn": "VARCHAR",
           "postcode": "VARCHAR", "postcode_sector": "VARCHAR", "address": "VARCHAR", "address_tokens": "VARCHAR[]",
           "nhs_number": "VARCHAR", "ni8": "VARCHAR", "shared_id": "VARCHAR", "email": "VARCHAR", "phone": "VARCHAR"}
BASE = {"forename": "IMOGEN", "surname": "BRAITHWAITE", "dob": "1980-03-02", "shared_id": "2271081"}


def _label(left: dict, right: dict, comparison: str) -> str:
    """The chart label of the level the two records fall in for `comparison`."""
    from splink import DuckDBAPI, Linker

    con = duckdb.connect()
    con.execute("CREATE TABLE records (unique_id VARCHAR, source_system VARCHAR, "
                + ", ".join(f"{c} {t}" for c, t in COLUMNS.items()) + ")")
    for uid, rec in (("a", left), ("b", right)):
        rec = rec | {"forename_canonical": rec.get("forename"), "dob_text": rec.get("dob")}
        con.execute(f"INSERT INTO records (unique_id, source_system, {', '.join(rec)}) VALUES (?, 's', "
                    + ", ".join("?" for _ in rec) + ")", [uid, *rec.values()])
    model = settings({"blocking_rules": ["1 = 1"]}).get_settings("duckdb").as_dict()
    model["retain_intermediate_calculation_columns"] = True  # the gamma (level) columns
    predictions = Linker("records", model, db_api=DuckDBAPI(connection=con), set_up_basic_logging=False).inference.predict()
    gamma = con.execute(f"SELECT gamma_{comparison} FROM {predictions.physical_name}").fetchone()[0]
    compared = next(c.get_comparison("duckdb") for c in comparisons()
                    if c.get_comparison("duckdb").output_column_name == comparison)
    return next(level.label_for_charts for level in compared.comparison_levels
                if not level.is_null_level and level.comparison_vector_value == gamma)


@pytest.mark.parametrize("right, comparison, level", [
    # forename and surname written the other way round, with a typo: credited in both name comparisons
    ({"forename": "BRAITWAITE", "surname": "IMOGEN"}, "forename", "forename and surname swapped (typos allowed)"),
    ({"forename": "BRAITWAITE", "surname": "IMOGEN"}, "surname", "forename and surname swapped (typos allowed)"),
    ({"surname": "BRAITHWIATE"}, "surname", "Jaro-Winkler distance of surname >= 0.92"),
    ({"surname": "MEYER"}, "surname", "All other comparisons"),
    # an identifier one typo apart (two neighbours swapped, one digit changed) is not a second person
    ({"shared_id": "2271801"}, "shared_id", "one typo apart"),
    ({"shared_id": "2271091"}, "shared_id", "one typo apart"),
    ({"shared_id": "2279901"}, "shared_id", "All other comparisons"),
    # a date of birth whose year alone is wrong keeps two of its three parts
    ({"dob": "1963-03-02"}, "dob", "two of year, month and day agree"),
    ({"dob": "1980-03-03"}, "dob", "one character differs"),
    ({"dob": "1963-07-02"}, "dob", "All other comparisons"),
])
def test_a_near_miss_falls_in_its_own_level(right, comparison, level):
    assert _label(BASE, BASE | right, comparison) == level


def test_a_one_edit_surname_jaro_winkler_misses_is_one_edit_apart():
    assert _label({"surname": "MEYER"}, {"surname": "MYER"}, "surname") == "Damerau-Levenshtein distance of surname <= 1"
