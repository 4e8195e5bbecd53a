"""Shared fixtures: a small hand-written source for staging tests, and one synthetic council built once.

`make test` runs the suite on two pytest-xdist workers (`--dist loadfile`: a file's tests on one worker, so a
module's fixtures are built once and its tests run in their order). A build shared by the session is made once
for both workers (`shared_build`), and each worker reads and writes its own copy of it (`copy_council`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import Callable

import duckdb
import pytest
import yaml

# imported when the tests are collected, so the definitions hold the bundled council's sources: imported first
# inside a test, under its RESIDENT_INDEX_COUNCIL_DIR, the module would build that test's sources instead
from resident_index.defs.sources.assets import build_source_asset
from resident_index.council import start_council_folder
from resident_index.sources.spec import SourceSpec, load_spec

PROJECT = Path(__file__).resolve().parents[1]

#: held while `environment` swaps os.environ, and by `project_env` to read it
_ENVIRON = threading.RLock()

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
    with _ENVIRON:  # not mid-swap by `environment` (a shared build calls this in a background thread)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "RESIDENT_INDEX_"))}
    env |= {"RESIDENT_INDEX_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home), "GX_ANALYTICS_ENABLED": "False"}
    if registry is not None:
        assert registry.name == "sources", f"{registry} is not the sources/ folder of a council config folder"
        env["RESIDENT_INDEX_COUNCIL_DIR"] = str(registry.parent)
    return env


#: how long a `resident-index` subprocess may take before the test fails: a 400-resident build takes about a minute on
#: a quiet 2-core machine and took over 15 on this one shared with other builds (load average 24)
CLI_TIMEOUT = 1800


def cli(env: dict[str, str], *args: str, timeout: int = CLI_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resident_index.cli", *args], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout)


def shared_build(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder `build(folder)` fills, made once per test session and never written after: under pytest-xdist
    the workers share it (in the session's temporary base), made by whichever worker comes first (usually in
    the background, from `pytest_collection_finish`) while the other waits for it. A failed build is not
    retried: each test that needs it fails with the build's error."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    folder = _build_once(tmp_path_factory.getbasetemp().parent, name, build)
    if folder is None:
        failed = tmp_path_factory.getbasetemp().parent / "shared" / f"{name}.failed"
        pytest.fail(f"the shared build {name!r} failed:\n{failed.read_text()}", pytrace=False)
    return folder


def _build_once(session_base: Path, name: str, build: Callable[[Path], None]) -> Path | None:
    """`session_base`/shared/`name`, built by `build` under a file lock unless already built; None if a build of
    it failed (its traceback in shared/`name`.failed)."""
    base = session_base / "shared"
    base.mkdir(exist_ok=True)
    folder, done, failed = base / name, base / f"{name}.built", base / f"{name}.failed"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # per open file: a second thread of this process waits as well
        if failed.exists():
            return None
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                build(folder)
            except Exception:
                failed.write_text(traceback.format_exc())
                return None
            done.touch()
    return folder


def pytest_collection_finish(session) -> None:
    """Under pytest-xdist, start each shared build a collected test needs at once, in the background (the build
    is a `resident-index` subprocess): the worker runs other tests meanwhile instead of waiting for it later."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    needed = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    session_base = Path(session.config.option.basetemp).resolve().parent  # every worker's basetemp is in it
    for fixture, (name, build) in SHARED_BUILDS.items():
        if fixture in needed:
            threading.Thread(target=_build_once, args=(session_base, name, build), daemon=True,
                             name=f"shared build {name}").start()


#: test files that take minutes (builds, benchmark runs), the longest first: run before the rest so that under
#: `make test` (`-n 2 --dist loadfile --no-loadscope-reorder`) the two workers end together, not one running a
#: long file alone at the end. Measured serially on a quiet machine (2 Dec 2026): FEBRL 3 and 4 179 s,
#: kill-and-rerun 176 s, the others a build or two each. Those that need no shared build come first, while
#: the shared builds are made in the background.
RUN_FIRST = ("resolution/test_febrl.py", "scale/test_postgres.py", "resolution/test_prior.py",
             "councils/test_eastmere.py", "faults/test_kill_and_rerun.py", "resolution/test_resident_ids.py",
             "resolution/test_model_health.py", "scale/test_spark.py", "faults/test_rejected_extracts.py",
             "faults/test_determinism.py", "test_incremental.py", "ui/test_browser.py", "test_webserver.py",
             "web/test_web_browser.py")


