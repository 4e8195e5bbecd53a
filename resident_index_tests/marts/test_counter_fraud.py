"""Counter-fraud review lists on hand-made households: what puts a case on each list, what keeps one off,
how it is scored, the one shape every list shares, and the evaluation against planted cases.

Each test builds a tiny warehouse in an in-memory DuckDB (person_records, resident_crosswalk,
golden_residents, relationships, llpg), runs marts/evidence.sql on it as the pipeline does, then one list.
Extracts are dated up to AS_OF; addresses are U1..U9 (odd UPRNs in ward West, even in East).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from resident_index.marts.counter_fraud.evaluate import evaluate_lists
from resident_index.marts.counter_fraud.lists import LISTS, build_list, load_rules, table_name
from resident_index.marts.evidence import build_residence_evidence
from resident_index.sources.spec import load_registry
from resident_index.standardise.schema import duckdb_columns_sql

AS_OF = date(2026, 11, 1)
FIRST_EXTRACT = date(2022, 1, 1)
#: every list's columns and types: one shape, so an officer (and the evaluation) reads every list alike
CASE_COLUMNS = [("case_id", "VARCHAR"), ("case_type", "VARCHAR"), ("score", "DOUBLE"), ("reason", "VARCHAR"),
                ("resident_id", "VARCHAR"), ("name", "VARCHAR"), ("uprn", "VARCHAR"), ("address", "VARCHAR"),
                ("reference", "VARCHAR"), ("related_residents", "VARCHAR[]"),
                ("evidence", "STRUCT(source_system VARCHAR, record_id VARCHAR, date DATE, fact VARCHAR)[]"),
                ("as_of", "DATE")]


def _canonical(system: str, field: str, code: str | None) -> str | None:
    """The canonical role or status of a system's code, through the bundled council's YAML (codes:), as
    staging maps it."""
    if code is None:
        return None
    return {s.name: s for s in load_registry()}[system].codes.lookup(field).get(code.upper())


class Council:
    """A tiny warehouse: golden residents, their source records (person_records and the crosswalk),
    relationships and the gazetteer."""

    def __init__(self, con):
        self.con = con
        self.people: dict[str, tuple[str, str, date]] = {}
        con.execute(f"CREATE TABLE person_records ({duckdb_columns_sql()}, first_seen DATE, last_seen DATE, "
                    "is_current BOOLEAN)")
        con.execute("""CREATE TABLE resident_crosswalk (source_system VARCHAR, source_record_id VARCHAR,
                       resident_id VARCHAR, match_probability DOUBLE, linked_by VARCHAR, first_seen DATE,
                       last_seen DATE)""")
        con.execute("""CREATE TABLE golden_residents (resident_id VARCHAR, forename VARCHAR, surname VARCHAR, dob DATE,
                       sex VARCHAR, uprn VARCHAR, ward VARCHAR, polling_district VARCHAR, deceased BOOLEAN, date_of_death DATE,
                       date_of_death_source VARCHAR, date_of_death_record VARCHAR, services VARCHAR[],
                       address VARCHAR)""")
        con.execute("""CREATE TABLE relationships (resident_id VARCHAR, related_resident_id VARCHAR, type VARCHAR,
                       evidence VARCHAR, since DATE)""")
        con.execute("""CREATE TABLE llpg AS SELECT 'U' || i AS uprn, NULL::VARCHAR AS parent_uprn,
                       i || ' HIGH STREET' AS address_text,
                       'NB1 1AA' AS postcode, CASE WHEN i % 2 = 0 THEN 'East' ELSE 'West' END AS ward
                       FROM range(1, 10) t(i)""")

    def resident(self, rid: str, forename: str, surname: str, born: date, uprn: str | None,
                 died: date | None = None, sex: str | None = None) -> None:
        """A golden resident living (per the golden record) at `uprn`; a death is recorded by the NHS feed."""
        self.people[rid] = (forename, surname, born)
        self.con.execute("INSERT INTO golden_residents VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, [], NULL)",
                         [rid, forename, surname, born, sex, uprn, died is not None, died,
                          "nhs_demographics" if died else None, f"ND-{rid}" if died else None])

    def record(self, rid: str, system: str, record_id: str, uprn: str | None, since: date, *, dated: bool = True,
               ended: date | None = None, group: str | None = None, role: str | None = None,
               status: str | None = None, ni: str | None = None, attributes: dict | None = None,
               **person) -> None:
        """A record in the latest extract, linked to `rid`, begun on `since` (dated=False: the system holds no
        start date and `since` is the first extract that held it). `person` overrides the resident's
        forename, surname, dob or forename_canonical as this system wrote them."""
        forename, surname, dob = self.people[rid]
        row = {"source_system": system, "source_record_id": record_id, "extract_date": AS_OF,
               "forename": forename, "surname": surname, "forename_canonical": forename, "dob": dob, **person,
               "ni_number": ni, "uprn": uprn, "start_date": since if dated else None, "end_date": ended,
               "group_ref": group, "role": _canonical(system, "role", role), "role_code": role,
               "status": _canonical(system, "status", status), "status_code": status,
               "source_attributes": json.dumps(attributes) if attributes else None,
               "first_seen": min(since, FIRST_EXTRACT), "last_seen": AS_OF, "is_current": True}
        self.con.execute(f"INSERT INTO person_records ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                         list(row.values()))
        self.con.execute("INSERT INTO resident_crosswalk VALUES (?, ?, ?, 1.0, 'test', ?, ?)",
                         [system, record_id, rid, row["first_seen"], AS_OF])

    def relate(self, rid: str, related: str, type_: str) -> None:
        self.con.execute("INSERT INTO relationships VALUES (?, ?, ?, NULL, NULL)", [rid, related, type_])

    def cases(self, name: str, **rule) -> dict[str, dict]:
        """Build residence evidence and list `name` with its YAML rules overridden by `rule`; case_id -> case."""
        build_residence_evidence(self.con)
        rules = load_rules()
        build_list(self.con, name, {**rules, name: {**rules[name], **rule}})
        cur = self.con.execute(f"SELECT * FROM {table_name(name)}")
        columns = [c[0] for c in cur.description]
        return {row[0]: dict(zip(columns, row)) for row in cur.fetchall()}


@pytest.fixture
def council(con) -> Council:
    return Council(con)


def records_of(case: dict) -> list[tuple[str, str]]:
    return [(e["source_system"], e["record_id"]) for e in case["evidence"]]


# --- single person discount -------------------------------------------------------------------------------

def spd_household(council: Council, liable_died: date | None = None, gp: date | None = date(2024, 6, 1),
                  **partner) -> None:
    """Ann Smith (L1) is liable on account A1 at U1 since January 2024 with the discount; Bob Jones (P1),
    an adult the golden record places at U1, registered with a GP there on `gp`. `partner` overrides
    Bob's forename, surname, born, uprn or died."""
    council.resident("L1", "ANN", "SMITH", date(1980, 3, 1), "U1", died=liable_died)
    council.record("L1", "council_tax", "CT1", "U1", date(2024, 1, 1), group="A1", role="LEAD",
                   attributes={"SPD_FLAG": "Y"})
    council.resident("P1", **{"forename": "BOB", "surname": "JONES", "born": date(1978, 7, 9), "uprn": "U1",
                              **partner})
    if gp:
        council.record("P1", "nhs_demographics", "N1", "U1", gp)


