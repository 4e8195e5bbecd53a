"""The data protection commands of `resident-index`: export, sar, request, share, audit, records.

Each goes through the access layer (access.authorise) and writes its audit entry; a refusal exits 4.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def access_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", help="who you are in protection/access.yaml (default: your login, mapped there)")
    p.add_argument("--purpose", help="what this is for (default: your one purpose that covers it; "
                                     "protection/purposes.yaml)")


#: the CLI's error class (exit code and one line), given by add_commands: `python -m resident_index.cli` runs
#: the CLI as __main__, so importing resident_index.cli here would give another class main() does not catch
_CLI_ERROR: type[Exception] = RuntimeError


def _error(message: str, code: int = 2):
    return _CLI_ERROR(message, code)


def authorised(args, action: str, tables: list[str]):
    """The access layer's Grant for a command (protection/access.py): refused (exit 4), with the refusal
    audited, when the user or the purpose may not read `tables`."""
    from resident_index.council import CouncilConfigError
    from resident_index.protection.access import AccessDenied, authorise

    try:
        return authorise(action, tables, user=args.user, purpose=args.purpose)
    except AccessDenied as exc:
        raise _error(f"refused: {exc}", code=4) from None
    except CouncilConfigError as exc:
        raise _error(str(exc)) from None


def _warehouse(wait: float):
    from resident_index import settings, warehouse_lock

    if not settings.warehouse_path().exists():
        raise _error(f"{settings.warehouse_path()} does not exist yet: run `make demo` (or `resident-index run`) first",
                     code=1)
    try:
        return warehouse_lock.connect(settings.warehouse_path(), read_only=True, wait=wait,
                                      on_wait=lambda line: print(line, file=sys.stderr, flush=True))
    except warehouse_lock.WarehouseBusy as exc:
        raise _error(str(exc), code=1) from None


def _export(args) -> int:
    from resident_index.protection.exports import ExportRefused, export_for

    grant = authorised(args, "export", [args.table])
    con = _warehouse(args.wait)
    try:
        done = export_for(grant, con, args.table, Path(args.out) if args.out else None)
    except ExportRefused as exc:
        raise _error(str(exc), code=1) from None
    finally:
        con.close()
    print(f"wrote {done['rows']} rows of {args.table} for {grant.user} ({grant.purpose_id}) to {done['path']}")
    for note in done["notes"]:
        print(f"  {note}")
    return 0


def _sar(args) -> int:
    from resident_index.protection import sar

    args.purpose = args.purpose or "subject_access"
    grant = authorised(args, "sar", list(sar.TABLES))
    con = _warehouse(args.wait)
    try:
        folder = sar.subject_access(grant, con, args.resident_id, Path(args.out) if args.out else None)
    except sar.NoSuchResident as exc:
        raise _error(str(exc), code=1) from None
    finally:
        con.close()
    print(f"wrote the subject access export of {args.resident_id} to {folder} (report.html, subject_access.json)")
    return 0


def _request(args) -> int:
    from resident_index import read_snapshot
    from resident_index.protection import rights

    grant = authorised(args, "request", ["resident_crosswalk"] if args.kind == "worklist" else ["golden_residents"])
    if grant.purpose_id != "subject_access" and not grant.purpose.overrides_restriction:
        raise grant.refuse(f"requests are recorded for purpose subject_access, not {grant.purpose_id}")
    with read_snapshot.reader(wait=args.wait) as (con, _):
        if args.kind == "worklist":
            present = {rights.record_key(s, r) for s, r in
                       con.execute("SELECT source_system, source_record_id FROM resident_crosswalk").fetchall()}
            rows = rights.worklist(present)
            grant.audit(table="resident_crosswalk", rows=len(rows), detail="erasure worklist")
            from resident_index.golden.lookup import _table

            print(_table(rows, ["source_system", "source_record_id", "resident_id", "requested_at", "reference",
                                "status"]) if rows else "no erasure request is in force")
            return 0
        if not args.resident_id:
            raise _error(f"request {args.kind} needs a resident id")
        records = con.execute("SELECT source_system, source_record_id FROM resident_crosswalk WHERE resident_id = ? "
                              "ORDER BY ALL", [args.resident_id]).fetchall()
    if not records and args.kind != "lift":
        raise _error(f"no resident {args.resident_id} in the index", code=1)
    protection = grant.protection
    if args.kind == "erase":
        allowed = ["subject_access"]
    else:
        allowed = args.allow or [p for p, spec in protection.purposes.items() if spec.overrides_restriction]
        unknown = sorted(set(allowed) - set(protection.purposes))
        if unknown:
            raise _error(f"--allow: unknown purposes {unknown}; expected some of {sorted(protection.purposes)}")
    if not args.reason:
        raise _error("--reason is required: what the resident asked, in a few words")
    done = rights.make_request(args.kind, args.resident_id, records, allowed, grant.user, args.reason, args.reference)
    grant.audit(residents=[args.resident_id], table="resident_crosswalk", rows=len(records),
                detail={"request": args.kind, "request_seq": done["seq"], "allowed_purposes": done["allowed_purposes"]})
    what = {"restrict": f"restricted: hidden from every purpose but {', '.join(allowed)}",
            "erase": f"erasure recorded: hidden from every purpose but subject_access; {len(records)} source "
                     "record(s) on the owners' worklist (`resident-index request worklist`)",
            "lift": "the request in force is lifted"}[args.kind]
    print(f"{args.resident_id}: {what}")
    return 0


def _share(args) -> int:
    from resident_index.protection import sharing

    if args.register:
        from resident_index.protection.config import load_protection

        print(sharing.register_markdown(load_protection()))
        return 0
    if not args.agreement:
        raise _error("share needs an agreement name (protection/sharing.yaml), or --register")
    from resident_index.protection.config import load_protection

    protection = load_protection()
    if args.agreement not in protection.agreements:
        raise _error(f"no agreement {args.agreement!r} in protection/sharing.yaml; agreements: "
                     f"{', '.join(protection.agreements) or 'none'}")
    agreement = protection.agreements[args.agreement]
    args.purpose = args.purpose or agreement.purpose
    if args.purpose != agreement.purpose:
        raise _error(f"agreement {args.agreement} is for purpose {agreement.purpose}, not {args.purpose}")
    grant = authorised(args, "share", ["golden_residents"])
    con = _warehouse(args.wait)
    try:
        done = sharing.export_agreement(grant, con, args.agreement, Path(args.out) if args.out else None)
    finally:
        con.close()
    print(f"wrote {done['rows']} pseudonymised rows for {agreement.partner} ({args.agreement}) to {done['path']}; "
          f"{done['left_out']} resident(s) left out: {done['left_out_why']}")
    return 0


def _audit(args) -> int:
    from resident_index.protection import audit
    from resident_index.protection.ledger import LedgerBroken

    args.purpose = args.purpose or "accountability"
    grant = authorised(args, "audit", ["audit_log"])
    if args.what == "verify":
        try:
            result = {"audit": audit.ledger().verify()}
            from resident_index.protection import rights

            result["requests"] = rights.ledger().verify()
        except LedgerBroken as exc:
            grant.audit(table="audit_log", detail={"verify": "broken", "problem": str(exc)})
            print(f"BROKEN: {exc}", file=sys.stderr)
            return 1
        grant.audit(table="audit_log", detail={"verify": "holds"})
        print(f"the audit log holds: {result['audit']['entries']} entries as written; requests: "
              f"{result['requests']['entries']} entries as written")
        return 0
    rep = audit.report(args.since, args.until, args.about_user)
    grant.audit(table="audit_log", rows=rep["entries"], detail={"report": {"since": args.since, "until": args.until,
                                                                           "user": args.about_user}})
    print(json.dumps(rep, indent=2, default=str) if args.json else audit.render_report(rep))
    return 0 if rep["chain"].get("ok") else 1


def _records(args) -> int:
    from resident_index.protection import records

    args.purpose = args.purpose or "accountability"
    grant = authorised(args, "records", ["audit_log"])
    written = records.write_all(Path(args.out) if args.out else None)
    grant.audit(detail={"records_of_processing": [str(p) for p in written]})
    for path in written:
        print(f"wrote {path}")
    return 0


def _guarded(command):
    """`command` with a refusal inside it (AccessDenied, already audited) printed as one line, exit 4."""
    def run(args) -> int:
        from resident_index.protection.access import AccessDenied

        try:
            return command(args)
        except AccessDenied as exc:
            raise _error(f"refused: {exc}", code=4) from None

    return run


def add_commands(sub, cli_error: type[Exception]) -> None:
    global _CLI_ERROR
    _CLI_ERROR = cli_error

    p = sub.add_parser("export", help="export a mart table you may read (columns and residents your purpose allows)")
    p.add_argument("table")
    p.add_argument("--out", help="folder to write <table>.csv to (default data/exports/for/<user>/)")
    p.add_argument("--wait", type=float, default=120.0, metavar="SECONDS")
    access_arguments(p)
    p.set_defaults(func=_guarded(_export))

    p = sub.add_parser("sar", help="subject access: everything held about one resident, as HTML and JSON")
    p.add_argument("resident_id")
    p.add_argument("--out", help="folder to write (default data/sar/<resident_id>-<date>/)")
    p.add_argument("--wait", type=float, default=120.0, metavar="SECONDS")
    access_arguments(p)
    p.set_defaults(func=_guarded(_sar))

    p = sub.add_parser("request", help="record a restriction or erasure request (or lift one); the erasure worklist")
    p.add_argument("kind", choices=["restrict", "erase", "lift", "worklist"])
    p.add_argument("resident_id", nargs="?")
    p.add_argument("--reason", help="what the resident asked, in a few words")
    p.add_argument("--reference", help="the council's case reference for the request")
    p.add_argument("--allow", nargs="+", metavar="PURPOSE",
                   help="restrict: the purposes that may still see them (default: those with overrides_restriction)")
    p.add_argument("--wait", type=float, default=120.0, metavar="SECONDS")
    access_arguments(p)
    p.set_defaults(func=_guarded(_request))

    p = sub.add_parser("share", help="a data sharing agreement's pseudonymised export; --register for the register")
    p.add_argument("agreement", nargs="?")
    p.add_argument("--register", action="store_true", help="print the data sharing register (markdown)")
    p.add_argument("--out", help="folder to write to (default data/sharing/<agreement>/)")
    p.add_argument("--wait", type=float, default=120.0, metavar="SECONDS")
    access_arguments(p)
    p.set_defaults(func=_guarded(_share))

    p = sub.add_parser("audit", help="the audit log: a report for the data protection officer, or verify its chain")
    p.add_argument("what", choices=["report", "verify"])
    p.add_argument("--since", help="YYYY-MM-DD")
    p.add_argument("--until", help="YYYY-MM-DD")
    p.add_argument("--about-user", help="only this user's entries")
    p.add_argument("--json", action="store_true")
    access_arguments(p)
    p.set_defaults(func=_guarded(_audit))

    p = sub.add_parser("records", help="write the ROPA, DPIA skeleton, ATRS record and sharing register from config")
    p.add_argument("--out", help="folder (default data/records/)")
    access_arguments(p)
    p.set_defaults(func=_guarded(_records))
