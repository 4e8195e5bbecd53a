-- Monthly trend per service over the last trend_months complete months (service_demand.yaml) from
-- resident_events: records started (and the residents starting them) and records ended in each month.
-- An event is dated by its record's start date; a record without one is dated in resident_events by the
-- first extract that held it, which is when the index first saw it, not when the service began: those
-- are left out here (the asset's metadata counts them). Deaths are not service events. Residents who
-- have died since count: they were demand at the time.
CREATE OR REPLACE TABLE service_trend_monthly AS
WITH bounds AS (
    SELECT date_trunc('month', max(as_of) + INTERVAL 1 DAY)::DATE AS end_month FROM mart_residents),
months AS (
    SELECT unnest(generate_series(b.end_month - to_months(s.trend_months), b.end_month - INTERVAL 1 MONTH,
                                  INTERVAL 1 MONTH))::DATE AS month
    FROM bounds b, _demand_settings s),
events AS (
    SELECT e.resident_id, e.source_system AS service, e.event_date, e.end_date
    FROM resident_events e JOIN person_records p USING (source_system, source_record_id)
    WHERE e.event_type <> 'death' AND p.start_date IS NOT NULL
      AND e.source_system IN (SELECT service FROM _demand_services)),
started AS (
    SELECT date_trunc('month', event_date)::DATE AS month, service, count(*) AS started,
           count(DISTINCT resident_id) AS residents_started
    FROM events GROUP BY ALL),
ended AS (
    SELECT date_trunc('month', end_date)::DATE AS month, service, count(*) AS ended
    FROM events WHERE end_date IS NOT NULL GROUP BY ALL)
SELECT m.month, s.service, coalesce(st.started, 0) AS started,
       coalesce(st.residents_started, 0) AS residents_started, coalesce(en.ended, 0) AS ended
FROM months m CROSS JOIN _demand_services s
LEFT JOIN started st USING (month, service)
LEFT JOIN ended en USING (month, service)
ORDER BY m.month, s.ord;
