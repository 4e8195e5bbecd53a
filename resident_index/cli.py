"""`resident-index`: the command line for data engineers (synth, run, suggest-suite)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from resident_index import settings


def _synth(args: argparse.Namespace) -> int:
    from resident_index.synthetic import generate_council

    summary = generate_council(residents=args.residents, seed=args.seed, data_dir=settings.data_dir(),
                               as_of=date.fromisoformat(args.as_of))
    print(json.dumps(summary, indent=2, default=str))
    return 0


def _run(args: argparse.Namespace) -> int:
    from resident_index.pipeline import run_all, summary

    started = time.perf_counter()
    failures = run_all()
    print(summary(time.perf_counter() - started))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _suggest_suite(args: argparse.Namespace) -> int:
    from resident_index.quality.suite import default_suite
    from resident_index.sources.spec import load_spec, registry_dir

    path = registry_dir() / f"{args.source}.yaml"
    target = path.with_suffix(".expectations.json")
    if target.exists() and not args.force:
        print(f"{target} exists; use --force to overwrite", file=sys.stderr)
        return 1
    target.write_text(json.dumps(default_suite(load_spec(path)), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="resident-index", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="generate the synthetic council into the data folder")
    p.add_argument("--residents", type=int, default=3000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--as-of", default="2026-11-01", help="date of the latest extract (YYYY-MM-DD)")
    p.set_defaults(func=_synth)

    p = sub.add_parser("run", help="materialise the whole asset graph headless (every landed extract, then the index)")
    p.set_defaults(func=_run)

    p = sub.add_parser("suggest-suite", help="write the default Great Expectations suite beside a source's YAML")
    p.add_argument("source")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=_suggest_suite)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
