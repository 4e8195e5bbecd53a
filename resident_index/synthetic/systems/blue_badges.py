"""Blue badges (Blue Badge service export, CSV): disabled people's parking badges, renewed every 3 years.

Holders are mostly older people; each badge is a record, with a new badge number on renewal. Holds date
of birth and sometimes an NI number. Cancelled on death once the council is told (Tell Us Once);
planted badges stay valid after a death the NHS feed records.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import add_years, from_day
from resident_index.synthetic.systems.base import (NEVER, Builder, Noise, Style, SystemOutput, dob_text, end_text,
                                                   fmt_dates, lag)

NAME = "blue_badges"
LANDING = {"folder": NAME, "format": "csv", "extension": "csv", "encoding": "utf-8", "delimiter": ","}
NOISE = Noise(typo=0.01, nickname=0.03, maiden=0.03, middle=0.3, middle_initial=0.5, dob_swap=0.004,
              dob_placeholder=0.003, dob_typo=0.003, dob_missing=0.002, postcode=0.03, postcode_missing=0.004,
              abbreviate=0.25, flat_variant=0.3, nhs_missing=1.0, ni_missing=0.5, ni_invalid=0.02,
              duplicate=0.004, surname_lag=90, phone=0.5, mobile=0.4, email=0.2)
STYLE = Style(name_case="title", ascii_only=True, address_case="title", address_lines=3, locality=0.2, town=1.0,
              sex=("MALE", "FEMALE", "UNKNOWN"))
ELIGIBILITY = ["PIP", "PIP", "DLA", "WPMS", "Subjective - walking", "Blind", "Arms"]
THREE_YEARS = 1096


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=10)
    rng = b.rng
    n = ctx.n
    end_res = np.minimum(ctx.dod, ctx.leave)
    age = ctx.age_at(np.arange(n), np.minimum(end_res, ctx.as_of))
    p = np.select([age >= 85, age >= 75, age >= 65, age >= 18, age >= 3], [0.25, 0.12, 0.05, 0.015, 0.004], 0.0)
    holder = ctx.disability_u < p
    lo = np.maximum(np.maximum(ctx.arrive, add_years(ctx.dob, 3)), ctx.as_of - 2 * THREE_YEARS)
    hi = np.minimum(end_res, ctx.as_of)
    issue = lo + (rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64)
    ok = holder & (hi > lo)
    rows = []
    pid = np.flatnonzero(ok)
    issue = issue[ok]
    alive = np.ones(pid.size, bool)
    for k in range(3):
        expiry = issue + THREE_YEARS
        dod = ctx.dod[pid]
        end = np.where(dod < expiry, dod, expiry)
        died = dod < expiry
        rows.append(pl.DataFrame({"pid": pid[alive], "start": issue[alive], "end": end[alive],
                                  "expiry": expiry[alive], "died": died[alive]}))
        renew = (expiry <= ctx.as_of) & (expiry < end_res[pid]) & (rng.random(pid.size) < 0.85)
        alive &= renew
        issue = expiry - rng.integers(0, 30, pid.size)
    rec = pl.concat(rows)
    pid, died = rec["pid"].to_numpy(), rec["died"].to_numpy()
    planted = died & np.isin(pid, list(ctx.ead[NAME]))
    exit_ = np.where(died, lag(rng, pid.size, 30, 0.1, 120), 0)
    rec = rec.with_columns(E=pl.Series(lag(rng, pid.size, 10)), X=pl.Series(np.where(planted, NEVER, exit_)),
                           R=pl.lit(365), A=pl.Series(lag(rng, pid.size, 120, 0.2, 700)))
    rec = b.select(rec)
    frame = b.render(rec)
    m = frame.height
    frame = frame.with_columns(
        badge=pl.Series([f"NB{x:08d}X" for x in (10_000_000 + np.cumsum(rng.integers(1, 60, m))).tolist()]),
        holder1=pl.concat_str([pl.col("forename"), pl.col("middle"), pl.col("surname1")], separator=" ",
                              ignore_nulls=True),
        holder2=pl.concat_str([pl.col("forename"), pl.col("middle"), pl.col("surname2")], separator=" ",
                              ignore_nulls=True),
        dob_t=dob_text(frame, "%Y%m%d"),
        issue_t=fmt_dates(frame["start"].to_list(), "%Y%m%d"),
        expiry_t=fmt_dates(frame["expiry"].to_list(), "%Y%m%d"),
        elig=pl.Series([ELIGIBILITY[i] for i in rng.integers(0, len(ELIGIBILITY), m).tolist()]),
    )
    frame = frame.with_columns(end1=end_text(frame, 1, "%Y%m%d"), end2=end_text(frame, 2, "%Y%m%d"))
    cur = frame.filter(pl.col("vis2") & ~pl.col("closed2") & pl.col("died"))
    for q, u, badge in cur.select("pid", "uprn_row2", "badge").iter_rows():
        if q in ctx.ead[NAME] and ctx.dod[q] <= ctx.as_of:
            ctx.plant("entitlement_after_death", q, u, f"{NAME} badge {badge} valid after death {from_day(ctx.dod[q])}")
    return b.extracts(frame, _layout, LANDING, "badge_number")


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    closed = pl.col(f"closed{v}")
    return f.select(
        badge_number=pl.col("badge"),
        title=pl.col("title"),
        holder_name=pl.col(f"holder{v}"),
        dob=pl.col("dob_t"),
        gender=pl.col("sex"),
        nino=pl.col("ni"),
        address_line_1=pl.col(f"addr1_{v}"), address_line_2=pl.col(f"addr2_{v}"),
        address_line_3=pl.col(f"addr3_{v}"),
        postcode=pl.col(f"postcode_{v}"),
        phone=pl.coalesce("phone", "mobile"),
        issue_date=pl.col("issue_t"),
        expiry_date=pl.col("expiry_t"),
        cancelled_date=pl.col(f"end{v}"),
        badge_status=pl.when(closed & pl.col("died")).then(pl.lit("CANCELLED")).when(closed).then(pl.lit("EXPIRED"))
        .otherwise(pl.lit("ISSUED")),
        eligibility=pl.col("elig"),
    )

