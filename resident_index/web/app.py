"""The web app (Starlette, Jinja2 templates rendered on the server, one small local stylesheet and no
script from anywhere else). Every page: the signed-in user (protection/access.yaml, password in
data/secrets/web_users.json) acting for one purpose, authorised by protection.access for the tables the
page reads, cut by the Grant, and written to the audit log. Pages read the read snapshot; a verdict, a
split or a merge is written to the warehouse's review_decisions as `resident-index review` writes it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import duckdb
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from resident_index import read_snapshot, settings
from resident_index.protection.access import AccessDenied, Grant, authorise
from resident_index.protection.config import Protection, config_files, load_protection
from resident_index.web import emergency, match, reviewing, search, users

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
COOKIE = "ri_session"
IDLE_SECONDS = 30 * 60

#: tables each page reads (what the purpose must cover)
FIND_TABLES = ["golden_residents"]
RESIDENT_TABLES = ["golden_residents"]
REVIEW_TABLES = ["review_queue"]
DECISION_TABLES = ["review_decisions"]
#: the emergency list is the nightly GIS export cut to a radius: its purpose must cover that table
EMERGENCY_TABLES = ["gis_emergency_planning_export"]


class State:
    """What the process holds: sessions (in memory: a restart signs everyone out), the protection config
    (reloaded when a file changes) and one read-only connection to the snapshot (reopened when a build
    publishes a new one)."""

    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.lock = threading.Lock()
        self._protection: tuple[tuple, Protection] | None = None
        self._snapshot: tuple[tuple, duckdb.DuckDBPyConnection, str] | None = None
        self.decided: set[tuple[str, str]] = set()

    def protection(self) -> Protection:
        key = tuple((str(p), p.stat().st_mtime_ns) for p in config_files())
        with self.lock:
            if self._protection is None or self._protection[0] != key:
                self._protection = (key, load_protection())
            return self._protection[1]

    def snapshot(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the read snapshot (its own connection per request thread)."""
        path = read_snapshot.snapshot_path()
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist yet: run `make demo` (or `resident-index run`); the "
                                    "app reads only what a build has published")
        stat = path.stat()
        key = (stat.st_ino, stat.st_mtime_ns)
        with self.lock:
            if self._snapshot is None or self._snapshot[0] != key:
                old = self._snapshot
                con = duckdb.connect(str(path), read_only=True)
                self._snapshot = (key, con, read_snapshot.as_at(read_snapshot.info(con)))
                if old is not None:
                    old[1].close()
            return self._snapshot[1].cursor()

    def about(self) -> str:
        """'as at ... (build ..., extracts to ...)' of the snapshot the pages read (read once per snapshot)."""
        self.snapshot().close()
        return self._snapshot[2]


STATE = State()


# ---- sessions and access ------------------------------------------------------------------------------
def session(request: Request) -> dict | None:
    basic = getattr(request.state, "basic", None)  # a $match call with HTTP Basic credentials
    if basic is not None:
        return basic
    token = request.cookies.get(COOKIE)
    s = STATE.sessions.get(token) if token else None
    if s is None or s["expires"] < time.time():
        return None
    s["expires"] = time.time() + IDLE_SECONDS
    return s


async def form(request: Request) -> dict[str, list[str]]:
    """The urlencoded form body (no multipart: nothing is uploaded)."""
    return parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True)


def first(values: dict[str, list[str]], key: str, default: str = "") -> str:
    return (values.get(key) or [default])[0].strip()


def page(request: Request, template: str, context: dict, status: int = 200) -> HTMLResponse:
    s = session(request)
    prot = None
    try:
        prot = STATE.protection()
    except Exception:  # noqa: BLE001 (the page still renders; the error shows where the config is used)
        pass
    user = s and prot and prot.users.get(s["user"])
    base = {"request": request, "session": s, "user": user,
            "purposes": (prot.purposes_of(s["user"]) if s and prot and s["user"] in prot.users else []),
            "purpose_titles": {k: v.title for k, v in prot.purposes.items()} if prot else {}}
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status)


