"""Dates as integer day numbers (days since 1970-01-01): fast to vectorise, exact to compare."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

EPOCH = date(1970, 1, 1)
#: "no end yet": later than any date the generator writes
OPEN = 2**31 - 1


def to_day(d: date) -> int:
    return (d - EPOCH).days


def from_day(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day arrays of day numbers."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    return (y.astype(int) + 1970, (m - y.astype("datetime64[M]")).astype(int) + 1,
            (d - m.astype("datetime64[D]")).astype(int) + 1)


def from_ymd(y, m, d) -> np.ndarray:
    """Day numbers of year/month/day arrays (day clipped to the month's length)."""
    y, m, d = (np.asarray(a, dtype="int64") for a in (y, m, d))
    first = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(int)
    return first.astype("datetime64[D]").astype("int64") + np.minimum(d, length) - 1


def age_at(dob: np.ndarray, day) -> np.ndarray:
    """Exact age in whole years on `day` (scalar or array)."""
    y0, m0, d0 = ymd(dob)
    y1, m1, d1 = ymd(np.broadcast_to(np.asarray(day, dtype="int64"), np.shape(dob)))
    return y1 - y0 - ((m1 * 100 + d1) < (m0 * 100 + d0))


def add_years(days: np.ndarray, years) -> np.ndarray:
    y, m, d = ymd(days)
    return from_ymd(y + np.asarray(years), m, d)
