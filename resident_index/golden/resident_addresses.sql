-- Every address a resident is known at, with when and which systems say so: the address history.
-- `from_date`/`to_date` come from the records' own start/end dates, else the extracts they were seen in;
-- `to_date` is null while a current record still places them there. The address as written is the newest
-- record's (records seen in the same extract: the first by system and record id).
CREATE OR REPLACE TABLE resident_addresses AS
SELECT c.resident_id, p.uprn,
       any_value(p.address ORDER BY p.last_seen DESC, p.source_system, p.source_record_id) AS address,
       any_value(p.postcode ORDER BY p.last_seen DESC, p.source_system, p.source_record_id) AS postcode,
       min(coalesce(p.start_date, p.first_seen)) AS from_date,
       CASE WHEN bool_or(p.is_current AND p.end_date IS NULL) THEN NULL
            ELSE max(coalesce(p.end_date, p.last_seen)) END AS to_date,
       list(DISTINCT p.source_system ORDER BY p.source_system) AS sources,
       count(*) AS records,
       p.uprn = any_value(g.uprn) AS is_current_address
FROM resident_crosswalk c
JOIN person_records p USING (source_system, source_record_id)
JOIN golden_residents g USING (resident_id)
WHERE p.uprn IS NOT NULL
GROUP BY c.resident_id, p.uprn
ORDER BY c.resident_id, from_date, p.uprn;
