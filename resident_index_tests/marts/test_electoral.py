"""The electoral register mart on a hand-made street: each status rule, the canvass rule, the lists and the
evaluation, each on a few rows of residence evidence (as evidence.sql leaves them) in an in-memory DuckDB."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from resident_index.marts.electoral import build
from resident_index.marts.electoral.evaluate import evaluate_electoral

AS_OF = date(2026, 11, 1)
#: resident, registered uprn (None: not registered), age, deceased
RESIDENTS = [("R1", "U1", 40, False), ("R2", "U2", 50, False), ("R3", "U3", 30, False),
             ("R4", "U4", 60, False), ("R5", "U5", 45, False), ("R6", "U6", 80, True),
             ("R7", None, 35, False), ("R8", None, 17, False), ("R9", None, 15, False)]
#: resident, uprn, system, record, since, live, counts, seen_to, weight
EVIDENCE = [
    ("R1", "U1", "council_tax", "CT1", "2015-04-01", True, True, "2026-11-01", 0.8),   # confirmed
    ("R2", "U2", "electoral_register", "AS1-2", "2026-10-31", True, True, "2026-11-01", 0.7),  # only the register
    ("R3", "U3", "nhs_demographics", "N3", "2015-01-01", True, True, "2026-11-01", 0.6),    # weak here...
    ("R3", "U9", "council_tax", "CT3", "2026-10-01", True, True, "2026-11-01", 0.8),       # ...newer elsewhere
    ("R4", "U4", "nhs_demographics", "N4", "2024-01-01", True, True, "2026-11-01", 0.6),   # weak here, and
    ("R4", "U8", "council_tax", "CT4", "2020-01-01", True, True, "2026-11-01", 0.8),       # older elsewhere
    ("R5", "U5", "council_tax", "CT5", "2019-01-01", False, False, "2026-06-01", 0.8),     # account closed
    ("R5", "U5", "nhs_demographics", "N5", "2019-02-01", True, False, "2026-11-01", 0.6),  # ghost registration
    ("R6", "U6", "council_tax", "CT6", "2000-01-01", True, True, "2026-11-01", 0.8),       # dead, still liable
    ("R7", "U7", "council_tax", "CT7", "2025-01-01", True, True, "2026-11-01", 0.8),       # unregistered adult
    ("R8", "U7", "nhs_demographics", "N8", "2009-05-01", True, True, "2026-11-01", 0.6),   # attainer
    ("R8", "U7", "school_admissions", "S8", "2026-09-01", True, True, "2026-11-01", 0.4),
    ("R9", "U7", "nhs_demographics", "N9", "2011-05-01", True, True, "2026-11-01", 0.6),   # too young
]
REGISTER = [("AS1-1", "R1", "U1", "AS1"), ("AS1-2", "R2", "U2", "AS1"), ("AS1-3", "R3", "U3", "AS1"),
            ("BP1-1", "R4", "U4", "BP1"), ("BP1-2", "R5", "U5", "BP1"), ("BP1-3", "R6", "U6", "BP1")]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("""CREATE TABLE residence_evidence (resident_id VARCHAR, uprn VARCHAR, source_system VARCHAR,
                   source_record_id VARCHAR, since DATE, live BOOLEAN, counts BOOLEAN, seen_to DATE, weight DOUBLE)""")
    con.executemany("INSERT INTO residence_evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", EVIDENCE)
    con.execute("""CREATE TABLE mart_residents (resident_id VARCHAR, deceased BOOLEAN, date_of_death DATE, dob DATE,
                   age INTEGER, adult BOOLEAN, as_of DATE)""")
    con.executemany("INSERT INTO mart_residents VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(r, dead, date(2026, 8, 14) if dead else None, date(AS_OF.year - age, 3, 1), age, age >= 18, AS_OF)
                     for r, _, age, dead in RESIDENTS])
    con.execute("""CREATE TABLE golden_residents AS
                   SELECT resident_id, 'MS' AS title, 'ANN' || resident_id AS forename, NULL AS middle_names,
                          'SMITH' AS surname, CASE WHEN deceased THEN 'nhs_demographics' END AS date_of_death_source,
                          CASE WHEN deceased THEN 'N6' END AS date_of_death_record,
                          CASE WHEN deceased THEN DATE '2026-08-20' END AS date_of_death_as_of
                   FROM mart_residents""")
    con.execute("""CREATE TABLE person_records (source_system VARCHAR, source_record_id VARCHAR, uprn VARCHAR,
                   source_attributes JSON, is_current BOOLEAN, title VARCHAR, forename VARCHAR, middle_names VARCHAR,
                   surname VARCHAR, address VARCHAR, postcode VARCHAR, polling_district VARCHAR)""")
    con.executemany("""INSERT INTO person_records VALUES ('electoral_register', ?, ?, ?, true, 'Ms', 'ANN', NULL,
                       'SMITH', ?, 'NB1 1AA', 'CA1')""",
                    [(e, u, json.dumps({"PD": pd, "AttainmentDate": None}), f"{u} HIGH STREET")
                     for e, _, u, pd in REGISTER])
    con.execute("CREATE TABLE resident_crosswalk (source_system VARCHAR, source_record_id VARCHAR, resident_id VARCHAR)")
    con.executemany("INSERT INTO resident_crosswalk VALUES ('electoral_register', ?, ?)", [(e, r) for e, r, _, _ in REGISTER])
    con.execute("""CREATE TABLE llpg AS SELECT 'U' || i AS uprn, i || ' HIGH STREET' AS address_text,
                   'NB1 1AA' AS postcode, 'CA1' AS polling_district FROM range(1, 10) t(i)""")
    return con


RULES = {**build.load_rules(), "min_score": 0.7}


def validated(con) -> dict:
    build.build_validation(con, RULES)
    return {e: (s, moved_to) for e, s, moved_to in con.execute(
        "SELECT elector_number, status, moved_to_uprn FROM electoral_validation").fetchall()}


def test_confirmed_only_by_systems_other_than_the_register(con):
    status = validated(con)
    assert status["AS1-1"] == ("confirmed", None)
    assert status["AS1-2"] == ("no_evidence", None)  # the register's own entry is no evidence for itself
    [(evidence,)] = con.execute("""SELECT list_transform(evidence, e -> e.record_id)
                                   FROM electoral_validation WHERE elector_number = 'AS1-1'""").fetchall()
    assert evidence == ["CT1"]


def test_moved_needs_strong_live_evidence_elsewhere_newer_than_at_the_registered_address(con):
    status = validated(con)
    assert status["AS1-3"] == ("moved", "U9")
    assert status["BP1-1"] == ("no_evidence", None)  # the other address is older: not a move


def test_a_closed_account_at_the_registered_address_is_a_move_whatever_a_ghost_registration_says(con):
    assert validated(con)["BP1-2"] == ("moved", None)
    [(left_on, age)] = con.execute("""SELECT left_registered_address_on, evidence_age_days
                                      FROM electoral_validation WHERE elector_number = 'BP1-2'""").fetchall()
    assert left_on == date(2026, 6, 1) and age == (AS_OF - date(2026, 6, 1)).days


def test_deaths_come_from_the_golden_record_before_any_evidence_of_living_there(con):
    assert validated(con)["BP1-3"] == ("died", None)


def test_min_score_decides_what_confirms(con):
    build.build_validation(con, {**RULES, "min_score": 0.6})
    [(status,)] = con.execute("""SELECT status FROM electoral_validation
                                 WHERE elector_number = 'BP1-1'""").fetchall()
    assert status == "confirmed"  # a GP registration alone is enough at 0.6


def test_rates_overall_and_per_polling_district(con):
    validated(con)
    build.build_validation_rates(con)
    rates = {pd: (n, confirmed, rate) for pd, n, confirmed, rate in con.execute(
        "SELECT polling_district, electors, confirmed, validation_rate FROM electoral_validation_rates").fetchall()}
    assert rates == {"ALL": (6, 1, round(1 / 6, 4)), "AS1": (3, 1, round(1 / 3, 4)), "BP1": (3, 0, 0.0)}


def test_review_list_holds_every_elector_not_confirmed_with_a_reason(con):
    validated(con)
    build.build_review_list(con, RULES)
    rows = {e: (surname, reason) for e, surname, reason in con.execute(
        "SELECT elector_number, surname, reason FROM electoral_review_list").fetchall()}
    assert set(rows) == {"AS1-2", "AS1-3", "BP1-1", "BP1-2", "BP1-3"}
    assert rows["BP1-3"][1].startswith("Died on 14 August 2026")
    assert "closed on 1 June 2026" in rows["BP1-2"][1]
    assert rows["AS1-2"][1] == "No council record other than the register places them at this address."


def test_canvass_lists_living_adults_and_attainers_not_registered_where_they_live(con):
    validated(con)
    build.build_canvass_list(con, RULES)
    rows = {r: (uprn, attainer, attained, elsewhere) for r, uprn, attainer, attained, elsewhere in con.execute(
        "SELECT resident_id, uprn, attainer, attainment_date, registered_elsewhere FROM electoral_canvass_list").fetchall()}
    assert rows == {"R7": ("U7", False, None, False),
                    "R8": ("U7", True, date(2027, 3, 1), False),  # 16-17: an attainer, 18 on 1 March 2027
                    "R3": ("U9", False, None, True),              # moved: registered at the old address
                    "R4": ("U8", False, None, True)}              # strongest at U8, registered at U4
    # R1 is registered where they live, R6 is dead, R9 is 15


def test_evaluation_against_a_hand_made_truth(con, tmp_path):
    validated(con)
    build.build_canvass_list(con, RULES)
    (tmp_path / "electoral_truth.csv").write_text(
        "source_record_id,person_id,lives_at_registered_address_now,reason\n"
        "AS1-1,P1,true,current\nAS1-2,P2,true,current\nAS1-3,P3,false,moved\n"
        "BP1-1,P4,false,moved\nBP1-2,P5,false,moved\nBP1-3,P6,false,died\n")
    (tmp_path / "persons.csv").write_text(
        "person_id,dob,date_of_death,current_uprn\nP1,1986-03-01,,U1\nP2,1976-03-01,,U2\nP3,1996-03-01,,U9\n"
        "P4,1966-03-01,,U8\nP5,1981-03-01,,\nP6,1946-03-01,2026-08-14,\nP7,1991-03-01,,U3\n"
        "P8,2009-03-01,,U7\nP9,2011-03-01,,U7\n")
    (tmp_path / "records.csv").write_text("source_system,source_record_id,extract_date,person_id\n" + "".join(
        f"electoral_register,{e},2026-11-01,P{r[1:]}\n" for e, r, _, _ in REGISTER))
    con.execute("""INSERT INTO resident_crosswalk VALUES ('nhs_demographics', 'N7', 'R7'), ('nhs_demographics', 'N8', 'R8')""")
    with (tmp_path / "records.csv").open("a") as f:
        f.write("nhs_demographics,N7,2026-11-01,P7\nnhs_demographics,N8,2026-11-01,P8\n")
    result = evaluate_electoral(con, tmp_path, RULES)
    assert result["validation_rate"] == pytest.approx(1 / 6)
    assert result["confirmed_precision"] == 1.0 and result["confirmed_recall"] == 0.5
    assert result["review_precision"] == pytest.approx(4 / 5) and result["review_recall"] == 1.0
    assert result["moved_precision"] == 1.0 and result["died_precision"] == 1.0
    # canvass: R7 is truly at U3 (wrong address); R8, R3 (at U9) and R4 (at U8) are right
    assert result["canvass_rows"] == 4 and result["canvass_precision"] == pytest.approx(3 / 4)
    assert result["truly_unregistered_attainers"] == 1 and result["canvass_recall_attainers"] == 1.0
    # unregistered adults where they live: P3 (U9, found), P4 (U8, found), P7 (U3, not found)
    assert result["truly_unregistered_adults"] == 3 and result["canvass_recall_adults"] == pytest.approx(2 / 3)
