-- Missing information: a live record without a value its system could hold (it maps a column to the field:
-- _fb_could_hold) where the index knows the value from another record. A UPRN is suggested from the
-- record's own address as the gazetteer matched it; the rest are the golden value, as sure as the resident's
-- records agree on it (support of the golden value against every other value they hold) and as the record
-- is surely the resident's.
CREATE OR REPLACE TABLE feedback_missing AS
WITH wanted AS (
    SELECT r.*, h.field FROM _fb_records r JOIN _fb_could_hold h USING (source_system)
    WHERE r.live AND CASE h.field WHEN 'nhs_number' THEN r.nhs_valid IS NULL
                                  WHEN 'ni_number' THEN r.ni_valid IS NULL
                                  WHEN 'dob' THEN r.dob_flag = 'missing'
                                  WHEN 'uprn' THEN r.source_uprn IS NULL END
),
others AS (SELECT resident_id, field, sum(support) AS support FROM _fb_support GROUP BY ALL),
known AS (
    SELECT w.resident_id, w.source_system, w.source_record_id, w.field, g.value AS suggested_value,
           g.shown AS suggested_shown, g.source AS known_from, g.record AS known_record, g.as_of AS known_as_of,
           'known to ' || g.source AS reason,
           sg.support / nullif(o.support, 0) * w.link_probability AS confidence, w.link_probability
    FROM wanted w
    JOIN _fb_golden g ON g.resident_id = w.resident_id AND g.field = w.field
    JOIN _fb_support sg ON sg.resident_id = w.resident_id AND sg.field = w.field AND sg.value = g.value
    JOIN others o ON o.resident_id = w.resident_id AND o.field = w.field
    WHERE w.field <> 'uprn'
    UNION ALL
    SELECT w.resident_id, w.source_system, w.source_record_id, w.field, w.uprn, concat_ws(', ', w.address, w.postcode),
           'gazetteer', NULL, NULL, 'the record''s own address matched to this UPRN', conf.uprn_from_own_address, 1.0
    FROM wanted w CROSS JOIN _fb_conf conf
    WHERE w.field = 'uprn' AND w.uprn IS NOT NULL
)
SELECT k.resident_id, k.source_system, k.source_record_id, k.field, k.suggested_value, k.suggested_shown,
       k.known_from, k.known_record, k.known_as_of, k.reason, round(k.confidence, 4) AS confidence, f.impact,
       round(k.confidence, 4) >= f.min_confidence AS listed
FROM known k JOIN _fb_field_rules f ON f.field = 'missing_' || k.field
ORDER BY k.source_system, k.source_record_id, k.field;
