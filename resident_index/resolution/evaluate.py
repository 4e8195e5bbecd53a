"""Accuracy of the crosswalk against the synthetic council's ground truth.

The pipeline never reads the truth to decide anything; this module only scores what it decided.
Pairwise precision / recall / F1 (over all pairs of records put together) and B-cubed (per record,
averaged), overall, by source pair and for the hard cases planted on purpose.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
from resident_index.tables import has_table


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




def _true_person(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    """Temp table _person: each record id (source_system|source_record_id) with its true person."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _person AS
                   SELECT DISTINCT source_system || '|' || source_record_id AS unique_id, person_id
                   FROM read_csv(?, all_varchar = true)""", [str(truth_dir / "records.csv")])


def cannot_link_costs(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per clustering rule (cluster_refusals): links it refused between different people (kept apart rightly)
    and between records of one person that ended in different residents (true pairs it cost)."""
    if not has_table(con, "cluster_refusals"):
        return []
    rows = con.execute("""
        WITH cw AS (SELECT source_system || '|' || source_record_id AS unique_id, resident_id FROM resident_crosswalk)
        SELECT f.rule, count(*) AS refused,
               count(*) FILTER (pa.person_id <> pb.person_id) AS kept_apart_rightly,
               count(*) FILTER (pa.person_id = pb.person_id AND ca.resident_id <> cb.resident_id) AS true_pairs_refused,
               count(*) FILTER (f.how = 'reviewer') AS reviewer_links_refused
        FROM cluster_refusals f
        JOIN _person pa ON pa.unique_id = f.a JOIN _person pb ON pb.unique_id = f.b
        JOIN cw ca ON ca.unique_id = f.a JOIN cw cb ON cb.unique_id = f.b
        GROUP BY 1 ORDER BY 1""").fetchall()
    return [{"rule": r, "links_refused": n, "kept_apart_rightly": good, "true_pairs_refused": bad,
             "reviewer_links_refused": rev} for r, n, good, bad, rev in rows]


