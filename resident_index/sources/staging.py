"""Stage one extract of one source into DuckDB: its canonical records, its quarantine, its landing log.

A partition is deleted and re-inserted in one transaction, so staging the same extract twice gives the
same tables. An unusable file still leaves a trace: all its rows go to quarantine with the reason.
Extracts are full snapshots: a row identical to one of the previous extract (same values, same spec, same
standardisation code and libraries: `raw_hash`) reuses its canonical record instead of being standardised
again, so a daily extract costs about what its changed rows cost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import duckdb
import polars as pl

from resident_index.incremental import build_key, held_build_key, record_build_key, table_columns
from resident_index.sources import codes
from resident_index.sources.landing import ExtractError, QuarantinedRow, file_sha256, read_extract
from resident_index.sources.spec import SourceSpec
from resident_index.standardise.person import standardise_changed
from resident_index.transactions import transaction
from resident_index.standardise.schema import COLUMNS, duckdb_columns_sql, polars_schema

BOOKKEEPING_DDL = """
CREATE SCHEMA IF NOT EXISTS staging;
CREATE TABLE IF NOT EXISTS landing_log (
    source_system VARCHAR, extract_date DATE, file_path VARCHAR, sha256 VARCHAR,
    rows_landed BIGINT, rows_staged BIGINT, rows_quarantined BIGINT,
    status VARCHAR,       -- staged | rejected
    accepted BOOLEAN,     -- staged and no ERROR check failed: downstream assets read only accepted extracts
    message VARCHAR, staged_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (source_system, extract_date)
);
CREATE TABLE IF NOT EXISTS quarantine (
    source_system VARCHAR, extract_date DATE, file_path VARCHAR,
    row_number BIGINT, column_name VARCHAR, reason VARCHAR, raw_record VARCHAR
);
"""


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: SourceSpec | None = None) -> None:
    con.execute(BOOKKEEPING_DDL)
    if spec is not None:
        con.execute(f"CREATE TABLE IF NOT EXISTS staging.{spec.name} (\n    {duckdb_columns_sql()}\n)")
        con.execute(f"ALTER TABLE staging.{spec.name} ADD COLUMN IF NOT EXISTS raw_hash UBIGINT")
        for column in ("role_code", "status_code"):  # added with codes: (a warehouse staged before them)
            con.execute(f"ALTER TABLE staging.{spec.name} ADD COLUMN IF NOT EXISTS {column} VARCHAR")
        # added for matching (an implausible date of birth as written): null in rows staged before it
        con.execute(f"ALTER TABLE staging.{spec.name} ADD COLUMN IF NOT EXISTS dob_written DATE")


@dataclass
class StagingResult:
    spec: SourceSpec
    extract_date: date
    path: Path
    rows_landed: int
    staged: pl.DataFrame  # canonical records; `raw_hash` beside them (see the module docstring)
    quarantined: list[QuarantinedRow]
    error: ExtractError | None = None
    rows_reused: int = 0
    #: later-dated extracts found identical to this one and so re-staged as re-sends
    rejudged: list[date] = field(default_factory=list)
    #: mapped source columns the extract lacks -> the canonical fields they feed (LandedExtract.missing_columns)
    missing_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rows_staged(self) -> int:
        """Landed rows staged (a row holding a second person gives two records: `records_staged`)."""
        return self.staged["row_number"].n_unique()

    @property
    def records_staged(self) -> int:
        return self.staged.height

    @property
    def records(self) -> pl.DataFrame:
        """The canonical records alone, in CANONICAL_SCHEMA's columns."""
        return self.staged.drop("raw_hash", strict=False)