def test_spd_lists_a_partner_whose_gp_registration_began_after_the_liability(council):
    spd_household(council)
    [case] = council.cases("single_person_discount").values()
    assert case["case_id"] == "SPD-A1" and case["reference"] == "A1"
    assert (case["resident_id"], case["name"], case["uprn"], case["address"]) == ("L1", "ANN SMITH", "U1",
                                                                                   "1 HIGH STREET")
    assert case["related_residents"] == ["P1"]
    assert case["score"] == 0.6  # one GP registration begun since the account opened is enough
    assert records_of(case) == [("council_tax", "CT1"), ("nhs_demographics", "N1")]
    assert "1 other adult is recorded living at the property (NHS demographics feed)" in case["reason"]
    assert case["as_of"] == AS_OF and case["case_type"] == "single_person_discount"


def _moved_out(council: Council) -> None:
    spd_household(council)  # Bob's own account at U1 ended after his GP registration began: he left
    council.record("P1", "council_tax", "CT0", "U1", date(2023, 1, 1), ended=date(2025, 1, 1), group="A0",
                   role="LEAD")


def _liable_elsewhere_only(council: Council) -> None:
    spd_household(council, gp=None)  # Bob's only record at U1 is his own council tax account
    council.record("P1", "council_tax", "CT2", "U1", date(2024, 6, 1), group="A2", role="LEAD")


