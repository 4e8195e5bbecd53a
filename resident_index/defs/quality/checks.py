"""Asset checks downstream of the sources (figures and limits: resident_index/quality/build_checks.py/.yaml).

- resident_crosswalk `every_record_once` (ERROR, blocking: a record missing or held twice never reaches the
  golden record) and `id_churn` (blocking; ERROR on mass merges or splits against the last build, WARN on many
  new IDs);
- golden_residents `one_row_per_resident` (ERROR, blocking: nothing downstream of a split or missing record is
  built, so the marts keep the last good build);
- review_queue `queue_growth` (WARN: a queue that jumps is worth a look, never a reason to stop);
- every mart table `rows_against_last_build`: ERROR and blocking on the lists officers act on, WARN elsewhere.

"Against the last build" is the figure this check kept at the last build on this warehouse that passed it
(or, for a check that only warns, at the last build): quality/baselines.py, not the Dagster instance, which
may have built another warehouse.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.defs.marts import counter_fraud, electoral, evidence, service_demand
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.quality import baselines
from resident_index.quality.build_checks import (Judgement, every_record_once, id_churn, load_limits,
                                                 one_golden_row_per_resident, review_queue_growth,
                                                 rows_against_last_build)
from resident_index.resolution.review import remaining

LIMITS = load_limits()


def _against_last(con, asset: str, figure: str, value: int, judge, blocking: bool, run_id: str):
    """Judge `value` against this warehouse's last baseline of it (judge(value, previous) -> Judgement), and keep
    it as the next baseline if the check passed or does not block."""
    judgement = judge(value, baselines.last(con, asset, figure))
    warns_only = judgement.figures.get("severity") == "WARN"  # id_churn: many new IDs warn, never block
    baselines.record(con, asset, figure, value, baseline=judgement.passed or not blocking or warns_only,
                     run_id=run_id)
    return judgement


def _numbers(figures: dict) -> dict:
    """Figures as metadata: numbers as MetadataValue.int/float (the UI plots them build by build), lists and
    dicts as JSON, text as text."""
    out = {}
    for k, v in figures.items():
        if v is None:
            continue
        if isinstance(v, bool) or isinstance(v, str):
            out[k] = v
        elif isinstance(v, int):
            out[k] = dg.MetadataValue.int(v)
        elif isinstance(v, float):
            out[k] = dg.MetadataValue.float(v)
        else:
            out[k] = dg.MetadataValue.json(v)
    return out


def _result(j: Judgement, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=j.passed, severity=severity, description=j.says,
                               metadata={**_numbers(j.figures), "says": dg.MetadataValue.text(j.says)})


@dg.asset_check(asset="resident_crosswalk", name="every_record_once", blocking=True, pool=WAREHOUSE_POOL,
                description="[ERROR] Every staged record is in resident_crosswalk exactly once, with a resident ID, "
                            "and it holds no record that was not staged.")
def every_record_once_check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        return _result(every_record_once(con), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(asset="resident_crosswalk", name="id_churn", blocking=True, pool=WAREHOUSE_POOL,
                description=f"[ERROR on merges or splits, WARN on new IDs] This build merged at most "
                            f"{LIMITS.crosswalk.max_merge_share:.0%} and split at most "
                            f"{LIMITS.crosswalk.max_split_share:.0%} of the last build's residents, and minted at "
                            f"most {LIMITS.crosswalk.max_mint_share:.0%} new IDs (build_checks.yaml crosswalk).")
def id_churn_check(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource) -> dg.AssetCheckResult:
    [latest, *_] = context.instance.fetch_materializations(dg.AssetKey("resident_crosswalk"), limit=1).records or [None]
    with warehouse.get_connection() as con:
        residents = con.execute("SELECT count(DISTINCT resident_id) FROM resident_crosswalk").fetchone()[0]
        events = dict(con.execute("SELECT event, count(*) FROM resident_id_history WHERE run_id = ? GROUP BY 1",
                                  [latest.run_id if latest else context.run.run_id]).fetchall())
        judgement = _against_last(con, "resident_crosswalk", "residents", residents,
                                  lambda now, before: id_churn(events, now, before, LIMITS.crosswalk),
                                  blocking=True, run_id=context.run.run_id)
    severity = dg.AssetCheckSeverity.WARN if judgement.figures.get("severity") == "WARN" else dg.AssetCheckSeverity.ERROR
    return _result(judgement, severity)


@dg.asset_check(asset="golden_residents", name="one_row_per_resident", blocking=True, pool=WAREHOUSE_POOL,
                description="[ERROR] Exactly one golden_residents row for each resident of resident_crosswalk, "
                            "and none for a resident it does not hold.")
def one_row_per_resident(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        return _result(one_golden_row_per_resident(con), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(asset="review_queue", name="queue_growth", pool=WAREHOUSE_POOL,
                description=f"[WARN] The review queue grew by at most {LIMITS.review_queue.max_growth:.0%} "
                            "against the last build (build_checks.yaml review_queue).")
def queue_growth(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        pairs = con.execute("SELECT count(*) FROM review_queue").fetchone()[0]
        undecided = remaining(con)
        judgement = _against_last(con, "review_queue", "rows", pairs,
                                  lambda now, before: review_queue_growth(now, before, LIMITS.review_queue),
                                  blocking=False, run_id=context.run.run_id)
    judgement.figures["undecided"] = undecided
    return _result(judgement, dg.AssetCheckSeverity.WARN)


def mart_tables() -> list[str]:
    """Every mart asset that is a table officers or analysts read (the evaluations against truth are not)."""
    assets = dg.load_assets_from_modules([evidence, counter_fraud, electoral, service_demand])
    return sorted(key.path[-1] for a in assets for key in a.keys
                  if a.group_names_by_key.get(key) == "marts" and not key.path[-1].endswith("_evaluation"))


def _rows_check(table: str) -> dg.AssetChecksDefinition:
    officers = LIMITS.marts.is_officer_facing(table)
    severity = dg.AssetCheckSeverity.ERROR if officers else dg.AssetCheckSeverity.WARN
    limit = f"more than {LIMITS.marts.max_drop:.0%} of its rows"

    @dg.asset_check(asset=table, name="rows_against_last_build", blocking=officers, pool=WAREHOUSE_POOL,
                    description=f"[{severity.value}] {table} did not lose {limit}, or all of them, against the "
                                "last build (build_checks.yaml marts).")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            judgement = _against_last(con, table, "rows", rows,
                                      lambda now, before: rows_against_last_build(table, now, before, LIMITS.marts),
                                      blocking=officers, run_id=context.run.run_id)
        return _result(judgement, severity)

    return _check


mart_row_checks = [_rows_check(table) for table in mart_tables()]
