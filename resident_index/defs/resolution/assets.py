"""Entity resolution: one persistent resident ID for every record across all systems.

resolution_input -> resolution_model (trained only by the train_resolution_model job)
                 -> resolution_pairs -> resident_crosswalk -> review_queue
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.charts import chart_metadata
from resident_index.defs.metadata import column_schema, md_table
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.defs.resolution.health_checks import (crosswalk_check_results, fail_unhealthy,
                                                          health_check_specs, model_check_results)
from resident_index.resolution.linker import scratch_connection
from resident_index.resolution.pairs import score_pairs
from resident_index.resolution.prepare import build_resolution_input
from resident_index.resolution.resolve import resolve
from resident_index.resolution.review import build_review_queue
from resident_index.resolution.splink_model import MODEL_FILE, model_config
from resident_index.defs.evaluation import evaluate_against_truth, no_truth
from resident_index.settings import models_dir
from resident_index.sources.spec import load_registry

GROUP = "resolution"


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=["person_records"],
          metadata={"dagster/table_name": "resolution_input"})
def resolution_input(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Every staged record with the keys the model blocks and compares on (one row per record); only new and
    changed records are recomputed, unless prepare.sql, the registry's hints or person_records' build changed."""
    with warehouse.get_connection() as con:
        figures = build_resolution_input(con, load_registry())
        n, with_dob, with_nhs = con.execute(
            "SELECT count(*), count(dob), count(nhs_number) FROM resolution_input").fetchone()
        schema = column_schema(con, "resolution_input")
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "dagster/column_schema": schema, "with_dob": with_dob,
                                          "with_nhs_number": with_nhs, **figures})


@dg.asset(group_name=GROUP, kinds={"splink"}, pool=WAREHOUSE_POOL, deps=[resolution_input],
          metadata={"file": f"models/{MODEL_FILE}"}, check_specs=health_check_specs("resolution_model"))
def resolution_model(warehouse: DuckDBResource):
    """The Splink model: the prior from the blocked pairs' scores, u by random sampling, m by EM over several
    blocking rules (model.yaml; docs/matching.md). Its health checks fail on a model that cannot be right.

    Trained only by the train_resolution_model job; prediction reuses the saved JSON.
    """
    from resident_index.resolution.training import train, training_records_sql

    with warehouse.get_connection() as con:
        sql, records = training_records_sql(con)
        mem = scratch_connection(con, {"resolution_input": sql})
    meta = train(mem, models_dir(), records_in_index=records)
    mem.close()
    prior = meta["prior"]
    checks = model_check_results(meta)
    yield dg.MaterializeResult(metadata={
        **{k: v for k, v in meta.items()
           if k not in ("model", "chart", "prior", "untrained_levels", "untrained_comparisons", "identifier_m")},
        "prior_used": prior["used"], "prior_method": prior["method"], "prior_reason": prior["reason"],
        "prior_from_deterministic_rules": prior["deterministic_estimate"],
        "prior_from_blocked_pairs": prior["blocked_pairs_estimate"],
        "pairs_per_deterministic_rule": md_table(
            ["deterministic rule", "pairs found", "used"],
            [(f"`{r['rule']}`", r["pairs"], "yes" if r["used"] else "no: too few")
             for r in prior["deterministic_rules"]], max_chars=200),
        **({"m_from_identifier_pairs": _identifier_m_table(meta["identifier_m"])} if meta["identifier_m"] else {}),
        "model": dg.MetadataValue.path(meta["model"]),
        **chart_metadata("match_weights_chart", {kind: Path(path) for kind, path in meta["chart"].items()}),
    }, check_results=checks)
    fail_unhealthy("resolution_model", checks)


def _identifier_m_table(entries: list[dict]) -> dg.MetadataValue:
    """training.json's identifier_m: per comparison and level, EM's m beside the one counted on pairs sharing a
    number (docs/matching.md, "Dates of birth from the numbers")."""
    def m(value: float | None) -> str:
        return "" if value is None else f"{value:.4g}"  # an m of 0.0004 is not 0

    rows = [(e["comparison"], level, m(m_em), m(e["m_used"][level]) if e["used"] else "not used: too few pairs",
             e["pairs"]) for e in entries for level, m_em in e["m_em"].items()]
    return md_table(["comparison", "level", "m from EM", "m counted", "pairs sharing a number"], rows, max_chars=200)


class PairsConfig(dg.Config):
    full_rebuild: bool = False  # rescore every pair, not only new and changed records


@dg.asset(group_name=GROUP, kinds={"splink", "duckdb"}, pool=WAREHOUSE_POOL, deps=[resolution_input, resolution_model],
          metadata={"dagster/table_name": "resolution_pairs"})
