"""Find before create: score a person as a front-desk system gives them against every resident in the
index with the trained model, shaped on FHIR Patient `$match` (a Bundle of candidates, each with a score
0-1 and a match grade certain / probable / possible / certainly-not).

The query is standardised by the functions staging uses (standardise/), so it is compared as a source
record would be. Candidates are the residents the model's own kinds of blocking find (NHS or NI number,
date of birth, surname or postcode with the forename's initial, UPRN, email, phone); each is scored against
its golden record by the trained model's comparisons (data/models/resident_model.json: every level's SQL
and its m and u values), without Splink's term-frequency adjustment. The grade follows the council's
model.yaml: `certain` at or above link_threshold (the index would link them), `probable` at or above
review_threshold (it would send them to review), `possible` when the evidence leans towards the same person
(match weight above 0); `certainly-not` when both hold NHS numbers, or NI numbers, that differ (no link
joins those), listed when the rest of the evidence leans towards them, so the front desk knows who it is not.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from resident_index.golden.lookup import _literal

GRADES = ("certain", "probable", "possible", "certainly-not")
MATCH_GRADE_URL = "http://hl7.org/fhir/StructureDefinition/match-grade"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
NI_SYSTEM = "https://fhir.hl7.org.uk/Id/nino"  # HMRC National Insurance number
UPRN_SYSTEM = "https://www.geoplace.co.uk/uprn"
MAX_CANDIDATES = 500

#: the record's columns the model compares (prepare.sql), from a golden record or the query
COLUMNS = ("forename", "forename_canonical", "surname", "previous_surname", "dob", "dob_text", "postcode",
           "postcode_sector", "uprn", "address", "address_tokens", "nhs_number", "ni8", "shared_id", "email", "phone")


class BadRequest(ValueError):
    """The request is not a Patient or Parameters resource we can read: the message says what is wrong."""


@dataclass
class Person:
    forename: str | None = None
    surname: str | None = None
    dob: date | None = None
    postcode: str | None = None
    address: str | None = None
    uprn: str | None = None
    nhs_number: str | None = None
    ni_number: str | None = None
    email: str | None = None
    phone: str | None = None
    problems: list[str] = field(default_factory=list)


def _value(resource: dict, key: str):
    value = resource.get(key)
    return value[0] if isinstance(value, list) and value else value if isinstance(value, dict) else None


def parse_request(body: dict) -> tuple[Person, int, bool]:
    """(person, count, only_certain) from a FHIR Parameters resource (parameter `resource` a Patient,
    optional `count` and `onlyCertainMatches`) or a bare Patient."""
    if not isinstance(body, dict):
        raise BadRequest("expected a JSON object: a FHIR Parameters resource or a Patient")
    count, only_certain = 10, False
    if body.get("resourceType") == "Parameters":
        patient = None
        for p in body.get("parameter") or []:
            if p.get("name") == "resource":
                patient = p.get("resource")
            elif p.get("name") == "count":
                count = p.get("valueInteger", count)
            elif p.get("name") == "onlyCertainMatches":
                only_certain = bool(p.get("valueBoolean"))
        if patient is None:
            raise BadRequest("Parameters has no parameter named 'resource' holding the Patient to match")
    elif body.get("resourceType") == "Patient":
        patient = body
    else:
        raise BadRequest(f"resourceType {body.get('resourceType')!r}: expected 'Parameters' or 'Patient'")
    if patient.get("resourceType") != "Patient":
        raise BadRequest("the 'resource' parameter must be a Patient")
    if not isinstance(count, int) or not 1 <= count <= 100:
        raise BadRequest(f"count {count!r}: expected a whole number from 1 to 100")
    person = Person()
    name = _value(patient, "name") or {}
    given = name.get("given") or []
    person.forename = given[0] if given else None
    person.surname = name.get("family")
    if patient.get("birthDate"):
        try:
            person.dob = date.fromisoformat(patient["birthDate"])
        except ValueError:
            raise BadRequest(f"birthDate {patient['birthDate']!r}: expected YYYY-MM-DD") from None
    address = _value(patient, "address") or {}
    person.address = ", ".join(address.get("line") or []) or None
    person.postcode = address.get("postalCode")
    for ident in patient.get("identifier") or []:
        system, value = ident.get("system"), ident.get("value")
        if system == NHS_SYSTEM:
            person.nhs_number = value
        elif system == NI_SYSTEM:
            person.ni_number = value
        elif system == UPRN_SYSTEM:
            person.uprn = value
    for telecom in patient.get("telecom") or []:
        if telecom.get("system") == "email":
            person.email = telecom.get("value")
        elif telecom.get("system") == "phone" and not person.phone:
            person.phone = telecom.get("value")
    if not (person.surname or person.nhs_number or person.ni_number):
        raise BadRequest("the Patient needs at least a family name, an NHS number or an NI number to match on")
    return person, count, only_certain


def standardise(person: Person) -> dict:
    """The query as prepare.sql would see it, by the standardisers staging uses."""
    import polars as pl

    from resident_index.standardise import addresses, contacts, identifiers, names, postcodes

    def one(fn, value, column=None):
        if value in (None, ""):
            return None
        out = fn(pl.Series([str(value)], dtype=pl.String))
        out = out[column] if column else out
        return out.to_list()[0]

    nhs = one(identifiers.nhs_number, person.nhs_number, "nhs_number")
    nhs_valid = one(identifiers.nhs_number, person.nhs_number, "nhs_valid")
    ni = one(identifiers.ni_number, person.ni_number, "ni_number")
    ni_valid = one(identifiers.ni_number, person.ni_number, "ni_valid")
    postcode = one(postcodes.normalise_postcode, person.postcode, "postcode")
    postcode_valid = one(postcodes.normalise_postcode, person.postcode, "postcode_valid")
    forename = one(names.clean_name, person.forename)
    q = {"forename": forename, "forename_canonical": one(names.canonical_forename, person.forename),
         "surname": one(names.clean_name, person.surname), "previous_surname": None, "dob": person.dob,
         "postcode": postcode if postcode_valid else postcode, "uprn": (person.uprn or "").strip() or None,
         "address": one(addresses.clean_address, person.address),
         "nhs_number": nhs if nhs_valid else None, "ni8": ni[:8] if ni and ni_valid else None, "shared_id": None,
         "email": one(contacts.email, person.email, "email"), "phone": one(contacts.phone_e164, person.phone, "phone")}
    if person.nhs_number and not nhs_valid:
        person.problems.append(f"NHS number {person.nhs_number!r} fails its check digit: not used")
    if person.ni_number and not ni_valid:
        person.problems.append(f"NI number {person.ni_number!r} is not a valid format: not used")
    return q


def _derived(prefix: str = "") -> str:
    """prepare.sql's derived columns, from the base columns of a relation."""
    return f"""{prefix}forename, {prefix}forename_canonical, {prefix}surname, {prefix}previous_surname, {prefix}dob,
        strftime({prefix}dob, '%Y-%m-%d') AS dob_text, {prefix}postcode,
        CASE WHEN regexp_full_match({prefix}postcode, '[A-Z]{{1,2}}[0-9][A-Z0-9]? [0-9][A-Z]{{2}}')
             THEN left({prefix}postcode, length({prefix}postcode) - 2) END AS postcode_sector,
        {prefix}uprn, {prefix}address,
        list_distinct(list_filter(regexp_split_to_array({prefix}address, '[^A-Z0-9]+'), t -> t <> '')) AS address_tokens,
        {prefix}nhs_number, {prefix}ni8, {prefix}shared_id, {prefix}email, {prefix}phone"""


