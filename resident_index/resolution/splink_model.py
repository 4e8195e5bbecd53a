"""The Splink model for UK person records: comparisons, blocking and thresholds.

Comparisons are code (composed from Splink's comparison levels); what a council tunes (thresholds,
blocking rules, training settings, conflict rules) is data in model.yaml. A trained model is Splink's own
JSON (settings plus m and u values) under data/models/, loaded back for every prediction.
"""

from __future__ import annotations

MODEL_FILE = "resident_model.json"

#: two address strings that are one place written differently (FLAT 2, 12 HIGH ST ~ 2/12 HIGH STREET), also
#: read without spaces and punctuation, where a space slipped into a word splits its token (40, MACLAURIN C
#: RESCENT ~ 40, MACLAURIN CRESCENT, SPRING CREEK: 0.89 as written, 0.92 without)
SIMILAR_ADDRESS = ("(jaro_winkler_similarity(address_l, address_r) >= 0.9 OR "
                   "jaro_winkler_similarity(regexp_replace(address_l, '[^A-Z0-9]', '', 'g'), "
                   "regexp_replace(address_r, '[^A-Z0-9]', '', 'g')) >= 0.9 OR len(list_intersect(address_tokens_l, "
                   "address_tokens_r)) >= 0.75 * least(len(address_tokens_l), len(address_tokens_r)))")


#: forename written as surname and surname as forename, each at most a typo apart (IMOGEN BRAITHWAITE ~
#: BRAITWAITE IMOGEN); a level in both name comparisons, as either alone would penalise the other, but
#: weighed once: in forename, while surname's level weighs nothing (`_neutral`). One fact counted twice took
#: LACHLAN NGUYEN ~ NGUYEN LACHLAN, two people of common names with other dates of birth, to 0.999 on FEBRL 4
SWAPPED = ("jaro_winkler_similarity(forename_l, surname_r) >= 0.9 AND "
           "jaro_winkler_similarity(surname_l, forename_r) >= 0.9")

#: one record's surname written in the other's forename field (FLYNN WELLER ~ WELLER EBONY), a typo allowed
CROSSED = ("jaro_winkler_similarity(surname_l, forename_r) >= 0.92 OR "
           "jaro_winkler_similarity(forename_l, surname_r) >= 0.92")


def model_config() -> dict:
    """model.yaml of the council in use, validated (model_rules.py: an error names the key and what was
    expected), as the dict the code reads: the keys it gives, nothing added."""
    from resident_index.council import load_rule_file
    from resident_index.resolution.model_rules import ModelRules

    return load_rule_file("model.yaml", ModelRules, sources=[]).model_dump(exclude_unset=True)


def _custom(sql: str, label: str, is_null: bool = False):
    import splink.comparison_level_library as cll

    level = cll.CustomLevel(sql, label_for_charts=label)
    return level.configure(is_null_level=True) if is_null else level


def _neutral(level, label: str):
    """A level that holds a pair without weighing for or against it (m = u, both fixed)."""
    return level.configure(m_probability=0.5, u_probability=0.5, fix_m_probability=True, fix_u_probability=True,
                           label_for_charts=label)


def _agreement_only(column: str):
    """Contact details are evidence only when they agree: people use several emails and phones, so a
    difference weighs nothing (its m = u, both fixed)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    different = _neutral(cll.ElseLevel(), "different (no evidence)")
    return cl.CustomComparison(output_column_name=column, comparison_levels=[
        cll.NullLevel(column), cll.ExactMatchLevel(column), different])


def _identifier(column: str):
    """An identifier: exact, one typo (a character changed, dropped or added, or two neighbours swapped:
    2271081 ~ 2271801), else."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(output_column_name=column, comparison_levels=[
        cll.NullLevel(column), cll.ExactMatchLevel(column),
        _custom(f"damerau_levenshtein({column}_l, {column}_r) <= 1", "one typo apart"), cll.ElseLevel()])


