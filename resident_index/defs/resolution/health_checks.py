"""Model-health asset checks on resolution_model and resident_crosswalk (figures: resolution/health.py).

All ERROR and blocking: a failed check fails the asset's step (with the checks' own words, in place of
Dagster's "1 blocking asset check failed", which says nothing of why), so nothing downstream in the run is built
(golden record, review queue), `resident-index run` stops before build_marts, and the marts keep the last
good build. Each result says in plain words what looks wrong and what to do (docs/matching.md, "Model health").
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from resident_index.quality import baselines
from resident_index.resolution.health import Outcome, crosswalk_outcomes, model_outcomes

CHECKS = {
    "resolution_model": {
        "m_values_trained": "Every comparison level the data holds has an m value estimated by EM (an untrained "
                            "level scores with a made-up default).",
        "prior_matches_blocked_pairs": "The prior is within model.yaml's health.prior_max_ratio of the one the "
                                       "blocked pairs' scores imply.",
    },
    "resident_crosswalk": {
        "prior_matches_links": "The pairs of records put together are within health.prior_max_ratio of the pairs "
                               "the model's prior expects (a prior 100 times too low, say, fails).",
        "linked_at_least_as_rules_would": "No source has more records linked to nothing than the deterministic rules "
                                          "alone would leave (health.unlinked_above_rules_max).",
        "links_hold_against_last_run": "Pairs of records together did not collapse against the last run "
                                       "(health.links_min_share_of_previous), and no source's share linked to nothing "
                                       "rose by more than health.unlinked_rise_max.",
    },
}


def health_check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(name, asset=asset, description=f"[ERROR] {desc}", blocking=True)
            for name, desc in CHECKS[asset].items()]


def _result(asset: str, outcome: Outcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=outcome.name, asset_key=dg.AssetKey(asset), passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR, description=outcome.says,
        metadata={"says": dg.MetadataValue.text(outcome.says),
                  **{k: dg.MetadataValue.json(v) if isinstance(v, (dict, list)) else v
                     for k, v in outcome.figures.items()}})


def model_check_results(training: dict) -> list[dg.AssetCheckResult]:
    from resident_index.resolution.splink_model import model_config

    return [_result("resolution_model", o) for o in model_outcomes(training, model_config()["health"])]


def crosswalk_check_results(con, cfg: dict, model_path: Path, run_id: str
                            ) -> tuple[list[dg.AssetCheckResult], dict]:
    """The crosswalk's health check results, and its figures (kept in the warehouse, quality/baselines.py: the
    next run on this warehouse compares with them if every check passed)."""
    model_prior = json.loads(model_path.read_text(encoding="utf-8"))["probability_two_random_records_match"]
    previous = baselines.last(con, "resident_crosswalk", "health")
    outcomes = crosswalk_outcomes(con, model_prior, list(cfg["training"]["deterministic_rules"]), cfg["health"],
                                  previous)
    if previous is None:
        outcomes.append(Outcome("links_hold_against_last_run", True,
                                "No earlier healthy run on this warehouse to compare with: this is its first crosswalk with "
                                "health figures, or no earlier one passed every check."))
    by_name = {o.name: o for o in outcomes}
    baselines.record(con, "resident_crosswalk", "health",
                     {"links_together": by_name["prior_matches_links"].figures["pairs_together"],
                      "unlinked_by_source": by_name["linked_at_least_as_rules_would"].figures["by_source"]},
                     baseline=all(o.passed for o in outcomes), run_id=run_id)
    figures = {"links_together": by_name["prior_matches_links"].figures["pairs_together"],
               "unlinked_by_source": dg.MetadataValue.json(by_name["linked_at_least_as_rules_would"].figures["by_source"])}
    return [_result("resident_crosswalk", o) for o in outcomes], figures


def fail_unhealthy(asset: str, results: list[dg.AssetCheckResult]) -> None:
    """Raise, after every check has reported, naming each failed check and what it says."""
    failed = [r for r in results if not r.passed]
    if failed:
        raise dg.Failure(description=f"{asset} looks implausible; the marts keep their last good build. " + " ".join(
            f"[{r.check_name}] {r.description}" for r in failed))
