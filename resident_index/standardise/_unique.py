"""Helpers shared by the standardise modules.

Council extracts repeat the same few thousand names, phone numbers and identifiers across a million rows,
so the expensive work runs once per distinct value and is joined back: `map_unique` for per-value Python
(nameparser, phonenumbers, stdnum, nicknames), `on_unique` for long chains of vectorised string cleaning.
The other helpers are the Series idioms every module needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl

_KEY = "__distinct_value"
T = TypeVar("T", pl.Series, pl.DataFrame)


def on_unique(s: pl.Series, fn: Callable[[pl.Series], T]) -> T:
    """`fn` run on the distinct values of `s` (null included) and joined back onto every row.

    `fn` takes a Series and returns a Series or DataFrame with one row per input value, in input order;
    the result has the same type, one row per row of `s`.
    """
    keys = s.unique()
    out = fn(keys)
    table = (out.to_frame() if isinstance(out, pl.Series) else out).with_columns(keys.alias(_KEY))
    joined = s.to_frame(_KEY).join(table, on=_KEY, how="left", nulls_equal=True, maintain_order="left").drop(_KEY)
    return joined.to_series() if isinstance(out, pl.Series) else joined


def map_unique(s: pl.Series, fn: Callable[[Any], Any], return_dtype: pl.DataType) -> pl.Series:
    """`fn` (per-value Python) applied once to each distinct non-null value of `s`, joined back onto every
    row; nulls stay null and `fn` may return None. Row order and the series name are kept."""
    return on_unique(s, lambda keys: pl.Series(
        s.name, [None if v is None else fn(v) for v in keys.to_list()], dtype=return_dtype))


def squash(s: pl.Series) -> pl.Series:
    """Trim, collapse runs of whitespace to one space, and turn empty strings into null."""
    out = s.cast(pl.String).str.replace_all(r"\s+", " ").str.strip_chars()
    return keep_where(out, out != "").alias(s.name)


def replace_words(s: pl.Series, mapping: dict[str, str]) -> pl.Series:
    """Replace whole space-separated words (never parts of words) via `mapping`; "" deletes a word."""
    words = s.str.split(" ").list.eval(pl.element().replace(mapping)).list.join(" ")
    return squash(words.alias(s.name))


def keep_where(s: pl.Series, mask: pl.Series) -> pl.Series:
    """`s` where `mask` is true, null elsewhere (including where `mask` is null)."""
    return pl.select(pl.when(mask).then(s)).to_series().alias(s.name)


def checked(value: pl.Series, valid: pl.Series, value_name: str, valid_name: str) -> pl.DataFrame:
    """The (value, valid) pair for an identifier-like field: the value only where valid, and `valid`
    False for present-but-invalid input but null for missing input, so valid rates count only records
    that carry the field."""
    return pl.DataFrame({
        value_name: keep_where(value, valid),
        valid_name: keep_where(valid.fill_null(False), value.is_not_null()),
    })