@pytest.mark.parametrize("household", [
    pytest.param(lambda c: spd_household(c, born=date(2012, 5, 1)), id="a child"),
    pytest.param(lambda c: spd_household(c, died=date(2026, 5, 1)), id="dead"),
    pytest.param(lambda c: spd_household(c, uprn="U2"), id="placed elsewhere by the golden record"),
    pytest.param(_moved_out, id="ended council tax liability at the address"),
    pytest.param(lambda c: spd_household(c, forename="ANNE", surname="SMITH", born=date(1980, 3, 1)),
                 id="could be the liable person"),
    pytest.param(lambda c: spd_household(c, forename="A", surname="SMITH", born=date(1980, 1, 3)),
                 id="could be the liable person (initial, day and month swapped)"),
    pytest.param(lambda c: spd_household(c, forename="ANNE", surname="SMITH", born=date(1981, 3, 1)),
                 id="could be the liable person (a one-character typo in the date of birth)"),
    pytest.param(_liable_elsewhere_only, id="only liable on another account"),
])
def test_spd_other_people_the_discount_rules_disregard_make_no_case(council, household):
    household(council)
    assert council.cases("single_person_discount", min_score=0) == {}


@pytest.mark.parametrize("born, sex, listed", [
    (date(1978, 7, 9), None, True),     # dates of birth no typo makes one: a couple
    (date(1980, 3, 1), "M", True),      # Ann's date of birth, but recorded as a man
    (date(1980, 3, 1), None, False),    # nothing tells them apart: possibly Ann's own unlinked records
])
def test_spd_an_adult_with_the_liable_persons_initial_and_surname_is_told_apart_by_birth_date_or_sex(
        council, born, sex, listed):
    """"ANDREW SMITH" at Ann Smith's address shares her initial and surname; what both records hold decides."""
    spd_household(council, forename="ANDREW", surname="SMITH", born=born)
    council.con.execute("UPDATE golden_residents SET sex = 'F' WHERE resident_id = 'L1'")
    council.con.execute("UPDATE golden_residents SET sex = ? WHERE resident_id = 'P1'", [sex])
    assert bool(council.cases("single_person_discount")) is listed


@pytest.mark.parametrize("liable_born, forename, born, listed", [
    (None, "NAN", date(1980, 3, 1), False),   # ANNE's nickname: her own GP record, unlinked to her council tax
    (date(1980, 3, 1), "ANNE", date(1980, 9, 9), False),  # one name: likelier one person and a typo than two
    (date(1980, 3, 1), "ANNE", date(2001, 3, 1), True),   # one name a generation apart: her daughter
])
def test_spd_a_nickname_or_the_same_name_is_possibly_the_liable_person(council, liable_born, forename, born, listed):
    """Anne Smith's GP registration, split from her council tax record into a resident of its own, is not
    another adult; her namesake daughter is."""
    council.resident("L1", "ANNE", "SMITH", liable_born, "U1")
    council.record("L1", "council_tax", "CT1", "U1", date(2024, 1, 1), group="A1", role="LEAD",
                   attributes={"SPD_FLAG": "Y"})
    council.resident("P1", forename, "SMITH", born, "U1")
    council.record("P1", "nhs_demographics", "N1", "U1", date(2024, 6, 1))
    assert bool(council.cases("single_person_discount")) is listed


@pytest.mark.parametrize("days_since_18, listed", [(10, False), (30, True)])
def test_spd_someone_who_just_turned_18_is_not_a_case_until_the_household_had_time_to_say(
        council, days_since_18, listed):
    born = AS_OF - timedelta(days=days_since_18)
    spd_household(council, born=born.replace(year=born.year - 18))
    assert bool(council.cases("single_person_discount")) is listed  # notify_days: 21


def test_spd_an_adult_billed_on_an_account_of_their_own_at_the_property_is_not_unlisted(council):
    spd_household(council)  # Bob's GP registration at U1 would make a case...
    council.record("P1", "council_tax", "CT2", "U1", date(2026, 10, 1), group="A2", role="LEAD")
    assert council.cases("single_person_discount", min_score=0) == {}  # ...but he pays for his own (an annexe)


def test_spd_an_account_whose_liable_people_are_all_dead_is_left_to_the_after_death_list(council):
    spd_household(council, liable_died=date(2026, 2, 1))
    assert council.cases("single_person_discount", min_score=0) == {}


def test_spd_evidence_from_before_the_liability_counts_at_the_predating_factor(council):
    spd_household(council, gp=date(2023, 1, 1))  # a GP registration older than the account
    council.record("P1", "electoral_register", "E1", "U1", date(2022, 6, 1), dated=False)  # the register: undated
    assert council.cases("single_person_discount") == {}  # 0.24 and 0.28: not enough at min_score 0.6
    [case] = council.cases("single_person_discount", min_score=0).values()
    assert case["score"] == round(1 - (1 - 0.6 * 0.4) * (1 - 0.7 * 0.4), 3)
    [case] = council.cases("single_person_discount", predating_factor=1).values()
    assert case["score"] == round(1 - (1 - 0.6) * (1 - 0.7), 3)