class Model:
    """The trained model's comparisons as one SQL expression per comparison (its match weight)."""

    def __init__(self, path: Path, link_threshold: float, review_threshold: float):
        self.path = path
        self.mtime = path.stat().st_mtime
        settings = json.loads(path.read_text(encoding="utf-8"))
        prior = settings["probability_two_random_records_match"]
        self.prior_weight = math.log2(prior / (1 - prior))
        self.link_threshold, self.review_threshold = link_threshold, review_threshold
        self.comparisons: list[tuple[str, str]] = []
        for comparison in settings["comparisons"]:
            cases = []
            for level in comparison["comparison_levels"]:
                condition = level["sql_condition"]
                if level.get("is_null_level"):
                    weight = 0.0
                else:
                    m, u = level.get("m_probability"), level.get("u_probability")
                    weight = math.log2(m / u) if m and u else 0.0
                if condition.strip().upper() == "ELSE":
                    cases.append(f"ELSE {weight!r}")
                else:
                    cases.append(f"WHEN {condition} THEN {weight!r}")
            if not cases[-1].startswith("ELSE"):
                cases.append("ELSE 0.0")
            self.comparisons.append((comparison["output_column_name"], "CASE " + " ".join(cases) + " END"))

    def grade(self, probability: float, conflict: bool) -> str:
        if conflict:
            return "certainly-not"
        if probability >= self.link_threshold:
            return "certain"
        if probability >= self.review_threshold:
            return "probable"
        return "possible"


_models: dict[str, Model] = {}
_lock = threading.Lock()


