"""Every lookup is in the audit log; the log detects a rewrite; a config change is an entry."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from resident_index.protection.ledger import Ledger, LedgerBroken
from resident_index_tests.conftest import PROJECT
from resident_index_tests.protection.conftest import audit_entries, rows, run


def test_every_lookup_is_in_the_audit_log_with_who_what_and_why(built_council, tmp_path):
    data = built_council["data"]
    [(resident, forename, surname)] = rows(built_council["warehouse"], """
        SELECT resident_id, forename, surname FROM golden_residents WHERE forename IS NOT NULL
        ORDER BY resident_id DESC LIMIT 1""")
    before = len(audit_entries(data))
    found = json.loads(run(built_council, "find", f"{surname}, {forename}", "--json", "--user", "a.okafor").stdout)
    assert run(built_council, "show", resident, "--user", "a.okafor").returncode == 0
    assert run(built_council, "show", resident, "--user", "s.patel", "--purpose", "safeguarding").returncode == 0
    assert run(built_council, "export", "fraud_sublets", "--user", "m.hughes", "--out", str(tmp_path)).returncode == 0
    assert run(built_council, "sar", resident, "--user", "l.mensah", "--out", str(tmp_path / "sar")).returncode == 0
    session = subprocess.run([sys.executable, "-m", "resident_index.cli", "review", "--user", "r.baker"], input="q\n",
                             env=built_council["env"], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert session.returncode == 0, session.stderr
    new = audit_entries(data)[before:]
    got = [(e["user"], e["purpose"], e["action"], e["outcome"]) for e in new if e["action"] != "config_changed"]
    assert got[:5] == [("a.okafor", "customer_service", "find", "allowed"),
                       ("a.okafor", "customer_service", "show", "allowed"),
                       ("s.patel", "safeguarding", "show", "allowed"),
                       ("m.hughes", "counter_fraud", "export", "allowed"),
                       ("l.mensah", "subject_access", "sar", "allowed")]
    find, show = new[-len(got)], new[-len(got) + 1]
    assert find["residents"] == sorted(f["resident_id"] for f in found) and find["rows"] == len(found)
    assert resident in find["residents"] and resident in show["residents"] and show["table"] == "golden_residents"
    assert {resident} <= set(new[-len(got) + 4]["residents"])
    if "pair(s) left in the queue" in session.stdout:  # the first pair shown is audited with both residents
        assert got[5][:3] == ("r.baker", "identity_resolution", "review") and len(new[-1]["residents"]) >= 1
    for e in new:
        assert e["at"].endswith("Z") and e["login"] and e["mac"]
    report = run(built_council, "audit", "report", "--json", "--user", "d.fraser")
    assert report.returncode == 0, report.stderr
    rep = json.loads(report.stdout)
    assert rep["chain"]["ok"] and rep["residents_seen_per_user"]["a.okafor"] >= 1
    assert run(built_council, "audit", "verify", "--user", "d.fraser").returncode == 0


def test_a_rewritten_removed_or_cut_entry_is_detected(tmp_path, monkeypatch):
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(tmp_path))
    log = Ledger(tmp_path / "audit" / "audit.jsonl", "audit")
    for n in range(4):
        log.append({"user": "a.okafor", "action": "show", "residents": [f"R{n}"]})
    assert log.verify()["entries"] == 4
    lines = log.path.read_text().splitlines()
    assert (tmp_path / "secrets" / "audit.key").stat().st_mode & 0o777 == 0o600

    log.path.write_text("\n".join([lines[0], lines[1].replace('"R1"', '"R9"'), *lines[2:]]) + "\n")
    with pytest.raises(LedgerBroken, match="entry 2 was changed after it was written"):
        log.verify()
    log.path.write_text("\n".join([lines[0], *lines[2:]]) + "\n")
    with pytest.raises(LedgerBroken, match="entry 3 follows 1"):
        log.verify()
    log.path.write_text("\n".join(lines[:3]) + "\n")
    with pytest.raises(LedgerBroken, match="entries were cut off the end"):
        log.verify()
    log.path.write_text("\n".join(lines) + "\n")
    assert log.verify()["entries"] == 4


def test_a_change_to_the_protection_config_is_an_audit_entry_with_its_diff(council_copy):
    assert run(council_copy, "find", "Smith", "--user", "a.okafor").returncode in (0, 1)
    access = council_copy["council"] / "protection" / "access.yaml"
    access.write_text(access.read_text().replace("roles: [analyst]", "roles: [analyst, fraud_investigator]"))
    assert run(council_copy, "find", "Smith", "--user", "j.chen").returncode in (0, 1)  # now allowed
    [change] = [e for e in audit_entries(council_copy["data"]) if e["action"] == "config_changed"]
    assert change["detail"]["files"][0]["file"] == "access.yaml"
    assert "+    roles: [analyst, fraud_investigator]" in change["detail"]["files"][0]["diff"]
