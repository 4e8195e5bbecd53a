-- One person under several identities or claims: (1) a resident holding two or more live claims of one
-- kind (`claims`: an evidence kind and roles, _claims: each system evidencing it), or records with two different NI numbers; (2) two residents the
-- index keeps apart (different NI numbers, say) whose live claim records share a date of birth and a
-- surname (or one within $surname_similarity) and carry the same forename after nicknames (or one within
-- $forename_similarity). NI numbers appear in the evidence only where they are the point.
WITH claims AS (
    SELECT r.resident_id, r.source_system, r.source_record_id, r.group_ref, r.since, r.uprn,
           p.forename_canonical, p.forename, p.surname, p.dob, p.ni_number
    FROM live_records r
    JOIN _claims c ON c.source = r.source_system AND list_contains(c.roles, r.role)
    JOIN person_records p USING (source_system, source_record_id)
    WHERE r.live),
claim_evidence AS (
    SELECT resident_id, source_system, source_record_id, since, group_ref, ni_number,
           {'source_system': source_system, 'record_id': source_record_id, 'date': since,
            'fact': 'live claim ' || group_ref} AS evidence,
           {'source_system': source_system, 'record_id': source_record_id, 'date': since,
            'fact': 'live claim ' || group_ref || coalesce(' under NI number ' || ni_number, '')} AS evidence_ni
    FROM claims),
two_claims AS (
    SELECT resident_id, source_system, count(DISTINCT group_ref) AS claims,
           list(evidence ORDER BY since, source_record_id) AS evidence
    FROM claim_evidence GROUP BY ALL HAVING count(DISTINCT group_ref) > 1),
two_ni AS (
    SELECT c.resident_id, list(DISTINCT left(p.ni_number, 8) ORDER BY left(p.ni_number, 8)) AS numbers,
           list({'source_system': p.source_system, 'record_id': p.source_record_id,
                 'date': coalesce(p.start_date, p.first_seen), 'fact': 'NI number ' || p.ni_number}
                ORDER BY coalesce(p.start_date, p.first_seen), p.source_system, p.source_record_id) AS evidence
    FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id)
    WHERE p.ni_number IS NOT NULL   -- the suffix letter is optional: compare the first eight characters
    GROUP BY c.resident_id HAVING count(DISTINCT left(p.ni_number, 8)) > 1),
alike AS (   -- pairs of residents whose claims look like one person's
    SELECT a.resident_id AS a, b.resident_id AS b,
           CASE WHEN left(a.ni_number, 8) <> left(b.ni_number, 8) THEN 0.9 ELSE 0.8 END AS score,
           [a_e.evidence_ni, b_e.evidence_ni] AS evidence,
           left(a.ni_number, 8) <> left(b.ni_number, 8) AS other_ni
    FROM claims a
    JOIN claims b ON a.resident_id < b.resident_id AND a.dob = b.dob AND a.source_system = b.source_system
                 AND (a.surname = b.surname OR jaro_winkler_similarity(a.surname, b.surname) >= $surname_similarity)
                 AND (a.forename_canonical = b.forename_canonical
                      OR jaro_winkler_similarity(a.forename, b.forename) >= $forename_similarity)
    JOIN claim_evidence a_e ON a_e.source_system = a.source_system AND a_e.source_record_id = a.source_record_id
    JOIN claim_evidence b_e ON b_e.source_system = b.source_system AND b_e.source_record_id = b.source_record_id),
cases AS (
    SELECT 'MID-' || resident_id || '-' || source_system AS case_id, 0.9 AS score,
           claims || ' live claims on ' || source_system || ' by one resident' AS reason,
           resident_id, []::VARCHAR[] AS related, evidence
    FROM two_claims
    UNION ALL
    SELECT 'MID-' || resident_id || '-NI', 0.8, 'One resident holds ' || len(numbers) || ' NI numbers: '
           || array_to_string(numbers, ', '), resident_id, []::VARCHAR[], evidence
    FROM two_ni
    UNION ALL
    SELECT 'MID-' || a || '-' || b, max(score),
           'Two residents with live claims share a date of birth, surname and forename'
           || CASE WHEN bool_or(other_ni) THEN ' but give different NI numbers' ELSE '' END
           || ': possibly one person claiming twice', a, [b], flatten(list(evidence))
    FROM alike GROUP BY a, b)
-- list_distinct keeps no order: the merged lists are sorted (evidence by system, record, date, fact)
SELECT c.case_id, max(c.score) AS score, string_agg(DISTINCT c.reason, '; ' ORDER BY c.reason) AS reason, c.resident_id,
       any_value(m.uprn) AS uprn, NULL::VARCHAR AS reference,
       list_sort(list_distinct(flatten(list(c.related)))) AS related_residents,
       list_sort(list_distinct(flatten(list(c.evidence)))) AS evidence
FROM cases c JOIN mart_residents m USING (resident_id)
GROUP BY c.case_id, c.resident_id