def model(models_dir: Path, cfg: dict | None = None) -> Model:
    """The trained model, reloaded when its file changes; FileNotFoundError in plain words when untrained."""
    from resident_index.resolution.splink_model import MODEL_FILE, model_config

    path = models_dir / MODEL_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: the matching model has not been trained "
                                "(train_resolution_model, or `make demo`)")
    with _lock:
        held = _models.get(str(path))
        if held is None or held.mtime != path.stat().st_mtime:
            cfg = cfg or model_config()
            held = _models[str(path)] = Model(path, float(cfg["link_threshold"]), float(cfg["review_threshold"]))
        return held


def _values(rows: list[dict]) -> str:
    def lit(v):
        if isinstance(v, date):
            return f"DATE '{v.isoformat()}'"
        return _literal(v)

    return ", ".join("(" + ", ".join(lit(r[c]) for c in BASE) + ")" for r in rows)


BASE = ("resident_id", "forename", "forename_canonical", "surname", "previous_surname", "dob", "postcode", "uprn",
        "address", "nhs_number", "ni8", "shared_id", "email", "phone")
TYPES = {"dob": "DATE"}


def candidates(con: duckdb.DuckDBPyConnection, q: dict, exclude: set[str] | frozenset = frozenset()) -> list[dict]:
    """Residents the model's kinds of blocking rule find for the query (at most MAX_CANDIDATES).

    One SELECT per kind, joined by UNION: each filters on one column by equality (or a range), which DuckDB
    applies to that column alone and then reads the other columns of the rows it kept; one OR of them all
    would read every column of every resident."""
    rules = []
    initial = q["forename"][:1] if q["forename"] else None
    if q["nhs_number"]:
        rules.append(f"g.nhs_number = {_literal(q['nhs_number'])}")
    if q["ni8"]:  # left(ni_number, 8) = ni8, with the range that finds them without reading every NI number
        ni8 = _literal(q["ni8"])
        rules.append(f"g.ni_number >= {ni8} AND g.ni_number <= {ni8} || '~' AND left(g.ni_number, 8) = {ni8}")
    if q["dob"]:
        rules.append(f"g.dob = DATE '{q['dob'].isoformat()}'")
    if q["surname"] and initial:
        rules.append(f"g.surname = {_literal(q['surname'])} AND left(g.forename, 1) = {_literal(initial)}")
    if q["postcode"] and initial:
        rules.append(f"g.postcode = {_literal(q['postcode'])} AND left(g.forename, 1) = {_literal(initial)}")
    if q["uprn"]:
        rules.append(f"g.uprn = {_literal(q['uprn'])}")
    if q["email"]:
        rules.append(f"g.email = {_literal(q['email'])}")
    if q["phone"]:  # coalesce(mobile, phone) = phone
        rules.append(f"g.mobile = {_literal(q['phone'])}")
        rules.append(f"g.phone = {_literal(q['phone'])} AND g.mobile IS NULL")
    if q["forename"] and q["surname"]:
        rules.append(f"g.forename = {_literal(q['surname'])} AND g.surname = {_literal(q['forename'])}")
    if not rules:
        return []
    hidden = f"AND g.resident_id NOT IN ({', '.join(map(_literal, sorted(exclude)))})" if exclude else ""
    select = """SELECT g.resident_id, g.forename, g.surname, NULL AS previous_surname, g.dob, g.postcode, g.uprn,
               concat_ws(', ', g.address, g.postcode) AS address_full, g.address, g.nhs_number,
               left(g.ni_number, 8) AS ni8, NULL AS shared_id, g.email, coalesce(g.mobile, g.phone) AS phone,
               g.deceased, concat_ws(' ', g.forename, g.surname) AS name
        FROM golden_residents g"""
    union = "\n        UNION ".join(f"{select} WHERE {rule} {hidden}" for rule in rules)
    result = con.execute(f"SELECT * FROM ({union}) ORDER BY resident_id LIMIT {MAX_CANDIDATES}")
    cols = [d[0] for d in result.description]
    return [dict(zip(cols, r)) for r in result.fetchall()]


