-- What the feedback judges (temp tables; the rule tables come from rules.py and marts/evidence.py):
-- _fb_records: every record of every resident, whether it is live (in its system's latest extract, not
--   ended on or before the latest extract date, status not inactive), how surely it is the resident's, and
--   since when it holds what it holds (`since`: its start date, else the first extract that held it;
--   `since_known`: the same, but NULL for a record whose system carries no real start date and that was in
--   its system's first extract, as the marts' live_records.start_known: current then, start unknown);
-- _fb_left: where a system that ends its record when the person leaves (a liability, a tenancy:
--   evidence.residence.ends_on_move_out) shows the resident leaving an address, and when;
-- _fb_extracts: each system's latest extract date (of its current records);
-- _fb_golden: the resident's golden value of each compared field, with the system, record and date behind it
--   (the address: where the evidence shows them now, _fb_address below);
-- _fb_support: for each resident, field and value, how much the systems holding it weigh (_fb_weights),
--   each system once. Stale-prone fields (address, name, contacts) count live records only, and an address
--   counts only from records begun after any move out of it.
CREATE OR REPLACE TEMP TABLE _fb_records AS
WITH as_of AS (SELECT max(last_seen) AS day FROM person_records),
first_extract AS (SELECT source_system, min(first_seen) AS day FROM person_records GROUP BY ALL)
SELECT c.resident_id, coalesce(c.match_probability, 1.0) AS link_probability,
       p.source_system, p.source_record_id, p.extract_date, p.forename, p.middle_names, p.surname,
       p.forename_canonical, p.dob, p.dob_flag, p.sex, p.nhs_number, p.nhs_valid, p.ni_number, p.ni_valid,
       p.phone, p.mobile, p.email, p.address, p.postcode, p.postcode_valid, p.source_uprn, p.uprn,
       p.date_of_death, p.start_date, p.end_date, p.group_ref, p.role, p.status, p.first_seen, p.is_current,
       p.last_seen, coalesce(p.start_date, p.first_seen) AS since,
       CASE WHEN p.start_date IS NOT NULL AND p.source_system NOT IN (SELECT source_system FROM _start_unknown)
                 OR p.first_seen > f.day THEN coalesce(p.start_date, p.first_seen) END AS since_known,
       p.is_current AND (p.end_date IS NULL OR p.end_date > as_of.day)
           AND i.status IS NULL AS live
FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id) CROSS JOIN as_of
LEFT JOIN first_extract f USING (source_system)
LEFT JOIN _fb_inactive i ON i.status = p.status;

-- Where a system that ends its record when the person leaves (a liability, a tenancy: evidence.residence.
-- ends_on_move_out) shows the resident leaving an address, and when: its record there is no longer live
-- (it ended, else it was last seen then, as residence_evidence reads it), or a live one of theirs began
-- at another address (a move there)
CREATE OR REPLACE TEMP TABLE _fb_left AS
WITH move_out AS (SELECT * FROM _fb_records
                  WHERE uprn IS NOT NULL AND source_system IN (SELECT source_system FROM _move_out_systems)),
left_on AS (
    SELECT resident_id, uprn, source_system, least(coalesce(end_date, last_seen), last_seen) AS left_on
    FROM move_out WHERE NOT live
    UNION ALL
    SELECT DISTINCT r.resident_id, r.uprn, m.source_system, m.since_known
    FROM move_out m JOIN _fb_records r ON r.resident_id = m.resident_id AND r.uprn <> m.uprn
    WHERE m.live AND m.since_known IS NOT NULL)
SELECT resident_id, uprn, arg_max(source_system, left_on) AS left_source, max(left_on) AS left_on
FROM left_on GROUP BY ALL;

-- residents who held a liability or tenancy and hold none now: they may have left the borough
CREATE OR REPLACE TEMP TABLE _fb_moved_away AS
SELECT resident_id FROM _fb_records
WHERE uprn IS NOT NULL AND source_system IN (SELECT source_system FROM _move_out_systems)
GROUP BY ALL HAVING NOT bool_or(live);

CREATE OR REPLACE TEMP TABLE _fb_values AS
SELECT r.resident_id, r.source_system, r.source_record_id, r.live, r.since, r.link_probability, r.field, r.value,
       -- an address supports itself only if the record began after any move out of it
       l.left_on IS NULL OR coalesce(r.since_known > l.left_on, false) AS counts
FROM (SELECT resident_id, source_system, source_record_id, live, since, since_known, link_probability,
             v.field, v.value FROM (SELECT *, unnest([
        {'field': 'dob', 'value': dob::VARCHAR},
        {'field': 'sex', 'value': sex},
        {'field': 'nhs_number', 'value': nhs_number},
        {'field': 'ni_number', 'value': ni_number},
        {'field': 'date_of_death', 'value': date_of_death::VARCHAR},
        {'field': 'name', 'value': CASE WHEN live THEN concat_ws(' ', forename, surname) END},
        {'field': 'address', 'value': CASE WHEN live THEN uprn END},
        {'field': 'phone', 'value': CASE WHEN live THEN phone END},
        {'field': 'mobile', 'value': CASE WHEN live THEN mobile END},
        {'field': 'email', 'value': CASE WHEN live THEN email END}]) AS v
      FROM _fb_records)) r
