-- The overlap matrix: for every pair of services, the residents active in both. The diagonal is the
-- residents per service; share_of_a reads along a row: of service A's residents, the share also in B.
-- Every pair is present, zero included, so the matrix is complete.
CREATE OR REPLACE TABLE service_overlap AS
WITH pairs AS (
    SELECT a.service AS service_a, b.service AS service_b, count(*) AS residents
    FROM service_use a JOIN service_use b USING (resident_id)
    GROUP BY ALL)
SELECT a.service AS service_a, b.service AS service_b, coalesce(p.residents, 0) AS residents,
       round(coalesce(p.residents, 0) / nullif(d.residents, 0), 4) AS share_of_a
FROM _demand_services a CROSS JOIN _demand_services b
LEFT JOIN pairs p ON p.service_a = a.service AND p.service_b = b.service
LEFT JOIN pairs d ON d.service_a = a.service AND d.service_b = a.service
ORDER BY a.ord, b.ord;
