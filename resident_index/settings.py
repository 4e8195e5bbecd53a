"""Where things live on disk (one environment variable, RESIDENT_INDEX_DATA_DIR, moves all of it), and how much
memory DuckDB may use on this machine (RESIDENT_INDEX_MEMORY_LIMIT)."""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: DuckDB's memory limit when RESIDENT_INDEX_MEMORY_LIMIT is not set: this share of the machine's memory. A
#: build holds one warehouse connection and at times Splink's scratch catalog beside it, and Python's own
#: objects (clustering, Arrow copies) are outside DuckDB's limit, so half leaves the rest room.
DEFAULT_MEMORY_SHARE = 0.5


def memory_limit() -> str:
    """DuckDB's memory_limit for the warehouse and Splink's scratch databases, e.g. '12GB'.

    RESIDENT_INDEX_MEMORY_LIMIT as DuckDB reads it ('4GB', '3500MB'), else DEFAULT_MEMORY_SHARE of this
    machine's physical memory. DuckDB spills to disk beyond the limit where it can (sorts, joins, aggregates)
    and fails with "Out of Memory Error" where it cannot; docs/scaling.md says which figure to set when.
    """
    given = (os.environ.get("RESIDENT_INDEX_MEMORY_LIMIT") or "").strip()
    if given:
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", given, flags=re.IGNORECASE):
            raise ValueError(f"RESIDENT_INDEX_MEMORY_LIMIT={given!r}: give an amount with its unit, "
                             "e.g. 4GB or 3500MB")
        return given
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{max(1, int(total * DEFAULT_MEMORY_SHARE / 2**20))}MB"


def data_dir() -> Path:
    return Path(os.environ.get("RESIDENT_INDEX_DATA_DIR") or PROJECT_ROOT / "data").resolve()


def landing_dir() -> Path:
    return data_dir() / "landing"


def reference_dir() -> Path:
    return data_dir() / "reference"


def warehouse_path() -> Path:
    return data_dir() / "warehouse.duckdb"


def models_dir() -> Path:
    return data_dir() / "models"


def exports_dir() -> Path:
    return data_dir() / "exports"


def truth_dir() -> Path:
    """The synthetic council's ground truth: read by evaluation code only, never by the pipeline."""
    return data_dir() / "truth"


def use_project_dagster_instance() -> None:
    """Use this project's Dagster instance (dagster.yaml at the root, history in data/dagster) unless
    DAGSTER_HOME already names another; its relative paths need the project root as working directory."""
    if "DAGSTER_HOME" not in os.environ:
        os.environ["DAGSTER_HOME"] = str(PROJECT_ROOT)
        os.chdir(PROJECT_ROOT)
        (PROJECT_ROOT / "data" / "dagster").mkdir(parents=True, exist_ok=True)
