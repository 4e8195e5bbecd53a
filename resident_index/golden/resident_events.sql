-- One timeline per resident: every record as an event (its system's event type, from its start date or
-- the first extract that held it), plus deaths. Source and record on every row.
CREATE OR REPLACE TABLE resident_events AS
SELECT c.resident_id, coalesce(p.start_date, p.first_seen) AS event_date, p.event_type,
       p.source_system, p.source_record_id, p.status, p.end_date, p.is_current
FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id)
UNION ALL
SELECT c.resident_id, p.date_of_death, 'death', p.source_system, p.source_record_id, p.status, NULL, p.is_current
FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id)
WHERE p.date_of_death IS NOT NULL
ORDER BY resident_id, event_date, source_system, source_record_id, event_type;
