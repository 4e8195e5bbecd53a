"""NHS and National Insurance numbers: a compact canonical form, or null when the number cannot be right.

These identifiers link records outright, so a wrong one is worse than none: anything failing its check is
nulled (with `*_valid` False) rather than kept.
"""

from __future__ import annotations

import polars as pl
from stdnum.gb import nhs

from resident_index.standardise._unique import checked, map_unique, squash

#: NINO prefixes HMRC never allocates; TN also starts temporary numbers (TN + date of birth + M/F).
UNALLOCATED_NINO_PREFIXES = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
# First prefix letter: not D F I Q U V. Second: not those, nor O. Then six digits and an optional A-D suffix.
_NINO = r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?$"


def _nhs_is_valid(number: str) -> bool:
    return len(set(number)) > 1 and nhs.is_valid(number)


def nhs_number(s: pl.Series) -> pl.DataFrame:
    """`nhs_number` (String, 10 digits) and `nhs_valid` (Boolean).

    Spaces, dashes and dots are removed; the rest must be 10 digits with a correct modulus-11 check digit
    and not a single repeated digit (0000000000, 9999999999). Invalid: nhs_number null, nhs_valid False.
    Missing (null or blank): both null, so the valid rate counts only records that carry a number.
    """
    compact = squash(s.cast(pl.String).str.replace_all(r"[\s.\-]", ""))
    valid = map_unique(compact, _nhs_is_valid, pl.Boolean)
    return checked(compact, valid, "nhs_number", "nhs_valid")


def ni_number(s: pl.Series) -> pl.DataFrame:
    """`ni_number` (String, "AB123456C") and `ni_valid` (Boolean), by HMRC's NINO format rules.

    Case and spacing are normalised ("ab 12 34 56 c" -> "AB123456C"). A missing suffix is accepted and
    left off ("AB123456"): many systems drop the suffix (a relic of quarterly contribution cards), so
    compare NINOs on their first 8 characters. Invalid and missing are handled as in `nhs_number`.
    """
    compact = squash(s.cast(pl.String).str.to_uppercase().str.replace_all(r"[^A-Z0-9]", ""))
    valid = compact.str.contains(_NINO) & ~compact.str.slice(0, 2).is_in(UNALLOCATED_NINO_PREFIXES)
    return checked(compact, valid, "ni_number", "ni_valid")
