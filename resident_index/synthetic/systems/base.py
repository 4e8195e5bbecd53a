"""The machinery every source system shares: record lifecycles, two extract dates, noise, rendering.

A system generator only says which records it holds (person, start, end, lags, group, role, extras) and
how its file is laid out. This module then:

1. evaluates each record on two effective dates. The extract of as_of reflects the system on as_of; the
   extract of the day before reflects it `window` days earlier, as systems post changes in batches
   (weekly imports, monthly register alterations), so consecutive extracts differ by ~1% of records:
   new records, removed (purged) records, closures, address and surname updates;
2. adds in-system duplicates (the same person under a second record id);
3. draws every record's noise once and renders both versions with it, so a record keeps its typo;
4. returns rows for the two extracts and the truth (record id -> person id).

Lifecycle of a record with true [start, end): enters the system E days after start, is known to have
ended X days after end (X huge = never told: a planted case), then shows as closed for R days, then is
purged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from resident_index.synthetic import errors
from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import OPEN
from resident_index.synthetic.identifiers import format_nhs, nhs_wrong_check
from resident_index.synthetic.randomness import stream
from resident_index.synthetic.render import FLAT_VARIANTS, AddressBook, name_text

NEVER = 10**6  # an exit lag for records the system is never told have ended
# columns of the per-record uniform matrix
(U_TYPO_F, U_TYPO_S, U_T1, U_T2, U_T3, U_NICK, U_INIT, U_SWAP, U_MAIDEN, U_MID, U_DOB, U_DOB2, U_PC, U_PC2,
 U_ABBR, U_FLAT, U_NHS, U_NI, U_TITLE, U_SEX, U_PHONE, U_MOBILE, U_EMAIL, U_SUFFIX, U_PUNCT, U_LOC, U_AUX) = range(27)
N_U = 27


@dataclass(frozen=True)
class Noise:
    """Error rates of one system (each a probability per record)."""

    typo: float = 0.01  # per name part
    nickname: float = 0.02
    initial: float = 0.0  # forename written as an initial
    swap: float = 0.002  # forename and surname swapped (x5 for Chinese names)
    maiden: float = 0.02  # a married woman still under her birth surname
    middle: float = 0.5  # a middle name is recorded at all
    middle_initial: float = 0.2  # ...as an initial only
    dob_swap: float = 0.004
    dob_placeholder: float = 0.002
    dob_typo: float = 0.002
    dob_missing: float = 0.003
    postcode: float = 0.04  # no space / lower case / wrong letter / double space
    postcode_missing: float = 0.01
    abbreviate: float = 0.2
    flat_variant: float = 0.3
    nhs_missing: float = 0.05
    nhs_invalid: float = 0.01
    ni_missing: float = 0.1
    ni_invalid: float = 0.01
    duplicate: float = 0.005
    junior: float = 0.3  # a "Jr" son written with his suffix
    punctuation: float = 0.3  # O'BRIEN -> OBRIEN, SMITH-JONES -> SMITH JONES
    surname_lag: int = 30  # days before a surname change reaches the system
    phone: float = 0.5
    mobile: float = 0.6
    email: float = 0.4


@dataclass(frozen=True)
class Style:
    """How a system writes things."""

    name_case: str = "upper"  # upper | title
    ascii_only: bool = True
    address_case: str = "upper"
    address_lines: int = 4
    locality: float = 0.5  # chance the locality is written
    town: float = 0.9
    sex: tuple[str, str, str] = ("M", "F", "U")
    title_case: str = "upper"
    nhs_style: str = "plain"


@dataclass
class SystemOutput:
    name: str
    landing: dict  # folder, format, extension, encoding, delimiter
    extracts: dict[str, pl.DataFrame]  # extract date (ISO) -> rows as written
    truth: pl.DataFrame  # source_system, source_record_id, extract_date, person_id
    extra_truth: dict[str, pl.DataFrame] = field(default_factory=dict)


def lifecycle(rec: pl.DataFrame, e: int) -> tuple[np.ndarray, np.ndarray]:
    """(visible, closed) of each record on effective date e."""
    start, end = rec["start"].to_numpy(), rec["end"].to_numpy()
    entry, exit_, keep = rec["E"].to_numpy(), np.minimum(rec["X"].to_numpy(), NEVER), rec["R"].to_numpy()
    is_open = end >= OPEN
    end_ = np.where(is_open, 0, end)
    entered = start + entry <= e
    known_closed = ~is_open & (e >= end_ + exit_)
    purged = known_closed & (e >= end_ + exit_ + keep)
    return entered & ~purged, entered & known_closed & ~purged


def ids(rng: np.random.Generator, n: int, fmt: str, start: int, step: int = 7) -> list[str]:
    """Increasing record ids with irregular gaps, formatted with `fmt` (e.g. "CT{:08d}")."""
    nums = start + np.cumsum(rng.integers(1, step + 1, size=n))
    return [fmt.format(x) for x in nums.tolist()]


def fmt_dates(days: np.ndarray | list, fmt: str, upper: bool = False) -> pl.Series:
    """Day numbers (None / NaN = missing) as text in a system's date format."""
    s = pl.Series(list(days), dtype=pl.Int64).cast(pl.Int32).cast(pl.Date)
    out = s.dt.strftime(fmt)
    return out.str.to_uppercase() if upper else out


