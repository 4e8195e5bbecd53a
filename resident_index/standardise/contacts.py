"""Phone numbers and email addresses: one comparable form each, plus a validity flag.

"020 7123 4567", "+44 (0)20 7123 4567" and "00442071234567" are the same line; only E.164 makes that
visible to the matcher.
"""

from __future__ import annotations

import phonenumbers
import polars as pl

from resident_index.standardise._unique import checked, map_unique, on_unique, squash

#: Local parts that mean "no email", which would otherwise link unrelated residents.
PLACEHOLDER_EMAIL_USERS = frozenset({"none", "noemail", "no.email", "no-email", "noreply", "no-reply",
                                     "unknown", "na", "n.a", "nil", "null", "test", "dummy"})
_EMAIL = r"^[a-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}$"
_PHONE_DTYPE = pl.Struct({"phone": pl.String, "phone_valid": pl.Boolean})


def _phone(text: str, region: str) -> dict:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return {"phone": None, "phone_valid": False}
    # IS_POSSIBLE, not IS_POSSIBLE_LOCAL_ONLY: "12345" is not a number anyone can be rung on
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return {"phone": None, "phone_valid": False}
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return {"phone": e164, "phone_valid": phonenumbers.is_valid_number(number)}


def phone_e164(s: pl.Series, region: str = "GB") -> pl.DataFrame:
    """`phone` (String, E.164 like "+442071234567") and `phone_valid` (Boolean), via libphonenumber.

    Numbers without a country code are read as `region`'s. A number of possible length whose range is
    not allocated keeps its E.164 form with phone_valid False (this includes Ofcom's drama ranges such
    as 07700 900xxx); text that is not a phone number gives null and False; missing gives null and null.
    """
    return on_unique(s, lambda u: map_unique(squash(u), lambda t: _phone(t, region), _PHONE_DTYPE).struct.unnest())


def email(s: pl.Series) -> pl.DataFrame:
    """`email` (String, trimmed lower case) and `email_valid` (Boolean).

    Valid means one @, no spaces, a dotted domain ending in a 2+ letter TLD, no empty or doubled dots,
    and not a placeholder such as none@none.com. Invalid: email null, email_valid False; missing: both null.
    """
    text = squash(s.cast(pl.String)).str.to_lowercase()
    user, domain = text.str.extract(r"^(.*)@", 1), text.str.extract(r"@(.*)$", 1)
    valid = (
        text.str.contains(_EMAIL)
        & ~text.str.contains(r"\.\.|^\.|\.@|@\.")  # no empty dot-separated parts
        & ~domain.str.contains(r"(^|\.)-|-(\.|$)")  # domain labels neither start nor end with "-"
        & ~user.is_in(list(PLACEHOLDER_EMAIL_USERS))
    )
    return checked(text, valid, "email", "email_valid")
