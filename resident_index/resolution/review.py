"""The reviewer's side: the next pair to look at, and recording a verdict that later runs obey.

Pairs are read from the read snapshot (read_snapshot.py), so a reviewer thinking holds no lock; a verdict
is written to the warehouse's review_decisions in one short transaction. A verdict that could not be
written (a run held the warehouse for the whole wait) is kept as a file in the pending folder and
recorded, in order and with the time it was given, by the next write.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from resident_index import incremental
from resident_index.resolution.resolve import ensure_state
from resident_index.files import replaced_atomically
from resident_index.transactions import transaction
from resident_index.tables import has_table

QUEUE_SQL = Path(__file__).with_name("review_queue.sql")

FIELDS = ("source", "name", "dob", "address", "postcode", "uprn", "nhs_number", "ni_number", "resident_id")


def build_review_queue(con: duckdb.DuckDBPyConnection, cfg: dict) -> dict:
    """Table review_queue (review_queue.sql), recomputing only pairs whose scores, residents or records changed."""
    ensure_state(con)
    sql = QUEUE_SQL.read_text(encoding="utf-8")
    for name in ("link_threshold", "review_threshold"):
        sql = sql.replace(f"${name}", repr(float(cfg[name])))
    inputs_sql, select_sql = sql.rsplit(";", 1)
    con.execute(inputs_sql)
    return incremental.refresh(con, "review_queue", select_sql, "resolution_pairs", incremental.build_key(sql),
                               inputs="_review_inputs", by=("unique_id_l", "unique_id_r"))


#: where verdicts wait (under the data folder) when the warehouse could not be written
PENDING_FOLDER = "review_pending"

#: how a record id is written: the source system and the record's id in it
ID_FORM = "'<source_system>|<source record id>'"


def _key(left: str, right: str) -> str:
    return f"{min(left, right)}\x1f{max(left, right)}"


UNDECIDED = """NOT EXISTS (SELECT 1 FROM review_decisions d
                           WHERE least(d.unique_id_l, d.unique_id_r) = q.unique_id_l
                             AND greatest(d.unique_id_l, d.unique_id_r) = q.unique_id_r)
               AND NOT list_contains(?::VARCHAR[], q.unique_id_l || chr(31) || q.unique_id_r)"""


def next_pair(con: duckdb.DuckDBPyConnection, skipped: set[tuple[str, str]] = frozenset()) -> dict | None:
    """The most likely undecided pair in the queue that is not in `skipped` (the pairs the reviewer
    skipped this session, and those decided since the queue was read)."""
    result = con.execute(f"""
        SELECT * FROM review_queue q WHERE {UNDECIDED}
        ORDER BY priority DESC, match_probability DESC, unique_id_l, unique_id_r
        LIMIT 1""", [sorted(_key(*p) for p in skipped)])
    row = result.fetchone()
    return None if row is None else dict(zip([d[0] for d in result.description], row))


def remaining(con: duckdb.DuckDBPyConnection, decided: set[tuple[str, str]] = frozenset()) -> int:
    """Undecided pairs in the queue, less those in `decided`."""
    return con.execute(f"SELECT count(*) FROM review_queue q WHERE {UNDECIDED}",
                       [sorted(_key(*p) for p in decided)]).fetchone()[0]


def decided_pairs(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """Every pair with a verdict, in id order."""
    return set(con.execute("""SELECT DISTINCT least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r)
                              FROM review_decisions""").fetchall())


def render(pair: dict) -> str:
    """Both records side by side, then what each field contributed to the match weight."""
    width = max(len(str(pair.get(f"{f}_l") or "")) for f in FIELDS) + 2
    moved = pair.get("records_moved")
    lines = [f"{pair['reason']}: match probability {pair['match_probability']} (weight {pair['match_weight']})"
             + (f"; 'same' would move {moved} record(s)" if moved else ""), "",
             f"{'':<12}{pair['unique_id_l']:<{width}}{pair['unique_id_r']}"]
    for f in FIELDS:
        left, right = pair.get(f"{f}_l"), pair.get(f"{f}_r")
        mark = "" if left == right else "  *"
        lines.append(f"{f:<12}{str(left if left is not None else '-'):<{width}}{right if right is not None else '-'}{mark}")
    lines += ["", "match weight by field (positive: evidence of the same person):"]
    breakdown = pair["breakdown"] if isinstance(pair["breakdown"], dict) else json.loads(pair["breakdown"])
    for field, part in breakdown.items():
        weight = part.get("weight")
        lines.append(f"  {field:<12}{'' if weight is None else f'{weight:+.2f}':>8}")
    return "\n".join(lines)


def unknown_record_ids(con: duckdb.DuckDBPyConnection, ids: list[str], table: str = "resolution_input") -> str | None:
    """None when every id is a record in `table` (resolution_input, or resident_crosswalk in the read
    snapshot); else a one-line message naming the unknown ids and the form expected."""
    id_sql = "unique_id" if table == "resolution_input" else "source_system || '|' || source_record_id"
    known = {r[0] for r in con.execute(f"SELECT {id_sql} FROM {table} WHERE {id_sql} IN (SELECT unnest(?::VARCHAR[]))",
                                       [list(ids)]).fetchall()}
    unknown = [i for i in dict.fromkeys(ids) if i not in known]
    if not unknown:
        return None
    systems = [r[0] for r in con.execute(f"SELECT DISTINCT split_part({id_sql}, '|', 1) FROM {table} ORDER BY 1").fetchall()]
    return (f"unknown record id {', '.join(map(repr, unknown))}: expected {ID_FORM} of a record in the index "
            f"(source systems: {', '.join(systems)}), as `resident-index show` and `review` print them")




def verdict_conflict(con: duckdb.DuckDBPyConnection, left: str, right: str) -> str | None:
    """What a "same" verdict on two records runs into, in plain words, or None. Two different NHS or NI
    numbers (on the records or on their residents' other records) keep them apart even so: the verdict is
    kept and the pair shows in the review queue as refused. A rule a verdict overrides (one person listed
    once per address or group, dates of birth, age, contacts) is named too."""
    if not has_table(con, "resident_crosswalk"):
        return None
    held = con.execute("""
        WITH cw AS (SELECT source_system || '|' || source_record_id AS unique_id, resident_id FROM resident_crosswalk),
        side AS (SELECT s.side, list(DISTINCT i.nhs_number) FILTER (i.nhs_number IS NOT NULL) AS nhs,
                        list(DISTINCT i.ni8) FILTER (i.ni8 IS NOT NULL) AS ni
                 FROM (SELECT 'l' AS side, ?::VARCHAR AS unique_id UNION ALL SELECT 'r', ?::VARCHAR) s
                 JOIN cw c USING (unique_id) JOIN cw o ON o.resident_id = c.resident_id
                 JOIN resolution_input i ON i.unique_id = o.unique_id GROUP BY 1)
        SELECT l.nhs, r.nhs, l.ni, r.ni FROM side l, side r WHERE l.side = 'l' AND r.side = 'r'""",
                       [left, right]).fetchone()
    if held is None:
        return None
    nhs_l, nhs_r, ni_l, ni_r = held
    from resident_index.resolution.clustering import _edit_distance_at_most_one

    for kind, a, b, near in (("NHS numbers", nhs_l, nhs_r, lambda x, y: x == y),
                             ("NI numbers", ni_l, ni_r, _edit_distance_at_most_one)):  # an NI typo is one number
        if a and b and not any(near(x, y) for x in a for y in b):
            return (f"warning: {left} and {right} hold different {kind} ({', '.join(a)} and {', '.join(b)}); no "
                    "verdict joins two of those, so they stay apart. Your verdict is kept and the pair shows in the "
                    f"review queue as refused: correct the {kind[:-1]} in the source system, then they link")
    if has_table(con, "cluster_refusals"):
        rules = [r[0] for r in con.execute("""SELECT DISTINCT rule FROM cluster_refusals
                                              WHERE least(a, b) = least(?, ?) AND greatest(a, b) = greatest(?, ?)
                                              ORDER BY 1""", [left, right, left, right]).fetchall()]
        if rules:
            return (f"note: the index kept {left} and {right} apart by rule ({', '.join(rules)}); "
                    "your verdict overrides it from the next build_index run")
    return None


def record_verdict(con: duckdb.DuckDBPyConnection, left: str, right: str, verdict: str, reviewer: str,
                   note: str | None = None, decided_at: str | None = None) -> str | None:
    """One row in review_decisions; decided_at (ISO 8601 with offset) for a verdict given earlier. Returns
    what a "same" verdict runs into (verdict_conflict), for the reviewer to be told there and then."""
    if verdict not in ("same", "different"):
        raise ValueError("verdict must be 'same' or 'different'")
    ensure_state(con)
    if (problem := unknown_record_ids(con, [left, right])) is not None:
        raise ValueError(problem)
    con.execute("""INSERT INTO review_decisions (unique_id_l, unique_id_r, verdict, reviewer, note, decided_at)
                   VALUES (?, ?, ?, ?, ?, coalesce(?::TIMESTAMPTZ, current_timestamp))""",
                [min(left, right), max(left, right), verdict, reviewer, note, decided_at])
    return verdict_conflict(con, left, right) if verdict == "same" else None


def verdict(left: str, right: str, verdict: str, reviewer: str, note: str | None = None) -> dict:
    """A verdict as given now, ready for record_verdict(con, **v) or keep_pending."""
    return {"left": left, "right": right, "verdict": verdict, "reviewer": reviewer, "note": note,
            "decided_at": datetime.now(timezone.utc).isoformat()}


def keep_pending(folder: Path, given: dict) -> Path:
    """Save a verdict that could not be written yet (one private file each, written whole)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = given["decided_at"].replace(":", "").replace("-", "")[:22]
    target = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.json"
    with replaced_atomically(target) as partial:  # private by the process umask (resident_index.files)
        partial.write_text(json.dumps(given), encoding="utf-8")
    return target


def pending(folder: Path) -> list[tuple[Path, dict]]:
    """Verdicts kept by keep_pending, oldest first."""
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def record_pending(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[int, list[str]]:
    """Write every pending verdict (in one transaction) and remove its file; a verdict naming a record
    no longer in the index is renamed to .rejected and reported. Returns (recorded, problems)."""
    kept = pending(folder)
    recorded, problems, rejected = 0, [], []
    with transaction(con):
        for path, given in kept:
            try:
                record_verdict(con, **given)
                recorded += 1
            except ValueError as exc:
                problems.append(f"{path}: {exc}")
                rejected.append(path)
    for path, _ in kept:
        if path in rejected:
            path.rename(path.with_suffix(".rejected"))
        else:
            path.unlink()
    return recorded, problems