def pytest_collection_modifyitems(items) -> None:
    """RUN_FIRST's files first, in its order; the others after them as collected (each file's tests in order)."""
    tests = Path(__file__).parent
    missing = [name for name in RUN_FIRST if not (tests / name).is_file()]
    if missing:
        raise pytest.UsageError(f"{Path(__file__).name}: RUN_FIRST names test files that do not exist: {missing}")
    rank = {name: i for i, name in enumerate(RUN_FIRST)}

    def first(item) -> int:
        path = Path(item.path)
        return rank.get(path.relative_to(tests).as_posix(), len(rank)) if path.is_relative_to(tests) else len(rank)

    items.sort(key=first)


def copy_council(council: dict, target: Path) -> dict:
    """A copy of a built council (`built_council`, or a copy of it) in `target`: its data folder with the Dagster
    instance's history, and its council config folder, with the environment to run the CLI on the copy. A test
    that writes (a verdict, a request, an audit entry, a password) writes to its own copy, never to a build
    another test reads."""
    target.mkdir(parents=True, exist_ok=True)
    data = shutil.copytree(council["data"], target / "data", ignore=shutil.ignore_patterns("dagster_home"))
    registry = shutil.copytree(council["registry"].parent, target / "council") / "sources"
    return {"data": data, "registry": registry, "env": project_env(data, registry), "stdout": council["stdout"],
            "warehouse": data / "warehouse.duckdb"}


def _build_council(root: Path) -> None:
    data = root / "data"
    registry = start_council_folder(root / "council", with_sources=True) / "sources"
    env = project_env(data, registry)
    synth = cli(env, "synth", "--residents", "400", "--seed", "7")
    assert synth.returncode == 0, synth.stderr
    write_library_source(registry, data / "landing")
    run = cli(env, "run")
    assert run.returncode == 0, run.stdout + run.stderr
    (root / "run.stdout").write_text(run.stdout)


#: the session's shared builds, by the fixture that returns one: (its folder's name, what builds it); a conftest
#: below adds its own (faults/conftest.py: clean_build)
SHARED_BUILDS: dict[str, tuple[str, Callable[[Path], None]]] = {"built_council": ("council", _build_council)}


@pytest.fixture(scope="session")
def built_council(tmp_path_factory) -> dict:
    """A 400-resident synthetic council plus the library source, built end to end by `resident-index run`.

    The council config folder is a copy of the bundled one with sources/library_members.yaml added: the new
    system gets its asset, checks and staging with no code change. Built once per session (`shared_build`);
    each worker gets its own copy, which the tests on that worker share in turn (they run one at a time): a
    test that writes what another reads (a verdict, a request) takes a copy of this one (`copy_council`).
    """
    root = shared_build(tmp_path_factory, "council", _build_council)
    built = {"data": root / "data", "registry": root / "council" / "sources", "stdout": (root / "run.stdout").read_text()}
    return copy_council(built, tmp_path_factory.mktemp("council"))


@contextlib.contextmanager
def environment(env: dict[str, str]):
    """os.environ replaced by `env` for the block (as a subprocess given `env` sees it), then put back exactly;
    `project_env` in another thread waits for the block to end."""
    with _ENVIRON:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)


def cli_in_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`resident-index <args>` run by its main() in this process with the environment `env`, its output and exit
    code captured as `cli` gives them: for the many lookups a test makes, where a new interpreter adds nothing
    but its start-up. An exception main() does not turn into an exit code fails the test with its traceback."""
    import io

    from resident_index.cli import main

    out, err = io.StringIO(), io.StringIO()
    with environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: a usage error (2), or --help (0)
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["resident-index", *args], code, out.getvalue(), err.getvalue())
