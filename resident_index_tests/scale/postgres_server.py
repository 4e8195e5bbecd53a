"""A real PostgreSQL server for a test: Debian's own programs, a new cluster in a temporary folder, listening
on a free port of 127.0.0.1 only, with a password, stopped and removed at the end.

`make postgres` (run by `make test`) installs Debian's `postgresql` package; `server_programs()` finds its
initdb and pg_ctl on PATH or under /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as root, so
as root the server runs as the package's `postgres` account.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: a password with characters a URL would have to escape: libpq reads it from PGPASSWORD as it is
PASSWORD = "pg:p@ss/w?rd"
USER = "resident_index"
DATABASE = "dagster"


def server_programs() -> tuple[Path, Path] | None:
    """initdb and pg_ctl of the newest PostgreSQL installed, or None when none is."""
    found = shutil.which("initdb")
    if found:
        folder = Path(found).resolve().parent
        return folder / "initdb", folder / "pg_ctl"
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return (versions[-1], versions[-1].with_name("pg_ctl")) if versions else None


def why_not_available() -> str | None:
    """Why a server cannot be started here (None when it can)."""
    if server_programs() is None:
        return ("PostgreSQL's server programs (initdb, pg_ctl) are not installed: `make postgres` installs Debian's "
                "postgresql package (it needs root and apt-get)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no 'postgres' account to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    folder: Path
    port: int
    pg_ctl: Path
    as_user: str | None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def env(self) -> dict[str, str]:
        """libpq's variables naming this server's `dagster` database."""
        return {"PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": USER, "PGPASSWORD": PASSWORD,
                "PGDATABASE": DATABASE}

    def connect(self):
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname=DATABASE)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _run(self.as_user, [self.pg_ctl, "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)


def _run(as_user: str | None, command: list, **kwargs) -> subprocess.CompletedProcess:
    command = [str(part) for part in command]
    if as_user:
        command = ["runuser", "-u", as_user, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True, **kwargs)


def start() -> PostgresServer:
    """A new cluster with user resident_index (scram-sha-256 password) and an empty `dagster` database."""
    initdb, pg_ctl = server_programs()
    as_user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="resident-index-postgres-"))  # not under pytest's root-only tmp
    if as_user:
        account = pwd.getpwnam(as_user)
        os.chown(folder, account.pw_uid, account.pw_gid)
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n")
    if as_user:
        os.chown(password_file, account.pw_uid, account.pw_gid)
    server = PostgresServer(folder, 0, pg_ctl, as_user)
    try:
        _run(as_user, [initdb, "-D", server.data, "-U", USER, "--auth=scram-sha-256", f"--pwfile={password_file}",
                       "-E", "UTF8", "--locale=C.UTF-8"])
        password_file.unlink()
        for attempt in range(3):  # the free port may be taken between finding it and listening on it
            server.port = _free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories=''"
            started = subprocess.run(
                [*(["runuser", "-u", as_user, "--"] if as_user else []), str(pg_ctl), "-D", str(server.data),
                 "-l", str(server.log), "-o", options, "-w", "-t", "60", "start"],
                capture_output=True, text=True, timeout=120)
            if started.returncode == 0:
                break
        else:
            raise RuntimeError(f"PostgreSQL did not start: {started.stdout}{started.stderr}\n"
                               f"{server.log.read_text() if server.log.exists() else ''}")
        import psycopg2

        admin = psycopg2.connect(host="127.0.0.1", port=server.port, user=USER, password=PASSWORD, dbname="postgres")
        try:
            admin.autocommit = True  # CREATE DATABASE cannot run in a transaction
            admin.cursor().execute(f"CREATE DATABASE {DATABASE}")
        finally:
            admin.close()
        return server
    except BaseException:
        server.stop()
        raise