def _all_rows_quarantined(spec: SourceSpec, path: Path, error: ExtractError) -> list[QuarantinedRow]:
    """Every record of a rejected file, kept with the reason, so the counts still reconcile."""
    if not path.exists():
        return []
    data = path.read_bytes()
    try:
        text = data.decode(spec.landing.encoding, errors="replace")
    except LookupError:  # an unknown encoding in the spec (the error says so): keep the rows as UTF-8
        text = data.decode("utf-8", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    body = lines if spec.landing.format == "jsonl" else lines[1:]
    return [QuarantinedRow(i, error.column, error.reason, ln) for i, ln in enumerate(body, start=1)]


def previous_extract(con: duckdb.DuckDBPyConnection, source: str, extract_date: date):
    """The latest staged extract before this one: (extract_date, rows_staged, sha256) or None."""
    return con.execute(
        """SELECT extract_date, rows_staged, sha256 FROM landing_log
           WHERE source_system = ? AND extract_date < ? AND status = 'staged'
           ORDER BY extract_date DESC LIMIT 1""", [source, extract_date]).fetchone()


def stage_extract(con: duckdb.DuckDBPyConnection, spec: SourceSpec, extract_date: date, path: Path) -> StagingResult:
    """Read, standardise and write one extract; an unusable file is recorded, then reported as `error`.

    A file identical to an earlier-dated extract of the source is a re-send and is rejected; the earlier one
    stays as it was. Judged by date, not by arrival, so the result is the same whatever order the dates are
    staged in: staging an extract re-judges any later-dated staged copy of it (`rejudged`). Whatever goes
    wrong reading the file, every row of it is still accounted for (staged or quarantined).
    """
    ensure_tables(con, spec)
    sha = file_sha256(path) if path.exists() else None
    try:
        repeat = con.execute(
            """SELECT min(extract_date) FROM landing_log
               WHERE source_system = ? AND sha256 = ? AND extract_date < ?""",
            [spec.name, sha, extract_date]).fetchone()[0]
        if repeat is not None:
            raise ExtractError(path, f"this file is identical to the {repeat} extract: the source system "
                                     "probably re-sent an old extract, so it is not staged again")
        result = _read_and_standardise(con, spec, extract_date, path)
    except ExtractError as error:
        result = _rejected(spec, extract_date, path, error)
    except Exception as exc:  # a reader or standardisation fault: the file is refused, nothing is lost
        error = ExtractError(path, f"the extract could not be read ({type(exc).__name__}: {exc}); every row "
                                   "is quarantined and the previous accepted extract stays in use")
        error.__cause__ = exc
        result = _rejected(spec, extract_date, path, error)
    _write(con, result, sha)
    later = con.execute(
        """SELECT extract_date, file_path FROM landing_log
           WHERE source_system = ? AND sha256 = ? AND extract_date > ? AND status = 'staged'
           ORDER BY extract_date""", [spec.name, sha, extract_date]).fetchall()
    for day, file_path in later:
        stage_extract(con, spec, day, Path(file_path))
        result.rejudged.append(day)
    return result


def _read_and_standardise(con: duckdb.DuckDBPyConnection, spec: SourceSpec, extract_date: date,
                          path: Path) -> StagingResult:
    extract = read_extract(spec, path)
    raw = extract.frame.with_columns(raw_hash=raw_hashes(extract.frame, spec))
    previous = _previous_records(con, spec, extract_date)
    second = codes.second_person(extract.frame, spec)
    if second is None:
        staged = standardise_changed(raw, spec, extract_date, previous)
    else:  # the rows' second persons are records of their own (sources/codes.py), reused the same way
        frame, second_spec = second
        seconds = None if previous is None else previous.filter(codes.is_second_person(previous["source_record_id"]))
        firsts = None if previous is None else previous.filter(~codes.is_second_person(previous["source_record_id"]))
        firsts = standardise_changed(raw, spec, extract_date, firsts).with_columns(  # in its second person's group
            group_ref=pl.coalesce(pl.col("group_ref"), pl.col("source_record_id").str.to_uppercase()))
        staged = pl.concat([
            firsts,
            standardise_changed(frame.with_columns(raw_hash=raw_hashes(frame, second_spec)), second_spec,
                                extract_date, seconds)]).sort("row_number", "source_record_id", maintain_order=True)
    reused = 0 if previous is None else int(raw["raw_hash"].is_in(previous["raw_hash"].implode()).sum())
    return StagingResult(spec, extract_date, path, extract.rows_landed, staged, extract.quarantined,
                         rows_reused=reused, missing_columns=extract.missing_columns)


def _rejected(spec: SourceSpec, extract_date: date, path: Path, error: ExtractError) -> StagingResult:
    quarantined = _all_rows_quarantined(spec, path, error)
    empty = pl.DataFrame(schema=polars_schema() | {"raw_hash": pl.UInt64})
    return StagingResult(spec, extract_date, path, len(quarantined), empty, quarantined, error)


@lru_cache
def _code_version() -> str:
    """Changes with the standardisation code or the libraries it uses: rows staged by other code are not reused.
    (The standardise package's Python modules; person_records, built later from staged records, is not one.)"""
    digest = hashlib.sha256()
    modules = [p for p in (Path(__file__).resolve().parents[1] / "standardise").glob("*.py") if p.name != "person_records.py"]
    for path in sorted(modules) + [Path(__file__).with_name("spec.py"), Path(__file__).with_name("codes.py")]:
        digest.update(path.read_bytes())
    for package in ("polars", "nameparser", "nicknames", "phonenumbers", "python-stdnum"):
        digest.update(metadata.version(package).encode())
    return digest.hexdigest()


def raw_hashes(raw: pl.DataFrame, spec: SourceSpec) -> pl.Series:
    """One hash per landed row of its values, the source's spec and the code: equal hashes, equal records."""
    key = hashlib.sha256((spec.model_dump_json() + _code_version()).encode()).hexdigest()
    return (raw.drop("row_number").with_columns(pl.lit(key).alias("__standardised_by"))
            .hash_rows(seed=1).alias("raw_hash"))


def _previous_records(con: duckdb.DuckDBPyConnection, spec: SourceSpec, extract_date: date) -> pl.DataFrame | None:
    """The canonical records of this source's latest staged extract before `extract_date`, with raw hashes."""
    day = con.execute(f"SELECT max(extract_date) FROM staging.{spec.name} WHERE extract_date < ?",
                      [extract_date]).fetchone()[0]
    if day is None:
        return None
    return pl.from_arrow(con.execute(f"""SELECT * FROM staging.{spec.name}
                                        WHERE extract_date = ? AND raw_hash IS NOT NULL""", [day]).arrow())


def _write(con: duckdb.DuckDBPyConnection, result: StagingResult, sha: str | None) -> None:
    spec, day = result.spec, result.extract_date
    quarantine = pl.DataFrame(
        [(spec.name, day, str(result.path), q.row_number, q.column, q.reason, q.raw) for q in result.quarantined],
        schema={"source_system": pl.Utf8, "extract_date": pl.Date, "file_path": pl.Utf8, "row_number": pl.Int64,
                "column_name": pl.Utf8, "reason": pl.Utf8, "raw_record": pl.Utf8}, orient="row")
    con.register("_staged", result.staged.to_arrow())
    con.register("_quarantine", quarantine.to_arrow())
    try:
        with transaction(con):
            con.execute(f"DELETE FROM staging.{spec.name} WHERE extract_date = ?", [day])
            con.execute(f"INSERT INTO staging.{spec.name} BY NAME SELECT * FROM _staged")
            con.execute("DELETE FROM quarantine WHERE source_system = ? AND extract_date = ?", [spec.name, day])
            con.execute("INSERT INTO quarantine SELECT * FROM _quarantine")
            # the same file staged again keeps its verdict until its checks judge it again (mark_accepted), so
            # a run killed in between leaves the extract as accepted (or not) as it was
            kept = con.execute("""SELECT accepted FROM landing_log WHERE source_system = ? AND extract_date = ?
                                  AND sha256 = ? AND status = 'staged'""", [spec.name, day, sha]).fetchone()
            con.execute("DELETE FROM landing_log WHERE source_system = ? AND extract_date = ?", [spec.name, day])
            con.execute(
                """INSERT INTO landing_log (source_system, extract_date, file_path, sha256, rows_landed, rows_staged,
                                            rows_quarantined, status, accepted, message)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [spec.name, day, str(result.path), sha, result.rows_landed, result.rows_staged,
                 len(result.quarantined), "rejected" if result.error else "staged",
                 bool(kept and kept[0]) and result.error is None, str(result.error) if result.error else None])
    finally:
        con.unregister("_staged")
        con.unregister("_quarantine")


def mark_accepted(con: duckdb.DuckDBPyConnection, source: str, extract_date: date, accepted: bool,
                  message: str | None = None) -> None:
    """Record the checks' verdict on a staged extract; `message` says why it was rejected (None if accepted)."""
    con.execute("UPDATE landing_log SET accepted = ?, message = ? WHERE source_system = ? AND extract_date = ?",
                [accepted, message, source, extract_date])


def latest_accepted(con: duckdb.DuckDBPyConnection, source: str, other_than: date | None = None) -> date | None:
    """The source's latest accepted extract (other than `other_than`): the one staged_records holds its
    current records from."""
    return con.execute("""SELECT max(extract_date) FROM landing_log
                          WHERE source_system = ? AND accepted AND extract_date IS DISTINCT FROM ?""",
                       [source, other_than]).fetchone()[0]


def rejected_extracts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date, str, date | None]]:
    """Extracts rejected after their source's latest accepted one (so the index runs on an older extract):
    (source, extract date, why, the extract in use instead or None), by source and date."""
    return con.execute("""
        WITH in_use AS (SELECT source_system, max(extract_date) FILTER (accepted) AS in_use
                        FROM landing_log GROUP BY 1)
        SELECT l.source_system, l.extract_date, coalesce(l.message, 'rejected'), u.in_use
        FROM landing_log l JOIN in_use u USING (source_system)
        WHERE NOT coalesce(l.accepted, false) AND (u.in_use IS NULL OR l.extract_date > u.in_use)
        ORDER BY 1, 2""").fetchall()


