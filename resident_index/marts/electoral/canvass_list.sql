-- The canvass list: living adults and attainers whom the confirming systems place at an address (the
-- strongest, at least min_score) where they are not on the register. Registered elsewhere means an entry
-- at another address to move; otherwise an invitation to register. Eligibility (nationality) is for the
-- officer: no council system holds it.
CREATE OR REPLACE TABLE electoral_canvass_list AS
WITH s AS (SELECT * FROM _electoral_settings),
best AS (
    SELECT * FROM _residence_scores
    QUALIFY row_number() OVER (PARTITION BY resident_id ORDER BY score DESC, newest_since DESC, uprn) = 1),
registered AS (
    SELECT resident_id, list(elector_number ORDER BY elector_number) AS elector_numbers,
           list(registered_uprn ORDER BY registered_uprn) AS uprns
    FROM electoral_validation GROUP BY resident_id)
SELECT m.resident_id, g.title, g.forename, g.middle_names, g.surname, l.address_text AS address, l.postcode,
       b.uprn, l.polling_district,
       coalesce(list_contains(s.attainer_ages, m.age), false) AS attainer,
       CASE WHEN list_contains(s.attainer_ages, m.age) THEN (m.dob + to_years(s.voting_age))::DATE END
           AS attainment_date,
       r.resident_id IS NOT NULL AS registered_elsewhere, r.elector_numbers AS registered_elsewhere_as,
       b.score AS evidence_score, b.evidence, b.latest_evidence_date,
       date_diff('day', b.latest_evidence_date, m.as_of) AS evidence_age_days
FROM mart_residents m CROSS JOIN s
JOIN best b USING (resident_id)
JOIN golden_residents g USING (resident_id)
LEFT JOIN llpg l ON l.uprn = b.uprn
LEFT JOIN registered r USING (resident_id)
WHERE NOT m.deceased AND b.score >= s.min_score
  AND (m.adult OR coalesce(list_contains(s.attainer_ages, m.age), false))
  AND NOT list_contains(coalesce(r.uprns, []), b.uprn)
ORDER BY l.polling_district, l.postcode, b.uprn, m.resident_id;
