"""Daily partitions: one per extract date (data/landing/<system>/<YYYY-MM-DD>.<ext>)."""

import os

import dagster as dg

#: DuckDB takes one writer at a time; every asset that writes the warehouse runs in this pool
#: (dagster.yaml limits it to one op at a time across runs, so runs queue instead of failing on the lock).
WAREHOUSE_POOL = "warehouse"

daily_extracts = dg.DailyPartitionsDefinition(
    start_date=os.environ.get("RESIDENT_INDEX_FIRST_EXTRACT_DATE", "2025-01-01"),
    end_offset=1,  # today's extract can be staged today
    timezone="Europe/London",
)
