-- known_apart(a, b): two residents with close names are two people when both dates of birth are known
-- and cannot be one person's (not equal, not a day/month swap, more than a one-character typo: the
-- clustering's own test), or both sexes are known and differ: "PRAKASH JOSHI" and "POOJA JOSHI" share
-- an initial and a surname, not a birthday. Under one and the same name, differing records are likelier
-- one person's (kept apart by a typo in one) than two people's, unless a generation apart (father, son).
CREATE OR REPLACE TEMP MACRO known_apart(a, b) AS coalesce(
    CASE WHEN a.forename = b.forename AND a.surname = b.surname
         THEN abs(year(a.dob) - year(b.dob)) >= 15
         ELSE (a.dob <> b.dob
               AND NOT (year(a.dob) = year(b.dob) AND month(a.dob) = day(b.dob) AND day(a.dob) = month(b.dob))
               AND levenshtein(strftime(a.dob, '%Y-%m-%d'), strftime(b.dob, '%Y-%m-%d')) > 1)
              OR a.sex <> b.sex END, false);

-- possibly_same_person(a, b): two residents (rows of _person_names: golden forename, surname, date of birth,
-- sex, and the forename's nickname variants) who may be one person whose records the index did not link: a
-- council-tax record with no date of birth, a nickname, a typo, swapped names, a maiden name. Close names
-- make them possibly one person unless what both hold tells them apart (known_apart). The lists do not
-- count such a resident as "another adult" or "an unrelated occupant".
CREATE OR REPLACE TEMP MACRO possibly_same_person(a, b) AS
    a.forename IS NULL OR a.surname IS NULL OR b.forename IS NULL OR b.surname IS NULL
    OR ((jaro_winkler_similarity(a.surname, b.surname) >= 0.88
         AND (left(a.forename, 1) = left(b.forename, 1) OR jaro_winkler_similarity(a.forename, b.forename) >= 0.85
              OR len(list_intersect(a.variants, b.variants)) > 0))                -- typo, initial, nickname
        OR jaro_winkler_similarity(a.forename, b.forename) >= 0.92                -- another surname
        OR (jaro_winkler_similarity(a.forename, b.surname) >= 0.9
            AND jaro_winkler_similarity(a.surname, b.forename) >= 0.9))           -- swapped
       AND NOT known_apart(a, b);
