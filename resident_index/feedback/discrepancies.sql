-- Discrepancies: each live record that disagrees with its resident's golden record (records.sql's temp
-- tables), with the golden value, the system, record and date behind it, and how sure the index is that the
-- record is the wrong one (quality_feedback.yaml explains the confidence). `listed`: sure enough to ask.
CREATE OR REPLACE TABLE feedback_discrepancies AS
WITH compared AS (
    -- a value the record holds that is not the golden one
    SELECT r.resident_id, r.source_system, r.source_record_id, v.field, v.value AS record_value,
           g.value AS golden_value, g.shown AS golden_shown, g.source AS golden_source, g.record AS golden_record,
           g.as_of AS golden_as_of, r.link_probability, r.since, r.since_known,
           CASE WHEN NOT v.counts THEN 'the resident left this address: ' || l.left_source || ' shows them leaving on ' || l.left_on
                ELSE 'differs from the golden record' END AS reason,
           coalesce(sg.support, 0) AS golden_support, coalesce(sv.support, 0) AS record_support
    FROM _fb_records r
    JOIN _fb_values v USING (source_system, source_record_id)
    LEFT JOIN _fb_left l ON l.resident_id = r.resident_id AND l.uprn = CASE WHEN NOT v.counts THEN v.value END
    JOIN _fb_golden g ON g.resident_id = r.resident_id AND g.field = v.field
    LEFT JOIN _fb_support sg ON sg.resident_id = r.resident_id AND sg.field = v.field AND sg.value = g.value
    LEFT JOIN _fb_support sv ON sv.resident_id = r.resident_id AND sv.field = v.field AND sv.value = v.value
    WHERE r.live AND v.value <> g.value
      AND NOT (v.field = 'address' AND g.deceased)
      -- a known nickname or an initial of the golden forename, with the same surname, is not a discrepancy
      AND NOT (v.field = 'name' AND r.surname = g.golden_surname
               AND (r.forename IS NULL OR r.forename_canonical = g.golden_forename_canonical
                    OR (length(r.forename) = 1 AND left(g.golden_forename, 1) = r.forename)))
    UNION ALL
    -- a value given that fails its check (nulled at staging), where the golden record holds a good one
    SELECT r.resident_id, r.source_system, r.source_record_id, g.field, NULL, g.value, g.shown, g.source, g.record,
           g.as_of, r.link_probability, r.since, r.since_known,
           CASE g.field WHEN 'nhs_number' THEN 'fails the NHS number check'
                        WHEN 'ni_number' THEN 'not a valid National Insurance number'
                        ELSE 'date of birth given is ' || r.dob_flag END,
           coalesce(sg.support, 0), 0
    FROM _fb_records r
    JOIN _fb_golden g ON g.resident_id = r.resident_id
    LEFT JOIN _fb_support sg ON sg.resident_id = r.resident_id AND sg.field = g.field AND sg.value = g.value
    WHERE r.live AND ((g.field = 'nhs_number' AND r.nhs_valid = false)
                      OR (g.field = 'ni_number' AND r.ni_valid = false)
                      OR (g.field = 'dob' AND r.dob_flag IN ('placeholder', 'unparseable', 'implausible')))
),
judged AS (
    SELECT c.*, coalesce(c.golden_support / nullif(c.golden_support + c.record_support, 0), 0)
                * c.link_probability
                * CASE WHEN c.field IN ('address', 'name', 'phone', 'mobile', 'email') AND c.since_known > c.golden_as_of
                       THEN conf.newer_record ELSE 1 END
                * CASE WHEN c.field = 'address' AND c.resident_id IN (SELECT resident_id FROM _fb_moved_away)
                       THEN conf.moved_away ELSE 1 END AS confidence
    FROM compared c CROSS JOIN _fb_conf conf
),
deaths AS (
    -- still active after the resident's death
    SELECT r.resident_id, r.source_system, r.source_record_id, 'life_status' AS field,
           coalesce(r.status, 'active') AS record_value, g.value AS golden_value, 'deceased ' || g.value AS golden_shown,
           g.source AS golden_source, g.record AS golden_record, g.as_of AS golden_as_of, r.link_probability, r.since, r.since_known,
           'active after the death recorded in ' || g.source AS reason,
           NULL::DOUBLE AS golden_support, NULL::DOUBLE AS record_support,
           r.link_probability * CASE WHEN ds.death_system THEN conf.death_from_death_system
                                     ELSE conf.death_from_other_system END AS confidence
    FROM _fb_records r
    JOIN _fb_golden g ON g.resident_id = r.resident_id AND g.field = 'date_of_death'
    LEFT JOIN _fb_systems ds ON ds.source_system = g.source
    CROSS JOIN _fb_conf conf
    WHERE r.live AND r.date_of_death IS NULL
)
SELECT d.resident_id, d.source_system, d.source_record_id, d.field, d.record_value, d.golden_value,
       d.golden_shown, d.golden_source, d.golden_record, d.golden_as_of, d.reason,
       round(d.confidence, 4) AS confidence, f.impact, round(d.confidence, 4) >= f.min_confidence AS listed,
       round(d.golden_support, 4) AS golden_support, round(d.record_support, 4) AS record_support,
       round(d.link_probability, 4) AS link_probability
FROM (SELECT * FROM judged UNION ALL BY NAME SELECT * FROM deaths) d
JOIN _fb_field_rules f USING (field)
ORDER BY d.source_system, d.source_record_id, d.field;
