"""Addresses: one display line per record, lightly tidied for display and exact comparison.

Deliberately light: uk_address_matcher does its own cleaning and UPRN matching later, so nothing here
guesses at meaning beyond expanding unambiguous street-type abbreviations.
"""

from __future__ import annotations

import polars as pl

from resident_index.standardise._unique import replace_words, squash

#: Street-type abbreviations expanded wherever they stand as a whole word. ST is handled separately.
ABBREVIATIONS = {
    "RD": "ROAD", "AVE": "AVENUE", "GDNS": "GARDENS", "CL": "CLOSE", "CT": "COURT", "CRES": "CRESCENT",
    "DR": "DRIVE", "LN": "LANE", "PL": "PLACE", "SQ": "SQUARE", "TER": "TERRACE", "TERR": "TERRACE",
    "HSE": "HOUSE",
}


def join_address(df: pl.DataFrame, columns: list[str]) -> pl.Series:
    """The address columns joined with ", " in the order given, each part trimmed and single-spaced, upper
    case, blank parts (and stray edge commas) skipped; null when every part is blank."""
    parts = [squash(df.get_column(c).cast(pl.String).str.replace_all(r"^[\s,]+|[\s,]+$", "")) for c in columns]
    joined = pl.select(pl.concat_str(parts, separator=", ", ignore_nulls=True)).to_series()
    return squash(joined.str.to_uppercase()).alias("address")


def clean_address(s: pl.Series) -> pl.Series:
    """Upper case, punctuation other than "/", "-" and the ", " between address parts removed, common
    abbreviations expanded (RD -> ROAD), blank parts dropped.

    ST becomes STREET only where it ends an address part and is not that part's first word ("12 HIGH ST,
    LONDON"), so "ST ANNES ROAD" and "12 ST ANNES RD" keep their saint. "HIGH ST LONDON" without the
    comma stays as it is.
    """
    text = s.cast(pl.String).str.to_uppercase().str.replace_all(r"['’`]", "").str.replace_all(r"\.", " ")
    text = text.str.replace_all(r"([A-Z0-9/\-] +)ST *(,|$)", "${1}STREET$2")
    text = text.str.replace_all(r"[^A-Z0-9/\-, ]+", " ").str.replace_all(",", " , ")  # commas as words
    text = replace_words(squash(text), ABBREVIATIONS)
    parts = text.str.replace_all(r"( ?,)+", ",").str.replace_all(r"^,+ ?|,+$", "").str.replace_all(",", ", ")
    return squash(parts).alias(s.name)
