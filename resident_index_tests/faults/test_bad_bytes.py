"""Bad bytes: an extract in another encoding than its YAML says, NULs, a mapped column gone, names in other
scripts, a record too long to keep whole, source columns named like the index's own, repeated record ids.
Nothing is staged wrong, nothing is lost, and the engineer is told the file, row and column."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from resident_index.quality.suite import default_suite, run_suite, validation_frame
from resident_index.sources import landing
from resident_index.sources.spec import load_spec
from resident_index.sources.staging import stage_extract

pytestmark = pytest.mark.faults

DAY = date(2026, 11, 1)
HEADER = "id,first,family,addr\n"
JSONL = {"format": "jsonl", "extension": "jsonl"}


def _source(tmp_path: Path, content: str | bytes, columns: dict | None = None, **landing_spec):
    """A source `feed` with `content` landed as its one extract; (spec, path)."""
    spec_path = tmp_path / "registry" / "feed.yaml"
    spec_path.parent.mkdir(exist_ok=True)
    spec_path.write_text(yaml.safe_dump({
        "name": "feed", "title": "Feed", "description": "A test feed.", "data_owner": "Someone",
        "lawful_basis": "UK GDPR 6(1)(e)", "retention": "1 year",
        "landing": {"folder": "feed", "format": "csv", "extension": "csv", **landing_spec},
        "columns": columns or {"source_record_id": "id", "forename": "first", "surname": "family",
                               "address": "addr"}}))
    spec = load_spec(spec_path)
    path = spec.landing.extract_path(tmp_path / "landing", DAY)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return spec, path


def _quarantined(extract) -> list[tuple]:
    return [(q.row_number, q.column, q.reason, q.raw) for q in extract.quarantined]


def _careful(monkeypatch, spec, path):
    """read_extract with the fast Polars paths turned off: the careful line-by-line readers alone."""
    with monkeypatch.context() as m:
        m.setattr(landing, "_clean_csv", lambda *args: None)
        m.setattr(landing, "_clean_jsonl", lambda *args: None)
        return landing.read_extract(spec, path)


# --- 1. declared encoding against the file's ---------------------------------------------------------

@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "iso-8859-15"])
def test_a_utf8_file_declared_in_a_single_byte_encoding_is_refused_naming_row_and_column(tmp_path, con, encoding):
    spec, path = _source(tmp_path, HEADER + "1,Ann,Smith,1 High St\n2,Jürgen,MÜLLER,2 Mill Lane\n", encoding=encoding)
    with pytest.raises(landing.ExtractError) as raised:
        landing.read_extract(spec, path)
    error = raised.value
    assert (error.path, error.row, error.column) == (path, 2, "first")
    assert "the file is UTF-8" in str(error) and "set `landing.encoding: utf-8`" in str(error)
    assert f"{path}, row 2, column 'first'" in str(error)

    result = stage_extract(con, spec, DAY, path)  # staged: rejected, every row kept, no mojibake anywhere
    assert result.error is not None and result.rows_staged == 0
    assert con.execute("SELECT status, rows_landed, rows_quarantined FROM landing_log").fetchone() == ("rejected", 2, 2)
    assert con.execute("SELECT count(*) FROM staging.feed").fetchone() == (0,)


def test_a_utf8_jsonl_file_declared_cp1252_is_refused_naming_row_and_column(tmp_path):
    lines = ['{"id": "1", "family": "Smith"}', '{"id": "2", "family": "MÜLLER", "first": "Jürgen"}']
    spec, path = _source(tmp_path, "\n".join(lines) + "\n", encoding="cp1252", **JSONL)
    with pytest.raises(landing.ExtractError, match="row 2, column 'family': the file is UTF-8"):
        landing.read_extract(spec, path)


def test_a_real_cp1252_file_still_reads_and_a_utf8_header_is_row_0(tmp_path):
    spec, path = _source(tmp_path, (HEADER + "1,Zoë,Brontë,3 Église Road\n").encode("cp1252"), encoding="cp1252")
    assert landing.read_extract(spec, path).frame.row(0) == ("1", "Zoë", "Brontë", "3 Église Road", 1)
    spec, path = _source(tmp_path, "id,first,famïly,addr\n1,Ann,Smith,x\n", encoding="cp1252")
    with pytest.raises(landing.ExtractError, match="row 0, column 'famïly'"):
        landing.read_extract(spec, path)


def test_a_cp1252_file_declared_utf8_has_its_rows_quarantined_saying_what_to_set(tmp_path):
    spec, path = _source(tmp_path, (HEADER + "1,Ann,Smith,x\n2,Zoë,Brontë,y\n").encode("cp1252"))
    extract = landing.read_extract(spec, path)
    assert extract.frame["id"].to_list() == ["1"]
    [(row, column, reason, raw)] = _quarantined(extract)
    assert (row, column) == (2, "first")
    assert reason.startswith("byte 0xEB is not valid utf-8 (is the file in another encoding?")
    assert "In cp1252 it is 'ë'" in reason and "set `landing.encoding: cp1252`" in reason
    assert raw == "2\u241fZo\\xeb\u241fBront\\xeb\u241fy"


# --- 2. NUL bytes ------------------------------------------------------------------------------------

NUL_FILES = {
    "csv": (HEADER + "1,Ann,Smith,x\n2,Ja\0ck,Jones,y\n3,Bo,Ng,z\n", {}, "2\u241fJa\\x00ck\u241fJones\u241fy"),
    "csv, last field": (HEADER + "1,Ann,Smith,x\n2,Jack,Jones,y\0\n3,Bo,Ng,z\n", {}, "2\u241fJack\u241fJones\u241fy\\x00"),
    "jsonl, escaped": ('{"id": "1", "first": "Ann"}\n{"id": "2", "first": "Ja\\u0000ck"}\n{"id": "3", "first": "Bo"}\n',
                       JSONL, '{"id": "2", "first": "Ja\\u0000ck"}'),
    "jsonl, raw": ('{"id": "1", "first": "Ann"}\n{"id": "2", "first": "Ja\0ck"}\n{"id": "3", "first": "Bo"}\n',
                   JSONL, '{"id": "2", "first": "Ja\\x00ck"}'),
}


@pytest.mark.parametrize("case", NUL_FILES)
def test_a_nul_byte_quarantines_its_row_naming_the_column_in_both_readers(tmp_path, monkeypatch, case):
    content, landing_spec, raw = NUL_FILES[case]
    spec, path = _source(tmp_path, content, **landing_spec)
    fast, careful = landing.read_extract(spec, path), _careful(monkeypatch, spec, path)
    column = "addr" if case == "csv, last field" else "first"
    assert _quarantined(fast) == _quarantined(careful) == [(2, column, "contains a NUL byte (0x00)", raw)]
    assert fast.frame.equals(careful.frame) and fast.frame["id"].to_list() == ["1", "3"]


def test_a_nul_byte_never_reaches_the_staged_records(tmp_path, con):
    spec, path = _source(tmp_path, NUL_FILES["csv"][0])
    result = stage_extract(con, spec, DAY, path)
    assert sorted(result.records["forename"].to_list()) == ["ANN", "BO"]  # not "JA"
    assert con.execute("SELECT row_number, column_name, reason, raw_record FROM quarantine").fetchall() == [
        (2, "first", "contains a NUL byte (0x00)", NUL_FILES["csv"][2])]


def test_a_nul_in_the_header_rejects_the_file_naming_it(tmp_path):
    spec, path = _source(tmp_path, "id,fir\0st,family,addr\n1,Ann,Smith,x\n")
    with pytest.raises(landing.ExtractError, match=r"row 0, column 'fir\\x00st': the header contains a NUL"):
        landing.read_extract(spec, path)


# --- 3. a mapped optional column missing ---------------------------------------------------------------

def test_a_missing_mapped_optional_column_is_reported_with_the_fields_it_feeds(tmp_path):
    columns = {"source_record_id": "id", "forename": "first", "surname": "family", "address": ["addr", "town"],
               "email": "mail"}
    spec, path = _source(tmp_path, HEADER + "1,Ann,Smith,x\n", columns=columns)
    extract = landing.read_extract(spec, path)
    assert extract.missing_columns == {"town": ["address"], "mail": ["email"]}
    spec, path = _source(tmp_path, '{"id": "1", "first": "Ann"}\n{"id": "2", "mail": "a@b.org"}\n', columns=columns,
                         **JSONL)
    assert landing.read_extract(spec, path).missing_columns == {"family": ["surname"], "addr": ["address"],
                                                               "town": ["address"]}


# --- 4. names in other scripts ------------------------------------------------------------------------

def test_names_in_other_scripts_are_transliterated_for_matching_and_kept_as_written(tmp_path, con):
    rows = ["1,Иван,Петров,x", "2,محمد,علي,x", "3,Γιώργος,Παπαδόπουλος,x", "4,小明,王,x", "5,Zoë,O’Brien,x"]
    spec, path = _source(tmp_path, HEADER + "\n".join(rows) + "\n")
    stage_extract(con, spec, DAY, path)
    assert con.execute("SELECT name_raw, forename, surname FROM staging.feed ORDER BY row_number").fetchall() == [
        ("Иван Петров", "IVAN", "PETROV"), ("محمد علي", "MHMD", "LY"),
        ("Γιώργος Παπαδόπουλος", "GIORGOS", "PAPADOPOYLOS"), ("小明 王", "XIAOMING", "WANG"),
        ("Zoë O’Brien", "ZOE", "O'BRIEN")]


# --- 5. a quarantined row keeps its raw text ---------------------------------------------------------------

def test_a_10_mb_field_is_quarantined_with_its_raw_text_cut_and_its_length_noted(tmp_path, con):
    big = "x" * (10 << 20)
    spec, path = _source(tmp_path, HEADER + f"1,Ann,Smith,a\n2,Bo,Ng,{big}\n3,Cy,Li,c\n")
    result = stage_extract(con, spec, DAY, path)
    assert result.records["source_record_id"].to_list() == ["1", "3"]
    [(row, reason, raw)] = con.execute("SELECT row_number, reason, raw_record FROM quarantine").fetchall()
    assert row == 2 and "field larger than field limit" in reason
    assert raw.startswith("2,Bo,Ng,xxx") and raw.endswith(f"\u2026[truncated: {len(big) + 9:,} characters]")
    assert len(raw) <= landing.RAW_LIMIT


def test_a_malformed_csv_record_keeps_its_raw_text(tmp_path):
    spec, path = _source(tmp_path, HEADER + '1,Ann,Smith,x\n2,"Bo"x,Ng,y\n3,Cy,Li,z\n')
    [(row, column, reason, raw)] = _quarantined(landing.read_extract(spec, path))
    assert (row, reason, raw) == (2, "malformed CSV at line 3: ',' expected after '\"'", '2,"Bo"x,Ng,y\n')


def test_every_row_of_a_rejected_file_keeps_a_bounded_raw_text(tmp_path, con):
    spec, path = _source(tmp_path, "id,first,surname_only\n1,Ann," + "y" * 50_000 + "\n")  # no `family` column
    spec = spec.model_copy(update={"required_columns": ["family"]})
    result = stage_extract(con, spec, DAY, path)
    [(raw,)] = con.execute("SELECT raw_record FROM quarantine").fetchall()
    assert result.error is not None and raw.endswith("\u2026[truncated: 50,006 characters]")
    assert len(raw) <= landing.RAW_LIMIT


# --- 6. source columns named like the index's own ----------------------------------------------------------

RESERVED = ["row_number", "raw_hash", "__standardised_by", "source:ward"]


@pytest.mark.parametrize("landing_spec", [{}, JSONL], ids=["csv", "jsonl"])
def test_source_columns_named_like_internal_columns_keep_their_values(tmp_path, con, landing_spec):
    records = [{"id": "A1", "family": "Smith", "row_number": "70", "raw_hash": "h1", "__standardised_by": "me",
                "source:ward": "W1"},
               {"id": "A2", "family": "Jones", "row_number": "71", "raw_hash": "h2", "__standardised_by": "you",
                "source:ward": "W2"}]
    if landing_spec:
        content = "".join(json.dumps(r) + "\n" for r in records)
    else:
        content = ",".join(records[0]) + "\n" + "".join(",".join(r.values()) + "\n" for r in records)
    spec, path = _source(tmp_path, content, columns={"source_record_id": "id", "surname": "family",
                                                     "shared_id": "raw_hash"}, **landing_spec)
    result = stage_extract(con, spec, DAY, path)
    assert result.error is None
    staged = con.execute("""SELECT source_record_id, row_number, shared_id, source_attributes FROM staging.feed
                            ORDER BY row_number""").fetchall()
    assert [s[:3] for s in staged] == [("A1", 1, "H1"), ("A2", 2, "H2")]  # mapped: raw_hash -> shared_id
    assert [json.loads(s[3]) for s in staged] == [  # unmapped: kept under their own names
        {"row_number": "70", "__standardised_by": "me", "source:ward": "W1"},
        {"row_number": "71", "__standardised_by": "you", "source:ward": "W2"}]


def test_a_mapped_column_named_row_number_feeds_its_field(tmp_path, con):
    spec, path = _source(tmp_path, "id,family,row_number\nA1,Smith,1234567890\n",
                         columns={"source_record_id": "id", "surname": "family", "uprn": "row_number"})
    stage_extract(con, spec, DAY, path)
    assert con.execute("SELECT row_number, uprn, source_attributes FROM staging.feed").fetchall() == [
        (1, "1234567890", None)]


# --- 7. repeated record ids named ------------------------------------------------------------------------

def test_the_duplicate_id_check_names_the_ids_and_their_rows(tmp_path, con):
    ids = ["A", "B", "A", "C", "B", "A", *(f"X{i}" for i in range(25) for _ in range(2)), "D"]
    spec, path = _source(tmp_path, HEADER + "".join(f"{i},Ann,Smith,x\n" for i in ids))
    result = stage_extract(con, spec, DAY, path)
    suite = default_suite(spec)
    outcomes = {o.name: o for o in run_suite(suite, validation_frame(result.records, suite), {"min_rows": 1,
                                                                                            "max_rows": None})}
    check = outcomes["unique_record_ids"]
    assert not check.passed
    duplicates = check.metadata["duplicates(source_record_id)"]
    assert duplicates["values_repeated"] == 27
    examples = duplicates["first_20"]
    assert list(examples)[:4] == ["A", "B", "X0", "X1"] and len(examples) == 20
    assert examples["A"] == [1, 3, 6] and examples["B"] == [2, 5] and examples["X0"] == [7, 8]


def test_a_missing_mapped_optional_column_warns_on_the_source_asset(tmp_path, monkeypatch):
    import dagster as dg
    import duckdb

    from resident_index_tests.conftest import LIBRARY_HEADER, LIBRARY_ROWS, materialize_extract, write_library_source

    data = tmp_path / "data"
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(data))
    header = LIBRARY_HEADER.replace(",Email", "").replace(",Addr2", "")  # two optional mapped columns gone
    rows = [r.split(",") for r in LIBRARY_ROWS]
    rows = [",".join(r[:5] + r[6:7] + r[8:]) for r in rows]
    spec = write_library_source(tmp_path / "registry", data / "landing", header=header, rows=rows)
    result = materialize_extract(spec, tmp_path / "w.duckdb")
    assert result.success  # a WARN: the extract is still accepted
    check = {e.check_name: e for e in result.get_asset_check_evaluations()}["mapped_columns_present"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["missing_columns"].value == 2
    assert check.metadata["fields_left_empty"].value == {"Addr2": ["address"], "Email": ["email"]}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("SELECT accepted FROM landing_log").fetchone() == (True,)
