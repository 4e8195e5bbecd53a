-- Pairs a person should look at: only those where a verdict changes the index. A pair belongs when
-- its two records are in different residents and it is scored at or above the review threshold
-- (uncertain, or above the link threshold yet kept apart by a rule that is not certain: dates of birth,
-- contacts), so that "same" would merge two residents. Left out: pairs a reviewer has decided, and
-- pairs the rules part with certainty (the two residents hold different NHS or NI numbers, which even a
-- "same" verdict cannot join; a registry rule parts them: one person is never listed twice at one address,
-- or once per group; one was born after the latest date the other's records allow, by the systems' minimum
-- ages, the rule clustering holds against any identifier; a reviewer said "different"). Of the pairs
-- between the same two residents only the most likely is shown: one verdict settles them all. Ranked by
-- what the verdict would change: the records that would move (the smaller resident's), times the pair's
-- match probability.
-- Also shown: a reviewer's "same" that a rule refused (two NHS or NI numbers), so that it is not lost.
-- Two statements: _review_inputs, the pairs that belong in the queue with a hash of everything a row
-- shows (the pair's scores, both residents, both records); then one row per pair of {records}
-- (resolution_pairs, or the pairs whose hash moved since the last run: incremental.py).
CREATE OR REPLACE TEMP TABLE _review_inputs AS
WITH cw AS (SELECT source_system || '|' || source_record_id AS unique_id, resident_id FROM resident_crosswalk),
residents AS (
    SELECT cw.resident_id, count(*) AS records, count(DISTINCT i.source_system) AS systems,
           min(i.latest_dob) AS latest_dob, max(i.dob_checked) AS youngest_dob,
           list(DISTINCT i.nhs_number) FILTER (i.nhs_number IS NOT NULL) AS nhs,
           list(DISTINCT i.ni8) FILTER (i.ni8 IS NOT NULL) AS ni
    FROM cw JOIN resolution_input i USING (unique_id) GROUP BY 1),
decided AS (SELECT least(unique_id_l, unique_id_r) AS unique_id_l, greatest(unique_id_l, unique_id_r) AS unique_id_r,
                   arg_max(verdict, decided_at) AS verdict
            FROM review_decisions GROUP BY ALL),
-- pairs of residents a registry rule or a reviewer's "different" keeps apart
parted AS (SELECT DISTINCT least(ca.resident_id, cb.resident_id) AS resident_a,
                           greatest(ca.resident_id, cb.resident_id) AS resident_b
           FROM cluster_state_apart s JOIN cw ca ON ca.unique_id = s.a JOIN cw cb ON cb.unique_id = s.b
           WHERE ca.resident_id <> cb.resident_id),
candidates AS (
    SELECT p.unique_id_l, p.unique_id_r, p.match_probability, cl.resident_id AS resident_id_l,
           cr.resident_id AS resident_id_r, d.verdict AS verdict_given,
           least(rl.records, rr.records) AS records_moved, rl.systems + rr.systems AS systems,
           CASE WHEN len(rl.nhs) > 0 AND len(rr.nhs) > 0 AND len(list_intersect(rl.nhs, rr.nhs)) = 0
                THEN 'different NHS numbers'
                WHEN len(rl.ni) > 0 AND len(rr.ni) > 0
                     AND len(list_filter(rl.ni, x -> len(list_filter(rr.ni, y -> damerau_levenshtein(x, y) <= 1)) > 0)) = 0
                THEN 'different NI numbers' END AS identifiers_differ,
           coalesce(rr.youngest_dob > rl.latest_dob OR rl.youngest_dob > rr.latest_dob, false) AS age_parted,
           EXISTS (SELECT 1 FROM parted x WHERE x.resident_a = least(cl.resident_id, cr.resident_id)
                                            AND x.resident_b = greatest(cl.resident_id, cr.resident_id)) AS parted
    FROM resolution_pairs p
    JOIN cw cl ON cl.unique_id = p.unique_id_l
    JOIN cw cr ON cr.unique_id = p.unique_id_r
    JOIN residents rl ON rl.resident_id = cl.resident_id
    JOIN residents rr ON rr.resident_id = cr.resident_id
    LEFT JOIN decided d ON d.unique_id_l = p.unique_id_l AND d.unique_id_r = p.unique_id_r
    WHERE cl.resident_id <> cr.resident_id AND p.match_probability >= $review_threshold),
kept AS (
    SELECT *, CASE WHEN verdict_given = 'same'
                   THEN 'your "same" verdict is refused: ' || coalesce(identifiers_differ,
                        'a reviewer said other records of these two residents are different people')
                   WHEN match_probability >= $link_threshold
                   THEN 'strong match kept apart by a rule (dates of birth or contacts)'
                   ELSE 'uncertain match' END AS reason
    FROM candidates
    WHERE verdict_given = 'same'
       OR (verdict_given IS NULL AND identifiers_differ IS NULL AND NOT parted AND NOT age_parted)
    QUALIFY row_number() OVER (PARTITION BY least(resident_id_l, resident_id_r), greatest(resident_id_l, resident_id_r)
                               ORDER BY verdict_given IS NULL, match_probability DESC, unique_id_l, unique_id_r) = 1)
SELECT k.unique_id_l, k.unique_id_r, k.resident_id_l, k.resident_id_r, k.reason, k.records_moved, k.systems,
       round(k.records_moved * k.match_probability, 4) AS priority,
       hash(p.match_probability, p.match_weight, p.breakdown, k.resident_id_l, k.resident_id_r, k.reason,
            k.records_moved, k.systems, il.record_hash, ir.record_hash) AS record_hash
FROM kept k
JOIN resolution_pairs p USING (unique_id_l, unique_id_r)
JOIN resolution_input il ON il.unique_id = k.unique_id_l
JOIN resolution_input ir ON ir.unique_id = k.unique_id_r;

SELECT
    p.unique_id_l, p.unique_id_r,
    round(p.match_probability, 4) AS match_probability, round(p.match_weight, 2) AS match_weight,
    q.reason, q.priority, q.records_moved, q.systems AS systems_affected,
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
ORDER BY q.priority DESC, p.match_probability DESC, p.unique_id_l, p.unique_id_r
