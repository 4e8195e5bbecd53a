"""Jobs and the daily schedule.

ingest_sources stages one day's extracts (the landing sensor starts it per file); build_index builds
everything downstream of the sources up to the golden record from their latest accepted extracts, daily at
06:00, with the saved matching model; build_marts refreshes the marts and their exports from it, daily at
07:30 (the 300,000-resident build takes a few minutes); train_resolution_model retrains the model, only
when someone runs it.
"""

import dagster as dg

from resident_index.defs.partitions import daily_extracts

SOURCES = dg.AssetSelection.groups("sources")

ingest_sources = dg.define_asset_job(
    "ingest_sources", selection=SOURCES, partitions_def=daily_extracts,
    description="Stage one day's extracts of every source system (one partition).",
)

MODEL = dg.AssetSelection.assets("resolution_model")

train_resolution_model = dg.define_asset_job(
    "train_resolution_model", selection=MODEL.upstream() - SOURCES,
    description="Retrain the resident-matching model on fresh standardised records (deliberate, not scheduled).",
)

MARTS = dg.AssetSelection.groups("marts")

build_index = dg.define_asset_job(
    "build_index", selection=dg.AssetSelection.all() - SOURCES - MODEL - MARTS,
    description="Build everything downstream of the staged sources up to the golden record, from each "
                "source's latest accepted extract.",
)

build_marts = dg.define_asset_job(
    "build_marts", selection=MARTS,
    description="Rebuild the counter-fraud, electoral register and service demand marts and their exports "
                "from the golden record.",
)

daily_build = dg.ScheduleDefinition(
    name="daily_build", job=build_index, cron_schedule="0 6 * * *", execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

daily_marts = dg.ScheduleDefinition(
    name="daily_marts", job=build_marts, cron_schedule="30 7 * * *", execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