def test_spd_a_benefit_claim_shows_another_adult_only_when_they_are_the_partner_on_it(council):
    """A partner on a claim at the property is a second adult; a claimant there who is not liable is a
    claims question (the multiple-identities list), not evidence against the discount."""
    spd_household(council, gp=None)
    council.record("P1", "benefits", "B1", "U1", date(2024, 6, 1), group="HB1", role="CLAIMANT", status="LIVE")
    assert council.cases("single_person_discount") == {}
    council.record("P1", "benefits", "B2", "U1", date(2024, 6, 1), group="HB2", role="PARTNER", status="LIVE")
    [case] = council.cases("single_person_discount").values()
    assert records_of(case)[1:] == [("benefits", "B2")] and case["score"] == 0.8


def test_day_one_spd_counts_two_undated_systems_in_full_and_one_at_the_predating_factor(council):
    """A first extract: the partner's GP registration and electoral registration carry no start date (an NHS
    trace without registration dates, the register), so they are current at the extract, start unknown:
    two such systems placing him there count in full; one alone, at predating_factor."""
    spd_household(council, gp=None)
    council.record("P1", "nhs_demographics", "N1", "U1", FIRST_EXTRACT, dated=False)
    assert council.cases("single_person_discount") == {}   # the GP registration alone: 0.4 x 0.6
    council.record("P1", "electoral_register", "E1", "U1", FIRST_EXTRACT, dated=False)
    [case] = council.cases("single_person_discount").values()
    assert case["score"] == round(1 - 0.4 * 0.3, 3)       # both in full: 0.88
    assert records_of(case)[1:] == [("electoral_register", "E1"), ("nhs_demographics", "N1")]


# --- sublets ------------------------------------------------------------------------------------------------

def sublet_household(council: Council) -> None:
    """Tom Baker (T1) is lead tenant of TEN1 at U1 since 2018 but has been liable for council tax at U2 since
    2025 (the golden record has him there); Olga Novak (O1), an adult unrelated to him, registered with a
    GP at U1 in 2025."""
    council.resident("T1", "TOM", "BAKER", date(1970, 1, 1), "U2")
    council.record("T1", "housing_tenancies", "HT1", "U1", date(2018, 1, 1), group="TEN1", role="LEAD TENANT")
    council.record("T1", "council_tax", "CT1", "U2", date(2025, 1, 1), group="A1", role="LEAD")
    council.resident("O1", "OLGA", "NOVAK", date(1990, 1, 1), "U1")
    council.record("O1", "nhs_demographics", "N1", "U1", date(2025, 3, 1))


def test_sublet_tenant_living_elsewhere_and_unrelated_adult_in_the_home(council):
    sublet_household(council)
    council.relate("T1", "O1", "same_household")  # sharing the home is no relation
    [case] = council.cases("sublets").values()
    assert (case["case_id"], case["resident_id"], case["uprn"], case["reference"]) == ("SUB-TEN1", "T1", "U1", "TEN1")
    assert case["related_residents"] == ["O1"]
    assert case["score"] == round(0.6 * 0.8 + 0.4 * 0.6, 3)  # elsewhere_share x tenant + rest x occupant
    assert records_of(case) == [("housing_tenancies", "HT1"), ("council_tax", "CT1"), ("nhs_demographics", "N1")]
    assert "1 adult not on the tenancy nor related to the tenant is recorded living in the home" in case["reason"]
    [case] = council.cases("sublets", elsewhere_share=1).values()
    assert case["score"] == 0.8


def _joint_tenant_at_home(council: Council) -> None:
    sublet_household(council)
    council.resident("T2", "JOAN", "BAKER", date(1972, 1, 1), "U1")
    council.record("T2", "housing_tenancies", "HT2", "U1", date(2018, 1, 1), group="TEN1", role="JOINT TENANT")
    council.record("T2", "nhs_demographics", "N2", "U1", date(2018, 2, 1))  # and registered with a GP at home


def test_a_joint_tenant_no_other_system_knows_does_not_keep_the_tenancy_off_the_list(council):
    """A joint tenant whose only record is the tenancy (the index linked none of their other records to it)
    says nothing about where they live: the tenancy is judged on the tenant evidenced elsewhere."""
    sublet_household(council)
    council.resident("T2", "JOAN", "BAKER", date(1972, 1, 1), "U1")
    council.record("T2", "housing_tenancies", "HT2", "U1", date(2018, 1, 1), group="TEN1", role="JOINT TENANT")
    [case] = council.cases("sublets").values()
    assert case["case_id"] == "SUB-TEN1" and case["related_residents"][0] == "T2"


