"""How right the electoral register mart is, against the synthetic council's truth (read here only).

Validation: is a confirmed elector truly living at the registered address; does the review list (every
status but confirmed) hold the electors who truly moved or died, and little else. Canvass: does each row
name someone who truly lives at that address and is not registered there; what share of the people who
truly live in the borough unregistered at their address (adults, attainers) the list finds. Nationality
is not in the truth or any council system, so the unregistered include people who cannot register.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from resident_index.golden.evaluate import load_resident_persons
from resident_index.marts.electoral.build import load_rules


def evaluate_electoral(con: duckdb.DuckDBPyConnection, truth_dir: Path, rules: dict | None = None) -> dict:
    rules = rules or load_rules()
    _load_truth(con, truth_dir)
    return {**_validation(con), **_canvass(con, min(rules["attainer_ages"]), int(rules["voting_age"]))}


def _load_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE _elector_truth AS SELECT * FROM read_csv(?, all_varchar = true)",
                [str(truth_dir / "electoral_truth.csv")])
    load_resident_persons(con, truth_dir)  # _persons, and _resident_person: each resident's true person
    con.execute("""CREATE OR REPLACE TEMP TABLE _true_persons AS
                   SELECT person_id, dob::DATE AS dob, date_of_death::DATE AS date_of_death, current_uprn
                   FROM _persons""")
    con.execute("CREATE OR REPLACE TEMP VIEW _true_resident AS SELECT * FROM _resident_person")
    # the truth's day is its latest extract
    con.execute("""CREATE OR REPLACE TEMP TABLE _truth_day AS
                   SELECT max(extract_date::DATE) AS as_of FROM read_csv(?, all_varchar = true)""",
                [str(truth_dir / "records.csv")])


def _validation(con: duckdb.DuckDBPyConnection) -> dict:
    row = con.execute("""
        SELECT count(*), avg((v.status = 'confirmed')::INT), avg((t.reason = 'current')::INT),
               avg((t.reason = 'current')::INT) FILTER (v.status = 'confirmed'),
               avg((v.status = 'confirmed')::INT) FILTER (t.reason = 'current'),
               avg((t.reason <> 'current')::INT) FILTER (v.status <> 'confirmed'),
               avg((v.status <> 'confirmed')::INT) FILTER (t.reason <> 'current'),
               avg((t.reason = 'moved')::INT) FILTER (v.status = 'moved'),
               avg((t.reason = 'died')::INT) FILTER (v.status = 'died'),
               avg((t.reason = 'current')::INT) FILTER (v.status = 'no_evidence'),
               count(*) FILTER (t.source_record_id IS NULL)
        FROM electoral_validation v
        LEFT JOIN _elector_truth t ON t.source_record_id = v.elector_number""").fetchone()
    keys = ["electors", "validation_rate", "truly_living_there", "confirmed_precision", "confirmed_recall",
            "review_precision", "review_recall", "moved_precision", "died_precision",
            "no_evidence_truly_living_there", "electors_missing_from_truth"]
    confusion = con.execute("""
        SELECT coalesce(t.reason, 'unknown') AS truth, v.status, count(*) AS electors
        FROM electoral_validation v LEFT JOIN _elector_truth t ON t.source_record_id = v.elector_number
        GROUP BY ALL ORDER BY ALL""").fetchall()
    return {**dict(zip(keys, row)),
            "status_by_truth": [{"truth": t, "status": s, "electors": n} for t, s, n in confusion]}


def _canvass(con: duckdb.DuckDBPyConnection, min_age: int, voting_age: int) -> dict:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _truly_unregistered AS
        WITH living AS (
            SELECT p.*, date_diff('year', p.dob, a.as_of)
                        - CASE WHEN strftime(p.dob, '%m%d') > strftime(a.as_of, '%m%d') THEN 1 ELSE 0 END AS age
            FROM _true_persons p CROSS JOIN (SELECT any_value(as_of) AS as_of FROM _truth_day) a
            WHERE p.date_of_death IS NULL AND p.current_uprn IS NOT NULL)
        SELECT person_id, current_uprn, age < ? AS attainer,
               person_id IN (SELECT person_id FROM _true_resident) AS known
        FROM living
        WHERE age >= ? AND person_id NOT IN (SELECT person_id FROM _elector_truth
                                             WHERE lives_at_registered_address_now::BOOLEAN)""",
                [voting_age, min_age])
    precise, wrong_address, registered_there, listed = con.execute("""
        SELECT avg((p.current_uprn = c.uprn AND u.person_id IS NOT NULL)::INT),
               avg((p.current_uprn IS DISTINCT FROM c.uprn)::INT),
               avg(coalesce(p.current_uprn = c.uprn AND u.person_id IS NULL, false)::INT), count(*)
        FROM electoral_canvass_list c LEFT JOIN _true_resident r USING (resident_id)
        LEFT JOIN _true_persons p USING (person_id)
        LEFT JOIN _truly_unregistered u ON u.person_id = p.person_id""").fetchone()
    recall = {attainer: row for attainer, *row in con.execute("""
        WITH found AS (SELECT DISTINCT r.person_id, c.uprn FROM electoral_canvass_list c JOIN _true_resident r USING (resident_id))
        SELECT u.attainer, count(*), avg((f.person_id IS NOT NULL)::INT),
               avg((f.person_id IS NOT NULL)::INT) FILTER (u.known)
        FROM _truly_unregistered u LEFT JOIN found f ON f.person_id = u.person_id AND f.uprn = u.current_uprn
        GROUP BY u.attainer""").fetchall()}
    adults, attainers = recall.get(False, [0, None, None]), recall.get(True, [0, None, None])
    return {"canvass_rows": listed, "canvass_precision": precise, "canvass_wrong_address": wrong_address,
            "canvass_already_registered_there": registered_there,
            "truly_unregistered_adults": adults[0], "canvass_recall_adults": adults[1],
            "canvass_recall_adults_known_to_a_system": adults[2],
            "truly_unregistered_attainers": attainers[0], "canvass_recall_attainers": attainers[1],
            "canvass_recall_attainers_known_to_a_system": attainers[2]}
