-- Households (living residents at one UPRN, from `households`) whose members are, between them, active
-- in at least households_min_services services (service_demand.yaml), with how many members each service
-- has. Household ID, UPRN, ward and composition only; no names or address text.
CREATE OR REPLACE TABLE multi_service_households AS
WITH members AS (
    SELECT h.household_id, m.resident_id
    FROM households h, unnest(h.resident_ids) AS m(resident_id)),
use AS (
    SELECT m.household_id, u.service, count(*) AS members
    FROM members m JOIN service_use u USING (resident_id)
    GROUP BY ALL)
SELECT h.household_id, h.uprn, h.ward, h.residents, h.adults, h.children, h.over_75s,
       list(u.service ORDER BY s.ord) AS services, count(*) AS service_count,
       map(list(u.service ORDER BY s.ord), list(u.members ORDER BY s.ord)) AS members_by_service
FROM households h JOIN use u USING (household_id) JOIN _demand_services s USING (service)
GROUP BY h.household_id, h.uprn, h.ward, h.residents, h.adults, h.children, h.over_75s
HAVING count(*) >= (SELECT households_min_services FROM _demand_settings)
ORDER BY service_count DESC, h.household_id;
