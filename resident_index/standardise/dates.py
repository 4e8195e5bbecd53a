"""Dates: parse each source's own formats, and keep a flag saying why a date is missing.

The flag matters as much as the value: a resident whose date of birth was "01/01/1900" is not the same
data-quality problem as one whose extract left it blank, and the checks report them separately.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from resident_index.standardise._unique import keep_where, squash

#: Values of the `flag` column.
FLAGS = ("ok", "missing", "unparseable", "placeholder", "implausible")

#: Dates systems use for "unknown". 1970-01-01 is deliberately absent: it is the Unix epoch but also a
#: real birthday for thousands of residents. 1911-11-11 and 1111-11-11 are keyboard-filler dates.
PLACEHOLDER_DOBS = frozenset(
    date.fromisoformat(d)
    for d in ("0001-01-01", "1111-11-11", "1800-01-01", "1899-12-31", "1900-01-01", "1901-01-01",
              "1911-11-11", "9999-12-31")
)
#: Oldest plausible age in whole years. The UK's oldest residents have reached 115 and 116, so a very few
#: real people can be flagged `implausible`: read it as "check this", not "wrong".
MAX_AGE = 115

# Text that means "no date": flagged missing, not unparseable.
_NULL_TEXT = r"(?i)^(NULL|NONE|N/?A|UNKNOWN|NOT KNOWN|-+|0+|00[/.-]00[/.-]0{2,4}|0{4}-00-00)$"
# A trailing time of day, dropped when the format has none: "1980-01-02 00:00:00", "...T00:00:00.000Z".
_TRAILING_TIME = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?( ?(Z|[+-]\d{2}:?\d{2}))?$"
# What each supported strptime directive may look like, so "%Y" cannot accept "80" as the year 80.
_DIRECTIVES = {"d": r"\d{1,2}", "m": r"\d{1,2}", "Y": r"\d{4}", "y": r"\d{2}", "b": r"[A-Za-z]{3}",
               "B": r"[A-Za-z]{3,9}", "H": r"\d{1,2}", "M": r"\d{2}", "S": r"\d{2}", "%": "%"}


def _shape(fmt: str) -> str:
    """Anchored regex for text written in strptime format `fmt`; unsupported directives raise ValueError."""
    parts = re.split(r"(%.)", fmt)
    regex = []
    for part in parts:
        if part.startswith("%") and len(part) == 2:
            if part[1] not in _DIRECTIVES:
                raise ValueError(f"date format {fmt!r}: {part} is not supported ({sorted(_DIRECTIVES)})")
            regex.append(_DIRECTIVES[part[1]])
        else:
            regex.append(re.escape(part))
    return "^" + "".join(regex) + "$"


def _parse_one(text: pl.Series, fmt: str, as_of: date) -> pl.Series:
    has_time = any(f"%{d}" in fmt for d in "HMS")
    source = text if has_time else text.str.replace(_TRAILING_TIME, "")
    shaped = keep_where(source, source.str.contains(_shape(fmt)))
    if has_time:
        parsed = shaped.str.strptime(pl.Datetime, fmt, strict=False).dt.date()
    else:
        parsed = shaped.str.strptime(pl.Date, fmt, strict=False)
    if "%y" in fmt:  # two-digit years: the latest reading not after as_of ("45" -> 1945, not 2045)
        parsed = pl.select(pl.when(parsed > as_of).then(parsed.dt.offset_by("-100y")).otherwise(parsed)).to_series()
    return parsed


def parse_dates(s: pl.Series, formats: list[str], *, as_of: date | None = None) -> pl.DataFrame:
    """Parse text dates trying strptime `formats` in order (first match wins, so list day-first formats
    first for UK data); `as_of` (default today) settles two-digit years.

    Returns `value` (Date) and `flag` (String): ok, missing (null, blank or text such as "N/A" or
    "00/00/0000") or unparseable (text no format reads, including impossible dates like 31/02/1980).
    """
    if not formats:
        raise ValueError("parse_dates needs at least one format")
    as_of = as_of or date.today()
    text = squash(s)
    missing = text.is_null() | text.str.contains(_NULL_TEXT).fill_null(False)
    text = keep_where(text, ~missing)
    value = pl.select(pl.coalesce([_parse_one(text, fmt, as_of) for fmt in formats])).to_series()
    flag = pl.select(
        pl.when(missing).then(pl.lit("missing"))
        .when(value.is_null()).then(pl.lit("unparseable"))
        .otherwise(pl.lit("ok"))
    ).to_series()
    return pl.DataFrame({"value": value, "flag": flag})


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def check_dob(values: pl.Series, flags: pl.Series, as_of: date) -> pl.DataFrame:
    """Null out dates of birth that cannot be true, saying why in `flag`.

    PLACEHOLDER_DOBS become `placeholder`; dates after `as_of` or older than MAX_AGE whole years become
    `implausible`; other dates keep their incoming flag (so nulls stay missing/unparseable) or `ok`.
    Returns `value` (Date), `flag` (String) and `written` (Date): an implausible date as the record gives it,
    null otherwise. Matching compares it (2062-08-30 is one slip from another record's 2002-08-30, and a
    register of people born before 1910 is no mistake); the golden record and the marts never read it.
    """
    oldest = _years_before(as_of, MAX_AGE + 1)  # born on or before this -> at least MAX_AGE + 1 today
    flag = pl.select(
        pl.when(values.is_in(list(PLACEHOLDER_DOBS))).then(pl.lit("placeholder"))
        .when((values > as_of) | (values <= oldest)).then(pl.lit("implausible"))
        .when(values.is_not_null()).then(pl.lit("ok"))
        .otherwise(flags.cast(pl.String))
    ).to_series().alias("flag")
    return pl.DataFrame([keep_where(values, flag == "ok").alias("value"), flag,
                         keep_where(values, flag == "implausible").alias("written")])
