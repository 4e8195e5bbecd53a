-- This build's suggestions: every listed discrepancy, missing value and duplicate, with a stable id (a hash
-- of system, record, field and suggested value: the same correction has the same id on every build), and
-- the order the worklists put them in (confidence x impact, highest first).
CREATE OR REPLACE TEMP TABLE _fb_suggestions AS
WITH raised AS (
    SELECT source_system, source_record_id, resident_id, field, record_value AS current_value,
           golden_value AS suggested_value, golden_shown AS suggested_shown, reason,
           golden_source AS evidence_system, golden_as_of AS evidence_as_of, confidence, impact
    FROM feedback_discrepancies WHERE listed
    UNION ALL
    SELECT source_system, source_record_id, resident_id, 'missing_' || field, NULL, suggested_value, suggested_shown,
           reason, known_from, known_as_of, confidence, impact
    FROM feedback_missing WHERE listed
    UNION ALL
    SELECT source_system, source_record_id, resident_id, 'duplicate', source_record_id, keep_record_id,
           'the same person as record ' || keep_record_id,
           CASE WHEN another_resident THEN 'a live record under the same name and date of birth that the index '
                                           || 'holds as another resident (' || keep_resident_id || '): check they are one person'
                WHEN names_compatible THEN 'a second live record of one resident'
                ELSE 'a second live record of one resident, under another given name: check they are one person' END,
           source_system, keep_since, confidence, impact
    FROM feedback_duplicates WHERE listed
)
SELECT 'S' || upper(left(md5(concat_ws('|', source_system, source_record_id, field, suggested_value)), 12)) AS suggestion_id,
       r.*, round(confidence * impact, 4) AS priority
FROM raised r;

-- every suggestion ever raised: when first and last (the latest extract date of its system)
CREATE TABLE IF NOT EXISTS feedback_suggestion_log (
    suggestion_id VARCHAR PRIMARY KEY, source_system VARCHAR, source_record_id VARCHAR, field VARCHAR,
    suggested_value VARCHAR, first_raised DATE, last_raised DATE
);

INSERT INTO feedback_suggestion_log
SELECT s.suggestion_id, s.source_system, s.source_record_id, s.field, s.suggested_value, e.extract_date, e.extract_date
FROM _fb_suggestions s JOIN _fb_extracts e USING (source_system)
ON CONFLICT (suggestion_id) DO UPDATE SET last_raised = greatest(feedback_suggestion_log.last_raised, excluded.last_raised);
