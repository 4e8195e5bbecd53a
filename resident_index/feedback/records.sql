-- What the feedback judges (temp tables; the rule tables come from rules.py):
-- _fb_records: every record of every resident, whether it is live (in its system's latest extract, not
--   ended on or before the latest extract date, status not inactive) and how surely it is the resident's;
-- _fb_extracts: each system's latest extract date (of its current records);
-- _fb_golden: the resident's golden value of each compared field, with the system, record and date behind it;
-- _fb_support: for each resident, field and value, how much the systems holding it weigh (_fb_weights),
--   each system once. Stale-prone fields (address, name, contacts) count live records only.
CREATE OR REPLACE TEMP TABLE _fb_records AS
WITH as_of AS (SELECT max(last_seen) AS day FROM person_records)
SELECT c.resident_id, coalesce(c.match_probability, 1.0) AS link_probability,
       p.source_system, p.source_record_id, p.extract_date, p.forename, p.middle_names, p.surname,
       p.forename_canonical, p.dob, p.dob_flag, p.sex, p.nhs_number, p.nhs_valid, p.ni_number, p.ni_valid,
       p.phone, p.mobile, p.email, p.address, p.postcode, p.postcode_valid, p.source_uprn, p.uprn,
       p.date_of_death, p.start_date, p.end_date, p.group_ref, p.role, p.status, p.first_seen, p.is_current,
       coalesce(p.start_date, p.first_seen) AS since,
       p.is_current AND (p.end_date IS NULL OR p.end_date > as_of.day)
           AND i.status IS NULL AS live
FROM resident_crosswalk c JOIN person_records p USING (source_system, source_record_id) CROSS JOIN as_of
LEFT JOIN _fb_inactive i ON i.status = p.status;

CREATE OR REPLACE TEMP TABLE _fb_values AS
SELECT resident_id, source_system, source_record_id, live, since, link_probability, v.field, v.value
FROM (SELECT *, unnest([
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
      FROM _fb_records)
WHERE v.value IS NOT NULL AND v.value <> '';

CREATE OR REPLACE TEMP TABLE _fb_support AS
SELECT resident_id, field, value, sum(weight) AS support
FROM (SELECT DISTINCT resident_id, field, value, source_system FROM _fb_values)
JOIN _fb_weights USING (field, source_system)
GROUP BY ALL;

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
    {'field': 'address', 'value': g.uprn, 'shown': concat_ws(', ', g.address, g.postcode), 'source': g.address_source, 'record': g.address_record, 'as_of': g.address_as_of},
    {'field': 'phone', 'value': g.phone, 'shown': g.phone, 'source': g.phone_source, 'record': g.phone_record, 'as_of': g.phone_as_of},
    {'field': 'mobile', 'value': g.mobile, 'shown': g.mobile, 'source': g.mobile_source, 'record': g.mobile_record, 'as_of': g.mobile_as_of},
    {'field': 'email', 'value': g.email, 'shown': g.email, 'source': g.email_source, 'record': g.email_record, 'as_of': g.email_as_of}]) AS v
FROM golden_residents g)
SELECT u.resident_id, v.field, v.value, v.shown, v.source, v.record, v.as_of, u.deceased,
       n.forename_canonical AS golden_forename_canonical, u.golden_forename, u.golden_surname
FROM unnested u
LEFT JOIN _fb_records n ON n.source_system = u.name_source AND n.source_record_id = u.name_record
WHERE v.value IS NOT NULL;

CREATE OR REPLACE TEMP TABLE _fb_extracts AS
SELECT source_system, max(extract_date) AS extract_date FROM person_records WHERE is_current GROUP BY ALL;
