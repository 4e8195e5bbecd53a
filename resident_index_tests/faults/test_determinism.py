"""Two builds of the same council give the same index: every table, every export, every chart.

A council re-running a day (after a crash, or to check a result) must get the same residents, scores,
lists and files, or no one can tell a real change from noise. Two synthetic councils from the same seed
are built from scratch in two data folders (`synth` then `run`, as `make demo` does, training included)
and compared: each warehouse table by a digest of its sorted rows (compare.py; only run-time facts such as
timestamps are left out, listed there), each exported CSV, Parquet and chart, and the trained model, byte
for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from resident_index_tests.conftest import cli, project_env
from resident_index_tests.faults.compare import (describe_differences, describe_file_differences, differing,
                                                 outputs_digest, warehouse_digest)

pytestmark = pytest.mark.faults

RESIDENTS, SEED = "350", "7"


def _build(data: Path) -> Path:
    env = project_env(data)
    synth = cli(env, "synth", "--residents", RESIDENTS, "--seed", SEED)
    assert synth.returncode == 0, synth.stderr
    run = cli(env, "run")
    assert run.returncode == 0, run.stdout + run.stderr
    return data


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("determinism")
    return _build(root / "first"), _build(root / "second")


def test_every_table_is_identical(two_builds):
    first, second = (d / "warehouse.duckdb" for d in two_builds)
    a, b = warehouse_digest(first), warehouse_digest(second)
    assert len(a) > 40, f"expected the whole index in {first}, found tables {sorted(a)}"
    tables = differing(a, b)
    assert not tables, f"{len(tables)} tables differ between identical builds:\n" + describe_differences(
        first, second, tables)


def test_every_export_chart_and_model_file_is_identical(two_builds):
    first, second = two_builds
    a, b = outputs_digest(first), outputs_digest(second)
    assert any(k.endswith(".parquet") for k in a) and any(k.endswith(".png") for k in a), sorted(a)
    files = differing(a, b)
    assert not files, f"{len(files)} files differ between identical builds:\n" + describe_file_differences(
        first, second, files)
