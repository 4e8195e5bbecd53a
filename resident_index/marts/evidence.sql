-- Residence evidence: every record that places a resident at an address (UPRN), with the system, record
-- and dates behind it, whether it still does (live: in its system's latest extract, not ended, status not
-- inactive) and how much it counts (evidence.yaml). Every mart reads where people live from here.
CREATE OR REPLACE TABLE residence_evidence AS
WITH as_of AS (SELECT max(last_seen) AS day FROM person_records),
records AS (
    SELECT c.resident_id, p.*,
           p.is_current AND (p.end_date IS NULL OR p.end_date > as_of.day)
               AND coalesce(upper(p.status), '') NOT IN (SELECT status FROM _inactive_statuses) AS live
    FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id) CROSS JOIN as_of
    WHERE p.uprn IS NOT NULL)
SELECT r.resident_id, r.uprn, r.source_system, r.source_record_id, r.group_ref, r.role, r.status,
       coalesce(r.start_date, r.first_seen) AS since, r.live,
       CASE WHEN r.live THEN r.last_seen ELSE least(coalesce(r.end_date, r.last_seen), r.last_seen) END AS seen_to,
       coalesce(w.weight, (SELECT weight FROM _evidence_weights WHERE source_system IS NULL)) AS weight
FROM records r LEFT JOIN _evidence_weights w USING (source_system)
ORDER BY r.resident_id, r.uprn, r.source_system, r.source_record_id;

-- One row per resident for the marts: where the golden record says they live now, their age on the
-- latest extract date, whether they count as an adult (18+, or no date of birth and never recorded in a
-- child's role), and whether they are dead. No names: analytical marts start from here.
CREATE OR REPLACE TABLE mart_residents AS
WITH as_of AS (SELECT max(last_seen) AS day FROM person_records),
children AS (
    SELECT DISTINCT c.resident_id
    FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id)
    WHERE upper(p.role) IN (SELECT role FROM _child_roles))
SELECT g.resident_id, g.uprn, g.ward, g.polling_district, g.deceased, g.date_of_death, g.dob,
       date_diff('year', g.dob, as_of.day)
           - CASE WHEN strftime(g.dob, '%m%d') > strftime(as_of.day, '%m%d') THEN 1 ELSE 0 END AS age,
       coalesce(age >= 18, g.resident_id NOT IN (SELECT resident_id FROM children)) AS adult,
       g.services, as_of.day AS as_of
FROM golden_residents g CROSS JOIN as_of
ORDER BY g.resident_id;