def build_staged_records(con: duckdb.DuckDBPyConnection, sources: list[SourceSpec]) -> None:
    """Table staged_records: the latest version of every record any accepted extract has held.

    Extracts are full snapshots. A record changed in a later extract appears as changed; one added appears;
    one removed stays (the index must still say who it was) with `is_current` false. `first_seen` and
    `last_seen` are the first and last accepted extracts that held it. `record_hash` changes exactly when the
    record's content does (anything but the extract and row it was last read from): the tables built from
    this one rebuild only the records whose hash moved.

    Kept up to date in place: `staged_records_extracts` lists the accepted extracts the table holds (date and
    when each was staged). A source whose accepted extracts are those plus later ones has the new ones
    folded in: its new and changed records are written, the others only have their extract, row and
    `last_seen` moved, so a day costs its changes, not the table. Any other change to a source's extracts
    (one re-staged, rejected or staged out of date order) rebuilds that source from all of them, and a new
    way of hashing records (its build key in `incremental_builds`) rebuilds the table. The result is the
    same either way.
    """
    ensure_tables(con)
    for spec in sources:
        ensure_tables(con, spec)
    con.execute("CREATE TABLE IF NOT EXISTS staged_records_extracts "
                "(source_system VARCHAR, extract_date DATE, staged_at TIMESTAMP)")
    with transaction(con):
        key, held_key = build_key(_RECORD_HASH), held_build_key(con, "staged_records")  # new hashing: rebuild
        if "record_hash" not in table_columns(con, "staged_records") or held_key != key:
            con.execute(f"""CREATE OR REPLACE TABLE staged_records ({duckdb_columns_sql()},
                            first_seen DATE, last_seen DATE, is_current BOOLEAN, record_hash UBIGINT)""")
            con.execute("DELETE FROM staged_records_extracts")
        systems = {r[0] for r in con.execute("SELECT DISTINCT source_system FROM staged_records").fetchall()}
        for gone in systems - {spec.name for spec in sources}:  # a system taken out of the registry
            con.execute("DELETE FROM staged_records WHERE source_system = ?", [gone])
        for spec in sources:
            accepted = con.execute("""SELECT extract_date, staged_at FROM landing_log
                                      WHERE source_system = ? AND accepted ORDER BY extract_date""",
                                   [spec.name]).fetchall()
            held = con.execute("""SELECT extract_date, staged_at FROM staged_records_extracts
                                  WHERE source_system = ? ORDER BY extract_date""", [spec.name]).fetchall()
            if held and accepted[:len(held)] == held:
                for day, _ in accepted[len(held):]:
                    _fold_extract(con, spec.name, day)
            else:
                _rebuild_source(con, spec.name)
        record_build_key(con, "staged_records", key)
        con.execute("""CREATE OR REPLACE TABLE staged_records_extracts AS
                       SELECT source_system, extract_date, staged_at FROM landing_log WHERE accepted
                       ORDER BY source_system, extract_date""")


