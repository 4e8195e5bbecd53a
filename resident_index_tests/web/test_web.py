"""The web app over HTTP (Starlette's TestClient) on a copy of the 400-resident built council: sign-in, find, the
resident page, review verdicts, split and merge, find-before-create ($match), emergency planning and the
nightly GIS export; every page through the access layer and in the audit log."""

from __future__ import annotations

import base64
import json
import math
import re
from datetime import date

import duckdb
import pytest

from resident_index.protection import audit
from resident_index.web import search, users

pytestmark = pytest.mark.usefixtures("web_env")


def snapshot(built_council):
    return duckdb.connect(str(built_council["data"] / "warehouse.read.duckdb"), read_only=True)


def warehouse_rows(built_council, sql):
    con = duckdb.connect(str(built_council["warehouse"]), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def last_entry(action: str) -> dict:
    return [e for e in audit.entries() if e["action"] == action][-1]


@pytest.fixture(scope="module")
def someone(web_council):
    """A living resident with an NHS number, a postcode and a current address with coordinates."""
    con = snapshot(web_council)
    row = con.execute("""SELECT resident_id, forename, surname, dob, postcode, nhs_number, easting, northing
                         FROM golden_residents WHERE NOT deceased AND nhs_number IS NOT NULL AND dob IS NOT NULL
                           AND postcode IS NOT NULL AND easting IS NOT NULL ORDER BY resident_id LIMIT 1""").fetchone()
    con.close()
    return dict(zip(("resident_id", "forename", "surname", "dob", "postcode", "nhs_number", "easting", "northing"), row))


def test_sign_in_needs_the_right_password_and_is_audited(web_env):
    from starlette.testclient import TestClient

    from resident_index.web.app import app

    c = TestClient(app)
    assert c.get("/find", follow_redirects=False).headers["location"].startswith("/signin")
    wrong = c.post("/signin", data={"user": "a.okafor", "password": "not-the-password"})
    assert wrong.status_code == 401 and "wrong password" in wrong.text
    refusal = last_entry("sign_in")
    assert refusal["outcome"] == "refused" and refusal["user"] == "a.okafor"
    unknown = c.post("/signin", data={"user": "nobody", "password": users.DEMO_PASSWORD})
    assert unknown.status_code == 401
    ok = c.post("/signin", data={"user": "a.okafor", "password": users.DEMO_PASSWORD}, follow_redirects=False)
    assert ok.status_code == 303 and "httponly" in ok.headers["set-cookie"].lower()
    assert "default-src 'self'" in c.get("/find").headers["content-security-policy"]


def test_demo_passwords_only_on_the_synthetic_council(tmp_path, monkeypatch):
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(tmp_path))
    with pytest.raises(users.NotSynthetic, match="not the synthetic council"):
        users.set_demo_passwords(["a.okafor"])
    assert not users.path().exists()
    users.set_passwords({"a.okafor": "a long password here"})
    assert users.check("a.okafor", "a long password here") and not users.check("a.okafor", "something else")
    assert oct(users.path().stat().st_mode & 0o777) == "0o600"
    assert "a long password" not in users.path().read_text()


def test_find_by_name_postcode_nhs_number_and_resident_id(sign_in, someone):
    c = sign_in("a.okafor")
    by_name = c.get("/find", params={"q": f"{someone['forename']} {someone['surname']}",
                                     "dob": someone["dob"].isoformat()})
    assert by_name.status_code == 200 and someone["resident_id"] in by_name.text
    entry = last_entry("find")
    assert entry["user"] == "a.okafor" and entry["purpose"] == "customer_service"
    assert someone["resident_id"] in entry["residents"]
    assert someone["resident_id"] in c.get("/find", params={"q": someone["postcode"].lower()}).text
    assert someone["resident_id"] in c.get("/find", params={"q": someone["nhs_number"]}).text
    jump = c.get("/find", params={"q": someone["resident_id"]}, follow_redirects=False)
    assert jump.headers["location"] == f"/residents/{someone['resident_id']}"
    assert "No resident found" in c.get("/find", params={"q": "Zzyzx Qwertyuiop"}).text


def test_a_merged_resident_id_leads_to_the_one_its_records_went_to():
    con = duckdb.connect()
    con.execute("CREATE TABLE golden_residents AS SELECT 'R000000003' AS resident_id")
    con.execute("""CREATE TABLE resident_id_history AS SELECT * FROM (VALUES
                   ('merge', 'R000000001', 'R000000002', TIMESTAMP '2026-11-01 06:00'),
                   ('merge', 'R000000002', 'R000000003', TIMESTAMP '2026-11-02 06:00'))
                   v(event, resident_id, related_id, recorded_at)""")
    assert search.current_id(con, "R000000001") == "R000000003"
    assert search.current_id(con, "R000000003") == "R000000003"
    assert search.current_id(con, "R000000009") is None


