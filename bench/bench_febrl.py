"""Benchmark: matching accuracy on the public FEBRL 3 and 4 datasets, loaded through the source registry.

Lands each dataset as extracts (bench/febrl/registry), runs the whole pipeline with `resident-index run`
in a scratch data folder, and scores the crosswalk against FEBRL's own record ids.
Writes section `febrl` of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from resident_index.benchmarks import machine, write_section
from resident_index.resolution.evaluate import evaluate
from resident_index.synthetic.febrl import land

PROJECT = Path(__file__).resolve().parents[1]


def run(dataset: str) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as tmp:
        registry, data = land(dataset, Path(tmp))
        home = Path(tmp) / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text((PROJECT / "dagster.yaml").read_text()
                                           .replace("base_dir: data/dagster", f"base_dir: {data / 'dagster'}"))
        env = os.environ | {"RESIDENT_INDEX_DATA_DIR": str(data), "RESIDENT_INDEX_SOURCES_DIR": str(registry),
                            "DAGSTER_HOME": str(home), "GX_ANALYTICS_ENABLED": "False"}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "resident_index.cli", "run"], env=env, cwd=PROJECT, check=True,
                       capture_output=True)
        seconds = time.perf_counter() - started
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
            return evaluate(con, data / "truth"), seconds


def main() -> None:
    rows = ["| dataset | records | pairwise precision | pairwise recall | pairwise F1 | B-cubed F1 | whole pipeline (s) |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for dataset in ("febrl3", "febrl4"):
        result, seconds = run(dataset)
        pw = result["pairwise"]
        rows.append(f"| {dataset} | {result['records_evaluated']:,} | {pw['precision']:.4f} | {pw['recall']:.4f} | "
                    f"{pw['f1']:.4f} | {result['bcubed']['f1']:.4f} | {seconds:.0f} |")
    markdown = "\n".join(["## FEBRL 3 and 4 (public benchmark data, through the source registry)", "",
                          f"Machine: {machine()}. Model trained on each dataset itself; target pairwise F1 ≥ 0.99.",
                          "", *rows])
    write_section("febrl", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
