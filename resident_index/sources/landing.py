"""Read one landed extract into raw string rows, quarantining what cannot be read.

Nothing is lost: every physical record in the file ends up either in the returned frame or in the
quarantine list with the file, row, column and reason, so staged + quarantined = landed.
A clean JSON-lines file (every line an object of strings and nulls, each with its record id) is parsed by
Polars in one go; any other is read line by line, so each bad line is quarantined with its reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from resident_index.sources.spec import SourceSpec

_BAD_BYTES = re.compile(r"[\udc80-\udcff]")
_EXTRACT_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.")


class ExtractError(Exception):
    """An extract that cannot be staged at all (empty, repeated, a required column missing...)."""

    def __init__(self, path: Path, message: str, row: int | None = None, column: str | None = None):
        where = f"{path}" + (f", row {row}" if row is not None else "") + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {message}")
        self.path, self.row, self.column, self.reason = path, row, column, message


@dataclass
class QuarantinedRow:
    row_number: int  # 1-based data row (the header is row 0)
    column: str | None
    reason: str
    raw: str


@dataclass
class LandedExtract:
    path: Path
    columns: list[str]
    frame: pl.DataFrame  # raw strings, one column per source column, plus `row_number`
    quarantined: list[QuarantinedRow] = field(default_factory=list)

    @property
    def rows_landed(self) -> int:
        return self.frame.height + len(self.quarantined)


def extract_dates(spec: SourceSpec, landing_dir: Path) -> list[str]:
    """The dates (YYYY-MM-DD) of every extract of this source that has landed, oldest first."""
    folder = landing_dir / spec.landing.folder
    if not folder.is_dir():
        return []
    found = (_EXTRACT_NAME.match(p.name) for p in folder.glob(f"*.{spec.landing.extension}"))
    return sorted(m.group(1) for m in found if m)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_extract(spec: SourceSpec, path: Path) -> LandedExtract:
    """Parse one extract per its spec; raise ExtractError if the file as a whole is unusable."""
    if not path.exists():
        raise ExtractError(path, f"no extract has landed for {spec.name} (expected this file)")
    data = path.read_bytes()
    if not data.strip():
        raise ExtractError(path, "the extract is empty (0 records)")
    try:
        text = data.decode(spec.landing.encoding, errors="surrogateescape")
    except LookupError as exc:
        raise ExtractError(path, f"unknown encoding '{spec.landing.encoding}' in the source spec") from exc
    clean = _clean_jsonl(spec, text) if spec.landing.format == "jsonl" else None
    if clean is not None:
        columns, frame, quarantined = *clean, []
    else:
        reader = _read_jsonl if spec.landing.format == "jsonl" else _read_csv
        columns, rows, quarantined = reader(spec, path, text)
        frame = pl.DataFrame(rows, schema={c: pl.Utf8 for c in columns} | {"row_number": pl.Int64}, orient="row")
    if frame.is_empty() and not quarantined:
        raise ExtractError(path, "the extract has a header but no records")
    missing = [c for c in spec.required_columns if c not in columns]
    if missing:
        raise ExtractError(path, f"required column missing from the extract (found: {', '.join(columns)})",
                           row=0, column=", ".join(missing))
    frame = frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in columns)
    return LandedExtract(path, columns, frame, quarantined)


def _bad_byte_reason(value: str, encoding: str) -> str:
    bad = _BAD_BYTES.search(value)
    byte = ord(bad.group()) - 0xDC00 if bad else 0
    return f"byte 0x{byte:02X} is not valid {encoding} (is the file in another encoding?)"


def _raw(values: list[str] | str) -> str:
    text = values if isinstance(values, str) else "\u241f".join(values)
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _read_csv(spec: SourceSpec, path: Path, text: str):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=spec.landing.delimiter,
                        quotechar=spec.landing.quotechar, strict=True)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except csv.Error as exc:
        raise ExtractError(path, f"cannot read the header: {exc}", row=0) from exc
    if _BAD_BYTES.search("".join(header)):
        raise ExtractError(path, _bad_byte_reason("".join(header), spec.landing.encoding), row=0)
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ExtractError(path, "the header repeats a column name", row=0, column=", ".join(dupes))
    check_bytes = bool(_BAD_BYTES.search(text))
    rows, quarantined, n = [], [], 0
    while True:
        n += 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. an unterminated quote: the rest of the line is unreadable
            quarantined.append(QuarantinedRow(n, None, f"malformed CSV at line {reader.line_num}: {exc}", ""))
            continue
        if not values or all(not v.strip() for v in values):
            n -= 1  # blank lines are not records
            continue
        if len(values) != len(header):
            quarantined.append(QuarantinedRow(
                n, None, f"expected {len(header)} fields, found {len(values)} (line {reader.line_num})", _raw(values)))
            continue
        if check_bytes:
            bad = next((i for i, v in enumerate(values) if _BAD_BYTES.search(v)), None)
            if bad is not None:
                quarantined.append(QuarantinedRow(
                    n, header[bad], _bad_byte_reason(values[bad], spec.landing.encoding), _raw(values)))
                continue
        rows.append((*values, n))
    return header, _require_record_id(spec, header, rows, quarantined), quarantined


def _read_jsonl(spec: SourceSpec, path: Path, text: str):
    columns: dict[str, None] = {}
    parsed, quarantined = [], []
    n = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        n += 1
        if _BAD_BYTES.search(line):
            quarantined.append(QuarantinedRow(n, None, _bad_byte_reason(line, spec.landing.encoding), _raw(line)))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            quarantined.append(QuarantinedRow(n, None, f"not valid JSON: {exc.msg} at char {exc.pos}", _raw(line)))
            continue
        if not isinstance(obj, dict):
            quarantined.append(QuarantinedRow(n, None, "a JSON line must be an object", _raw(line)))
            continue
        columns.update(dict.fromkeys(obj))
        parsed.append((n, obj))
    header = list(columns)
    rows = [(*(None if o.get(c) is None else str(o[c]) for c in header), n) for n, o in parsed]
    return header, _require_record_id(spec, header, rows, quarantined), quarantined


def _clean_jsonl(spec: SourceSpec, text: str) -> tuple[list[str], pl.DataFrame] | None:
    """The rows of a JSON-lines extract with nothing to quarantine, parsed at once: every line an object whose
    values are strings or nulls, each with its record id, no bad bytes, no blank lines. None otherwise
    (then _read_jsonl reads it line by line). Same columns, values and row numbers as _read_jsonl."""
    id_col = spec.columns["source_record_id"]
    if not isinstance(id_col, str) or _BAD_BYTES.search(text):
        return None
    lines = text.splitlines()
    if any(not line.strip() for line in lines):
        return None
    try:
        frame = pl.read_ndjson(io.BytesIO(text.encode("utf-8")), infer_schema_length=None)
    except Exception:  # not JSON, not an object per line...: the line-by-line reader says which line
        return None
    if (frame.height != len(lines) or id_col not in frame.columns
            or any(dtype not in (pl.String, pl.Null) for dtype in frame.dtypes)
            or frame.select(pl.col(id_col).str.strip_chars().replace("", None).null_count()).item()):
        return None
    return frame.columns, frame.cast(pl.Utf8).with_columns(row_number=pl.int_range(1, frame.height + 1, dtype=pl.Int64))


def _require_record_id(spec: SourceSpec, header: list[str], rows: list[tuple], quarantined: list[QuarantinedRow]):
    """A record without its system's key cannot be traced back to the source: quarantine it."""
    id_col = spec.columns["source_record_id"]
    if not isinstance(id_col, str) or id_col not in header:
        return rows
    i = header.index(id_col)
    kept = []
    for row in rows:
        if row[i] is None or not str(row[i]).strip():
            quarantined.append(QuarantinedRow(row[-1], id_col, "the record id is blank", _raw([str(v) for v in row[:-1]])))
        else:
            kept.append(row)
    return kept


def extract_date_of(path: Path) -> date:
    m = _EXTRACT_NAME.match(path.name)
    if not m:
        raise ExtractError(path, "extract file names must be <YYYY-MM-DD>.<extension>")
    return date.fromisoformat(m.group(1))
