"""Council tax (Northgate-style revenues export, pipe-delimited, Windows-1252): liable people per account.

One account per household per property; one row per liable person (the lead and, usually, a joint
liable partner). Property-based, so it holds the property's UPRN and LLPG address, but no date of birth.
Carries the single person discount flag, and the planted SPD, sublet and after-death cases.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN, from_day
from resident_index.synthetic.households import HEAD, PARTNER
from resident_index.synthetic.systems import spells
from resident_index.synthetic.systems.base import (NEVER, Builder, Noise, Style, SystemOutput, end_text, fmt_dates,
                                                   lag, status)

NAME = "council_tax"
LANDING = {"folder": NAME, "format": "csv", "extension": "csv", "encoding": "cp1252", "delimiter": "|"}
NOISE = Noise(typo=0.01, nickname=0.03, initial=0.03, maiden=0.03, middle=0.4, middle_initial=1.0,
              dob_swap=0, dob_placeholder=0, dob_typo=0, dob_missing=0, postcode=0.02, postcode_missing=0.003,
              abbreviate=0.1, flat_variant=0.05, nhs_missing=1.0, ni_missing=1.0, duplicate=0.003,
              junior=0.2, surname_lag=90, phone=0.45, mobile=0.0, email=0.3)
STYLE = Style(name_case="upper", ascii_only=True, address_lines=4, locality=0.3, town=0.95)


def _adults_at(ctx: Ctx, res: pl.DataFrame, day: int) -> np.ndarray:
    """Number of adults living at each gazetteer row on `day`."""
    here = res.filter((pl.col("start") <= day) & (pl.col("end") > day) & ((day - pl.col("dob")) >= 18 * 365.25))
    return np.bincount(here["uprn"].to_numpy(), minlength=ctx.pop.gazetteer.kind.size)


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=10)
    rng = b.rng
    res = spells.residence(ctx)
    occ = spells.occupancy(ctx).with_row_index("gid").rename({"start": "gstart", "end": "gend"})
    groups = occ.select("hh", "uprn", "gid", "gstart", "gend")
    heads = spells.members(res, groups, [HEAD], min_age=18)
    partners = spells.members(res, groups, [PARTNER], min_age=18)
    partners = partners.filter(pl.Series(rng.random(partners.height) < 0.75))
    liable = spells.merge(pl.concat([heads, partners]), ["gid", "pid"],
                          ["hh", "uprn", "role", "gstart", "gend", "dob", "dod"]).sort(["gid", "start", "pid"])

    # planted: the sublet flat stays in the tenant's name; its occupants never get an account
    sublet_hh = {s["sublet_hh"] for s in ctx.pop.sublets}
    liable = liable.filter(~pl.col("hh").is_in(list(sublet_hh)))
    tenant_keys = {(s["tenant_hh"], s["uprn"]) for s in ctx.pop.sublets}
    hh, uprn, pid = liable["hh"].to_numpy(), liable["uprn"].to_numpy(), liable["pid"].to_numpy()
    end = liable["end"].to_numpy()
    sublet = np.array([(h, u) in tenant_keys for h, u in zip(hh.tolist(), uprn.tolist())], bool)
    died = (ctx.dod[pid] < OPEN) & (end == ctx.dod[pid])
    ead = died & np.isin(pid, list(ctx.ead[NAME]))
    exit_ = np.where(died, lag(rng, pid.size, 30), lag(rng, pid.size, 14))
    exit_ = np.where(sublet | ead, NEVER, exit_)

    # planted: a couple where only one is liable claims the single person discount
    spd_gids = _plant_spd(ctx, rng, liable, res)
    liable = liable.with_columns(E=pl.Series(lag(rng, pid.size, 10)), X=pl.Series(exit_), R=pl.lit(365),
                                 uprn_fixed=pl.col("uprn"), group=pl.col("gid").cast(pl.Utf8))
    liable = liable.filter(~(pl.col("gid").is_in(list(spd_gids)) & (pl.col("role") == PARTNER)))
    rec = b.select(liable)
    frame = b.render(rec)

    gaz = ctx.pop.gazetteer
    gids = frame["gid"].to_numpy()
    acct_of = {g: f"4{1000000 + 3 * i + int(rng.integers(0, 3)):07d}"
               for i, g in enumerate(sorted(set(gids.tolist())))}
    band = np.clip(np.where(gaz.kind == 0, 3, 1) + rng.integers(0, 3, gaz.kind.size), 0, 7)  # houses dearer
    band_of = np.array(list("ABCDEFGH"))[band]
    u = frame["uprn_fixed"].to_numpy()
    spd = {}
    for v, e in ((1, b.e1), (2, b.e2)):
        adults = _adults_at(ctx, res, e - 14)[u]
        spd[v] = np.where(np.isin(gids, list(spd_gids)) | (adults == 1), "Y", "N")
    frame = frame.with_columns(
        account=pl.Series([acct_of[g] for g in gids.tolist()]),
        party=pl.Series(_party_ids(rng, frame.height)),
        ltype=pl.Series(np.where(frame["role"].to_numpy() == HEAD, "LEAD", "JOINT").tolist()),
        prop=pl.Series([f"N{x:08d}" for x in (u * 17 + 1000).tolist()]),
        band=pl.Series(band_of[u].tolist()),
        spd1=pl.Series(spd[1].tolist()), spd2=pl.Series(spd[2].tolist()),
        start_text=fmt_dates(frame["start"].to_list(), "%d/%m/%Y"),
        pay=pl.Series(np.array(["DD", "DD", "DD", "CASH", "CARD"])[rng.integers(0, 5, frame.height)].tolist()),
        uprn_blank=pl.Series(rng.random(frame.height) < 0.04),
        full1=_full("surname1"), full2=_full("surname2"),
    )
    frame = frame.with_columns(end1=end_text(frame, 1, "%d/%m/%Y"), end2=end_text(frame, 2, "%d/%m/%Y"))
    _record_plants(ctx, frame, spd_gids, tenant_keys)
    return b.extracts(frame, _layout, LANDING, "LIABLE_PARTY_REF")


def _full(surname: str) -> pl.Expr:
    """SURNAME, FORENAME M (middle initial when recorded)."""
    return pl.concat_str([pl.col(surname), pl.lit(", "), pl.col("forename"),
                          pl.when(pl.col("middle").is_not_null()).then(pl.lit(" ") + pl.col("middle").str.slice(0, 1))
                          .otherwise(pl.lit(""))])


def _party_ids(rng: np.random.Generator, n: int) -> list[str]:
    nums = 200000 + np.cumsum(rng.integers(1, 9, size=n))
    return [f"LP{x:08d}" for x in nums.tolist()]


def _plant_spd(ctx: Ctx, rng: np.random.Generator, liable: pl.DataFrame, res: pl.DataFrame) -> set[int]:
    """Accounts (gids) of couples living together now where the partner is evidenced elsewhere."""
    now = ctx.as_of
    cur = liable.filter((pl.col("start") <= now - 60) & (pl.col("end") >= OPEN) & (pl.col("role") == HEAD))
    living = res.filter((pl.col("start") <= now - 60) & (pl.col("end") > now) & (pl.col("role") == PARTNER)
                        & ((now - pl.col("dob")) >= 18 * 365.25))
    pairs = cur.join(living.select("hh", "uprn", pl.col("pid").alias("other")), on=["hh", "uprn"], how="inner",
                     maintain_order="left")
    seen = ctx.evidence.get("nhs_demographics", set()) | ctx.evidence.get("electoral_register", set())
    ok = [(g, o) for g, o, u in zip(pairs["gid"].to_list(), pairs["other"].to_list(), pairs["uprn"].to_list())
          if (o, u) in seen]
    n = min(len(ok), max(2, round(ctx.pop.persons.height * 0.0022)))
    pick = rng.choice(len(ok), size=n, replace=False) if n else []
    ctx.spd_other = {ok[i][0]: ok[i][1] for i in pick}
    return set(ctx.spd_other)


def _record_plants(ctx: Ctx, frame: pl.DataFrame, spd_gids: set[int], tenant_keys: set) -> None:
    cur = frame.filter(pl.col("vis2") & ~pl.col("closed2"))
    for gid, pid, u, acct in cur.select("gid", "pid", "uprn_fixed", "account").unique("gid", keep="first",
                                                                                     maintain_order=True).iter_rows():
        if gid in spd_gids:
            ctx.plant("single_person_discount", pid, u, f"{NAME} account {acct}: single person discount while "
                      f"P{ctx.spd_other[gid] + 1:07d} lives there (evidenced in nhs_demographics/electoral_register)")
    for pid, u, acct, hh in cur.select("pid", "uprn_fixed", "account", "hh").iter_rows():
        if (hh, u) in tenant_keys:
            pass  # reported by housing_tenancies with the tenancy
        elif ctx.dod[pid] <= ctx.as_of and pid in ctx.ead[NAME]:
            ctx.plant("entitlement_after_death", pid, u,
                      f"{NAME} account {acct} still live in the name of someone who died {from_day(ctx.dod[pid])}")


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    return f.select(
        ACCOUNT_REF=pl.col("account"),
        LIABLE_PARTY_REF=pl.col("party"),
        LIABILITY_TYPE=pl.col("ltype"),
        TITLE=pl.col("title"),
        LIABLE_NAME=pl.col(f"full{v}"),
        PROPERTY_REF=pl.col("prop"),
        UPRN=pl.when(pl.col("uprn_blank")).then(None).otherwise(pl.col(f"uprn_{v}")),
        ADDR1=pl.col(f"addr1_{v}"), ADDR2=pl.col(f"addr2_{v}"), ADDR3=pl.col(f"addr3_{v}"),
        ADDR4=pl.col(f"addr4_{v}"),
        POSTCODE=pl.col(f"postcode_{v}"),
        BAND=pl.col("band"),
        LIABILITY_START=pl.col("start_text"),
        LIABILITY_END=pl.col(f"end{v}"),
        ACCOUNT_STATUS=status(f"closed{v}", "LIVE", "CLOSED"),
        SPD_FLAG=pl.when(pl.col(f"closed{v}")).then(pl.lit("N")).otherwise(pl.col(f"spd{v}")),
        PAYMENT_METHOD=pl.col("pay"),
        PHONE=pl.col("phone"),
        EMAIL=pl.col("email"),
    )
