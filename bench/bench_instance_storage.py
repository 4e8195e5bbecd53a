"""Dagster instance storage on SQLite and on PostgreSQL under the writes and reads our runs make.

Each worker process opens the project's instance (dagster.yaml, RESIDENT_INDEX_DAGSTER_STORAGE choosing the
storage) and, per run, does what a run of ours does to the instance: the run is created and started, its
warehouse slot claimed and freed, engine events and asset materialisations written (the materialisations go
to the shared asset index, as every asset of a build does), the latest materialisation of an asset read back
(as rows_against_last_build reads the last build's figure) and the in-progress runs listed (as recovery.py
does before each job). 1 worker is one `resident-index run`; 4 workers are the webserver, daemon, sensors
and runs of a busy server at once. PostgreSQL is a temporary server of Debian's package (as in
resident_index_tests/scale/test_postgres.py). Figures for docs/scaling.md:

    .venv/bin/python bench/bench_instance_storage.py [--runs 10 --events 200]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))


def _worker(env: dict[str, str], worker: int, runs: int, events: int, results) -> None:
    os.environ.update(env)
    import dagster as dg
    from dagster._core.events import DagsterEvent, DagsterEventType
    from dagster._core.instance.ref import InstanceRef

    from resident_index.recovery import find_dead_runs

    errors = []
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(env["DAGSTER_HOME"])) as instance:
        instance.get_run_records(limit=1)
        results.put({"ready": worker})
        while not Path(env["BENCH_GO"]).exists():  # every worker imported and connected: start together
            time.sleep(0.05)
        started = time.perf_counter()
        for number in range(runs):
            try:
                run = instance.create_run_for_job(dg.GraphDefinition(name="g").to_job(name=f"bench_{worker}"))
                instance.handle_new_event(dg.EventLogEntry(
                    error_info=None, level="DEBUG", user_message="", run_id=run.run_id, timestamp=time.time(),
                    dagster_event=DagsterEvent(DagsterEventType.RUN_START.value, job_name=run.job_name)))
                instance.event_log_storage.claim_concurrency_slot("bench_pool", run.run_id, "step")
                for event in range(events):
                    if event % 4 == 0:
                        instance.report_runless_asset_event(dg.AssetMaterialization(
                            f"bench_asset_{event % 40}", metadata={"dagster/row_count": event}))
                    else:
                        instance.report_engine_event(f"step {event} of run {number}", run)
                    if event % 20 == 0:
                        instance.fetch_materializations(dg.AssetKey(f"bench_asset_{event % 40}"), limit=1)
                find_dead_runs(instance)
                instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
                instance.report_run_failed(run, "bench run")  # ends it, as a finished run would
            except Exception:  # a lock or connection error is a result here, not a crash of the bench
                errors.append(traceback.format_exc(limit=1).strip().splitlines()[-1])
    results.put({"worker": worker, "seconds": time.perf_counter() - started, "errors": errors})


def measure(env: dict[str, str], workers: int, runs: int, events: int) -> dict:
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    os.environ.update(env)
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(env["DAGSTER_HOME"])) as instance:
        instance.get_run_records(limit=1)  # tables created once, before the workers (their own start-up race aside)
    results = multiprocessing.get_context("spawn").Queue()
    processes = [multiprocessing.get_context("spawn").Process(target=_worker, args=(env, w, runs, events, results))
                 for w in range(workers)]
    for process in processes:
        process.start()
    for _ in processes:
        results.get(timeout=600)
    started = time.perf_counter()
    Path(env["BENCH_GO"]).touch()
    done = [results.get(timeout=1800) for _ in processes]
    for process in processes:
        process.join()
    wall = time.perf_counter() - started
    errors = [e for d in done for e in d["errors"]]
    writes = workers * runs * (events + 3)
    return {"workers": workers, "wall_seconds": round(wall, 1), "writes": writes,
            "writes_per_second": round(writes / max(d["seconds"] for d in done), 1),
            "failed_runs": len(errors), "errors": sorted(set(errors))[:3]}


def instance_env(folder: Path, extra: dict[str, str]) -> dict[str, str]:
    home = folder / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text((PROJECT / "dagster.yaml").read_text().replace(
        "base_dir: data/dagster", f"base_dir: {folder / 'dagster'}"))
    return {"DAGSTER_HOME": str(home), "RESIDENT_INDEX_DAGSTER_STORAGE": "sqlite", "BENCH_GO": str(folder / "go"),
            **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per worker")
    parser.add_argument("--events", type=int, default=200, help="events per run")
    args = parser.parse_args()
    from resident_index_tests.scale import postgres_server

    reason = postgres_server.why_not_available()
    if reason:
        sys.exit(f"bench_instance_storage: {reason}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench_instance_storage: stopped"))  # so the server stops too
    server = postgres_server.start()
    figures = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-instance-") as scratch:
            for workers in (1, 4):
                for backend in ("sqlite", "postgres"):
                    folder = Path(scratch) / f"{backend}-{workers}"
                    extra = server.env() | {"RESIDENT_INDEX_DAGSTER_STORAGE": "postgres"} if backend == "postgres" else {}
                    if backend == "postgres":
                        connection = server.connect()
                        connection.autocommit = True
                        connection.cursor().execute(f"CREATE DATABASE bench_{workers}")
                        connection.close()
                        extra["PGDATABASE"] = f"bench_{workers}"
                    result = {"backend": backend, **measure(instance_env(folder, extra), workers, args.runs,
                                                            args.events)}
                    print(json.dumps(result), flush=True)
                    figures.append(result)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
