"""`resident-index`: the command line (synth, run, suggest-suite, review, find, show)."""

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
    failures = run_all(full_rebuild=args.full_rebuild)
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


def _warehouse(read_only: bool = False):
    import duckdb

    path = settings.warehouse_path()
    if not path.exists():
        raise SystemExit(f"{path} does not exist yet: run `make demo` (or `resident-index run`) first")
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise SystemExit(f"{path} is busy (a run is writing to it); try again when it finishes\n{exc}") from exc


def _review(args: argparse.Namespace) -> int:
    """Work the review queue: show the next pair, record a verdict; or record one verdict given in full."""
    import getpass

    from resident_index.resolution import review

    reviewer = args.reviewer or getpass.getuser()
    con = _warehouse()
    try:
        if args.verdict:
            if not (args.left and args.right):
                raise SystemExit("--verdict needs --left and --right record ids ('<source_system>|<record id>')")
            review.record_verdict(con, args.left, args.right, args.verdict, reviewer, args.note)
            print(f"recorded: {args.left} and {args.right} are {args.verdict} ({reviewer}); "
                  "it applies from the next build_index run")
            return 0
        skipped: set[tuple[str, str]] = set()
        while (pair := review.next_pair(con, skipped)) is not None:
            print(review.render(pair))
            print(f"\n{review.remaining(con)} pair(s) left in the queue")
            answer = input("[s]ame person / [d]ifferent people / s[k]ip / [q]uit: ").strip().lower()
            if answer in ("q", ""):
                break
            if answer == "k":
                skipped.add((pair["unique_id_l"], pair["unique_id_r"]))
                continue
            if answer in ("s", "d"):
                verdict = "same" if answer == "s" else "different"
                review.record_verdict(con, pair["unique_id_l"], pair["unique_id_r"], verdict, reviewer)
                print(f"recorded: {verdict}\n")
        else:
            print("the review queue is empty")
    finally:
        con.close()
    return 0


def _find(args: argparse.Namespace) -> int:
    from resident_index.golden import lookup

    con = _warehouse(read_only=True)
    try:
        found = lookup.find(con, args.name, date.fromisoformat(args.dob) if args.dob else None, args.postcode)
    finally:
        con.close()
    print(json.dumps(found, default=str, indent=2) if args.json else lookup.render_found(found))
    return 0 if found else 1


def _show(args: argparse.Namespace) -> int:
    from resident_index.golden import lookup

    con = _warehouse(read_only=True)
    try:
        person = lookup.show(con, args.resident_id)
    finally:
        con.close()
    if person is None:
        print(f"no resident {args.resident_id}", file=sys.stderr)
        return 1
    print(json.dumps(person, default=str, indent=2) if args.json else lookup.render(person))
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
    p.add_argument("--full-rebuild", action="store_true", help="rescore all pairs, not only new and changed records")
    p.set_defaults(func=_run)

    p = sub.add_parser("suggest-suite", help="write the default Great Expectations suite beside a source's YAML")
    p.add_argument("source")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=_suggest_suite)

    p = sub.add_parser("review", help="work the matching review queue (verdicts apply from the next run)")
    p.add_argument("--reviewer", help="your name for the audit trail (default: your login)")
    p.add_argument("--left", help="record id '<source_system>|<record id>' (with --verdict)")
    p.add_argument("--right", help="the other record id (with --verdict)")
    p.add_argument("--verdict", choices=["same", "different"], help="record this verdict without prompting")
    p.add_argument("--note")
    p.set_defaults(func=_review)

    p = sub.add_parser("find", help="find residents by name (any name they have used), ranked")
    p.add_argument("name")
    p.add_argument("--dob", help="YYYY-MM-DD")
    p.add_argument("--postcode")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_find)

    p = sub.add_parser("show", help="a resident's golden record with lineage, addresses, household, timeline")
    p.add_argument("resident_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_show)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
