-- Addresses written as the gazetteer writes them, matched without the fuzzy matcher (issue 17 item 1).
--
-- Most of what a council's systems hold is one of its gazetteer's properties written out in full: the same
-- secondary and primary addressable objects and street, perhaps with the locality and the town, in capitals
-- or not, with or without commas, the postcode in its own column or at the end of the text. Those are found
-- here by a join on a normalised key; only the rest goes to uk_address_matcher, which at 300,000 residents
-- spent most of the standardisation stage on addresses like these.
--
-- Input: temp table _new_addresses (unique_id, address, postcode_key) and table llpg. Output: temp table
-- _exact_addresses (unique_id, uprn), one row per address whose key names exactly one UPRN. A key two
-- properties share (a gazetteer with duplicate entries) matches neither: the fuzzy matcher decides.

-- the normalised form both sides are compared in: capitals without accents, every run of other characters
-- one space
CREATE OR REPLACE TEMP MACRO _address_key(t) AS
    trim(regexp_replace(upper(strip_accents(t)), '[^A-Z0-9]+', ' ', 'g'));
CREATE OR REPLACE TEMP MACRO _postcode_key(p) AS
    nullif(regexp_replace(upper(p), '[^A-Z0-9]', '', 'g'), '');
-- a UK postcode at the end of the text (the text's only postcode when the postcode column is empty)
CREATE OR REPLACE TEMP MACRO _trailing_postcode(t) AS
    nullif(regexp_extract(upper(t), '[ ,]([A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})\s*$', 1), '');

-- every way the gazetteer's own parts write a property: with and without its locality and town
CREATE OR REPLACE TEMP TABLE _gazetteer_keys AS
WITH parts AS (
    SELECT uprn, _postcode_key(postcode) AS postcode, concat_ws(' ', sao, pao, street) AS base, locality, town
    FROM llpg WHERE postcode IS NOT NULL AND street IS NOT NULL
), written AS (
    SELECT uprn, postcode, base AS text FROM parts
    UNION ALL SELECT uprn, postcode, concat_ws(' ', base, locality) FROM parts WHERE locality IS NOT NULL
    UNION ALL SELECT uprn, postcode, concat_ws(' ', base, town) FROM parts WHERE town IS NOT NULL
    UNION ALL SELECT uprn, postcode, concat_ws(' ', base, locality, town) FROM parts
              WHERE locality IS NOT NULL AND town IS NOT NULL
)
SELECT postcode, _address_key(text) AS address, min(uprn) AS uprn
FROM written GROUP BY ALL HAVING count(DISTINCT uprn) = 1;

CREATE OR REPLACE TEMP TABLE _exact_addresses AS
WITH written AS (
    SELECT unique_id, address, postcode_key, _trailing_postcode(address) AS written_postcode FROM _new_addresses
), records AS (
    SELECT unique_id, address, coalesce(_postcode_key(postcode_key), _postcode_key(written_postcode)) AS postcode,
           written_postcode
    FROM written
), keyed AS (  -- the text without a postcode written at its end
    SELECT unique_id, postcode,
           _address_key(CASE WHEN written_postcode IS NULL THEN address
                             ELSE left(rtrim(upper(address)), length(rtrim(address)) - length(written_postcode)) END)
               AS address
    FROM records WHERE postcode IS NOT NULL
)
SELECT k.unique_id, g.uprn FROM keyed k JOIN _gazetteer_keys g USING (postcode, address);
