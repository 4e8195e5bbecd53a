"""The audit log: who looked up whom, exported what, for which purpose, and every refusal.

Its own store, data/audit/audit.jsonl (a Ledger: append-only, HMAC-chained, so a rewrite is detected by
`resident-index audit verify`), never the warehouse, which builds rewrite. One entry per lookup, export,
subject access, sharing export, review verdict, rights request and refusal:

    seq, at (UTC), user, login, purpose, action, outcome (allowed | refused), residents, table, rows, detail

and a `config_changed` entry whenever the protection config (protection/*.yaml) differs from what the
previous entry was written under, naming each file changed and the lines that changed.
"""

from __future__ import annotations

import difflib
import getpass
import hashlib
from collections import Counter
from pathlib import Path

from resident_index import settings
from resident_index.protection.ledger import Ledger


def ledger() -> Ledger:
    return Ledger(settings.data_dir() / "audit" / "audit.jsonl", "audit", "RESIDENT_INDEX_AUDIT_KEY")


def login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in the environment (a container without USER)
        return "unknown"


def _config_state() -> dict[str, dict]:
    from resident_index.protection.config import config_files

    state = {}
    for path in config_files():
        text = path.read_text(encoding="utf-8")
        state[path.name] = {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "text": text}
    return state


def _note_config_change(log: Ledger, user: str | None) -> None:
    """A config_changed entry if protection/*.yaml differ from the state the head recorded."""
    now = _config_state()
    before = log.head().get("config")
    if before is None:
        log.update_head(config=now)
        if log.head()["seq"] == 0:
            return
        before = {}
    if {k: v["sha256"] for k, v in before.items()} == {k: v["sha256"] for k, v in now.items()}:
        return
    changes = []
    for name in sorted(set(before) | set(now)):
        old, new = before.get(name, {}).get("text"), now.get(name, {}).get("text")
        if old == new:
            continue
        diff = list(difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(), f"{name} (before)",
                                         f"{name} (now)", lineterm="", n=0))
        changes.append({"file": name, "change": "added" if old is None else "removed" if new is None else "changed",
                        "diff": "\n".join(diff[:200])})
    log.append({"user": user, "login": login(), "purpose": None, "action": "config_changed", "outcome": "noted",
                "residents": [], "table": None, "rows": None,
                "detail": {"files": changes, "note": "found when this entry was written; the change was made "
                                                      "between the previous entry and this one"}},
               head_extra={"config": now})


def record(action: str, *, user: str | None, purpose: str | None, outcome: str = "allowed",
           residents: list[str] | None = None, table: str | None = None, rows: int | None = None,
           detail=None) -> dict:
    """Append one entry (after a config_changed entry if the protection config changed)."""
    log = ledger()
    try:
        _note_config_change(log, user)
    except Exception as exc:  # an unreadable config must not stop the refusal or lookup being recorded
        detail = {"detail": detail, "config_state_unreadable": str(exc)}
    return log.append({"user": user, "login": login(), "purpose": purpose, "action": action, "outcome": outcome,
                       "residents": sorted(set(residents or [])), "table": table, "rows": rows, "detail": detail})


def entries() -> list[dict]:
    return ledger().entries()


def entries_about(resident_id: str) -> list[dict]:
    return [e for e in entries() if resident_id in (e.get("residents") or [])]


def report(since: str | None = None, until: str | None = None, user: str | None = None) -> dict:
    """What the DPO reads: entries in the period by user and purpose and action, every refusal, the residents
    looked up most, users who looked up many residents, lookups outside office hours, config changes, and
    whether the chain holds."""
    from resident_index.protection.ledger import LedgerBroken

    try:
        chain = ledger().verify()
    except LedgerBroken as exc:
        chain = {"ok": False, "problem": str(exc)}
    chosen = [e for e in entries() if (since is None or e["at"][:10] >= since) and
              (until is None or e["at"][:10] <= until) and (user is None or e.get("user") == user)]
    lookups = [e for e in chosen if e["action"] in ("find", "show", "sar", "export", "share") and
               e["outcome"] == "allowed"]
    per_user = Counter((e.get("user") or "?", e.get("purpose") or "-", e["action"], e["outcome"]) for e in chosen)
    residents_per_user: dict[str, set] = {}
    for e in lookups:
        residents_per_user.setdefault(e.get("user") or "?", set()).update(e.get("residents") or [])
    looked_up = Counter(r for e in chosen if e["action"] in ("show", "sar") for r in e.get("residents") or [])
    out_of_hours = [e for e in lookups if not ("08" <= e["at"][11:13] < "18")]
    return {
        "period": {"since": since or (chosen[0]["at"][:10] if chosen else None),
                   "until": until or (chosen[-1]["at"][:10] if chosen else None)},
        "chain": chain,
        "entries": len(chosen),
        "by_user_purpose_action": [{"user": u, "purpose": p, "action": a, "outcome": o, "entries": n}
                                   for (u, p, a, o), n in sorted(per_user.items())],
        "refusals": [{k: e.get(k) for k in ("seq", "at", "user", "login", "purpose", "action", "table", "detail")}
                     for e in chosen if e["outcome"] == "refused"],
        "residents_seen_per_user": {u: len(r) for u, r in sorted(residents_per_user.items())},
        "most_looked_up": [{"resident_id": r, "lookups": n} for r, n in looked_up.most_common(10)],
        "outside_office_hours_utc": [{k: e.get(k) for k in ("seq", "at", "user", "purpose", "action")}
                                     for e in out_of_hours],
        "config_changes": [{"seq": e["seq"], "at": e["at"], "files": [f["file"] for f in e["detail"]["files"]]}
                           for e in chosen if e["action"] == "config_changed"],
    }


def render_report(rep: dict) -> str:
    from resident_index.golden.lookup import _table

    chain = ("holds: every entry is as written" if rep["chain"].get("ok")
             else f"BROKEN: {rep['chain'].get('problem')}")
    return "\n".join([
        f"Audit log report, {rep['period']['since']} to {rep['period']['until']}: {rep['entries']} entries",
        f"Chain: {chain}", "",
        "Entries by user, purpose and action", _table(rep["by_user_purpose_action"],
                                                      ["user", "purpose", "action", "outcome", "entries"]), "",
        f"Refusals ({len(rep['refusals'])})", _table([{**r, "detail": str(r["detail"])[:100]} for r in rep["refusals"]],
                                                      ["seq", "at", "user", "login", "purpose", "action", "detail"]),
        "", "Residents seen per user", _table([{"user": u, "residents": n} for u, n in
                                                rep["residents_seen_per_user"].items()], ["user", "residents"]),
        "", "Most looked-up residents", _table(rep["most_looked_up"], ["resident_id", "lookups"]),
        "", f"Lookups outside 08:00-18:00 UTC ({len(rep['outside_office_hours_utc'])})",
        _table(rep["outside_office_hours_utc"][-20:], ["seq", "at", "user", "purpose", "action"]),
        "", "Protection config changes", _table([{**c, "files": ", ".join(c["files"])} for c in rep["config_changes"]],
                                                ["seq", "at", "files"]),
    ])


def audit_path() -> Path:
    return ledger().path
