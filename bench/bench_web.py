"""Benchmark: the web app's page loads and $match calls, over HTTP, on a built council.

Starts the app as `make web` does (python -m resident_index.web, its own process) on a copy of a built data
folder's read snapshot and model (so its audit log and passwords are written in the copy, never the
original), signs in, and times each kind of request many times with different residents, after a warm-up:
find by name, find by postcode, the resident page, the review queue, a review pair, $match (each resident's
golden name, date of birth and postcode, written as a front desk would type them) and an emergency radius.
Each time is the client's: request sent to the last byte read, audit entry written. Writes section
`web-<N>` of docs/benchmarks.md (median and 95th percentile; the target is under 200 ms).

    .venv/bin/python bench/bench_web.py --data /path/to/built/data    # a folder `resident-index run` built
    .venv/bin/python bench/bench_web.py --residents 30000              # build one first (minutes)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import requests

from resident_index.benchmarks import machine, write_section

PROJECT = Path(__file__).resolve().parents[1]
TARGET_MS = 200


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(residents: int, root: Path) -> Path:
    data = root / "data"
    env = {**os.environ, "RESIDENT_INDEX_DATA_DIR": str(data), "GX_ANALYTICS_ENABLED": "False"}
    for args in (["synth", "--residents", str(residents), "--seed", "1"], ["run"]):
        subprocess.run([sys.executable, "-m", "resident_index.cli", *args], env=env, cwd=PROJECT, check=True)
    return data


def copy_for_reading(source: Path, root: Path) -> Path:
    data = root / "data"
    data.mkdir(parents=True)
    shutil.copy2(source / "warehouse.read.duckdb", data / "warehouse.read.duckdb")
    shutil.copytree(source / "models", data / "models")
    shutil.copytree(source / "truth", data / "truth")  # the synthetic council's mark: demo passwords allowed
    return data


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="a data folder `resident-index run` built")
    parser.add_argument("--residents", type=int, help="build a council of this size first")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per kind (default 60)")
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs/benchmarks.md")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench_web_"))
    try:
        source = args.data if args.data else build(args.residents or 3000, root / "built")
        data = copy_for_reading(source, root / "read")
        con = duckdb.connect(str(data / "warehouse.read.duckdb"), read_only=True)
        residents = con.execute("SELECT count(*) FROM golden_residents").fetchone()[0]
        people = con.execute("""SELECT resident_id, forename, surname, dob, postcode FROM golden_residents
                                WHERE forename IS NOT NULL AND surname IS NOT NULL AND dob IS NOT NULL
                                  AND postcode IS NOT NULL AND easting IS NOT NULL AND NOT deceased
                                USING SAMPLE 400 ROWS (reservoir, 7)""").fetchall()
        pairs = con.execute("SELECT unique_id_l, unique_id_r FROM review_queue ORDER BY priority DESC LIMIT 200").fetchall()
        con.close()
        env = {**os.environ, "RESIDENT_INDEX_DATA_DIR": str(data), "GX_ANALYTICS_ENABLED": "False"}
        subprocess.run([sys.executable, "-m", "resident_index.cli", "web-user", "--demo"], env=env, cwd=PROJECT,
                       check=True, capture_output=True)
        port = _port()
        server = subprocess.Popen([sys.executable, "-m", "resident_index.web", "--port", str(port)], env=env,
                                  cwd=PROJECT, stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    requests.get(f"{base}/signin", timeout=2)
                    break
                except requests.RequestException:
                    time.sleep(0.2)
            load_before = os.getloadavg()[0]
            results = run(base, people, pairs, args.requests)
            load = (load_before, os.getloadavg()[0])
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    markdown = report(residents, results, args.requests, load)
    print(markdown)
    if not args.no_write:
        write_section(f"web-{'300k' if residents >= 250_000 else '30k' if residents >= 25_000 else residents}", markdown)
    return 0 if all(r["p95"] < TARGET_MS for r in results.values()) else 1


def run(base: str, people: list, pairs: list, n: int) -> dict:
    rng = random.Random(7)

    def session(user: str) -> requests.Session:
        s = requests.Session()
        s.post(f"{base}/signin", data={"user": user, "password": "northbridge-demo", "next": "/find"}, timeout=30)
        return s

    caseworker, reviewer, responder = session("a.okafor"), session("r.baker"), session("t.adeyemi")

    def fhir(p):
        return {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": {
            "resourceType": "Patient", "name": [{"family": p[2].title(), "given": [p[1].title()]}],
            "birthDate": p[3].isoformat(), "address": [{"postalCode": p[4].replace(" ", "").lower()}]}}]}

    kinds = {
        "find by name": lambda p: caseworker.get(f"{base}/find", params={"q": f"{p[1]} {p[2]}"}),
        "find by postcode": lambda p: caseworker.get(f"{base}/find", params={"q": p[4]}),
        "resident page": lambda p: caseworker.get(f"{base}/residents/{p[0]}"),
        "review queue": lambda p: reviewer.get(f"{base}/review"),
        "review pair": lambda p: reviewer.get(f"{base}/review/pair", params=dict(zip("lr", rng.choice(pairs)))),
        "$match (FHIR)": lambda p: caseworker.post(f"{base}/fhir/Patient/$match", json=fhir(p)),
        "emergency radius 300 m": lambda p: responder.get(f"{base}/emergency", params={"postcode": p[4], "radius": "300"}),
    }
    results = {}
    for kind, call in kinds.items():
        for p in people[:3]:  # warm-up
            call(p)
        times, found = [], 0
        for p in rng.sample(people, min(n, len(people))):
            t0 = time.perf_counter()
            reply = call(p)
            _ = reply.content
            times.append((time.perf_counter() - t0) * 1000)
            assert reply.status_code == 200, f"{kind}: {reply.status_code} {reply.text[:300]}"
            if kind == "$match (FHIR)":
                entry = (reply.json().get("entry") or [{}])[0]
                found += entry.get("resource", {}).get("id") == p[0]
        results[kind] = {"median": statistics.median(times), "p95": percentile(times, 0.95), "max": max(times),
                         "n": len(times), **({"top_is_them": found} if kind == "$match (FHIR)" else {})}
    return results


def report(residents: int, results: dict, n: int, load: tuple[float, float]) -> str:
    rows = "\n".join(f"| {k} | {r['n']} | {r['median']:.0f} | {r['p95']:.0f} | {r['max']:.0f} | "
                     f"{'yes' if r['p95'] < TARGET_MS else '**no**'} |" for k, r in results.items())
    match = results.get("$match (FHIR)", {})
    return f"""## Web app: page loads and $match at {residents:,} residents

`bench/bench_web.py`: the app as `make web` runs it (its own process, uvicorn), over HTTP on 127.0.0.1, on
the read snapshot of a built {residents:,}-resident council; {n} timed requests of each kind, each for a
different resident (after 3 warm-up requests), each writing its audit entry. Machine: {machine()}; load
average {load[0]:.1f} at the start and {load[1]:.1f} at the end (above the core count: other work was running
on the same cores, and every figure is slower for it).

| request | n | median ms | p95 ms | max ms | p95 under {TARGET_MS} ms |
|---|---|---|---|---|---|
{rows}

$match: each resident's golden forename, surname, date of birth and postcode, typed in title case with the
postcode's space left out; the resident themself was the top candidate in {match.get('top_is_them', 0)} of
{match.get('n', 0)}. Find by name compares the name with every resident's names (golden/lookup.py `find`: Jaro-Winkler
over the names each has used), so it grows with the population; the resident page is golden/lookup.py `show`
(16 small queries) plus the audit entry.
"""


if __name__ == "__main__":
    raise SystemExit(main())
