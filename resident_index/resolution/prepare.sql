-- The records resolution compares: one row per staged record, with the derived keys the model blocks
-- and compares on. unique_id is "<source_system>|<source_record_id>".
CREATE OR REPLACE TABLE resolution_input AS
SELECT
    source_system || '|' || source_record_id AS unique_id,
    source_system,
    source_record_id,
    forename,
    forename_canonical,
    left(forename, 1) AS forename_initial,
    surname,
    previous_surname,
    dob,
    strftime(dob, '%Y-%m-%d') AS dob_text,
    postcode,
    CASE WHEN postcode_valid THEN left(postcode, length(postcode) - 2) END AS postcode_sector,
    CASE WHEN postcode_valid THEN split_part(postcode, ' ', 1) END AS postcode_district,
    uprn,
    address,
    nhs_number,
    left(ni_number, 8) AS ni8,
    shared_id,
    email,
    coalesce(mobile, phone) AS phone,
    md5(concat_ws('|', forename, surname, previous_surname, dob, postcode, uprn, address, nhs_number, ni_number, shared_id,
                  email, mobile, phone)) AS fingerprint
FROM person_records;
