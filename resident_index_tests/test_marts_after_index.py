"""The marts follow a successful index build, never a clock and never a failed build (marts_after_index)."""

from __future__ import annotations

import dagster as dg

from resident_index.defs.jobs import MARTS_BUILT_BY_CALLER, marts_after_index


def _build_index_run(instance, tags: dict | None = None):
    """A successful run of a stand-in job named build_index on `instance`, and its success event (the sensor
    is a run_status_sensor on SUCCESS: Dagster never calls it for a failed run)."""
    @dg.op
    def build():
        pass

    @dg.job(name="build_index")
    def build_index():
        build()

    result = build_index.execute_in_process(instance=instance, tags=tags or {})
    return result.dagster_run, result.get_run_success_event()


def _evaluate(instance, run, event):
    return marts_after_index(dg.build_run_status_sensor_context(
        sensor_name="marts_after_index", dagster_instance=instance, dagster_run=run, dagster_event=event))


def test_a_successful_index_build_requests_build_marts_once():
    with dg.instance_for_test() as instance:
        run, event = _build_index_run(instance)
        request = _evaluate(instance, run, event)
    assert isinstance(request, dg.RunRequest)
    assert request.run_key == f"marts_after_{run.run_id}"  # one marts run per index build, however often it ticks
    assert marts_after_index.job_name == "build_marts"


def test_a_build_by_resident_index_run_is_left_to_it():
    with dg.instance_for_test() as instance:
        run, event = _build_index_run(instance, tags={MARTS_BUILT_BY_CALLER: "true"})
        outcome = _evaluate(instance, run, event)
    assert isinstance(outcome, dg.SkipReason) and "resident-index run" in outcome.skip_message


def test_the_marts_are_on_no_clock():
    from resident_index.definitions import defs

    assert all(s.job_name != "build_marts" for s in defs.get_repository_def().schedule_defs)