def resolution_pairs(config: PairsConfig, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Scored pairs above the review threshold. Incremental: only new or changed records are scored,
    against everyone, unless the model changed or a full rebuild is asked for (config full_rebuild)."""
    cfg = model_config()
    with warehouse.get_connection() as con:
        figures = score_pairs(con, models_dir() / MODEL_FILE, cfg, full_rebuild=config.full_rebuild)
        above = con.execute("SELECT count(*) FILTER (match_probability >= ?) FROM resolution_pairs",
                            [cfg["link_threshold"]]).fetchone()[0]
        schema = column_schema(con, "resolution_pairs")
    per_rule = figures.pop("comparisons_per_blocking_rule", None)
    meta = {**figures, "dagster/row_count": figures["pairs"], "dagster/column_schema": schema,
            "pairs_above_link_threshold": above}
    if per_rule:
        meta["comparisons_per_blocking_rule"] = md_table(
            ["blocking rule", "comparisons"], [(f"`{r['rule']}`", r["comparisons"]) for r in per_rule], max_chars=200)
        meta["comparisons"] = sum(r["comparisons"] for r in per_rule)
    return dg.MaterializeResult(metadata=meta)


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[resolution_pairs],
          metadata={"dagster/table_name": "resident_crosswalk"}, check_specs=health_check_specs("resident_crosswalk"))
def resident_crosswalk(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    """Every staged record exactly once, with its persistent resident ID, how it was linked
    (model | rule | reviewer) and when it was first and last seen. ID changes go to resident_id_history.
    Incremental: only records whose identifiers or links changed are reclustered, with all connected to them.
    Its health checks fail, and keep the golden record and marts from being rebuilt, on an implausible result."""
    cfg = model_config()
    with warehouse.get_connection() as con:
        figures = resolve(con, cfg, context.run_id)
        per_source = con.execute("""SELECT source_system, count(*), count(DISTINCT resident_id)
                                    FROM resident_crosswalk GROUP BY 1 ORDER BY 1""").fetchall()
        checks, health_figures = crosswalk_check_results(con, cfg, models_dir() / MODEL_FILE, context.run_id)
        schema = column_schema(con, "resident_crosswalk")
    table = md_table(["source", "records", "residents"], per_source)
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": figures["records"], "dagster/column_schema": schema, "residents": figures["residents"],
        "links": figures["links"],
        "mode": figures["mode"], "records_reclustered": figures["records_reclustered"],
        "id_events": dg.MetadataValue.json(figures["id_events"]),
        "links_refused_by_conflict": dg.MetadataValue.json(figures["links_refused_by_conflict"]),
        "by_source": table, **health_figures}, check_results=checks)
    fail_unhealthy("resident_crosswalk", checks)


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[resident_crosswalk],
          metadata={"dagster/table_name": "review_queue"})
def review_queue(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Pairs for a person to judge (`resident-index review`): uncertain matches, and strong matches
    kept apart by conflicting identifiers. Verdicts go to review_decisions and bind every later run."""
    cfg = model_config()
    with warehouse.get_connection() as con:
        figures = build_review_queue(con, cfg)
        reasons = con.execute("SELECT reason, count(*) FROM review_queue GROUP BY 1").fetchall()
        decisions = con.execute("SELECT count(*) FROM review_decisions").fetchone()[0]
        schema = column_schema(con, "review_queue")
    return dg.MaterializeResult(metadata={"dagster/row_count": sum(n for _, n in reasons),
                                          "dagster/column_schema": schema, **figures,
                                          **{r: n for r, n in reasons}, "decisions_so_far": decisions})


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[resident_crosswalk],
          metadata={"dagster/table_name": "resolution_evaluation"})
def resolution_evaluation(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Accuracy against the synthetic council's ground truth (data/truth), which nothing else reads:
    pairwise and B-cubed precision, recall and F1, by source pair, and wrongly merged hard cases."""
    from resident_index.resolution.evaluate import evaluate, markdown, rules_markdown, source_pair_markdown

    result = evaluate_against_truth(warehouse, "resolution_evaluation", "records.csv", evaluate)
    if result is None:
        return no_truth()
    pw = result["pairwise"]
    return dg.MaterializeResult(metadata={
        "evaluated": True, "records_evaluated": result["records_evaluated"],
        "pairwise_precision": round(pw["precision"], 4), "pairwise_recall": round(pw["recall"], 4),
        "pairwise_f1": round(pw["f1"], 4), "bcubed_f1": round(result["bcubed"]["f1"], 4),
        "summary": dg.MetadataValue.md(markdown(result)),
        "by_source_pair": dg.MetadataValue.md(source_pair_markdown(result)),
        # each cannot-link rule's cost, each blocking rule's true pairs, what the top 500 review verdicts add
        "rules_and_review_queue": dg.MetadataValue.md(rules_markdown(result)),
    })
