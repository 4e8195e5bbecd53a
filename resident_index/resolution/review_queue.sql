-- Pairs a person should look at: scored between the two thresholds (uncertain), or above the link
-- threshold yet kept apart because their identifiers conflict. Both records side by side, with the
-- match-weight breakdown; pairs a reviewer has already decided are left out.
-- Two statements: _review_inputs, the pairs that belong in the queue with a hash of everything a row
-- shows (the pair's scores, both residents, both records); then one row per pair of {records}
-- (resolution_pairs, or the pairs whose hash moved since the last run: incremental.py).
CREATE OR REPLACE TEMP TABLE _review_inputs AS
WITH cw AS (SELECT source_system || '|' || source_record_id AS unique_id, resident_id FROM resident_crosswalk),
decided AS (SELECT least(unique_id_l, unique_id_r) AS unique_id_l, greatest(unique_id_l, unique_id_r) AS unique_id_r
            FROM review_decisions)
SELECT p.unique_id_l, p.unique_id_r, cl.resident_id AS resident_id_l, cr.resident_id AS resident_id_r,
       hash(p.match_probability, p.match_weight, p.breakdown, cl.resident_id, cr.resident_id,
            il.record_hash, ir.record_hash) AS record_hash
FROM resolution_pairs p
JOIN cw cl ON cl.unique_id = p.unique_id_l
JOIN cw cr ON cr.unique_id = p.unique_id_r
JOIN resolution_input il ON il.unique_id = p.unique_id_l
JOIN resolution_input ir ON ir.unique_id = p.unique_id_r
WHERE cl.resident_id <> cr.resident_id
  AND p.match_probability >= $review_threshold
  AND NOT EXISTS (SELECT 1 FROM decided d WHERE d.unique_id_l = p.unique_id_l AND d.unique_id_r = p.unique_id_r);

SELECT
    p.unique_id_l, p.unique_id_r,
    round(p.match_probability, 4) AS match_probability, round(p.match_weight, 2) AS match_weight,
    CASE WHEN p.match_probability >= $link_threshold
         THEN 'strong match kept apart by conflicting identifiers' ELSE 'uncertain match' END AS reason,
    q.resident_id_l, q.resident_id_r,
    l.source_system AS source_l, r.source_system AS source_r,
    concat_ws(' ', l.forename, l.middle_names, l.surname) AS name_l,
    concat_ws(' ', r.forename, r.middle_names, r.surname) AS name_r,
    l.dob AS dob_l, r.dob AS dob_r,
    l.address AS address_l, r.address AS address_r,
    l.postcode AS postcode_l, r.postcode AS postcode_r,
    l.uprn AS uprn_l, r.uprn AS uprn_r,
    l.nhs_number AS nhs_number_l, r.nhs_number AS nhs_number_r,
    l.ni_number AS ni_number_l, r.ni_number AS ni_number_r,
    p.breakdown,
    q.record_hash
FROM {records} p
JOIN _review_inputs q USING (unique_id_l, unique_id_r)
JOIN person_records l ON l.source_system || '|' || l.source_record_id = p.unique_id_l
JOIN person_records r ON r.source_system || '|' || r.source_record_id = p.unique_id_r
ORDER BY p.match_probability DESC, p.unique_id_l, p.unique_id_r
