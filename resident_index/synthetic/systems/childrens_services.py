"""Children's services (LCS-style case export, semicolon-delimited): children and their parents or carers.

A family case lists the children (with NHS numbers) and the adults caring for them, each with a role
and date of birth. Typical errors: day and month of birth swapped, nicknames for parents, cases whose
address lags a family's move. Closed cases are kept three years.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN
from resident_index.synthetic.households import CHILD, HEAD, PARTNER, RELATIVE
from resident_index.synthetic.systems import spells
from resident_index.synthetic.systems.base import (Builder, Noise, Style, SystemOutput, dob_text, end_text, fmt_dates,
                                                   lag, status)

NAME = "childrens_services"
LANDING = {"folder": NAME, "format": "csv", "extension": "csv", "encoding": "utf-8", "delimiter": ";"}
NOISE = Noise(typo=0.01, nickname=0.06, maiden=0.05, middle=0.7, middle_initial=0.0, dob_swap=0.012,
              dob_placeholder=0.004, dob_typo=0.004, dob_missing=0.01, postcode=0.03, postcode_missing=0.01,
              abbreviate=0.2, flat_variant=0.3, nhs_missing=0.1, nhs_invalid=0.012, ni_missing=1.0,
              duplicate=0.01, surname_lag=30, phone=0.2, mobile=0.7, email=0.3)
STYLE = Style(name_case="upper", ascii_only=False, address_lines=3, locality=0.2, town=0.5,
              sex=("Male", "Female", "Not known"))
CATEGORY = ["CIN", "CIN", "CP", "LAC", "EH", "EH"]


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=7)
    rng = b.rng
    res = spells.residence(ctx)
    occ = spells.occupancy(ctx)
    fam = occ.filter(pl.col("type").is_in(["family", "lone_parent", "multigen"]))
    fam = fam.filter(pl.Series(rng.random(fam.height) < 0.05))
    lo = np.maximum(fam["start"].to_numpy(), ctx.t0 - 365)
    hi = np.minimum(fam["end"].to_numpy(), ctx.as_of)
    gstart = lo + (rng.random(fam.height) * np.maximum(hi - lo, 0)).astype(np.int64)
    gend = gstart + lag(rng, fam.height, 270) + 30
    gend = np.where(rng.random(fam.height) < 0.3, OPEN, np.minimum(gend, fam["end"].to_numpy()))
    gend = np.where(gend > ctx.as_of, OPEN, gend)
    groups = fam.with_columns(gstart=pl.Series(gstart), gend=pl.Series(gend)).filter(
        pl.Series(hi > lo) & (pl.col("gstart") < pl.col("gend"))).select("hh", "uprn", "gstart", "gend")
    groups = groups.with_row_index("gid")
    kids = spells.members(res, groups, [CHILD], max_age=18)
    adults = spells.members(res, groups, [HEAD, PARTNER, RELATIVE], min_age=18)
    people = pl.concat([kids, adults]).sort(["gid", "start", "pid"])
    role = people["role"].to_numpy()
    carer = (role == RELATIVE) | (rng.random(people.height) < 0.08)
    label = np.where(role == CHILD, "CHILD", np.where(carer, "CARER", "PARENT"))
    pid, end = people["pid"].to_numpy(), people["end"].to_numpy()
    died = (ctx.dod[pid] < OPEN) & (end == ctx.dod[pid])
    people = people.with_columns(case_role=pl.Series(label.tolist()), E=pl.Series(lag(rng, pid.size, 5)),
                                 X=pl.Series(np.where(died, lag(rng, pid.size, 14), lag(rng, pid.size, 20))),
                                 R=pl.lit(1095), A=pl.Series(lag(rng, pid.size, 60, 0.1, 300)),
                                 group=pl.col("gid").cast(pl.Utf8))
    rec = b.select(people)
    frame = b.render(rec)
    m = frame.height
    gids = frame["gid"].to_numpy()
    case_of = {g: f"C{700000 + 9 * i + int(rng.integers(0, 9))}" for i, g in enumerate(sorted(set(gids.tolist())))}
    cat_of = {g: CATEGORY[int(rng.integers(0, len(CATEGORY)))] for g in sorted(case_of)}
    is_child = frame["case_role"].to_numpy() == "CHILD"
    frame = frame.with_columns(
        case=pl.Series([case_of[g] for g in gids.tolist()]),
        inv=pl.Series([f"INV{x:07d}" for x in (2000000 + np.cumsum(rng.integers(1, 5, m))).tolist()]),
        lcs_id=pl.Series([str(x) for x in (400000 + rng.integers(0, 500000, m)).tolist()]),
        nhs_c=pl.when(pl.Series(is_child)).then(pl.col("nhs")),
        given=pl.concat_str([pl.col("forename"), pl.col("middle")], separator=" ", ignore_nulls=True),
        dob_t=dob_text(frame, "%Y-%m-%d"),
        start_t=fmt_dates(frame["gstart"].to_list(), "%Y-%m-%d"),
        category=pl.Series([cat_of[g] for g in gids.tolist()]),
    )
    frame = frame.with_columns(end1=end_text(frame, 1, "%Y-%m-%d"), end2=end_text(frame, 2, "%Y-%m-%d"))
    return b.extracts(frame, _layout, LANDING, "INVOLVEMENT_ID")


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    return f.select(
        CASE_ID=pl.col("case"),
        INVOLVEMENT_ID=pl.col("inv"),
        PERSON_ID=pl.col("lcs_id"),
        CASE_ROLE=pl.col("case_role"),
        GIVEN_NAMES=pl.col("given"),
        FAMILY_NAME=pl.col(f"surname{v}"),
        DOB=pl.col("dob_t"),
        GENDER=pl.col("sex"),
        NHS_NUMBER=pl.col("nhs_c"),
        ADDRESS_1=pl.col(f"addr1_{v}"), ADDRESS_2=pl.col(f"addr2_{v}"), ADDRESS_3=pl.col(f"addr3_{v}"),
        POSTCODE=pl.col(f"postcode_{v}"),
        CONTACT_MOBILE=pl.col("mobile"),
        CASE_START=pl.col("start_t"),
        CASE_END=pl.col(f"end{v}"),
        CASE_STATUS=status(f"closed{v}", "OPEN", "CLOSED"),
        CATEGORY=pl.col("category"),
    )
