"""Residents' parking permits (permit system export, semicolon-delimited, Windows-1252).

One permit per household vehicle in a controlled parking zone, renewed yearly under the same permit
number; the holder's name is often just an initial and surname. No date of birth. A permit lapses at
its expiry after the household moves; planted permits are renewed in the name of a holder who has died.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN, from_day
from resident_index.synthetic.households import HEAD
from resident_index.synthetic.identifiers import vehicle_regs
from resident_index.synthetic.systems import spells
from resident_index.synthetic.systems.base import Builder, Noise, Style, SystemOutput, end_text, fmt_dates, lag

NAME = "parking_permits"
LANDING = {"folder": NAME, "format": "csv", "extension": "csv", "encoding": "cp1252", "delimiter": ";"}
NOISE = Noise(typo=0.015, nickname=0.05, initial=0.4, maiden=0.05, middle=0.0, postcode=0.05,
              postcode_missing=0.01, abbreviate=0.4, flat_variant=0.45, nhs_missing=1.0, ni_missing=1.0,
              duplicate=0.006, surname_lag=120, phone=0.0, mobile=0.8, email=0.85)
STYLE = Style(name_case="upper", ascii_only=True, address_lines=3, locality=0.1, town=0.5)
MAKES = ["FORD", "VAUXHALL", "VOLKSWAGEN", "TOYOTA", "NISSAN", "BMW", "MERCEDES-BENZ", "AUDI", "KIA", "HYUNDAI",
         "PEUGEOT", "RENAULT", "HONDA", "SKODA", "TESLA"]


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=3)
    rng = b.rng
    gaz = ctx.pop.gazetteer
    res = spells.residence(ctx)
    occ = spells.occupancy(ctx).rename({"start": "gstart", "end": "gend"}).with_row_index("gid")
    cars = ctx.car[occ["hh"].to_numpy()]
    cpz = gaz.wards_cpz[gaz.ward[occ["uprn"].to_numpy()]]
    occ = occ.filter(pl.Series((cars > 0) & cpz & (occ["type"].to_numpy() != "sharers")))
    holders = spells.members(res, occ.select("hh", "uprn", "gid", "gstart", "gend"), [HEAD], min_age=17)
    holders = holders.unique("gid", keep="first", maintain_order=True)
    reps = np.maximum(ctx.car[holders["hh"].to_numpy()], 1)
    holders = holders.with_columns(vehicles=pl.Series(reps)).with_columns(
        v=pl.int_ranges(0, pl.col("vehicles"))).explode("v")
    n = holders.height
    # permits since the household moved in, or since the permit system went live (records migrated)
    start = np.maximum(holders["start"].to_numpy(), ctx.as_of - 3650) + lag(rng, n, 25)
    end = holders["end"].to_numpy()
    pid = holders["pid"].to_numpy()
    died = (ctx.dod[pid] < OPEN) & (end == ctx.dod[pid])
    years = np.ceil(np.maximum(end - start, 1) / 365).astype(np.int64)
    lapse = np.where(end < OPEN, start + years * 365, OPEN)  # runs to the end of its current year
    end_eff = np.where(died, end, lapse)
    planted = died & np.isin(pid, list(ctx.ead[NAME]))
    exit_ = np.where(died, lag(rng, n, 45), 0)
    rec = holders.with_columns(start=pl.Series(start), end=pl.Series(np.where(planted, OPEN, end_eff)),
                               died=pl.Series(died), E=pl.Series(lag(rng, n, 7)), X=pl.Series(exit_),
                               R=pl.lit(90), uprn_fixed=pl.col("uprn"), planted=pl.Series(planted))
    rec = rec.filter(pl.col("start") < pl.col("end"))
    rec = b.select(rec)
    frame = b.render(rec)
    m = frame.height
    s = frame["start"].to_numpy()
    e_ = frame["end"].to_numpy()
    cols = {}
    for v, e in ((1, b.e1), (2, b.e2)):
        k = np.minimum(e, np.where(e_ < OPEN, e_ - 1, e))
        valid_from = s + 365 * np.maximum((k - s) // 365, 0)
        cols[f"from{v}"] = fmt_dates(valid_from, "%d.%m.%Y")
        cols[f"to{v}"] = fmt_dates(valid_from + 364, "%d.%m.%Y")
    ward_codes = gaz.llpg["polling_district"].str.slice(0, 2).to_list()
    frame = frame.with_columns(
        permit=pl.Series([f"RP{x:07d}" for x in (300000 + np.cumsum(rng.integers(1, 9, m))).tolist()]),
        name1=pl.concat_str([pl.col("surname1"), pl.lit(", "), pl.col("forename")]),
        name2=pl.concat_str([pl.col("surname2"), pl.lit(", "), pl.col("forename")]),
        zone=pl.Series([f"CPZ-{ward_codes[u]}" for u in frame["uprn_fixed"].to_list()]),
        vrm=pl.Series(vehicle_regs(rng, m)),
        make=pl.Series([MAKES[i] for i in rng.integers(0, len(MAKES), m).tolist()]),
        first_t=fmt_dates(s, "%d.%m.%Y"),
        **cols,
    )
    frame = frame.with_columns(end1=end_text(frame, 1, "%d.%m.%Y"), end2=end_text(frame, 2, "%d.%m.%Y"))
    cur = frame.filter(pl.col("vis2") & ~pl.col("closed2") & pl.col("planted"))
    for q, u, permit in cur.select("pid", "uprn_fixed", "permit").iter_rows():
        if ctx.dod[q] <= ctx.as_of:
            ctx.plant("entitlement_after_death", q, u,
                      f"{NAME} permit {permit} renewed in the name of someone who died {from_day(ctx.dod[q])}")
    return b.extracts(frame, _layout, LANDING, "PermitNo")


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    closed = pl.col(f"closed{v}")
    return f.select(
        PermitNo=pl.col("permit"),
        PermitType=pl.lit("RESIDENT"),
        Zone=pl.col("zone"),
        Name=pl.col(f"name{v}"),
        AddressLine1=pl.col(f"addr1_{v}"), AddressLine2=pl.col(f"addr2_{v}"), AddressLine3=pl.col(f"addr3_{v}"),
        PostCode=pl.col(f"postcode_{v}"),
        VRM=pl.col("vrm"),
        Make=pl.col("make"),
        FirstIssued=pl.col("first_t"),
        ValidFrom=pl.col(f"from{v}"),
        ValidTo=pl.col(f"to{v}"),
        EndedOn=pl.col(f"end{v}"),
        Status=pl.when(closed & pl.col("died")).then(pl.lit("CANCELLED")).when(closed).then(pl.lit("EXPIRED"))
        .otherwise(pl.lit("ACTIVE")),
        Email=pl.col("email"),
        Mobile=pl.col("mobile"),
    )
