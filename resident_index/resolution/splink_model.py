"""The Splink model for UK person records: comparisons, blocking and thresholds.

Comparisons are code (composed from Splink's comparison levels); what a council tunes (thresholds,
blocking rules, training settings, conflict rules) is data in model.yaml. A trained model is Splink's own
JSON (settings plus m and u values) under data/models/, loaded back for every prediction.
"""

from __future__ import annotations

from pathlib import Path

import yaml

MODEL_YAML = Path(__file__).with_name("model.yaml")
MODEL_FILE = "resident_model.json"


def model_config() -> dict:
    return yaml.safe_load(MODEL_YAML.read_text(encoding="utf-8"))


def _custom(sql: str, label: str, is_null: bool = False):
    import splink.comparison_level_library as cll

    level = cll.CustomLevel(sql, label_for_charts=label)
    return level.configure(is_null_level=True) if is_null else level


def comparisons() -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    forename = cl.CustomComparison(
        output_column_name="forename",
        comparison_levels=[
            cll.NullLevel("forename"),
            cll.ExactMatchLevel("forename").configure(tf_adjustment_column="forename"),
            _custom("forename_canonical_l = forename_canonical_r", "same name or nickname"),
            cll.JaroWinklerLevel("forename", 0.9),
            _custom("(length(forename_l) = 1 OR length(forename_r) = 1) AND forename_initial_l = forename_initial_r",
                    "initial matches"),
            cll.ElseLevel(),
        ],
    )
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname").configure(tf_adjustment_column="surname"),
            _custom("forename_l = surname_r AND surname_l = forename_r", "forename and surname swapped"),
            _custom("surname_l = previous_surname_r OR previous_surname_l = surname_r",
                    "one is the other's previous surname"),
            cll.JaroWinklerLevel("surname", 0.92),
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
            _custom("abs(datediff('day', dob_l, dob_r)) <= 366", "within a year"),
            cll.ElseLevel(),
        ],
    )
    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode"),
            _custom("postcode_sector_l = postcode_sector_r", "same sector"),
            _custom("postcode_district_l = postcode_district_r", "same district"),
            cll.ElseLevel(),
        ],
    )
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            _custom("(uprn_l IS NULL OR uprn_r IS NULL) AND (address_l IS NULL OR address_r IS NULL)", "null",
                    is_null=True),
            cll.ExactMatchLevel("uprn").configure(tf_adjustment_column="uprn"),
            cll.JaroWinklerLevel("address", 0.92),
            cll.JaroWinklerLevel("address", 0.8),
            cll.ElseLevel(),
        ],
    )
    return [
        forename,
        surname,
        dob,
        address,
        postcode,
        cl.ExactMatch("nhs_number"),
        cl.ExactMatch("ni8"),
        cl.ExactMatch("shared_id"),
        cl.ExactMatch("email"),
        cl.ExactMatch("phone"),
    ]


def settings(cfg: dict | None = None):
    """Untrained SettingsCreator built from model.yaml."""
    from splink import SettingsCreator, block_on  # noqa: F401  (block_on kept for readers)

    cfg = cfg or model_config()
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=list(cfg["blocking_rules"]),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=True,
        additional_columns_to_retain=["source_system"],
    )
