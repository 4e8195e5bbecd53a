"""Shared fixtures: a small hand-written source for staging tests, and one synthetic council built once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

# imported when the tests are collected, so the definitions hold the bundled council's sources: imported first
# inside a test, under its RESIDENT_INDEX_COUNCIL_DIR, the module would build that test's sources instead
from resident_index.defs.sources.assets import build_source_asset
from resident_index.council import start_council_folder
from resident_index.sources.spec import SourceSpec, load_spec

PROJECT = Path(__file__).resolve().parents[1]

#: A minimal library-membership system, written as a council would write a new source.
LIBRARY_SPEC = {
    "name": "library_members",
    "title": "Library members",
    "description": "Members of the borough's libraries.",
    "system": "Spydus",
    "data_owner": "Head of Libraries",
    "lawful_basis": "UK GDPR 6(1)(e); Public Libraries and Museums Act 1964",
    "retention": "2 years after membership lapses",
    "landing": {"folder": "library_members", "format": "csv", "extension": "csv", "encoding": "utf-8",
                "delimiter": ","},
    "columns": {"source_record_id": "MemberNo", "forename": "First", "surname": "Last", "dob": "Born",
                "address": ["Addr1", "Addr2"], "postcode": "PostCode", "email": "Email",
                "start_date": "Joined"},
    "date_formats": {"dob": ["%d/%m/%Y"], "start_date": ["%Y-%m-%d"]},
    "required_columns": ["MemberNo", "Last", "Addr1"],
    "event_type": "membership",
}
LIBRARY_HEADER = "MemberNo,First,Last,Born,Addr1,Addr2,PostCode,Email,Joined,Branch\n"
LIBRARY_ROWS = [
    "L001,Ann,Smith,02/03/1980,12 High Street,Northbridge,NB1 2AB,ann@example.org,2020-01-05,Central\n",
    "L002,Bill,Jones,31/12/1975,Flat 2,14 Rose Close,nb13de,,2021-06-01,East\n",
    "L003,Priya,Patel,01/01/1900,7 Mill Lane,Northbridge,NB2 4EF,PRIYA@Example.org,2022-02-02,Central\n",
]


def write_library_source(registry: Path, landing: Path, day: str = "2026-11-01", rows=None,
                         header: str = LIBRARY_HEADER, encoding: str = "utf-8") -> SourceSpec:
    registry.mkdir(parents=True, exist_ok=True)
    (registry / "library_members.yaml").write_text(yaml.safe_dump(LIBRARY_SPEC, sort_keys=False))
    folder = landing / "library_members"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{day}.csv").write_bytes((header + "".join(LIBRARY_ROWS if rows is None else rows)).encode(encoding))
    return load_spec(registry / "library_members.yaml")


def materialize_extract(spec: SourceSpec, database: Path, day: str = "2026-11-01", instance=None):
    """Stage one extract of `spec` through its Dagster asset (its date added to the extract_dates partitions
    first, as the landing sensor and `resident-index run` do); on a test instance unless one is given."""
    import contextlib

    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from resident_index.defs.partitions import add_extract_dates

    with contextlib.ExitStack() as stack:
        instance = instance or stack.enter_context(dg.instance_for_test())
        add_extract_dates(instance, [day])
        return dg.materialize([build_source_asset(spec)], partition_key=day, instance=instance, raise_on_error=False,
                              resources={"warehouse": DuckDBResource(database=str(database))})


@pytest.fixture
def library(tmp_path: Path) -> tuple[SourceSpec, Path]:
    """The library source in a temporary registry, with one clean extract landed; returns (spec, landing dir)."""
    landing = tmp_path / "landing"
    return write_library_source(tmp_path / "registry", landing), landing


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def project_env(data_dir: Path, registry: Path | None = None) -> dict[str, str]:
    """Environment for a subprocess on its own data folder and its own copy of the project's instance;
    `registry` is the sources/ folder of the council config folder to use (e.g. from start_council_folder)."""
    home = data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    config = (PROJECT / "dagster.yaml").read_text().replace("base_dir: data/dagster", f"base_dir: {data_dir / 'dagster'}")
    (home / "dagster.yaml").write_text(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "RESIDENT_INDEX_"))}
    env |= {"RESIDENT_INDEX_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home), "GX_ANALYTICS_ENABLED": "False"}
    if registry is not None:
        assert registry.name == "sources", f"{registry} is not the sources/ folder of a council config folder"
        env["RESIDENT_INDEX_COUNCIL_DIR"] = str(registry.parent)
    return env


def cli(env: dict[str, str], *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resident_index.cli", *args], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def built_council(tmp_path_factory) -> dict:
    """A 400-resident synthetic council plus the library source, built end to end by `resident-index run`.

    The council config folder is a copy of the bundled one with sources/library_members.yaml added: the new
    system gets its asset, checks and staging with no code change.
    """
    root = tmp_path_factory.mktemp("council")
    data = root / "data"
    registry = start_council_folder(root / "council", with_sources=True) / "sources"
    env = project_env(data, registry)
    synth = cli(env, "synth", "--residents", "400", "--seed", "7")
    assert synth.returncode == 0, synth.stderr
    write_library_source(registry, data / "landing")
    run = cli(env, "run")
    assert run.returncode == 0, run.stdout + run.stderr
    return {"data": data, "registry": registry, "env": env, "stdout": run.stdout,
            "warehouse": data / "warehouse.duckdb"}
