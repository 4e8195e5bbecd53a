"""NHS demographics feed (PDS-style, JSON lines): everyone registered with a GP at a borough address.

The best-quality source: valid NHS numbers, dates of birth, dates of death. Its weaknesses are real ones:
people who move out stay on GP lists for months ("ghost patients"), and address changes lag.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN
from resident_index.synthetic.systems.base import Builder, Noise, Style, SystemOutput, dob_text, fmt_dates, lag

NAME = "nhs_demographics"
LANDING = {"folder": NAME, "format": "jsonl", "extension": "jsonl", "encoding": "utf-8", "delimiter": ","}
NOISE = Noise(typo=0.002, nickname=0.0, swap=0.0005, maiden=0.01, middle=0.95, middle_initial=0.0,
              dob_swap=0.0005, dob_placeholder=0.0, dob_typo=0.0005, dob_missing=0.0, postcode=0.005,
              postcode_missing=0.002, abbreviate=0.05, flat_variant=0.1, nhs_missing=0.0, nhs_invalid=0.0,
              ni_missing=1.0, duplicate=0.0005, junior=0.0, punctuation=0.05, surname_lag=20,
              phone=0.3, mobile=0.7, email=0.25)
STYLE = Style(name_case="upper", ascii_only=True, address_lines=5, locality=0.7, town=1.0, sex=("1", "2", "9"),
              title_case="upper")


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=15)
    rng = b.rng
    n = ctx.n
    pid = np.arange(n)
    registered = rng.random(n) < 0.975
    must = np.zeros(n, bool)
    must[ctx.pop.forced_deaths] = True
    for s in ctx.pop.sublets:  # the unrelated adults living in a sublet flat are on GP lists there
        must[ctx.hh == s["sublet_hh"]] = True
    keep = registered | must
    birth = ctx.arrive == ctx.dob
    entry = np.where(birth, lag(rng, n, 10), lag(rng, n, 40))
    died = ctx.dod < OPEN
    end = np.minimum(ctx.dod, ctx.leave)
    ghost = lag(rng, n, 60, tail=0.45, tail_mean=400)
    exit_ = np.where(died, lag(rng, n, 4), ghost)
    keep_closed = np.where(died, 365, 0)
    rec = pl.DataFrame({
        "pid": pid, "start": ctx.arrive + entry, "end": end, "E": np.zeros(n, np.int64), "X": exit_,
        "R": keep_closed, "A": lag(rng, n, 30, tail=0.1, tail_mean=400),
    }).filter(pl.Series(keep))
    rec = b.select(rec)
    frame = b.render(rec)
    p = frame["pid"].to_numpy()
    frame = frame.with_columns(
        record_id=pl.Series([f"NHSF{x:08d}" for x in (10_000_000 + 13 * np.arange(frame.height)
                                                      + rng.integers(0, 13, frame.height)).tolist()]),
        gp=pl.Series([ctx.gp[i] for i in p.tolist()]),
        dob_text=dob_text(frame, "%Y%m%d"),
        reg_text=fmt_dates(frame["start"].to_list(), "%Y%m%d"),
        dod_text=fmt_dates(np.where(ctx.dod[p] < OPEN, ctx.dod[p], None), "%Y%m%d"),
    )
    out = b.extracts(frame, _layout, LANDING, "record_id")
    visible = frame.filter(pl.col("vis2"))
    ctx.evidence[NAME] = set(zip(visible["pid"].to_list(), visible["uprn_row2"].to_list()))
    return out


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    deceased = f[f"closed{v}"]
    return f.select(
        pl.col("record_id"),
        nhs_number=pl.col("nhs"),
        title=pl.col("title"),
        given_name=pl.col("forename"),
        other_given_names=pl.col("middle"),
        family_name=pl.col(f"surname{v}"),
        gender=pl.col("sex"),
        birth_date=pl.col("dob_text"),
        death_date=pl.when(deceased).then(pl.col("dod_text")).otherwise(None),
        address_line_1=pl.col(f"addr1_{v}"), address_line_2=pl.col(f"addr2_{v}"),
        address_line_3=pl.col(f"addr3_{v}"), address_line_4=pl.col(f"addr4_{v}"),
        address_line_5=pl.col(f"addr5_{v}"),
        postcode=pl.col(f"postcode_{v}"),
        gp_practice_code=pl.col("gp"),
        registration_date=pl.col("reg_text"),
        phone=pl.col("phone"), mobile=pl.col("mobile"), email=pl.col("email"),
    )
