"""`resident-index`: the command line (synth, run, suggest-suite, review, find, show, backup, restore)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from resident_index import settings
from resident_index.files import private_dir
from resident_index.tables import has_table


#: `resident-index run`'s exit code when everything was built but an extract was rejected or a landed file
#: refused: non-zero so a scheduler alerts someone, and not 1 (a failure, something not built)
BUILT_WITH_WARNINGS = 3

READ_WAIT = ("how long to wait while a run is writing the warehouse, if no read snapshot has been "
             "published yet (default 120)")


def _synth(args: argparse.Namespace) -> int:
    from resident_index.synthetic import generate_council

    summary = generate_council(residents=args.residents, seed=args.seed, data_dir=settings.data_dir(),
                               as_of=date.fromisoformat(args.as_of), variant=args.variant,
                               council=args.council)
    print(json.dumps(summary, indent=2, default=str))
    return 0


def _run(args: argparse.Namespace) -> int:
    from resident_index.pipeline import run_all, summary

    started = time.perf_counter()
    outcome = run_all(full_rebuild=args.full_rebuild)
    print(summary(time.perf_counter() - started, outcome))
    for failure in outcome.failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    if outcome.failures:
        return 1
    if outcome.rejected or outcome.refused:  # built, but someone must look at a file (docs/operations.md)
        print(f"WARN: built, but {len(outcome.rejected)} extract(s) rejected and {len(outcome.refused)} landed "
              f"file(s) refused: see above (exit code {BUILT_WITH_WARNINGS})", file=sys.stderr)
        return BUILT_WITH_WARNINGS
    return 0


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


def _new_council(args: argparse.Namespace) -> int:
    from resident_index.council import CouncilConfigError, start_council_folder

    try:
        folder = start_council_folder(Path(args.folder), with_sources=args.with_sources)
    except CouncilConfigError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote a council config folder at {folder} (rule files to edit; "
          f"{'the synthetic council' if args.with_sources else 'no'} systems in sources/)")
    print(f"use it: export RESIDENT_INDEX_COUNCIL_DIR={folder.resolve()}  (docs/onboarding-a-council.md)")
    return 0


def _check_config(args: argparse.Namespace) -> int:
    """Validate the council config folder's source YAMLs and rule files: 0 when clean, 2 on any error
    (each naming the file, the key and what was expected); warnings (an output that would be empty) print
    but pass."""
    from resident_index.council import check_council, council_dir

    errors, warnings = check_council()
    print(f"council config folder: {council_dir()}")
    for warning in warnings:
        print(f"WARN: {warning}")
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    print(f"{len(errors)} error(s), {len(warnings)} warning(s)")
    return 2 if errors else 0


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit code 2 (1 for an operational failure)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _dob(text: str | None) -> date | None:
    """--dob as a date; the error says what was wrong and the form expected."""
    if text is None:
        return None
    expected = "expected YYYY-MM-DD, e.g. 1980-03-02"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise CliError(f"--dob {text!r} is not a date: {expected} (02/03/1980 could be March or February)")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CliError(f"--dob {text!r} is not a date: {exc} ({expected})") from None


@contextmanager
def _reading(wait: float):
    """(connection, snapshot info) on the read snapshot, or the warehouse while none is published."""
    from resident_index import read_snapshot, warehouse_lock

    try:
        with read_snapshot.reader(wait=wait, on_wait=_say) as opened:
            yield opened
    except FileNotFoundError as exc:
        raise CliError(str(exc), code=1) from None
    except warehouse_lock.WarehouseBusy as exc:
        raise CliError(str(exc), code=1) from None


def _write_verdicts(given: list[dict], wait: float) -> tuple[bool, set[tuple[str, str]]]:
    """Write the verdicts (and any kept from before) in one short transaction on the warehouse; if a run
    holds it for the whole wait, keep them in the pending folder instead. Returns (written, every pair
    with a verdict in the warehouse now)."""
    from resident_index import warehouse_lock
    from resident_index.resolution import review

    pending = settings.data_dir() / review.PENDING_FOLDER
    try:
        con = warehouse_lock.connect(settings.warehouse_path(), wait=wait, on_wait=_say)
    except warehouse_lock.WarehouseBusy as exc:
        for v in given:
            review.keep_pending(pending, v)
        _say(f"{exc}\nverdict not yet recorded: kept in {pending}; the next `resident-index review` records it")
        return False, set()
    try:
        recorded, problems = review.record_pending(con, pending)
        if recorded:
            _say(f"recorded {recorded} verdict(s) kept from before")
        for problem in problems:
            _say(f"kept verdict not recorded: {problem}")
        for v in given:
            if (conflict := review.record_verdict(con, **v)) is not None:
                _say(conflict)  # a "same" verdict a rule keeps apart, or one it overrides: told now
        return True, review.decided_pairs(con)
    finally:
        con.close()


def _decided_since(wait: float) -> set[tuple[str, str]]:
    """Pairs decided in the warehouse (since the snapshot was published, among them), or none if a run
    holds it; and kept verdicts."""
    from resident_index import warehouse_lock
    from resident_index.resolution import review

    kept = {(min(v["left"], v["right"]), max(v["left"], v["right"]))
            for _, v in review.pending(settings.data_dir() / review.PENDING_FOLDER)}
    if not settings.warehouse_path().exists():
        return kept
    try:
        con = warehouse_lock.connect(settings.warehouse_path(), read_only=True, wait=wait, on_wait=lambda _: None)
    except warehouse_lock.WarehouseBusy:
        return kept
    try:
        return kept | review.decided_pairs(con)
    finally:
        con.close()


def _review(args: argparse.Namespace) -> int:
    """Work the review queue: show the next pair, record a verdict; or record one verdict given in full.

    Pairs come from the read snapshot; the warehouse is opened only to write a verdict."""
    import getpass

    from resident_index import read_snapshot
    from resident_index.resolution import review

    grant = _grant(args, "review", ["review_queue"])
    reviewer = args.reviewer or grant.user
    if args.verdict:
        if not (args.left and args.right):
            raise CliError(f"--verdict needs --left and --right record ids ({review.ID_FORM})")
        if read_snapshot.snapshot_path().exists():  # a mistyped id fails here, before any wait for the warehouse
            with _reading(args.wait) as (con, _):
                if (problem := review.unknown_record_ids(con, [args.left, args.right], "resident_crosswalk")):
                    raise CliError(problem)
        try:
            written, _ = _write_verdicts([review.verdict(args.left, args.right, args.verdict, reviewer, args.note)],
                                         args.wait)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        grant.audit(table="review_decisions", rows=1, detail={"verdict": args.verdict, "left": args.left,
                                                              "right": args.right, "written": written})
        if not written:
            return 1
        print(f"recorded: {args.left} and {args.right} are {args.verdict} ({reviewer}); "
              "it applies from the next build_index run")
        return 0
    with _reading(args.wait) as (con, about):
        if not has_table(con, "review_queue"):
            raise CliError("there is no review queue yet: build_index makes it", code=1)
        print(f"review queue {read_snapshot.as_at(about)}")
        decided = _decided_since(wait=0)
        skipped: set[tuple[str, str]] = set()
        while (pair := review.next_pair(con, skipped | decided)) is not None:
            grant.audit(residents=[pair["resident_id_l"], pair["resident_id_r"]], table="review_queue", rows=1,
                        detail={"pair": [pair["unique_id_l"], pair["unique_id_r"]]})
            print(review.render(pair))
            print(f"\n{review.remaining(con, decided)} pair(s) left in the queue")
            try:
                answer = input("[s]ame person / [d]ifferent people / s[k]ip / [q]uit: ").strip().lower()
            except EOFError:  # stdin closed: the same as quitting
                print()
                break
            if answer in ("q", ""):
                break
            if answer == "k":
                skipped.add((pair["unique_id_l"], pair["unique_id_r"]))
                continue
            if answer in ("s", "d"):
                verdict = "same" if answer == "s" else "different"
                given = review.verdict(pair["unique_id_l"], pair["unique_id_r"], verdict, reviewer)
                written, now_decided = _write_verdicts([given], args.wait)
                grant.audit(residents=[pair["resident_id_l"], pair["resident_id_r"]], table="review_decisions",
                            rows=1, detail={"verdict": verdict, "pair": [pair["unique_id_l"], pair["unique_id_r"]],
                                            "written": written})
                decided |= now_decided | {(pair["unique_id_l"], pair["unique_id_r"])}
                print(f"recorded: {verdict}\n" if written else f"kept: {verdict} (recorded when the warehouse is free)\n")
            else:
                print(f"{answer!r} is not one of s, d, k, q")
        else:
            print("the review queue is empty")
    return 0


def _grant(args: argparse.Namespace, action: str, tables: list[str]):
    """The access layer's Grant for this command, as every protection command gets it."""
    from resident_index.protection.commands import authorised

    return authorised(args, action, tables)


