"""A per-field profile of a staged extract: how full and how valid each canonical field is.

Shown as asset metadata instead of a row preview, so the Dagster UI never displays personal data.
"""

from __future__ import annotations

import polars as pl

_VALIDITY = {"postcode": "postcode_valid", "nhs_number": "nhs_valid", "ni_number": "ni_valid"}
_SKIP = {"source_system", "extract_date", "row_number", "event_type", "dob_flag", *(_VALIDITY.values())}


def profile_markdown(frame: pl.DataFrame) -> str:
    n = frame.height
    if n == 0:
        return "No records."
    rows = ["| field | filled | valid of given |", "|---|---:|---:|"]
    for col in frame.columns:
        if col in _SKIP:
            continue
        filled = n - frame[col].null_count()
        if filled == 0:
            continue
        valid = ""
        if col in _VALIDITY:
            flags = frame[_VALIDITY[col]].drop_nulls()
            valid = f"{flags.sum() / len(flags):.1%}" if len(flags) else ""
            filled = len(flags)
        elif col == "dob":
            given = frame.filter(~pl.col("dob_flag").is_in(["missing", "not_held"])).height
            valid, filled = (f"{frame['dob'].drop_nulls().len() / given:.1%}" if given else ""), given
        rows.append(f"| {col} | {filled / n:.1%} | {valid} |")
    return "\n".join(rows)
