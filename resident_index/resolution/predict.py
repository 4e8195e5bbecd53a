"""Score pairs of records with the trained model: the whole population, or only what changed.

A full run scores every pair the blocking rules admit. An incremental run scores only records that are
new or whose matching fields changed since they were last scored (Splink's find_matches_to_new_records
against everyone), and replaces just their pairs. Either way the result is the table of pairs above the
review threshold, with the match-weight breakdown that reviewers read.
"""

from __future__ import annotations

import math

import duckdb

from resident_index.resolution.engine import scoring_linker
from resident_index.resolution.linker import linker

TF_COLUMNS = {"forename": "forename", "surname": "surname", "address": "uprn"}  # comparison -> tf column


def _breakdown_sql(settings: dict) -> str:
    """JSON of each comparison's level and weight (log2 Bayes factor, term frequency included)."""
    parts = []
    for name in (c["output_column_name"] for c in settings["comparisons"]):
        tf = f" * coalesce(bf_tf_adj_{name}, 1)" if name in TF_COLUMNS else ""
        parts.append(f"'{name}', json_object('level', gamma_{name}, 'weight', round(log2(bf_{name}{tf}), 2))")
    return "json_object(" + ", ".join(parts) + ")"


def _pairs_sql(source: str, settings: dict) -> str:
    return f"""
        SELECT least(unique_id_l, unique_id_r) AS unique_id_l, greatest(unique_id_l, unique_id_r) AS unique_id_r,
               match_probability, match_weight, {_breakdown_sql(settings)} AS breakdown
        FROM {source}
        WHERE unique_id_l <> unique_id_r
        QUALIFY row_number() OVER (PARTITION BY least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r)
                                   ORDER BY match_weight DESC) = 1"""


def probability_to_weight(p: float) -> float:
    return math.log2(p / (1 - p))


def predict_all(mem: duckdb.DuckDBPyConnection, settings: dict, review_threshold: float) -> None:
    """Table `pairs` in `mem`: every blocked pair at or above the review threshold, scored on the chosen
    engine (engine.py: DuckDB, or Spark by setting)."""
    with scoring_linker(mem, settings) as (model, in_duckdb):
        predictions = model.inference.predict(threshold_match_probability=review_threshold)
        mem.execute(f"CREATE OR REPLACE TABLE pairs AS {_pairs_sql(in_duckdb(predictions), settings)}")
        predictions.drop_table_from_database_and_remove_from_cache()


def predict_changed(mem: duckdb.DuckDBPyConnection, settings: dict, review_threshold: float,
                    blocking_rules: list[str]) -> None:
    """Table `pairs` in `mem`: pairs of the records in table `changed_records` with anyone."""
    model = linker(mem, settings)
    for column in TF_COLUMNS.values():
        model.table_management.compute_tf_table(column)
    found = model.inference.find_matches_to_new_records(
        "changed_records", blocking_rules=blocking_rules,
        match_weight_threshold=probability_to_weight(review_threshold))
    mem.execute(f"CREATE OR REPLACE TABLE pairs AS {_pairs_sql(found.physical_name, settings)}")


def comparisons_per_rule(mem: duckdb.DuckDBPyConnection, blocking_rules: list[str]) -> list[dict]:
    """How many comparisons each blocking rule adds (after the rules before it): the cost of scoring."""
    from splink import DuckDBAPI
    from splink.blocking_analysis import cumulative_comparisons_to_be_scored_from_blocking_rules_data

    frame = cumulative_comparisons_to_be_scored_from_blocking_rules_data(
        table_or_tables="resolution_input", blocking_rules=blocking_rules, link_type="dedupe_only",
        db_api=DuckDBAPI(connection=mem), unique_id_column_name="unique_id")
    return [{"rule": r["blocking_rule"], "comparisons": int(r["row_count"])} for _, r in frame.iterrows()]
