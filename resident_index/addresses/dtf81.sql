-- A DTF 8.1 gazetteer's canonical rows: one per live BLPU (logical status not 8 historical or 9 rejected)
-- with its preferred live LPI (approved 1 before alternative 3 and provisional 6, English before Welsh) and
-- that LPI's street descriptor (type 15, English first). r15, r21, r24 hold the records, every field text.
-- The address is written as AddressBase writes one: SAO, PAO text, PAO number + street, locality, town, postcode.
WITH lpi AS (
    SELECT *,
           nullif(concat_ws('', SAO_START_NUMBER, SAO_START_SUFFIX)
                  || CASE WHEN nullif(SAO_END_NUMBER, '') IS NOT NULL
                          THEN '-' || SAO_END_NUMBER || coalesce(SAO_END_SUFFIX, '') ELSE '' END, '') AS sao_range,
           nullif(concat_ws('', PAO_START_NUMBER, PAO_START_SUFFIX)
                  || CASE WHEN nullif(PAO_END_NUMBER, '') IS NOT NULL
                          THEN '-' || PAO_END_NUMBER || coalesce(PAO_END_SUFFIX, '') ELSE '' END, '') AS pao_range
    FROM r24
    WHERE LOGICAL_STATUS NOT IN ('8', '9')
    QUALIFY row_number() OVER (PARTITION BY UPRN
                               ORDER BY LOGICAL_STATUS <> '1', LANGUAGE <> 'ENG', LOGICAL_STATUS, LPI_KEY) = 1
), street AS (
    SELECT * FROM r15
    QUALIFY row_number() OVER (PARTITION BY USRN ORDER BY LANGUAGE <> 'ENG', _line) = 1
), parts AS (
    SELECT b._line, b.UPRN AS uprn, nullif(b.PARENT_UPRN, '') AS parent_uprn,
           nullif(concat_ws(' ', nullif(l.SAO_TEXT, ''), l.sao_range), '') AS sao,
           nullif(l.PAO_TEXT, '') AS pao_text, l.pao_range,
           nullif(s.STREET_DESCRIPTOR, '') AS street, nullif(s.LOCALITY_NAME, '') AS locality,
           coalesce(nullif(l.POST_TOWN, ''), nullif(s.TOWN_NAME, '')) AS town,
           upper(nullif(l.POSTCODE, '')) AS postcode, nullif(b.WARD_CODE, '') AS ward,
           b.X_COORDINATE AS easting, b.Y_COORDINATE AS northing, nullif(b.BLPU_CLASS, '') AS property_type
    FROM r21 b
    JOIN lpi l USING (UPRN)
    JOIN street s ON s.USRN = l.USRN
    WHERE b.LOGICAL_STATUS NOT IN ('8', '9')
)
SELECT _line, uprn, parent_uprn, sao, nullif(concat_ws(' ', pao_text, pao_range), '') AS pao, street, locality,
       town, postcode, ward, easting, northing, property_type,
       concat_ws(', ', sao, pao_text, nullif(concat_ws(' ', pao_range, street), ''), locality, town, postcode)
           AS address_text
FROM parts
ORDER BY _line