class Builder:
    """Turns a system's record table into its two extracts; see the module docstring."""

    def __init__(self, ctx: Ctx, name: str, noise: Noise, style: Style, window: int):
        self.ctx, self.name, self.noise, self.style, self.window = ctx, name, noise, style, window
        self.rng = stream(ctx.seed, "system", name)
        self.e2 = ctx.as_of
        self.e1 = ctx.as_of - window
        self.book = _book(ctx)

    # -- record set ------------------------------------------------------------------------------
    def select(self, rec: pl.DataFrame) -> pl.DataFrame:
        """Keep records visible on either date, add duplicates, order deterministically."""
        for col, default in (("E", 0), ("X", 0), ("R", 0), ("A", 0), ("uprn_fixed", -1), ("group", ""),
                             ("role", ""), ("dup", 0)):
            if col not in rec.columns:
                rec = rec.with_columns(pl.lit(default).alias(col))
        rec = rec.with_columns(pl.col("start", "end", "E", "X", "R", "A", "uprn_fixed").cast(pl.Int64),
                               pl.col("pid").cast(pl.Int64))
        v1, c1 = lifecycle(rec, self.e1)
        v2, c2 = lifecycle(rec, self.e2)
        rec = rec.with_columns(vis1=pl.Series(v1), vis2=pl.Series(v2), closed1=pl.Series(c1), closed2=pl.Series(c2))
        rec = rec.filter(pl.col("vis1") | pl.col("vis2"))
        rec = rec.sort(["start", "pid", "group", "role"], maintain_order=True)
        if rec.height > 1 and (rec["vis1"] == rec["vis2"]).all():
            # the pipeline rejects an extract identical to the last one: a small system still gets one
            # record keyed in between the two extracts (its most recent)
            last = rec.height - 1
            rec = rec.with_columns(vis1=pl.when(pl.int_range(pl.len()) == last).then(False).otherwise(pl.col("vis1")))
        dup = self.rng.random(rec.height) < self.noise.duplicate
        if dup.any():
            copies = rec.filter(pl.Series(dup)).with_columns(dup=pl.lit(1))
            late = self.rng.random(copies.height) < 0.15  # a duplicate keyed in between the two extracts
            copies = copies.with_columns(vis1=pl.col("vis1") & ~pl.Series(late))
            copies = copies.filter(pl.col("vis1") | pl.col("vis2"))
            rec = pl.concat([rec, copies], how="vertical_relaxed")
        return rec.with_row_index("row")

    # -- rendering ----------------------------------------------------------------------------------
    def render(self, rec: pl.DataFrame) -> pl.DataFrame:
        """Add rendered person fields (both versions where they can differ) to the selected records."""
        ctx, nz, st = self.ctx, self.noise, self.style
        n = rec.height
        U = self.rng.random((n, N_U))
        pid = rec["pid"].to_numpy()
        start, end = rec["start"].to_numpy(), rec["end"].to_numpy()
        A = rec["A"].to_numpy()
        fixed = rec["uprn_fixed"].to_numpy()
        out: dict[str, object] = {}
        for v, e in ((1, self.e1), (2, self.e2)):
            if f"know{v}" in rec.columns:  # the system's own knowledge date (e.g. the last contact)
                k = rec[f"know{v}"].to_numpy().astype(np.int64)
                uprn = np.where(fixed >= 0, fixed, ctx.uprn_at(pid, k))
                out[f"uprn_row{v}"], out[f"k{v}"] = uprn, k
                out[f"sur_known{v}"] = ctx.surname_at(pid, k - nz.surname_lag)
                continue
            k = np.maximum(e - A, start)
            k = np.where(end < OPEN, np.minimum(k, end - 1), k)
            k = np.maximum(k, start)
            uprn = np.where(fixed >= 0, fixed, ctx.uprn_at(pid, k))
            out[f"uprn_row{v}"] = uprn
            out[f"k{v}"] = k
            out[f"sur_known{v}"] = ctx.surname_at(pid, k - nz.surname_lag)
        fore, mid, title, sur1, sur2 = self._names(pid, U, out["sur_known1"], out["sur_known2"], out["k2"])
        dob = self._dob(pid, U)
        sex = np.array(st.sex, object)[np.where(U[:, U_SEX] < 0.002, 2, np.where(ctx.sex[pid] == "M", 0, 1))]
        frame = rec.with_columns(
            title=pl.Series(title, dtype=pl.Utf8), forename=pl.Series(fore, dtype=pl.Utf8),
            middle=pl.Series(mid, dtype=pl.Utf8), surname1=pl.Series(sur1, dtype=pl.Utf8),
            surname2=pl.Series(sur2, dtype=pl.Utf8), dob_day=pl.Series(dob, dtype=pl.Int64),
            sex=pl.Series(sex.tolist(), dtype=pl.Utf8),
            nhs=pl.Series(self._nhs(pid, U), dtype=pl.Utf8), ni=pl.Series(self._ni(pid, U), dtype=pl.Utf8),
            phone=pl.Series(self._contact(ctx.landline, ctx.hh[pid], U[:, U_PHONE] < nz.phone), dtype=pl.Utf8),
            mobile=pl.Series(self._contact(ctx.mobile, pid, U[:, U_MOBILE] < nz.mobile), dtype=pl.Utf8),
            email=pl.Series(self._contact(ctx.email, pid, U[:, U_EMAIL] < nz.email), dtype=pl.Utf8),
            uprn_row1=pl.Series(out["uprn_row1"]), uprn_row2=pl.Series(out["uprn_row2"]),
        )
        for v in (1, 2):
            lines, pcs = self._addresses(out[f"uprn_row{v}"], U)
            cols = {f"addr{j + 1}_{v}": pl.Series([ln[j] for ln in lines], dtype=pl.Utf8)
                    for j in range(st.address_lines)}
            frame = frame.with_columns(**cols, **{f"postcode_{v}": pl.Series(pcs, dtype=pl.Utf8),
                                                  f"uprn_{v}": pl.Series([self.book.uprn[u] for u in
                                                                          out[f"uprn_row{v}"].tolist()])})
        self.U = U
        return frame

    def _names(self, pid, U, known1, known2, k2):
        ctx, nz, st = self.ctx, self.noise, self.style
        fore_o, mid_o, title_o, s1_o, s2_o = [], [], [], [], []
        ages = ctx.age_at(pid, k2)
        for i, p in enumerate(pid.tolist()):
            r = U[i]
            fore, mid = ctx.forename[p], ctx.middle[p]
            if r[U_NICK] < nz.nickname:
                fore = errors.nickname(fore, r[U_AUX])
            if r[U_INIT] < nz.initial:
                fore = fore[:1]
            elif r[U_TYPO_F] < nz.typo:
                fore = errors.typo(fore, r[U_T1], r[U_T2], r[U_T3])
            if not mid or r[U_MID] >= nz.middle:
                mid = ""
            elif r[U_MID] < nz.middle * nz.middle_initial:
                mid = mid[:1]
            surnames = []
            for known in (known1[i], known2[i]):
                sur = known
                if ctx.birth_surname[p] != sur and r[U_MAIDEN] < nz.maiden:
                    sur = ctx.birth_surname[p]
                if r[U_TYPO_S] < nz.typo:
                    sur = errors.typo(sur, r[U_T3], r[U_T1], r[U_T2])
                if r[U_PUNCT] < nz.punctuation and ("'" in sur or "-" in sur):
                    sur = sur.replace("'", "" if r[U_PUNCT] < nz.punctuation / 2 else " ").replace("-", " ")
                if ctx.suffix[p] and r[U_SUFFIX] < nz.junior:
                    sur = f"{sur} {'Jr' if r[U_AUX] < 0.5 else 'Jnr'}"
                surnames.append(sur)
            if r[U_SWAP] < nz.swap * (5 if ctx.group[p] == "chinese" else 1):
                fore, surnames = surnames[1], [fore, fore]
            fore_o.append(name_text(fore, st.name_case, st.ascii_only))
            mid_o.append(name_text(mid, st.name_case, st.ascii_only) or None)
            s1_o.append(name_text(surnames[0], st.name_case, st.ascii_only))
            s2_o.append(name_text(surnames[1], st.name_case, st.ascii_only))
            title_o.append(self._title(p, ages[i], r[U_TITLE]))
        return fore_o, mid_o, title_o, s1_o, s2_o

    def _title(self, p: int, age: float, u: float) -> str | None:
        ctx = self.ctx
        if age < 16:
            return None
        if u < 0.01:
            t = "Dr"
        elif ctx.sex[p] == "M":
            t = "Mr"
        elif ctx.married[p]:
            t = "Mrs" if u < 0.85 else "Ms"
        else:
            t = "Miss" if (age < 30 and u < 0.7) else "Ms"
        if u > 0.985:
            return None
        return t.upper() if self.style.title_case == "upper" else t

    def _dob(self, pid, U) -> list:
        nz = self.noise
        dob = self.ctx.dob[pid]
        u = U[:, U_DOB]
        cut = np.cumsum([nz.dob_swap, nz.dob_placeholder, nz.dob_typo, nz.dob_missing])
        kind = np.searchsorted(cut, u, side="right") + 1  # 1..4 error kinds, 5 none
        out = dob.astype(object)
        for i in np.flatnonzero(kind <= 4).tolist():
            out[i] = errors.dob_error(int(dob[i]), int(kind[i]), float(U[i, U_DOB2]))
        return out.tolist()

    def _nhs(self, pid, U) -> list:
        nz = self.noise
        u = U[:, U_NHS]
        nums = self.ctx.nhs[pid]
        bad = (u >= nz.nhs_missing) & (u < nz.nhs_missing + nz.nhs_invalid)
        nums = np.where(bad, nhs_wrong_check(nums, self.rng), nums)
        text = format_nhs(nums, self.style.nhs_style)
        return [None if m else t for t, m in zip(text, (u < nz.nhs_missing).tolist())]

    def _ni(self, pid, U) -> list:
        nz = self.noise
        out = []
        for i, p in enumerate(pid.tolist()):
            ni, u = self.ctx.ni[p], U[i, U_NI]
            if not ni or u < nz.ni_missing:
                out.append(None)
            elif u < nz.ni_missing + nz.ni_invalid:
                out.append(errors.ni_error(ni, U[i, U_AUX]))
            else:
                out.append(ni)
        return out

    @staticmethod
    def _contact(values: list, index: np.ndarray, keep: np.ndarray) -> list:
        return [(values[j] or None) if k else None for j, k in zip(index.tolist(), keep.tolist())]

    def _addresses(self, uprn_rows: np.ndarray, U) -> tuple[list[list], list]:
        nz, st, book = self.noise, self.style, self.book
        lines_o, pcs = [], []
        flat_v = np.where(U[:, U_FLAT] < nz.flat_variant, 1 + (U[:, U_AUX] * (FLAT_VARIANTS - 1)).astype(int), 0)
        abbr = U[:, U_ABBR] < nz.abbreviate
        loc = U[:, U_LOC] < st.locality
        town = U[:, U_LOC] * 7 % 1 < st.town
        pc_kind = np.where(U[:, U_PC] < nz.postcode_missing, 4,
                           np.where(U[:, U_PC] < nz.postcode_missing + nz.postcode,
                                    np.array([1, 2, 3, 5, 1, 2])[(U[:, U_PC2] * 6).astype(int)], 0))
        packed, n_lines, style, postcode = book.packed, st.address_lines, st.address_case, book.postcode
        for u, fv, ab, lo, to, k, u2 in zip(uprn_rows.tolist(), flat_v.tolist(), abbr.tolist(), loc.tolist(),
                                            town.tolist(), pc_kind.tolist(), U[:, U_PC2].tolist()):
            lines_o.append(packed(u, fv, ab, lo, to, n_lines, style))
            pcs.append(errors.postcode_error(postcode[u], k, u2) if k else postcode[u])
        return lines_o, pcs

    # -- output ---------------------------------------------------------------------------------------
    def extracts(self, frame: pl.DataFrame, layout, landing: dict, id_col: str) -> SystemOutput:
        """Lay out both extracts (only the as_of one for a single snapshot) with `layout(frame, version)`,
        and the truth for every written record."""
        ctx = self.ctx
        from resident_index.synthetic.days import from_day

        extracts, truth = {}, []
        versions = ((1, ctx.as_of - 1), (2, ctx.as_of)) if ctx.snapshots == 2 else ((2, ctx.as_of),)
        for v, day in versions:
            rows = frame.filter(pl.col(f"vis{v}"))
            out = layout(rows, v)
            iso = from_day(day).isoformat()
            extracts[iso] = out
            truth.append(pl.DataFrame({
                "source_system": [self.name] * out.height,
                "source_record_id": out[id_col].cast(pl.Utf8),
                "extract_date": [iso] * out.height,
                "person_id": [f"P{p + 1:07d}" for p in rows["pid"].to_list()],
            }))
        return SystemOutput(self.name, landing, extracts, pl.concat(truth))


