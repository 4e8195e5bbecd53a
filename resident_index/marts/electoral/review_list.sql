-- The electoral services review list: electors the council's data does not confirm at the registered
-- address (no evidence), or shows moved or dead. What an officer needs to work the case: the entry as
-- the register holds it, the reason in plain words, the evidence and how old it is.
CREATE OR REPLACE TABLE electoral_review_list AS
WITH s AS (SELECT * FROM _electoral_settings),
systems AS (  -- the systems behind each elector's evidence, by their titles (evidence rules' _source_titles),
              -- in alphabetical order
    SELECT v.elector_number,
           string_agg(DISTINCT lower(coalesce(t.title, e.source_system)), ', '
                      ORDER BY lower(coalesce(t.title, e.source_system)))
               FILTER (e.uprn IS NOT DISTINCT FROM v.moved_to_uprn) AS moved_systems,
           string_agg(DISTINCT lower(coalesce(t.title, e.source_system)), ', '
                      ORDER BY lower(coalesce(t.title, e.source_system)))
               FILTER (e.uprn = v.registered_uprn) AS here_systems
    FROM electoral_validation v, unnest(v.evidence) AS u(e)
    LEFT JOIN _source_titles t ON t.source_system = e.source_system
    GROUP BY v.elector_number)
SELECT v.elector_number, v.polling_district, p.title, p.forename, p.middle_names, p.surname,
       p.address AS registered_address, p.postcode, v.registered_uprn, v.status,
       CASE
           WHEN v.status = 'died' THEN
               'Died on ' || coalesce(strftime(v.date_of_death, '%-d %B %Y'), 'an unknown date')
               || coalesce(' (' || lower(coalesce(d.title, v.evidence[1].source_system)) || ' record ' || v.evidence[1].record_id || ')', '') || '.'
           WHEN v.status = 'moved' AND v.moved_to_uprn IS NOT NULL THEN
               'Living at another address by ' || y.moved_systems || ' (newest record from '
               || strftime(v.evidence[1].since, '%-d %B %Y') || '); nothing at the registered address is newer'
               || coalesce('; their record here closed on ' || strftime(v.left_registered_address_on, '%-d %B %Y'), '') || '.'
           WHEN v.status = 'moved' THEN
               'Their ' || y.here_systems || ' record at the registered address closed on '
               || strftime(v.left_registered_address_on, '%-d %B %Y') || ' and no later record places them there.'
           WHEN len(v.evidence) = 0 THEN 'No council record other than the register places them at this address.'
           ELSE 'Not confirmed by the records here (' || y.here_systems || '): score ' || printf('%.2f', v.evidence_score)
               || ', ' || printf('%.2f', s.min_score) || ' needed; closed, superseded and old records do not count.'
       END AS reason,
       v.moved_to_uprn, l.address_text AS moved_to_address, v.evidence, v.latest_evidence_date, v.evidence_age_days,
       v.resident_id
FROM electoral_validation v CROSS JOIN s
JOIN person_records p ON list_contains(s.register_systems, p.source_system) AND p.source_record_id = v.elector_number
LEFT JOIN systems y USING (elector_number)
LEFT JOIN _source_titles d ON v.status = 'died' AND d.source_system = v.evidence[1].source_system
LEFT JOIN llpg l ON l.uprn = v.moved_to_uprn
WHERE v.status <> 'confirmed'
ORDER BY v.polling_district, v.status, v.elector_number;
