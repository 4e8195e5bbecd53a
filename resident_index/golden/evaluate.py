"""How true the golden record is, against the synthetic council's truth (read here and nowhere else).

Each resident is matched to the true person most of its records belong to; then: does the golden name,
date of birth and current UPRN equal that person's; does each household hold exactly the people who live
there; is everyone whose death the NHS feed records (and everyone who died, known to any system) marked
deceased. A death only the truth knows cannot be seen by the index. The feed is every system evidencing
`death` (the source YAMLs' evidence:; the NHS feed in the bundled council).
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def load_resident_persons(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    """Temp tables _persons (truth/persons.csv) and _resident_person: each resident ID with the true person
    most of its records belong to (a tie: the first person id)."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _persons AS
                   SELECT * FROM read_csv(?, all_varchar = true)""", [str(truth_dir / "persons.csv")])
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _resident_person AS
        SELECT resident_id, mode(person_id ORDER BY person_id) AS person_id
        FROM resident_crosswalk c
        JOIN (SELECT DISTINCT source_system, source_record_id, person_id FROM read_csv(?, all_varchar = true)) t
          USING (source_system, source_record_id)
        GROUP BY resident_id""", [str(truth_dir / "records.csv")])


def evaluate_golden(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict:
    from resident_index.marts.evidence import systems_with

    load_resident_persons(con, truth_dir)
    death_systems = [s.name for s in systems_with("death")]
    name, dob, uprn, alive_residents = con.execute("""
        SELECT avg((g.forename = upper(strip_accents(p.forename)) AND g.surname = upper(strip_accents(p.surname)))::INT),
               avg((g.dob = p.dob::DATE)::INT) FILTER (p.dob IS NOT NULL),
               avg((g.uprn IS NOT DISTINCT FROM p.current_uprn)::INT) FILTER (p.current_uprn IS NOT NULL),
               count(*) FILTER (p.current_uprn IS NOT NULL)
        FROM golden_residents g JOIN _resident_person r USING (resident_id) JOIN _persons p USING (person_id)
        WHERE p.date_of_death IS NULL""").fetchone()
    households, equal = con.execute("""
        WITH truth AS (SELECT current_uprn AS uprn, list(person_id ORDER BY person_id) AS people
                       FROM _persons WHERE current_uprn IS NOT NULL AND date_of_death IS NULL GROUP BY 1),
        golden AS (SELECT h.uprn, list(DISTINCT r.person_id ORDER BY r.person_id) AS people
                   FROM households h, unnest(h.resident_ids) AS u(resident_id)
                   JOIN _resident_person r ON r.resident_id = u.resident_id GROUP BY 1)
        SELECT count(*), count(*) FILTER (t.people = g.people)
        FROM truth t LEFT JOIN golden g USING (uprn)""").fetchone()
    died, marked, in_feed, feed_marked = con.execute("""
        WITH dead AS (
            SELECT r.resident_id, g.deceased,
                   EXISTS (SELECT 1 FROM resident_crosswalk c JOIN person_records x USING (source_system, source_record_id)
                           JOIN read_csv(?, all_varchar = true) t USING (source_system, source_record_id)
                           WHERE t.person_id = p.person_id AND list_contains(?, x.source_system)
                             AND x.date_of_death IS NOT NULL) AS death_in_feed
            FROM _persons p JOIN _resident_person r USING (person_id) JOIN golden_residents g USING (resident_id)
            WHERE p.date_of_death IS NOT NULL)
        SELECT count(DISTINCT resident_id), count(DISTINCT resident_id) FILTER (deceased),
               count(DISTINCT resident_id) FILTER (death_in_feed),
               count(DISTINCT resident_id) FILTER (death_in_feed AND deceased)
        FROM dead""", [str(truth_dir / "records.csv"), death_systems]).fetchone()
    return {"residents_evaluated": alive_residents, "name_correct": name, "dob_correct": dob,
            "current_uprn_correct": uprn, "households": households,
            "households_equal_to_truth": equal / households if households else None,
            "died_known_to_a_system": died, "deaths_marked_deceased": marked / died if died else None,
            "deaths_in_nhs_feed": in_feed,
            "nhs_feed_deaths_marked_deceased": feed_marked / in_feed if in_feed else None}
