"""UK postcodes: one spelling ("NW1 2AB"), a validity flag, and the sector/district/area used for blocking.

Systems write postcodes as "nw12ab", "NW1  2AB" or "NW1-2AB"; comparing them needs one form. Validity is
the Royal Mail format only, not whether the postcode exists (that is the address matcher's job).
"""

from __future__ import annotations

import polars as pl

from resident_index.standardise._unique import keep_where, squash

#: The UK postcode format, applied to the normalised text.
POSTCODE_PATTERN = r"^(GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2})$"
# A postcode-shaped token ending an address, allowing a trailing country; looser than POSTCODE_PATTERN
# so a mistyped postcode is still pulled out (and then flagged invalid).
_TRAILING_POSTCODE = (
    r"(?:^|[^A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}|GIR\s*0AA)"
    r"[^A-Z0-9]*(?:(?:UK|GB|UNITED KINGDOM|ENGLAND|WALES|SCOTLAND|NORTHERN IRELAND)[^A-Z0-9]*)?$"
)


def normalise_postcode(s: pl.Series) -> pl.DataFrame:
    """`postcode` (String) and `postcode_valid` (Boolean).

    Upper case, everything but letters and digits removed, one space before the last three characters.
    Text that does not fit the format keeps its normalised form with postcode_valid False, so staff can
    see and fix it. A missing (null or blank) postcode gives postcode and postcode_valid both null: the
    valid rate is then counted over records that carry a postcode.
    """
    compact = squash(s.cast(pl.String).str.to_uppercase().str.replace_all(r"[^A-Z0-9]", ""))
    spaced = pl.select(
        pl.when(compact.str.len_chars() >= 5)
        .then(compact.str.slice(0, compact.str.len_chars() - 3) + " " + compact.str.slice(-3))
        .otherwise(compact)
    ).to_series()
    return pl.DataFrame({"postcode": spaced, "postcode_valid": spaced.str.contains(POSTCODE_PATTERN)})


def postcode_parts(postcode: pl.Series) -> pl.DataFrame:
    """`postcode_sector` ("NW1 2"), `postcode_district` ("NW1") and `postcode_area` ("NW"), all String.

    Null unless the postcode is valid, so a typo never lands a record in somebody else's block.
    """
    normalised = normalise_postcode(postcode)
    valid = keep_where(normalised["postcode"], normalised["postcode_valid"])
    return pl.DataFrame({
        "postcode_sector": valid.str.slice(0, valid.str.len_chars() - 2),
        "postcode_district": valid.str.extract(r"^(\S+) ", 1),
        "postcode_area": valid.str.extract(r"^([A-Z]+)", 1),
    })


def extract_postcode(address: pl.Series) -> pl.Series:
    """The postcode-looking token at the end of a free-text address ("1 High St, London nw1 2ab" ->
    "NW1 2AB"), normalised as in `normalise_postcode` but not validated; null when there is none."""
    token = address.cast(pl.String).str.to_uppercase().str.extract(_TRAILING_POSTCODE, 1)
    return normalise_postcode(token)["postcode"].alias("postcode")
