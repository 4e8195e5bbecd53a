-- Duplicates within a system: one resident holding two or more live records of one system (roles under
-- which one person rightly holds several, _fb_several_roles, and systems keeping a record per thing held,
-- _fb_systems.several_allowed, aside). Each record but the first (the oldest:
-- earliest start or first seen, then record id) is listed beside the one to keep, both records' details
-- side by side; confidence: the weaker of the two records' links to the resident, times `different_names`
-- when their given names cannot be one person's (names_compatible, as resolution judges them: then the
-- index may have joined two people, e.g. two members of a household sharing a phone number).
CREATE OR REPLACE TABLE feedback_duplicates AS
WITH live AS (
    SELECT r.* FROM _fb_records r
    WHERE r.live AND coalesce(r.role NOT IN (SELECT role FROM _fb_several_roles), true)
      AND r.source_system NOT IN (SELECT source_system FROM _fb_systems WHERE several_allowed)
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY resident_id, source_system ORDER BY since, source_record_id) AS rank,
           count(*) OVER (PARTITION BY resident_id, source_system) AS records_in_system
    FROM live
),
pairs AS (
SELECT d.resident_id, d.source_system, d.source_record_id, k.source_record_id AS keep_record_id, d.records_in_system,
       concat_ws(' ', d.forename, d.middle_names, d.surname) AS name, concat_ws(' ', k.forename, k.middle_names, k.surname) AS keep_name,
       d.dob, k.dob AS keep_dob, concat_ws(', ', d.address, d.postcode) AS address,
       concat_ws(', ', k.address, k.postcode) AS keep_address, d.since, k.since AS keep_since,
       d.group_ref, k.group_ref AS keep_group_ref,
       names_compatible(d.forename, k.forename, d.forename_canonical, k.forename_canonical) AS names_compatible,
       round(least(d.link_probability, k.link_probability)
             * CASE WHEN names_compatible(d.forename, k.forename, d.forename_canonical, k.forename_canonical)
                    THEN 1 ELSE conf.different_names END, 4) AS confidence,
       f.impact
FROM ranked d CROSS JOIN _fb_conf conf
JOIN ranked k ON k.resident_id = d.resident_id AND k.source_system = d.source_system AND k.rank = 1
JOIN _fb_field_rules f ON f.field = 'duplicate'
WHERE d.rank > 1)
SELECT p.*, p.confidence >= f.min_confidence AS listed
FROM pairs p JOIN _fb_field_rules f ON f.field = 'duplicate'
ORDER BY p.source_system, p.source_record_id;

