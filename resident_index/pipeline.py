"""Run the asset graph headless on the project's Dagster instance (what `make demo` does).

Each landed extract date is one run of `ingest_sources` for the sources that have an extract that day
(oldest first, as the landing sensor would; each date is first added to the `extract_dates` partitions),
then `train_resolution_model` if no model has been trained yet, then one run each of `build_index`,
`build_marts` and `evaluate_against_truth`. Runs are recorded on the instance, so `make ui` shows them
afterwards. A file that is not an extract is refused by name; an extract its checks reject leaves its source
on the previous accepted extract, and every later job still runs (the summary says which and why).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb

from resident_index import settings
from resident_index.recovery import recover_dead_runs, slot_holders
from resident_index.resolution.splink_model import MODEL_FILE
from resident_index.sources.landing import scan_landing
from resident_index.sources.spec import load_registry
from resident_index.tables import has_table


@dataclass
class RunOutcome:
    #: a line per job step that failed: something was not built (exit 1)
    failures: list[str] = field(default_factory=list)
    #: a line per extract its checks (or its reader) rejected: the source's previous accepted extract stays in
    #: use and every later job still runs
    rejected: list[str] = field(default_factory=list)
    #: a line per landed file that is not an extract (bad or future date, another name): never staged
    refused: list[str] = field(default_factory=list)


def run_all(full_rebuild: bool = False) -> RunOutcome:
    """Materialise everything; says what failed, which extracts were rejected and which files refused.

    full_rebuild rescores every pair of records instead of only new and changed ones. A rejected extract
    stops nothing: its source goes on with its previous accepted extract and the index and marts are built.
    """
    settings.use_project_dagster_instance()
    import dagster as dg

    from resident_index.defs.jobs import MARTS_BUILT_BY_CALLER
    from resident_index.defs.partitions import WAREHOUSE_POOL, add_extract_dates
    from resident_index.defs.sources.landing_check import file_names_evaluation

    instance = dg.DagsterInstance.get()
    specs = load_registry()
    scans = {spec.name: scan_landing(spec, settings.landing_dir()) for spec in specs}
    outcome = RunOutcome(refused=[str(r) for scan in scans.values() for r in scan.refused])
    for spec in specs:  # the UI shows the refused files on each source's extract_file_names check: staging
        if not scans[spec.name].dates:  # reports it on the extract; a source with none has it reported here
            instance.report_runless_asset_event(file_names_evaluation(spec, scans[spec.name].refused))
    landed = {name: set(scan.dates) for name, scan in scans.items()}
    add_extract_dates(instance, set().union(*landed.values()))
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # failures still print in full
    for day in sorted(set().union(*landed.values())):
        print(f"staging extracts of {day}...", flush=True)
        keys = [dg.AssetKey(name) for name, days in landed.items() if day in days]
        _wait_for_warehouse(instance, WAREHOUSE_POOL)
        result = launch_run(instance, "ingest_sources", run_config=quiet, partition_key=day, asset_selection=keys)
        for event in (e for e in result.all_events if e.is_step_failure):
            data = event.event_specific_data
            if data.user_failure_data is not None:  # the source asset refused the extract (dg.Failure)
                outcome.rejected.append(data.user_failure_data.description)
            else:
                outcome.failures.append(f"ingest {day}: {event.step_key}: {data.error.message.strip()}")
    jobs = ["build_index", "build_marts", "evaluate_against_truth"]
    if not (settings.models_dir() / MODEL_FILE).exists():
        jobs.insert(0, "train_resolution_model")  # a fresh council has no model yet
    for job in jobs:
        if outcome.failures:
            break
        print(f"running {job}...", flush=True)
        _wait_for_warehouse(instance, WAREHOUSE_POOL)
        run_config = quiet | ({"ops": {"resolution_pairs": {"config": {"full_rebuild": True}}}}
                              if job == "build_index" and full_rebuild else {})
        tags = {MARTS_BUILT_BY_CALLER: "true"} if job == "build_index" else {}  # build_marts runs next, here
        result = launch_run(instance, job, run_config=run_config, tags=tags)
        outcome.failures += [f"{job}: {e.step_key}: {e.event_specific_data.error.message.strip()}"
                             for e in result.all_events if e.is_step_failure]
    return outcome


#: the code location `make ui` serves (workspace.yaml): runs made here are recorded as its runs
WORKSPACE_FILE = settings.PROJECT_ROOT / "workspace.yaml"
DEFINITIONS_MODULE = "resident_index.definitions"


def launch_run(instance, job_name: str, *, run_config: dict, tags: dict | None = None,
               partition_key: str | None = None, asset_selection=None):
    """Run a job of the code location on the instance, in this process, as a run of that code location.

    The run is created as the webserver creates a launched one: with the job's origin in the workspace's
    code location (so the job page, the runs timeline and the asset history list it beside the runs the UI
    and the daemon started, and the UI can re-execute it) and its Python origin (so it is reconstructable).
    It is then executed here, in the run's own process (every job runs in process), so `resident-index run`
    needs no daemon and waits for each run to finish. (`execute_in_process` records no code location:
    its runs showed on no job page.)
    """
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from dagster._core.definitions.repository_definition.valid_definitions import SINGLETON_REPOSITORY_NAME
    from dagster._core.execution.api import execute_run
    from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    locations = [o for o in WorkspaceFileTarget([str(WORKSPACE_FILE)]).create_origins()
                 if getattr(o.loadable_target_origin, "module_name", None) == DEFINITIONS_MODULE]
    if len(locations) != 1:
        raise RuntimeError(f"{WORKSPACE_FILE}: expected one code location loading {DEFINITIONS_MODULE}, found "
                           f"{len(locations)}; the UI and resident-index run must share it")
    [location] = locations
    recon = ReconstructableRepository.for_module(DEFINITIONS_MODULE, "defs",
                                                 working_directory=str(settings.PROJECT_ROOT)).get_reconstructable_job(job_name)
    if asset_selection:
        recon = recon.get_subset(asset_selection=set(asset_selection))
    run_tags = dict(tags or {}) | ({"dagster/partition": partition_key} if partition_key else {})
    run = instance.create_run_for_job(
        job_def=recon.get_definition(), run_config=run_config, tags=run_tags,
        asset_selection=frozenset(asset_selection) if asset_selection else None,
        job_code_origin=recon.get_python_origin(),
        remote_job_origin=RemoteJobOrigin(RemoteRepositoryOrigin(location, SINGLETON_REPOSITORY_NAME), job_name))
    return execute_run(recon, run, instance, raise_on_error=False)


def _wait_for_warehouse(instance, pool: str) -> None:
    """Wait, saying so, while another run holds the warehouse, before launching a job.

    Dagster's in-process executor waits for a pool slot without heeding Ctrl-C or SIGTERM, so the wait is
    done here, where both stop it at once. A run that dies while we wait is recovered and the wait ends.
    """
    waited, said = 0.0, -1.0
    while True:
        for line in recover_dead_runs(instance):
            print(line, flush=True)
        holders = slot_holders(instance, pool)
        if not holders:
            return
        if waited - said >= 30 or said < 0:
            print(f"waiting for the warehouse, in use by {', '.join(holders)}: {waited:.0f} s so far "
                  "(Ctrl-C stops waiting)", flush=True)
            said = waited
        time.sleep(1)
        waited += 1


def summary(seconds: float, outcome: RunOutcome | None = None) -> str:
    """A short account of what was built and where to look (only what this run got as far as), and, first,
    the extracts this run rejected and the landed files it refused."""
    lines = [f"Resident Index built in {seconds:.0f}s", ""]
    outcome = outcome or RunOutcome()
    if outcome.rejected:
        lines.append(f"WARN: {_count(outcome.rejected, 'extract')} rejected; each source goes on with its previous "
                     "accepted extract:")
        lines += [f"  {line}" for line in outcome.rejected] + [""]
    if outcome.refused:
        lines.append(f"WARN: {_count(outcome.refused, 'landed file')} not an extract, so not staged:")
        lines += [f"  {line}" for line in outcome.refused] + [""]
    if not settings.warehouse_path().exists():
        return "\n".join(lines + ["nothing was built: no warehouse yet"])
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    try:
        if has_table(con, "landing_log"):
            lines.append(f"{'source':<22}{'extracts':>9}{'landed':>9}{'staged':>9}{'quarant.':>9}{'accepted':>9}")
            lines += [f"{s:<22}{e:>9}{lnd:>9}{stg:>9}{q:>9}{a:>9}" for s, e, lnd, stg, q, a in con.execute(
                """SELECT source_system, count(*), sum(rows_landed), sum(rows_staged), sum(rows_quarantined),
                          count(*) FILTER (accepted) FROM landing_log GROUP BY 1 ORDER BY 1""").fetchall()]
            lines.append("")
        if has_table(con, "person_records"):
            records, with_uprn = con.execute("SELECT count(*), count(uprn) FROM person_records").fetchone()
            lines.append(f"person_records: {records} records, {with_uprn / max(records, 1):.1%} with a UPRN")
        if has_table(con, "review_queue"):
            residents = con.execute("SELECT count(DISTINCT resident_id) FROM resident_crosswalk").fetchone()[0]
            queue = con.execute("SELECT count(*) FROM review_queue").fetchone()[0]
            lines.append(f"resident_crosswalk: {residents} residents; review_queue: {queue} pairs "
                         "(`resident-index review`)")
        if has_table(con, "households"):
            people, households = con.execute("SELECT (SELECT count(*) FROM golden_residents), count(*) FROM households").fetchone()
            lines.append(f"golden_residents: {people} residents in {households} households "
                         "(`resident-index find \"<name>\"`, `resident-index show <resident_id>`)")
        if has_table(con, "resolution_evaluation"):
            f1, b3 = con.execute("SELECT result->'pairwise'->>'f1', result->'bcubed'->>'f1' "
                                 "FROM resolution_evaluation").fetchone()
            lines.append(f"accuracy against the synthetic truth: pairwise F1 {float(f1):.4f}, B-cubed F1 {float(b3):.4f}")
    finally:
        con.close()
    lines += [f"warehouse: {settings.warehouse_path()}",
              "explore: `make ui`, then open http://127.0.0.1:3000 (Assets, by group)"]
    return "\n".join(lines)


def _count(items: list, noun: str) -> str:
    return f"{len(items)} {noun}{'s' if len(items) != 1 else ''} {'were' if len(items) != 1 else 'was'}"
