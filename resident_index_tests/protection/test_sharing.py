"""Pseudonymised sharing: a token per person and agreement, stable across runs, linkable by the partner."""

from __future__ import annotations

import csv
import hashlib
import hmac

from resident_index_tests.protection.conftest import rows, run


def _export(council, agreement, out):
    result = run(council, "share", agreement, "--user", "k.osei", "--out", str(out))
    assert result.returncode == 0, result.stderr
    [path] = out.glob(f"{agreement}-*.csv")
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f)), path.read_text(encoding="utf-8")


def _key(council, agreement) -> bytes:
    return (council["data"] / "secrets" / f"sharing_{agreement}.key").read_text().strip().encode()


def test_two_agreements_give_one_person_different_tokens_and_each_the_same_token_every_run(built_council, tmp_path):
    icb, icb_text = _export(built_council, "icb_population_health", tmp_path / "icb1")
    again, _ = _export(built_council, "icb_population_health", tmp_path / "icb2")
    police, police_text = _export(built_council, "police_safeguarding_hub", tmp_path / "police")
    assert icb and police and [r["token"] for r in icb] == [r["token"] for r in again]
    assert (built_council["data"] / "secrets" / "sharing_icb_population_health.key").stat().st_mode & 0o777 == 0o600

    # the partner computes the token from what it holds itself: the NHS number, the name and date of birth
    [(nhs, surname, forename, dob)] = rows(built_council["warehouse"], """
        SELECT nhs_number, surname, forename, strftime(dob, '%Y-%m-%d') FROM golden_residents
        WHERE list_contains(services, 'childrens_services') AND list_contains(services, 'nhs_demographics')
          AND NOT deceased AND nhs_number IS NOT NULL AND dob IS NOT NULL ORDER BY resident_id LIMIT 1""")
    icb_token = hmac.new(_key(built_council, "icb_population_health"), nhs.encode(), hashlib.sha256).hexdigest()
    police_token = hmac.new(_key(built_council, "police_safeguarding_hub"), f"{surname}|{forename}|{dob}".encode(),
                            hashlib.sha256).hexdigest()
    assert icb_token in {r["token"] for r in icb} and police_token in {r["token"] for r in police}
    assert not {r["token"] for r in icb} & {r["token"] for r in police}
    assert nhs not in icb_text and surname not in police_text.upper()  # no identifier travels
    assert set(icb[0]) == {"token", "year_of_birth", "sex", "ward", "services", "household_size"}
    register = run(built_council, "share", "--register")
    assert "| icb_population_health |" in register.stdout and "HMAC-SHA256 of nhs_number" in register.stdout
