"""Is the matching model plausible on the data it scores? Plain figures for the model-health checks
(resident_index/defs/resolution/checks.py) and for training, which uses `untrained_levels` to add EM sessions
where the configured ones left a comparison the data holds untrained. See docs/matching.md ("Model health").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import duckdb

from resident_index import incremental


#: a level the data holds: at least one random pair in 10,000 falls in it (its u)
HELD_U = 1e-4


def untrained_levels(model: dict) -> list[dict]:
    """Levels of a saved Splink model (its JSON as a dict) the data holds (u >= HELD_U) whose m no EM session
    estimated: Splink scores them with a default m. One such level in a trained comparison is a kind of
    agreement no true pair showed (nicknames in data that has none); see `untrained_comparisons`."""
    out = []
    for comparison in model["comparisons"]:
        for level in _estimable(comparison):
            if level.get("m_probability") is None and (level.get("u_probability") or 0) >= HELD_U:
                out.append({"comparison": comparison["output_column_name"],
                            "level": level.get("label_for_charts") or level["sql_condition"]})
    return out


def untrained_comparisons(model: dict) -> list[str]:
    """Comparisons the data holds (a level with u >= HELD_U) with no m estimated on any level (every EM session
    set them aside: each blocked on them, or on fields the data lacks), or none on their strongest level (exact
    agreement: the sessions that trained them saw only true pairs that disagree, as when each duplicate carries
    one error and the other session blocked on exact names)."""
    out = []
    for c in model["comparisons"]:
        levels = _estimable(c)
        if not any((lv.get("u_probability") or 0) >= HELD_U for lv in levels):
            continue
        strongest = levels[0]
        if all(lv.get("m_probability") is None for lv in levels) or (
                strongest.get("m_probability") is None and (strongest.get("u_probability") or 0) >= HELD_U):
            out.append(c["output_column_name"])
    return out


def _estimable(comparison: dict) -> list[dict]:
    return [lv for lv in comparison["comparison_levels"]
            if not lv.get("is_null_level") and not lv.get("fix_m_probability")]


def prior_ratio(model_prior: float, blocked_estimate: float) -> float:
    """How many times apart the model's prior and the one the blocked pairs imply are (>= 1; inf if one is 0)."""
    if model_prior <= 0 or blocked_estimate <= 0:
        return math.inf
    return max(model_prior / blocked_estimate, blocked_estimate / model_prior)


_AGREE = "AND (l.{c} IS NULL OR r.{c} IS NULL OR l.{c} = r.{c})"


def unlinked_by_source(con: duckdb.DuckDBPyConnection, rules: list[str]) -> list[dict]:
    """Per source: the share of its records that share a resident with no other record, beside the share
    that no deterministic rule (SQL on l and r) pairs with any other record. A model that links fewer records
    than the rules alone would (more unlinked than the rules leave) is missing links it should make."""
    if rules:
        # a rule's pair that the clustering's own evidence parts (two different NHS numbers, NI numbers or
        # dates of birth; a pair kept apart by a registry hint or a reviewer) is rightly left apart
        apart = ("AND NOT EXISTS (SELECT 1 FROM cluster_state_apart a WHERE a.a = least(l.unique_id, r.unique_id)"
                 " AND a.b = greatest(l.unique_id, r.unique_id))"
                 if "a" in incremental.table_columns(con, "cluster_state_apart") else "")
        held = incremental.table_columns(con, "resolution_input")
        dob = "dob_checked" if "dob_checked" in held else "dob"  # the date the clustering rules read
        agree = " ".join(_AGREE.format(c=c) for c in ("nhs_number", "ni8", dob) if c in held)
        paired = " UNION ".join(f"""SELECT l.unique_id FROM resolution_input l JOIN resolution_input r
                                    ON l.unique_id <> r.unique_id AND ({rule})
                                    WHERE true {agree} {apart}"""
                                for rule in rules)
    else:
        paired = "SELECT NULL::VARCHAR AS unique_id WHERE false"
    rows = con.execute(f"""
        WITH sizes AS (SELECT resident_id, count(*) AS n FROM resident_crosswalk GROUP BY 1),
        paired AS ({paired})
        SELECT c.source_system, count(*) AS records,
               count(*) FILTER (s.n = 1) AS unlinked,
               count(*) FILTER (i.unique_id NOT IN (SELECT unique_id FROM paired WHERE unique_id IS NOT NULL))
                   AS unpaired_by_rules
        FROM resident_crosswalk c JOIN sizes s USING (resident_id)
        JOIN resolution_input i ON i.source_system = c.source_system AND i.source_record_id = c.source_record_id
        GROUP BY 1 ORDER BY 1""").fetchall()
    return [{"source": s, "records": n, "unlinked_share": round(u / n, 4), "unpaired_by_rules_share": round(p / n, 4)}
            for s, n, u, p in rows]


def pairs_together(con: duckdb.DuckDBPyConnection) -> int:
    """Pairs of records resident_crosswalk puts in one resident."""
    return con.execute("""SELECT coalesce(sum(n * (n - 1) // 2), 0)::BIGINT
                          FROM (SELECT count(*) AS n FROM resident_crosswalk GROUP BY resident_id)""").fetchone()[0]


@dataclass
class Outcome:
    """One model-health check: passed, what it found in plain words (and what to do), and its figures."""
    name: str
    passed: bool
    says: str
    figures: dict = field(default_factory=dict)


