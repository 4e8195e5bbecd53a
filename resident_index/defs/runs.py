"""Runs that died without saying so: the daemon marks them failed and frees the warehouse slot they held."""

import dagster as dg

from resident_index.recovery import recover_dead_runs


@dg.sensor(minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Every 30 seconds: a run left STARTED by a process that was killed (or ran out of memory) "
                       "is marked failed, with the reason in its event log, and its slot in the warehouse pool is "
                       "freed, so the runs queued behind it go ahead instead of waiting for ever.")
def dead_run_sensor(context: dg.SensorEvaluationContext):
    """See the description (docs/operations.md)."""
    recovered = recover_dead_runs(context.instance)
    for line in recovered:
        context.log.warning(line)
    return dg.SkipReason("; ".join(recovered) if recovered else "no run has died unfinished")
