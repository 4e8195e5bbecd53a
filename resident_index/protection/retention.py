"""Retention and the activity window (issue 15 item 3), enforced on every build from protection/retention.yaml.

- **Retention purge** (before staged_records is built): each source keeps its extracts for
  `keep_extracts_days` (per source, else `default_keep_extracts_days`) counted back from its latest accepted
  extract, which is never purged. An older extract's staged rows and quarantined rows are deleted from the
  warehouse and its landed file from the landing folder, and staged_records rebuilds the source from the
  extracts kept (a record only a purged extract held goes too); `retention_purge_log` records each (source, extract,
  rows, file, rule, when). Its `landing_log` line stays: the account of what landed, and how a re-send of
  it is still recognised.
- **What the index holds** (person_records, and so resolution, the golden record and the marts): a staged
  record appears only while its source's latest accepted extract still holds it (`drop_deleted_at_source`:
  a record deleted at source leaves the golden record at the next build) and while it was active within
  `activity_window_days` of that extract (no end date, or one inside the window). Both are counted from
  the extract dates, not the clock, so two builds of the same extracts give the same index.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from resident_index.transactions import transaction

PURGE_LOG_DDL = """CREATE TABLE IF NOT EXISTS retention_purge_log (
    source_system VARCHAR, extract_date DATE, rows_purged BIGINT, rows_quarantined_purged BIGINT,
    file_path VARCHAR, file_deleted BOOLEAN, rule VARCHAR, purged_at TIMESTAMP DEFAULT current_timestamp)"""


class RetentionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: a record is in the index only if active (no end date, or ending) within this many days of its source's
    #: latest extract; null: no window
    activity_window_days: int | None = Field(default=730, ge=1)
    #: a record its source's latest accepted extract no longer holds leaves the index at the next build
    drop_deleted_at_source: bool = True
    #: extracts older than this many days before a source's latest accepted extract are purged; null: kept
    default_keep_extracts_days: int | None = Field(default=None, ge=0)
    keep_extracts_days: dict[str, int] = Field(default_factory=dict)
    #: delete the landed file of a purged extract too (else only the warehouse copy goes)
    delete_landed_files: bool = True

    @field_validator("keep_extracts_days")
    @classmethod
    def _known(cls, days, info: ValidationInfo):
        sources = (info.context or {}).get("sources")
        if sources is not None:
            unknown = sorted(set(days) - {s.name for s in sources})
            if unknown:
                raise ValueError(f"unknown source systems {unknown}; expected some of {sorted(s.name for s in sources)}")
        if any(d < 0 for d in days.values()):
            raise ValueError("days must be 0 or more")
        return days

    def keep_days(self, source: str) -> int | None:
        return self.keep_extracts_days.get(source, self.default_keep_extracts_days)


def load_retention(sources: list | None = None) -> RetentionFile | None:
    """protection/retention.yaml of the council in use; None for a council folder without one (nothing purged,
    every staged record in the index, as before)."""
    from resident_index.council import council_dir
    from resident_index.protection.config import load_rule_file

    if not (council_dir() / "protection" / "retention.yaml").is_file():
        return None
    return load_rule_file("protection/retention.yaml", RetentionFile, sources)


def purge(con: duckdb.DuckDBPyConnection, sources: list, rules: RetentionFile | None = None) -> dict:
    """Purge every extract past its source's retention (see the module docstring); figures for metadata."""
    rules = rules if rules is not None else load_retention(sources)
    con.execute(PURGE_LOG_DDL)
    if rules is None:
        return {"retention": "no protection/retention.yaml: nothing purged"}
    purged = []
    with transaction(con):
        for spec in sources:
            days = rules.keep_days(spec.name)
            exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staging' AND table_name = ?",
                                 [spec.name]).fetchone()[0]
            if days is None or not exists:
                continue
            [latest] = con.execute("SELECT max(extract_date) FROM landing_log WHERE source_system = ? AND accepted",
                                   [spec.name]).fetchone()
            if latest is None:
                continue
            cutoff = latest - timedelta(days=days)
            for day, path in con.execute("""SELECT DISTINCT s.extract_date, l.file_path FROM staging.{0} s
                                            LEFT JOIN landing_log l ON l.source_system = ? AND l.extract_date = s.extract_date
                                            WHERE s.extract_date < ? ORDER BY 1""".format(spec.name),
                                         [spec.name, cutoff]).fetchall():
                rows = con.execute(f"SELECT count(*) FROM staging.{spec.name} WHERE extract_date = ?", [day]).fetchone()[0]
                quarantined = con.execute("SELECT count(*) FROM quarantine WHERE source_system = ? AND extract_date = ?",
                                          [spec.name, day]).fetchone()[0]
                con.execute(f"DELETE FROM staging.{spec.name} WHERE extract_date = ?", [day])
                con.execute("DELETE FROM quarantine WHERE source_system = ? AND extract_date = ?", [spec.name, day])
                purged.append([spec.name, day, rows, quarantined, path, False,
                               f"kept {days} days before the latest accepted extract ({latest})"])
        has_extracts = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND "
                                   "table_name = 'staged_records_extracts'").fetchone()[0]
        for source in sorted({p[0] for p in purged} if has_extracts else ()):
            # staged_records then rebuilds the source from the extracts kept: a record only a purged extract
            # held goes with it (folding would keep it, not current)
            con.execute("DELETE FROM staged_records_extracts WHERE source_system = ?", [source])
        for p in purged:
            con.execute("INSERT INTO retention_purge_log (source_system, extract_date, rows_purged, rows_quarantined_purged, "
                        "file_path, file_deleted, rule) VALUES (?, ?, ?, ?, ?, ?, ?)", p)
    deleted = 0  # files last, once the warehouse's purge is committed: a failed purge deletes no file
    if rules.delete_landed_files:
        for source, day, _, _, path, _, _ in purged:
            if path and Path(path).exists():
                Path(path).unlink()
                deleted += 1
                con.execute("UPDATE retention_purge_log SET file_deleted = true WHERE source_system = ? AND "
                            "extract_date = ? AND file_path = ?", [source, day, path])
    return {"extracts_purged": len(purged), "rows_purged": sum(p[2] for p in purged), "files_deleted": deleted,
            "purged": [f"{p[0]} {p[1]}: {p[2]} rows" for p in purged]}