def refused(request: Request, reason: str, status: int = 403) -> HTMLResponse:
    return page(request, "refused.html", {"reason": reason}, status=status)


def grant_for(request: Request, action: str, tables: list[str]) -> Grant:
    """The Grant for the signed-in user: their chosen purpose when it covers `tables`, else the one purpose
    of theirs that does (AccessDenied, audited, when none does)."""
    s = session(request)
    prot = STATE.protection()
    purpose = s.get("purpose")
    if purpose and not all(prot.purposes[purpose].columns(t) is not None for t in tables):
        purpose = None
    if purpose is None:
        covering = [p for p in prot.purposes_of(s["user"]) if all(prot.purposes[p].columns(t) is not None
                                                                    for t in tables)]
        purpose = covering[0] if len(covering) > 1 else None
    return authorise(action, tables, user=s["user"], purpose=purpose, protection=prot)


def signed_in(handler):
    """Sign-in required (else to /signin); AccessDenied is a 403 page; a missing snapshot a 503 page."""
    async def wrapped(request: Request):
        s = session(request)
        if s is None:
            return RedirectResponse("/signin?" + urlencode({"next": str(request.url.path)}), status_code=303)
        if request.method == "POST":
            values = await form(request)
            if not secrets.compare_digest(first(values, "csrf"), s["csrf"]):
                return refused(request, "the form was not sent from this app's own page (its token is missing or "
                                        "out of date): reload the page and try again", status=400)
            request.state.form = values
        try:
            return await handler(request)
        except AccessDenied as exc:
            return refused(request, str(exc))
        except FileNotFoundError as exc:
            return refused(request, str(exc), status=503)
    wrapped.__name__ = handler.__name__
    return wrapped


async def signin(request: Request):
    if request.method == "GET":
        return page(request, "signin.html", {"next": request.query_params.get("next", "/find"), "error": None,
                                             "demo": users.is_synthetic_data_dir()})
    values = await form(request)
    user, password, nxt = first(values, "user"), first(values, "password"), first(values, "next", "/find")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/find"
    prot = STATE.protection()
    if user not in prot.users or not users.check(user, password):
        from resident_index.protection import audit

        audit.record("sign_in", user=user if user in prot.users else None, purpose=None, outcome="refused",
                     detail=f"web sign-in refused for {user!r}: unknown user or wrong password")
        return page(request, "signin.html", {"next": nxt, "error": "Unknown user or wrong password.",
                                             "demo": users.is_synthetic_data_dir()}, status=401)
    token = secrets.token_urlsafe(32)
    held = prot.purposes_of(user)
    STATE.sessions[token] = {"user": user, "purpose": held[0] if held else None, "csrf": secrets.token_urlsafe(24),
                             "expires": time.time() + IDLE_SECONDS}
    from resident_index.protection import audit

    audit.record("sign_in", user=user, purpose=None, detail={"via": "web", "purposes": held})
    response = RedirectResponse(nxt, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=IDLE_SECONDS)
    return response


@signed_in
async def signout(request: Request):
    STATE.sessions.pop(request.cookies.get(COOKIE), None)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@signed_in
async def choose_purpose(request: Request):
    s = session(request)
    purpose = first(request.state.form, "purpose")
    if purpose not in STATE.protection().purposes_of(s["user"]):
        return refused(request, f"{s['user']} does not hold purpose {purpose!r}")
    s["purpose"] = purpose
    nxt = first(request.state.form, "next", "/find")
    return RedirectResponse(nxt if nxt.startswith("/") and not nxt.startswith("//") else "/find", status_code=303)


async def home(request: Request):
    return RedirectResponse("/find" if session(request) else "/signin", status_code=303)


