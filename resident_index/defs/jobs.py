"""Jobs and the daily schedule.

ingest_sources stages one day's extracts (the landing sensor starts it per file); build_index builds
everything downstream of the sources from their latest accepted extracts, daily at 06:00, with the saved
matching model; train_resolution_model retrains that model, only when someone runs it.
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

build_index = dg.define_asset_job(
    "build_index", selection=dg.AssetSelection.all() - SOURCES - MODEL,
    description="Build everything downstream of the staged sources, from each source's latest accepted extract.",
)

daily_build = dg.ScheduleDefinition(
    name="daily_build", job=build_index, cron_schedule="0 6 * * *", execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