def in_index_sql(rules: RetentionFile | None, table: str = "staged_records") -> str:
    """A SELECT of the rows of `table` (staged_records' columns) the index holds."""
    if rules is None or (rules.activity_window_days is None and not rules.drop_deleted_at_source):
        return f"SELECT * FROM {table}"
    conditions = []
    if rules.drop_deleted_at_source:
        conditions.append("s.is_current")
    if rules.activity_window_days is not None:
        conditions.append(f"(s.end_date IS NULL OR s.end_date >= l.latest - INTERVAL {int(rules.activity_window_days)} DAY)")
    return (f"SELECT s.* FROM {table} s JOIN (SELECT source_system, max(last_seen) AS latest FROM {table} "
            f"GROUP BY 1) l USING (source_system) WHERE {' AND '.join(conditions)}")


def create_in_index_view(con: duckdb.DuckDBPyConnection, name: str = "_records_in_index",
                         rules: RetentionFile | None = None, table: str = "staged_records") -> str:
    """A temp view `name` of the rows of `table` the index holds, under the council's retention.yaml (`rules`
    if given); a table without the columns the rules read (is_current, last_seen, end_date) is taken whole.
    Returns `name`."""
    rules = rules if rules is not None else load_retention()
    columns = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    if not {"is_current", "last_seen", "end_date"} <= columns:
        rules = None
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {in_index_sql(rules, table)}")
    return name


def out_of_index(con: duckdb.DuckDBPyConnection, rules: RetentionFile | None) -> dict:
    """How many staged records the index leaves out, and why (for metadata)."""
    if rules is None:
        return {}
    [(total, deleted, inactive)] = con.execute(f"""
        SELECT count(*), count(*) FILTER (NOT s.is_current),
               count(*) FILTER (s.is_current AND s.end_date < l.latest - INTERVAL {int(rules.activity_window_days or 10**6)} DAY)
        FROM staged_records s JOIN (SELECT source_system, max(last_seen) AS latest FROM staged_records GROUP BY 1) l
        USING (source_system)""").fetchall()
    return {"staged_records": total,
            "left_out_deleted_at_source": deleted if rules.drop_deleted_at_source else 0,
            "left_out_inactive": inactive if rules.activity_window_days else 0,
            "activity_window_days": rules.activity_window_days if rules.activity_window_days is not None else "none"}

