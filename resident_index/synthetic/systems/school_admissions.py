"""School admissions (admissions portal export, CSV with BOM): a child row and a parent row per application.

Reception and secondary transfer rounds (the latest two), plus in-year applications after a move. The
child's date of birth is held, the parent's is not; the home address is as given on the form, with no
UPRN. Planted: applications from an address where neither the child nor the parent lives.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN, to_day, ymd
from resident_index.synthetic.households import CHILD, HEAD, PARTNER
from resident_index.synthetic.systems.base import Builder, Noise, Style, SystemOutput, dob_text, fmt_dates

NAME = "school_admissions"
LANDING = {"folder": NAME, "format": "csv", "extension": "csv", "encoding": "utf-8-sig", "delimiter": ","}
NOISE = Noise(typo=0.01, nickname=0.04, maiden=0.03, middle=0.5, middle_initial=0.0, dob_swap=0.004,
              dob_placeholder=0.0, dob_typo=0.003, dob_missing=0.0, postcode=0.05, postcode_missing=0.005,
              abbreviate=0.3, flat_variant=0.4, nhs_missing=1.0, ni_missing=1.0, duplicate=0.01,
              surname_lag=30, phone=0.3, mobile=0.9, email=0.95)
STYLE = Style(name_case="title", ascii_only=False, address_case="title", address_lines=4, locality=0.3, town=0.8,
              sex=("M", "F", "U"))
SCHOOLS = ["Ashbury Primary", "St Mary's CE Primary", "Kingsmead Academy", "Northbridge High", "Riverside School",
           "Oakhurst Primary", "Greyfriars RC Primary", "Millbrook Academy", "Priory Fields School"]


def _rounds(ctx: Ctx) -> list[tuple[int, str, int, int, int, int]]:
    """(entry year, year group, born from, born to, window open, window close) for the latest two rounds."""
    y, m, _ = (int(a[0]) for a in ymd([ctx.as_of]))
    latest = y + 1 if m >= 9 else y
    out = []
    for entry in (latest, latest - 1):
        out.append((entry, "Reception", to_day(date(entry - 5, 9, 1)), to_day(date(entry - 4, 8, 31)),
                    to_day(date(entry - 1, 9, 1)), to_day(date(entry, 1, 15))))
        out.append((entry, "Year 7", to_day(date(entry - 12, 9, 1)), to_day(date(entry - 11, 8, 31)),
                    to_day(date(entry - 1, 9, 1)), to_day(date(entry - 1, 10, 31))))
    return out


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=2)
    rng = b.rng
    apps = []
    for entry, group, born_lo, born_hi, w0, w1 in _rounds(ctx):
        kids = np.flatnonzero((ctx.dob >= born_lo) & (ctx.dob <= born_hi))
        sub = w0 + ((w1 - w0) * rng.random(kids.size) ** 0.45).astype(np.int64)
        ok = (rng.random(kids.size) < 0.93) & (sub <= ctx.as_of)
        kids, sub = kids[ok], sub[ok]
        here = ctx.lives_on(kids, sub)
        keep = here >= 0
        apps.append(pl.DataFrame({"pid": kids[keep], "start": sub[keep], "uprn_home": here[keep],
                                  "entry": np.full(keep.sum(), entry), "year_group": [group] * int(keep.sum())}))
    inyear = _in_year(ctx, rng)
    apps = pl.concat(apps + [inyear], how="vertical_relaxed").sort(["start", "pid"]).with_row_index("gid")
    parents = _parents(ctx, apps)
    apps = apps.with_columns(parent=pl.Series(parents)).filter(pl.col("parent") >= 0)
    false_addr = _plant_false_addresses(ctx, rng, apps)
    apps = apps.with_columns(uprn_fixed=pl.Series([false_addr.get(g, u) for g, u in
                                                   zip(apps["gid"].to_list(), apps["uprn_home"].to_list())]))
    child = apps.select("gid", "pid", "start", "entry", "year_group", "uprn_fixed", role=pl.lit("Child"))
    parent = apps.select("gid", pl.col("parent").alias("pid"), "start", "entry", "year_group", "uprn_fixed",
                         role=pl.lit("Parent"))
    rec = pl.concat([child, parent]).with_columns(end=pl.lit(OPEN), group=pl.col("gid").cast(pl.Utf8)).sort(
        ["gid", "role"])
    rec = b.select(rec)
    frame = b.render(rec)
    m = frame.height
    gids = frame["gid"].to_numpy()
    ref_of = {(g, e): f"NB{int(e) % 100:02d}-{100000 + i * 3 + int(rng.integers(0, 3)):06d}"
              for i, (g, e) in enumerate(sorted(set(zip(gids.tolist(), frame["entry"].to_list()))))}
    is_child = frame["role"].to_numpy() == "Child"
    relation = np.where(ctx.sex[frame["pid"].to_numpy()] == "F", "Mother", "Father")
    start = frame["start"].to_numpy()
    offer = np.array([to_day(date(int(e), 3 if yg == "Year 7" else 4, 1 if yg == "Year 7" else 16))
                      for e, yg in zip(frame["entry"].to_list(), frame["year_group"].to_list())])
    frame = frame.with_columns(
        app=pl.Series([ref_of[(g, e)] for g, e in zip(gids.tolist(), frame["entry"].to_list())]),
        dob_c=pl.when(pl.Series(is_child)).then(dob_text(frame, "%d/%m/%Y")),
        relation=pl.Series(np.where(is_child, None, relation).tolist(), dtype=pl.Utf8),
        sub_t=fmt_dates(start, "%d/%m/%Y"),
        offered1=pl.Series(offer <= b.e1), offered2=pl.Series(offer <= b.e2),
        pref=pl.Series([SCHOOLS[i] for i in rng.integers(0, len(SCHOOLS), m).tolist()]),
        email_h=pl.when(pl.Series(is_child)).then(None).otherwise(pl.col("email")),
        phone_h=pl.when(pl.Series(is_child)).then(None).otherwise(pl.coalesce("mobile", "phone")),
    )
    frame = frame.with_columns(rid=pl.col("app") + pl.when(pl.Series(is_child)).then(pl.lit("-C")).otherwise(
        pl.lit("-P")) + pl.col("dup").cast(pl.Utf8).replace("0", ""))
    return b.extracts(frame, _layout, LANDING, "RecordId")


def _in_year(ctx: Ctx, rng: np.random.Generator) -> pl.DataFrame:
    """Children of school age who moved within the borough in the last year, applying for a new school."""
    r = ctx.pop.residence
    moved = r.filter((pl.col("start") > ctx.as_of - 365) & (pl.col("start") <= ctx.as_of)
                     & (pl.col("role") == CHILD))
    pid = moved["pid"].to_numpy()
    age = ctx.age_at(pid, moved["start"].to_numpy())
    prev = ctx.uprn_at(pid, moved["start"].to_numpy() - 1)
    ok = (age >= 5) & (age < 15) & (prev != moved["uprn"].to_numpy()) & (ctx.arrive[pid] < moved["start"].to_numpy())
    ok &= rng.random(pid.size) < 0.5
    start = moved["start"].to_numpy() + 3 + rng.integers(0, 20, pid.size)
    ok &= start <= ctx.as_of
    y = ymd(start)[0] + (ymd(start)[1] >= 9)
    return pl.DataFrame({"pid": pid[ok], "start": start[ok], "uprn_home": moved["uprn"].to_numpy()[ok],
                         "entry": y[ok], "year_group": ["In-year"] * int(ok.sum())})


def _parents(ctx: Ctx, apps: pl.DataFrame) -> list[int]:
    """The mother (else the other parent or head) living with the child on the day of application."""
    idx = ctx.spell_at(apps["pid"].to_numpy(), apps["start"].to_numpy())
    hh = ctx.rs_hh[idx]
    r = ctx.pop.residence.filter(pl.col("role").is_in([HEAD, PARTNER]))
    by_hh: dict[int, list[tuple[int, int, int]]] = {}
    for p, h, s, e in r.select("pid", "hh", "start", "end").iter_rows():
        by_hh.setdefault(h, []).append((p, s, e))
    out = []
    for h, day in zip(hh.tolist(), apps["start"].to_list()):
        cands = [p for p, s, e in by_hh.get(h, []) if s <= day < e]
        cands.sort(key=lambda p: (ctx.sex[p] != "F", p))
        out.append(cands[0] if cands else -1)
    return out


def _plant_false_addresses(ctx: Ctx, rng: np.random.Generator, apps: pl.DataFrame) -> dict[int, int]:
    latest = apps.filter((pl.col("year_group") != "In-year") & (pl.col("entry") == apps["entry"].max()))
    n = min(latest.height, max(2, round(ctx.pop.persons.height * 0.002)))
    if not n:
        return {}
    pick = np.sort(rng.choice(latest.height, size=n, replace=False))
    res = ctx.pop.gazetteer.residential
    gaz = ctx.pop.gazetteer
    out = {}
    for i in pick.tolist():
        g, child, parent, home = (int(latest[c][i]) for c in ("gid", "pid", "parent", "uprn_home"))
        lived = set(ctx.rs_uprn[ctx.rs_pid == child].tolist()) | set(ctx.rs_uprn[ctx.rs_pid == parent].tolist())
        for _ in range(50):
            u = int(res[rng.integers(0, res.size)])
            if u not in lived and gaz.ward[u] != gaz.ward[home]:
                break
        out[g] = u
        ctx.plant("false_school_address", child, u, f"{NAME} application from {ctx.pop.gazetteer.llpg['uprn'][u]}; "
                  f"child and parent P{parent + 1:07d} live at {ctx.pop.gazetteer.llpg['uprn'][home]}")
    return out


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    return f.select(
        RecordId=pl.col("rid"),
        ApplicationRef=pl.col("app"),
        PersonType=pl.col("role"),
        Forename=pl.col("forename"),
        MiddleNames=pl.col("middle"),
        Surname=pl.col(f"surname{v}"),
        DateOfBirth=pl.col("dob_c"),
        Gender=pl.col("sex"),
        Relationship=pl.col("relation"),
        HomeAddress1=pl.col(f"addr1_{v}"), HomeAddress2=pl.col(f"addr2_{v}"),
        HomeAddress3=pl.col(f"addr3_{v}"), HomeAddress4=pl.col(f"addr4_{v}"),
        HomePostcode=pl.col(f"postcode_{v}"),
        Email=pl.col("email_h"),
        Telephone=pl.col("phone_h"),
        EntryYear=pl.col("entry").cast(pl.Utf8),
        YearGroup=pl.col("year_group"),
        SubmittedDate=pl.col("sub_t"),
        Status=pl.when(pl.col(f"offered{v}")).then(pl.lit("Offered")).otherwise(pl.lit("Submitted")),
        Preference1=pl.col("pref"),
    )

