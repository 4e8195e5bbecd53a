"""Everything the index writes is private to the account that runs it, unless the council says otherwise."""

from __future__ import annotations

import stat
import subprocess
import sys

import pytest

from resident_index import files

pytestmark = pytest.mark.faults


def test_a_built_council_writes_every_file_0600_and_every_folder_0700(built_council):
    data = built_council["data"]
    loose = [f"{oct(p.stat().st_mode & 0o777)} {p.relative_to(data)}"
             for p in [data, *data.rglob("*")] if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert not loose, "readable by others:\n" + "\n".join(loose[:20])
    for name in ("warehouse.duckdb", "exports", "landing", "models"):
        assert (data / name).exists()


def test_a_council_can_choose_group_readable_files(tmp_path):
    code = ("import os, resident_index; from pathlib import Path; Path(os.environ['TARGET']).write_text('x'); "
            "from resident_index.files import private_dir; private_dir(Path(os.environ['TARGET'] + '.d'))")
    target = tmp_path / "export.csv"
    env = {"RESIDENT_INDEX_UMASK": "027", "TARGET": str(target), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert stat.S_IMODE(target.with_name("export.csv.d").stat().st_mode) == 0o750


@pytest.mark.parametrize("value", ["rw", "0o77x", "0777", "1000"])
def test_a_umask_that_is_not_one_or_locks_out_the_owner_is_refused(monkeypatch, value):
    monkeypatch.setenv("RESIDENT_INDEX_UMASK", value)
    with pytest.raises(ValueError, match="RESIDENT_INDEX_UMASK"):
        files.umask_from_environment()


def test_a_file_replaced_atomically_is_the_old_one_until_the_new_one_is_whole(tmp_path):
    target = tmp_path / "model.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with files.replaced_atomically(target) as partial:
            partial.write_text("half of a new")
            raise RuntimeError("killed half way")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]
    with files.replaced_atomically(target) as partial:
        partial.write_text("new")
    assert target.read_text() == "new"