def blocking_coverage(con: duckdb.DuckDBPyConnection, rules: list[str]) -> dict:
    """Per blocking rule: the true pairs (two records of one person) it admits, and those it alone admits
    (no other rule would score them); and the true pairs no rule admits (never scored)."""
    if not rules or not has_table(con, "resolution_input"):
        return {}
    flags = ", ".join(f"coalesce(({rule}), false) AS r{i}" for i, rule in enumerate(rules))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _true_pair_rules AS
                    WITH t AS (SELECT i.*, p.person_id FROM resolution_input i JOIN _person p USING (unique_id))
                    SELECT {flags} FROM t l JOIN t r ON l.person_id = r.person_id AND l.unique_id < r.unique_id""")
    any_rule = " OR ".join(f"r{i}" for i in range(len(rules)))
    sums = ", ".join(f"count(*) FILTER (r{i}), count(*) FILTER (r{i} AND NOT ("
                     + (" OR ".join(f"r{j}" for j in range(len(rules)) if j != i) or "false") + "))"
                     for i in range(len(rules)))
    row = con.execute(f"SELECT count(*), count(*) FILTER (NOT ({any_rule})), {sums} FROM _true_pair_rules").fetchone()
    return {"true_pairs": row[0], "never_blocked": row[1],
            "rules": [{"rule": rule, "true_pairs": row[2 + 2 * i], "only_it_admits": row[3 + 2 * i]}
                      for i, rule in enumerate(rules)]}


def review_worth(con: duckdb.DuckDBPyConnection, cfg: dict, top: int = 500) -> dict:
    """The review queue's size, and the pairwise F1 after its `top` pairs are judged (verdicts simulated
    from the truth, here only): reclustered with them as reviewers' verdicts. Needs _person."""
    from resident_index.resolution.resolve import cluster_with_verdicts

    if not has_table(con, "review_queue"):
        return {}
    size = con.execute("SELECT count(*) FROM review_queue").fetchone()[0]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _simulated_verdicts AS
                    SELECT q.unique_id_l, q.unique_id_r,
                           CASE WHEN pl.person_id = pr.person_id THEN 'same' ELSE 'different' END AS verdict
                    FROM (SELECT * FROM review_queue WHERE reason NOT LIKE 'your%'
                          ORDER BY priority DESC, match_probability DESC, unique_id_l, unique_id_r LIMIT {int(top)}) q
                    JOIN _person pl ON pl.unique_id = q.unique_id_l JOIN _person pr ON pr.unique_id = q.unique_id_r""")
    judged, same = con.execute("SELECT count(*), count(*) FILTER (verdict = 'same') FROM _simulated_verdicts").fetchone()
    before = pairwise(con)
    cluster_of = cluster_with_verdicts(con, cfg, "_simulated_verdicts")
    con.register("_simulated_clusters", pa.table({"unique_id": list(cluster_of), "resident_id": list(cluster_of.values())}))
    con.execute("""CREATE OR REPLACE TEMP TABLE _simulated_crosswalk AS
                   SELECT split_part(unique_id, '|', 1) AS source_system,
                          substr(unique_id, length(split_part(unique_id, '|', 1)) + 2) AS source_record_id, resident_id
                   FROM _simulated_clusters""")
    con.unregister("_simulated_clusters")
    return {"queue_pairs": size, "judged": judged, "judged_same": same, "f1_before": before["f1"]}


def evaluate(con: duckdb.DuckDBPyConnection, truth_dir: Path, crosswalk: str = "resident_crosswalk",
             cfg: dict | None = None) -> dict:
    """Accuracy of `crosswalk` against the truth; for the index's own crosswalk also each cannot-link rule's
    cost, each blocking rule's true pairs, and what the top 500 review verdicts would add."""
    load_truth(con, truth_dir, crosswalk)
    result = {"pairwise": pairwise(con), "bcubed": bcubed(con), "by_source_pair": by_source_pair(con),
              "hard_cases": hard_cases(con, truth_dir),
              "records_evaluated": con.execute("SELECT count(*) FROM _ev").fetchone()[0]}
    if crosswalk != "resident_crosswalk":
        return result
    if cfg is None:
        from resident_index.resolution.splink_model import model_config

        cfg = model_config()
    _true_person(con, truth_dir)
    result["cannot_link_rules"] = cannot_link_costs(con)
    result["blocking_rules"] = blocking_coverage(con, cfg.get("blocking_rules", []))
    review = review_worth(con, cfg)
    if review:
        load_truth(con, truth_dir, "_simulated_crosswalk")
        after = pairwise(con)
        review |= {"f1_after": after["f1"], "f1_gain": after["f1"] - review["f1_before"]}
        load_truth(con, truth_dir, crosswalk)
    result["review_top_500"] = review
    return result


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


def rules_markdown(result: dict, title: str = "") -> str:
    """The cannot-link rules' cost, the blocking rules' true pairs and what the review queue's top is worth."""
    lines = []
    review = result.get("review_top_500") or {}
    if review:
        lines += [f"{title}Review queue: {review['queue_pairs']:,} pairs; verdicts on the top {review['judged']:,} "
                  f"({review['judged_same']:,} 'same', simulated from the truth) take pairwise F1 from "
                  f"{review['f1_before']:.4f} to {review['f1_after']:.4f} ({review['f1_gain']:+.4f}).", ""]
    if result.get("cannot_link_rules"):
        lines += [f"{title}Cannot-link rules (links refused, greedy clustering):", "",
                  "| rule | links refused | different people (kept apart rightly) | one person, left apart (cost) |",
                  "|---|---:|---:|---:|"]
        lines += [f"| {r['rule']} | {r['links_refused']:,} | {r['kept_apart_rightly']:,} | {r['true_pairs_refused']:,} |"
                  for r in result["cannot_link_rules"]]
        lines.append("")
    blocking = result.get("blocking_rules") or {}
    if blocking:
        lines += [f"{title}Blocking rules: {blocking['true_pairs']:,} true pairs, {blocking['never_blocked']:,} admitted "
                  "by no rule (never scored).", "",
                  "| blocking rule | true pairs it admits | true pairs only it admits |", "|---|---:|---:|"]
        lines += [f"| `{r['rule']}` | {r['true_pairs']:,} | {r['only_it_admits']:,} |" for r in blocking["rules"]]
        lines.append("")
    return "\n".join(lines)
