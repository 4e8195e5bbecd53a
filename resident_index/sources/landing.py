"""Read one landed extract into raw string rows, quarantining what cannot be read.

Nothing is lost: every physical record in the file ends up either in the returned frame or in the
quarantine list with the file, row, column and reason, so staged + quarantined = landed.
A clean file, with nothing to quarantine, is parsed by Polars in one go once one regular expression has
checked every line (_clean_csv: a record of as many fields as the header, none spanning lines; _clean_jsonl:
an object of strings and nulls); any other is read line by line, so each bad line is quarantined with its
reason. The two give the same columns, values and row numbers for a clean file. A UTF-8 file goes to Polars
as it is; only a file that does not decode in its encoding is searched for the bytes that do not.

Byte-level guards: a file whose spec declares another encoding but which is in fact UTF-8 (multi-byte
characters that would be read as mojibake) is refused whole; a record holding a NUL is quarantined, naming
the column; a quarantined record always keeps its raw text (cut at RAW_LIMIT characters, its length noted).
The frame's columns are the source's own names, except one that would collide with a column the readers or
staging add beside them (INTERNAL_COLUMNS, e.g. `row_number`): that one is kept as `source:<name>`
(frame_column; source_column undoes it), so any source column name works and keeps its values.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from resident_index.sources.spec import SourceSpec

_BAD_BYTES = re.compile(r"[\udc80-\udcff]")
#: What str.strip() strips (U+3000 the last of it), as the careful readers judge a blank record id; Polars'
#: strip_chars() without arguments keeps \x1c-\x1f
_SPACE = "".join(filter(str.isspace, map(chr, range(0x3001))))
#: A \\u escape of a character other than NUL (quarantined) and a lone surrogate (no character at all)
_JSON_ESCAPE = (r"\\u(?:0(?:[1-9a-fA-F][0-9a-fA-F]{2}|0[1-9a-fA-F][0-9a-fA-F]|00[1-9a-fA-F])|[1-9a-cA-Ce-fE-F][0-9a-fA-F]{3}"
                r"|[dD][0-7][0-9a-fA-F]{2}|[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})")
#: A JSON string with no raw control character (json.loads refuses one) nor a line break at which
#: str.splitlines, and so the careful reader, would cut it
_JSON_STRING = rf'"(?:[^"\\\x00-\x1f\x85\u2028\u2029]|\\["\\/bfnrt]|{_JSON_ESCAPE})*"'
#: _clean_jsonl takes the columns from the lines in this many bytes of the file; a key first seen later sends
#: the file to the careful reader
_KEY_SAMPLE_BYTES = 1 << 20
_EXTRACT_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.")
_DATE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUL = "\0"
_NUL_REASON = "contains a NUL byte (0x00)"
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UNDECODED = re.compile(r"[\udc80-\udcff]")  # as _BAD_BYTES, for showing them
#: A quarantined record keeps at most this many characters of its raw text
RAW_LIMIT = 4000
#: Columns the readers (row_number) and staging (raw_hash, __standardised_by) put beside the source's own
INTERNAL_COLUMNS = ("row_number", "raw_hash", "__standardised_by")
#: The prefix a source column takes in the frame when its name is internal (or starts with the prefix)
SOURCE_PREFIX = "source:"


def frame_column(name: str) -> str:
    """The frame's name for a source column: its own, unless that is an internal column's (or starts with
    SOURCE_PREFIX, so no two source columns can meet): then SOURCE_PREFIX + name."""
    return SOURCE_PREFIX + name if name in INTERNAL_COLUMNS or name.startswith(SOURCE_PREFIX) else name


def source_column(name: str) -> str:
    """The source's name for a frame column of its (frame_column undone)."""
    return name.removeprefix(SOURCE_PREFIX)


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
    #: the record as read, never empty: bytes the encoding could not decode and NULs escaped (\\xeb, \\x00),
    #: cut at RAW_LIMIT characters with its full length noted
    raw: str

    def __post_init__(self):
        self.raw = _bounded(self.raw)


def _bounded(raw: str) -> str:
    text = _UNDECODED.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", raw).replace(_NUL, "\\x00")
    text = text.encode("utf-8", errors="backslashreplace").decode("utf-8")  # any other lone surrogate
    if len(text) <= RAW_LIMIT:
        return text
    note = f"\u2026[truncated: {len(text):,} characters]"
    return text[:RAW_LIMIT - len(note)] + note


