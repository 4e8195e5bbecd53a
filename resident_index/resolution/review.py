"""The reviewer's side: the next pair to look at, and recording a verdict that later runs obey."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from resident_index import incremental
from resident_index.resolution.resolve import ensure_state

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


def next_pair(con: duckdb.DuckDBPyConnection, skipped: set[tuple[str, str]] = frozenset()) -> dict | None:
    """The most likely undecided pair in the queue that the reviewer has not skipped this session
    (decisions made since the queue was built are left out too)."""
    ensure_state(con)
    result = con.execute("""
        SELECT * FROM review_queue q
        WHERE NOT EXISTS (SELECT 1 FROM review_decisions d
                          WHERE least(d.unique_id_l, d.unique_id_r) = q.unique_id_l
                            AND greatest(d.unique_id_l, d.unique_id_r) = q.unique_id_r)
        ORDER BY match_probability DESC, unique_id_l, unique_id_r
        LIMIT ?""", [len(skipped) + 1])
    columns = [d[0] for d in result.description]
    for row in result.fetchall():
        pair = dict(zip(columns, row))
        if (pair["unique_id_l"], pair["unique_id_r"]) not in skipped:
            return pair
    return None


def remaining(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("""SELECT count(*) FROM review_queue q WHERE NOT EXISTS (
                            SELECT 1 FROM review_decisions d
                            WHERE least(d.unique_id_l, d.unique_id_r) = q.unique_id_l
                              AND greatest(d.unique_id_l, d.unique_id_r) = q.unique_id_r)""").fetchone()[0]


def render(pair: dict) -> str:
    """Both records side by side, then what each field contributed to the match weight."""
    width = max(len(str(pair.get(f"{f}_l") or "")) for f in FIELDS) + 2
    lines = [f"{pair['reason']}: match probability {pair['match_probability']} (weight {pair['match_weight']})", "",
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


def record_verdict(con: duckdb.DuckDBPyConnection, left: str, right: str, verdict: str, reviewer: str,
                   note: str | None = None) -> None:
    if verdict not in ("same", "different"):
        raise ValueError("verdict must be 'same' or 'different'")
    ensure_state(con)
    known = con.execute("SELECT count(*) FROM resolution_input WHERE unique_id IN (?, ?)", [left, right]).fetchone()[0]
    if known != 2:
        raise ValueError(f"unknown record id(s): {left!r}, {right!r} (expected '<source_system>|<record id>')")
    con.execute("INSERT INTO review_decisions (unique_id_l, unique_id_r, verdict, reviewer, note) VALUES (?, ?, ?, ?, ?)",
                [min(left, right), max(left, right), verdict, reviewer, note])
