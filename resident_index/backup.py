"""Backup and restore: a copy of the warehouse file taken under its lock, and the trained matching model.

A backup folder holds warehouse.duckdb (byte for byte, with its .wal if the last writer left one),
models/ (data/models: the Splink model the daily build scores with) and manifest.json (when, from where,
DuckDB's version, the file's SHA-256, every table's row count). The copy is made while holding a
read-only connection: DuckDB then lets no process write the file, so the copy is one consistent state
(taken during a run, it is the state between two of its steps; the run's next step waits for it). A file
copy rather than EXPORT DATABASE: it is exact and needs no SQL to be replayed (DuckDB 1.5 writes some
stored views back as SQL that no longer binds, so such an export does not import); any later DuckDB
reads the file. The read snapshot is not backed up: restore publishes it again from the restored
warehouse. Landing extracts and the gazetteer are the council's own input files, backed up with its
other files.

Restore checks the file against the manifest (hash, then every table's row count, opened under a
temporary name) and only then renames it into place; it refuses to replace a warehouse or models folder
that exists unless told to (force), and then keeps the old ones beside it (`*.before-restore-<time>`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from resident_index import read_snapshot, settings, warehouse_lock

MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = con.execute("""SELECT schema_name, table_name FROM duckdb_tables()
                           WHERE database_name = current_database() AND NOT temporary ORDER BY 1, 2""").fetchall()
    return {(t if s == "main" else f"{s}.{t}"): con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0]
            for s, t in names}


def _private(folder: Path) -> None:
    """Personal data: the folder and everything in it readable by its owner only."""
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o700)
        for name in files:
            os.chmod(Path(root) / name, 0o600)


def backup(target: Path, wait: float = 120.0, on_wait: Callable[[str], None] = print) -> dict:
    """Back up the warehouse and models into `target` (a new or empty folder); returns the manifest."""
    warehouse = settings.warehouse_path()
    if not warehouse.exists():
        raise BackupError(f"{warehouse} does not exist: nothing to back up")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty folder: back up into a new one")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    con = warehouse_lock.connect(warehouse, read_only=True, wait=wait, on_wait=on_wait)
    try:  # while this connection is open no process can write the file
        tables = _tables(con)
        for path in (warehouse, _wal(warehouse)):
            if path.exists():
                shutil.copyfile(path, target / path.name)
    finally:
        con.close()
    models = settings.models_dir()
    if models.is_dir():
        shutil.copytree(models, target / "models")
    manifest = {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "warehouse": str(warehouse), "duckdb_version": duckdb.__version__,
                "sha256": {p.name: _sha256(p) for p in (target / warehouse.name, _wal(target / warehouse.name)) if p.exists()},
                "tables": tables,
                "models": sorted(p.name for p in (target / "models").iterdir()) if models.is_dir() else []}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    _private(target)
    return manifest


def _aside(path: Path, stamp: str) -> Path | None:
    """Move `path` (and a DuckDB file's .wal) out of the way; returns where it went."""
    if not path.exists():
        return None
    kept = path.with_name(f"{path.name}.before-restore-{stamp}")
    os.replace(path, kept)
    if _wal(path).exists():
        os.replace(_wal(path), _wal(kept))
    return kept


def restore(source: Path, force: bool = False) -> dict:
    """Restore the warehouse and models from a backup folder; returns what was done."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a backup made by `resident-index backup` (no readable {MANIFEST}: {exc})") from None
    warehouse, models = settings.warehouse_path(), settings.models_dir()
    present = [p for p in (warehouse, models) if p.exists() and (p.is_file() or any(p.iterdir()))]
    if present and not force:
        raise BackupError(f"{' and '.join(map(str, present))} exist(s): restore replaces them only with --force "
                          "(the old ones are then kept beside them)")
    if warehouse.exists():
        try:  # a run or a reader using the warehouse would go on with the file it has open
            warehouse_lock.connect(warehouse, wait=0, on_wait=lambda _: None).close()
        except warehouse_lock.WarehouseBusy as exc:
            raise BackupError(f"cannot restore while the warehouse is in use: {exc}") from None
        except duckdb.Error:
            pass  # unreadable: that is why it is being restored
    for name, digest in manifest["sha256"].items():
        if not (source / name).exists() or _sha256(source / name) != digest:
            raise BackupError(f"{source / name} is missing or does not match its manifest (SHA-256): the backup "
                              "is damaged; the warehouse was left as it was")
    temp = warehouse.with_name(warehouse.name + ".restoring")
    for leftover in (temp, _wal(temp)):
        leftover.unlink(missing_ok=True)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    for name in manifest["sha256"]:
        shutil.copyfile(source / name, temp if name.endswith(".duckdb") else _wal(temp))
    con = duckdb.connect(str(temp))  # replays a .wal, if the backup has one, into the file
    try:
        restored = _tables(con)
    finally:
        con.close()
    if restored != manifest["tables"]:
        differ = sorted(t for t in set(restored) | set(manifest["tables"])
                        if restored.get(t) != manifest["tables"].get(t))
        temp.unlink()
        raise BackupError(f"{source} did not restore whole (row counts differ from its manifest: "
                          f"{', '.join(differ[:5])}); the warehouse was left as it was")
    os.chmod(temp, 0o600)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    kept = [k for k in (_aside(warehouse, stamp), _aside(models, stamp)) if k is not None]
    os.replace(temp, warehouse)
    if (source / "models").is_dir():
        shutil.copytree(source / "models", models)
        _private(models)
    snapshot = _republish(warehouse, f"restored from {source}")
    return {"tables": len(restored), "rows": sum(restored.values()), "kept": [str(k) for k in kept],
            "snapshot": snapshot, "backup_created_at": manifest["created_at"]}


def _republish(warehouse: Path, build: str) -> str:
    """The read snapshot again, from the restored warehouse (or none, if it has no golden record)."""
    con = duckdb.connect(str(warehouse))
    try:
        read_snapshot.publish(con, build=build)
        return str(read_snapshot.snapshot_path())
    except RuntimeError:
        read_snapshot.snapshot_path().unlink(missing_ok=True)
        return "none: the restored warehouse has no golden record yet (build_index publishes it)"
    finally:
        con.close()
