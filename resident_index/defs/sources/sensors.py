"""Stage each extract as soon as it lands: one run per new or changed file in data/landing/.

The sensor's cursor remembers each file it has dealt with (`<source>/<date>` -> size and modification time),
so an unchanged file is never staged twice. A file the cursor does not know yet (the first tick after
`make demo`, or after the cursor is reset) is compared with what the instance already staged: every staging
records the file's fingerprint on its materialization (or, for a file refused whole, an observation), and a
file staged as it is now is not staged again. A changed file is staged again. Each valid extract date is
added to the `extract_dates` partitions in the same tick; a file that is not an extract (a bad date, a date
in the future, another name) is refused, named in the tick's log and in the source's `extract_file_names`
WARN check, and never stops other files or sources.
"""

from __future__ import annotations

import json

import dagster as dg

from resident_index.defs.partitions import extract_dates
from resident_index.defs.sources.landing_check import file_names_evaluation
from resident_index.settings import landing_dir
from resident_index.sources.landing import file_fingerprint, scan_landing
from resident_index.sources.spec import load_registry


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           asset_selection=dg.AssetSelection.groups("sources"),
           description="Every minute: stage each new or changed extract in data/landing/ (one run per file), "
                       "add its date to the extract_dates partitions, and refuse, by name, any file that is "
                       "not an extract <YYYY-MM-DD>.<ext> dated no later than today.")
def landing_sensor(context: dg.SensorEvaluationContext):
    """Request a run for each (source, date) extract whose file is new or has changed since it was staged.

    The run key carries the file's size and modification time, so a re-sent file is staged again and an
    unchanged one never twice.
    """
    cursor = json.loads(context.cursor) if context.cursor else {}
    seen, refusals = cursor.get("files", {}), cursor.get("refused", {})
    known = set(context.instance.get_dynamic_partitions(extract_dates.name))
    runs, new_dates, events, warnings, kept = [], set(), [], [], {}
    for spec in load_registry():
        scan = scan_landing(spec, landing_dir())
        warnings += [str(r) for r in scan.refused]
        refused = sorted(str(r) for r in scan.refused)
        if refusals.get(spec.name, []) != refused:  # report the check only when what is refused changes
            events.append(file_names_evaluation(spec, scan.refused))
            refusals[spec.name] = refused
        new_dates |= set(scan.dates) - known
        changed = {}
        for day in scan.dates:
            fingerprint = file_fingerprint(spec.landing.extract_path(landing_dir(), day))
            kept[f"{spec.name}/{day}"] = fingerprint
            if seen.get(f"{spec.name}/{day}") != fingerprint:
                changed[day] = fingerprint
        staged = staged_fingerprints(context.instance, spec.name, list(changed))
        for day, fingerprint in changed.items():
            if staged.get(day) == fingerprint:
                continue  # the instance staged this very file already
            runs.append(dg.RunRequest(run_key=f"{spec.name}/{day}/{fingerprint.replace(':', '/')}",
                                      partition_key=day, asset_selection=[dg.AssetKey(spec.name)],
                                      tags={"source_system": spec.name}))
    for line in warnings:
        context.log.warning(line)
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[extract_dates.build_add_request(sorted(new_dates))] if new_dates else [],
        asset_events=events,
        cursor=json.dumps({"files": kept, "refused": refusals}, sort_keys=True),
        skip_reason=None if runs else "; ".join(["no new or changed extract"] + warnings),
    )


def staged_fingerprints(instance: dg.DagsterInstance, source: str, days: list[str]) -> dict[str, str]:
    """date -> fingerprint of the file the instance last staged (or refused whole) for that partition."""
    if not days:
        return {}
    records_filter = dg.AssetRecordsFilter(asset_key=dg.AssetKey(source), asset_partitions=days)
    latest: dict[str, tuple[int, str]] = {}
    for fetch in (instance.fetch_materializations, instance.fetch_observations):
        found: dict[str, tuple[int, str]] = {}  # newest first: the first record of a partition is its latest
        cursor = None
        while True:
            result = fetch(records_filter, limit=100, cursor=cursor)
            for record in result.records:
                event = record.asset_materialization or record.asset_observation
                value = event.metadata.get("file_fingerprint") if event else None
                if value is not None and record.partition_key not in found:
                    found[record.partition_key] = (record.storage_id, value.value)
            if not result.has_more or set(days) <= set(found):
                break
            cursor = result.cursor
        for day, held in found.items():
            if day not in latest or latest[day][0] < held[0]:
                latest[day] = held
    return {day: fingerprint for day, (_, fingerprint) in latest.items()}
