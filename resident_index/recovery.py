"""Runs whose process died (killed, out of memory, the machine restarted) are marked failed and let go.

Dagster records a run as STARTED when its process begins and as finished when it ends; a process killed
with SIGKILL never says it ended, so the run stays STARTED and keeps its slot in the `warehouse` pool, and
every later run waits for that slot for ever. Dagster's own run monitoring cannot tell, on the default run
launcher, that the process has gone. Every run's process is named in its event log ("Executing steps in
process (pid: N)", or "Started process for run (pid: N)" when the UI or daemon launched it), so this module
looks for that process on this machine: when it is gone (or the pid now belongs to a process started after
the run), the run is reported failed with a plain message and its pool slots are freed.

`resident-index run` does this before it starts, and the daemon's `dead_run_sensor` every 30 seconds.
The instance is local (SQLite, or a Postgres that only this machine's runs use): a run on another machine
cannot be judged by its pid, so set RESIDENT_INDEX_RUNS_ON_ONE_MACHINE=0 there and rely on Dagster's run
monitoring (`max_runtime_seconds`) instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import psutil

IN_PROGRESS = ("STARTING", "STARTED", "CANCELING")


@dataclass(frozen=True)
class DeadRun:
    run_id: str
    job_name: str
    pid: int | None
    why: str

    def describe(self) -> str:
        return (f"run {self.run_id[:8]} ({self.job_name}) was left unfinished: {self.why}; "
                "it is marked failed and its warehouse slot is freed")


def _run_pid(instance, run_id: str) -> int | None:
    """The pid of the process that executes the run's steps, from its engine events (the latest wins)."""
    from dagster import DagsterEventType

    pid = None
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        data = entry.dagster_event.event_specific_data if entry.dagster_event else None
        value = getattr(data, "metadata", {}).get("pid") if data is not None else None
        if value is not None:
            pid = int(value.value)
    return pid


def _alive(pid: int, started_at: float | None) -> bool:
    """Is `pid` still the process that began the run (not a later process that reused the number)?"""
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and (
            started_at is None or process.create_time() <= started_at + 1)
    except psutil.Error:
        return False


def find_dead_runs(instance) -> list[DeadRun]:
    """Runs the instance holds as in progress whose process has gone from this machine."""
    from dagster import DagsterRunStatus, RunsFilter

    if os.environ.get("RESIDENT_INDEX_RUNS_ON_ONE_MACHINE", "1") == "0":
        return []
    statuses = [DagsterRunStatus[s] for s in IN_PROGRESS]
    dead = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=statuses)):
        run = record.dagster_run
        pid = _run_pid(instance, run.run_id)
        if pid is None:
            continue  # not yet begun executing: it holds no slot, and Dagster's start timeout covers it
        if not _alive(pid, record.start_time):
            dead.append(DeadRun(run.run_id, run.job_name, pid, f"its process (pid {pid}) is no longer running"))
    return dead


def recover_dead_runs(instance) -> list[str]:
    """Mark every dead run failed and free its pool slots; one plain line per run recovered."""
    lines = []
    for dead in find_dead_runs(instance):
        run = instance.get_run_by_id(dead.run_id)
        if run is None or run.is_finished:
            continue
        message = dead.describe()
        instance.report_run_failed(run, message)
        instance.event_log_storage.free_concurrency_slots_for_run(dead.run_id)
        lines.append(message)
    # a run that ended (failed, cancelled) but whose slot was never given back: let it go too
    from dagster import RunsFilter

    held = instance.event_log_storage.get_concurrency_run_ids()
    if held:
        for record in instance.get_run_records(filters=RunsFilter(run_ids=list(held))):
            if record.dagster_run.is_finished:
                instance.event_log_storage.free_concurrency_slots_for_run(record.dagster_run.run_id)
                lines.append(f"run {record.dagster_run.run_id[:8]} ({record.dagster_run.job_name}) had ended "
                             f"({record.dagster_run.status.value}) but still held a warehouse slot: freed")
    return lines


def slot_holders(instance, pool: str) -> list[str]:
    """The runs now holding slots of `pool`, described for someone waiting on them."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    lines = []
    for slot in info.claimed_slots:
        run = instance.get_run_by_id(slot.run_id)
        job = run.job_name if run else "unknown job"
        lines.append(f"run {slot.run_id[:8]} ({job}, step {slot.step_key})")
    return lines
