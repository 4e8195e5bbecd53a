-- The scorecard of each system at its latest extract (after outcomes.sql), kept in
-- feedback_scorecard_history one row per system and extract, so the trend over extracts is a query
-- (a rebuild of one extract replaces its row). _fb_scorecard_fields: the completeness fields each system maps.
CREATE TABLE IF NOT EXISTS feedback_scorecard_history (
    source_system VARCHAR, extract_date DATE, live_records BIGINT, completeness DOUBLE, validity DOUBLE,
    duplicate_rate DOUBLE, discrepancy_rate DOUBLE, missing_rate DOUBLE, open_suggestions BIGINT,
    rejected BIGINT, not_ours BIGINT, fixes_confirmed BIGINT, fixes_not_seen BIGINT, resolved BIGINT,
    fix_rate DOUBLE
);

CREATE OR REPLACE TEMP TABLE _fb_scorecard AS
WITH live AS (SELECT * FROM _fb_records WHERE live),
held AS (
    SELECT l.source_system, count(*) AS cells,
           count(*) FILTER (CASE f.field WHEN 'dob' THEN l.dob IS NOT NULL WHEN 'sex' THEN l.sex IS NOT NULL
                                 WHEN 'nhs_number' THEN l.nhs_number IS NOT NULL WHEN 'ni_number' THEN l.ni_number IS NOT NULL
                                 WHEN 'uprn' THEN l.source_uprn IS NOT NULL WHEN 'postcode' THEN l.postcode IS NOT NULL
                                 WHEN 'phone' THEN l.phone IS NOT NULL WHEN 'mobile' THEN l.mobile IS NOT NULL
                                 WHEN 'email' THEN l.email IS NOT NULL END) AS filled
    FROM live l JOIN _fb_scorecard_fields f USING (source_system) GROUP BY ALL),
valid AS (
    SELECT source_system,
           count(nhs_valid) + count(ni_valid) + count(postcode_valid)
             + count(*) FILTER (dob_flag NOT IN ('missing', 'not_held')) AS given,
           count(*) FILTER (nhs_valid) + count(*) FILTER (ni_valid) + count(*) FILTER (postcode_valid)
             + count(*) FILTER (dob_flag = 'ok') AS passed,
           count(*) AS live_records
    FROM live GROUP BY ALL),
flagged AS (
    SELECT source_system,
           count(DISTINCT source_record_id) FILTER (kind = 'duplicate') AS duplicates,
           count(DISTINCT source_record_id) FILTER (kind = 'discrepancy') AS discrepant,
           count(DISTINCT source_record_id) FILTER (kind = 'missing') AS missing
    FROM (SELECT source_system, source_record_id, 'duplicate' AS kind FROM feedback_duplicates WHERE listed
          UNION ALL SELECT source_system, source_record_id, 'discrepancy' FROM feedback_discrepancies WHERE listed
          UNION ALL SELECT source_system, source_record_id, 'missing' FROM feedback_missing WHERE listed)
    GROUP BY ALL),
outcomes AS (
    SELECT source_system,
           count(*) FILTER (outcome IN ('open', 'fix_not_seen')) AS open_suggestions,
           count(*) FILTER (outcome = 'rejected') AS rejected, count(*) FILTER (outcome = 'not_ours') AS not_ours,
           count(*) FILTER (outcome = 'fix_confirmed') AS fixes_confirmed,
           count(*) FILTER (outcome = 'fix_not_seen') AS fixes_not_seen,
           count(*) FILTER (outcome = 'resolved') AS resolved,
           count(*) FILTER (outcome NOT IN ('rejected', 'not_ours')) AS raised
    FROM feedback_outcomes GROUP BY ALL)
SELECT e.source_system, e.extract_date, coalesce(v.live_records, 0) AS live_records,
       round(h.filled / nullif(h.cells, 0), 4) AS completeness,
       round(v.passed / nullif(v.given, 0), 4) AS validity,
       round(coalesce(f.duplicates, 0) / nullif(v.live_records, 0), 4) AS duplicate_rate,
       round(coalesce(f.discrepant, 0) / nullif(v.live_records, 0), 4) AS discrepancy_rate,
       round(coalesce(f.missing, 0) / nullif(v.live_records, 0), 4) AS missing_rate,
       coalesce(o.open_suggestions, 0) AS open_suggestions, coalesce(o.rejected, 0) AS rejected,
       coalesce(o.not_ours, 0) AS not_ours, coalesce(o.fixes_confirmed, 0) AS fixes_confirmed,
       coalesce(o.fixes_not_seen, 0) AS fixes_not_seen, coalesce(o.resolved, 0) AS resolved,
       round((coalesce(o.fixes_confirmed, 0) + coalesce(o.resolved, 0)) / nullif(o.raised, 0), 4) AS fix_rate
FROM _fb_extracts e
LEFT JOIN valid v USING (source_system) LEFT JOIN held h USING (source_system)
LEFT JOIN flagged f USING (source_system) LEFT JOIN outcomes o USING (source_system)
ORDER BY e.source_system;

DELETE FROM feedback_scorecard_history h
WHERE EXISTS (SELECT 1 FROM _fb_scorecard s WHERE s.source_system = h.source_system AND s.extract_date = h.extract_date);
INSERT INTO feedback_scorecard_history BY NAME SELECT * FROM _fb_scorecard;