# ---- find and the resident page ----------------------------------------------------------------------
def _dob(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date of birth {text!r}: expected YYYY-MM-DD") from None


@signed_in
async def find(request: Request):
    q, dob_text = request.query_params.get("q", "").strip(), request.query_params.get("dob", "").strip()
    if not q:
        return page(request, "find.html", {"q": "", "dob": "", "found": None, "error": None, "about": None})
    grant = grant_for(request, "find", FIND_TABLES)
    try:
        dob = _dob(dob_text)
    except ValueError as exc:
        return page(request, "find.html", {"q": q, "dob": dob_text, "found": None, "error": str(exc), "about": None})
    con = STATE.snapshot()
    found = grant.filter_found(search.search(con, q, dob, exclude=grant.hidden_residents(con)))
    about = STATE.about()
    grant.audit(residents=[f["resident_id"] for f in found], table="golden_residents", rows=len(found),
                detail={"via": "web", "query": q, "kind": search.kind_of(q), "dob": dob_text or None})
    if len(found) == 1 and search.kind_of(q) == "resident_id":
        return RedirectResponse(f"/residents/{found[0]['resident_id']}", status_code=303)
    return page(request, "find.html", {"q": q, "dob": dob_text, "found": found, "error": None, "about": about,
                                       "kind": search.kind_of(q)})


def _may(request: Request, tables: list[str]) -> Grant | None:
    """The Grant a reviewer's action would get, or None (not audited: only asks what to offer)."""
    s = session(request)
    prot = STATE.protection()
    covering = [p for p in prot.purposes_of(s["user"]) if all(prot.purposes[p].columns(t) is not None for t in tables)]
    return bool(covering)


@signed_in
async def resident(request: Request):
    rid = request.path_params["resident_id"]
    grant = grant_for(request, "show", RESIDENT_TABLES)
    con = STATE.snapshot()
    now = search.current_id(con, rid)
    if now is not None and now != rid:
        grant.audit(residents=[rid, now], table="golden_residents", rows=0,
                    detail={"via": "web", "redirect": f"{rid} was merged into {now}"})
        return RedirectResponse(f"/residents/{now}?from={rid}", status_code=303)
    hidden = rid in grant.hidden_residents(con)
    person = None if hidden else search.lookup.show(con, rid)
    if person is None:
        grant.audit(residents=[rid], table="golden_residents", rows=0,
                    detail={"via": "web", "shown": None, "why": "restricted: not shown" if hidden else "no such resident"})
        return page(request, "refused.html", {"reason": f"No resident {rid} is in the index as at this snapshot."},
                    status=404)
    person = grant.filter_person(person)
    links = reviewing.link_evidence(con, rid) if grant.may_read("resident_crosswalk") else []
    links = [x for x in links if grant.sees_source(x["source_l"]) and grant.sees_source(x["source_r"])]
    grant.audit(residents=[rid, *(m["resident_id"] for m in person["household"]),
                           *(r["related_resident_id"] for r in person["relationships"])],
                table="golden_residents", rows=1, detail={"via": "web", "shown": rid})
    return page(request, "resident.html", {
        "p": person, "links": links, "about": STATE.about(),
        "merged_from": request.query_params.get("from"), "grant": grant,
        "may_review": _may(request, DECISION_TABLES), "message": request.query_params.get("message")})


# ---- review ------------------------------------------------------------------------------------------
@signed_in
async def review_queue(request: Request):
    grant = grant_for(request, "review", REVIEW_TABLES)
    con = STATE.snapshot()
    grade = request.query_params.get("grade") or None
    decided = STATE.decided | reviewing.pending_pairs()
    queue = reviewing.queue(con, decided, grade)
    grant.audit(residents=[x for q in queue["pairs"] for x in (q["resident_id_l"], q["resident_id_r"])],
                table="review_queue", rows=len(queue["pairs"]), detail={"via": "web", "grade": grade})
    return page(request, "review.html", {"queue": queue, "grade": grade, "grant": grant,
                                         "about": STATE.about(),
                                         "message": request.query_params.get("message")})


@signed_in
async def review_pair(request: Request):
    grant = grant_for(request, "review", REVIEW_TABLES)
    con = STATE.snapshot()
    left, right = request.query_params.get("l", ""), request.query_params.get("r", "")
    pair = reviewing.pair(con, left, right)
    if pair is None:
        return page(request, "refused.html", {"reason": f"{left} and {right} are not a pair in the review queue "
                                                        "as at this snapshot."}, status=404)
    if not (grant.sees_source(pair["source_l"]) and grant.sees_source(pair["source_r"])):
        raise grant.refuse(f"purpose {grant.purpose_id} does not see records of {pair['source_l']} and "
                           f"{pair['source_r']}", residents=[pair["resident_id_l"], pair["resident_id_r"]])
    grant.audit(residents=[pair["resident_id_l"], pair["resident_id_r"]], table="review_queue", rows=1,
                detail={"via": "web", "pair": [left, right]})
    decided = (min(left, right), max(left, right)) in (STATE.decided | reviewing.pending_pairs())
    return page(request, "pair.html", {"pair": pair, "decided": decided, "message": request.query_params.get("message"),
                                       "waterfall": reviewing.waterfall_svg(pair)})


def _record(grant: Grant, given: list[dict]) -> tuple[bool, list[str]]:
    written, notes = reviewing.write_verdicts(given)
    for v in given:
        STATE.decided.add((min(v["left"], v["right"]), max(v["left"], v["right"])))
    return written, notes


@signed_in
async def review_verdict(request: Request):
    grant = grant_for(request, "review", DECISION_TABLES)
    f = request.state.form
    left, right, verdict, note = first(f, "l"), first(f, "r"), first(f, "verdict"), first(f, "note") or None
    con = STATE.snapshot()
    pair = reviewing.pair(con, left, right)
    if pair is None:
        return page(request, "refused.html", {"reason": f"{left} and {right} are not a pair in the review queue."},
                    status=404)
    residents = [pair["resident_id_l"], pair["resident_id_r"]]
    if verdict == "skip":
        grant.audit(residents=residents, table="review_queue", rows=0,
                    detail={"via": "web", "verdict": "skip", "pair": [left, right]})
        nxt = reviewing.next_after(con, STATE.decided | reviewing.pending_pairs(), skip={(left, right)})
        return RedirectResponse(nxt or "/review?message=" + "skipped", status_code=303)
    if verdict not in ("same", "different"):
        return refused(request, f"verdict {verdict!r}: expected same, different or skip", status=400)
    try:
        written, notes = _record(grant, [reviewing.verdict(left, right, verdict, grant.user, note)])
    except ValueError as exc:
        return refused(request, str(exc), status=400)
    grant.audit(residents=residents, table="review_decisions", rows=1,
                detail={"via": "web", "verdict": verdict, "pair": [left, right], "note": note, "written": written})
    message = (f"Recorded: {verdict}. It applies from the next build_index run." if written else
               f"Kept: {verdict} (a build holds the warehouse; it is recorded by the next verdict or review).")
    message += "".join(f" {n}" for n in notes)
    nxt = reviewing.next_after(con, STATE.decided | reviewing.pending_pairs())
    return RedirectResponse((nxt + "&" if nxt else "/review?") + urlencode({"message": message}), status_code=303)


@signed_in
async def split(request: Request):
    rid = request.path_params["resident_id"]
    grant = grant_for(request, "split", DECISION_TABLES)
    f = request.state.form
    chosen, reason = f.get("record", []), first(f, "reason")
    if not reason:
        return refused(request, "a split needs a reason (it is recorded with the verdicts)", status=400)
    con = STATE.snapshot()
    try:
        given = reviewing.split_verdicts(con, rid, chosen, grant.user, reason)
        written, notes = _record(grant, given)
    except ValueError as exc:
        return refused(request, str(exc), status=400)
    grant.audit(residents=[rid], table="review_decisions", rows=len(given),
                detail={"via": "web", "split": rid, "records": chosen, "reason": reason, "written": written})
    message = (f"Split recorded: {len(chosen)} record(s) to leave {rid} ({len(given)} 'different' verdicts); "
               "it applies from the next build_index run.") + "".join(f" {n}" for n in notes)
    return RedirectResponse(f"/residents/{rid}?" + urlencode({"message": message}), status_code=303)


@signed_in
async def merge(request: Request):
    rid = request.path_params["resident_id"]
    grant = grant_for(request, "merge", DECISION_TABLES)
    f = request.state.form
    other, reason = first(f, "other").upper(), first(f, "reason")
    if not reason:
        return refused(request, "a merge needs a reason (it is recorded with the verdict)", status=400)
    con = STATE.snapshot()
    try:
        given = reviewing.merge_verdicts(con, rid, other, grant.user, reason)
        written, notes = _record(grant, given)
    except ValueError as exc:
        return refused(request, str(exc), status=400)
    grant.audit(residents=[rid, other], table="review_decisions", rows=len(given),
                detail={"via": "web", "merge": [rid, other], "reason": reason, "written": written})
    message = (f"Merge recorded: {rid} and {other} are the same person ('same' verdict); it applies from the "
               "next build_index run.") + "".join(f" {n}" for n in notes)
    return RedirectResponse(f"/residents/{rid}?" + urlencode({"message": message}), status_code=303)


# ---- find before create ------------------------------------------------------------------------------
def _match(request: Request, person: match.Person, count: int, only_certain: bool) -> tuple[Grant, list[dict]]:
    grant = grant_for(request, "match", FIND_TABLES)
    con = STATE.snapshot()
    found = match.score(con, person, match.model(settings.models_dir()), count, only_certain,
                        exclude=grant.hidden_residents(con))
    grant.audit(residents=[c["resident_id"] for c in found], table="golden_residents", rows=len(found),
                detail={"via": "web", "match": {k: v for k, v in vars(person).items() if v and k != "problems"}})
    return grant, found


async def fhir_match(request: Request):
    """POST /fhir/Patient/$match: a signed-in session, or HTTP Basic with a web user's password."""
    s = session(request)
    if s is None:
        s = _basic(request)
        if s is None:
            return JSONResponse(_outcome("security", "sign in, or send HTTP Basic credentials of a web user"),
                                status_code=401, headers={"WWW-Authenticate": 'Basic realm="resident-index"'})
        request.state.basic = s
    try:
        body = json.loads(await request.body() or b"null")
        person, count, only_certain = match.parse_request(body)
        grant, found = _match(request, person, count, only_certain)
    except (json.JSONDecodeError, match.BadRequest) as exc:
        return JSONResponse(_outcome("invalid", str(exc)), status_code=400)
    except AccessDenied as exc:
        return JSONResponse(_outcome("forbidden", str(exc)), status_code=403)
    except FileNotFoundError as exc:
        return JSONResponse(_outcome("not-found", str(exc)), status_code=503)
    base = str(request.base_url).rstrip("/")
    return JSONResponse(json.loads(json.dumps(match.bundle(found, person, base, grant), default=str)),
                        media_type="application/fhir+json")


def _basic(request: Request) -> dict | None:
    import base64

    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except Exception:  # noqa: BLE001
        return None
    prot = STATE.protection()
    if user not in prot.users or not users.check(user, password):
        return None
    held = prot.purposes_of(user)
    return {"user": user, "purpose": None if len(held) != 1 else held[0], "csrf": "", "expires": time.time() + 5}


def _outcome(code: str, text: str) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}