#: a staged record's content: all but the extract and row it was last read from
_CONTENT = [c for c in COLUMNS if c not in ("extract_date", "row_number")] + ["first_seen"]
#: record_hash, over a staging row with first_seen: its raw_hash says what was read (values, spec, code), and
#: its date of birth is re-checked against each extract's date; a row staged before raw_hash existed is hashed whole
_RECORD_HASH = (f"CASE WHEN raw_hash IS NULL THEN hash({', '.join(_CONTENT)}) "
                "ELSE hash(raw_hash, dob, dob_flag, dob_written, first_seen) END")


def _rebuild_source(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """A source's staged records from all its accepted extracts."""
    con.execute("DELETE FROM staged_records WHERE source_system = ?", [source])
    con.execute(f"""
        INSERT INTO staged_records BY NAME
        WITH accepted AS (
            SELECT s.*,
                   min(s.extract_date) OVER record AS first_seen,
                   max(s.extract_date) OVER record AS last_seen
            FROM staging.{source} s
            JOIN landing_log l USING (source_system, extract_date)
            WHERE l.accepted
            WINDOW record AS (PARTITION BY s.source_record_id))
        SELECT * EXCLUDE (raw_hash), last_seen = max(last_seen) OVER () AS is_current, {_RECORD_HASH} AS record_hash
        FROM accepted WHERE extract_date = last_seen
        ORDER BY source_record_id""")


def _fold_extract(con: duckdb.DuckDBPyConnection, source: str, day: date) -> None:
    """Fold a source's next accepted extract into its staged records: its rows are the latest versions
    (first seen when an earlier extract first held them); records it no longer holds stay, not current.
    New and changed records are written whole; unchanged ones only have their extract and row moved
    (updated in place, not deleted and inserted again: DuckDB commits deletes beside updates slowly)."""
    params = {"source": source, "day": day}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _latest AS
        SELECT source_record_id, extract_date, row_number, first_seen, held_hash, {_RECORD_HASH} AS record_hash
        FROM (SELECT n.*, coalesce(o.first_seen, n.extract_date) AS first_seen, o.record_hash AS held_hash
              FROM staging.{source} n
              LEFT JOIN staged_records o ON o.source_system = $source AND o.source_record_id = n.source_record_id
              WHERE n.extract_date = $day)""", params)
    written = f"""SELECT n.* EXCLUDE (raw_hash), l.first_seen, l.record_hash, l.held_hash
                  FROM staging.{source} n JOIN _latest l USING (source_record_id)
                  WHERE n.extract_date = $day AND l.held_hash IS DISTINCT FROM l.record_hash"""
    content = ", ".join(f"{c} = n.{c}" for c in _CONTENT if c not in ("source_system", "source_record_id"))
    con.execute(f"""UPDATE staged_records s SET {content}, record_hash = n.record_hash
                    FROM ({written}) n
                    WHERE s.source_system = $source AND s.source_record_id = n.source_record_id
                      AND n.held_hash IS NOT NULL""", params)
    con.execute(f"""INSERT INTO staged_records BY NAME
                    SELECT * EXCLUDE (held_hash), extract_date AS last_seen, true AS is_current FROM ({written})
                    WHERE held_hash IS NULL ORDER BY source_record_id""", {"day": day})
    con.execute("""UPDATE staged_records s
                   SET extract_date = n.extract_date, row_number = n.row_number, last_seen = n.extract_date,
                       is_current = true
                   FROM _latest n
                   WHERE s.source_system = $source AND s.source_record_id = n.source_record_id""", {"source": source})
    con.execute("UPDATE staged_records SET is_current = false WHERE source_system = $source AND last_seen < $day",
                params)
    con.execute("DROP TABLE _latest")
