"""Recluster a copy of a built warehouse with this checkout's clustering rules: what a change to clustering,
IDs or the review queue does to a council already built, without scoring a pair again.

Copies `<data>/warehouse.duckdb` to `--work`, runs resolve(full=True) (clusters, IDs, crosswalk), the review
queue and the evaluation against `<data>/truth` on the copy, and prints one JSON line: pairwise P / R / F1,
hard cases merged, queue size, each cannot-link rule's (kept apart rightly, true pairs refused), what the top
500 simulated verdicts add, and the wall time and peak memory of the recluster. The original is not touched.
The "reclustered" figures in docs/benchmarks.md and docs/matching.md come from this script.

    .venv/bin/python bench/bench_recluster.py --data /path/to/data --work /tmp/copy.duckdb
    .venv/bin/python bench/bench_recluster.py --data eastmere-data --work /tmp/em.duckdb \\
        --council resident_index/councils/eastmere --set conflicts.contested_margin=2.0
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a built data folder (warehouse.duckdb, truth/)")
    parser.add_argument("--work", type=Path, required=True, help="where the warehouse copy goes")
    parser.add_argument("--council", type=Path, help="council config folder (default: the bundled one)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override a model.yaml setting for this run (value read as JSON), e.g. "
                             "conflicts.contested_margin=2.0")
    args = parser.parse_args()
    if args.council:
        os.environ["RESIDENT_INDEX_COUNCIL_DIR"] = str(args.council.resolve())
    shutil.copy(args.data / "warehouse.duckdb", args.work)

    import duckdb

    from resident_index.resolution.evaluate import evaluate
    from resident_index.resolution.resolve import resolve
    from resident_index.resolution.review import build_review_queue
    from resident_index.resolution.splink_model import model_config

    cfg = model_config()
    for item in args.set:
        key, value = item.split("=", 1)
        section, name = key.split(".", 1)
        cfg[section][name] = json.loads(value)
    con = duckdb.connect(str(args.work))
    started = time.time()
    resolve(con, cfg, "bench_recluster", full=True)
    clustered = time.time()
    build_review_queue(con, cfg)
    result = evaluate(con, args.data / "truth", cfg=cfg)
    pw = result["pairwise"]
    print(json.dumps({
        "precision": round(pw["precision"], 4), "recall": round(pw["recall"], 4), "f1": round(pw["f1"], 4),
        "bcubed_f1": round(result["bcubed"]["f1"], 4),
        "hard_cases_merged": {h["case"]: f"{h['wrongly_merged']} of {h['pairs_of_people']}"
                              for h in result["hard_cases"]},
        "review_queue": con.execute("SELECT count(*) FROM review_queue").fetchone()[0],
        "cannot_link_rules": {c["rule"]: {"kept_apart_rightly": c["kept_apart_rightly"],
                                          "true_pairs_refused": c["true_pairs_refused"]}
                              for c in result["cannot_link_rules"]},
        "review_top_500": result["review_top_500"],
        "recluster_seconds": round(clustered - started),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
