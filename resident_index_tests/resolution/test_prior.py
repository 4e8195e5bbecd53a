"""The prior adapts to what the data holds: a registry with no identifiers trains a model that links.

RLdata500 (500 records, 50 true pairs) holds names and dates of birth only, and no two of its duplicates agree
exactly on both: the deterministic rules find no pair at all. FEBRL 1 (1,000 records, 500 true pairs) is
landed with only names and addresses mapped, as a council whose system holds no date of birth would map it.
Before the prior came from the blocked pairs, training failed on both (a prior of 0: division by zero).
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pytest
import yaml

from resident_index.resolution import prior
from resident_index.resolution.evaluate import evaluate
from resident_index.synthetic.febrl import land
from resident_index_tests.conftest import cli, project_env

#: (dataset, the canonical fields its YAML keeps: None keeps them all)
REGISTRIES = {
    "names_and_dates_of_birth": ("rldata500", None),
    "names_and_addresses": ("febrl1", ["source_record_id", "forename", "surname", "address", "postcode"]),
}
#: the field each of the suite's column checks is about (the rest check the surname or the whole table)
CHECKED_FIELD = {"address": "address", "postcode_valid": "postcode", "dob_given_valid": "dob"}


def _keep_only(registry, name: str, fields: list[str]) -> None:
    spec_path, suite_path = registry / f"{name}.yaml", registry / f"{name}.expectations.json"
    spec = yaml.safe_load(spec_path.read_text())
    spec["columns"] = {k: v for k, v in spec["columns"].items() if k in fields}
    spec["date_formats"] = {k: v for k, v in spec["date_formats"].items() if k in fields}
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    suite = json.loads(suite_path.read_text())  # no check on a field the source no longer maps
    suite["expectations"] = [e for e in suite["expectations"]
                             if CHECKED_FIELD.get(e["kwargs"].get("column"), "surname") in fields]
    suite_path.write_text(json.dumps(suite))


@pytest.mark.parametrize("held", sorted(REGISTRIES))
def test_a_registry_without_identifiers_trains_a_model_that_links(tmp_path, held):
    dataset, fields = REGISTRIES[held]
    registry, data = land(dataset, tmp_path)
    if fields:
        _keep_only(registry, dataset, fields)
    run = cli(project_env(data, registry), "run")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    training = json.loads((data / "models" / "training.json").read_text())
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(shared_id) FROM resolution_input").fetchone()[0] == 0
        pairwise = evaluate(con, data / "truth")["pairwise"]
    assert training["prior"]["method"] == "blocked_pairs", training["prior"]
    # the rules' pairs are recorded, one figure per rule; no identifier rule finds any here
    assert [r["pairs"] for r in training["prior"]["deterministic_rules"]][:2] == [0, 0]
    # measured: RLdata500 recall 0.88, FEBRL 1 with names and addresses 0.75 (a quarter of its true pairs
    # share neither a name nor a postcode exactly, so no blocking rule admits them); precision 1.0 on both
    assert pairwise["recall"] >= 0.7, pairwise
    assert pairwise["precision"] >= 0.98, pairwise
    assert training["untrained_comparisons"] == [], training["untrained_comparisons"]


def test_the_blocked_pairs_prior_finds_the_share_of_pairs_that_match():
    """100 pairs with strong evidence (2^20) among 10,000 blocked and 1,000,000 in all: about 100 match."""
    weights = np.concatenate([np.full(100, 20.0), np.full(9_900, -5.0)])
    p = prior.blocked_pairs_prior(weights, 1_000_000)
    assert p * 1_000_000 == pytest.approx(100, rel=0.02)
    assert prior.blocked_pairs_prior(np.full(10, -30.0), 1_000_000) == 0.0  # no evidence of any match


def test_the_prior_comes_from_the_blocked_pairs_and_says_why():
    used, method, reason = prior.choose(None, 3e-4)
    assert (used, method) == (3e-4, "blocked_pairs") and "no deterministic rule" in reason
    used, method, reason = prior.choose(1e-5, 3e-4)
    assert (used, method) == (3e-4, "blocked_pairs") and "1/30.0 of" in reason
    with pytest.raises(ValueError, match="cannot estimate the prior"):
        prior.choose(None, 0.0)
