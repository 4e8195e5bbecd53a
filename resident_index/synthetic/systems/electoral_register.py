"""Electoral register (Xpress-style export): one entry per elector per address.

Holds adult citizens (about three in four adults register) and attainers aged 16-17, whose date of
attainment (18th birthday) it shows; it holds no date of birth. Alterations are published monthly, so
the two extracts differ by a month of additions and deletions. Entries go stale: someone who moves out
stays registered until the canvass or a new registration elsewhere removes them.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN, add_years, from_day
from resident_index.synthetic.systems import spells
from resident_index.synthetic.systems.base import NEVER, Builder, Noise, Style, SystemOutput, fmt_dates, lag

NAME = "electoral_register"
LANDING = {"folder": NAME, "format": "csv", "extension": "csv", "encoding": "utf-8-sig", "delimiter": ","}
NOISE = Noise(typo=0.005, nickname=0.01, swap=0.001, maiden=0.01, middle=0.8, middle_initial=0.0,
              postcode=0.0, postcode_missing=0.0, abbreviate=0.0, flat_variant=0.05, duplicate=0.002,
              junior=0.6, punctuation=0.05, surname_lag=60, phone=0.0, mobile=0.0, email=0.0)
STYLE = Style(name_case="title", ascii_only=False, address_case="upper", address_lines=6, locality=1.0,
              town=1.0, title_case="title")
_EU = {"polish", "east_european", "south_european"}


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=14)
    rng = b.rng
    res = spells.residence(ctx)
    entries = spells.merge(res, ["pid", "uprn", "hh"], ["role"])
    pid = entries["pid"].to_numpy()
    age_now = ctx.age_at(pid, ctx.as_of)
    propensity = np.where(age_now < 25, 0.62, np.where(age_now < 35, 0.75, 0.88))
    eligible = ctx.citizen[pid] & (ctx.register_u[pid] < propensity)
    start = np.maximum(entries["start"].to_numpy(), add_years(ctx.dob[pid], 16))
    end = entries["end"].to_numpy()
    died = (ctx.dod[pid] < OPEN) & (end == ctx.dod[pid])
    moved_out = (ctx.leave[pid] < OPEN) & (end == ctx.leave[pid])
    exit_ = np.where(died, lag(rng, pid.size, 25), np.where(moved_out, lag(rng, pid.size, 150, 0.35, 300),
                                                            lag(rng, pid.size, 45, 0.2, 200)))
    planted = np.isin(pid, list(ctx.ead[NAME])) & died
    exit_ = np.where(planted, NEVER, exit_)
    rec = entries.with_columns(
        start=pl.Series(start), E=pl.Series(lag(rng, pid.size, 50, 0.2, 250)), X=pl.Series(exit_),
        R=pl.lit(0), uprn_fixed=pl.col("uprn"),
    ).filter(pl.Series(eligible) & (pl.Series(start) < pl.col("end")))
    rec = b.select(rec)
    frame = b.render(rec)
    gaz = ctx.pop.gazetteer.llpg
    pd = gaz["polling_district"].to_list()
    u = frame["uprn_row2"].to_numpy()
    order = np.lexsort((frame["surname2"].to_numpy(), u, np.array([pd[i] for i in u.tolist()])))
    numbers = np.empty(frame.height, object)
    counter: dict[str, int] = {}
    for i in order.tolist():
        d = pd[u[i]]
        counter[d] = counter.get(d, 0) + 1
        numbers[i] = f"{d}-{counter[d]}"
    p = frame["pid"].to_numpy()
    attain = add_years(ctx.dob[p], 18)
    eu = np.array([g in _EU for g in (ctx.group[i] for i in p.tolist())])
    frame = frame.with_columns(
        pd=pl.Series([pd[i] for i in u.tolist()]),
        elector=pl.Series(numbers.tolist()),
        attain=pl.Series(attain),
        attain_text=fmt_dates(attain, "%d/%m/%Y"),
        attainer1=pl.Series(attain > b.e1), attainer2=pl.Series(attain > b.e2),
        franchise=pl.Series(np.where(eu, "G", None).tolist(), dtype=pl.Utf8),
        suffix=pl.Series([("Jr" if ctx.suffix[i] else None) for i in p.tolist()], dtype=pl.Utf8),
        optout=pl.Series(np.where(rng.random(frame.height) < 0.55, "Y", "N").tolist()),
        uprn_blank=pl.Series(rng.random(frame.height) < 0.02),
    )
    for pid_, day in ((i, ctx.dod[i]) for i in sorted(ctx.ead[NAME])):
        hit = frame.filter((pl.col("pid") == pid_) & pl.col("vis2"))
        if hit.height:
            ctx.plant("entitlement_after_death", pid_, int(hit["uprn_row2"][0]),
                      f"{NAME} elector {hit['elector'][0]} still registered; died {from_day(day)}")
    out = b.extracts(frame, _layout, LANDING, "ElectorNumber")
    out.extra_truth["electoral_truth"] = _electoral_truth(ctx, frame.filter(pl.col("vis2")))
    visible = frame.filter(pl.col("vis2"))
    ctx.evidence[NAME] = set(zip(visible["pid"].to_list(), visible["uprn_row2"].to_list()))
    return out


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    return f.select(
        PD=pl.col("pd"),
        ElectorNumber=pl.col("elector"),
        Title=pl.col("title"),
        Surname=pl.col(f"surname{v}"),
        Forenames=pl.concat_str([pl.col("forename"), pl.col("middle")], separator=" ", ignore_nulls=True),
        Suffix=pl.col("suffix"),
        AttainmentDate=pl.when(pl.col(f"attainer{v}")).then(pl.col("attain_text")),
        Franchise=pl.col("franchise"),
        **{f"Address{j}": pl.col(f"addr{j}_{v}") for j in range(1, 7)},
        Postcode=pl.col(f"postcode_{v}"),
        UPRN=pl.when(pl.col("uprn_blank")).then(None).otherwise(pl.col(f"uprn_{v}")),
        OptOut=pl.col("optout"),
    )


def _electoral_truth(ctx: Ctx, current: pl.DataFrame) -> pl.DataFrame:
    pid = current["pid"].to_numpy()
    registered = current["uprn_row2"].to_numpy()
    now = ctx.lives_at(pid, ctx.as_of)
    dead = ctx.dod[pid] <= ctx.as_of
    lives = now == registered
    reason = np.where(lives, "current", np.where(dead, "died", "moved"))
    return pl.DataFrame({
        "source_record_id": current["elector"],
        "person_id": [f"P{p + 1:07d}" for p in pid.tolist()],
        "lives_at_registered_address_now": lives.tolist(),
        "reason": reason.tolist(),
    }).sort("source_record_id")

