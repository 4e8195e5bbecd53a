"""A run killed with SIGKILL part way through a step: the next `resident-index run` notices, frees what the dead
run held, and ends with exactly the tables and exports of a build that was never interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resident_index_tests.conftest import CLI_TIMEOUT, PROJECT, cli
from resident_index_tests.faults.compare import (
    describe_differences, describe_file_differences, differing, outputs_digest, warehouse_digest)
from resident_index_tests.faults.conftest import synthesise

pytestmark = pytest.mark.faults

def _instance(env: dict[str, str]):
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(env["DAGSTER_HOME"]))


def _step_started(instance, step: str) -> bool:
    from dagster import DagsterEventType

    return any(e.step_key == step for r in instance.get_run_records()
               for e in instance.all_logs(r.dagster_run.run_id, of_type=DagsterEventType.STEP_START))


def _kill_during(env: dict[str, str], folder: Path, step: str, after: float) -> None:
    """Start `resident-index run`, and SIGKILL it (with every process it started) `after` seconds into `step`."""
    with (folder / "killed_run.log").open("w") as log:
        run = subprocess.Popen([sys.executable, "-m", "resident_index.cli", "run"], env=env, cwd=PROJECT,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    with _instance(env) as instance:
        deadline = time.monotonic() + CLI_TIMEOUT
        while run.poll() is None and not _step_started(instance, step):
            assert time.monotonic() < deadline, f"step {step} never started"
            time.sleep(0.1)
    assert run.poll() is None, f"the run ended before {step} started:\n{(folder / 'killed_run.log').read_text()}"
    time.sleep(after)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()


@pytest.mark.parametrize("step, after", [
    ("council_tax", 0.2),          # staging an extract
    ("resident_crosswalk", 0.3),   # clustering and persistent IDs
    ("golden_residents", 0.3),     # the golden record
])
def test_a_run_killed_during_a_step_is_recovered_and_the_rerun_equals_an_uninterrupted_build(
        clean_build, tmp_path, step, after):
    uninterrupted = clean_build
    env = synthesise(tmp_path)
    _kill_during(env, tmp_path, step, after)
    with _instance(env) as instance:
        assert any(not r.dagster_run.is_finished for r in instance.get_run_records()), "the kill left no run open"

    rerun = cli(env, "run")  # before the fix: waits for ever on the dead run's warehouse slot (cli's timeout)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "was left unfinished" in rerun.stdout and "its warehouse slot is freed" in rerun.stdout
    with _instance(env) as instance:
        killed = [r.dagster_run for r in instance.get_run_records() if r.dagster_run.status.value == "FAILURE"]
        assert killed and all(r.is_finished for r in (x.dagster_run for x in instance.get_run_records()))
        assert not instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots

    ref, got = warehouse_digest(uninterrupted / "warehouse.duckdb"), warehouse_digest(tmp_path / "warehouse.duckdb")
    tables = differing(ref, got)
    assert not tables, describe_differences(uninterrupted / "warehouse.duckdb", tmp_path / "warehouse.duckdb", tables)
    files = differing(outputs_digest(uninterrupted), outputs_digest(tmp_path))
    assert not files, describe_file_differences(uninterrupted, tmp_path, files)


def test_a_run_waiting_for_a_live_runs_warehouse_slot_says_whose_and_stops_on_sigterm(tmp_path):
    env = synthesise(tmp_path)
    with _instance(env) as instance:
        instance.event_log_storage.set_concurrency_slots("warehouse", 1)
        instance.event_log_storage.claim_concurrency_slot("warehouse", "a-live-run", "golden_residents")
        with (tmp_path / "waiting.log").open("w") as log:
            run = subprocess.Popen([sys.executable, "-m", "resident_index.cli", "run"], env=env, cwd=PROJECT,
                                   stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while "waiting for the warehouse" not in (tmp_path / "waiting.log").read_text():
            assert run.poll() is None and time.monotonic() < deadline, (tmp_path / "waiting.log").read_text()
            time.sleep(0.2)
        assert "step golden_residents" in (tmp_path / "waiting.log").read_text()
        run.terminate()
        run.wait(timeout=30)  # before the fix: ignored SIGTERM, waiting for ever
        assert not [r for r in instance.get_run_records() if not r.dagster_run.is_finished]
        assert {s.run_id for s in instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots} == {
            "a-live-run"}


def test_the_daemon_sensor_fails_a_run_whose_process_died_and_frees_its_slot(tmp_path):
    import dagster as dg

    from resident_index.defs.runs import dead_run_sensor

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with dg.instance_for_test() as instance:
        run = instance.create_run_for_job(dg.GraphDefinition(name="g").to_job(name="build_index"))
        from dagster._core.events import DagsterEvent, DagsterEventType, EngineEventData

        instance.handle_new_event(dg.EventLogEntry(
            error_info=None, level="DEBUG", user_message="", run_id=run.run_id, timestamp=time.time(),
            dagster_event=DagsterEvent(DagsterEventType.RUN_START.value, job_name="build_index")))
        instance.report_engine_event(f"Executing steps in process (pid: {gone.pid})", run,
                                     EngineEventData.in_process(gone.pid))
        instance.event_log_storage.set_concurrency_slots("warehouse", 1)
        instance.event_log_storage.claim_concurrency_slot("warehouse", run.run_id, "golden_residents")
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED

        result = dead_run_sensor(dg.build_sensor_context(instance=instance))
        assert f"its process (pid {gone.pid}) is no longer running" in result.skip_message
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        assert not instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots
        again = dead_run_sensor(dg.build_sensor_context(instance=instance))
        assert again.skip_message == "no run has died unfinished"
