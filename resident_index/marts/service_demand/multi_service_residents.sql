-- Living residents active in at least residents_min_services services (service_demand.yaml): the people
-- several teams are working with at once. Resident ID, ward and age band only; no names.
CREATE OR REPLACE TABLE multi_service_residents AS
SELECT u.resident_id, any_value(u.ward) AS ward, any_value(u.age_band) AS age_band,
       list(u.service ORDER BY s.ord) AS services, count(*) AS service_count
FROM service_use u JOIN _demand_services s USING (service)
GROUP BY u.resident_id
HAVING count(*) >= (SELECT residents_min_services FROM _demand_settings)
ORDER BY service_count DESC, u.resident_id;
