"""Partitions: one per extract date that has landed (data/landing/<system>/<YYYY-MM-DD>.<ext>).

The partitions are dynamic: a date becomes a partition when a valid extract of that date lands, added by
the landing sensor (`SensorResult.dynamic_partitions_requests`) and by `resident-index run`
(`add_extract_dates`). So any extract date works (2024-12-31 as well as 2026-11-01), and the UI lists the
dates that have files, not every day since some start date. A file whose name is not a real date, or is
dated after today, never becomes a partition (resident_index.sources.landing.scan_landing says why).
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

#: DuckDB takes one writer at a time; every asset that writes the warehouse runs in this pool
#: (dagster.yaml limits it to one op at a time across runs, so runs queue instead of failing on the lock).
WAREHOUSE_POOL = "warehouse"

extract_dates = dg.DynamicPartitionsDefinition(name="extract_dates")


def add_extract_dates(instance: dg.DagsterInstance, days: Iterable[str]) -> list[str]:
    """Make each landed extract date a partition (those it already has are left as they are); returns the
    dates that were new."""
    held = set(instance.get_dynamic_partitions(extract_dates.name))
    new = sorted(set(days) - held)
    if new:
        instance.add_dynamic_partitions(extract_dates.name, new)
    return new
