-- Live records: every record of every resident, whether it is still live (in its system's latest extract,
-- not ended on or before that extract's date, canonical status not inactive, not stale per its YAML's
-- evidence.residence), since when (its start date, else the first extract that held it) and its last
-- activity. `start_known`: false for a record whose system carries no real start date (evidence.residence.
-- start_known, or no start_date mapped) and that was in its system's first extract: it is current at the
-- extract, start unknown, not begun on that day (a council's first extract holds only such records).
CREATE OR REPLACE TABLE live_records AS
WITH as_of AS (SELECT max(last_seen) AS day FROM person_records),
first_extract AS (SELECT source_system, min(first_seen) AS day FROM person_records GROUP BY ALL),
records AS (
    SELECT c.resident_id, p.*, s.days AS stale_days,
           p.start_date IS NOT NULL AND p.source_system NOT IN (SELECT source_system FROM _start_unknown)
               OR p.first_seen > f.day AS start_known,
           coalesce(try_cast(p.source_attributes->>s.activity AS TIMESTAMP)::DATE, p.start_date) AS activity_date
    FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id)
    LEFT JOIN _stale_after s USING (source_system)
    LEFT JOIN first_extract f USING (source_system))
SELECT r.resident_id, r.source_system, r.source_record_id, r.uprn, r.group_ref, r.role, r.status, r.role_code, r.status_code,
       coalesce(r.start_date, r.first_seen) AS since, r.start_date, r.activity_date,
       r.is_current AND (r.end_date IS NULL OR r.end_date > as_of.day)
           AND coalesce(r.status, '') NOT IN (SELECT status FROM _inactive_statuses)
           AND (r.stale_days IS NULL OR r.activity_date >= as_of.day - r.stale_days::INTEGER) AS live,
       r.last_seen, r.end_date, r.start_known
FROM records r CROSS JOIN as_of
ORDER BY r.resident_id, r.source_system, r.source_record_id;

-- Residence evidence: every record that places a resident at an address (UPRN), with the system, record
-- and dates behind it, whether it is live, until when it placed them there (seen_to) and how much it
-- counts (its system's evidence.residence.weight, else evidence.yaml's default_weight). `counts`: live, and not begun before a move-out system recorded the resident
-- leaving that address (a GP or electoral registration not yet removed after the tenancy ended).
-- Every mart reads where people live from here.
CREATE OR REPLACE TABLE residence_evidence AS
WITH placed AS (
    SELECT r.*, CASE WHEN r.live THEN r.last_seen ELSE least(coalesce(r.end_date, r.last_seen), r.last_seen) END AS seen_to
    FROM live_records r WHERE r.uprn IS NOT NULL),
left_at AS (
    SELECT resident_id, uprn, max(seen_to) AS left_on FROM placed
    WHERE NOT live AND source_system IN (SELECT source_system FROM _move_out_systems) GROUP BY ALL)
SELECT p.resident_id, p.uprn, p.source_system, p.source_record_id, p.group_ref, p.role, p.status, p.since,
       p.start_date, p.start_known, p.live, p.seen_to,
       p.live AND (l.left_on IS NULL OR coalesce(p.start_date > l.left_on, false)) AS counts,
       coalesce(w.weight, (SELECT weight FROM _evidence_weights WHERE source_system IS NULL)) AS weight
FROM placed p
LEFT JOIN left_at l USING (resident_id, uprn)
LEFT JOIN _evidence_weights w USING (source_system)
ORDER BY p.resident_id, p.uprn, p.source_system, p.source_record_id;

-- One row per resident for the marts: where the golden record says they live now, their age on the
-- latest extract date, whether they count as an adult (18+, or no date of birth and never recorded in a
-- child's role), and whether they are dead. No names: analytical marts start from here.
CREATE OR REPLACE TABLE mart_residents AS
WITH as_of AS (SELECT max(last_seen) AS day FROM person_records),
children AS (SELECT DISTINCT resident_id FROM live_records WHERE role IN (SELECT role FROM _child_roles))
SELECT g.resident_id, g.uprn, g.ward, g.polling_district, g.deceased, g.date_of_death, g.dob,
       date_diff('year', g.dob, as_of.day)
           - CASE WHEN strftime(g.dob, '%m%d') > strftime(as_of.day, '%m%d') THEN 1 ELSE 0 END AS age,
       coalesce(age >= 18, g.resident_id NOT IN (SELECT resident_id FROM children)) AS adult,
       g.services, as_of.day AS as_of
FROM golden_residents g CROSS JOIN as_of
ORDER BY g.resident_id;

-- How strongly the evidence that counts shows each resident living at each address now:
-- 1 - product(1 - weight) over the systems holding it (a system counts once however many records it has),
-- multiplied in system order (DuckDB's product() multiplies in whatever order its threads finish, and the
-- last bits moved between identical runs) and rounded to 6 places, like every score. `since`: the earliest
-- of those records' starts; `start_unknown`: one of them is current at the extract with no known start
-- (live_records.start_known), so the resident may have lived there since any day before `since`.
CREATE OR REPLACE TABLE residence_scores AS
WITH per_system AS (
    SELECT resident_id, uprn, source_system, max(weight) AS weight, min(since) AS since,
           bool_or(NOT start_known) AS start_unknown
    FROM residence_evidence WHERE counts GROUP BY ALL)
SELECT resident_id, uprn, round(1 - list_product(list(1 - weight ORDER BY source_system)), 6) AS score,
       list(source_system ORDER BY source_system) AS systems,
       min(since) AS since, bool_or(start_unknown) AS start_unknown
FROM per_system GROUP BY ALL
ORDER BY resident_id, uprn;
