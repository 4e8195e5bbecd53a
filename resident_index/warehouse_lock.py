"""Opening a DuckDB file that another process holds: wait, say what for, give up with a plain message.

DuckDB lets one process write a database file, or any number read it (read-only), never both. A run's
step, a reviewer's verdict or a backup that finds the file locked waits here, reporting who holds the
lock and for how long it has waited, up to a timeout; then WarehouseBusy says so in one line.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

#: how often a waiter says it is still waiting (seconds)
REPORT_EVERY = 5.0


class WarehouseBusy(RuntimeError):
    """The file stayed locked by another process for the whole wait."""


def is_lock_conflict(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "Could not set lock on file" in str(exc)


def holder(exc: BaseException) -> str:
    """Who holds the lock, from DuckDB's message: 'PID 1234: resident-index review', else what DuckDB said."""
    found = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", str(exc))
    if not found:
        return "another process"
    program, pid = found.group(1), int(found.group(2))
    try:
        import psutil

        command = " ".join(Path(part).name if i == 0 else part
                           for i, part in enumerate(psutil.Process(pid).cmdline()))
    except Exception:  # the process has gone, or is not ours to inspect
        command = program
    return f"PID {pid}: {command[:100]}"


def connect(path: Path | str, read_only: bool = False, wait: float = 120.0,
            on_wait: Callable[[str], None] = print, config: dict | None = None,
            poll: float = 0.25) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting up to `wait` seconds while another process holds a conflicting lock.

    on_wait gets a line when the wait starts and every REPORT_EVERY seconds after:
    "waiting for <file> (locked by PID 1234: duckdb): 5 s of 120 s". Any other error is raised as is.
    """
    started = time.monotonic()
    reported = None
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config or {})
        except duckdb.IOException as exc:
            if not is_lock_conflict(exc):
                raise
            waited = time.monotonic() - started
            who = holder(exc)
            if waited >= wait:
                raise WarehouseBusy(f"{path} is locked by another process ({who}); gave up after {wait:.0f} s "
                                    "(it is free again when that process finishes or closes the file)") from None
            if reported is None or waited - reported >= REPORT_EVERY:
                on_wait(f"waiting for {Path(path).name} (locked by {who}): {waited:.0f} s of {wait:.0f} s")
                reported = waited
            time.sleep(min(poll, max(wait - waited, 0.01)))
