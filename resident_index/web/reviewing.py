"""Review in the browser: the queue graded as $match grades (certain / probable / possible by the
council's model.yaml thresholds), a pair side by side with its match-weight waterfall, and verdicts,
splits and merges written as `resident-index review` writes them (resolution/review.py: review_decisions,
or the pending folder while a build holds the warehouse)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import duckdb

from resident_index import settings, warehouse_lock
from resident_index.golden.lookup import _literal
from resident_index.resolution import review
from resident_index.resolution.splink_model import model_config

#: how long a verdict waits for a build holding the warehouse before it is kept in the pending folder
WRITE_WAIT = 5.0
PAGE = 100


def thresholds() -> tuple[float, float]:
    cfg = model_config()
    return float(cfg["link_threshold"]), float(cfg["review_threshold"])


def grade(probability: float, link: float, review_at: float) -> str:
    return "certain" if probability >= link else "probable" if probability >= review_at else "possible"


def _grade_sql(link: float, review_at: float) -> str:
    return (f"CASE WHEN q.match_probability >= {link!r} THEN 'certain' "
            f"WHEN q.match_probability >= {review_at!r} THEN 'probable' ELSE 'possible' END")


def _undecided(decided: set[tuple[str, str]]) -> str:
    keys = ", ".join(_literal(f"{a}\x1f{b}") for a, b in sorted(decided))
    listed = f"AND (q.unique_id_l || chr(31) || q.unique_id_r) NOT IN ({keys})" if decided else ""
    return f"""NOT EXISTS (SELECT 1 FROM review_decisions d
                           WHERE least(d.unique_id_l, d.unique_id_r) = q.unique_id_l
                             AND greatest(d.unique_id_l, d.unique_id_r) = q.unique_id_r) {listed}"""


def queue(con: duckdb.DuckDBPyConnection, decided: set[tuple[str, str]], only_grade: str | None = None) -> dict:
    """Undecided pairs, in the order `review` gives them, with their grade; counts per grade."""
    link, review_at = thresholds()
    g = _grade_sql(link, review_at)
    counts = dict(con.execute(f"SELECT {g}, count(*) FROM review_queue q WHERE {_undecided(decided)} GROUP BY 1").fetchall())
    where = f"AND {g} = {_literal(only_grade)}" if only_grade else ""
    result = con.execute(f"""SELECT q.*, {g} AS grade FROM review_queue q WHERE {_undecided(decided)} {where}
                             ORDER BY priority DESC, match_probability DESC, unique_id_l, unique_id_r LIMIT {PAGE}""")
    cols = [d[0] for d in result.description]
    return {"pairs": [dict(zip(cols, r)) for r in result.fetchall()],
            "counts": {k: counts.get(k, 0) for k in ("certain", "probable", "possible")},
            "link_threshold": link, "review_threshold": review_at}


def pair(con: duckdb.DuckDBPyConnection, left: str, right: str) -> dict | None:
    a, b = min(left, right), max(left, right)
    result = con.execute(f"SELECT * FROM review_queue WHERE unique_id_l = {_literal(a)} AND unique_id_r = {_literal(b)}")
    row = result.fetchone()
    if row is None:
        return None
    p = dict(zip([d[0] for d in result.description], row))
    p["breakdown"] = p["breakdown"] if isinstance(p["breakdown"], dict) else json.loads(p["breakdown"])
    link, review_at = thresholds()
    p["grade"] = grade(p["match_probability"], link, review_at)
    p["fields"] = [{"field": f, "left": p.get(f"{f}_l"), "right": p.get(f"{f}_r"),
                    "differs": p.get(f"{f}_l") != p.get(f"{f}_r")} for f in review.FIELDS]
    return p


def next_after(con, decided: set[tuple[str, str]], skip: set[tuple[str, str]] = frozenset()) -> str | None:
    """The URL of the next pair to review, or None when the queue is done."""
    listed = decided | {(min(a, b), max(a, b)) for a, b in skip}
    row = con.execute(f"""SELECT unique_id_l, unique_id_r FROM review_queue q WHERE {_undecided(listed)}
                          ORDER BY priority DESC, match_probability DESC, unique_id_l, unique_id_r LIMIT 1""").fetchone()
    return None if row is None else "/review/pair?" + urlencode({"l": row[0], "r": row[1]})


def pending_pairs() -> set[tuple[str, str]]:
    return {(min(v["left"], v["right"]), max(v["left"], v["right"]))
            for _, v in review.pending(settings.data_dir() / review.PENDING_FOLDER)}


verdict = review.verdict


def write_verdicts(given: list[dict]) -> tuple[bool, list[str]]:
    """Write the verdicts (and any kept from before) in one short transaction, as the CLI does; if a build
    holds the warehouse for WRITE_WAIT seconds, keep them in the pending folder. Returns (written, notes:
    what a 'same' verdict runs into, kept verdicts recorded or rejected)."""
    folder = settings.data_dir() / review.PENDING_FOLDER
    try:
        con = warehouse_lock.connect(settings.warehouse_path(), wait=WRITE_WAIT, on_wait=lambda _: None)
    except warehouse_lock.WarehouseBusy:
        for v in given:
            review.keep_pending(folder, v)
        return False, []
    notes = []
    try:
        from resident_index.transactions import transaction

        recorded, problems = review.record_pending(con, folder)
        if recorded:
            notes.append(f"Recorded {recorded} verdict(s) kept from before.")
        notes += [f"Kept verdict not recorded: {p}" for p in problems]
        with transaction(con):
            for v in given:
                if (conflict := review.record_verdict(con, **v)) is not None:
                    notes.append(conflict)
        return True, notes
    finally:
        con.close()


def _records_of(con, resident_id: str) -> list[str]:
    return [r[0] for r in con.execute(f"""SELECT source_system || '|' || source_record_id FROM resident_crosswalk
                                          WHERE resident_id = {_literal(resident_id)} ORDER BY 1""").fetchall()]


def split_verdicts(con, resident_id: str, chosen: list[str], reviewer: str, reason: str) -> list[dict]:
    """'different' between each chosen record and each record staying: the chosen ones leave the resident
    (together: they are not told apart from each other) from the next build_index run."""
    records = _records_of(con, resident_id)
    unknown = [c for c in chosen if c not in records]
    if unknown:
        raise ValueError(f"{', '.join(unknown)} are not records of {resident_id}")
    staying = [r for r in records if r not in chosen]
    if not chosen or not staying:
        raise ValueError(f"choose some of {resident_id}'s records to split off, not none and not all "
                         f"({len(records)} records)")
    note = f"split from {resident_id}: {reason}"
    return [review.verdict(c, s, "different", reviewer, note) for c in chosen for s in staying]


def merge_verdicts(con, resident_id: str, other: str, reviewer: str, reason: str) -> list[dict]:
    """'same' between a record of each resident: they become one from the next build_index run."""
    if other == resident_id:
        raise ValueError("a resident cannot be merged with itself")
    mine, theirs = _records_of(con, resident_id), _records_of(con, other)
    if not theirs:
        raise ValueError(f"no resident {other} in the index as at this snapshot")
    return [review.verdict(mine[0], theirs[0], "same", reviewer, f"merge {resident_id} and {other}: {reason}")]


def link_evidence(con, resident_id: str) -> list[dict]:
    """The scored pairs the snapshot holds that touch this resident's records (the review queue's, with
    each comparison's weight), for the page's 'why linked' section."""
    result = con.execute(f"""SELECT unique_id_l, unique_id_r, source_l, source_r, match_probability, match_weight,
                                    reason, breakdown, resident_id_l, resident_id_r
                             FROM review_queue WHERE {_literal(resident_id)} IN (resident_id_l, resident_id_r)
                             ORDER BY match_weight DESC LIMIT 20""")
    cols = [d[0] for d in result.description]
    out = []
    for row in result.fetchall():
        r = dict(zip(cols, row))
        r["breakdown"] = r["breakdown"] if isinstance(r["breakdown"], dict) else json.loads(r["breakdown"])
        out.append(r)
    return out


def waterfall_svg(p: dict, width: int = 560) -> str:
    """Each comparison's weight as a bar from the running total (green for, red against), then the total."""
    parts = [(name, (v or {}).get("weight") or 0.0) for name, v in p["breakdown"].items()]
    total = float(p["match_weight"])
    prior = total - sum(w for _, w in parts)
    steps = [("prior", prior)] + parts
    running, bars = 0.0, []
    for name, w in steps:
        bars.append((name, running, running + w, w))
        running += w
    lo = min([0.0] + [min(a, b) for _, a, b, _ in bars] + [total])
    hi = max([0.0] + [max(a, b) for _, a, b, _ in bars] + [total])
    span = (hi - lo) or 1.0
    left, plot = 110, width - 170
    x = lambda v: left + (v - lo) / span * plot  # noqa: E731
    row, rows = 22, []
    for i, (name, a, b, w) in enumerate(bars + [("total", 0.0, total, total)]):
        y = 8 + i * row
        cls = "total" if name == "total" else "for" if w >= 0 else "against"
        x0, x1 = sorted((x(a), x(b)))
        rows.append(f'<text x="{left - 6}" y="{y + 14}" class="label" text-anchor="end">{name}</text>'
                    f'<rect class="{cls}" x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1):.1f}" height="{row - 8}"/>'
                    f'<text x="{x1 + 4:.1f}" y="{y + 14}" class="value">{w:+.2f}</text>')
    height = 16 + (len(bars) + 1) * row
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="match weight waterfall">'
            f'<line class="zero" x1="{x(0):.1f}" y1="4" x2="{x(0):.1f}" y2="{height - 4}"/>' + "".join(rows) + "</svg>")