def _old_address_only(council: Council) -> None:
    sublet_household(council)  # T1's account at U2 predates the tenancy and the golden record keeps him at U1
    council.con.execute("UPDATE person_records SET start_date = DATE '2015-01-01' WHERE source_record_id = 'CT1'")
    council.con.execute("UPDATE golden_residents SET uprn = 'U1' WHERE resident_id = 'T1'")


@pytest.mark.parametrize("household", [pytest.param(_joint_tenant_at_home, id="joint tenant at home"),
                                       pytest.param(_old_address_only, id="other address is older")])
def test_sublet_no_case_while_a_tenant_still_lives_there(council, household):
    household(council)
    assert council.cases("sublets", min_score=0) == {}


@pytest.mark.parametrize("link", [
    pytest.param(lambda c: c.relate("T1", "O1", "partner_of"), id="tenant related to occupant"),
    # relationships are stored one way (relationships.yaml: from the claimant to the partner, the parent to
    # the child), so the occupant may be the one on the `resident_id` side
    pytest.param(lambda c: c.relate("O1", "T1", "partner_of"), id="occupant related to tenant"),
    pytest.param(lambda c: c.record("O1", "housing_tenancies", "HT3", "U1", date(2025, 3, 1), group="TEN1",
                                    role="HOUSEHOLD MEMBER"), id="occupant on the tenancy"),
])
def test_sublet_an_occupant_related_to_the_tenant_or_on_the_tenancy_is_not_unrelated(council, link):
    sublet_household(council)
    link(council)
    assert council.cases("sublets") == {}  # 0.6 x 0.8 alone is below min_score 0.5
    [case] = council.cases("sublets", min_score=0).values()
    assert case["score"] == 0.48 and case["related_residents"] == []
    assert "not on the tenancy" not in case["reason"]


# --- entitlements after death -------------------------------------------------------------------------------

def badge_holder(council: Council, died: date, badge_since: date = date(2024, 1, 1), status: str = "VALID") -> None:
    """Edna Holt (D1), dead on `died` per the NHS feed, holds blue badge BB1 at U3."""
    council.resident("D1", "EDNA", "HOLT", date(1940, 4, 4), "U3", died=died)
    council.record("D1", "blue_badges", "BB1", "U3", badge_since, group="BADGE1", status=status)


def test_ead_a_badge_live_long_after_death_scores_by_how_long(council):
    badge_holder(council, died=date(2026, 1, 1))  # 304 days before the extract
    [case] = council.cases("entitlements_after_death").values()
    assert case["case_id"] == "EAD-blue_badges-BB1" and case["reference"] == "BADGE1"
    assert case["score"] == round(0.5 + (304 - 60) / 365 * 0.45, 3) and 0.5 < case["score"] < 0.95
    assert records_of(case) == [("nhs_demographics", "ND-D1"), ("blue_badges", "BB1")]
    assert case["reason"].startswith("Blue badge (Blue badges record BB1) still live 304 days after its holder's "
                                     "death on 2026-01-01")


def test_ead_score_is_capped_at_095_a_year_after_the_grace_period(council):
    badge_holder(council, died=date(2024, 1, 1))
    assert [c["score"] for c in council.cases("entitlements_after_death").values()] == [0.95]


def test_ead_within_the_grace_period_no_case(council):
    badge_holder(council, died=date(2026, 9, 15))  # 47 days
    assert council.cases("entitlements_after_death", min_score=0) == {}
    assert list(council.cases("entitlements_after_death", grace_days=30)) == ["EAD-blue_badges-BB1"]


def test_ead_renewed_after_death_scores_one(council):
    badge_holder(council, died=date(2026, 1, 1), badge_since=date(2026, 3, 1))
    [case] = council.cases("entitlements_after_death").values()
    assert case["score"] == 1.0 and "renewed on 2026-03-01, after the death" in case["reason"]


@pytest.mark.parametrize("status", ["EXPIRED", "cancelled"])
def test_ead_an_inactive_record_is_no_entitlement(council, status):
    badge_holder(council, died=date(2026, 1, 1), status=status)
    assert council.cases("entitlements_after_death", min_score=0) == {}


# --- false school addresses ---------------------------------------------------------------------------------