@dataclass
class LandedExtract:
    path: Path
    columns: list[str]
    frame: pl.DataFrame  # raw strings, one column per source column (see frame_column), plus `row_number`
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    #: mapped source columns the extract does not have -> the canonical fields they feed (null on every row)
    missing_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rows_landed(self) -> int:
        return self.frame.height + len(self.quarantined)


@dataclass(frozen=True)
class RefusedFile:
    """A file in a source's landing folder that is not an extract it can stage, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class LandingScan:
    dates: list[str]  # YYYY-MM-DD of every extract that can be staged, oldest first
    refused: list[RefusedFile]


def london_today() -> date:
    """Today where the council is: an extract dated after this is refused."""
    return datetime.now(ZoneInfo("Europe/London")).date()


def scan_landing(spec: SourceSpec, landing_dir: Path, today: date | None = None) -> LandingScan:
    """Every file in the source's landing folder, sorted into extracts to stage and files refused.

    An extract is named <YYYY-MM-DD>.<extension> with a real date no later than today (Europe/London). Any
    other file (`latest.csv`, `2026-02-30.csv`, `2099-01-01.csv`, `notes.txt`) is refused with a reason that
    names it; hidden files (a name starting with '.', as upload tools write while copying) are passed over.
    """
    folder = landing_dir / spec.landing.folder
    if not folder.is_dir():
        return LandingScan([], [])
    today = today or london_today()
    suffix = f".{spec.landing.extension}"
    named = f"extracts of {spec.name} are named <YYYY-MM-DD>{suffix}, the date of the extract (e.g. {today}{suffix})"
    dates, refused = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        stem = path.name[:-len(suffix)] if path.name.endswith(suffix) else None
        if stem is None or not _DATE_NAME.fullmatch(stem):
            refused.append(RefusedFile(path, f"not staged: the name is not an extract date; {named}"))
            continue
        try:
            day = date.fromisoformat(stem)
        except ValueError:
            refused.append(RefusedFile(path, f"not staged: {stem} is not a real date; {named}"))
            continue
        if day > today:
            refused.append(RefusedFile(path, f"not staged: dated {day}, after today ({today}, Europe/London); an "
                                             "extract cannot come from the future: check the date in its name"))
            continue
        dates.append(stem)
    return LandingScan(dates, refused)


def extract_dates(spec: SourceSpec, landing_dir: Path) -> list[str]:
    """The dates (YYYY-MM-DD) of every extract of this source that has landed and can be staged, oldest first."""
    return scan_landing(spec, landing_dir).dates


def file_fingerprint(path: Path) -> str:
    """`<size>:<modification time in ns>`: changes whenever the file is replaced or rewritten. The landing
    sensor compares it with the one recorded when the file was staged, without reading the file."""
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


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
    if not data or data.isspace():  # as `not data.strip()`, without copying the file
        raise ExtractError(path, "the extract is empty (0 records)")
    try:
        is_utf8 = codecs.lookup(spec.landing.encoding).name == "utf-8"
    except LookupError as exc:
        raise ExtractError(path, f"unknown encoding '{spec.landing.encoding}' in the source spec") from exc
    fast, reader = (_clean_jsonl, _read_jsonl) if spec.landing.format == "jsonl" else (_clean_csv, _read_csv)
    if not is_utf8:
        _refuse_utf8_read_as(spec, path, data, reader)
    clean = fast(spec, data) if is_utf8 else None  # Polars reads UTF-8 as it is, and refuses bytes that are not
    if clean is None:
        text, utf8 = _decode(data, spec.landing.encoding)
        if utf8 is not None and not is_utf8:
            clean = fast(spec, utf8)
    if clean is not None:
        columns, frame, quarantined = *clean, []
    else:
        columns, rows, quarantined = reader(spec, path, text, check_bytes=utf8 is None)
        frame = pl.DataFrame(rows, schema={frame_column(c): pl.Utf8 for c in columns} | {"row_number": pl.Int64},
                             orient="row")
    if frame.is_empty() and not quarantined:
        raise ExtractError(path, "the extract has a header but no records")
    missing = [c for c in spec.required_columns if c not in columns]
    if missing:
        raise ExtractError(path, f"required column missing from the extract (found: {', '.join(columns)})",
                           row=0, column=", ".join(missing))
    frame = frame.with_columns(pl.col(frame_column(c)).str.strip_chars().replace("", None) for c in columns)
    return LandedExtract(path, columns, frame, quarantined, _missing_columns(spec, columns))


def _missing_columns(spec: SourceSpec, columns: list[str]) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    second = {f"second_person.{f}": m for f, m in spec.second_person.columns.items()} if spec.second_person else {}
    for canonical, mapped in {**spec.columns, **second}.items():
        for column in [mapped] if isinstance(mapped, str) else mapped:
            if column not in columns:
                missing.setdefault(column, []).append(canonical)
    return missing


def _refuse_utf8_read_as(spec: SourceSpec, path: Path, data: bytes, reader) -> None:
    """Refuse a file in UTF-8, multi-byte characters and all, whose spec declares another encoding: read as
    declared, every such character would be staged as mojibake ("Jürgen" as "JÃ¼rgen"). Text in a single-byte
    encoding such as cp1252 is all but never valid UTF-8 once it holds a letter outside ASCII."""
    if data.isascii() or codecs.lookup(spec.landing.encoding).name == "utf-8-sig":
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    row, column, value = _first_non_ascii(spec, path, text, reader)
    char = next(c for c in value if not c.isascii())
    seen = char.encode("utf-8").decode(spec.landing.encoding, errors="replace")
    raise ExtractError(path, f"the file is UTF-8, but the source spec declares {spec.landing.encoding}, which "
                             f"would read {char!r} as {seen!r}: set `landing.encoding: utf-8` in the source's YAML",
                       row=row, column=column)


def _first_non_ascii(spec: SourceSpec, path: Path, text: str, reader) -> tuple[int | None, str | None, str]:
    """(row, column, text) of the first non-ASCII text the careful reader finds (row 0: a CSV header)."""
    columns, rows, quarantined = reader(spec, path, text, check_bytes=False)
    if spec.landing.format == "csv" and not "".join(columns).isascii():
        return 0, next(c for c in columns if not c.isascii()), "".join(columns)
    cell = next(((r[-1], c, c + v) for r in rows for c, v in zip(columns, r[:-1])
                 if v is not None and not (c + v).isascii()), None)
    held = next(((q.row_number, q.column, q.raw) for q in quarantined if not q.raw.isascii()), None)
    found = [f for f in (cell, held) if f is not None]
    return min(found) if found else (None, None, text)


def _decode(data: bytes, encoding: str) -> tuple[str, bytes | None]:
    """The text, and it in UTF-8 if all of it decoded; else None, and the bytes the encoding cannot decode kept
    as surrogates for the readers to find (as are the lone surrogates a codec like utf-7 decodes to, which
    UTF-8 cannot encode)."""
    try:
        text = data.decode(encoding)
        return text, text.encode("utf-8")
    except UnicodeError:
        return data.decode(encoding, errors="surrogateescape"), None


def _bad_byte_reason(value: str, encoding: str) -> str:
    bad = _BAD_BYTES.search(value)
    byte = ord(bad.group()) - 0xDC00 if bad else 0
    reason = f"byte 0x{byte:02X} is not valid {encoding} (is the file in another encoding?"
    if codecs.lookup(encoding).name.startswith("utf-8"):  # the usual other one: a Windows export
        try:
            reason += (f" In cp1252 it is {bytes([byte]).decode('cp1252')!r}: if the whole file is cp1252, "
                       "set `landing.encoding: cp1252` in the source's YAML")
        except UnicodeDecodeError:
            pass
    return reason + ")"


def _raw(values: list[str]) -> str:
    return "\u241f".join(values)


def _nul_in(values: list[str], columns: list[str]) -> str | None:
    """The first column whose value holds a NUL (a C string's end: code that stops there loses the rest)."""
    return next((c for c, v in zip(columns, values) if _NUL in v), None)


class _Lines:
    """The lines of a text, as the csv module reads them, each kept until `take`n: a record's raw text."""

    def __init__(self, text: str):
        self._lines, self._read = io.StringIO(text, newline=""), []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._read.append(line)
        return line

    def take(self) -> str:
        text, self._read = "".join(self._read), []
        return text


def _column_names(values: list[str]) -> list[str]:
    """A CSV header's column names, as both CSV readers take them."""
    return [h.strip().lstrip("\ufeff") for h in values]


def _read_csv(spec: SourceSpec, path: Path, text: str, check_bytes: bool):
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=spec.landing.delimiter, quotechar=spec.landing.quotechar, strict=True)
    try:
        header = _column_names(next(reader))
    except csv.Error as exc:
        raise ExtractError(path, f"cannot read the header: {exc}", row=0) from exc
    lines.take()
    if check_bytes and _BAD_BYTES.search("".join(header)):
        raise ExtractError(path, _bad_byte_reason("".join(header), spec.landing.encoding), row=0)
    if _NUL in "".join(header):
        raise ExtractError(path, f"the header {_NUL_REASON}", row=0,
                           column=_bounded(next(h for h in header if _NUL in h)))
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ExtractError(path, "the header repeats a column name", row=0, column=", ".join(dupes))
    rows, quarantined, n = [], [], 0
    while True:
        n += 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. an unterminated quote: the rest of the line is unreadable
            quarantined.append(QuarantinedRow(n, None, f"malformed CSV at line {reader.line_num}: {exc}", lines.take()))
            continue
        lines.take()
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
        nul = _nul_in(values, header)
        if nul is not None:
            quarantined.append(QuarantinedRow(n, nul, _NUL_REASON, _raw(values)))
            continue
        rows.append((*values, n))
    return header, _require_record_id(spec, header, rows, quarantined), quarantined