def test_the_resident_page_shows_the_360_cut_to_the_purpose(sign_in, web_env):
    con = snapshot(web_env)
    rid, = con.execute("""SELECT resident_id FROM golden_residents
                          WHERE list_contains(services, 'adult_social_care') AND len(services) > 2
                          ORDER BY resident_id LIMIT 1""").fetchone()
    con.close()
    safeguarding = sign_in("s.patel")
    page = safeguarding.post("/purpose", data={"csrf": safeguarding.csrf, "purpose": "safeguarding",
                                               "next": f"/residents/{rid}"})
    assert page.status_code == 200
    for section in ("Golden record", "Source records", "Why the records were linked", "Addresses over time",
                    "Household now", "Relationships", "Timeline and lists"):
        assert f"<h2>{section}</h2>" in page.text
    assert "adult_social_care" in page.text
    assert last_entry("show")["purpose"] == "safeguarding"
    customer = sign_in("a.okafor").get(f"/residents/{rid}")
    records = customer.text.split("<h2>Source records</h2>")[1].split("</section>")[0]
    assert "adult_social_care" not in records  # a social care record is outside customer service
    assert "Correct the matching" not in customer.text  # not a reviewer
    assert last_entry("show")["purpose"] == "customer_service"


def test_review_verdict_is_written_as_the_cli_writes_it(sign_in, web_env):
    c = sign_in("r.baker")
    queue = c.get("/review")
    assert queue.status_code == 200
    counts = dict(re.findall(r'class="grade-(\w+)[^"]*">\w+ \((\d+)\)', queue.text))
    assert set(counts) == {"certain", "probable", "possible"} and sum(map(int, counts.values())) > 0
    left, right = (s.replace("&amp;", "&") for s in
                   re.search(r'/review/pair\?l=([^&]+)&amp;r=([^"]+)"', queue.text).groups())
    from urllib.parse import unquote

    left, right = unquote(left), unquote(right)
    pair = c.get("/review/pair", params={"l": left, "r": right})
    assert pair.status_code == 200 and "match weight waterfall" in pair.text
    assert c.post("/review/verdict", data={"l": left, "r": right, "verdict": "different"}).status_code == 400  # no csrf
    done = c.post("/review/verdict", data={"csrf": c.csrf, "l": left, "r": right, "verdict": "different",
                                           "note": "different middle names on the birth record"},
                  follow_redirects=False)
    assert done.status_code == 303 and "Recorded" in unquote(done.headers["location"])
    rows = warehouse_rows(web_env, f"""SELECT verdict, reviewer, note FROM review_decisions
                                       WHERE unique_id_l = '{min(left, right)}' AND unique_id_r = '{max(left, right)}'""")
    assert ("different", "r.baker", "different middle names on the birth record") in rows
    entry = last_entry("review")
    assert entry["purpose"] == "identity_resolution" and entry["detail"]["verdict"] == "different"
    assert f"l={left}&amp;r={right}" not in unquote(c.get("/review").text)  # decided: off the queue


def test_split_and_merge_from_the_resident_page(sign_in, web_env):
    con = snapshot(web_env)
    rid, = con.execute("""SELECT resident_id FROM resident_crosswalk GROUP BY 1 HAVING count(*) >= 3
                          ORDER BY 1 LIMIT 1""").fetchone()
    records = [r[0] for r in con.execute(f"""SELECT source_system || '|' || source_record_id FROM resident_crosswalk
                                             WHERE resident_id = '{rid}' ORDER BY 1""").fetchall()]
    other, = con.execute(f"SELECT resident_id FROM golden_residents WHERE resident_id <> '{rid}' ORDER BY 1 LIMIT 1").fetchone()
    con.close()
    c = sign_in("demo.caseworker")  # customer service and matching review
    page = c.get(f"/residents/{rid}")
    assert "Correct the matching" in page.text
    assert c.post(f"/residents/{rid}/split", data={"csrf": c.csrf, "record": records[0], "reason": ""}).status_code == 400
    split_sql = f"SELECT count(*) FROM review_decisions WHERE note LIKE 'split from {rid}:%' AND verdict = 'different'"
    before, = warehouse_rows(web_env, split_sql)[0]
    done = c.post(f"/residents/{rid}/split", data={"csrf": c.csrf, "record": records[0],
                                                   "reason": "a son with his father's name"})
    assert "Split recorded" in done.text
    assert warehouse_rows(web_env, split_sql)[0][0] - before == len(records) - 1  # the record against each that stays
    merged = c.post(f"/residents/{rid}/merge", data={"csrf": c.csrf, "other": other, "reason": "same person, new surname"})
    assert "Merge recorded" in merged.text
    assert ("same",) in warehouse_rows(web_env, f"SELECT verdict FROM review_decisions WHERE note LIKE 'merge {rid} and {other}:%'")
    assert last_entry("merge")["residents"] == sorted([rid, other])


