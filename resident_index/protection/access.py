"""The one access layer every lookup and export goes through.

`authorise(action, tables, user=..., purpose=...)` answers who is acting (the `--user` given, else the
operating-system login mapped in protection/access.yaml), for which purpose (the one given, else the only
purpose of theirs that covers the tables), and whether that purpose may read those tables. A refusal is
written to the audit log and raised as AccessDenied with the reason in plain words. What is allowed comes
back as a Grant, which filters what the command shows (columns, facts from systems outside the purpose,
residents under a restriction request) and writes the audit entry of what was shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from resident_index.protection import audit, rights
from resident_index.protection.config import ALL, Protection, Purpose, load_protection

WITHHELD = "(withheld: outside purpose {purpose})"


class AccessDenied(Exception):
    """Refused: the message says who, what and why; the refusal is in the audit log."""


@dataclass
class Grant:
    user: str
    purpose_id: str
    purpose: Purpose
    protection: Protection
    action: str
    _hidden: set[str] | None = field(default=None, repr=False)

    # ---- what the purpose may see
    def columns(self, table: str):
        return self.purpose.columns(table)

    def may_read(self, table: str) -> bool:
        return self.purpose.columns(table) is not None

    def sees_column(self, table: str, column: str) -> bool:
        cols = self.columns(table)
        return cols == ALL or (cols is not None and column in cols)

    def sees_source(self, system: str | None) -> bool:
        return system is not None and self.purpose.sees_source(system)

    def hidden_residents(self, con=None) -> set[str]:
        """Residents under a request this purpose may not see (by ID, or by a record in `con`'s crosswalk)."""
        if self._hidden is None:
            crosswalk = None
            if con is not None and rights.standing().by_record:
                crosswalk = con.execute("SELECT resident_id, source_system, source_record_id "
                                        "FROM resident_crosswalk").fetchall()
            self._hidden = rights.hidden_residents(self.purpose_id, crosswalk)
        return self._hidden

    @property
    def withheld(self) -> str:
        return WITHHELD.format(purpose=self.purpose_id)

    # ---- the audit entry of what was done
    def audit(self, *, residents: list[str] | None = None, table: str | None = None, rows: int | None = None,
              detail=None) -> dict:
        return audit.record(self.action, user=self.user, purpose=self.purpose_id, residents=residents, table=table,
                            rows=rows, detail=detail)

    def refuse(self, reason: str, *, residents: list[str] | None = None, table: str | None = None) -> AccessDenied:
        audit.record(self.action, user=self.user, purpose=self.purpose_id, outcome="refused", residents=residents,
                     table=table, detail=reason)
        return AccessDenied(reason)

    # ---- filters for what `find` and `show` return
    def filter_found(self, found: list[dict]) -> list[dict]:
        columns = {"name": "name", "dob": "dob", "postcode": "address", "address": "address",
                   "services": "services", "deceased": "deceased"}
        out = []
        for row in found:
            row = dict(row)
            for key, column in columns.items():
                if key in row and not self.sees_column("golden_residents", column):
                    row[key] = None
            if row.get("services"):
                row["services"] = [s for s in row["services"] if self.sees_source(s)]
            out.append(row)
        return out

    def filter_person(self, person: dict) -> dict:
        """lookup.show's record cut to the purpose: each golden attribute the purpose may not see, or which
        came from a system outside it, withheld (its source too, which would say the system knows them);
        sections from tables outside the purpose emptied; rows from systems outside it left out."""
        p = dict(person)
        withheld = []
        golden = []
        for item in person["golden"]:
            item = dict(item)
            if not self.sees_column("golden_residents", item["attribute"]):
                item.update(value=self.withheld, source=None, record=None, as_of=None)
            elif item["source"] is not None and not self.sees_source(item["source"]):
                item.update(value=self.withheld, source=None, record=None, as_of=None)
            golden.append(item)
        p["golden"] = golden
        if not self.sees_column("golden_residents", "names_used"):
            p["names_used"] = []
        p["services"] = ([s for s in person["services"] or [] if self.sees_source(s)]
                         if self.sees_column("golden_residents", "services") else [])
        if not self.sees_column("golden_residents", "deceased"):
            p["deceased"] = None

        def sections(key: str, table: str, keep) -> None:
            if not self.may_read(table):
                p[key] = []
                withheld.append(f"{key}: {table} is outside purpose {self.purpose_id}")
            else:
                p[key] = [r for r in (keep(r) for r in person[key]) if r is not None]

        def address(row):
            sources = [s for s in row.get("sources") or [] if self.sees_source(s)]
            return {**row, "sources": sources} if sources else None

        def evidence_seen(row, field="evidence"):
            evidence = row.get(field)
            if not evidence:
                return row
            if isinstance(evidence[0], dict):
                kept = [e for e in evidence if e.get("source") == "golden_residents" or self.sees_source(e.get("source"))]
            else:
                kept = [e for e in evidence if self.sees_source(e)]
            return {**row, field: kept} if kept else None

        sections("addresses", "resident_addresses", address)
        sections("household", "households", lambda r: r)
        sections("household_changes", "household_changes", evidence_seen)
        sections("relationships", "relationships", evidence_seen)
        death_seen = self.sees_column("golden_residents", "date_of_death")
        sections("timeline", "resident_events", lambda r: r if self.sees_source(r["source_system"]) and
                 (death_seen or r["event_type"] != "death") else None)
        sections("records", "resident_crosswalk", lambda r: r if self.sees_source(r["source_system"]) else None)
        hidden = self.hidden_residents()
        for key, id_key in (("household", "resident_id"), ("relationships", "related_resident_id")):
            p[key] = [r for r in p[key] if r.get(id_key) not in hidden]
        p["purpose"] = self.purpose_id
        p["withheld"] = withheld + [f"facts held only by systems outside purpose {self.purpose_id} are not shown"]
        return p


def resolve_user(protection: Protection, user: str | None, action: str = "access") -> str:
    """The user acting: `user` if given (it must be in access.yaml), else the user whose logins hold the
    OS login, else `unlisted_logins` when the council set it. Unknown: AccessDenied (audited)."""
    login = audit.login()
    if user is not None:
        if user not in protection.users:
            raise _refused(None, f"user {user!r} is not in protection/access.yaml; ask the information governance "
                                 "officer to add you with the role your work needs", action=action)
        return user
    for uid, spec in protection.users.items():
        if login in spec.logins:
            return uid
    if protection.unlisted_logins:
        return protection.unlisted_logins
    raise _refused(None, f"login {login!r} is not any user's in protection/access.yaml; give --user <id> or ask "
                         "the information governance officer to add your login", action=action)


def _refused(user: str | None, reason: str, *, action: str = "access", purpose: str | None = None,
             residents=None, table=None) -> AccessDenied:
    audit.record(action, user=user, purpose=purpose, outcome="refused", residents=residents, table=table, detail=reason)
    return AccessDenied(reason)


def authorise(action: str, tables: list[str], *, user: str | None = None, purpose: str | None = None,
              residents: list[str] | None = None, protection: Protection | None = None) -> Grant:
    """The Grant for `user` to `action` on `tables` for `purpose`; refused (audited) when the user is unknown,
    the purpose is not theirs, or the purpose does not cover a table."""
    protection = protection or load_protection()
    uid = resolve_user(protection, user, action)
    held = protection.purposes_of(uid)
    table_text = ", ".join(tables)
    if purpose is None:
        covering = [p for p in held if all(protection.purposes[p].columns(t) is not None for t in tables)]
        if len(covering) == 1:
            purpose = covering[0]
        elif not covering:
            raise _refused(uid, f"{uid} ({', '.join(protection.users[uid].roles)}) holds no purpose that covers "
                                f"{table_text}: their purposes are {', '.join(held)}", action=action,
                           residents=residents, table=table_text)
        else:
            raise AccessDenied(f"{uid} holds several purposes that cover {table_text} ({', '.join(covering)}): say "
                               "which this is for with --purpose")
    if purpose not in protection.purposes:
        raise _refused(uid, f"purpose {purpose!r} is not in protection/purposes.yaml (purposes: "
                            f"{', '.join(protection.purposes)})", action=action, residents=residents, table=table_text)
    if purpose not in held:
        raise _refused(uid, f"{uid}'s roles ({', '.join(protection.users[uid].roles)}) do not hold purpose {purpose}; "
                            f"they hold {', '.join(held)}", action=action, purpose=purpose, residents=residents,
                       table=table_text)
    outside = [t for t in tables if protection.purposes[purpose].columns(t) is None]
    if outside:
        raise _refused(uid, f"purpose {purpose} does not cover {', '.join(outside)} (protection/purposes.yaml)",
                       action=action, purpose=purpose, residents=residents, table=table_text)
    return Grant(user=uid, purpose_id=purpose, purpose=protection.purposes[purpose], protection=protection,
                 action=action)
