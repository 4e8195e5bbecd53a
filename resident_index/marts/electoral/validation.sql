-- One row per elector in the register's latest extract: does other council data confirm they live at the
-- registered address now? died (the golden record marks them deceased), confirmed (live evidence here
-- reaches min_score), moved (strong live evidence at another address newer than anything placing them
-- here, or a leaving system's record here closed), else no_evidence. Resident IDs and areas, no names.
CREATE OR REPLACE TABLE electoral_validation AS
WITH s AS (SELECT * FROM _electoral_settings),
electors AS (SELECT * FROM _register_entries),
here AS (  -- everything the confirming systems ever said about the resident at the registered address
    SELECT e.elector_number, max(a.since) AS placed_since, max(a.seen_to) AS latest_evidence_date,
           list({source_system: a.source_system, record_id: a.source_record_id, uprn: a.uprn, since: a.since,
                 seen_to: a.seen_to} ORDER BY a.since DESC, a.source_system, a.source_record_id) AS evidence
    FROM electors e JOIN _address_evidence a ON a.resident_id = e.resident_id AND a.uprn = e.registered_uprn
    GROUP BY e.elector_number),
elsewhere AS (  -- the strongest address with newer evidence, strong enough on its own
    SELECT e.elector_number, r.uprn, r.newest_since, r.latest_evidence_date, r.evidence
    FROM electors e JOIN _residence_scores r ON r.resident_id = e.resident_id AND r.uprn <> e.registered_uprn
    LEFT JOIN here h USING (elector_number) CROSS JOIN s
    WHERE r.score >= s.min_score AND (h.placed_since IS NULL OR r.newest_since > h.placed_since)
    QUALIFY row_number() OVER (PARTITION BY e.elector_number ORDER BY r.score DESC, r.newest_since DESC, r.uprn) = 1),
judged AS (
    SELECT e.*, m.date_of_death, coalesce(r.score, 0) AS evidence_score, x.uprn AS moved_to_uprn,
           l.left_on AS left_registered_address_on,
           CASE WHEN m.deceased THEN 'died'
                WHEN r.score >= s.min_score THEN 'confirmed'
                WHEN x.uprn IS NOT NULL OR l.left_on IS NOT NULL THEN 'moved'
                ELSE 'no_evidence' END AS status,
           g.date_of_death_source, g.date_of_death_record, g.date_of_death_as_of,
           r.evidence AS counted, r.latest_evidence_date AS counted_date, x.evidence AS moved_evidence,
           x.latest_evidence_date AS moved_date, l.evidence AS left_evidence, h.evidence AS here_evidence,
           h.latest_evidence_date AS here_date
    FROM electors e CROSS JOIN s
    LEFT JOIN mart_residents m USING (resident_id)
    LEFT JOIN golden_residents g USING (resident_id)
    LEFT JOIN _residence_scores r ON r.resident_id = e.resident_id AND r.uprn = e.registered_uprn
    LEFT JOIN _left_address l ON l.resident_id = e.resident_id AND l.uprn = e.registered_uprn
    LEFT JOIN elsewhere x USING (elector_number)
    LEFT JOIN here h USING (elector_number))
SELECT elector_number, polling_district, resident_id, registered_uprn, attainment_date, status, evidence_score,
       moved_to_uprn, left_registered_address_on, date_of_death,
       CASE status
           WHEN 'died' THEN [{source_system: date_of_death_source, record_id: date_of_death_record,
                              uprn: NULL::VARCHAR, since: date_of_death, seen_to: date_of_death_as_of}]
                            || coalesce(here_evidence, [])
           WHEN 'confirmed' THEN counted
           WHEN 'moved' THEN coalesce(moved_evidence, []) || coalesce(left_evidence, [])
           ELSE coalesce(here_evidence, []) END AS evidence,
       CASE status
           WHEN 'died' THEN date_of_death
           WHEN 'confirmed' THEN counted_date
           WHEN 'moved' THEN greatest(moved_date, left_registered_address_on)
           ELSE here_date END AS latest_evidence_date,
       date_diff('day', latest_evidence_date, (SELECT max(as_of) FROM mart_residents)) AS evidence_age_days
FROM judged
ORDER BY polling_district, elector_number;
