"""Stage each extract as soon as it lands: one run per new or changed file in data/landing/."""

import dagster as dg

from resident_index.settings import landing_dir
from resident_index.sources.landing import extract_dates
from resident_index.sources.spec import load_registry


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           asset_selection=dg.AssetSelection.groups("sources"))
def landing_sensor(context: dg.SensorEvaluationContext):
    """Request a run for each (source, date) extract whose file is new or has changed since it was seen.

    The run key carries the file's size and modification time, so a re-sent file is staged again and an
    unchanged one never twice.
    """
    for spec in load_registry():
        for day in extract_dates(spec, landing_dir()):
            stat = spec.landing.extract_path(landing_dir(), day).stat()
            yield dg.RunRequest(
                run_key=f"{spec.name}/{day}/{stat.st_size}/{stat.st_mtime_ns}",
                partition_key=day,
                asset_selection=[dg.AssetKey(spec.name)],
                tags={"source_system": spec.name},
            )
