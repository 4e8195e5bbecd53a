"""What the lock and backup tests share: another process holding the warehouse, and a council to write to."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from resident_index_tests.conftest import PROJECT, project_env

#: what a council copy needs: the warehouse, the read snapshot and the trained model
COPIED = ("warehouse.duckdb", "warehouse.read.duckdb", "models")


def copy_council(built: dict, target: Path, files: tuple[str, ...] = COPIED) -> dict:
    """A copy of the session's built council (`built_council`) that a test may lock and write."""
    data = target / "data"
    data.mkdir(parents=True)
    for name in files:
        source = built["data"] / name
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, data / name)
    return {"data": data, "env": project_env(data, built["registry"]), "warehouse": data / "warehouse.duckdb"}


@contextmanager
def locked(path: Path, release_after: float | None = None, read_only: bool = False):
    """Another process holds `path` open (read-write: as a run's step does) until the block ends, or for
    `release_after` seconds; yields its pid."""
    hold = "time.sleep(float(sys.argv[2]))" if release_after is not None else "sys.stdin.read()"
    code = (f"import sys, time, duckdb\ncon = duckdb.connect(sys.argv[1], read_only={read_only})\n"
            f"print('locked', flush=True)\n{hold}\ncon.close()")
    holder = subprocess.Popen([sys.executable, "-c", code, str(path), str(release_after or 0)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder.pid
    finally:
        holder.stdin.close()
        try:
            holder.wait(timeout=30)
        except subprocess.TimeoutExpired:
            holder.kill()


def is_free(path: Path) -> bool:
    """Whether this process can open `path` read-write now (as a run's next step would)."""
    try:
        duckdb.connect(str(path)).close()
        return True
    except duckdb.IOException:
        return False


class Session:
    """`resident-index <args>` running with a pipe to its stdin, read until a prompt appears."""

    def __init__(self, env: dict, *args: str):
        self.process = subprocess.Popen([sys.executable, "-m", "resident_index.cli", *args], env=env, cwd=PROJECT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.output = b""

    def read_until(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.output:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {text!r} in {self.output.decode()!r}"
            if select.select([self.process.stdout], [], [], remaining)[0]:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                assert chunk, f"the session ended before {text!r}: {self.output.decode()!r}"
                self.output += chunk
        return self.output.decode()

    def send(self, line: str) -> None:
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, (self.output + out).decode(), err.decode()
