"""Blocking coverage of rule sets on a built warehouse: what a change to `blocking_rules` costs and saves,
without scoring a pair.

For each rule set (the council's model.yaml, and each `--rules` file: a model.yaml or a YAML list of rules),
prints one JSON line: the comparisons the set admits (each pair counted once, as Splink scores it) and the
true pairs (two records of one person in `<data>/truth`) no rule admits. A pair's score does not depend on
which rule admitted it, so a set that admits every true pair the other does loses no link. The table
"Date of birth alone, kept for both names mistyped" in docs/matching.md comes from this script, e.g.

    git show 5eb12cf:resident_index/councils/northbridge/model.yaml > /tmp/before.yaml
    .venv/bin/python bench/bench_blocking.py --data data --rules /tmp/before.yaml
    .venv/bin/python bench/bench_blocking.py --data eastmere-data --council resident_index/councils/eastmere \\
        --rules /tmp/before.yaml

Read-only on the warehouse; single-threaded, so it can run beside a build.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import duckdb
import yaml


def rule_set(path: Path) -> list[str]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded["blocking_rules"] if isinstance(loaded, dict) else loaded


def coverage(con: duckdb.DuckDBPyConnection, rules: list[str]) -> dict:
    """Comparisons the rules admit and true pairs none admits (temp table _records: resolution_input + person)."""
    started = time.perf_counter()
    con.execute("CREATE OR REPLACE TEMP TABLE _admitted (l VARCHAR, r VARCHAR, same BOOLEAN)")
    for rule in rules:  # a pair an earlier rule admitted is not counted again, as Splink does not score it twice
        con.execute(f"""INSERT INTO _admitted
                        SELECT l.unique_id, r.unique_id, l.person_id = r.person_id
                        FROM _records l JOIN _records r ON l.unique_id < r.unique_id AND ({rule})
                        ANTI JOIN _admitted a ON a.l = l.unique_id AND a.r = r.unique_id""")
    comparisons, true_admitted = con.execute("SELECT count(*), count(*) FILTER (same) FROM _admitted").fetchone()
    true_pairs = con.execute("""SELECT count(*) FROM _records l JOIN _records r
                                ON l.person_id = r.person_id AND l.unique_id < r.unique_id""").fetchone()[0]
    return {"rules": len(rules), "comparisons": comparisons, "true_pairs": true_pairs,
            "true_pairs_no_rule_admits": true_pairs - true_admitted,
            "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a built data folder (warehouse.duckdb, truth/)")
    parser.add_argument("--council", type=Path, help="council config folder (default RESIDENT_INDEX_COUNCIL_DIR "
                                                     "or the bundled one)")
    parser.add_argument("--rules", type=Path, action="append", default=[],
                        help="another rule set to measure beside the council's (repeatable)")
    args = parser.parse_args()
    if args.council:
        os.environ["RESIDENT_INDEX_COUNCIL_DIR"] = str(args.council.resolve())
    from resident_index.council import config_file

    con = duckdb.connect(str(args.data / "warehouse.duckdb"), read_only=True)
    con.execute("SET threads = 1")
    con.execute("""CREATE TEMP TABLE _records AS
                   SELECT i.*, t.person_id FROM resolution_input i
                   LEFT JOIN (SELECT DISTINCT source_system || '|' || source_record_id AS unique_id, person_id
                              FROM read_csv(?, all_varchar = true)) t USING (unique_id)""",
                [str(args.data / "truth" / "records.csv")])
    for path in [config_file("model.yaml"), *args.rules]:
        print(json.dumps({"rule_set": str(path), **coverage(con, rule_set(path))}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
