-- After the owners' responses have landed (responses.py), from the suggestion log (suggestions.sql).
-- each suggestion ever raised, with the owner's latest response and what became of it:
--   open              raised by this build (on the system's latest extract), no response
--   rejected/not_ours the owner said so: never listed again
--   awaiting_extract  reported fixed; the system has sent no extract since
--   fix_not_seen      reported fixed, but the extract after the response still holds the old value: listed again
--   fix_confirmed     reported fixed, and this build (on an extract after the response) no longer raises it
--   resolved          no longer raised, with no response (the record was corrected, or went)
CREATE OR REPLACE TABLE feedback_outcomes AS
WITH latest AS (
    SELECT * FROM feedback_responses
    QUALIFY row_number() OVER (PARTITION BY suggestion_id ORDER BY responded_on DESC, file DESC, row DESC) = 1)
SELECT l.suggestion_id, l.source_system, l.source_record_id, l.field, l.suggested_value, l.first_raised,
       l.last_raised, r.response, r.responded_on, r.note, e.extract_date,
       n.suggestion_id IS NOT NULL AS raised_now,
       CASE WHEN r.response IN ('rejected', 'not_ours') THEN r.response
            WHEN r.response = 'fixed' AND e.extract_date <= r.responded_on THEN 'awaiting_extract'
            WHEN r.response = 'fixed' AND n.suggestion_id IS NOT NULL THEN 'fix_not_seen'
            WHEN r.response = 'fixed' THEN 'fix_confirmed'
            WHEN n.suggestion_id IS NOT NULL THEN 'open'
            ELSE 'resolved' END AS outcome
FROM feedback_suggestion_log l
LEFT JOIN _fb_extracts e USING (source_system)
LEFT JOIN latest r USING (suggestion_id)
LEFT JOIN _fb_suggestions n USING (suggestion_id)
ORDER BY l.source_system, l.suggestion_id;

-- the worklists: this build's suggestions still open or reported fixed but not seen fixed, best first
CREATE OR REPLACE TABLE feedback_worklist AS
SELECT s.*, o.outcome AS status, o.responded_on, e.extract_date
FROM _fb_suggestions s
JOIN feedback_outcomes o USING (suggestion_id)
JOIN _fb_extracts e ON e.source_system = s.source_system
JOIN _fb_systems y ON y.source_system = s.source_system
WHERE o.outcome IN ('open', 'fix_not_seen') AND y.worklist
ORDER BY s.source_system, s.priority DESC, s.suggestion_id;
