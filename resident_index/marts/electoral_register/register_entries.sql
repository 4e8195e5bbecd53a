-- The register's latest extract: elector number, polling district and attainment date (from the source
-- attributes electoral_register.yaml names), resident and registered UPRN. One statement, with named
-- parameters (a prepared statement takes the date format as a value; a script would not).
CREATE OR REPLACE TEMP TABLE _register_entries AS
SELECT p.source_record_id AS elector_number, p.source_attributes ->> $pd_attribute AS polling_district,
       c.resident_id, p.uprn AS registered_uprn,
       try_strptime(p.source_attributes ->> $attainment_attribute, $attainment_format)::DATE AS attainment_date
FROM person_records p JOIN resident_crosswalk c USING (source_system, source_record_id)
WHERE p.source_system = $register_system AND p.is_current