LEFT JOIN _fb_left l ON l.resident_id = r.resident_id AND l.uprn = CASE WHEN r.field = 'address' THEN r.value END
WHERE r.value IS NOT NULL AND r.value <> '';

CREATE OR REPLACE TEMP TABLE _fb_support AS
SELECT resident_id, field, value, sum(weight) AS support
FROM (SELECT DISTINCT resident_id, field, value, source_system FROM _fb_values WHERE counts)
JOIN _fb_weights USING (field, source_system)
GROUP BY ALL;

-- Where the evidence shows the resident now, when it is not the golden record's address: the golden UPRN is
-- one a liability or tenancy shows them leaving, and no record begun since places them there. Then the
-- live address that still counts, a liability or tenancy there first, then the newest known start, then
-- the best supported. (The golden record ranks an ended liability still in its extract as current.)
CREATE OR REPLACE TEMP TABLE _fb_address AS
WITH left_golden AS (
    SELECT g.resident_id, g.uprn FROM golden_residents g JOIN _fb_left l USING (resident_id, uprn)
    WHERE NOT EXISTS (SELECT 1 FROM _fb_values v WHERE v.resident_id = g.resident_id AND v.field = 'address'
                      AND v.value = g.uprn AND v.counts)),
candidates AS (
    SELECT r.resident_id, r.uprn, concat_ws(', ', r.address, r.postcode) AS shown, r.source_system, r.source_record_id,
           r.since, r.source_system IN (SELECT source_system FROM _move_out_systems) AS move_out, r.since_known,
           s.support
    FROM left_golden lg JOIN _fb_records r USING (resident_id)
    JOIN _fb_values v ON v.source_system = r.source_system AND v.source_record_id = r.source_record_id
     AND v.field = 'address' AND v.counts
    JOIN _fb_support s ON s.resident_id = r.resident_id AND s.field = 'address' AND s.value = r.uprn
    WHERE r.live AND r.uprn <> lg.uprn)
SELECT resident_id, arg_max({'uprn': uprn, 'shown': shown, 'source': source_system, 'record': source_record_id,
                             'as_of': since},
                            [move_out::INTEGER, coalesce(epoch(since_known), 0), support, -hash(source_record_id)]) AS v
FROM candidates GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE _fb_golden AS
WITH unnested AS (
SELECT g.resident_id, g.deceased, g.forename AS golden_forename, g.surname AS golden_surname,
       g.name_source, g.name_record, unnest([
    {'field': 'dob', 'value': g.dob::VARCHAR, 'shown': g.dob::VARCHAR, 'source': g.dob_source, 'record': g.dob_record, 'as_of': g.dob_as_of},
    {'field': 'sex', 'value': g.sex, 'shown': g.sex, 'source': g.sex_source, 'record': g.sex_record, 'as_of': g.sex_as_of},
    {'field': 'nhs_number', 'value': g.nhs_number, 'shown': g.nhs_number, 'source': g.nhs_number_source, 'record': g.nhs_number_record, 'as_of': g.nhs_number_as_of},
    {'field': 'ni_number', 'value': g.ni_number, 'shown': g.ni_number, 'source': g.ni_number_source, 'record': g.ni_number_record, 'as_of': g.ni_number_as_of},
    {'field': 'date_of_death', 'value': g.date_of_death::VARCHAR, 'shown': g.date_of_death::VARCHAR, 'source': g.date_of_death_source, 'record': g.date_of_death_record, 'as_of': g.date_of_death_as_of},
    {'field': 'name', 'value': concat_ws(' ', g.forename, g.surname), 'shown': concat_ws(' ', g.forename, g.middle_names, g.surname), 'source': g.name_source, 'record': g.name_record, 'as_of': g.name_as_of},
    CASE WHEN a.v IS NULL THEN {'field': 'address', 'value': g.uprn, 'shown': concat_ws(', ', g.address, g.postcode), 'source': g.address_source, 'record': g.address_record, 'as_of': g.address_as_of}
         ELSE {'field': 'address', 'value': a.v.uprn, 'shown': a.v.shown, 'source': a.v.source, 'record': a.v.record, 'as_of': a.v.as_of} END,
    {'field': 'phone', 'value': g.phone, 'shown': g.phone, 'source': g.phone_source, 'record': g.phone_record, 'as_of': g.phone_as_of},
    {'field': 'mobile', 'value': g.mobile, 'shown': g.mobile, 'source': g.mobile_source, 'record': g.mobile_record, 'as_of': g.mobile_as_of},
    {'field': 'email', 'value': g.email, 'shown': g.email, 'source': g.email_source, 'record': g.email_record, 'as_of': g.email_as_of}]) AS v
FROM golden_residents g LEFT JOIN _fb_address a USING (resident_id))
SELECT u.resident_id, v.field, v.value, v.shown, v.source, v.record, v.as_of, u.deceased,
       n.forename_canonical AS golden_forename_canonical, u.golden_forename, u.golden_surname
FROM unnested u
LEFT JOIN _fb_records n ON n.source_system = u.name_source AND n.source_record_id = u.name_record
WHERE v.value IS NOT NULL;

CREATE OR REPLACE TEMP TABLE _fb_extracts AS
SELECT source_system, max(extract_date) AS extract_date FROM person_records WHERE is_current GROUP BY ALL;
