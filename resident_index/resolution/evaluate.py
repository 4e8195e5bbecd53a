"""Accuracy of the crosswalk against the synthetic council's ground truth.

The pipeline never reads the truth to decide anything; this module only scores what it decided.
Pairwise precision / recall / F1 (over all pairs of records put together) and B-cubed (per record,
averaged), overall, by source pair and for the hard cases planted on purpose.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def load_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path, crosswalk: str = "resident_crosswalk") -> None:
    """Temp table _ev: each crosswalk record with its resident id and its true person."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ev AS
        SELECT c.source_system, c.source_record_id, c.resident_id, t.person_id
        FROM {crosswalk} c
        JOIN (SELECT DISTINCT source_system, source_record_id, person_id
              FROM read_csv(?, all_varchar = true)) t USING (source_system, source_record_id)
    """, [str(truth_dir / "records.csv")])


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def pairwise(con: duckdb.DuckDBPyConnection) -> dict:
    tp, predicted, true = con.execute("""
        SELECT (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) n FROM _ev GROUP BY resident_id, person_id)),
               (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) n FROM _ev GROUP BY resident_id)),
               (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) n FROM _ev GROUP BY person_id))
    """).fetchone()
    p = tp / predicted if predicted else 1.0
    r = tp / true if true else 1.0
    return {"precision": p, "recall": r, "f1": _f1(p, r), "true_pairs": int(true), "predicted_pairs": int(predicted)}


def bcubed(con: duckdb.DuckDBPyConnection) -> dict:
    """Averages of per-record fractions, each fixed to 15 places and added exactly as decimals: DuckDB adds
    doubles in whatever order its threads finish, and the last bits moved between identical runs."""
    p, r = con.execute("""
        SELECT avg((both_n / pred_n)::DECIMAL(18, 15)), avg((both_n / true_n)::DECIMAL(18, 15)) FROM (
            SELECT count(*) OVER (PARTITION BY resident_id, person_id) AS both_n,
                   count(*) OVER (PARTITION BY resident_id) AS pred_n,
                   count(*) OVER (PARTITION BY person_id) AS true_n
            FROM _ev)""").fetchone()
    return {"precision": p, "recall": r, "f1": _f1(p, r)}


def by_source_pair(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Pairwise figures for each pair of source systems (a record pair's two systems, in name order)."""
    rows = con.execute("""
        WITH groups AS (
            SELECT 'tp' AS kind, resident_id || '~' || person_id AS grp, source_system, count(*) AS k FROM _ev GROUP BY ALL
            UNION ALL SELECT 'pred', resident_id, source_system, count(*) FROM _ev GROUP BY ALL
            UNION ALL SELECT 'true', person_id, source_system, count(*) FROM _ev GROUP BY ALL),
        pairs AS (
            SELECT a.kind, a.source_system AS source_a, b.source_system AS source_b,
                   CASE WHEN a.source_system = b.source_system THEN a.k * (a.k - 1) / 2 ELSE a.k * b.k END AS n
            FROM groups a JOIN groups b ON a.kind = b.kind AND a.grp = b.grp AND a.source_system <= b.source_system)
        SELECT source_a, source_b, sum(n) FILTER (kind = 'tp'), sum(n) FILTER (kind = 'pred'), sum(n) FILTER (kind = 'true')
        FROM pairs GROUP BY 1, 2 HAVING sum(n) FILTER (kind = 'true') > 0 OR sum(n) FILTER (kind = 'pred') > 0
        ORDER BY 1, 2""").fetchall()
    out = []
    for a, b, tp, pred, true in rows:
        tp, pred, true = tp or 0, pred or 0, true or 0
        p, r = (tp / pred if pred else 1.0), (tp / true if true else 1.0)
        out.append({"sources": f"{a} ~ {b}", "precision": p, "recall": r, "f1": _f1(p, r), "true_pairs": int(true)})
    return out


def hard_cases(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> list[dict]:
    """For each kind of planted hard case: how many of its pairs of people share a resident ID (wrongly)."""
    path = truth_dir / "hard_cases.csv"
    if not path.exists():
        return []
    rows = con.execute("""
        WITH cases AS (SELECT case_type, person_id_a, person_id_b FROM read_csv(?, all_varchar = true)),
        residents AS (SELECT DISTINCT person_id, resident_id FROM _ev)
        SELECT c.case_type, count(*) AS pairs,
               count(*) FILTER (EXISTS (SELECT 1 FROM residents a JOIN residents b USING (resident_id)
                                        WHERE a.person_id = c.person_id_a AND b.person_id = c.person_id_b)) AS merged
        FROM cases c GROUP BY 1 ORDER BY 1""", [str(path)]).fetchall()
    return [{"case": case, "pairs_of_people": pairs, "wrongly_merged": merged} for case, pairs, merged in rows]


def evaluate(con: duckdb.DuckDBPyConnection, truth_dir: Path, crosswalk: str = "resident_crosswalk") -> dict:
    load_truth(con, truth_dir, crosswalk)
    return {"pairwise": pairwise(con), "bcubed": bcubed(con), "by_source_pair": by_source_pair(con),
            "hard_cases": hard_cases(con, truth_dir),
            "records_evaluated": con.execute("SELECT count(*) FROM _ev").fetchone()[0]}


def markdown(result: dict) -> str:
    pw, b3 = result["pairwise"], result["bcubed"]
    lines = ["| measure | precision | recall | F1 |", "|---|---:|---:|---:|",
             f"| pairwise | {pw['precision']:.4f} | {pw['recall']:.4f} | {pw['f1']:.4f} |",
             f"| B-cubed | {b3['precision']:.4f} | {b3['recall']:.4f} | {b3['f1']:.4f} |"]
    if result["hard_cases"]:
        lines += ["", "| hard case | pairs of people | wrongly merged |", "|---|---:|---:|"]
        lines += [f"| {h['case']} | {h['pairs_of_people']} | {h['wrongly_merged']} |" for h in result["hard_cases"]]
    return "\n".join(lines)


def source_pair_markdown(result: dict) -> str:
    lines = ["| sources | true pairs | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {r['sources']} | {r['true_pairs']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |"
              for r in result["by_source_pair"]]
    return "\n".join(lines)