def _read_jsonl(spec: SourceSpec, path: Path, text: str, check_bytes: bool):
    columns: dict[str, None] = {}
    parsed, quarantined = [], []
    n = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        n += 1
        if check_bytes and _BAD_BYTES.search(line):
            quarantined.append(QuarantinedRow(n, None, _bad_byte_reason(line, spec.landing.encoding), line))
            continue
        try:  # a raw NUL (invalid JSON) is found as one escaped (\\u0000) is: by the column that holds it
            obj = json.loads(line, strict=_NUL not in line)
        except json.JSONDecodeError as exc:
            reason = _NUL_REASON if _NUL in line else f"not valid JSON: {exc.msg} at char {exc.pos}"
            quarantined.append(QuarantinedRow(n, None, reason, line))
            continue
        if not isinstance(obj, dict):
            quarantined.append(QuarantinedRow(n, None, "a JSON line must be an object", line))
            continue
        unheld = _unheld_value(obj) or ((None, _NUL_REASON) if _NUL in line else None)
        if unheld:
            quarantined.append(QuarantinedRow(n, *unheld, line))
            continue
        columns.update(dict.fromkeys(obj))
        parsed.append((n, obj))
    header = list(columns)
    rows = [(*(None if o.get(c) is None else str(o[c]) for c in header), n) for n, o in parsed]
    return header, _require_record_id(spec, header, rows, quarantined), quarantined


