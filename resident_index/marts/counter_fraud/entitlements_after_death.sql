-- Entitlements still live after their holder's death: a live record, in a system evidencing an entitlement
-- (_entitlements: its evidence.entitlement), of a resident the golden record marks dead, more than
-- $grace_days after the death. Score 1 when the entitlement began or was renewed after the death (its
-- current period starts in the source column `period_start` where a renewal keeps the record:
-- _period_starts, else at the record's start date);
-- otherwise it rises from 0.5 at the end of the grace period to 0.95 a year later.
WITH deaths AS (
    SELECT m.resident_id, m.date_of_death, m.as_of, g.date_of_death_source, g.date_of_death_record
    FROM mart_residents m JOIN golden_residents g USING (resident_id)
    WHERE m.deceased AND m.date_of_death IS NOT NULL AND m.as_of - m.date_of_death > $grace_days),
held AS (
    SELECT d.*, r.source_system, r.source_record_id, r.group_ref, r.uprn, coalesce(r.status_code, r.status) AS status, r.since,
           coalesce(ps.period_start, r.start_date) AS start_date,
           t.what, coalesce(st.title, r.source_system) AS title
    FROM deaths d
    JOIN live_records r ON r.resident_id = d.resident_id AND r.live
    JOIN _entitlements t ON t.source = r.source_system
    LEFT JOIN _period_starts ps ON ps.source_system = r.source_system AND ps.source_record_id = r.source_record_id
    LEFT JOIN _source_titles st ON st.source_system = r.source_system)
SELECT 'EAD-' || source_system || '-' || source_record_id AS case_id,
       CASE WHEN start_date > date_of_death THEN 1.0
            ELSE least(0.95, 0.5 + (as_of - date_of_death - $grace_days) / 365 * 0.45) END AS score,
       upper(left(what, 1)) || substr(what, 2) || ' (' || title || ' record ' || source_record_id || ') still live '
           || (as_of - date_of_death) || ' days after its holder''s death on ' || date_of_death
           || CASE WHEN start_date > date_of_death THEN '; it began or was renewed on ' || start_date || ', after the death'
                   ELSE '' END AS reason,
       resident_id, uprn, coalesce(group_ref, source_record_id) AS reference, []::VARCHAR[] AS related_residents,
       [{'source_system': date_of_death_source, 'record_id': date_of_death_record, 'date': date_of_death,
         'fact': 'death recorded'},
        {'source_system': source_system, 'record_id': source_record_id, 'date': since,
         'fact': what || ', status ' || coalesce(status, 'live') || ', in the latest extract'}] AS evidence
FROM held
