"""Restriction and erasure requests: recorded, honoured by lookups and exports, and put on the worklist."""

from __future__ import annotations

import json

from resident_index_tests.protection.conftest import rows, run


def test_a_restricted_resident_is_hidden_except_from_the_purposes_allowed_until_lifted(council_copy, tmp_path):
    [(resident, forename, surname)] = rows(council_copy["warehouse"], """
        SELECT g.resident_id, g.forename, g.surname FROM golden_residents g
        JOIN fraud_sublets f ON f.resident_id = g.resident_id ORDER BY 1 LIMIT 1""")
    assert run(council_copy, "request", "restrict", resident, "--reason", "asked", "--user", "a.okafor").returncode == 4
    done = run(council_copy, "request", "restrict", resident, "--reason", "accuracy contested", "--user", "l.mensah")
    assert done.returncode == 0, done.stderr
    found = json.loads(run(council_copy, "find", f"{surname}, {forename}", "--json", "--user", "a.okafor").stdout or "[]")
    assert resident not in [f["resident_id"] for f in found]
    assert run(council_copy, "show", resident, "--user", "a.okafor").returncode == 1
    assert run(council_copy, "show", resident, "--user", "s.patel", "--purpose", "safeguarding").returncode == 0
    exported = run(council_copy, "export", "fraud_sublets", "--user", "m.hughes", "--out", str(tmp_path))
    assert exported.returncode == 0 and resident not in (tmp_path / "fraud_sublets.csv").read_text()
    assert run(council_copy, "request", "lift", resident, "--reason", "resolved", "--user", "l.mensah").returncode == 0
    assert run(council_copy, "show", resident, "--user", "a.okafor").returncode == 0


def test_an_erasure_puts_every_record_on_the_source_owners_worklist(council_copy):
    [(resident,)] = rows(council_copy["warehouse"], "SELECT max(resident_id) FROM golden_residents")
    records = rows(council_copy["warehouse"], "SELECT source_system, source_record_id FROM resident_crosswalk "
                                              "WHERE resident_id = ? ORDER BY ALL", [resident])
    done = run(council_copy, "request", "erase", resident, "--reason", "erasure asked", "--reference", "IG-7",
               "--user", "l.mensah")
    assert done.returncode == 0, done.stderr
    assert run(council_copy, "show", resident, "--user", "s.patel", "--purpose", "safeguarding").returncode == 1
    worklist = run(council_copy, "request", "worklist", "--user", "l.mensah")
    assert worklist.returncode == 0, worklist.stderr
    for system, record in records:
        assert any(system in line and record in line and "to erase" in line for line in worklist.stdout.splitlines())
    sar = run(council_copy, "sar", resident, "--user", "l.mensah", "--out", str(council_copy["data"] / "sar_erased"))
    assert sar.returncode == 0  # subject access still sees them, and lists the request
    held = json.loads((council_copy["data"] / "sar_erased" / "subject_access.json").read_text())
    assert [r["kind"] for r in held["requests"]] == ["erase"]
