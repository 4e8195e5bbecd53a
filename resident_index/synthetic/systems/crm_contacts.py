"""Contact-centre CRM (Dynamics-style export, JSON lines): anyone who phoned, emailed or came in.

Typed by call handlers from what callers say: nicknames, initials, lower-case names, free-text addresses
often without a postcode, and many duplicates (a caller not found gets a new contact). The address is
the one given at the last contact, so it goes stale when people move. No date of birth.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN, add_years
from resident_index.synthetic.systems.base import Builder, Noise, Style, SystemOutput, lag

NAME = "crm_contacts"
LANDING = {"folder": NAME, "format": "jsonl", "extension": "jsonl", "encoding": "utf-8", "delimiter": ","}
NOISE = Noise(typo=0.03, nickname=0.12, initial=0.02, swap=0.004, maiden=0.06, middle=0.0, postcode=0.12,
              postcode_missing=0.2, abbreviate=0.45, flat_variant=0.5, nhs_missing=1.0, ni_missing=1.0,
              duplicate=0.02, junior=0.0, punctuation=0.5, surname_lag=0, phone=0.35, mobile=0.8, email=0.75)
STYLE = Style(name_case="title", ascii_only=False, address_case="title", address_lines=1, locality=0.3, town=0.6)
SUBJECTS = ["Council tax", "Bins and recycling", "Parking", "Housing repairs", "Benefits", "Noise complaint",
            "Library", "School places", "Adult social care", "Street lighting", "Planning", "Pest control"]


def build(ctx: Ctx) -> SystemOutput:
    b = Builder(ctx, NAME, NOISE, STYLE, window=1)
    rng = b.rng
    n = ctx.n
    end_res = np.minimum(ctx.dod, ctx.leave)
    lo = np.maximum(np.maximum(ctx.arrive, add_years(ctx.dob, 18)), ctx.t0 - 730)
    hi = np.minimum(end_res, ctx.as_of + 1)
    rows = []
    for copy, share in ((0, 0.4), (1, 0.06)):  # a second, separate contact record for some callers
        has = (rng.random(n) < share) & (hi > lo)
        created = lo + (rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64)
        gap = 14 + lag(rng, n, 200)
        rows.append(pl.DataFrame({"pid": np.arange(n), "start": created, "gap": gap, "copy": np.full(n, copy)})
                    .filter(pl.Series(has)))
    rec = pl.concat(rows).with_columns(end=pl.lit(OPEN))
    pid, start, gap = rec["pid"].to_numpy(), rec["start"].to_numpy(), rec["gap"].to_numpy()
    stop = np.minimum(end_res[pid] - 1, ctx.as_of)
    for v, e in ((1, b.e1), (2, b.e2)):
        k = np.minimum(e, stop)
        last = start + (np.maximum(k - start, 0) // gap) * gap  # contacts every `gap` days since creation
        rec = rec.with_columns(pl.Series(f"know{v}", np.maximum(last, start)))
    rec = b.select(rec)
    frame = b.render(rec)
    m = frame.height
    lower = rng.random(m)
    secs = rng.integers(8 * 3600, 18 * 3600, m)
    frame = frame.with_columns(
        contactid=pl.Series([f"{x:08x}-{y:04x}-4{z:03x}" for x, y, z in zip(
            (0x1a000000 + np.cumsum(rng.integers(1, 5000, m))).tolist(), rng.integers(0, 65536, m).tolist(),
            rng.integers(0, 4096, m).tolist())]),
        **{out: _typed(col, lower) for out, col in (("first", "forename"), ("last1", "surname1"),
                                                    ("last2", "surname2"))},
        created=_stamp(frame["start"].to_numpy(), secs),
        last_1=_stamp(frame["know1"].to_numpy(), secs),
        last_2=_stamp(frame["know2"].to_numpy(), secs),
        in_text=pl.Series(rng.random(m) < 0.3),
        subject=pl.Series([SUBJECTS[i] for i in rng.integers(0, len(SUBJECTS), m).tolist()]),
        channel=pl.Series(np.array(["Phone", "Email", "Web", "Face to face"])[rng.integers(0, 4, m)].tolist()),
    )
    return b.extracts(frame, _layout, LANDING, "contactid")


def _typed(column: str, u: np.ndarray) -> pl.Expr:
    """Some call handlers type names in lower case."""
    return pl.when(pl.Series(u < 0.08)).then(pl.col(column).str.to_lowercase()).otherwise(pl.col(column))


def _stamp(days: np.ndarray, secs: np.ndarray) -> pl.Series:
    """ISO timestamps with a Z, as Dynamics writes them."""
    dt = (days.astype("int64") * 86400 + secs).astype("datetime64[s]")
    return pl.Series([f"{t}Z" for t in np.datetime_as_string(dt, unit="s").tolist()])


def _layout(f: pl.DataFrame, v: int) -> pl.DataFrame:
    addr = pl.col(f"addr1_{v}")
    pc = pl.col(f"postcode_{v}")
    return f.select(
        pl.col("contactid"),
        firstname=pl.col("first"),
        lastname=pl.col(f"last{v}"),
        emailaddress1=pl.col("email"),
        telephone1=pl.col("phone"),
        mobilephone=pl.col("mobile"),
        address1_composite=pl.when(pl.col("in_text") & pc.is_not_null()).then(addr + pl.lit(" ") + pc).otherwise(addr),
        address1_postalcode=pl.when(pl.col("in_text")).then(None).otherwise(pc),
        createdon=pl.col("created"),
        lastcontactedon=pl.col(f"last_{v}"),
        statecode=pl.lit("Active"),
        preferredcontactmethod=pl.col("channel"),
        subject=pl.col("subject"),
    )
