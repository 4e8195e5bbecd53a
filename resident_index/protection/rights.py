"""Erasure and restriction requests (UK GDPR articles 17 and 18), recorded and honoured.

Requests are kept in their own append-only ledger, data/audit/requests.jsonl (HMAC-chained like the audit
log). Each names the resident and the source records the crosswalk mapped to them when it was made, so it
still holds if a later build merges or splits the resident's ID.

- restrict: the resident is hidden from every lookup, export and sharing export, except for the purposes
  the request allows (by default those with `overrides_restriction` in protection/purposes.yaml: safeguarding
  and subject access). Lifted by `lift`.
- erase: the same hiding, for every purpose but subject access; and each source record goes on its system
  owner's worklist (`resident-index request worklist`), since the index holds copies and the systems of
  record must delete the originals. Once a system's extract no longer holds a record, the next build drops
  it from the index and the worklist shows it done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from resident_index import settings
from resident_index.protection.ledger import Ledger

KINDS = ("restrict", "erase", "lift")


def ledger() -> Ledger:
    return Ledger(settings.data_dir() / "audit" / "requests.jsonl", "audit", "RESIDENT_INDEX_AUDIT_KEY")


@dataclass
class Standing:
    """The requests in force: resident or record -> the purposes that may still see them."""

    by_resident: dict[str, dict] = field(default_factory=dict)
    by_record: dict[str, dict] = field(default_factory=dict)

    def request_for(self, resident_id: str, records: list[str] = ()) -> dict | None:
        if resident_id in self.by_resident:
            return self.by_resident[resident_id]
        for record in records:
            if record in self.by_record:
                return self.by_record[record]
        return None

    def hidden_from(self, purpose: str, resident_id: str, records: list[str] = ()) -> bool:
        request = self.request_for(resident_id, records)
        return request is not None and purpose not in request["allowed_purposes"]


def record_key(system: str, record_id: str) -> str:
    return f"{system}|{record_id}"


def make_request(kind: str, resident_id: str, records: list[tuple[str, str]], allowed_purposes: list[str],
                 user: str, reason: str, reference: str | None) -> dict:
    if kind not in KINDS:
        raise ValueError(f"request kind {kind!r}: expected one of {KINDS}")
    return ledger().append({"kind": kind, "resident_id": resident_id, "user": user, "reason": reason,
                            "reference": reference, "allowed_purposes": sorted(allowed_purposes),
                            "records": [record_key(s, r) for s, r in records]})


def requests() -> list[dict]:
    return ledger().entries()


def standing() -> Standing:
    """The requests in force now: the latest restrict/erase of each resident not lifted since."""
    state = Standing()
    current: dict[str, dict] = {}
    for request in requests():
        if request["kind"] == "lift":
            current.pop(request["resident_id"], None)
        else:
            current[request["resident_id"]] = request
    for resident_id, request in current.items():
        state.by_resident[resident_id] = request
        for record in request["records"]:
            state.by_record[record] = request
    return state


def hidden_residents(purpose: str, crosswalk: list[tuple[str, str, str]] | None = None) -> set[str]:
    """Residents the purpose may not see: those with a request in force (by ID, or by any of their records in
    `crosswalk`, rows of (resident_id, source_system, source_record_id)) that does not allow it."""
    state = standing()
    hidden = {r for r, q in state.by_resident.items() if purpose not in q["allowed_purposes"]}
    for resident_id, system, record in crosswalk or []:
        q = state.by_record.get(record_key(system, record))
        if q is not None and purpose not in q["allowed_purposes"]:
            hidden.add(resident_id)
    return hidden


def worklist(present: set[str]) -> list[dict]:
    """Every record an erasure request in force asks a source owner to delete, with whether the index
    still receives it (`present`: record keys in the latest build's crosswalk)."""
    rows = []
    for resident_id, request in sorted(standing().by_resident.items()):
        if request["kind"] != "erase":
            continue
        for record in request["records"]:
            system, record_id = record.split("|", 1)
            rows.append({"source_system": system, "source_record_id": record_id, "resident_id": resident_id,
                         "requested_at": request["at"], "reference": request["reference"],
                         "status": "still in the source's extract: to erase" if record in present
                         else "no longer received: done"})
    return sorted(rows, key=lambda r: (r["source_system"], r["source_record_id"]))