_BOOKS: dict[int, AddressBook] = {}


def _book(ctx: Ctx) -> AddressBook:
    key = id(ctx.pop.gazetteer)
    if key not in _BOOKS:
        _BOOKS.clear()
        _BOOKS[key] = AddressBook(ctx.pop.gazetteer)
    return _BOOKS[key]


def release_caches() -> None:
    """Drop the address renderings cached for this council (they can run to hundreds of MB)."""
    _BOOKS.clear()


def status(closed: str, active: str, closed_label: str) -> pl.Expr:
    return pl.when(pl.col(closed)).then(pl.lit(closed_label)).otherwise(pl.lit(active))


def end_text(frame: pl.DataFrame, v: int, fmt: str, upper: bool = False) -> pl.Series:
    """The end date a system shows: the true end once it knows the record closed, else blank."""
    end = frame["end"].to_numpy()
    closed = frame[f"closed{v}"].to_numpy()
    return fmt_dates(np.where(closed & (end < OPEN), end, None), fmt, upper)


def dob_text(frame: pl.DataFrame, fmt: str, upper: bool = False) -> pl.Series:
    return fmt_dates(frame["dob_day"].to_list(), fmt, upper)


def lag(rng: np.random.Generator, n: int, mean: float, tail: float = 0.0, tail_mean: float = 0.0) -> np.ndarray:
    """Exponential lags in days, with an optional share drawn from a much longer tail."""
    base = rng.exponential(mean, size=n)
    if tail:
        long = rng.random(n) < tail
        base = np.where(long, rng.exponential(tail_mean, size=n), base)
    return base.astype(np.int64)
