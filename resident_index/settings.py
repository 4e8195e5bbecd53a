"""Where things live on disk. One environment variable, RESIDENT_INDEX_DATA_DIR, moves all of it."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


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
