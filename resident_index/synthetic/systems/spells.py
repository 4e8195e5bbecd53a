"""Spell arithmetic the systems share: who lived where with whom, merged the way a system sees it."""

from __future__ import annotations

import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN


def residence(ctx: Ctx) -> pl.DataFrame:
    """Residence spells with household type and the person's date of birth / death."""
    r = ctx.pop.residence.join(ctx.pop.households.select("hh", "type"), on="hh", how="left", maintain_order="left")
    pid = r["pid"].to_numpy()
    return r.with_columns(dob=pl.Series(ctx.dob[pid]), dod=pl.Series(ctx.dod[pid]))


def merge(spells: pl.DataFrame, keys: list[str], first: list[str] | None = None) -> pl.DataFrame:
    """One spell per key (e.g. a person at an address in a household): earliest start, latest end."""
    aggs = [pl.col("start").min(), pl.col("end").max()]
    aggs += [pl.col(c).first() for c in (first or [])]
    return spells.sort(keys + ["start"]).group_by(keys, maintain_order=True).agg(aggs)


def occupancy(ctx: Ctx) -> pl.DataFrame:
    """Households at addresses: hh, uprn, type, start, end (OPEN while they still live there)."""
    return merge(residence(ctx), ["hh", "uprn"], ["type"]).sort(["start", "hh"])


def clip_open(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr >= OPEN).then(OPEN).otherwise(expr)


def members(res: pl.DataFrame, groups: pl.DataFrame, roles: list[int] | None = None,
            min_age: float | None = None, max_age: float | None = None) -> pl.DataFrame:
    """People of each group (hh, uprn, gid, gstart, gend): their overlap with it, one row per (gid, pid).

    The role kept is the one they held when they joined the group; ages are judged on that day.
    """
    j = res.join(groups, on=["hh", "uprn"], how="inner", maintain_order="left")
    j = j.filter((pl.col("start") < pl.col("gend")) & (pl.col("end") > pl.col("gstart")))
    if roles is not None:
        j = j.filter(pl.col("role").is_in(roles))
    j = j.with_columns(start=pl.max_horizontal("start", "gstart"), end=pl.min_horizontal("end", "gend"))
    if min_age is not None:
        j = j.filter((pl.col("start") - pl.col("dob")) >= min_age * 365.25)
    if max_age is not None:
        j = j.filter((pl.col("start") - pl.col("dob")) < max_age * 365.25)
    keep = [c for c in groups.columns if c not in ("hh", "uprn", "gid", "gstart", "gend")]
    return merge(j, ["gid", "pid"], ["hh", "uprn", "role", "gstart", "gend", "dob", "dod", *keep]).sort(
        ["gid", "start", "pid"])
