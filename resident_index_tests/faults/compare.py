"""Compare two builds of the index: every warehouse table and every exported file.

Used by the determinism test (two builds of the same inputs in two data folders) and by the crash tests (a
rerun after kill -9 against an uninterrupted run). Independent of pytest: plain functions on paths.

A table's digest is the md5 of its column names and types followed by its rows in a canonical order: each
row cast to DuckDB's text form (a struct of every compared column; doubles print as their shortest
round-trip form, the same as Python's repr), sorted. The physical order of rows in a table is not compared
(DuckDB stores them in whatever order parallel inserts finished); exported files are compared byte for byte,
so the order officers see is.

Only columns whose value is a fact about the run rather than about the inputs are left out (IGNORED_COLUMNS),
and paths of landed files are compared relative to the data folder (PATH_COLUMNS); everything else must be
identical.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

#: {table (schema-qualified if not main): columns}: run-time facts, different on every run by nature.
IGNORED_COLUMNS: dict[str, set[str]] = {
    # when each extract was staged (a clock reading); what was staged is compared (sha256, row counts, status)
    "landing_log": {"staged_at"},
    "staged_records_extracts": {"staged_at"},
    # the Dagster run that minted or merged an ID, and when: the events themselves are compared
    "resident_id_history": {"run_id", "recorded_at"},
    # the run that set each check's baseline, and when: the baselines themselves are compared
    "check_baselines": {"run_id", "recorded_at"},
    # when a reviewer gave a verdict (empty in a build; the verdicts are compared)
    "review_decisions": {"decided_at"},
    # when the evaluation ran; its figures are compared
    "resolution_evaluation": {"evaluated_at"},
    "golden_evaluation": {"evaluated_at"},
    "fraud_evaluation": {"evaluated_at"},
    "electoral_evaluation": {"evaluated_at"},
    "quality_feedback_evaluation": {"evaluated_at"},
}

#: {table: columns} holding absolute paths of files in the data folder (the warehouse's folder): compared
#: with that folder left out, so two data folders built from the same extracts agree
PATH_COLUMNS: dict[str, set[str]] = {"landing_log": {"file_path"}, "quarantine": {"file_path"}}

#: {file under the data folder: top-level JSON keys left out}: run-time facts in JSON files that are
#: otherwise compared as parsed JSON (other files are compared byte for byte).
IGNORED_JSON_KEYS: dict[str, set[str]] = {
    # how long training took, and absolute paths (they name the data folder)
    "models/training.json": {"seconds", "model", "chart"},
}

#: folders under the data folder whose files a build writes for people and tools to read
OUTPUT_FOLDERS = ("exports", "models")


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def _tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[tuple[str, str]]:
    where = f"WHERE database_name = '{catalog}'" if catalog else "WHERE database_name = current_database()"
    return con.execute(f"SELECT schema_name, table_name FROM duckdb_tables() {where} "
                       "AND NOT temporary ORDER BY ALL").fetchall()


def _name(schema: str, table: str) -> str:
    return table if schema == "main" else f"{schema}.{table}"


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str,
             ignore: dict[str, set[str]]) -> list[tuple[str, str]]:
    skip = ignore.get(_name(schema, table), set())
    rows = con.execute("""SELECT column_name, data_type FROM duckdb_columns()
                          WHERE database_name = ? AND schema_name = ? AND table_name = ?
                          ORDER BY column_index""", [catalog, schema, table]).fetchall()
    return [(c, t) for c, t in rows if c not in skip]


def _rows_sql(catalog: str, schema: str, table: str, columns: list[tuple[str, str]], folder: Path) -> str:
    """SQL giving one text per row: a struct of the compared columns cast to VARCHAR (paths relative to folder)."""
    paths, prefix = PATH_COLUMNS.get(_name(schema, table), set()), _literal(f"{folder.resolve()}/")
    fields = ", ".join(f'"{c}" := ' + (f'replace("{c}", {prefix}, \'\')' if c in paths else f'"{c}"')
                       for c, _ in columns) or "none := NULL"
    return f'SELECT struct_pack({fields})::VARCHAR AS r FROM "{catalog}"."{schema}"."{table}"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ignore(ignore: dict[str, set[str]] | None) -> dict[str, set[str]]:
    return IGNORED_COLUMNS if ignore is None else ignore


def warehouse_digest(path: Path | str, ignore: dict[str, set[str]] | None = None,
                     data_dir: Path | str | None = None) -> dict[str, str]:
    """{table: md5 of its columns and sorted rows} for every table of every schema in the warehouse.

    `ignore` replaces IGNORED_COLUMNS ({table: columns}; a table outside main is named schema.table);
    `data_dir`, the folder PATH_COLUMNS are relative to, defaults to the warehouse's own folder."""
    ignore = _ignore(ignore)
    con = _connect(Path(path))
    try:
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        digests = {}
        for schema, table in _tables(con):
            columns = _columns(con, catalog, schema, table, ignore)
            header = ";".join(f"{c} {t}" for c, t in columns)
            rows_sql = _rows_sql(catalog, schema, table, columns, Path(data_dir or Path(path).parent))
            rows = con.execute(f"SELECT md5(string_agg(r, chr(10) ORDER BY r)) FROM ({rows_sql})").fetchone()[0]
            digests[_name(schema, table)] = hashlib.md5(f"{header}\n{rows}".encode()).hexdigest()
        return digests
    finally:
        con.close()


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """Names of the tables (or files) whose digests differ, or that only one side has, sorted."""
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def differing_rows(path_a: Path | str, path_b: Path | str, table: str, limit: int = 5,
                   ignore: dict[str, set[str]] | None = None) -> tuple[list[str], list[str]]:
    """The first `limit` rows (as text, in canonical order) of `table` only in warehouse a, and only in b
    (paths relative to each warehouse's folder). A table missing on one side gives every row of the other."""
    ignore = _ignore(ignore)
    schema, _, name = table.rpartition(".")
    schema = schema or "main"
    con = duckdb.connect()
    try:
        out = []
        for alias, path in (("a", path_a), ("b", path_b)):
            con.execute(f"ATTACH {_literal(str(path))} AS {alias} (READ_ONLY)")
        present = {alias: (schema, name) in _tables(con, alias) for alias in ("a", "b")}
        sql = {}
        for alias, path in (("a", path_a), ("b", path_b)):
            if present[alias]:
                sql[alias] = _rows_sql(alias, schema, name, _columns(con, alias, schema, name, ignore), Path(path).parent)
            else:
                sql[alias] = "SELECT NULL::VARCHAR AS r WHERE false"
        for this, other in (("a", "b"), ("b", "a")):
            out.append([r for (r,) in con.execute(
                f"SELECT r FROM ({sql[this]} EXCEPT ALL {sql[other]}) ORDER BY r LIMIT {int(limit)}").fetchall()])
        return out[0], out[1]
    finally:
        con.close()


