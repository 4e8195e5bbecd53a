-- The register's validation rate (share of electors other council data confirms at the registered
-- address), overall (polling_district 'ALL') and per polling district, with the count of each status.
CREATE OR REPLACE TABLE electoral_validation_rates AS
SELECT CASE WHEN grouping(polling_district) = 1 THEN 'ALL' ELSE coalesce(polling_district, 'unknown') END
           AS polling_district,
       count(*) AS electors,
       count(*) FILTER (status = 'confirmed') AS confirmed,
       count(*) FILTER (status = 'moved') AS moved,
       count(*) FILTER (status = 'died') AS died,
       count(*) FILTER (status = 'no_evidence') AS no_evidence,
       round(count(*) FILTER (status = 'confirmed') / count(*), 4) AS validation_rate,
       round(count(*) FILTER (status <> 'confirmed') / count(*), 4) AS review_rate
FROM electoral_validation
GROUP BY GROUPING SETS ((), (polling_district))
ORDER BY grouping(polling_district) DESC, polling_district;
