-- Who each service serves now: one row per living resident and service they have a live record in, with
-- the number of such records. Live is the residence evidence's test (live_records, evidence.sql), which
-- covers every record with or without an address: in its system's latest extract, not ended by the
-- latest extract date, status not inactive, not stale (evidence.yaml). Ward and age band from
-- mart_residents; no names.
CREATE OR REPLACE TABLE service_use AS
SELECT r.resident_id, r.source_system AS service, any_value(m.ward) AS ward,
       any_value(age_band(m.age)) AS age_band, count(*) AS records
FROM live_records r JOIN mart_residents m USING (resident_id) JOIN _demand_services s ON s.service = r.source_system
WHERE r.live AND NOT m.deceased
GROUP BY r.resident_id, r.source_system, s.ord
ORDER BY r.resident_id, s.ord;