def describe_differences(path_a: Path | str, path_b: Path | str, tables: list[str], limit: int = 5,
                         ignore: dict[str, set[str]] | None = None) -> str:
    """A readable account of how `tables` differ between two warehouses: per table, its first rows only in
    each (the message a failing comparison shows)."""
    lines = []
    for table in tables:
        only_a, only_b = differing_rows(path_a, path_b, table, limit, ignore)
        lines.append(f"table {table}:")
        lines += [f"  only in {path_a}: {r}" for r in only_a]
        lines += [f"  only in {path_b}: {r}" for r in only_b]
        if not only_a and not only_b:
            lines.append("  same rows, different columns or types")
    return "\n".join(lines)


def outputs_digest(data_dir: Path | str, folders: tuple[str, ...] = OUTPUT_FOLDERS) -> dict[str, str]:
    """{file under the data folder: sha256} for every file a build writes in `folders` (exports, charts,
    the trained model). JSON files named in IGNORED_JSON_KEYS are digested without those keys."""
    data_dir = Path(data_dir)
    digests = {}
    for folder in folders:
        for path in sorted((data_dir / folder).rglob("*")):
            if not path.is_file():
                continue
            key = path.relative_to(data_dir).as_posix()
            content = path.read_bytes()
            if key in IGNORED_JSON_KEYS:
                kept = {k: v for k, v in json.loads(content).items() if k not in IGNORED_JSON_KEYS[key]}
                content = json.dumps(kept, sort_keys=True).encode()
            digests[key] = hashlib.sha256(content).hexdigest()
    return digests


def describe_file_differences(dir_a: Path | str, dir_b: Path | str, files: list[str], lines: int = 3) -> str:
    """Per differing file: whether one side lacks it, else its first differing lines (text) or byte offset."""
    out = []
    for key in files:
        a, b = Path(dir_a) / key, Path(dir_b) / key
        if not a.exists() or not b.exists():
            out.append(f"file {key}: only in {a if a.exists() else b}")
            continue
        bytes_a, bytes_b = a.read_bytes(), b.read_bytes()
        try:
            text_a, text_b = bytes_a.decode().splitlines(), bytes_b.decode().splitlines()
        except UnicodeDecodeError:
            offset = next((i for i, (x, y) in enumerate(zip(bytes_a, bytes_b)) if x != y), min(len(bytes_a), len(bytes_b)))
            out.append(f"file {key}: binary, first difference at byte {offset} ({len(bytes_a)} vs {len(bytes_b)} bytes)")
            continue
        diffs = [(i, x, y) for i, (x, y) in enumerate(zip(text_a, text_b)) if x != y][:lines]
        out.append(f"file {key}: {len(text_a)} vs {len(text_b)} lines")
        out += [f"  line {i + 1}: {x[:300]!r}\n       vs: {y[:300]!r}" for i, x, y in diffs]
    return "\n".join(out)