def school_family(council: Council, elsewhere_since: date = date(2019, 9, 1)) -> None:
    """Mia Khan (C1) and her mother Sara (M1) apply (APP1, January 2026) from U1; the golden record, a GP
    registration and a council tax account from `elsewhere_since` place them at U2."""
    council.resident("C1", "MIA", "KHAN", date(2019, 9, 1), "U2")
    council.resident("M1", "SARA", "KHAN", date(1988, 1, 1), "U2")
    council.record("C1", "school_admissions", "SA1", "U1", date(2026, 1, 15), group="APP1", role="CHILD")
    council.record("M1", "school_admissions", "SA2", "U1", date(2026, 1, 15), group="APP1", role="PARENT")
    council.record("C1", "nhs_demographics", "N1", "U2", elsewhere_since)
    council.record("M1", "council_tax", "CT1", "U2", elsewhere_since, group="A1", role="LEAD")


def test_school_application_from_an_address_no_other_system_knows_them_at(council):
    school_family(council)
    [case] = council.cases("false_school_addresses").values()
    assert (case["case_id"], case["resident_id"], case["uprn"], case["reference"]) == ("SCH-APP1", "C1", "U1", "APP1")
    assert case["related_residents"] == ["M1"]
    assert case["score"] == 0.8  # the parent's council tax account at U2
    assert set(records_of(case)) == {("school_admissions", "SA1"), ("school_admissions", "SA2"),
                                     ("nhs_demographics", "N1"), ("council_tax", "CT1")}
    assert case["reason"].endswith("recorded living at another address in East (application address in West)")


@pytest.mark.parametrize("record", [
    pytest.param(lambda c: c.record("M1", "council_tax", "CT0", "U1", date(2016, 1, 1), ended=date(2019, 8, 1),
                                    group="A0", role="LEAD"), id="a past account"),
    pytest.param(lambda c: c.record("C1", "crm_contacts", "CRM1", "U1", date(2026, 2, 1)), id="a contact"),
])
def test_school_a_family_with_any_other_record_at_the_application_address_is_no_case(council, record):
    school_family(council)
    record(council)
    assert council.cases("false_school_addresses", min_score=0) == {}


def test_school_a_family_that_moved_after_applying_is_no_case(council):
    school_family(council, elsewhere_since=date(2026, 3, 1))
    assert council.cases("false_school_addresses", min_score=0) == {}


@pytest.mark.parametrize("building", [
    pytest.param({"U2": "U1"}, id="the form gives the building of their flat"),
    pytest.param({"U1": "U3", "U2": "U3"}, id="the form gives another flat of their building"),
    pytest.param({"U1": "U2"}, id="they are recorded at the building of the flat the form gives"),
])
def test_school_a_building_and_its_flats_are_one_address(council, building):
    """A form giving "13W The Broadway" matches the building (or another flat in it) while the family's
    other records are in its Apartment 23: that is no false address (the gazetteer's parent_uprn)."""
    school_family(council)
    assert "SCH-APP1" in council.cases("false_school_addresses")
    council.con.executemany("UPDATE llpg SET parent_uprn = ? WHERE uprn = ?", [(p, u) for u, p in building.items()])
    assert council.cases("false_school_addresses", min_score=0) == {}


# --- multiple identities ------------------------------------------------------------------------------------

def claimant(council: Council, rid: str, forename: str, surname: str, claim: str, ni: str | None = None,
             born: date = date(1975, 5, 5), **person) -> None:
    """A resident at U5 with a live benefit claim (record B-<claim>) as claimant."""
    if rid not in council.people:
        council.resident(rid, forename, surname, born, "U5")
    council.record(rid, "benefits", f"B-{claim}", "U5", date(2025, 1, 1), group=claim, role="CLAIMANT", ni=ni,
                   **person)


def test_mid_one_resident_with_two_live_claims(council):
    claimant(council, "R1", "ALAN", "WEST", "CL1")
    claimant(council, "R1", "ALAN", "WEST", "CL2")
    [case] = council.cases("multiple_identities").values()
    assert (case["case_id"], case["resident_id"], case["score"]) == ("MID-R1-benefits", "R1", 0.9)
    assert records_of(case) == [("benefits", "B-CL1"), ("benefits", "B-CL2")]


