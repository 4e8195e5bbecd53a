"""Housing benefit / council tax reduction (benefits system export, CSV): claimant and partner per claim.

Claims come from low-income households (council tenants, pensioners living alone, lone parents...) and
from individual sharers in HMOs. Holds dates of birth and NI numbers, verified at claim, so errors are
rarer than elsewhere. Planted: claims still live after the claimant's death, and one person claiming
twice under a second NI number at another address (multiple identity).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN, from_day
from resident_index.synthetic.errors import fold_ascii, nickname
from resident_index.synthetic.households import HEAD, PARTNER, SHARER
from resident_index.synthetic.identifiers import ni_numbers
from resident_index.synthetic.systems import spells
from resident_index.synthetic.systems.base import (NEVER, Builder, Noise, Style, SystemOutput, dob_text, end_text,
                                                   fmt_dates, lag, status)

NAME = "benefits"
LANDING = {"folder": NAME, "format": "csv", "extension": "csv", "encoding": "utf-8", "delimiter": ","}
NOISE = Noise(typo=0.006, nickname=0.01, maiden=0.01, middle=0.7, middle_initial=0.3, dob_swap=0.002,
              dob_placeholder=0.001, dob_typo=0.001, dob_missing=0.0, postcode=0.02, postcode_missing=0.002,
              abbreviate=0.25, flat_variant=0.3, nhs_missing=1.0, ni_missing=0.03, ni_invalid=0.01,
              duplicate=0.002, surname_lag=30, phone=0.35, mobile=0.75, email=0.3)
STYLE = Style(name_case="upper", ascii_only=True, address_lines=4, locality=0.4, town=0.9,
              sex=("M", "F", "U"))
CLAIM_RATE = {"single_old": .30, "lone_parent": .45, "lone_parent_adult": .2, "couple_old": .18,
              "single_young": .10, "family": .12, "family_adult_kids": .08, "multigen": .15, "couple": .06}


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=7)
    rng = b.rng
    gaz = ctx.pop.gazetteer
    res = spells.residence(ctx)
    occ = spells.occupancy(ctx).rename({"start": "ostart", "end": "oend"})
    council = gaz.council[occ["uprn"].to_numpy()]
    rate = np.array([CLAIM_RATE.get(t, 0.0) for t in occ["type"].to_list()])
    rate = np.where(council & (rate > 0), np.maximum(rate, 0.5), rate)
    claims = occ.filter(pl.Series(rng.random(occ.height) < rate))
    gstart = claims["ostart"].to_numpy() + lag(rng, claims.height, 120, 0.4, 700)
    length = lag(rng, claims.height, 365 * 4)
    oend = claims["oend"].to_numpy()
    gend = np.where(gstart + length < oend, gstart + length, oend)
    gend = np.where(gend > ctx.as_of, OPEN, gend)
    claims = claims.with_columns(gstart=pl.Series(gstart), gend=pl.Series(gend)).filter(
        pl.col("gstart") < pl.col("gend"))
    groups = claims.select("hh", "uprn", "gstart", "gend").with_row_index("gid")
    people = spells.members(res, groups, [HEAD, PARTNER], min_age=18)
    # sharers in HMOs claim one by one
    share = res.filter((pl.col("type") == "sharers") & pl.col("role").is_in([SHARER, HEAD])
                       & ((pl.col("start") - pl.col("dob")) >= 18 * 365.25))
    share = share.filter(pl.Series(rng.random(share.height) < 0.12))
    share = share.with_columns(start=pl.col("start") + pl.Series(lag(rng, share.height, 60)))
    share = share.filter(pl.col("start") < pl.col("end")).with_columns(
        gid=pl.int_range(pl.len()).cast(pl.UInt32) + groups.height, gstart=pl.col("start"), gend=pl.col("end"),
        role=pl.lit(HEAD))
    people = pl.concat([people, share.select(people.columns)], how="vertical_relaxed")
    pid, end = people["pid"].to_numpy(), people["end"].to_numpy()
    died = (ctx.dod[pid] < OPEN) & (end == ctx.dod[pid])
    ead = died & np.isin(pid, list(ctx.ead[NAME]))
    exit_ = np.where(died, lag(rng, pid.size, 30), lag(rng, pid.size, 21))
    people = people.with_columns(E=pl.Series(lag(rng, pid.size, 14)), X=pl.Series(np.where(ead, NEVER, exit_)),
                                 R=pl.lit(180), uprn_fixed=pl.col("uprn"), group=pl.col("gid").cast(pl.Utf8),
                                 alt=pl.lit(False))
    people = pl.concat([people, _second_identities(ctx, rng, people)], how="diagonal_relaxed")
    rec = b.select(people)
    frame = b.render(rec)
    frame = _apply_alt_identity(ctx, rng, frame)
    gids = frame["gid"].to_numpy()
    ref_of = {g: f"HB{300000 + 5 * i + int(rng.integers(0, 5)):07d}" for i, g in enumerate(sorted(set(gids.tolist())))}
    p = frame["pid"].to_numpy()
    former = [fold_ascii(ctx.birth_surname[i]).upper() if ctx.birth_surname[i] != ctx.surname[i] and u < 0.7 else None
              for i, u in zip(p.tolist(), rng.random(p.size).tolist())]
    frame = frame.with_columns(
        claim=pl.Series([ref_of[g] for g in gids.tolist()]),
        person_ref=pl.Series([f"{x:08d}" for x in (60000000 + np.cumsum(rng.integers(1, 7, p.size))).tolist()]),
        ptype=pl.Series(np.where(frame["role"].to_numpy() == PARTNER, "PARTNER", "CLAIMANT").tolist()),
        former=pl.Series(former, dtype=pl.Utf8),
        dob_t=dob_text(frame, "%d-%b-%Y", upper=True),
        start_t=fmt_dates(frame["gstart"].to_list(), "%d-%b-%Y", upper=True),
        btype=pl.Series(np.array(["HB/CTR", "CTR", "HB/CTR", "CTR"])[rng.integers(0, 4, p.size)].tolist()),
        tenure=pl.Series(np.where(gaz.council[frame["uprn_fixed"].to_numpy()], "COUNCIL", "PRIVATE RENTED").tolist()),
    )
    frame = frame.with_columns(end1=end_text(frame, 1, "%d-%b-%Y", True), end2=end_text(frame, 2, "%d-%b-%Y", True))
    cur = frame.filter(pl.col("vis2") & ~pl.col("closed2") & ~pl.col("alt"))
    for q, u, c in cur.select("pid", "uprn_fixed", "claim").iter_rows():
        if q in ctx.ead[NAME] and ctx.dod[q] <= ctx.as_of:
            ctx.plant("entitlement_after_death", q, u, f"{NAME} claim {c} live after death {from_day(ctx.dod[q])}")
    return b.extracts(frame, _layout, LANDING, "PERSON_REF")


def _second_identities(ctx: Ctx, rng: np.random.Generator, people: pl.DataFrame) -> pl.DataFrame:
    """Planted: claimants who also claim at another address, mostly under a second NI number."""
    now = ctx.as_of
    cands = people.filter((pl.col("role") != PARTNER) & (pl.col("end") >= OPEN) & (pl.col("start") < now - 200)
                          & (pl.col("X") < NEVER))
    n = min(cands.height, max(2, round(ctx.pop.persons.height * 0.0015)))
    if n == 0:
        return people.clear()
    idx = np.sort(rng.choice(cands.height, size=n, replace=False))
    pick = cands.with_row_index("_i").filter(pl.col("_i").is_in(idx.tolist())).drop("_i")
    res = ctx.pop.gazetteer.residential
    other = res[rng.integers(0, res.size, size=n)]
    start = now - 60 - rng.integers(0, 400, size=n)
    return pick.with_columns(uprn=pl.Series(other), uprn_fixed=pl.Series(other), gstart=pl.Series(start),
                             start=pl.Series(start), gend=pl.lit(OPEN), end=pl.lit(OPEN), X=pl.lit(NEVER),
                             gid=pl.col("gid") + 10_000_000, group=(pl.col("gid") + 10_000_000).cast(pl.Utf8),
                             alt=pl.lit(True))


def _apply_alt_identity(ctx: Ctx, rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    alt = frame["alt"].to_numpy()
    if not alt.any():
        return frame
    idx = np.flatnonzero(alt)
    second_ni = ni_numbers(rng, idx.size + 8)
    own = set(ctx.ni)
    second_ni = [x for x in second_ni if x not in own][: idx.size]
    ni, fore = frame["ni"].to_list(), frame["forename"].to_list()
    detail = []
    for j, i in enumerate(idx.tolist()):
        p = int(frame["pid"][i])
        same_ni = rng.random() < 0.3
        if not same_ni:
            ni[i] = second_ni[j]
            fore[i] = nickname(ctx.forename[p], rng.random()).upper() if rng.random() < 0.5 else fore[i]
        detail.append((p, int(frame["uprn_fixed"][i]), ni[i], same_ni))
    for p, u, n_, same in detail:
        what = "a second claim under the same NI number" if same else f"a second claim under NI number {n_}"
        ctx.plant("multiple_identity", p, u, f"{NAME}: {what} at another address")
    return frame.with_columns(ni=pl.Series(ni, dtype=pl.Utf8), forename=pl.Series(fore, dtype=pl.Utf8))


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    return f.select(
        CLAIM_REF=pl.col("claim"),
        PERSON_REF=pl.col("person_ref"),
        PERSON_TYPE=pl.col("ptype"),
        TITLE=pl.col("title"),
        FORENAME=pl.col("forename"),
        SURNAME=pl.col(f"surname{v}"),
        FORMER_SURNAME=pl.col("former"),
        DOB=pl.col("dob_t"),
        NINO=pl.col("ni"),
        SEX=pl.col("sex"),
        ADDRESS_LINE_1=pl.col(f"addr1_{v}"), ADDRESS_LINE_2=pl.col(f"addr2_{v}"),
        ADDRESS_LINE_3=pl.col(f"addr3_{v}"), ADDRESS_LINE_4=pl.col(f"addr4_{v}"),
        POSTCODE=pl.col(f"postcode_{v}"),
        CLAIM_START=pl.col("start_t"),
        CLAIM_END=pl.col(f"end{v}"),
        CLAIM_STATUS=status(f"closed{v}", "LIVE", "CANCELLED"),
        BENEFIT_TYPE=pl.col("btype"),
        TENURE=pl.col("tenure"),
        PHONE=pl.col("phone"),
        MOBILE=pl.col("mobile"),
    )

