"""An append-only log whose rewriting is detected: JSON lines chained by HMAC-SHA256.

Each entry carries `seq`, the previous entry's `mac` as `prev`, and its own `mac`: HMAC-SHA256 under a key
kept beside the data, never in the repository (data/secrets/<name>.key, 0600, made on first use; or the
environment variable the ledger names). Editing, inserting or deleting any entry breaks the chain from
there; cutting entries off the end is caught by the head file, which holds the last seq and mac. Someone
who holds the key and both files could still rewrite them whole: on a real deployment the data folder
belongs to the service account the index runs as, not to the people who use the CLI, and the audit folder
is copied off to the council's log store (docs/data-protection.md).

Appends from several processes at once are serialised by an exclusive lock on a lock file beside the log.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from resident_index import settings
from resident_index.files import private_dir

GENESIS = "0" * 64


def secrets_dir() -> Path:
    return settings.data_dir() / "secrets"


def secret_key(name: str, env: str | None = None) -> bytes:
    """The secret `name`: the environment variable `env` (hex or text) if set, else data/secrets/<name>.key,
    created with 32 random bytes (0600, in a 0700 folder) on first use. Stable across runs."""
    if env and os.environ.get(env):
        return os.environ[env].strip().encode("utf-8")
    folder = private_dir(secrets_dir())
    path = folder / f"{name}.key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by another process just now
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
    if path.stat().st_mode & 0o077:
        raise PermissionError(f"{path}: the key is readable by others (mode {path.stat().st_mode & 0o777:o}); "
                              "chmod 600 it")
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class LedgerBroken(Exception):
    """The log was rewritten: the message names the first entry that does not hold."""


class Ledger:
    def __init__(self, path: Path, key_name: str, key_env: str | None = None):
        self.path = path
        self.head_path = path.with_suffix(".head")
        self.lock_path = path.with_name(f".{path.name}.lock")
        self.key_name, self.key_env = key_name, key_env

    def _mac(self, key: bytes, body: dict) -> str:
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        private_dir(self.path.parent)
        with open(self.lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def head(self) -> dict:
        if not self.head_path.exists():
            return {"seq": 0, "mac": GENESIS}
        return json.loads(self.head_path.read_text(encoding="utf-8"))

    def _write_head(self, head: dict) -> None:
        temp = self.head_path.with_name(self.head_path.name + ".tmp")
        temp.write_text(json.dumps(head, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temp, self.head_path)

    def append(self, entry: dict, head_extra: dict | None = None) -> dict:
        """Add `entry` (any JSON-able fields) with seq, at, prev and mac; returns it as written."""
        key = secret_key(self.key_name, self.key_env)
        with self._locked():
            head = self.head()
            body = {"seq": head["seq"] + 1, "at": entry.pop("at", None) or now_utc(), **entry, "prev": head["mac"]}
            body["mac"] = self._mac(key, body)
            line = json.dumps(body, ensure_ascii=False, default=str) + "\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            self._write_head({**head, **(head_extra or {}), "seq": body["seq"], "mac": body["mac"]})
        return body

    def update_head(self, **extra) -> dict:
        """The head with `extra` merged in, under the lock (for state kept beside the chain)."""
        with self._locked():
            head = {**self.head(), **extra}
            self._write_head(head)
            return head

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]

    def verify(self) -> dict:
        """{'entries': n, 'ok': True} if the chain holds end to end and matches the head; else raises
        LedgerBroken naming the first entry that does not hold."""
        key = secret_key(self.key_name, self.key_env)
        prev, seq = GENESIS, 0
        if self.path.exists():
            with open(self.path, encoding="utf-8") as lines:
                for number, line in enumerate(lines, start=1):
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        raise LedgerBroken(f"{self.path}, line {number}: not a JSON entry") from None
                    mac = entry.pop("mac", None)
                    if entry.get("seq") != seq + 1:
                        raise LedgerBroken(f"{self.path}, line {number}: entry {entry.get('seq')} follows {seq} "
                                           "(an entry was removed or inserted)")
                    if entry.get("prev") != prev:
                        raise LedgerBroken(f"{self.path}, line {number}: entry {entry['seq']} does not follow the "
                                           "one before it (an entry before it was changed or removed)")
                    if not hmac.compare_digest(mac or "", self._mac(key, entry)):
                        raise LedgerBroken(f"{self.path}, line {number}: entry {entry['seq']} was changed after it "
                                           "was written (its MAC does not match)")
                    prev, seq = mac, entry["seq"]
        head = self.head()
        if head.get("seq") != seq or head.get("mac") != prev:
            raise LedgerBroken(f"{self.path}: ends at entry {seq}, but {self.head_path.name} says entry "
                               f"{head.get('seq')} was written: entries were cut off the end")
        return {"entries": seq, "ok": True, "path": str(self.path)}