def _find(args: argparse.Namespace) -> int:
    from resident_index import read_snapshot
    from resident_index.golden import lookup

    dob = _dob(args.dob)
    grant = _grant(args, "find", ["golden_residents"])
    with _reading(args.wait) as (con, about):
        found = grant.filter_found(lookup.find(con, args.name, dob, args.postcode,
                                               exclude=grant.hidden_residents(con)))
    grant.audit(residents=[f["resident_id"] for f in found], table="golden_residents", rows=len(found),
                detail={"name": args.name, "dob": args.dob, "postcode": args.postcode})
    if args.json:
        _say(read_snapshot.as_at(about))
        print(json.dumps(found, default=str, indent=2))
    else:
        print(f"{read_snapshot.as_at(about)}\n{lookup.render_found(found)}")
    return 0 if found else 1


def _show(args: argparse.Namespace) -> int:
    from resident_index import read_snapshot
    from resident_index.golden import lookup

    grant = _grant(args, "show", ["golden_residents"])
    with _reading(args.wait) as (con, about):
        hidden = args.resident_id in grant.hidden_residents(con)
        person = None if hidden else lookup.show(con, args.resident_id)
        person = person and grant.filter_person(person)
    if person is None:
        grant.audit(residents=[args.resident_id], table="golden_residents", rows=0,
                    detail="restricted: not shown" if hidden else "no such resident")
        _say(f"no resident {args.resident_id} ({read_snapshot.as_at(about)})")
        return 1
    grant.audit(residents=[args.resident_id, *(m["resident_id"] for m in person["household"]),
                           *(r["related_resident_id"] for r in person["relationships"])],
                table="golden_residents", rows=1, detail={"shown": args.resident_id})
    _say(f"shown to {grant.user} for purpose {grant.purpose_id}: what it does not cover is withheld")
    if args.json:
        print(json.dumps({**person, "as_at": read_snapshot.as_at(about)}, default=str, indent=2))
    else:
        print(f"{lookup.render(person)}\n\n{read_snapshot.as_at(about)}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from resident_index import backup, warehouse_lock

    try:
        manifest = backup.backup(Path(args.folder), wait=args.wait, on_wait=_say)
    except (backup.BackupError, warehouse_lock.WarehouseBusy) as exc:
        raise CliError(str(exc), code=1) from None
    print(f"backed up {len(manifest['tables'])} tables ({sum(manifest['tables'].values())} rows) and "
          f"{len(manifest['models'])} model file(s) to {args.folder}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from resident_index import backup

    try:
        done = backup.restore(Path(args.folder), force=args.force)
    except backup.BackupError as exc:
        raise CliError(str(exc), code=1) from None
    print(f"restored {done['tables']} tables ({done['rows']} rows) from the backup of {done['backup_created_at']}; "
          f"read snapshot: {done['snapshot']}")
    for kept in done["kept"]:
        print(f"the replaced files are kept at {kept}")
    return 0


def _access_arguments(p: argparse.ArgumentParser) -> None:
    from resident_index.protection.commands import access_arguments

    access_arguments(p)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="resident-index", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="generate the synthetic council into the data folder")
    p.add_argument("--residents", type=int, default=3000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--as-of", default="2026-11-01", help="date of the latest extract (YYYY-MM-DD)")
    p.add_argument("--variant", choices=["standard", "hard"], default="standard",
                   help="hard: one snapshot, CRM names in any order without commas, a third of CRM contacts "
                        "without an address, mobiles and landlines in one phone column (docs/synthetic-council.md)")
    p.add_argument("--council", choices=["northbridge", "eastmere"], default="northbridge",
                   help="eastmere: a second council's layout (its systems, columns, codes and formats; one snapshot); "
                        "run it with RESIDENT_INDEX_COUNCIL_DIR=resident_index/councils/eastmere")
    p.set_defaults(func=_synth)

    p = sub.add_parser("run", help="materialise the whole asset graph headless (every landed extract, then the index)")
    p.add_argument("--full-rebuild", action="store_true", help="rescore all pairs, not only new and changed records")
    p.set_defaults(func=_run)

    p = sub.add_parser("suggest-suite", help="write the default Great Expectations suite beside a source's YAML")
    p.add_argument("source")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=_suggest_suite)

    p = sub.add_parser("new-council", help="start a council config folder (every rule file, to edit) for RESIDENT_INDEX_COUNCIL_DIR")
    p.add_argument("folder")
    p.add_argument("--with-sources", action="store_true", help="copy the synthetic council's source YAMLs too")
    p.set_defaults(func=_new_council)

    p = sub.add_parser("check-config", help="validate the council config folder (sources and rule files)")
    p.set_defaults(func=_check_config)

    p = sub.add_parser("review", help="work the matching review queue (verdicts apply from the next run)")
    p.add_argument("--reviewer", help="your name for the audit trail (default: your login)")
    p.add_argument("--left", help="record id '<source_system>|<record id>' (with --verdict)")
    p.add_argument("--right", help="the other record id (with --verdict)")
    p.add_argument("--verdict", choices=["same", "different"], help="record this verdict without prompting")
    p.add_argument("--note")
    p.add_argument("--wait", type=float, default=120.0, metavar="SECONDS",
                   help="how long to wait to write a verdict while a run holds the warehouse (default 120)")
    _access_arguments(p)
    p.set_defaults(func=_review)

    p = sub.add_parser("find", help="find residents by name (any name they have used), ranked")
    p.add_argument("name")
    p.add_argument("--dob", help="YYYY-MM-DD")
    p.add_argument("--postcode")
    p.add_argument("--json", action="store_true")
    p.add_argument("--wait", type=float, default=120.0, metavar="SECONDS", help=READ_WAIT)
    _access_arguments(p)
    p.set_defaults(func=_find)

    p = sub.add_parser("show", help="a resident's golden record with lineage, addresses, household, timeline")
    p.add_argument("resident_id")
    p.add_argument("--json", action="store_true")
    p.add_argument("--wait", type=float, default=120.0, metavar="SECONDS", help=READ_WAIT)
    _access_arguments(p)
    p.set_defaults(func=_show)

    from resident_index.protection.commands import add_commands

    add_commands(sub, CliError)  # export, sar, request, share, audit, records (docs/data-protection.md)

    from resident_index.web.users import add_command as add_web_user

    add_web_user(sub, CliError)  # web-user: passwords for the web app (docs/web.md)

    p = sub.add_parser("backup", help="copy the warehouse (under its lock) and the trained model into a new folder")
    p.add_argument("folder")
    p.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                   help="how long to wait while a run is writing the warehouse (default 600)")
    p.set_defaults(func=_backup)

    p = sub.add_parser("restore", help="put back the warehouse and model from a `backup` folder")
    p.add_argument("folder")
    p.add_argument("--force", action="store_true", help="replace an existing warehouse (kept beside it)")
    p.set_defaults(func=_restore)

    args = parser.parse_args(argv)
    private_dir(settings.data_dir())  # extracts, warehouse, exports: personal data (resident_index.files)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"resident-index {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`, which stopped reading
        sys.stdout = open(os.devnull, "w")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
