"""Matching accuracy on the public FEBRL 3 and 4 benchmarks, loaded through the source registry."""

from __future__ import annotations

import duckdb
import pytest

from resident_index.resolution.evaluate import evaluate
from resident_index.synthetic.febrl import land
from resident_index_tests.conftest import cli, project_env


@pytest.mark.parametrize("dataset", ["febrl3", "febrl4"])
def test_febrl_pairwise_f1_is_at_least_0_99(tmp_path, dataset):
    registry, data = land(dataset, tmp_path)
    run = cli(project_env(data, registry), "run")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        result = evaluate(con, data / "truth")
        assert result["records_evaluated"] == (5000 if dataset == "febrl3" else 10000)
        assert con.execute("SELECT count(*) - count(DISTINCT (source_system, source_record_id)) "
                           "FROM resident_crosswalk").fetchone()[0] == 0
    assert result["pairwise"]["f1"] >= 0.99, result["pairwise"]
