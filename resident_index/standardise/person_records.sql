-- Canonical records of every source's latest accepted extract, each with the UPRN it resolves to:
-- the source's own UPRN when the gazetteer knows it, else the accepted address match, else none.
CREATE OR REPLACE TABLE person_records AS
SELECT s.* EXCLUDE (uprn),
       s.uprn AS source_uprn,
       coalesce(g.uprn, CASE WHEN m.accepted THEN m.uprn END) AS uprn,
       CASE WHEN g.uprn IS NOT NULL THEN 'source' WHEN m.accepted THEN 'matched' END AS uprn_source,
       m.match_weight AS address_match_weight,
       m.match_reason AS address_match_reason,
       l.ward, l.polling_district, l.easting, l.northing
FROM staged_records s
LEFT JOIN llpg g ON g.uprn = s.uprn
LEFT JOIN address_match_cache m
       ON g.uprn IS NULL AND m.address = s.address AND m.postcode IS NOT DISTINCT FROM s.postcode
LEFT JOIN llpg l ON l.uprn = coalesce(g.uprn, CASE WHEN m.accepted THEN m.uprn END);
