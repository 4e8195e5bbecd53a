"""The Dagster instance on PostgreSQL (RESIDENT_INDEX_DAGSTER_STORAGE=postgres): a real server started for the
test (Debian's postgresql, a temporary cluster on a free port of 127.0.0.1, with a password), the demo council
built on it by `resident-index run`, then the daemon on the same instance: a run killed while holding the
warehouse slot is failed and let go by dead_run_sensor, a queued build_index is launched by the run queue once
the slot is free, and marts_after_index follows it with build_marts. Every run, event, pool slot and sensor
tick is read back from PostgreSQL, and no SQLite run storage is written.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resident_index.instance_storage import STORAGE_VARIABLE
from resident_index_tests.conftest import PROJECT, cli, project_env
from resident_index_tests.scale import postgres_server

pytestmark = pytest.mark.scale

RESIDENTS, SEED = "300", "7"
DEMO_JOBS = {"ingest_sources", "train_resolution_model", "build_index", "build_marts", "evaluate_against_truth"}


@pytest.fixture(scope="module")
def postgres():
    reason = postgres_server.why_not_available()
    if reason:
        pytest.skip(reason)
    server = postgres_server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def council(postgres, tmp_path_factory) -> dict:
    """The 300-resident demo council generated and built by `resident-index run` on the Postgres instance."""
    data = tmp_path_factory.mktemp("council_on_postgres") / "data"
    env = project_env(data) | postgres.env() | {STORAGE_VARIABLE: "postgres"}
    synth = cli(env, "synth", "--residents", RESIDENTS, "--seed", SEED)
    assert synth.returncode == 0, synth.stderr
    started = time.monotonic()
    run = cli(env, "run")
    return {"env": env, "data": data, "run": run, "seconds": time.monotonic() - started}


@contextlib.contextmanager
def instance_of(env: dict[str, str], monkeypatch):
    """The instance the CLI used, opened here from its DAGSTER_HOME with its storage variables."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    for name in (STORAGE_VARIABLE, "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"):
        monkeypatch.setenv(name, env[name])
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(env["DAGSTER_HOME"])) as instance:
        yield instance


def rows(postgres, sql: str, *params) -> list[tuple]:
    connection = postgres.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def test_the_demo_builds_with_its_runs_and_events_in_postgres(postgres, council, monkeypatch):
    run = council["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "golden_residents:" in run.stdout and "accuracy against the synthetic truth" in run.stdout

    by_job = rows(postgres, "SELECT pipeline_name, status, count(*) FROM runs GROUP BY 1, 2")
    assert {job for job, _, _ in by_job} == DEMO_JOBS, by_job
    assert {status for _, status, _ in by_job} == {"SUCCESS"}, by_job
    assert dict((job, n) for job, _, n in by_job)["ingest_sources"] == 2  # the demo lands two extract dates
    materialised = dict(rows(postgres, """SELECT asset_key, count(*) FROM event_logs
                                          WHERE dagster_event_type = 'ASSET_MATERIALIZATION' GROUP BY 1"""))
    assert materialised.get('["golden_residents"]') == 1 and materialised.get('["resident_crosswalk"]') == 1
    assert rows(postgres, "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_CHECK_EVALUATION'")[0][0] > 0
    assert rows(postgres, "SELECT concurrency_key, \"limit\" FROM concurrency_limits") == [("warehouse", 1)]
    assert rows(postgres, "SELECT count(*) FROM concurrency_slots WHERE run_id IS NOT NULL")[0][0] == 0

    history = council["data"] / "dagster" / "history"
    assert not (history / "runs.db").exists() and not list(history.glob("runs/*.db")), "runs went to SQLite"
    with instance_of(council["env"], monkeypatch) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert len(instance.get_runs()) == sum(n for _, _, n in by_job)
    print(f"demo on PostgreSQL instance storage: {council['seconds']:.0f} s")


def test_the_daemon_recovers_a_dead_run_queues_and_follows_builds_on_postgres(postgres, council, monkeypatch):
    assert council["run"].returncode == 0, "the demo build failed (see the test above)"
    env = council["env"]
    import dagster as dg
    from dagster._core.events import DagsterEvent, DagsterEventType, EngineEventData

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with instance_of(env, monkeypatch) as instance:  # a build_index whose process was killed holding the slot
        dead = instance.create_run_for_job(dg.GraphDefinition(name="g").to_job(name="build_index"))
        instance.handle_new_event(dg.EventLogEntry(
            error_info=None, level="DEBUG", user_message="", run_id=dead.run_id, timestamp=time.time(),
            dagster_event=DagsterEvent(DagsterEventType.RUN_START.value, job_name="build_index")))
        instance.report_engine_event(f"Executing steps in process (pid: {gone.pid})", dead,
                                     EngineEventData.in_process(gone.pid))
        instance.event_log_storage.claim_concurrency_slot("warehouse", dead.run_id, "golden_residents")

    bin_dir = Path(sys.executable).parent
    launch = subprocess.run([str(bin_dir / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j", "build_index"],
                            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert launch.returncode == 0, launch.stdout + launch.stderr
    [(queued, status)] = rows(postgres, """SELECT run_id, status FROM runs WHERE pipeline_name = 'build_index'
                                           AND run_id NOT IN (%s) AND create_timestamp >
                                           (SELECT max(create_timestamp) FROM runs WHERE run_id = %s)""",
                              dead.run_id, dead.run_id)
    assert status == "QUEUED"

    log = (council["data"] / "daemon.log").open("w")
    daemon = subprocess.Popen([str(bin_dir / "dagster-daemon"), "run", "-w", "workspace.yaml"], cwd=PROJECT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, marts = time.monotonic() + 300, []
        while not marts or marts[0][1] not in ("SUCCESS", "FAILURE", "CANCELED"):
            assert daemon.poll() is None, (council["data"] / "daemon.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (
                f"no build_marts finished after the queued build_index within 5 minutes: "
                f"{rows(postgres, 'SELECT pipeline_name, status FROM runs ORDER BY create_timestamp')}")
            time.sleep(2)
            marts = rows(postgres, """SELECT r.run_id, r.status FROM runs r JOIN run_tags t ON t.run_id = r.run_id
                                      WHERE t.key = 'resident_index/after_build_index' AND t.value = %s""", queued)
    finally:  # the daemon and the code server it started (which would otherwise outlive it)
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(daemon.pid, signal.SIGKILL)
        log.close()

    status = dict(rows(postgres, "SELECT run_id, status FROM runs WHERE run_id IN (%s, %s, %s)",
                       dead.run_id, queued, marts[0][0]))
    assert status == {dead.run_id: "FAILURE", queued: "SUCCESS", marts[0][0]: "SUCCESS"}, status
    failure = rows(postgres, """SELECT event FROM event_logs WHERE run_id = %s
                                AND dagster_event_type = 'PIPELINE_FAILURE'""", dead.run_id)
    assert failure and f"its process (pid {gone.pid}) is no longer running" in failure[0][0]
    ticks = dict(rows(postgres, """SELECT coalesce(tick_body::json->>'job_name', tick_body::json->>'instigator_name'),
                                          count(*) FROM job_ticks GROUP BY 1"""))  # TickData stores the name as job_name
    assert ticks.get("dead_run_sensor", 0) >= 1 and ticks.get("marts_after_index", 0) >= 1, ticks
    assert rows(postgres, "SELECT count(*) FROM concurrency_slots WHERE run_id IS NOT NULL")[0][0] == 0
