-- Households: living residents whose golden current address is the same UPRN, with their composition
-- as at the latest extract. Ages come from golden dates of birth; no date of birth counts as adult.
CREATE OR REPLACE TABLE households AS
WITH as_of AS (SELECT max(last_seen) AS day FROM golden_residents),
members AS (
    SELECT uprn, resident_id, date_diff('year', dob, as_of.day)
                 - CASE WHEN strftime(dob, '%m%d') > strftime(as_of.day, '%m%d') THEN 1 ELSE 0 END AS age
    FROM golden_residents, as_of
    WHERE uprn IS NOT NULL AND NOT deceased
)
SELECT 'H' || m.uprn AS household_id, m.uprn,
       min(l.address_text) AS address, min(l.ward) AS ward,  -- one gazetteer row per UPRN, as a rule
       count(*) AS residents,
       count(*) FILTER (age IS NULL OR age >= 18) AS adults,
       count(*) FILTER (age < 18) AS children,
       count(*) FILTER (age >= 75) AS over_75s,
       list(resident_id ORDER BY resident_id) AS resident_ids
FROM members m LEFT JOIN llpg l USING (uprn)
GROUP BY m.uprn
ORDER BY m.uprn;

-- Who joined or left each household, and when: from the address history. Safeguarding teams read it
-- through the view below (new adults in households with a child known to children's social care: a child
-- with a current record in a system evidencing childrens_social_care, table source_evidence_kinds).
CREATE OR REPLACE TABLE household_changes AS
SELECT 'H' || a.uprn AS household_id, a.uprn, a.resident_id, 'joined' AS change, a.from_date AS change_date,
       a.sources AS evidence
FROM resident_addresses a
WHERE a.from_date IS NOT NULL
UNION ALL
SELECT 'H' || a.uprn, a.uprn, a.resident_id, 'left', a.to_date, a.sources
FROM resident_addresses a
WHERE a.to_date IS NOT NULL AND NOT a.is_current_address
ORDER BY household_id, change_date, resident_id, change;

-- Ages and "recent" are as at the latest extract (the view reads the same whatever day it is queried).
CREATE OR REPLACE VIEW new_adults_with_children_known_to_social_care AS
WITH as_of AS (SELECT max(last_seen) AS day FROM golden_residents)
SELECT h.household_id, h.uprn, c.resident_id AS new_adult, c.change_date AS joined_on, c.evidence,
       list(DISTINCT k.resident_id ORDER BY k.resident_id) AS children_known_to_social_care
FROM household_changes c
CROSS JOIN as_of
JOIN households h USING (household_id)
JOIN golden_residents adult ON adult.resident_id = c.resident_id
JOIN golden_residents k ON k.uprn = h.uprn
     AND len(list_intersect(k.services, (SELECT list(source_system) FROM source_evidence_kinds
                                         WHERE kind = 'childrens_social_care'))) > 0
     AND k.dob + INTERVAL 18 YEAR > as_of.day
WHERE c.change = 'joined' AND adult.resident_id <> k.resident_id
  AND (adult.dob IS NULL OR adult.dob + INTERVAL 18 YEAR <= as_of.day)
  AND c.change_date >= as_of.day - INTERVAL 180 DAY
GROUP BY ALL;