def score(con: duckdb.DuckDBPyConnection, person: Person, m: Model, count: int = 10, only_certain: bool = False,
          exclude: set[str] | frozenset = frozenset()) -> list[dict]:
    """The best `count` candidates: resident_id, probability, match_weight, grade, breakdown (weight per
    comparison), best first; those whose evidence leans against (weight <= 0) are left out."""
    import polars as pl

    from resident_index.standardise import names

    q = standardise(person)
    found = candidates(con, q, exclude)
    if not found:
        return []
    canonical = names.canonical_forename(pl.Series([f["forename"] or "" for f in found], dtype=pl.String)).to_list()
    for f, c in zip(found, canonical):
        f["forename_canonical"] = c or None
    query_row = {"resident_id": None, **q}
    cols = ", ".join(BASE)
    cast = lambda side: ", ".join(f"{c}::{TYPES.get(c, 'VARCHAR')} AS {c}" for c in BASE)  # noqa: E731
    parts = ", ".join(f"round({sql}, 2)::DOUBLE AS w_{name}" for name, sql in m.comparisons)
    total = " + ".join(f"w_{name}" for name, _ in m.comparisons)
    sql = f"""
        WITH q0 AS (SELECT {cast('l')} FROM (VALUES {_values([query_row])}) v({cols})),
             c0 AS (SELECT {cast('r')} FROM (VALUES {_values(found)}) v({cols})),
             q AS (SELECT {_derived()} FROM q0), c AS (SELECT resident_id, {_derived()} FROM c0),
             pairs AS (SELECT c.resident_id, {', '.join(f'q.{x} AS {x}_l, c.{x} AS {x}_r' for x in COLUMNS)}
                       FROM q, c),
             scored AS (SELECT resident_id, nhs_number_l, nhs_number_r, ni8_l, ni8_r, {parts} FROM pairs)
        SELECT *, ({m.prior_weight!r} + {total})::DOUBLE AS match_weight FROM scored"""
    result = con.execute(sql)
    names_ = [d[0] for d in result.description]
    by_id = {f["resident_id"]: f for f in found}
    out = []
    for row in result.fetchall():
        r = dict(zip(names_, row))
        weight = r["match_weight"]
        probability = 1 / (1 + 2 ** (-weight))
        nhs_differs = bool(r["nhs_number_l"] and r["nhs_number_r"] and r["nhs_number_l"] != r["nhs_number_r"])
        ni_differs = bool(r["ni8_l"] and r["ni8_r"] and r["ni8_l"] != r["ni8_r"])
        conflict = nhs_differs or ni_differs
        # everything but the differing number leaning towards them: listed, as certainly not them
        rest = weight - (r.get("w_nhs_number") or 0) * nhs_differs - (r.get("w_ni8") or 0) * ni_differs
        if weight <= 0 and not (conflict and rest > 0):
            continue
        grade = m.grade(probability, conflict)
        if only_certain and grade != "certain":
            continue
        f = by_id[r["resident_id"]]
        out.append({"resident_id": r["resident_id"], "probability": round(probability, 6),
                    "match_weight": round(weight, 2), "grade": grade,
                    "breakdown": {name: r[f"w_{name}"] for name, _ in m.comparisons},
                    "name": f["name"], "dob": f["dob"], "address": f["address_full"], "deceased": f["deceased"]})
    order = {g: i for i, g in enumerate(GRADES)}
    out.sort(key=lambda c: (order[c["grade"]] == 3, -c["probability"], c["resident_id"]))
    return out[:count]


def bundle(found: list[dict], person: Person, base_url: str, grant) -> dict:
    """The FHIR searchset Bundle: each candidate as a Patient cut to the purpose, search.score its
    probability, the match-grade extension its grade, and each comparison's weight beside it."""
    entries = []
    for c in found:
        patient = {"resourceType": "Patient", "id": c["resident_id"],
                   "identifier": [{"system": f"{base_url}/resident-id", "value": c["resident_id"]}]}
        if grant.sees_column("golden_residents", "name") and c["name"]:
            parts = c["name"].split(" ")
            patient["name"] = [{"family": parts[-1], "given": parts[:-1], "text": c["name"]}]
        if grant.sees_column("golden_residents", "dob") and c["dob"]:
            patient["birthDate"] = c["dob"].isoformat()
        if grant.sees_column("golden_residents", "address") and c["address"]:
            patient["address"] = [{"text": c["address"]}]
        if grant.sees_column("golden_residents", "deceased") and c["deceased"] is not None:
            patient["deceasedBoolean"] = bool(c["deceased"])
        entries.append({
            "fullUrl": f"{base_url}/residents/{c['resident_id']}",
            "resource": patient,
            "search": {"mode": "match", "score": c["probability"],
                       "extension": [{"url": MATCH_GRADE_URL, "valueCode": c["grade"]}]},
            "matchWeight": {"total": c["match_weight"], "byComparison": c["breakdown"]},
        })
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}
    if person.problems:
        bundle["issues"] = person.problems
    return bundle


def quick_person(text: dict) -> Person:
    """A Person from the find-before-create form's fields (forename, surname, dob, postcode, ...)."""
    dob = None
    if text.get("dob"):
        try:
            dob = date.fromisoformat(text["dob"])
        except ValueError:
            raise BadRequest(f"date of birth {text['dob']!r}: expected YYYY-MM-DD") from None
    p = Person(**{k: (text.get(k) or None) for k in ("forename", "surname", "postcode", "address", "uprn",
                                                     "nhs_number", "ni_number", "email", "phone")}, dob=dob)
    if not (p.surname or p.nhs_number or p.ni_number):
        raise BadRequest("give at least a surname, an NHS number or an NI number")
    return p

