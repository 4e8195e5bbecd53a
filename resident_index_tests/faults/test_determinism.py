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

from resident_index_tests.faults.conftest import build
from resident_index_tests.faults.compare import (describe_differences, describe_file_differences, differing,
                                                 outputs_digest, warehouse_digest)

pytestmark = pytest.mark.faults

@pytest.fixture(scope="module")
def two_builds(clean_build, tmp_path_factory) -> tuple[Path, Path]:
    return clean_build, build(tmp_path_factory.mktemp("determinism") / "second")


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
