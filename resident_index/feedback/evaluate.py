"""How right the feedback is, against the synthetic council's truth (read here and nowhere else).

- within-system duplicates: the pairs of live records of one system the lists call one person (every pair
  within a listed group: the records a chain of suggestions merges into one record) against the pairs whose
  records truly are one person's (roles and systems where one person rightly holds several aside, as in the
  lists);
- date-of-birth and address suggestions (listed discrepancies and missing values): a suggestion is right
  when the value it suggests is the record's true person's (their date of birth; the UPRN they live at now)
  and the record does not already hold it;
- stale addresses: live records placing a living resident at a UPRN other than the one they live at now,
  and deceased-still-active: live records of people who have died: the share the lists raise (recall),
  over all of them and over those the council's data can reveal (`_visible`, "revealable": the death recorded
  by some system; a live record showing the person at the address they live at now). A death no system
  records, or a move no system shows, is planted in the truth but no index could raise it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def _ratio(a, b):
    return round(a / b, 4) if b else None


def evaluate_feedback(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict:
    con.execute("""CREATE OR REPLACE TEMP TABLE _fbt_records AS
                   SELECT DISTINCT source_system, source_record_id, person_id FROM read_csv(?, all_varchar = true)""",
                [str(truth_dir / "records.csv")])
    con.execute("""CREATE OR REPLACE TEMP TABLE _fbt_persons AS
                   SELECT person_id, dob::DATE AS dob, current_uprn, date_of_death::DATE AS date_of_death
                   FROM read_csv(?, all_varchar = true)""", [str(truth_dir / "persons.csv")])
    # the records the lists judge (live, by the same rule), each with its true person
    con.execute("""CREATE OR REPLACE TEMP TABLE _fbt_live AS
                   SELECT r.source_system, r.source_record_id, r.uprn, r.dob, r.role, t.person_id, p.current_uprn,
                          p.dob AS true_dob, p.date_of_death
                   FROM _fb_records r JOIN _fbt_records t USING (source_system, source_record_id)
                   JOIN _fbt_persons p USING (person_id) WHERE r.live""")
    result: dict = {}
    # duplicates: pairs
    predicted, true_pairs, hits = con.execute("""
        WITH RECURSIVE kept (source_system, source_record_id, keep) AS (
            -- each listed record, and every record a listed one is to be merged into, with the record its
            -- chain of suggestions ends at (a kept record a second list row merges into another)
            SELECT source_system, keep_record_id, keep_record_id FROM feedback_duplicates f WHERE listed
              AND NOT EXISTS (SELECT 1 FROM feedback_duplicates d WHERE d.listed AND d.source_system = f.source_system
                              AND d.source_record_id = f.keep_record_id)
            UNION
            SELECT f.source_system, f.source_record_id, k.keep FROM feedback_duplicates f
            JOIN kept k ON k.source_system = f.source_system AND k.source_record_id = f.keep_record_id
            WHERE f.listed),
        listed AS (SELECT DISTINCT source_system, source_record_id, keep FROM kept),
        predicted AS (SELECT a.source_system, a.source_record_id AS a, b.source_record_id AS b
                      FROM listed a JOIN listed b ON a.source_system = b.source_system
                       AND a.keep = b.keep AND a.source_record_id < b.source_record_id),
        eligible AS (SELECT * FROM _fbt_live WHERE coalesce(role NOT IN (SELECT role FROM _fb_several_roles), true)
                     AND source_system NOT IN (SELECT source_system FROM _fb_systems WHERE several_allowed)),
        truth AS (SELECT a.source_system, a.source_record_id AS a, b.source_record_id AS b
                  FROM eligible a JOIN eligible b ON a.source_system = b.source_system
                   AND a.person_id = b.person_id AND a.source_record_id < b.source_record_id)
        SELECT (SELECT count(*) FROM predicted), (SELECT count(*) FROM truth),
               (SELECT count(*) FROM predicted JOIN truth USING (source_system, a, b))""").fetchone()
    result |= {"duplicate_pairs_listed": predicted, "duplicate_pairs_true": true_pairs,
               "duplicate_pairs_precision": _ratio(hits, predicted), "duplicate_pairs_recall": _ratio(hits, true_pairs)}
    # dob and address suggestions
    for label, field, missing_field, right in (
            ("dob", "dob", "dob", "s.suggested::DATE = t.true_dob AND t.dob IS DISTINCT FROM t.true_dob"),
            ("address", "address", "uprn", "s.suggested = t.current_uprn AND t.uprn IS DISTINCT FROM t.current_uprn")):
        n, correct = con.execute(f"""
            WITH s AS (SELECT source_system, source_record_id, golden_value AS suggested FROM feedback_discrepancies
                       WHERE listed AND field = '{field}'
                       UNION ALL
                       SELECT source_system, source_record_id, suggested_value FROM feedback_missing
                       WHERE listed AND field = '{missing_field}' AND '{label}' = 'dob')
            SELECT count(*), count(*) FILTER ({right}) FROM s JOIN _fbt_live t USING (source_system, source_record_id)
            """).fetchone()
        result |= {f"{label}_suggestions": n, f"{label}_suggestions_precision": _ratio(correct, n)}
    # stale addresses and deaths: recall
    stale, seen, raised, raised_seen = con.execute("""
        WITH stale AS (
            SELECT t.*, EXISTS (SELECT 1 FROM _fbt_live o WHERE o.person_id = t.person_id
                                AND o.uprn = t.current_uprn) AS visible
            FROM _fbt_live t
            WHERE t.date_of_death IS NULL AND t.current_uprn IS NOT NULL AND t.uprn IS NOT NULL
              AND t.uprn <> t.current_uprn),
        raised AS (SELECT DISTINCT source_system, source_record_id FROM feedback_discrepancies
                   WHERE listed AND field = 'address')
        SELECT count(*), count(*) FILTER (visible),
               count(*) FILTER (r.source_record_id IS NOT NULL),
               count(*) FILTER (visible AND r.source_record_id IS NOT NULL)
        FROM stale s LEFT JOIN raised r USING (source_system, source_record_id)""").fetchone()
    result |= {"stale_addresses": stale, "stale_addresses_visible": seen,
               "stale_address_recall": _ratio(raised, stale), "stale_address_recall_visible": _ratio(raised_seen, seen)}
    dead, seen, raised, raised_seen = con.execute("""
        WITH dead AS (
            SELECT t.*, EXISTS (SELECT 1 FROM _fbt_records x JOIN person_records p USING (source_system, source_record_id)
                                WHERE x.person_id = t.person_id AND p.date_of_death IS NOT NULL) AS visible
            FROM _fbt_live t
            WHERE t.date_of_death IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM person_records p WHERE p.source_system = t.source_system
                              AND p.source_record_id = t.source_record_id AND p.date_of_death IS NOT NULL)),
        raised AS (SELECT DISTINCT source_system, source_record_id FROM feedback_discrepancies
                   WHERE listed AND field = 'life_status')
        SELECT count(*), count(*) FILTER (visible), count(*) FILTER (r.source_record_id IS NOT NULL),
               count(*) FILTER (visible AND r.source_record_id IS NOT NULL)
        FROM dead d LEFT JOIN raised r USING (source_system, source_record_id)""").fetchone()
    result |= {"deceased_still_active": dead, "deceased_still_active_visible": seen,
               "deceased_still_active_recall": _ratio(raised, dead),
               "deceased_still_active_recall_visible": _ratio(raised_seen, seen)}
    return result
