-- Canonical records of every source's latest accepted extract, each with the UPRN it resolves to:
-- the source's own UPRN when the gazetteer knows it, else the accepted address match, else none.
-- One row per record of {records}: staged_records, or the records whose record_hash (of the staged record
-- and its address match: what the row is computed from) moved since the last run (incremental.py).
WITH matched AS (
    SELECT s.* EXCLUDE (record_hash), hash(s.record_hash, m.uprn, m.accepted, m.match_weight, m.match_reason) AS record_hash,
           g.uprn AS known_uprn, m.uprn AS matched_uprn, m.accepted, m.match_weight, m.match_reason
    FROM {records} s
    LEFT JOIN llpg g ON g.uprn = s.uprn
    LEFT JOIN address_match_cache m
           ON m.address = s.address AND coalesce(m.postcode, '') = coalesce(s.postcode, '')
),
resolved AS (
    SELECT *,
           coalesce(known_uprn, CASE WHEN accepted THEN matched_uprn END) AS resolved_uprn,
           known_uprn IS NULL AS needed_match
    FROM matched
)
SELECT r.* EXCLUDE (uprn, known_uprn, matched_uprn, accepted, match_weight, match_reason, resolved_uprn, needed_match),
       r.uprn AS source_uprn,
       r.resolved_uprn AS uprn,
       CASE WHEN r.known_uprn IS NOT NULL THEN 'source' WHEN r.resolved_uprn IS NOT NULL THEN 'matched' END AS uprn_source,
       CASE WHEN r.needed_match THEN r.match_weight END AS address_match_weight,
       CASE WHEN r.needed_match THEN r.match_reason END AS address_match_reason,
       l.ward, l.polling_district, l.easting, l.northing
FROM resolved r
LEFT JOIN llpg l ON l.uprn = r.resolved_uprn
