"""The prior: how likely two records picked at random are one person. See docs/matching.md ("The prior").

Two estimates, and a choice between them that training records (training.json, the asset's metadata):

- **deterministic rules** (model.yaml `training.deterministic_rules`): pairs that almost surely are one person
  (same NHS number; same name and date of birth), counted and divided by all pairs and an assumed recall. It
  holds only where the rules find pairs: a registry without identifiers, or whose duplicates carry a typo
  in name or date of birth, finds few or none, and the prior comes out many times too low. A rule is used
  only when it finds at least `deterministic_min_pairs` pairs.
- **blocked pairs**: with m and u trained, every pair the blocking rules admit has a Bayes factor; the prior
  is the p at which the expected number of true pairs among them, the sum of their match probabilities at p,
  equals p times all pairs (expectation maximisation of the prior alone, m and u held; pairs no rule admits
  are taken as different people). It needs no field in particular: whatever evidence the model compares.

The blocked pairs' estimate is used: it reads whatever evidence the data holds, where the rules see only the
pairs they catch exactly and rest on a guessed recall (FEBRL 3: 2,441 true pairs by the rules, 6,432 by the
blocked pairs, 6,538 in truth). The deterministic estimate starts EM and is recorded beside it; it is used
only when the blocked pairs imply no match at all (and the model-health check then fails).
"""

from __future__ import annotations

import math

import duckdb
import numpy as np


def rule_pairs(mem: duckdb.DuckDBPyConnection, rule: str, table: str = "resolution_input") -> int:
    """How many pairs of records `rule` (SQL on l and r) admits."""
    return mem.execute(f"""SELECT count(*) FROM {table} l JOIN {table} r
                           ON l.unique_id < r.unique_id AND ({rule})""").fetchone()[0]


def blocked_pairs_prior(log2_bayes_factors: np.ndarray, total_pairs: int, tolerance: float = 1e-9,
                        max_iterations: int = 1000) -> float:
    """The prior p at which sum_i P(match | pair i; p) = p * total_pairs, over the blocked pairs' Bayes
    factors (log2). Iterates p <- sum_i P(match | i; p) / total_pairs from p = blocked / total, which falls
    to the largest fixed point; 0.0 when the evidence cannot hold any match (sum of Bayes factors below
    total_pairs: the only fixed point is 0)."""
    if total_pairs <= 0 or log2_bayes_factors.size == 0:
        return 0.0
    ln_bf = np.asarray(log2_bayes_factors, dtype=np.float64) * math.log(2)
    top = float(ln_bf.max())
    if top + math.log(float(np.sum(np.exp(ln_bf - top)))) <= math.log(total_pairs):
        return 0.0  # sum of Bayes factors <= all pairs: from any p the iteration falls to 0
    p = min(log2_bayes_factors.size / total_pairs, 0.5)
    for _ in range(max_iterations):
        logit = math.log(p) - math.log1p(-p)
        nxt = float(np.sum(1.0 / (1.0 + np.exp(np.clip(-(ln_bf + logit), -700, 700))))) / total_pairs
        if abs(nxt - p) <= tolerance * p:
            return nxt
        p = nxt
    return p


def choose(deterministic: float | None, blocked: float) -> tuple[float, str, str]:
    """(prior, method, reason in plain words): the blocked pairs' estimate wherever the scores imply any match."""
    if blocked > 0.0:
        if deterministic is None:
            return blocked, "blocked_pairs", ("no deterministic rule found enough pairs; the prior comes from the "
                                              "blocked pairs' scores")
        return blocked, "blocked_pairs", (f"the prior comes from the blocked pairs' scores; the deterministic rules' "
                                          f"estimate is {_times(deterministic / blocked)} it")
    if deterministic is None:
        raise ValueError("cannot estimate the prior: no deterministic rule (model.yaml training.deterministic_rules) "
                         "finds enough pairs, and the pairs the blocking rules admit hold no evidence of any match. "
                         "Check that the sources map names and dates of birth (or identifiers, addresses)")
    return deterministic, "deterministic_rules", ("the blocked pairs' scores imply no match at all, so the "
                                                  "deterministic rules' estimate is used (the model-health check "
                                                  "will fail: look at the match weights chart)")


def _times(ratio: float) -> str:
    return f"{ratio:.2f} times" if ratio >= 1 else f"1/{1 / ratio:.1f} of"
