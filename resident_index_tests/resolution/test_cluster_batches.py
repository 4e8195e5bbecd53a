"""Clustering in batches of linked groups (resolve.py) makes the residents one clustering of every record at
once makes, refusing the same links: on random households where every rule and a reviewer's verdicts bite,
and on a copy of the session's built council, with batches of a few dozen records so that groups fall on
every side of a batch's edge."""

from __future__ import annotations

import os
import random
import shutil
from datetime import date

import duckdb
import pytest

from resident_index.resolution import resolve as resolution
from resident_index.resolution.clustering import ConflictRules, Evidence, cluster
from resident_index.resolution.splink_model import model_config
from resident_index_tests.conftest import environment


@pytest.fixture(scope="module")
def warehouse(built_council, tmp_path_factory):
    path = tmp_path_factory.mktemp("batches") / "warehouse.duckdb"
    shutil.copy(built_council["data"] / "warehouse.duckdb", path)
    with environment({**os.environ, "RESIDENT_INDEX_COUNCIL_DIR": str(built_council["registry"].parent)}):
        cfg = model_config()  # the built council's model.yaml
    con = duckdb.connect(str(path))
    resolution.ensure_state(con)
    resolution._latest_decisions(con)
    resolution._current_inputs(con, cfg)
    yield con, ConflictRules(**cfg.get("conflicts", {}))
    con.close()


def _partition(cluster_of: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for record, key in cluster_of.items():
        groups.setdefault(key, set()).add(record)
    return {frozenset(g) for g in groups.values()}


def _all_at_once(con, rules):
    evidence = {uid: Evidence.of(*values) for uid, *values in con.execute(
        "SELECT unique_id, nhs_number, ni8, dob, latest_dob, phone, email FROM _evidence_now ORDER BY unique_id").fetchall()}
    apart = {frozenset((a, b)): why for a, b, why in con.execute("SELECT a, b, why FROM _apart_now").fetchall()}
    links = con.execute("SELECT a, b, probability, how, strong FROM _links_now ORDER BY ALL").fetchall()
    return cluster(evidence, links, apart, rules)


def test_batches_of_linked_groups_give_the_clusters_and_refusals_of_one_pass(warehouse, monkeypatch):
    con, rules = warehouse
    whole = _all_at_once(con, rules)
    monkeypatch.setattr(resolution, "BATCH_RECORDS", 40)
    batched, refusals = resolution._cluster_in_batches(con, rules, scoped=False)
    batches = con.execute("SELECT count(DISTINCT batch) FROM _scope_batch WHERE batch >= 0").fetchone()[0]
    assert batches > 10  # the council's linked records really were split
    assert batched.cluster_of == whole.cluster_of
    assert batched.attached_by == whole.attached_by
    assert batched.refused == whole.refused and sum(whole.refused.values()) > 0
    assert sorted(zip(*(refusals.column(c).to_pylist() for c in ("a", "b", "probability", "how", "rule")))) \
        == sorted(whole.refusals)
    assert len(_partition(batched.cluster_of)) < len(batched.cluster_of)  # records were joined


def test_a_record_with_no_link_is_a_resident_of_its_own_without_being_clustered(warehouse):
    con, rules = warehouse
    batched, _ = resolution._cluster_in_batches(con, rules, scoped=False)
    alone = {uid for (uid,) in con.execute("""SELECT unique_id FROM _evidence_now
                                              WHERE unique_id NOT IN (SELECT a FROM _links_now)
                                                AND unique_id NOT IN (SELECT b FROM _links_now)""").fetchall()}
    assert alone and all(batched.cluster_of[r] == r for r in alone)
    assert con.execute("SELECT count(*) FROM _scope_batch WHERE batch < 0").fetchone()[0] == len(alone)
    assert set(batched.cluster_of) == {uid for (uid,) in con.execute("SELECT unique_id FROM _evidence_now").fetchall()}


def _households(seed: int, households: int = 150):
    """Records of households sharing names and phones, some holding NHS numbers or dates of birth, linked at
    random strengths (a few by a reviewer's "same"), with pairs kept apart by reviewers and registry rules."""
    rng = random.Random(seed)
    records, links, apart = [], [], []
    for h in range(households):
        ids = [f"s{rng.randint(1, 3)}|h{h:03d}r{i}" for i in range(rng.randint(1, 9))]
        ids = sorted(set(ids))
        for uid in ids:
            records.append((uid, rng.choice([None, f"943476{h:03d}{rng.randint(0, 1)}"]),
                            rng.choice([None, None, f"AB{h:05d}{rng.randint(0, 1)}"]),
                            rng.choice([None, date(1960, 4, 12), date(1990, 8, 3), date(1990, 3, 8)]),
                            rng.choice([None, None, date(2012, 1, 1)]),
                            rng.choice([None, f"07{h:03d}{rng.randint(0, 2)}"]),
                            rng.choice([None, f"p{h}{rng.randint(0, 2)}@example.org"])))
        for _ in range(rng.randint(0, 3 * len(ids))):
            a, b = sorted(rng.sample(ids, 2)) if len(ids) > 1 else (None, None)
            if a:
                how = rng.choice(["model"] * 8 + ["rule", "reviewer"])
                links.append((a, b, 1.0 if how != "model" else round(rng.uniform(0.9, 1.0), 3), how, rng.random() < 0.2))
        for _ in range(rng.randint(0, len(ids) // 2)):
            if len(ids) > 1:
                a, b = sorted(rng.sample(ids, 2))
                apart.append((a, b, rng.choice(["reviewer", "distinct_at_address", "names_at_address"])))
    return records, links, sorted({(a, b): w for a, b, w in apart}.items())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batches_agree_with_one_pass_where_every_rule_and_verdict_bites(seed, monkeypatch):
    records, links, apart = _households(seed)
    con = duckdb.connect()
    con.execute("""CREATE TEMP TABLE _evidence_now (unique_id VARCHAR, nhs_number VARCHAR, ni8 VARCHAR, dob DATE,
                   latest_dob DATE, phone VARCHAR, email VARCHAR)""")
    con.executemany("INSERT INTO _evidence_now VALUES (?, ?, ?, ?, ?, ?, ?)", records)
    con.execute("CREATE TEMP TABLE _links_now (a VARCHAR, b VARCHAR, probability DOUBLE, how VARCHAR, strong BOOLEAN)")
    con.executemany("INSERT INTO _links_now VALUES (?, ?, ?, ?, ?)", links)
    con.execute("CREATE TEMP TABLE _apart_now (a VARCHAR, b VARCHAR, why VARCHAR)")
    con.executemany("INSERT INTO _apart_now VALUES (?, ?, ?)", [(a, b, w) for (a, b), w in apart])
    rules = ConflictRules(near_certain=0.97, contested_margin=2.0)
    whole = _all_at_once(con, rules)
    assert {"nhs_number", "dob", "reviewer", "distinct_at_address", "names_at_address"} <= set(whole.refused)
    assert whole.contested
    monkeypatch.setattr(resolution, "BATCH_RECORDS", 7)
    batched, refusals = resolution._cluster_in_batches(con, rules, scoped=False)
    assert con.execute("SELECT count(DISTINCT batch) FROM _scope_batch WHERE batch >= 0").fetchone()[0] > 20
    assert batched.cluster_of == whole.cluster_of
    assert batched.attached_by == whole.attached_by
    assert batched.refused == whole.refused and batched.contested == whole.contested
    assert sorted(zip(*(refusals.column(c).to_pylist() for c in ("a", "b", "probability", "how", "rule")))) \
        == sorted(whole.refusals)