@signed_in
async def match_page(request: Request):
    if request.method == "GET":
        return page(request, "match.html", {"given": {}, "found": None, "error": None})
    given = {k: first(request.state.form, k) for k in ("forename", "surname", "dob", "postcode", "address", "uprn",
                                                        "nhs_number", "ni_number", "email", "phone")}
    try:
        person = match.quick_person(given)
        _, found = _match(request, person, 10, False)
    except match.BadRequest as exc:
        return page(request, "match.html", {"given": given, "found": None, "error": str(exc)}, status=400)
    return page(request, "match.html", {"given": given, "found": found, "error": None, "problems": person.problems})


# ---- emergency planning ------------------------------------------------------------------------------
def _emergency(request: Request) -> tuple[Grant, dict]:
    qp = request.query_params
    grant = grant_for(request, "emergency", EMERGENCY_TABLES)
    con = STATE.snapshot()
    systems = {k: [s for s in v if grant.sees_source(s)] for k, v in emergency.flag_systems().items()}

    def number(key):
        text = qp.get(key, "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{key} {text!r}: expected a number") from None

    radius = number("radius") or 200.0
    at = emergency.centre(con, easting=number("easting"), northing=number("northing"), uprn=qp.get("uprn") or None,
                          postcode=qp.get("postcode") or None)
    today = date.today()
    rows = emergency.within(con, at, radius, systems, today, exclude=grant.hidden_residents(con))
    for column in ("name", "dob", "age", "address"):
        if not grant.sees_column("gis_emergency_planning_export", column):
            rows = [{**r, column: None} for r in rows]
    grant.audit(residents=[r["resident_id"] for r in rows], table="gis_emergency_planning_export", rows=len(rows),
                detail={"via": "web", "centre": at.label, "radius_m": radius,
                        "format": request.url.path.rsplit(".", 1)[-1] if "." in request.url.path else "page"})
    return grant, {"at": at, "radius": radius, "rows": rows, "summary": emergency.summary(rows), "systems": systems,
                   "as_of": today, "about": STATE.about()}


