"""How the index writes files: privately (0600 files, 0700 folders) and whole or not at all.

Everything under the data folder is personal data: extracts, the warehouse, exports, run history. Every
process of the project (the CLI, the Dagster webserver, daemon and code server, tests) imports the
`resident_index` package, which sets the process's umask from RESIDENT_INDEX_UMASK (default 077: only the
account that runs the index can read what it writes). A council that shares the exports folder with a
group sets 027 there, as a deliberate choice (docs/operations.md).

A file other processes read (a model, an export, a chart) is written beside its final name and renamed
into place, so a run killed half way leaves the previous file, never half of a new one.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

DEFAULT_UMASK = 0o077


def umask_from_environment() -> int:
    """The umask RESIDENT_INDEX_UMASK asks for (octal, e.g. 027), else 077; a bad value is an error."""
    text = os.environ.get("RESIDENT_INDEX_UMASK", "").strip()
    if not text:
        return DEFAULT_UMASK
    try:
        value = int(text, 8)
    except ValueError:
        raise ValueError(f"RESIDENT_INDEX_UMASK={text!r} is not an octal umask such as 077 or 027") from None
    if not 0 <= value <= 0o777 or value & 0o700:
        raise ValueError(f"RESIDENT_INDEX_UMASK={text!r} must keep the owner's own access (e.g. 077 or 027)")
    return value


def apply_private_umask() -> None:
    os.umask(umask_from_environment())


def private_dir(path: Path) -> Path:
    """Make `path` (and missing parents) a folder only the owner can enter, tightening one that exists."""
    mode = 0o777 & ~umask_from_environment()
    path.mkdir(parents=True, exist_ok=True, mode=mode)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o777 != mode:
        path.chmod(mode)
    return path


@contextmanager
def replaced_atomically(path: Path):
    """Yield a temporary path beside `path`; when the block succeeds it is renamed to `path` (atomic on one
    file system), when it fails it is removed and `path` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield temp
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
