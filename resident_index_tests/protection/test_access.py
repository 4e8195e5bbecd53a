"""A role reads only what its purposes cover, through every command; refusals are audited."""

from __future__ import annotations

import json
import shutil

import pytest

from resident_index.council import CouncilConfigError, start_council_folder
from resident_index_tests.conftest import cli
from resident_index_tests.protection.conftest import audit_entries, rows, run

REFUSED = 4


def _social_care_resident(council):
    """A resident with an adult or children's social care record, and that record."""
    [(resident, system, record)] = rows(council["warehouse"], """
        SELECT resident_id, source_system, source_record_id FROM resident_crosswalk
        WHERE source_system IN ('adult_social_care', 'childrens_services') ORDER BY resident_id LIMIT 1""")
    return resident, system, record


def test_an_analyst_reads_only_the_analytical_marts_through_any_command(built_council, tmp_path):
    [(resident,)] = rows(built_council["warehouse"], "SELECT min(resident_id) FROM golden_residents")
    attempts = {
        "find": ["find", "Smith"],
        "show": ["show", resident],
        "review": ["review", "--left", "a|1", "--right", "b|2", "--verdict", "same"],
        "sar": ["sar", resident, "--out", str(tmp_path / "sar")],
        "export a list": ["export", "fraud_sublets", "--out", str(tmp_path)],
        "export the golden record": ["export", "golden_residents", "--out", str(tmp_path)],
        "export as another purpose": ["export", "fraud_sublets", "--purpose", "counter_fraud", "--out", str(tmp_path)],
        "share": ["share", "icb_population_health", "--out", str(tmp_path)],
        "audit": ["audit", "report"],
    }
    for what, args in attempts.items():
        result = run(built_council, *args, "--user", "j.chen")
        assert result.returncode == REFUSED, (what, result.stdout, result.stderr)
        assert "refused:" in result.stderr and "Traceback" not in result.stderr, what
    assert not list(tmp_path.rglob("*.csv")) and not (tmp_path / "sar").exists()
    allowed = run(built_council, "export", "demand_by_ward_age", "--user", "j.chen", "--out", str(tmp_path))
    assert allowed.returncode == 0, allowed.stderr
    assert (tmp_path / "demand_by_ward_age.csv").exists()


def test_customer_service_sees_no_social_care_fact(built_council):
    resident, system, record = _social_care_resident(built_council)
    shown = run(built_council, "show", resident, "--json", "--user", "a.okafor")
    assert shown.returncode == 0, shown.stderr
    person = json.loads(shown.stdout)
    text = json.dumps(person)
    assert system not in text and record not in text
    [(nhs_number,)] = rows(built_council["warehouse"], "SELECT nhs_number FROM golden_residents WHERE resident_id = ?",
                           [resident])
    assert nhs_number is None or nhs_number not in text  # a column outside customer_service
    assert person["relationships"] == [] and person["household_changes"] == []  # tables outside it
    safeguarding = json.loads(run(built_council, "show", resident, "--json", "--user", "s.patel",
                                  "--purpose", "safeguarding").stdout)
    assert system in json.dumps(safeguarding) and record in json.dumps(safeguarding)
    found = json.loads(run(built_council, "find", safeguarding["golden"][0]["value"].split(" ", 1)[-1],
                           "--json", "--user", "a.okafor").stdout or "[]")
    assert all(system not in (f["services"] or []) for f in found)


def test_an_export_has_only_the_columns_and_facts_of_the_purpose(built_council, tmp_path):
    done = run(built_council, "export", "fraud_entitlements_after_death", "--user", "m.hughes", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "fraud_entitlements_after_death.csv").read_text(encoding="utf-8")
    assert "adult_social_care" not in text and "childrens_services" not in text
    refused = run(built_council, "export", "electoral_canvass_list", "--user", "m.hughes", "--out", str(tmp_path))
    assert refused.returncode == REFUSED and "no purpose that covers electoral_canvass_list" in refused.stderr


def test_an_unknown_user_and_a_purpose_not_held_are_refused_and_audited(built_council):
    before = len(audit_entries(built_council["data"]))
    unknown = cli(built_council["env"], "find", "Smith", "--user", "nobody")  # a real process: its exit code
    assert unknown.returncode == REFUSED and "'nobody' is not in protection/access.yaml" in unknown.stderr
    not_held = cli(built_council["env"], "find", "Smith", "--user", "a.okafor", "--purpose", "safeguarding")
    assert not_held.returncode == REFUSED and "do not hold purpose safeguarding" in not_held.stderr
    new = audit_entries(built_council["data"])[before:]
    refusals = [e for e in new if e["outcome"] == "refused" and e["action"] == "find"]
    assert [(e["user"], e["purpose"]) for e in refusals] == [(None, None), ("a.okafor", "safeguarding")]


def test_a_mistyped_protection_file_names_the_file_the_key_and_what_was_expected(tmp_path, monkeypatch):
    from resident_index.protection.config import load_protection

    council = start_council_folder(tmp_path / "council", with_sources=True)
    monkeypatch.setenv("RESIDENT_INDEX_COUNCIL_DIR", str(council))
    assert load_protection().users["a.okafor"].roles == ["customer_service_officer"]
    access = council / "protection" / "access.yaml"
    access.write_text(access.read_text().replace("    logins: [aokafor]", "    login: [aokafor]"))
    with pytest.raises(CouncilConfigError, match=r"access.yaml: users.a.okafor.login: unknown key; expected one of "
                                                 r"\['name', 'roles', 'logins'\]"):
        load_protection()
    shutil.copy2(council / "protection" / "purposes.yaml", tmp_path / "purposes.yaml")
    purposes = council / "protection" / "purposes.yaml"
    purposes.write_text(purposes.read_text().replace("sources: [council_tax, benefits,", "sources: [council_tx, benefits,", 1))
    with pytest.raises(CouncilConfigError, match=r"purposes.yaml: purposes.customer_service.sources: unknown source "
                                                 r"systems \['council_tx'\]"):
        load_protection()
