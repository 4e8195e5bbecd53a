-- Duplicates within a system: one resident holding two or more live records of one system (roles under
-- which one person rightly holds several, _fb_several_roles, and systems keeping a record per thing held,
-- _fb_systems.several_allowed, aside). Each record but the first (the oldest:
-- earliest start or first seen, then record id) is listed beside the one to keep: the oldest before it that
-- can be the same person (names compatible, not two people as below), else the oldest (a resident the index
-- made of two people, each with a second record, gets each merged into their own); both records' details
-- side by side; confidence: the weaker of the two records' links to the resident, times `different_names`
-- when their given names cannot be one person's (then the index may have joined two people, e.g. two
-- members of a household sharing a phone number). Given names can be one person's when resolution's
-- names_compatible says so (equal, one canonical form, a typo, an initial), when they are nicknames of one
-- name (their nickname variants meet, _fb_forename_variants: KIT and CHRISTOPHER), or when the two records
-- hold forename and surname the other way round (HARPREET SINGH, SINGH HARPREET).
-- Beside them, a resident's live record of a system is listed beside the oldest live record of that system
-- under the same forename, surname and date of birth that the index holds as another resident (it kept them
-- apart, e.g. for two NI numbers): one person recorded twice, more likely than two people of one name and
-- birthday in one system; confidence times `another_resident` (keep_resident_id says whose). One such row per
-- other resident (its oldest record of that identity; the rest of its records are its own duplicates).
-- Two records are not listed at all when what they hold says they are two people: both dates of birth
-- known and not one person's (not equal, not day and month swapped, more than one character or one swap
-- apart), or one group (an account, a tenancy) of a system that lists each person once in a group
-- (distinct_in_group) holding them under two different roles (its lead and its joint liable person).
CREATE OR REPLACE TABLE feedback_duplicates AS
WITH live AS (
    SELECT r.*, v.variants FROM _fb_records r LEFT JOIN _fb_forename_variants v USING (forename)
    WHERE r.live AND coalesce(r.role NOT IN (SELECT role FROM _fb_several_roles), true)
      AND r.source_system NOT IN (SELECT source_system FROM _fb_systems WHERE several_allowed)
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY resident_id, source_system ORDER BY since, source_record_id) AS rank,
           count(*) OVER (PARTITION BY resident_id, source_system) AS records_in_system
    FROM live
),
judged AS (
SELECT d.* EXCLUDE (rank, variants), k.resident_id AS keep_resident_id, false AS another_resident,
       k.source_record_id AS keep_record_id, k.forename AS keep_forename, k.middle_names AS keep_middle_names,
       k.surname AS keep_surname, k.dob AS keep_dob, k.address AS keep_address, k.postcode AS keep_postcode,
       k.since AS keep_since, k.group_ref AS keep_group_ref, k.link_probability AS keep_link_probability,
       k.rank AS keep_rank,
       names_compatible(d.forename, k.forename, d.forename_canonical, k.forename_canonical)
           OR coalesce(len(list_intersect(d.variants, k.variants)) > 0, false)
           OR coalesce(d.forename = k.surname AND d.surname = k.forename, false) AS names_compatible,
       coalesce(d.dob <> k.dob
                AND NOT (year(d.dob) = year(k.dob) AND month(d.dob) = day(k.dob) AND day(d.dob) = month(k.dob))
                AND damerau_levenshtein(strftime(d.dob, '%Y-%m-%d'), strftime(k.dob, '%Y-%m-%d')) > 1, false)
           AS dobs_apart,
       coalesce(s.distinct_in_group AND d.group_ref = k.group_ref AND d.role <> k.role, false) AS roles_apart
FROM ranked d
JOIN ranked k ON k.resident_id = d.resident_id AND k.source_system = d.source_system AND k.rank < d.rank
JOIN _fb_systems s ON s.source_system = d.source_system
WHERE d.rank > 1
-- the record to keep: the oldest that can be the same person, else the oldest
QUALIFY row_number() OVER (PARTITION BY d.source_system, d.source_record_id
                           ORDER BY (names_compatible AND NOT dobs_apart AND NOT roles_apart) DESC, k.rank) = 1),
same_identity AS (
    SELECT l.* EXCLUDE (variants),
           first_value(source_record_id) OVER identity AS first_record,
           first_value(resident_id) OVER identity AS first_resident,
           row_number() OVER (PARTITION BY source_system, forename, surname, dob, resident_id
                              ORDER BY since, source_record_id) AS rank_in_resident,
           count(*) OVER (PARTITION BY resident_id, source_system) AS records_in_system
    FROM live l WHERE forename IS NOT NULL AND surname IS NOT NULL AND dob IS NOT NULL
    WINDOW identity AS (PARTITION BY source_system, forename, surname, dob ORDER BY since, source_record_id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
across AS (
SELECT d.* EXCLUDE (first_record, first_resident, rank_in_resident), k.resident_id AS keep_resident_id,
       true AS another_resident, k.source_record_id AS keep_record_id, k.forename AS keep_forename,
       k.middle_names AS keep_middle_names, k.surname AS keep_surname, k.dob AS keep_dob, k.address AS keep_address,
       k.postcode AS keep_postcode, k.since AS keep_since, k.group_ref AS keep_group_ref,
       k.link_probability AS keep_link_probability, NULL::BIGINT AS keep_rank, true AS names_compatible,
       false AS dobs_apart,
       coalesce(s.distinct_in_group AND d.group_ref = k.group_ref AND d.role <> k.role, false) AS roles_apart
FROM same_identity d
JOIN live k ON k.source_system = d.source_system AND k.source_record_id = d.first_record
JOIN _fb_systems s ON s.source_system = d.source_system
WHERE d.resident_id <> d.first_resident AND d.rank_in_resident = 1),
pairs AS (
SELECT j.resident_id, j.source_system, j.source_record_id, j.keep_record_id, j.keep_resident_id, j.another_resident,
       j.records_in_system,
       concat_ws(' ', j.forename, j.middle_names, j.surname) AS name,
       concat_ws(' ', j.keep_forename, j.keep_middle_names, j.keep_surname) AS keep_name,
       j.dob, j.keep_dob, concat_ws(', ', j.address, j.postcode) AS address,
       concat_ws(', ', j.keep_address, j.keep_postcode) AS keep_address, j.since, j.keep_since,
       j.group_ref, j.keep_group_ref, j.names_compatible,
       CASE WHEN j.dobs_apart THEN 'dates of birth' WHEN j.roles_apart THEN 'roles in one group' END AS two_people,
       round(least(j.link_probability, j.keep_link_probability)
             * CASE WHEN j.names_compatible THEN 1 ELSE conf.different_names END
             * CASE WHEN j.another_resident THEN conf.another_resident ELSE 1 END, 4) AS confidence,
       f.impact
FROM (SELECT * FROM judged UNION ALL BY NAME SELECT * FROM across) j CROSS JOIN _fb_conf conf
JOIN _fb_field_rules f ON f.field = 'duplicate')
SELECT p.*, p.confidence >= f.min_confidence AND p.two_people IS NULL AS listed
FROM pairs p JOIN _fb_field_rules f ON f.field = 'duplicate'
ORDER BY p.source_system, p.source_record_id;