@signed_in
async def emergency_page(request: Request):
    qp = request.query_params
    if not any(qp.get(k) for k in ("easting", "postcode", "uprn")):
        grant_for(request, "emergency", EMERGENCY_TABLES)  # refused here, not after the form is filled in
        return page(request, "emergency.html", {"result": None, "error": None, "qp": qp})
    try:
        _, result = _emergency(request)
    except ValueError as exc:
        return page(request, "emergency.html", {"result": None, "error": str(exc), "qp": qp}, status=400)
    svg = emergency.svg_plot(result["rows"], result["at"], result["radius"])
    return page(request, "emergency.html", {"result": result, "svg": svg, "error": None, "qp": qp,
                                            "shown": emergency.for_the_page(result["rows"]),
                                            "query": urlencode({k: v for k, v in qp.items()}),
                                            "titles": emergency.FLAG_TITLES})


@signed_in
async def emergency_export(request: Request):
    try:
        _, result = _emergency(request)
    except ValueError as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    stamp = f"{result['as_of']:%Y%m%d}"
    if request.url.path.endswith(".geojson"):
        about = {"centre": result["at"].label, "radius_m": result["radius"], "as_of": str(result["as_of"]),
                 "snapshot": result["about"], **result["summary"]}
        return Response(emergency.geojson_text(result["rows"], about), media_type="application/geo+json",
                        headers={"Content-Disposition": f'attachment; filename="emergency-{stamp}.geojson"'})
    return Response(emergency.to_csv(result["rows"]), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="emergency-{stamp}.csv"'})


routes = [
    Route("/", home),
    Route("/signin", signin, methods=["GET", "POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/purpose", choose_purpose, methods=["POST"]),
    Route("/find", find),
    Route("/residents/{resident_id}", resident),
    Route("/residents/{resident_id}/split", split, methods=["POST"]),
    Route("/residents/{resident_id}/merge", merge, methods=["POST"]),
    Route("/review", review_queue),
    Route("/review/pair", review_pair),
    Route("/review/verdict", review_verdict, methods=["POST"]),
    Route("/match", match_page, methods=["GET", "POST"]),
    Route("/fhir/Patient/$match", fhir_match, methods=["POST"]),
    Route("/emergency", emergency_page),
    Route("/emergency.geojson", emergency_export),
    Route("/emergency.csv", emergency_export),
    Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
]


SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),  # pages hold personal data: never kept by the browser or a proxy
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Every response: nothing from elsewhere may load, nothing is cached, no referrer leaves."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, sending)


def create_app() -> Starlette:
    from starlette.middleware import Middleware

    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])


app = create_app()