def _unheld_value(obj: dict) -> tuple[str, str] | None:
    """(column, reason) for a JSON object's first key or string value that cannot be staged as it is: one with
    a NUL, or a lone surrogate escape ("\\ud800": no character at all)."""
    for key, value in obj.items():
        text = key + (value if isinstance(value, str) else "")
        if _NUL in text:
            return _bounded(key), _NUL_REASON
        if _LONE_SURROGATE.search(text):
            return _bounded(key), "holds a lone surrogate escape (\\ud800-\\udfff), which is no character"
    return None


def _clean_csv(spec: SourceSpec, extract: str | bytes) -> tuple[list[str], pl.DataFrame] | None:
    """The rows of a CSV extract with nothing to quarantine, parsed at once; None otherwise (then _read_csv
    reads it line by line). Every line, the header's too, must be a record of as many fields as the header,
    each unquoted (no quote character) or wholly quoted on the line: so Polars splits the records as the csv
    module does and none spans lines. A blank line or record has a blank record id, so falls back too, as
    does a field longer than the csv module takes. Same columns, values and row numbers as _read_csv.
    `extract` is the text, or the bytes if UTF-8 (which Polars checks)."""
    delimiter, quote, id_col = spec.landing.delimiter, spec.landing.quotechar, spec.columns["source_record_id"]
    utf8 = extract.encode("utf-8") if isinstance(extract, str) else extract
    end = utf8.find(b"\n")
    if (not isinstance(id_col, str) or end < 0 or len(delimiter) != 1 or len(quote) != 1 or delimiter == quote
            or not (delimiter + quote).isascii() or {delimiter, quote} & {"\r", "\n"}):
        return None
    try:
        header = _column_names(next(csv.reader([utf8[:end].decode("utf-8")], delimiter=delimiter, quotechar=quote,
                                                strict=True)))
    except (UnicodeDecodeError, csv.Error):
        return None
    if id_col not in header or len(set(header)) < len(header):
        return None
    d, q = re.escape(delimiter), re.escape(quote)
    record = d.join([rf"(?:{q}(?:[^{q}\r\n]|{q}{q})*{q}|[^{d}{q}\r\n]*)"] * len(header))
    frame = _parse_clean(utf8, record, id_col, 1, pl.scan_csv(
        utf8, has_header=False, skip_rows=1, schema=dict.fromkeys(header, pl.String), separator=delimiter,
        quote_char=quote))
    if frame is None or (frame.select(pl.max_horizontal(pl.col(pl.String).str.len_chars().max())).item() or 0) > (
            csv.field_size_limit()):  # the csv module refuses a longer field
        return None
    return header, frame