def comparisons() -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    forename = cl.CustomComparison(
        output_column_name="forename",
        comparison_levels=[
            cll.NullLevel("forename"),
            cll.ExactMatchLevel("forename").configure(tf_adjustment_column="forename"),
            _custom("forename_canonical_l = forename_canonical_r", "same name or nickname"),
            _custom(SWAPPED, "forename and surname swapped (typos allowed)"),
            cll.JaroWinklerLevel("forename", 0.9),
            cll.DamerauLevenshteinLevel("forename", 1),
            _custom("starts_with(forename_l, forename_r) OR starts_with(forename_r, forename_l)",
                    "initial or shortened form (J / JO / JOHN)"),
            cll.ElseLevel(),
        ],
    )
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname").configure(tf_adjustment_column="surname"),
            _neutral(_custom(SWAPPED, "forename and surname swapped"),
                     "forename and surname swapped (weighed in forename)"),
            _custom(CROSSED, "one's surname is the other's forename"),
            _custom("surname_l = previous_surname_r OR previous_surname_l = surname_r",
                    "one is the other's previous surname"),
            cll.JaroWinklerLevel("surname", 0.92),
            cll.DamerauLevenshteinLevel("surname", 1),
            cll.ElseLevel(),
        ],
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            _custom("year(dob_l) = year(dob_r) AND month(dob_l) = day(dob_r) AND day(dob_l) = month(dob_r)",
                    "day and month swapped"),
            _custom("damerau_levenshtein(dob_text_l, dob_text_r) <= 1", "one character differs"),
            _custom("(year(dob_l) = year(dob_r))::INT + (month(dob_l) = month(dob_r))::INT "
                    "+ (day(dob_l) = day(dob_r))::INT = 2", "two of year, month and day agree"),
            _custom("abs(datediff('day', dob_l, dob_r)) <= 366", "within a year"),
            cll.ElseLevel(),
        ],
    )
    # where they live, as one comparison: UPRN and postcode say the same thing twice when both agree,
    # and Fellegi-Sunter would count it twice
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            _custom("(uprn_l IS NULL OR uprn_r IS NULL) AND (postcode_l IS NULL OR postcode_r IS NULL) "
                    "AND (address_l IS NULL OR address_r IS NULL)", "no address to compare", is_null=True),
            cll.ExactMatchLevel("uprn").configure(tf_adjustment_column="uprn"),
            _custom(f"postcode_l = postcode_r AND (uprn_l IS NULL OR uprn_r IS NULL) AND {SIMILAR_ADDRESS}",
                    "same postcode, similar address, a UPRN missing"),
            _custom("postcode_l = postcode_r", "same postcode"),
            _custom(f"{SIMILAR_ADDRESS}", "similar address, postcode differs or missing"),
            _custom("postcode_sector_l = postcode_sector_r", "same postcode sector"),
            cll.ElseLevel(),
        ],
    )
    return [
        forename,
        surname,
        dob,
        address,
        *(_identifier(c) for c in ("nhs_number", "ni8", "shared_id")),
        _agreement_only("email"),
        _agreement_only("phone"),
    ]


#: identifier comparisons a council's systems may not hold at all (no system maps a shared id, say)
OPTIONAL_IDENTIFIERS = ("nhs_number", "ni8", "shared_id", "email", "phone")


def settings(cfg: dict | None = None, absent: frozenset[str] = frozenset()):
    """Untrained SettingsCreator built from model.yaml, without comparisons of `absent` identifier columns
    (no record holds them, so there is nothing to train or compare)."""
    from splink import SettingsCreator

    cfg = cfg or model_config()
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[c for c in comparisons() if c.get_comparison("duckdb").output_column_name not in absent],
        blocking_rules_to_generate_predictions=list(cfg["blocking_rules"]),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=True,
        additional_columns_to_retain=["source_system"],
    )
