"""Jobs, the daily schedule and what follows a build.

ingest_sources stages one day's extracts (the landing sensor starts it per file); build_index builds
everything downstream of the sources up to the golden record from their latest accepted extracts, daily at
06:00, with the saved matching model; build_marts refreshes the marts and their exports from it as soon as a
build_index run succeeds (marts_after_index, never after a failed one); train_resolution_model retrains the model, only
when someone runs it; evaluate_against_truth scores the index and the marts against the synthetic
council's ground truth (`resident-index run` and the benchmarks run it; a real council has no truth, so
it is no part of the daily builds).
"""

import dagster as dg

from resident_index.defs.partitions import extract_dates

SOURCES = dg.AssetSelection.groups("sources")

# Every job writes the one DuckDB warehouse, one step at a time (the "warehouse" pool), so steps run in
# the run's own process: a process per step would only add its start-up (importing Dagster, GX, Splink)
# to every step.
SERIAL = dg.in_process_executor

ingest_sources = dg.define_asset_job(
    "ingest_sources", executor_def=SERIAL, selection=SOURCES, partitions_def=extract_dates,
    description="Stage one day's extracts of every source system (one partition).",
)

MODEL = dg.AssetSelection.assets("resolution_model")

train_resolution_model = dg.define_asset_job(
    "train_resolution_model", executor_def=SERIAL, selection=MODEL.upstream() - SOURCES,
    description="Retrain the resident-matching model on fresh standardised records (deliberate, not scheduled).",
)

MARTS = dg.AssetSelection.groups("marts")

EVALUATIONS = dg.AssetSelection.assets("resolution_evaluation", "golden_evaluation", "fraud_evaluation",
                                       "electoral_evaluation", "quality_feedback_evaluation")

build_index = dg.define_asset_job(
    "build_index", executor_def=SERIAL, selection=dg.AssetSelection.all() - SOURCES - MODEL - MARTS - EVALUATIONS,
    description="Build everything downstream of the staged sources up to the golden record, from each "
                "source's latest accepted extract.",
)

build_marts = dg.define_asset_job(
    "build_marts", executor_def=SERIAL, selection=MARTS - EVALUATIONS,
    description="Rebuild the counter-fraud, electoral register and service demand marts and their exports "
                "from the golden record.",
)

evaluate_against_truth = dg.define_asset_job(
    "evaluate_against_truth", executor_def=SERIAL, selection=EVALUATIONS,
    description="Score the resident index, the golden record and the marts against the synthetic council's "
                "ground truth (data/truth); on a council without one each evaluation records that it has none.",
)

daily_build = dg.ScheduleDefinition(
    name="daily_build", job=build_index, cron_schedule="0 6 * * *", execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 06:00 (Europe/London): build_index, incrementally, from each source's latest "
                "accepted extract; the marts follow when it succeeds (marts_after_index).",
)

#: set on a build_index run whose caller builds the marts itself (`resident-index run`), so the sensor
#: does not queue a second build_marts behind it
MARTS_BUILT_BY_CALLER = "resident_index/marts_built_by_caller"


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[build_index], request_job=build_marts,
    default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=30,
    description="When a build_index run succeeds, run build_marts (the marts and their exports), so officers "
                "never get lists from a failed or half-finished build and never wait for a clock.")
def marts_after_index(context: dg.RunStatusSensorContext):
    run = context.dagster_run
    if run.tags.get(MARTS_BUILT_BY_CALLER):
        return dg.SkipReason(f"build_index run {run.run_id} was started by resident-index run, which builds the "
                             "marts itself")
    return dg.RunRequest(run_key=f"marts_after_{run.run_id}", tags={"resident_index/after_build_index": run.run_id})
