"""Benchmark: generate a 300,000-resident synthetic council (seed 1) and record time, memory and volumes.

Writes section `synth` of docs/benchmarks.md. Run with `make bench` or `.venv/bin/python bench/bench_synth.py`
(optionally `--residents N`).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from resident_index.benchmarks import machine, measure, stages_table, write_section
from resident_index.synthetic import generate_council


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with measure("generate_council") as stage:
            summary = generate_council(args.residents, args.seed, Path(tmp) / "data")
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    rows = ["| system | records (as_of - 1) | records (as_of) |", "|---|---:|---:|"]
    total = 0
    for system, days in summary["records"].items():
        first, last = (days[d] for d in sorted(days))
        total += first + last
        rows.append(f"| {system} | {first:,} | {last:,} |")
    rows.append(f"| **all** | | **{total:,}** (both days) |")
    markdown = "\n".join([
        f"## Synthetic council generator ({args.residents:,} residents, seed {args.seed})",
        "",
        f"Machine: {machine()}.",
        "",
        stages_table([stage]),
        "",
        f"{summary['residents']:,} current residents in {summary['households']:,} households; "
        f"{summary['addresses']:,} addresses ({summary['gazetteer_rows']:,} gazetteer rows with buildings); "
        f"{summary['persons_ever']:,} people over the four-year history; {size / 2**20:,.0f} MiB written.",
        "",
        *rows,
    ])
    write_section("synth", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