def test_mid_two_residents_alike_after_nicknames_with_different_ni_numbers_are_one_case(council):
    claimant(council, "R2", "WILLIAM", "BROWN", "CL3", ni="AB123456C")
    claimant(council, "R3", "BILL", "BROWN", "CL4", ni="CE654321A", forename_canonical="WILLIAM")
    [case] = council.cases("multiple_identities").values()
    assert (case["case_id"], case["resident_id"], case["related_residents"]) == ("MID-R2-R3", "R2", ["R3"])
    assert case["score"] == 0.9 and "but give different NI numbers" in case["reason"]
    assert sorted(records_of(case)) == [("benefits", "B-CL3"), ("benefits", "B-CL4")]


def test_mid_twins_with_different_forenames_are_not_listed(council):
    claimant(council, "R4", "JOHN", "GREEN", "CL5", ni="AB111111A")
    claimant(council, "R5", "JAMES", "GREEN", "CL6", ni="AB222222A")
    assert council.cases("multiple_identities", min_score=0) == {}


@pytest.mark.parametrize("other_ni, listed", [("JK111111", False), ("JK111111D", False), ("JK222222A", True)])
def test_mid_ni_numbers_differing_only_in_the_suffix_letter_are_one_number(council, other_ni, listed):
    claimant(council, "R6", "CARA", "HOPE", "CL7", ni="JK111111A")
    council.record("R6", "council_tax", "CT6", "U5", date(2025, 1, 1), group="A6", role="LEAD", ni=other_ni)
    assert list(council.cases("multiple_identities")) == (["MID-R6-NI"] if listed else [])


# --- one shape for every list -------------------------------------------------------------------------------

def test_every_list_has_the_same_columns_and_types(council):
    spd_household(council)
    claimant(council, "R1", "ALAN", "WEST", "CL1")  # fixed scores (multiple identities) are DOUBLE like the rest
    claimant(council, "R1", "ALAN", "WEST", "CL2")
    for name in LISTS:
        council.cases(name)
        assert council.con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table_name(name)})"
                                   ).fetchall() == CASE_COLUMNS, name


def test_min_score_keeps_only_cases_scoring_at_least_it(council):
    badge_holder(council, died=date(2026, 1, 1))  # scores 0.801
    assert list(council.cases("entitlements_after_death", min_score=0.8)) == ["EAD-blue_badges-BB1"]
    assert council.cases("entitlements_after_death", min_score=0.81) == {}


def test_an_unknown_list_is_refused(council):
    with pytest.raises(ValueError, match="unknown counter-fraud list 'benefit_fraud'"):
        build_list(council.con, "benefit_fraud")


def test_a_rule_missing_a_parameter_its_query_needs_is_named(council):
    build_residence_evidence(council.con)
    rules = load_rules()
    del rules["sublets"]["elsewhere_share"]
    with pytest.raises(ValueError, match="sublets.elsewhere_share: missing"):
        build_list(council.con, "sublets", rules)


# --- evaluation against planted cases -----------------------------------------------------------------------

def write_truth(tmp_path, persons: str) -> None:
    """Ann (P01, liable on A1) and Edna (P03, dead) are planted: Ann's discount, Edna's blue badge (not her
    permit); Dan (P04) is a planted discount case the index does not find."""
    (tmp_path / "records.csv").write_text(
        "source_system,source_record_id,extract_date,person_id\ncouncil_tax,CT1,2026-11-01,P01\n"
        "nhs_demographics,N1,2026-11-01,P02\nblue_badges,BB1,2026-11-01,P03\nparking_permits,PP1,2026-11-01,P03\n")
    (tmp_path / "persons.csv").write_text("person_id,dob,date_of_death,current_uprn\n" + persons)
    (tmp_path / "planted_cases.csv").write_text(
        "case_type,person_id,uprn,detail\n"
        "single_person_discount,P01,U1,council_tax account A1: single person discount while partnered\n"
        "single_person_discount,P04,U5,council_tax account A9: single person discount while partnered\n"
        "entitlement_after_death,P03,U3,blue_badges badge BB1 valid after death 2026-01-01\n")


PERSONS = "P01,1980-03-01,,U1\nP02,1978-07-09,,U1\nP03,1940-04-04,2026-01-01,\nP04,1970-01-01,,U5\n"


@pytest.fixture
def listed(council) -> Council:
    """Ann's discount case and Edna's two entitlements after death (blue badge and parking permit)."""
    spd_household(council)
    badge_holder(council, died=date(2026, 1, 1))
    council.record("D1", "parking_permits", "PP1", "U3", date(2024, 1, 1), group="PERMIT1")
    for name in LISTS:
        council.cases(name)
    return council


