"""`resident-index backup` and `restore`: a warehouse deleted or corrupted comes back with every table as
it was, the model beside it and the read snapshot published again; nothing is overwritten unasked."""

from __future__ import annotations

import json

import pytest

from resident_index_tests.conftest import cli
from resident_index_tests.faults.compare import warehouse_digest
from resident_index_tests.faults.lock_helpers import copy_council, locked

pytestmark = pytest.mark.faults


@pytest.fixture
def council(built_council, tmp_path):
    return copy_council(built_council, tmp_path)


def _models(data):
    return {p.name: p.read_bytes() for p in sorted((data / "models").iterdir())}


@pytest.mark.parametrize("damage", ["corrupt", "delete"])
def test_backup_then_damage_then_restore_gives_the_same_tables(council, tmp_path, damage):
    before, models = warehouse_digest(council["warehouse"], ignore={}), _models(council["data"])
    backup = tmp_path / "backup"
    made = cli(council["env"], "backup", str(backup))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((backup / "manifest.json").read_text())
    assert set(manifest["tables"]) == set(before) and "resident_model.json" in manifest["models"]
    assert oct(backup.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in backup.rglob("*") if p.is_file())

    if damage == "corrupt":
        with council["warehouse"].open("r+b") as f:  # a torn write over the file's first blocks
            f.write(b"\0garbage" * 100_000)
        refused = cli(council["env"], "restore", str(backup))
        assert refused.returncode == 1 and "--force" in refused.stderr and "Traceback" not in refused.stderr
        assert council["warehouse"].read_bytes().startswith(b"\0garbage")  # left as it was
        restored = cli(council["env"], "restore", str(backup), "--force")
    else:
        council["warehouse"].unlink()
        (council["data"] / "warehouse.read.duckdb").unlink()
        for model in (council["data"] / "models").iterdir():
            model.unlink()
        (council["data"] / "models").rmdir()
        restored = cli(council["env"], "restore", str(backup))
    assert restored.returncode == 0, restored.stderr

    assert warehouse_digest(council["warehouse"], ignore={}) == before
    assert _models(council["data"]) == models
    assert (damage == "corrupt") == bool(list(council["data"].glob("warehouse.duckdb.before-restore-*")))
    found = cli(council["env"], "find", "Smith")  # lookups work again, from a snapshot of the restored warehouse
    assert "restored from" in found.stdout or "(build restored" in found.stdout, found.stdout + found.stderr


def test_a_backup_taken_during_a_run_waits_for_its_step_and_says_so(council, tmp_path):
    with locked(council["warehouse"], release_after=5) as pid:
        made = cli(council["env"], "backup", str(tmp_path / "backup"), "--wait", "60")
    assert made.returncode == 0, made.stderr
    assert f"waiting for warehouse.duckdb (locked by PID {pid}" in made.stderr
    with locked(council["warehouse"]):
        gave_up = cli(council["env"], "backup", str(tmp_path / "another"), "--wait", "1")
    assert gave_up.returncode == 1 and "gave up after 1 s" in gave_up.stderr and "Traceback" not in gave_up.stderr


def test_a_damaged_backup_is_refused_and_the_warehouse_left_alone(council, tmp_path):
    backup = tmp_path / "backup"
    assert cli(council["env"], "backup", str(backup)).returncode == 0
    with (backup / "warehouse.duckdb").open("r+b") as f:
        f.seek(20_000)
        f.write(b"bit rot")
    before = council["warehouse"].read_bytes()
    refused = cli(council["env"], "restore", str(backup), "--force")
    assert refused.returncode == 1 and "does not match its manifest" in refused.stderr
    assert council["warehouse"].read_bytes() == before
    again = cli(council["env"], "backup", str(backup))
    assert again.returncode == 1 and "not an empty folder" in again.stderr
