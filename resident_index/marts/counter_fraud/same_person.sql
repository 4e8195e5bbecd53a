-- possibly_same_person: two residents' golden names are close enough that they may be one person whose
-- records the index did not link (a council-tax record with no date of birth, a typo, swapped names, a
-- maiden name). The lists do not count such a resident as "another adult" or "an unrelated occupant".
CREATE OR REPLACE TEMP MACRO possibly_same_person(f1, s1, f2, s2) AS
    f1 IS NULL OR s1 IS NULL OR f2 IS NULL OR s2 IS NULL
    OR (jaro_winkler_similarity(s1, s2) >= 0.88
        AND (left(f1, 1) = left(f2, 1) OR jaro_winkler_similarity(f1, f2) >= 0.85))   -- typo, initial
    OR jaro_winkler_similarity(f1, f2) >= 0.92                                       -- another surname
    OR (jaro_winkler_similarity(f1, s2) >= 0.9 AND jaro_winkler_similarity(s1, f2) >= 0.9);  -- swapped
