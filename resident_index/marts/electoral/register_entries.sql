-- One register system's latest extract: elector number, polling district and attainment date (from the
-- source attributes its evidence.electoral_entry names; with no polling district column, the gazetteer's for
-- the registered UPRN), resident and registered UPRN. One statement, with named parameters (a prepared
-- statement takes the date format as a value; a script would not).
INSERT INTO _register_entries
SELECT p.source_record_id AS elector_number,
       CASE WHEN $pd_attribute IS NULL THEN p.polling_district ELSE p.source_attributes ->> $pd_attribute END
           AS polling_district,
       c.resident_id, p.uprn AS registered_uprn,
       try_strptime(p.source_attributes ->> $attainment_attribute, $attainment_format)::DATE AS attainment_date
FROM person_records p JOIN resident_crosswalk c USING (source_system, source_record_id)
WHERE p.source_system = $register_system AND p.is_current