def _clean_jsonl(spec: SourceSpec, extract: str | bytes) -> tuple[list[str], pl.DataFrame] | None:
    """The rows of a JSON-lines extract with nothing to quarantine, parsed at once; None otherwise (then
    _read_jsonl reads it line by line). Every line must be an object whose values are strings or nulls and
    whose keys were all seen in the file's first lines: so Polars, told those keys are strings, drops no
    column and stringifies no number. Same columns, values and row numbers as _read_jsonl, but for what no
    JSON writer does: an object repeating a key (json.loads keeps the last value, Polars does not) and a lone
    surrogate escape, "\\ud800" (Polars reads NUL; json.loads a string that no frame can hold, so the careful
    reader fails). `extract` is the text, or the bytes if UTF-8 (which Polars checks)."""
    id_col = spec.columns["source_record_id"]
    utf8 = extract.encode("utf-8") if isinstance(extract, str) else extract
    head = utf8 if len(utf8) <= _KEY_SAMPLE_BYTES else utf8[:utf8.rfind(b"\n", 0, _KEY_SAMPLE_BYTES) + 1]
    try:
        objects = [json.loads(line) for line in head.decode("utf-8").splitlines()]
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    keys = list(dict.fromkeys(k for o in objects if isinstance(o, dict) for k in o))
    if not isinstance(id_col, str) or id_col not in keys:
        return None
    key = "|".join(re.escape(json.dumps(k, ensure_ascii=False)) for k in keys)
    pair = rf"(?:{key})[ \t]*:[ \t]*(?:{_JSON_STRING}|null)[ \t]*"
    frame = _parse_clean(utf8, rf"[ \t]*\{{[ \t]*(?:{pair}(?:,[ \t]*{pair})*)?\}}[ \t]*", id_col, 0,
                         pl.scan_ndjson(utf8, schema=dict.fromkeys(keys, pl.String)))
    return None if frame is None else (keys, frame)


def _parse_clean(utf8: bytes, line: str, id_col: str, header_lines: int, parse: pl.LazyFrame) -> pl.DataFrame | None:
    """The rows `parse` reads from the UTF-8 text, numbered 1, 2...; None unless every line matches the regular
    expression `line` (Rust syntax), the rows are the lines after the header (so the numbers are the careful
    reader's) and each has its record id (blank as str.strip() sees it). Polars' CSV reader cuts the lines for
    the check, at LF (dropping a CR before one). The check runs first, on its own: Polars 2.1 can hang
    collecting it beside a parse that fails (collect_all)."""
    if _NUL.encode() in utf8:  # Polars would take it as a field's end: the careful readers quarantine it
        return None
    lines = pl.scan_csv(utf8, has_header=False, separator="\0", quote_char=None, schema={"line": pl.String})
    try:
        count, every_line_matches = lines.select(
            pl.len(), pl.col("line").fill_null("").str.contains(rf"\A{line}\z").all()).collect().row(0)
        if not every_line_matches or count != utf8.count(b"\n") + (not utf8.endswith(b"\n")):
            return None
        frame = parse.collect()
    except pl.exceptions.PolarsError:  # bytes that are not UTF-8, a NUL (a field separator here), bad JSON...
        return None
    if frame.height != count - header_lines or frame[id_col].fill_null("").str.strip_chars(_SPACE).eq("").any():
        return None
    frame = frame.rename({c: frame_column(c) for c in frame.columns})
    return frame.with_columns(row_number=pl.int_range(1, frame.height + 1, dtype=pl.Int64))


def _require_record_id(spec: SourceSpec, header: list[str], rows: list[tuple], quarantined: list[QuarantinedRow]):
    """A record without its system's key cannot be traced back to the source: quarantine it."""
    id_col = spec.columns["source_record_id"]
    if not isinstance(id_col, str) or id_col not in header:
        return rows
    i = header.index(id_col)
    kept = []
    for row in rows:
        if row[i] is None or not str(row[i]).strip():
            quarantined.append(QuarantinedRow(row[-1], id_col, "the record id is blank",
                                              _raw(["" if v is None else str(v) for v in row[:-1]])))
        else:
            kept.append(row)
    return kept


def extract_date_of(path: Path) -> date:
    m = _EXTRACT_NAME.match(path.name)
    if not m:
        raise ExtractError(path, "extract file names must be <YYYY-MM-DD>.<extension>")
    return date.fromisoformat(m.group(1))
