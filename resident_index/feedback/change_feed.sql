-- The change feed: when the master record changes, one event per affected source record, appended to
-- change_feed (never updated or deleted), IHE PMIR-style (pmir_event create / update / merge). Compares
-- this build's crosswalk and golden record with what the last build left (change_feed_links,
-- change_feed_residents), then keeps this build's for the next. A first build records its baseline only.
--   create          a new resident: each of its records
--   merge           a record's resident was merged into another (the old resident ID is gone)
--   split           a record moved from a resident that still exists to another (pmir update)
--   linked          a new record of an existing resident (pmir update)
--   address_change, name_change, death: each live record of the resident (pmir update), with the new value
CREATE TABLE IF NOT EXISTS change_feed (
    event_id VARCHAR PRIMARY KEY, event_date DATE, event_type VARCHAR, pmir_event VARCHAR, resident_id VARCHAR,
    previous_resident_id VARCHAR, source_system VARCHAR, source_record_id VARCHAR, previous_value VARCHAR,
    new_value VARCHAR, record_holds_new_value BOOLEAN
);

CREATE OR REPLACE TEMP TABLE _cf_now_links AS
SELECT source_system, source_record_id, resident_id FROM resident_crosswalk;
CREATE OR REPLACE TEMP TABLE _cf_now_residents AS
SELECT resident_id, concat_ws(' ', forename, surname) AS name, uprn, concat_ws(', ', address, postcode) AS address,
       deceased, date_of_death
FROM golden_residents;
CREATE OR REPLACE TEMP TABLE _cf_day AS SELECT max(last_seen) AS day FROM person_records;
CREATE TABLE IF NOT EXISTS change_feed_links AS SELECT * FROM _cf_now_links LIMIT 0;
CREATE TABLE IF NOT EXISTS change_feed_residents AS SELECT * FROM _cf_now_residents LIMIT 0;

CREATE OR REPLACE TEMP TABLE _cf_events AS
WITH has_state AS (SELECT count(*) > 0 AS yes FROM change_feed_residents),
live AS (SELECT resident_id, source_system, source_record_id, uprn, concat_ws(' ', forename, surname) AS name,
                date_of_death
         FROM _fb_records WHERE live),
moved AS (
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM _cf_now_residents n WHERE n.resident_id = p.resident_id)
                THEN 'merge' ELSE 'split' END AS event_type,
           c.resident_id, p.resident_id AS previous_resident_id, c.source_system, c.source_record_id,
           p.resident_id AS previous_value, c.resident_id AS new_value, true AS record_holds_new_value
    FROM _cf_now_links c JOIN change_feed_links p USING (source_system, source_record_id)
    WHERE c.resident_id <> p.resident_id),
added AS (
    SELECT CASE WHEN r.resident_id IS NULL THEN 'create' ELSE 'linked' END, c.resident_id, NULL, c.source_system,
           c.source_record_id, NULL, c.resident_id, true
    FROM _cf_now_links c
    LEFT JOIN change_feed_links p USING (source_system, source_record_id)
    LEFT JOIN change_feed_residents r ON r.resident_id = c.resident_id
    WHERE p.source_record_id IS NULL),
changed AS (
    SELECT t.event_type, n.resident_id, NULL, l.source_system, l.source_record_id, t.previous_value, t.new_value,
           t.holds
    FROM _cf_now_residents n
    JOIN change_feed_residents o USING (resident_id)
    JOIN live l USING (resident_id),
    LATERAL (SELECT unnest([
        {'event_type': 'address_change', 'previous_value': o.address, 'new_value': n.address,
         'changed': n.uprn IS DISTINCT FROM o.uprn AND n.uprn IS NOT NULL, 'holds': l.uprn IS NOT DISTINCT FROM n.uprn},
        {'event_type': 'name_change', 'previous_value': o.name, 'new_value': n.name,
         'changed': n.name IS DISTINCT FROM o.name, 'holds': l.name = n.name},
        {'event_type': 'death', 'previous_value': NULL, 'new_value': n.date_of_death::VARCHAR,
         'changed': n.deceased AND NOT coalesce(o.deceased, false), 'holds': l.date_of_death IS NOT NULL}]) AS t)
    WHERE t.changed)
SELECT 'E' || upper(left(md5(concat_ws('|', d.day, e.event_type, e.source_system, e.source_record_id,
                                        e.previous_value, e.new_value)), 14)) AS event_id,
       d.day AS event_date, e.event_type,
       CASE e.event_type WHEN 'create' THEN 'create' WHEN 'merge' THEN 'merge' ELSE 'update' END AS pmir_event,
       e.resident_id, e.previous_resident_id, e.source_system, e.source_record_id, e.previous_value, e.new_value,
       e.record_holds_new_value
FROM (SELECT * FROM moved UNION ALL SELECT * FROM added UNION ALL SELECT * FROM changed) e
CROSS JOIN _cf_day d CROSS JOIN has_state
WHERE has_state.yes;

INSERT INTO change_feed
SELECT * FROM _cf_events e WHERE NOT EXISTS (SELECT 1 FROM change_feed f WHERE f.event_id = e.event_id)
ORDER BY event_id;

CREATE OR REPLACE TABLE change_feed_links AS SELECT * FROM _cf_now_links ORDER BY source_system, source_record_id;
CREATE OR REPLACE TABLE change_feed_residents AS SELECT * FROM _cf_now_residents ORDER BY resident_id;
