-- The records resolution compares: one row per staged record, with the derived keys the model blocks
-- and compares on. unique_id is "<source_system>|<source_record_id>". source_hints (from the registry)
-- gives each system's minimum age: latest_dob is the latest birth date its record allows (the person was
-- that old when the record began, by its start date, or at the latest when an extract first held it: dates
-- that do not move from one day to the next). A council tax liability begun in 2006 is not a son's born in
-- 1995. Start dates before 1901 are placeholders, not evidence.
-- One row per record of {records}: person_records, or those of its records that changed (incremental.py).
SELECT
    source_system || '|' || source_record_id AS unique_id,
    source_system,
    source_record_id,
    forename,
    forename_canonical,
    left(forename, 1) AS forename_initial,
    surname,
    previous_surname,
    -- the date of birth the model and blocking compare: as written, even where the plausibility check set it
    -- aside (a birth after the extract is often a one-digit slip; a register may hold people born before
    -- 1910); the clustering rules on age and dates of birth read only the checked one
    coalesce(dob, dob_written) AS dob,
    strftime(coalesce(dob, dob_written), '%Y-%m-%d') AS dob_text,
    dob AS dob_checked,
    postcode,
    -- a UK sector ("NW1 2"); a postcode of digits only (Australia, Germany, the US) gives all but its last digit
    CASE WHEN postcode_valid THEN left(postcode, length(postcode) - 2)
         WHEN regexp_full_match(postcode, '[0-9]{4,6}') THEN left(postcode, length(postcode) - 1) END AS postcode_sector,
    CASE WHEN postcode_valid THEN split_part(postcode, ' ', 1) END AS postcode_district,
    uprn,
    address,
    list_distinct(list_filter(regexp_split_to_array(address, '[^A-Z0-9]+'), t -> t <> '')) AS address_tokens,
    nhs_number,
    left(ni_number, 8) AS ni8,
    shared_id,
    email,
    coalesce(mobile, phone) AS phone,
    CASE WHEN h.min_age IS NOT NULL
         THEN (least(first_seen, CASE WHEN start_date > DATE '1901-01-01' THEN start_date END)
               - to_years(h.min_age))::DATE END AS latest_dob,
    coalesce(h.distinct_at_address, false) AS distinct_at_address,
    CASE WHEN h.distinct_in_group THEN group_ref END AS distinct_group,
    nullif(split_part(middle_names, ' ', 1), '') AS middle_name,
    md5(concat_ws('|', forename, surname, previous_surname, coalesce(dob, dob_written), postcode, uprn, address, nhs_number, ni_number, shared_id,
                  email, mobile, phone)) AS fingerprint,
    record_hash
FROM {records}
LEFT JOIN source_hints h USING (source_system)
