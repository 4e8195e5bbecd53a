"""Council housing tenancies (housing management system export, tab-delimited): tenants and household.

One tenancy per household per council-owned home: the lead tenant, a joint tenant (usually the
partner) and, on many tenancies, the other household members. Holds the UPRN, dates of birth and NI
numbers. Planted sublets: the tenancy stays current in the lead tenant's name after the household has
moved elsewhere in the borough, while unrelated adults live in the flat.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN, from_day
from resident_index.synthetic.households import HEAD, PARTNER
from resident_index.synthetic.systems import spells
from resident_index.synthetic.systems.base import (NEVER, Builder, Noise, Style, SystemOutput, dob_text, end_text,
                                                   fmt_dates, lag, status)

NAME = "housing_tenancies"
LANDING = {"folder": NAME, "format": "csv", "extension": "tsv", "encoding": "utf-8", "delimiter": "\t"}
NOISE = Noise(typo=0.012, nickname=0.04, maiden=0.03, middle=0.6, middle_initial=0.1, dob_swap=0.006,
              dob_placeholder=0.008, dob_typo=0.004, dob_missing=0.01, postcode=0.015, postcode_missing=0.002,
              abbreviate=0.15, flat_variant=0.15, nhs_missing=1.0, ni_missing=0.25, ni_invalid=0.015,
              duplicate=0.004, surname_lag=60, phone=0.3, mobile=0.7, email=0.45)
STYLE = Style(name_case="title", ascii_only=True, address_case="title", address_lines=1, locality=0.0, town=0.7)


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=14)
    rng = b.rng
    gaz = ctx.pop.gazetteer
    res = spells.residence(ctx)
    occ = spells.occupancy(ctx).with_row_index("gid").rename({"start": "gstart", "end": "gend"})
    sublet_hh = [s["sublet_hh"] for s in ctx.pop.sublets]
    occ = occ.filter(pl.Series(gaz.council[occ["uprn"].to_numpy()]) & ~pl.col("hh").is_in(sublet_hh))
    groups = occ.select("hh", "uprn", "gid", "gstart", "gend")
    people = spells.members(res, groups)
    lists_members = set(occ["gid"].filter(pl.Series(rng.random(occ.height) < 0.7)).to_list())
    joint = rng.random(people.height) < 0.65
    role = people["role"].to_numpy()
    gid = people["gid"].to_numpy()
    kind = np.where(role == HEAD, "LEAD TENANT", np.where((role == PARTNER) & joint, "JOINT TENANT",
                                                          "HOUSEHOLD MEMBER"))
    keep = (kind != "HOUSEHOLD MEMBER") | np.isin(gid, list(lists_members))
    people = people.with_columns(tenant_type=pl.Series(kind.tolist())).filter(pl.Series(keep))

    tenant_keys = {(s["tenant_hh"], s["uprn"]) for s in ctx.pop.sublets}
    hh, uprn, pid = people["hh"].to_numpy(), people["uprn"].to_numpy(), people["pid"].to_numpy()
    end = people["end"].to_numpy()
    sublet = np.array([(h, u) in tenant_keys for h, u in zip(hh.tolist(), uprn.tolist())], bool)
    died = (ctx.dod[pid] < OPEN) & (end == ctx.dod[pid])
    exit_ = np.where(died, lag(rng, pid.size, 21), lag(rng, pid.size, 10))
    people = people.with_columns(E=pl.Series(lag(rng, pid.size, 5)), X=pl.Series(np.where(sublet, NEVER, exit_)),
                                 R=pl.lit(365), uprn_fixed=pl.col("uprn"), group=pl.col("gid").cast(pl.Utf8),
                                 sublet=pl.Series(sublet))
    rec = b.select(people)
    frame = b.render(rec)
    gids = frame["gid"].to_numpy()
    ref_of = {g: f"TEN/{100000 + 4 * i + int(rng.integers(0, 4)):06d}"
              for i, g in enumerate(sorted(set(gids.tolist())))}
    u = frame["uprn_fixed"].to_numpy()
    tenure = np.where(rng.random(frame.height) < 0.9, "SECURE", "INTRODUCTORY")
    frame = frame.with_columns(
        tenancy=pl.Series([ref_of[g] for g in gids.tolist()]),
        person_ref=pl.Series([f"HP{x:07d}" for x in (500000 + np.cumsum(rng.integers(1, 6, frame.height))).tolist()]),
        prop=pl.Series([f"CH{x:06d}" for x in (u * 7 + 11).tolist()]),
        tenure=pl.Series(tenure.tolist()),
        dob_t=dob_text(frame, "%Y-%m-%d"),
        start_t=fmt_dates(frame["gstart"].to_list(), "%Y-%m-%d"),
        member_start_t=fmt_dates(frame["start"].to_list(), "%Y-%m-%d"),
        addr_line1=pl.col("addr1_1"), addr_line2=pl.col("addr1_2"),
    )
    frame = frame.with_columns(end1=end_text(frame, 1, "%Y-%m-%d"), end2=end_text(frame, 2, "%Y-%m-%d"))
    planted = frame.filter(pl.col("sublet") & pl.col("vis2") & (pl.col("tenant_type") == "LEAD TENANT"))
    by_uprn = {s["uprn"]: s for s in ctx.pop.sublets}
    for p, uu, ten in planted.select("pid", "uprn_fixed", "tenancy").iter_rows():
        s = by_uprn[uu]
        others = ", ".join(f"P{q + 1:07d}" for q in np.flatnonzero(ctx.hh == s["sublet_hh"]).tolist())
        ctx.plant("sublet", p, uu, f"{NAME} tenancy {ten} current, but the lead tenant moved out "
                  f"{from_day(s['day'])}; living there: {others}")
    return b.extracts(frame, _layout, LANDING, "PERSON_REF")


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    return f.select(
        TENANCY_REF=pl.col("tenancy"),
        PERSON_REF=pl.col("person_ref"),
        TENANT_TYPE=pl.col("tenant_type"),
        TITLE=pl.col("title"),
        FIRST_NAME=pl.col("forename"),
        MIDDLE_NAME=pl.col("middle"),
        LAST_NAME=pl.col(f"surname{v}"),
        DATE_OF_BIRTH=pl.col("dob_t"),
        NI_NO=pl.col("ni"),
        PROPERTY_REF=pl.col("prop"),
        UPRN=pl.col(f"uprn_{v}"),
        ADDRESS=pl.col(f"addr1_{v}"),
        POSTCODE=pl.col(f"postcode_{v}"),
        TENANCY_START=pl.col("start_t"),
        TENANCY_END=pl.col(f"end{v}"),
        TENANCY_STATUS=status(f"closed{v}", "CURRENT", "FORMER"),
        TENURE_TYPE=pl.col("tenure"),
        PHONE=pl.col("phone"),
        MOBILE=pl.col("mobile"),
        EMAIL=pl.col("email"),
    )
