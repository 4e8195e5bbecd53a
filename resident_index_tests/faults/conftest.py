"""The fault suite's reference: one small synthetic council built from scratch, shared by the tests that
compare a build with another (determinism, a rerun after kill -9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from resident_index_tests.conftest import SHARED_BUILDS, cli, project_env, shared_build

RESIDENTS, SEED = "350", "7"


def synthesise(data: Path) -> dict[str, str]:
    """The reference council's extracts generated into `data`; returns the environment to run it with."""
    env = project_env(data)
    synth = cli(env, "synth", "--residents", RESIDENTS, "--seed", SEED)
    assert synth.returncode == 0, synth.stderr
    return env


def build(data: Path) -> Path:
    """The reference council generated and built by `resident-index run` (training included), as `make demo` does."""
    run = cli(synthesise(data), "run")
    assert run.returncode == 0, run.stdout + run.stderr
    return data


SHARED_BUILDS["clean_build"] = ("clean_build", build)


@pytest.fixture(scope="session")
def clean_build(tmp_path_factory) -> Path:
    """The data folder of the reference council, built once (for every worker: `shared_build`), never
    interrupted and never written by a test."""
    return shared_build(tmp_path_factory, "clean_build", build)
