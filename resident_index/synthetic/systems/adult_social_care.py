"""Adult social care (Mosaic-style client export, CSV, Windows-1252): older and disabled adults.

Clients are mostly 65+ (more likely with age) plus disabled younger adults. One record per client with
their current or last involvement; NHS number and date of birth, with the errors care records have
(missing or mistyped NHS numbers, placeholder dates of birth). Closed records are kept two years.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN, add_years
from resident_index.synthetic.systems.base import (Builder, Noise, Style, SystemOutput, dob_text, end_text, fmt_dates,
                                                   lag)

NAME = "adult_social_care"
LANDING = {"folder": NAME, "format": "csv", "extension": "csv", "encoding": "cp1252", "delimiter": ","}
NOISE = Noise(typo=0.012, nickname=0.05, maiden=0.04, middle=0.0, dob_swap=0.006, dob_placeholder=0.01,
              dob_typo=0.004, dob_missing=0.008, postcode=0.03, postcode_missing=0.01, abbreviate=0.3,
              flat_variant=0.35, nhs_missing=0.08, nhs_invalid=0.015, ni_missing=1.0, duplicate=0.012,
              surname_lag=60, phone=0.6, mobile=0.3, email=0.05)
STYLE = Style(name_case="title", ascii_only=False, address_case="title", address_lines=1, locality=0.3, town=0.6,
              sex=("Male", "Female", "Unknown"), nhs_style="spaced")
SUPPORT = ["Physical support", "Memory and cognition", "Learning disability", "Mental health", "Sensory support"]
SERVICE = ["Home care", "Residential care", "Reablement", "Day services", "Direct payment", "Nursing care"]


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=10)
    rng = b.rng
    n = ctx.n
    pid = np.arange(n)
    end_res = np.minimum(ctx.dod, ctx.leave)
    age_end = ctx.age_at(pid, np.minimum(end_res, ctx.as_of))
    p = np.select([age_end >= 85, age_end >= 75, age_end >= 65], [0.35, 0.12, 0.04], 0.0)
    p = np.where((age_end >= 18) & (age_end < 65) & (ctx.disability_u < 0.015), 0.5, p)
    client = rng.random(n) < p
    eligible_from = np.where(age_end >= 65, add_years(ctx.dob, 65), add_years(ctx.dob, 18))
    lo = np.maximum(np.maximum(ctx.arrive, eligible_from), ctx.t0 - 3 * 365)
    hi = np.minimum(end_res, ctx.as_of)
    start = lo + (rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64)
    closes = rng.random(n) < 0.3
    end = np.where(end_res < OPEN, end_res, np.where(closes, start + lag(rng, n, 400), OPEN))
    end = np.where(end > ctx.as_of, OPEN, end)
    died = (ctx.dod < OPEN) & (end == ctx.dod)
    rec = pl.DataFrame({"pid": pid, "start": start, "end": end, "E": lag(rng, n, 7),
                        "X": np.where(died, lag(rng, n, 10), lag(rng, n, 45)), "R": np.full(n, 730),
                        "A": lag(rng, n, 30, 0.1, 365), "died": died}).filter(
        pl.Series(client & (hi > lo)) & (pl.col("start") < pl.col("end")))
    rec = b.select(rec)
    frame = b.render(rec)
    m = frame.height
    pids = frame["pid"].to_numpy()
    frame = frame.with_columns(
        client_id=pl.Series([str(x) for x in (100000 + np.cumsum(rng.integers(1, 40, m))).tolist()]),
        full=pl.concat_str([pl.col("forename"), pl.col("surname1")], separator=" "),
        full2=pl.concat_str([pl.col("forename"), pl.col("surname2")], separator=" "),
        dob_t=dob_text(frame, "%d/%m/%Y"),
        start_t=fmt_dates(frame["start"].to_list(), "%d/%m/%Y"),
        dod_t=fmt_dates(np.where(frame["died"].to_numpy(), ctx.dod[pids], None), "%d/%m/%Y"),
        support=pl.Series([SUPPORT[i] for i in rng.integers(0, len(SUPPORT), m).tolist()]),
        service=pl.Series([SERVICE[i] for i in rng.integers(0, len(SERVICE), m).tolist()]),
    )
    frame = frame.with_columns(end1=end_text(frame, 1, "%d/%m/%Y"), end2=end_text(frame, 2, "%d/%m/%Y"))
    return b.extracts(frame, _layout, LANDING, "Person ID")


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    closed = pl.col(f"closed{v}")
    return f.select(
        **{"Person ID": pl.col("client_id"), "NHS Number": pl.col("nhs"),
           "Full Name": pl.col("full") if v == 1 else pl.col("full2"),
           "Date of Birth": pl.col("dob_t"), "Gender": pl.col("sex"), "Address": pl.col(f"addr1_{v}"),
           "Post Code": pl.col(f"postcode_{v}"), "Telephone": pl.coalesce("phone", "mobile"),
           "Primary Support Reason": pl.col("support"), "Service Type": pl.col("service"),
           "Involvement Start": pl.col("start_t"), "Involvement End": pl.col(f"end{v}"),
           "Status": pl.when(closed).then(pl.lit("Closed")).otherwise(pl.lit("Open")),
           "Date of Death": pl.when(closed & pl.col("died")).then(pl.col("dod_t"))},
    )
