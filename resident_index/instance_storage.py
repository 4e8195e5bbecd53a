"""Where the Dagster instance keeps run history, event logs, sensor ticks and pool slots: SQLite or PostgreSQL.

dagster.yaml names this class as the instance's storage, so one file serves a laptop and a server:

- `RESIDENT_INDEX_DAGSTER_STORAGE` unset or `sqlite` (the default): SQLite files under the `base_dir` the YAML
  gives (data/dagster), exactly Dagster's own `storage: sqlite:`. Nothing to install or run.
- `RESIDENT_INDEX_DAGSTER_STORAGE=postgres`: Dagster's `dagster-postgres` storage on the database that
  libpq's standard variables name (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD` or `~/.pgpass`, `PGDATABASE`,
  `PGSSLMODE`, ...), read by libpq itself, as `psql` reads them. Dagster creates its tables on first use.

Everything else in dagster.yaml (pools, run queue, run monitoring) is the same for both. Every process that
opens the instance (`resident-index run`, the webserver, the daemon, the code server and the runs they
launch) must see the same variables. docs/scaling.md says when to move to PostgreSQL.
"""

from __future__ import annotations

import os

from dagster import Field, StringSource
from dagster._core.storage.base_storage import DagsterStorage
from dagster._serdes import ConfigurableClass, ConfigurableClassData

STORAGE_VARIABLE = "RESIDENT_INDEX_DAGSTER_STORAGE"
BACKENDS = ("sqlite", "postgres")
#: libpq's own connection variables: the ones `psql` reads (PGPASSWORD is never shown)
LIBPQ_VARIABLES = ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSSLMODE", "PGSERVICE")


#: a URL that names nothing leaves every connection setting to libpq (PG* variables, ~/.pgpass, the service
#: file). The driver is named: SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which dagster-postgres
#: does not install (it brings psycopg2).
POSTGRES_URL = "postgresql+psycopg2://"


class InstanceStorageError(Exception):
    """The instance's storage is misconfigured or cannot be reached; the message says which setting to change."""


def backend() -> str:
    """The storage RESIDENT_INDEX_DAGSTER_STORAGE selects (sqlite when unset)."""
    value = (os.environ.get(STORAGE_VARIABLE) or "sqlite").strip().lower()
    if value not in BACKENDS:
        raise InstanceStorageError(
            f"{STORAGE_VARIABLE}={os.environ.get(STORAGE_VARIABLE)!r} is not a Dagster instance storage this "
            f"project knows: set it to {' or '.join(BACKENDS)} (or leave it unset for sqlite)")
    return value


def postgres_target() -> str:
    """The database the PG* variables name, for messages (libpq's defaults where one is unset)."""
    given = {name: os.environ[name] for name in LIBPQ_VARIABLES if os.environ.get(name)}
    if not given:
        return "libpq's defaults (no PG* variable is set: the local socket, your user name as user and database)"
    return ", ".join(f"{name}={value}" for name, value in given.items())


class SqliteOrPostgresStorage(DagsterStorage, ConfigurableClass):
    """Dagster's SQLite storage or its PostgreSQL storage, as RESIDENT_INDEX_DAGSTER_STORAGE says.

    Never instantiated itself: `from_config_value` returns Dagster's own storage object, carrying this class's
    config, so the instance reference handed to run processes chooses again from the same variables.
    """

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, description="SQLite's folder, used when the storage is sqlite")}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value) -> DagsterStorage:
        if backend() == "sqlite":
            from dagster._core.storage.sqlite_storage import DagsterSqliteStorage

            return DagsterSqliteStorage.from_local(config_value["base_dir"], inst_data=inst_data)
        try:
            from dagster_postgres import DagsterPostgresStorage
        except ImportError as error:  # pragma: no cover - dagster-postgres is a dependency of the project
            raise InstanceStorageError(
                f"{STORAGE_VARIABLE}=postgres needs the dagster-postgres package ({error})") from error
        try:
            return DagsterPostgresStorage(postgres_url=POSTGRES_URL, inst_data=inst_data)
        except Exception as error:
            raise InstanceStorageError(
                f"the Dagster instance is set to PostgreSQL ({STORAGE_VARIABLE}=postgres) but its database "
                f"could not be opened at {postgres_target()}:\n  {_root_cause(error)}\nCheck that the server "
                "runs and that PGHOST, PGPORT, PGUSER, PGPASSWORD (or ~/.pgpass) and PGDATABASE name it; "
                f"unset {STORAGE_VARIABLE} to use the SQLite files in {config_value['base_dir']} instead") from error


def _root_cause(error: BaseException) -> str:
    """The driver's own words (dagster-postgres wraps them in 'too many retries for DB connection')."""
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__
    return " ".join(str(error).split()) or type(error).__name__
