-- Demand by ward and age band: for every ward x age band holding living residents, and every service, the
-- residents active in it, the living residents of that ward and band (population) and the rate per 1,000.
-- Zeros are kept so gaps show. No ward (no current address) or no date of birth reads 'Unknown'.
CREATE OR REPLACE TABLE demand_by_ward_age AS
WITH population AS (
    SELECT coalesce(ward, 'Unknown') AS ward, coalesce(age_band(age), 'Unknown') AS age_band,
           count(*) AS population
    FROM mart_residents
    WHERE NOT deceased
    GROUP BY ALL),
demand AS (
    SELECT coalesce(ward, 'Unknown') AS ward, coalesce(age_band, 'Unknown') AS age_band, service,
           count(*) AS residents
    FROM service_use
    GROUP BY ALL)
SELECT p.ward, p.age_band, s.service, coalesce(d.residents, 0) AS residents, p.population,
       round(1000 * coalesce(d.residents, 0) / p.population, 1) AS per_1000
FROM population p CROSS JOIN _demand_services s
LEFT JOIN demand d USING (ward, age_band, service)
LEFT JOIN _age_bands b USING (age_band)
ORDER BY p.ward = 'Unknown', p.ward, b.ord NULLS LAST, s.ord;
