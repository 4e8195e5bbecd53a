"""How good the counter-fraud lists are, against the cases the synthetic council planted (truth read here
and nowhere else).

A listed case is right when a resident it names (the case's resident or a related one) is, in truth, the
person a planted case of that kind is about; for entitlements after death the planted system must match
too (one death can leave several entitlements live). Precision: right cases / listed cases. Recall: planted
cases some listed case finds / planted cases. Single person discount cases are also checked against the
truth itself: is another adult, not the liable person, really living at the property now (cases the
generator did not plant but its households produce, such as a son who has just turned 18)?
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from resident_index.golden.evaluate import load_resident_persons
from resident_index.marts.counter_fraud.lists import LISTS, table_name

#: planted case_type per list
PLANTED = {"single_person_discount": "single_person_discount", "sublets": "sublet",
           "entitlements_after_death": "entitlement_after_death", "false_school_addresses": "false_school_address",
           "multiple_identities": "multiple_identity"}


def evaluate_lists(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict:
    load_resident_persons(con, truth_dir)
    con.execute("""CREATE OR REPLACE TEMP TABLE _planted AS
                   SELECT *, split_part(detail, ' ', 1) AS planted_system FROM read_csv(?, all_varchar = true)""",
                [str(truth_dir / "planted_cases.csv")])
    result = {}
    for name in LISTS:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _named AS
            SELECT f.case_id, r.person_id, split_part(f.case_id, '-', 2) AS listed_system
            FROM {table_name(name)} f, unnest(list_prepend(f.resident_id, f.related_residents)) AS u(resident_id)
            JOIN _resident_person r ON r.resident_id = u.resident_id""")
        match = ("AND p.planted_system = n.listed_system" if name == "entitlements_after_death" else "")
        listed, right, planted, found = con.execute(f"""
            WITH hits AS (SELECT n.case_id, p.person_id, p.planted_system FROM _named n
                          JOIN _planted p ON p.case_type = ? AND p.person_id = n.person_id {match})
            SELECT (SELECT count(*) FROM {table_name(name)}), (SELECT count(DISTINCT case_id) FROM hits),
                   (SELECT count(*) FROM (SELECT DISTINCT person_id, planted_system FROM _planted WHERE case_type = ?)),
                   (SELECT count(*) FROM (SELECT DISTINCT person_id, planted_system FROM hits))""",
                                               [PLANTED[name], PLANTED[name]]).fetchone()
        result[name] = {"listed": listed, "planted": planted, "right": right, "found": found,
                        "precision": round(right / listed, 4) if listed else None,
                        "recall": round(found / planted, 4) if planted else None}
    result["single_person_discount"]["confirmed_by_truth"] = _spd_confirmed(con)
    return result


def _spd_confirmed(con: duckdb.DuckDBPyConnection) -> float | None:
    """Share of single person discount cases where the truth has another adult (not the liable person,
    18 or over) living at the property now."""
    return con.execute(f"""
        WITH cases AS (
            SELECT f.case_id, f.uprn, f.as_of, lp.person_id AS liable
            FROM {table_name('single_person_discount')} f JOIN _resident_person lp USING (resident_id))
        SELECT round(avg(EXISTS (SELECT 1 FROM _persons p WHERE p.current_uprn = c.uprn AND p.person_id <> c.liable
                                 AND p.date_of_death IS NULL
                                 AND p.dob::DATE + INTERVAL 18 YEAR <= c.as_of)::INT), 4)
        FROM cases c""").fetchone()[0]