def test_evaluation_precision_recall_and_the_planted_system(listed, tmp_path):
    write_truth(tmp_path, PERSONS)
    result = evaluate_lists(listed.con, tmp_path)
    assert {k: v for k, v in result["single_person_discount"].items() if k != "confirmed_by_truth"} == {
        "listed": 1, "planted": 2, "right": 1, "found": 1, "precision": 1.0, "recall": 0.5}
    # one death, two entitlements listed: only the blue badge was planted, so the permit case is not right
    assert result["entitlements_after_death"] == {"listed": 2, "planted": 1, "right": 1, "found": 1,
                                                  "precision": 0.5, "recall": 1.0}
    assert result["sublets"] == {"listed": 0, "planted": 0, "right": 0, "found": 0, "precision": None,
                                 "recall": None}
    assert result["single_person_discount"]["confirmed_by_truth"] == 1.0  # Bob (P02) really lives at U1


def test_evaluation_spd_truth_check_counts_only_people_who_have_turned_18(listed, tmp_path):
    write_truth(tmp_path, PERSONS.replace("P02,1978-07-09", "P02,2008-12-01"))  # Bob is 17 on the extract date
    assert evaluate_lists(listed.con, tmp_path)["single_person_discount"]["confirmed_by_truth"] == 0.0


def test_day_one_evidence_with_no_known_start_may_predate_the_application(council):
    """A council's first extract (every record first seen on it) and an NHS trace without registration dates:
    the family's GP registrations at U2 are current, start unknown, so they may predate the application
    from U1 (not 'begun on the extract day', after it)."""
    council.resident("C1", "MIA", "KHAN", date(2019, 9, 1), "U2")
    council.resident("M1", "SARA", "KHAN", date(1988, 2, 2), "U2")
    council.record("C1", "school_admissions", "SA1", "U1", date(2026, 1, 15), group="APP1", role="CHILD")
    council.record("M1", "school_admissions", "SA2", "U1", date(2026, 1, 15), group="APP1", role="PARENT")
    council.record("C1", "nhs_demographics", "N1", "U2", AS_OF, dated=False)
    council.record("M1", "nhs_demographics", "N2", "U2", AS_OF, dated=False)
    council.con.execute("UPDATE person_records SET first_seen = ?", [AS_OF])
    council.con.execute("UPDATE resident_crosswalk SET first_seen = ?", [AS_OF])
    [case] = council.cases("false_school_addresses").values()
    assert case["case_id"] == "SCH-APP1" and case["score"] == 0.6
    assert council.con.execute("SELECT bool_and(NOT start_known) FROM live_records "
                               "WHERE source_system = 'nhs_demographics'").fetchone()[0]


# --- a council whose YAMLs do not give a list what it reads: an empty list that says why ------------------

def _without(kind: str, **evidence):
    """The bundled registry with `kind` declared by no source (or its options replaced by `evidence`)."""
    sources = []
    for s in load_registry():
        if getattr(s.evidence, kind) is not None:
            value = s.evidence.__class__.model_validate({**s.evidence.model_dump(exclude_none=True), kind: evidence}) \
                if evidence else s.evidence.model_copy(update={kind: None})
            s = s.model_copy(update={"evidence": value})
        sources.append(s)
    return sources


def test_a_kind_no_source_declares_gives_an_empty_list_and_says_why(council):
    spd_household(council)
    build_residence_evidence(council.con)
    warnings = build_list(council.con, "single_person_discount", sources=_without("council_tax_liability"))
    assert council.con.execute("SELECT count(*) FROM fraud_single_person_discount").fetchone()[0] == 0
    assert warnings == ["no system evidences council_tax_liability: the single person discount list is empty "
                        "because no source YAML declares evidence.council_tax_liability (docs/evidence.md)"]


def test_a_discount_column_no_record_holds_is_named(council):
    spd_household(council)
    build_residence_evidence(council.con)
    sources = _without("council_tax_liability", discount={"column": "SPD_IND", "values": ["Y"]})
    warnings = build_list(council.con, "single_person_discount", sources=sources)
    assert warnings == ["council_tax: the discount column 'SPD_IND' is in none of its records "
                        "(evidence.council_tax_liability.discount.column): the single person discount list is empty"]
    assert build_list(council.con, "single_person_discount") == []   # the bundled YAML's SPD_FLAG: no warning


def test_roles_no_live_record_holds_are_named(council):
    sublet_household(council)
    rules = load_rules()
    build_residence_evidence(council.con)
    warnings = build_list(council.con, "sublets", {**rules, "sublets": {**rules["sublets"], "tenant_roles": ["member"]}})
    assert warnings == ["tenant_roles: no live record of housing_tenancies is in role member: check the systems' "
                        "codes.role (docs/evidence.md)"]
