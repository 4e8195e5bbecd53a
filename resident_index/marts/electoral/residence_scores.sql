-- Where the confirming systems place each resident now (temp tables, read by the validation and the
-- canvass list). Which records count is residence_evidence's rule (evidence.yaml: live, not stale, not
-- begun before a move-out system recorded the resident leaving); this mart only narrows the systems to
-- those that may confirm a registration (never the register itself).
CREATE OR REPLACE TEMP TABLE _address_evidence AS
SELECT e.* FROM residence_evidence e JOIN _electoral_systems USING (source_system);

-- Addresses a resident left: a move-out system's record there ended (the newest such end).
CREATE OR REPLACE TEMP TABLE _left_address AS
SELECT resident_id, uprn, max(seen_to) AS left_on,
       list({source_system: source_system, record_id: source_record_id, uprn: uprn, since: since, seen_to: seen_to}
            ORDER BY seen_to DESC, source_system, source_record_id) AS evidence
FROM _address_evidence
WHERE NOT live AND source_system IN (SELECT source_system FROM _move_out_systems)
GROUP BY resident_id, uprn;

-- Per resident and address: combined weight of the records that count (one weight per system, multiplied
-- in system order so that identical runs agree to the last bit), the newest of them, how recent, and the records.
CREATE OR REPLACE TEMP TABLE _residence_scores AS
WITH counted AS (SELECT * FROM _address_evidence WHERE counts),
per_system AS (SELECT resident_id, uprn, source_system, max(weight) AS weight FROM counted GROUP BY ALL),
scores AS (SELECT resident_id, uprn, 1 - list_product(list(1 - weight ORDER BY source_system)) AS score
           FROM per_system GROUP BY resident_id, uprn)
SELECT resident_id, uprn, round(s.score, 4) AS score, max(c.since) AS newest_since,
       max(c.seen_to) AS latest_evidence_date,
       list({source_system: c.source_system, record_id: c.source_record_id, uprn: uprn, since: c.since,
             seen_to: c.seen_to} ORDER BY c.since DESC, c.source_system, c.source_record_id) AS evidence
FROM counted c JOIN scores s USING (resident_id, uprn)
GROUP BY resident_id, uprn, s.score;
