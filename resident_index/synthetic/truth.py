"""The ground truth: who every record really is, where everyone really lived, and what was planted.

Written to data/truth/ for evaluation code only; the pipeline never reads it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN, from_day


def _date_text(days) -> list:
    return [None if d is None or d >= OPEN else from_day(d).isoformat() for d in days]


def pid_text(p: int) -> str:
    return f"P{p + 1:07d}"


def persons(ctx: Ctx) -> pl.DataFrame:
    p = ctx.pop.persons
    cur = ctx.lives_at(np.arange(ctx.n), ctx.as_of)
    uprn = ctx.pop.gazetteer.llpg["uprn"].to_list()
    return pl.DataFrame({
        "person_id": [pid_text(i) for i in range(ctx.n)],
        "forename": p["forename"], "middle_names": p["middle"], "surname": p["surname"],
        "birth_surname": p["birth_surname"], "sex": p["sex"],
        "dob": _date_text(p["dob"].to_list()),
        "nhs_number": [f"{x:010d}" for x in ctx.nhs.tolist()],
        "ni_number": ctx.ni,
        "date_of_death": _date_text(p["dod"].to_list()),
        "current_uprn": [uprn[u] if u >= 0 else None for u in cur.tolist()],
        "moved_out_date": _date_text(p["leave"].to_list()),
        "household_id": [f"H{h + 1:07d}" for h in p["hh"].to_list()],
    })


def residence(ctx: Ctx) -> pl.DataFrame:
    """Address history, consecutive spells at one address merged (role changes are not moves)."""
    r = ctx.pop.residence.sort(["pid", "start"])
    new = (r["pid"] != r["pid"].shift(1)) | (r["uprn"] != r["uprn"].shift(1)) | (r["start"] != r["end"].shift(1))
    r = r.with_columns(run=new.fill_null(True).cum_sum())
    r = r.group_by("run", maintain_order=True).agg(pl.col("pid").first(), pl.col("uprn").first(),
                                                   pl.col("start").min(), pl.col("end").max())
    uprn = ctx.pop.gazetteer.llpg["uprn"].to_list()
    return pl.DataFrame({
        "person_id": [pid_text(i) for i in r["pid"].to_list()],
        "uprn": [uprn[u] for u in r["uprn"].to_list()],
        "from_date": _date_text(r["start"].to_list()),
        "to_date": _date_text(r["end"].to_list()),
    })


#: the borough's most common full names, and pairs listed per name (a chain through its first bearers):
#: enough to measure false merges without listing every pair of the borough's many Mohammed Khans
COMMON_NAMES, COMMON_NAME_PAIRS = 200, 10


def hard_cases(ctx: Ctx) -> pl.DataFrame:
    """Twins, fathers and sons sharing a name, and distinct people with the same very common name."""
    rows = [("twins", pid_text(a), pid_text(b)) for a, b in sorted(ctx.pop.twins)]
    rows += [("father_son", pid_text(a), pid_text(b)) for a, b in sorted(ctx.pop.father_son)]
    skip = {tuple(sorted(x)) for x in ctx.pop.twins + ctx.pop.father_son}
    p = ctx.pop.persons.select("pid", "forename", "surname")
    top = (p.group_by("forename", "surname").agg(n=pl.len()).filter(pl.col("n") > 1)
           .sort(["n", "forename", "surname"], descending=[True, False, False]).head(COMMON_NAMES))
    bearers = p.join(top, on=["forename", "surname"], how="inner").sort(["n", "forename", "surname", "pid"],
                                                                       descending=[True, False, False, False])
    for _, group in bearers.group_by(["forename", "surname"], maintain_order=True):
        pids = group["pid"].to_list()
        pairs = [(a, b) for a, b in zip(pids, pids[1:]) if (a, b) not in skip][:COMMON_NAME_PAIRS]
        rows += [("common_name", pid_text(a), pid_text(b)) for a, b in pairs]
    return pl.DataFrame(rows, schema=["case_type", "person_id_a", "person_id_b"], orient="row")


def planted(ctx: Ctx) -> pl.DataFrame:
    uprn = ctx.pop.gazetteer.llpg["uprn"].to_list()
    rows = sorted((c, pid_text(p), uprn[u] if u >= 0 else None, d) for c, p, u, d in ctx.plants)
    return pl.DataFrame(rows, schema=["case_type", "person_id", "uprn", "detail"], orient="row")


def write_csv(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.with_columns(pl.col(c).replace("", None) for c, t in df.schema.items() if t == pl.Utf8).write_csv(path)
