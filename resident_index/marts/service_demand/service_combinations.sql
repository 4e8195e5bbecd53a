-- Each exact combination of services residents are active in, with how many residents have it; share is
-- of the living residents active in any service.
CREATE OR REPLACE TABLE service_combinations AS
WITH per_resident AS (
    SELECT u.resident_id, list(u.service ORDER BY s.ord) AS services
    FROM service_use u JOIN _demand_services s USING (service)
    GROUP BY u.resident_id)
SELECT services, len(services) AS service_count, count(*) AS residents,
       round(count(*) / sum(count(*)) OVER (), 4) AS share
FROM per_resident
GROUP BY services
ORDER BY residents DESC, service_count, services;