def fhir(patient: dict, count: int = 5) -> dict:
    return {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": {"resourceType": "Patient", **patient}},
                                                         {"name": "count", "valueInteger": count}]}


def test_match_finds_the_resident_before_a_duplicate_is_created(sign_in, someone):
    c = sign_in("a.okafor")
    patient = {"name": [{"family": someone["surname"].title(), "given": [someone["forename"].title()]}],
               "birthDate": someone["dob"].isoformat(), "address": [{"postalCode": someone["postcode"].replace(" ", "").lower()}]}
    reply = c.post("/fhir/Patient/$match", json=fhir(patient))
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/fhir+json")
    bundle = reply.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    top = bundle["entry"][0]
    assert top["resource"]["id"] == someone["resident_id"]
    assert 0 < top["search"]["score"] <= 1
    assert top["search"]["extension"][0]["valueCode"] in ("certain", "probable")
    assert set(top["matchWeight"]["byComparison"]) >= {"forename", "surname", "dob", "address"}
    scores = [e["search"]["score"] for e in bundle["entry"]]
    assert all(0 <= s <= 1 for s in scores)
    assert last_entry("match")["residents"] == sorted(e["resource"]["id"] for e in bundle["entry"])
    # the same person with a different NHS number is certainly not them
    other_nhs = "9434765919" if someone["nhs_number"] != "9434765919" else "9434765870"
    differ = c.post("/fhir/Patient/$match", json=fhir({**patient, "identifier": [
        {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": other_nhs}]})).json()
    graded = {e["resource"]["id"]: e["search"]["extension"][0]["valueCode"] for e in differ["entry"]}
    assert graded.get(someone["resident_id"]) == "certainly-not"
    # nobody like them
    nobody = c.post("/fhir/Patient/$match", json=fhir({"name": [{"family": "Qwertyuiop", "given": ["Zzyzx"]}],
                                                        "birthDate": "1901-01-01"})).json()
    assert nobody["total"] == 0


def test_match_refuses_bad_requests_and_strangers(sign_in, web_env):
    from starlette.testclient import TestClient

    from resident_index.web.app import app

    anonymous = TestClient(app).post("/fhir/Patient/$match", json=fhir({"name": [{"family": "Smith"}]}))
    assert anonymous.status_code == 401 and anonymous.json()["resourceType"] == "OperationOutcome"
    basic = base64.b64encode(f"a.okafor:{users.DEMO_PASSWORD}".encode()).decode()
    by_basic = TestClient(app).post("/fhir/Patient/$match", json=fhir({"name": [{"family": "Smith"}]}),
                                    headers={"Authorization": f"Basic {basic}"})
    assert by_basic.status_code == 200
    c = sign_in("a.okafor")
    bad = c.post("/fhir/Patient/$match", json={"resourceType": "Patient", "birthDate": "31/12/1970",
                                               "name": [{"family": "Smith"}]})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["issue"][0]["diagnostics"]
    analyst = sign_in("j.chen").post("/fhir/Patient/$match", json=fhir({"name": [{"family": "Smith"}]}))
    assert analyst.status_code == 403 and "holds no purpose" in analyst.json()["issue"][0]["diagnostics"]


def test_emergency_planning_radius_flags_and_exports(sign_in, web_env, someone):
    c = sign_in("t.adeyemi")
    params = {"postcode": someone["postcode"], "radius": "400"}
    page = c.get("/emergency", params=params)
    assert page.status_code == 200 and "<svg" in page.text
    geo = c.get("/emergency.geojson", params=params)
    assert geo.headers["content-type"].startswith("application/geo+json")
    features = geo.json()["features"]
    assert features and geo.json()["crs"]["properties"]["name"].endswith("27700")
    con = snapshot(web_env)
    e, n = con.execute(f"SELECT avg(easting), avg(northing) FROM golden_residents "
                       f"WHERE postcode = '{someone['postcode']}' AND easting IS NOT NULL").fetchone()
    expected = {r[0] for r in con.execute(
        f"""SELECT resident_id FROM golden_residents WHERE NOT deceased AND easting IS NOT NULL
            AND sqrt(pow(easting - {e}, 2) + pow(northing - {n}, 2)) <= 400""").fetchall()}
    dobs = dict(con.execute("SELECT resident_id, dob FROM golden_residents").fetchall())
    con.close()
    assert {f["id"] for f in features} == expected
    today = date.today()
    for f in features:
        x, y = f["geometry"]["coordinates"]
        assert math.dist((x, y), (e, n)) <= 400.05
        dob = dobs[f["id"]]
        if dob is not None:
            age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
            assert f["properties"]["under_5"] == (age < 5) and f["properties"]["over_75"] == (age >= 75)
    assert any(f["properties"]["adult_care"] for f in c.get(
        "/emergency.geojson", params={**params, "radius": "5000"}).json()["features"])
    csv_text = c.get("/emergency.csv", params=params).text
    assert csv_text.splitlines()[0].startswith("resident_id,name,dob,age") and len(csv_text.splitlines()) == len(features) + 1
    entry = last_entry("emergency")
    assert entry["purpose"] == "emergency_planning" and set(entry["residents"]) == expected
    assert "give 1 to 5000 metres" in c.get("/emergency", params={**params, "radius": "90000"}).text


def test_a_crowded_radius_lists_the_flagged_first_and_says_the_exports_hold_everyone(sign_in, someone, monkeypatch):
    from resident_index.web import emergency

    monkeypatch.setattr(emergency, "PAGE_ROWS", 5)
    c = sign_in("t.adeyemi")
    params = {"postcode": someone["postcode"], "radius": "5000"}
    everyone = c.get("/emergency.geojson", params=params).json()["features"]
    flagged = [f["id"] for f in everyone if any(f["properties"][k] for k in emergency.FLAGS)]
    assert len(everyone) > 5 and flagged
    text = c.get("/emergency", params=params).text
    listed = re.findall(r"<tr><td>\d+ m</td><td>([^<]+)</td>", text)
    assert listed == flagged[:5] + [f["id"] for f in everyone if f["id"] not in flagged][:5 - len(flagged[:5])]
    assert f"The table lists 5 of the {len(everyone)} residents" in text
    small = c.get("/emergency", params={**params, "radius": "1"}).text
    assert "The table lists" not in small and "Everyone with a flag first" in small


def test_a_role_without_the_purpose_is_refused_and_audited(sign_in):
    caseworker = sign_in("a.okafor")
    refused = caseworker.get("/emergency", params={"postcode": "NB1 1AA", "radius": "100"})
    assert refused.status_code == 403 and "holds no purpose that covers gis_emergency_planning_export" in refused.text
    entry = last_entry("emergency")
    assert entry["outcome"] == "refused" and entry["user"] == "a.okafor"
    assert caseworker.get("/review").status_code == 403
    responder = sign_in("t.adeyemi")
    assert responder.get("/find", params={"q": "Smith"}).status_code == 403


def test_the_nightly_gis_export_lists_every_placed_living_resident(web_env):
    folder = web_env["data"] / "exports" / "gis"
    geo = json.loads((folder / "residents_for_emergency_planning.geojson").read_text())
    con = snapshot(web_env)
    placed, = con.execute("SELECT count(*) FROM golden_residents WHERE NOT deceased AND easting IS NOT NULL").fetchone()
    con.close()
    assert len(geo["features"]) == placed > 0
    assert geo["about"]["flag_systems"]["adult_care"] and geo["about"]["flag_systems"]["blue_badge"]
    assert (folder / "residents_for_emergency_planning.csv").read_text().count("\n") == placed + 1


def test_the_export_check_fails_when_residents_have_no_coordinates(tmp_path):
    from dagster_duckdb import DuckDBResource

    from resident_index.defs.web.gis_export import residents_placed

    database = tmp_path / "w.duckdb"
    con = duckdb.connect(str(database))
    con.execute("""CREATE TABLE golden_residents AS SELECT 'R' || i AS resident_id, false AS deceased,
                   CASE WHEN i < 5 THEN 530000.0 + i END AS easting FROM range(10) t(i)""")
    con.close()
    result = residents_placed(warehouse=DuckDBResource(database=str(database)))
    assert not result.passed and result.metadata["with_coordinates"].value == 5
    assert "never in an emergency radius list" in result.metadata["why"].value
