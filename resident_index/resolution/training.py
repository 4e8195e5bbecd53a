"""Train the resident-matching model: u by random sampling, m by expectation maximisation.

Run deliberately (the `train_resolution_model` job), never as a side effect of predicting. The model is
Splink's JSON under data/models/, with the training figures and the match-weights chart beside it.

Training the same records twice gives the same model, byte for byte: u is sampled with model.yaml's seed
from the records in id order, and EM runs on one thread (DuckDB sums a column in whatever order its
threads finish, so the last bits of every m value, and every score after them, moved from run to run).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import duckdb

from resident_index.charts import save_chart
from resident_index.files import replaced_atomically
from resident_index.resolution.linker import linker
from resident_index.resolution import health, prior
from resident_index.resolution.splink_model import MODEL_FILE, OPTIONAL_IDENTIFIERS, model_config, settings


def training_records_sql(warehouse: duckdb.DuckDBPyConnection, cfg: dict | None = None) -> tuple[str, int]:
    """The SQL (over the warehouse) of the records to train on, and how many records the index holds.

    Every record up to model.yaml's training.max_records; above it, that many chosen by the hash of their id: a
    uniform sample, the same on every run while the records are. Sampled records keep every pair among them,
    so the share of pairs that match (the prior) and the m and u values are those of all the records, while
    the pairs EM and the prior's scoring read fall with the square of the sample's share.
    """
    cfg = cfg or model_config()
    limit = int(cfg["training"]["max_records"])
    records = warehouse.execute("SELECT count(*) FROM resolution_input").fetchone()[0]
    if records <= limit:
        return "SELECT * FROM resolution_input", records
    return (f"SELECT * FROM resolution_input ORDER BY hash(unique_id), unique_id LIMIT {limit}", records)


def train(mem: duckdb.DuckDBPyConnection, models_dir: Path, records_in_index: int | None = None) -> dict:
    """Train on table resolution_input in `mem` (left on one thread); write the model, chart and training metadata.

    `records_in_index`: how many records the index holds when `mem` holds a sample of them (training_records_sql).
    """
    cfg = model_config()
    training = cfg["training"]
    started = time.perf_counter()
    mem.execute("SET threads = 1")  # sums in one order: the same m values every time (docstring)
    mem.execute("CREATE OR REPLACE TABLE resolution_input AS SELECT * FROM resolution_input ORDER BY unique_id")
    absent = frozenset(col for col in OPTIONAL_IDENTIFIERS
                       if not mem.execute(f"SELECT count({col}) FROM resolution_input").fetchone()[0])
    model = linker(mem, settings(cfg, absent))
    rules = [{"rule": rule, "pairs": prior.rule_pairs(mem, rule)} for rule in training["deterministic_rules"]]
    for r in rules:
        r["used"] = r["pairs"] >= training["deterministic_min_pairs"]
    usable = [r["rule"] for r in rules if r["used"]]
    deterministic = None
    if usable:  # the starting prior for EM too; without one, Splink's default (1e-4) starts it
        model.training.estimate_probability_two_random_records_match(usable, recall=training["deterministic_recall"])
        deterministic = model._settings_obj.core_model_settings.probability_two_random_records_match
    model.training.estimate_u_using_random_sampling(max_pairs=training["u_max_pairs"], seed=training["seed"])
    skipped = []
    for rule in training["em_blocking_rules"]:
        # a rule no pair satisfies (a council with no UPRNs, say) is skipped: Splink would fail on it, and a
        # failed session leaves the model without the comparisons it had set aside
        if not _has_pairs(mem, rule):
            skipped.append(rule)
            continue
        model.training.estimate_parameters_using_expectation_maximisation(rule)
    fallback = _train_what_is_left(mem, model, training.get("em_fallback_rules", []))
    identifier_m = m_from_identifier_pairs(mem, model, training.get("identifier_m"))
    prior_figures = _set_prior(mem, model, deterministic, training)
    prior_figures["deterministic_rules"] = rules
    models_dir.mkdir(parents=True, exist_ok=True)
    model_path = models_dir / MODEL_FILE
    with replaced_atomically(model_path) as partial:  # a run killed here leaves the previous model whole
        model.misc.save_model_to_json(str(partial), overwrite=True)
        _drop_session_uid(partial)
    charts = save_chart(model.visualisations.match_weights_chart(), models_dir / "match_weights_chart")
    records = mem.execute("SELECT count(*) FROM resolution_input").fetchone()[0]
    meta = {
        "trained_on_records": records,
        "records_in_index": records_in_index or records,
        "trained_on_sample": bool(records_in_index and records_in_index > records),
        "seconds": round(time.perf_counter() - started, 1),
        "probability_two_random_records_match": json.loads(model_path.read_text())[
            "probability_two_random_records_match"],
        "prior": prior_figures,
        "u_max_pairs": training["u_max_pairs"],
        "em_blocking_rules": [r for r in training["em_blocking_rules"] if r not in skipped],
        "em_rules_skipped_no_pairs": skipped,
        "em_fallback_rules_used": fallback,
        "identifier_m": identifier_m,
        "untrained_comparisons": health.untrained_comparisons(model.misc.save_model_to_json()),
        "untrained_levels": health.untrained_levels(model.misc.save_model_to_json()),
        "comparisons_left_out_no_data": sorted(absent),
        "model": str(model_path),
        "chart": {kind: str(path) for kind, path in charts.items()},
    }
    with replaced_atomically(models_dir / "training.json") as partial:
        partial.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def _train_what_is_left(mem: duckdb.DuckDBPyConnection, model, rules: list[str]) -> list[str]:
    """EM sessions on the fallback rules, in order, while a comparison the data holds has no m at all (the
    configured sessions block on fields a registry may not have: no date of birth, no UPRN); returns those run."""
    used = []
    for rule in rules:
        if not health.untrained_comparisons(model.misc.save_model_to_json()):
            break
        if _has_pairs(mem, rule):
            model.training.estimate_parameters_using_expectation_maximisation(rule)
            used.append(rule)
    return used


def m_from_identifier_pairs(mem: duckdb.DuckDBPyConnection, model, cfg: dict | None) -> list[dict]:
    """m values of model.yaml's `training.identifier_m.comparisons` counted on the pairs of records that share an
    identifier (any of `rules`), in place of EM's, for each comparison those pairs hold at least `min_pairs` times.

    EM sessions block on names or an address, where a household's members (a father and the son named after
    him) agree on all but their dates of birth and numbers: EM counts some of them as one person and learns
    that one person's records often hold other dates of birth (on the synthetic council, 14% of its matches;
    none of 1,381 pairs sharing an NHS, NI or shared id number did). Records that share a number are one
    person whatever else they hold, so the levels they fall in are how one person's records differ. Each level
    gets (pairs there + 0.5) / (pairs + 0.5 per level): a level no pair shows is rare, not impossible.
    Returns, per comparison, the pairs counted, whether they were used and the m values before and after.
    """
    if not cfg:
        return []
    columns = [r[0] for r in mem.execute("DESCRIBE resolution_input").fetchall()]
    sides = ", ".join(f'{side}."{c}" AS "{c}_{side}"' for c in columns for side in ("l", "r"))
    out = []
    for comparison in model._settings_obj.comparisons:
        name = comparison.output_column_name
        if name not in cfg["comparisons"]:
            continue
        # one join per rule, each on its own equality (an OR of them would compare every pair of records)
        ids = " UNION ".join(f"""SELECT l.unique_id AS id_l, r.unique_id AS id_r FROM resolution_input l
                                 JOIN resolution_input r ON l.unique_id < r.unique_id AND ({rule})"""
                             for rule in cfg["rules"])
        counts = dict(mem.execute(f"""
            WITH ids AS ({ids}),
            pairs AS (SELECT {sides} FROM ids JOIN resolution_input l ON l.unique_id = ids.id_l
                      JOIN resolution_input r ON r.unique_id = ids.id_r)
            SELECT {comparison._gamma_column_name}, count(*) FROM (SELECT {comparison._case_statement} FROM pairs)
            GROUP BY 1""").fetchall())
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
        pairs = sum(counts.get(lv.comparison_vector_value, 0) for lv in levels)
        entry = {"comparison": name, "rules": cfg["rules"], "pairs": pairs, "used": pairs >= cfg["min_pairs"],
                 "m_em": {lv.label_for_charts: _rounded(lv.m_probability) for lv in levels}}
        if entry["used"]:
            for lv in levels:
                if not lv._fix_m_probability:
                    lv.m_probability = (counts.get(lv.comparison_vector_value, 0) + 0.5) / (pairs + 0.5 * len(levels))
            entry["m_used"] = {lv.label_for_charts: _rounded(lv.m_probability) for lv in levels}
        out.append(entry)
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")


def _set_prior(mem: duckdb.DuckDBPyConnection, model, deterministic: float | None, training: dict) -> dict:
    """Estimate the prior from the blocked pairs' scores, choose between it and the deterministic rules' (prior.py)
    and set it on the model; returns the figures for training.json."""
    core = model._settings_obj.core_model_settings
    start = core.probability_two_random_records_match
    mem.execute("RESET threads")  # scoring is row by row: the weights do not depend on the threads
    scored = model.inference.predict()
    weights = mem.execute(f"""SELECT match_weight FROM {scored.physical_name}
                              ORDER BY unique_id_l, unique_id_r""").fetchnumpy()["match_weight"]
    scored.drop_table_from_database_and_remove_from_cache()
    mem.execute("SET threads = 1")
    records = mem.execute("SELECT count(*) FROM resolution_input").fetchone()[0]
    total = records * (records - 1) // 2
    blocked = prior.blocked_pairs_prior(weights - math.log2(start / (1 - start)), total)
    used, method, reason = prior.choose(deterministic, blocked)
    core.probability_two_random_records_match = used
    return {"used": used, "method": method, "reason": reason, "deterministic_estimate": deterministic,
            "deterministic_recall": training["deterministic_recall"], "blocked_pairs_estimate": blocked,
            "blocked_pairs": int(weights.size), "all_pairs": total,
            "expected_true_pairs": round(used * total, 1)}


def _drop_session_uid(model_path: Path) -> None:
    """Leave Splink's linker_uid out of the saved model: a random name for one session's scratch tables, not
    part of the model (a linker loaded without one draws its own), and it made every model file differ."""
    saved = json.loads(model_path.read_text(encoding="utf-8"))
    saved.pop("linker_uid", None)
    model_path.write_text(json.dumps(saved, indent=4), encoding="utf-8")


def _has_pairs(mem: duckdb.DuckDBPyConnection, rule: str) -> bool:
    return mem.execute(f"""SELECT EXISTS (SELECT 1 FROM resolution_input l JOIN resolution_input r
                                          ON l.unique_id < r.unique_id AND ({rule}))""").fetchone()[0]