def model_outcomes(training: dict, limits: dict) -> list[Outcome]:
    """Checks on a trained model (training.json's figures)."""
    untrained = training["untrained_comparisons"]
    levels = "; ".join(f"{u['comparison']}: {u['level']}" for u in training["untrained_levels"])
    p = training["prior"]
    ratio = prior_ratio(p["used"], p["blocked_pairs_estimate"])
    return [
        Outcome("m_values_trained", not untrained,
                ("Every comparison the data holds has its m values estimated"
                 + (f" (levels no true pair fell in, scored with Splink's default: {levels})." if levels else "."))
                if not untrained else
                f"No EM session estimated m for {', '.join(untrained)}: Splink scores them with a default, "
                "whatever the records say. Add to model.yaml's training.em_blocking_rules (or em_fallback_rules) a "
                "rule on fields those comparisons do not use and these sources hold, then retrain.",
                {"untrained_comparisons": ", ".join(untrained) or "none", "untrained_levels": levels or "none"}),
        Outcome("prior_matches_blocked_pairs", ratio <= limits["prior_max_ratio"],
                f"The prior ({p['used']:.3g}) is {ratio:.1f} times the one the blocked pairs' scores imply "
                f"({p['blocked_pairs_estimate']:.3g}); at most {limits['prior_max_ratio']:g} is plausible. "
                + ("" if ratio <= limits["prior_max_ratio"] else
                   "The model will link far too few or too many pairs: check the match weights chart for "
                   "levels with implausible weights and that the sources map names and dates of birth, then retrain."),
                {"prior": p["used"], "blocked_pairs_estimate": p["blocked_pairs_estimate"],
                 "times_apart": round(ratio, 2), "method": p["method"]}),
    ]


def crosswalk_outcomes(con: duckdb.DuckDBPyConnection, model_prior: float, rules: list[str], limits: dict,
                       previous: dict | None) -> list[Outcome]:
    """Checks on the crosswalk a run made: against the model's own prior, the deterministic rules and the
    previous run's figures (`previous`: its links_together and unlinked_by_source, or None on a first run)."""
    records = con.execute("SELECT count(*) FROM resident_crosswalk").fetchone()[0]
    together = pairs_together(con)
    expected = model_prior * records * (records - 1) / 2
    ratio = prior_ratio(expected, together) if together else (1.0 if expected < 1 else math.inf)
    by_source = unlinked_by_source(con, rules)
    under = [s for s in by_source
             if s["unlinked_share"] > s["unpaired_by_rules_share"] + limits["unlinked_above_rules_max"]
             and (s["unlinked_share"] - s["unpaired_by_rules_share"]) * s["records"]
             >= limits.get("unlinked_above_rules_min_records", 0)]
    outcomes = [
        Outcome("prior_matches_links", ratio <= limits["prior_max_ratio"],
                f"The model's prior expects {expected:,.0f} pairs of records to be one person; the crosswalk puts "
                f"{together:,} pairs together ({ratio:.1f} times apart, at most {limits['prior_max_ratio']:g} is "
                "plausible)." + ("" if ratio <= limits["prior_max_ratio"] else
                                 " The prior is wrong for these records, so every match probability is: retrain "
                                 "(job train_resolution_model) and read training.json's prior."),
                {"expected_pairs": round(expected, 1), "pairs_together": together, "times_apart": round(ratio, 2)}),
        Outcome("linked_at_least_as_rules_would", not under,
                "Every source has no more records linked to nothing than the deterministic rules alone would leave."
                if not under else
                "Sources with more records linked to nothing than the deterministic rules alone would leave: "
                + ", ".join(f"{s['source']} ({s['unlinked_share']:.1%} unlinked, rules leave "
                            f"{s['unpaired_by_rules_share']:.1%})" for s in under)
                + ". The model refuses links the rules are sure of: look at links_refused_by_conflict and the "
                  "match weights chart, then retrain.",
                {"by_source": by_source}),
    ]
    if previous is not None:
        before = previous.get("links_together") or 0
        collapsed = before > 0 and together < limits["links_min_share_of_previous"] * before
        rose = [s for s in by_source for p in previous.get("unlinked_by_source", [])
                if p["source"] == s["source"] and s["unlinked_share"] > p["unlinked_share"] + limits["unlinked_rise_max"]]
        outcomes.append(Outcome(
            "links_hold_against_last_run", not collapsed and not rose,
            (f"Pairs of records together: {together:,} now, {before:,} after the last healthy run on this "
             "warehouse. " if before else
             f"Pairs of records together: {together:,} now. ")
            + ("" if not collapsed else
               f"That is under {limits['links_min_share_of_previous']:.0%} of the last run's: links collapsed. ")
            + ("" if not rose else "Records linked to nothing rose in " + ", ".join(
                f"{s['source']} (to {s['unlinked_share']:.1%})" for s in rose) + ". ")
            + ("" if not collapsed and not rose else
               "A new model, a changed extract layout or a standardisation fault can do this: compare the "
               "sources' profiles and training.json with the last run's before the marts use it. Until a run "
               "passes, each is compared with that last healthy one; if the change is meant (a source taken "
               "out, say), run once with model.yaml's health.links_min_share_of_previous at 0 and "
               "unlinked_rise_max at 1."),
            {"pairs_together": together, "pairs_together_last_run": before,
             "sources_unlinked_rose": [s["source"] for s in rose]}))
    return outcomes
