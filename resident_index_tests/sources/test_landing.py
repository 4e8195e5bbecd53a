"""Reading a landed extract: the fast paths for clean files read exactly as the careful line-by-line readers,
and any file they cannot vouch for goes to the careful readers, which quarantine what they must."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from resident_index.sources import landing
from resident_index.sources.spec import BUNDLED_REGISTRY, load_registry, load_spec
from resident_index.synthetic import generate_council

HEADER = "id,family,addr\n"


def _source(tmp_path: Path, content: str | bytes, **landing_spec) -> tuple:
    """A source `feed` (record id `id`) in a temporary registry, with `content` landed as its one extract."""
    landing_spec = {"folder": "feed", "format": "csv", "extension": "csv", **landing_spec}
    spec_path = tmp_path / "reg" / "feed.yaml"
    spec_path.parent.mkdir(exist_ok=True)
    spec_path.write_text(yaml.safe_dump({
        "name": "feed", "title": "Feed", "description": "A test feed.", "data_owner": "Someone",
        "lawful_basis": "UK GDPR 6(1)(e)", "retention": "1 year", "landing": landing_spec,
        "columns": {"source_record_id": "id", "surname": "family", "address": "addr"}}))
    spec = load_spec(spec_path)
    path = tmp_path / "landing" / "feed" / f"2026-11-01.{spec.landing.extension}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(spec.landing.encoding))
    return spec, path


def _fast_path(spec):
    return landing._clean_jsonl if spec.landing.format == "jsonl" else landing._clean_csv


def _takes_fast_path(spec, path: Path) -> bool:
    return _fast_path(spec)(spec, path.read_bytes().decode(spec.landing.encoding)) is not None


def _read(spec, path: Path):
    """What read_extract gives: columns, frame, quarantined rows; or the message of the error it raises."""
    try:
        got = landing.read_extract(spec, path)
    except landing.ExtractError as exc:
        return str(exc)
    return got.columns, got.frame, [(q.row_number, q.column, q.reason, q.raw) for q in got.quarantined]


def _assert_reads_as_line_by_line(monkeypatch, spec, path: Path):
    fast = _read(spec, path)
    with monkeypatch.context() as m:
        m.setattr(landing, _fast_path(spec).__name__, lambda *args: None)
        careful = _read(spec, path)
    if isinstance(careful, str):
        assert fast == careful
    else:
        assert fast[0] == careful[0] and fast[1].equals(careful[1]) and fast[2] == careful[2]
    return fast


CLEAN_CSV = {
    "quoted delimiters and quotes": (HEADER + '1,"Smith, Jr",12 High St\n2,"O""Neil","Flat 1, ""The Mews"""\n', {}),
    "empty and padded fields": (HEADER + '1,,\n2,"",x\n3, Khan ,"  a  "\n4,"",""\n', {}),
    "crlf": (HEADER.replace("\n", "\r\n") + '1,Ng,"1 Mill Lane"\r\n2,Ali,\r\n3,Bo,""\r\n', {}),
    "no final newline": (HEADER + "1,Ng,x\n2,Ali,y", {}),
    "a byte order mark": ("\ufeff" + HEADER + "1,Ng,x\n", {}),
    "utf-8-sig": ("\ufeff" + HEADER + "1,Ng,x\n", {"encoding": "utf-8-sig"}),
    "pipes": (HEADER.replace(",", "|") + '1|Smith, Jr|"a|b"\n2|"O""Neil"|\n', {"delimiter": "|"}),
    "tabs": (HEADER.replace(",", "\t") + '1\tNg\t"x\ty"\n2\t\tz\n', {"delimiter": "\t", "extension": "tsv"}),
    "cp1252 and semicolons": (HEADER.replace(",", ";") + "1;Brontë;3 Église Road\r\n", {"delimiter": ";",
                                                                                      "encoding": "cp1252"}),
    "single quotes": (HEADER + "1,'O''Neil, Jr',x\n", {"quotechar": "'"}),
    "regex metacharacters": (HEADER + r"1,[a-z]*,\d+$ ^(x|y) {2}" + "\n", {}),
    "non-ascii": (HEADER + "1,Żak,Ünter Straße 😀\n", {}),
}


@pytest.mark.parametrize("case", CLEAN_CSV)
def test_a_clean_csv_file_reads_exactly_as_line_by_line(tmp_path, monkeypatch, case):
    content, landing_spec = CLEAN_CSV[case]
    spec, path = _source(tmp_path, content, **landing_spec)
    assert _takes_fast_path(spec, path)
    columns, frame, quarantined = _assert_reads_as_line_by_line(monkeypatch, spec, path)
    assert columns == ["id", "family", "addr"] and quarantined == []
    assert frame["row_number"].to_list() == list(range(1, frame.height + 1))


def test_quoted_fields_are_unquoted_and_blanks_are_null(tmp_path):
    spec, path = _source(tmp_path, CLEAN_CSV["quoted delimiters and quotes"][0] + '3,"",  \n')
    assert _takes_fast_path(spec, path)
    frame = landing.read_extract(spec, path).frame
    assert frame.rows() == [("1", "Smith, Jr", "12 High St", 1), ("2", 'O"Neil', 'Flat 1, "The Mews"', 2),
                            ("3", None, None, 3)]


@pytest.fixture(scope="module")
def synthetic_landing(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("synth") / "data"
    generate_council(300, seed=3, data_dir=data)
    return data / "landing"


def test_the_synthetic_councils_extracts_take_the_fast_path_and_read_as_line_by_line(synthetic_landing, monkeypatch):
    extracts = [(spec, path) for spec in load_registry(BUNDLED_REGISTRY)
                for path in sorted((synthetic_landing / spec.landing.folder).glob("*"))]
    assert {spec.landing.format for spec, _ in extracts} == {"csv", "jsonl"} and len(extracts) >= 20
    for spec, path in extracts:
        assert _takes_fast_path(spec, path), path
        _assert_reads_as_line_by_line(monkeypatch, spec, path)


UNCLEAN_CSV = {  # the middle record of three (the good ones are ids 1 and 3) -> rows read, rows quarantined
    "too few fields": ("2,Ng\n", [1, 3], [(2, None, "expected 3 fields, found 2 (line 3)")]),
    "too many fields": ("2,Ng,x,y\n", [1, 3], [(2, None, "expected 3 fields, found 4 (line 3)")]),
    "a malformed quote": ('2,"Ng"x,y\n', [1, 3], [(2, None, "malformed CSV at line 3: ',' expected after '\"'")]),
    "a blank record id": (" ,Ng,x\n", [1, 3], [(2, "id", "the record id is blank")]),
    "a blank line": ("\n", [1, 2], []),
    "a line of blanks": (" , ,\t\n", [1, 2], []),
    "a quoted field over two lines": ('2,"Ng\nJr",x\n', [1, 2, 3], []),
    "a carriage return in a field": ("2,Ng\r,x\n", [1, 4], [(2, None, "expected 3 fields, found 2 (line 3)"),
                                                          (3, None, "expected 3 fields, found 2 (line 4)")]),
    "a quote inside an unquoted field": ('2,N"g,x\n', [1, 2, 3], []),
    "a NUL": ("2,N\0g,x\n", [1, 3], [(2, "family", "contains a NUL byte (0x00)")]),
    "a record id only str.strip() sees as blank": ("\x1f,Ng,x\n", [1, 3], [(2, "id", "the record id is blank")]),
}


@pytest.mark.parametrize("case", UNCLEAN_CSV)
def test_an_unclean_csv_file_is_read_line_by_line_and_quarantined(tmp_path, case):
    middle, row_numbers, quarantined = UNCLEAN_CSV[case]
    spec, path = _source(tmp_path, HEADER + "1,Khan,a\n" + middle + "3,Ali,c\n")
    assert not _takes_fast_path(spec, path)
    got = landing.read_extract(spec, path)
    assert got.frame["row_number"].to_list() == row_numbers
    assert [(q.row_number, q.column, q.reason) for q in got.quarantined] == quarantined


#: what a row of a file declared UTF-8 is quarantined for when it holds byte 0xEB (cp1252's ë)
NOT_UTF8 = ("byte 0xEB is not valid utf-8 (is the file in another encoding? In cp1252 it is 'ë': if the whole "
            "file is cp1252, set `landing.encoding: cp1252` in the source's YAML)")


def test_a_bad_byte_names_the_row_and_column(tmp_path):
    spec, path = _source(tmp_path, (HEADER + "1,Khan,a\n2,Bront\xeb,b\n").encode("cp1252"))
    got = landing.read_extract(spec, path)
    assert got.frame["id"].to_list() == ["1"]
    assert [(q.row_number, q.column, q.reason) for q in got.quarantined] == [
        (2, "family", NOT_UTF8)]


def test_a_bad_byte_in_the_header_rejects_the_file(tmp_path):
    spec, path = _source(tmp_path, "id,famill\xe9,addr\n1,Khan,a\n".encode("cp1252"))
    with pytest.raises(landing.ExtractError, match="row 0: byte 0xE9 is not valid utf-8"):
        landing.read_extract(spec, path)


def test_a_bad_byte_in_a_jsonl_file_names_the_row(tmp_path):
    spec, path = _source(tmp_path, '{"id": "1"}\n{"id": "2", "family": "Bront\xeb"}\n'.encode("cp1252"),
                         format="jsonl", extension="jsonl")
    got = landing.read_extract(spec, path)
    assert [(q.row_number, q.reason) for q in got.quarantined] == [
        (2, NOT_UTF8)]


def test_a_codec_that_decodes_to_lone_surrogates_still_has_them_quarantined(tmp_path):
    # strict UTF-7 decodes "+3IA-" to U+DC80, as undecodable byte 0x80 would be: the row is quarantined as before
    spec, path = _source(tmp_path, (HEADER + "1,Khan,a\n2,Ng+3IA-,b\n").encode("ascii"), encoding="utf-7")
    got = landing.read_extract(spec, path)
    assert got.frame["id"].to_list() == ["1"]
    assert [(q.row_number, q.column) for q in got.quarantined] == [(2, "family")]


class _Unsearchable:
    def search(self, text):
        raise AssertionError("a file that decodes was searched for bad bytes")


@pytest.mark.parametrize(("content", "landing_spec"), [
    (HEADER + "1,Khan,a\n", {}),                                             # CSV, fast path
    (HEADER + "1,Khan,a\n2,Ng\n", {}),                                      # CSV, read line by line
    ('{"id": "1"}\n', {"format": "jsonl", "extension": "jsonl"}),            # JSON lines, fast path
    ('{"id": "1"}\n{"id": 2}\n', {"format": "jsonl", "extension": "jsonl"}),  # JSON lines, line by line
])
def test_a_file_that_decodes_is_not_searched_for_bad_bytes(tmp_path, monkeypatch, content, landing_spec):
    spec, path = _source(tmp_path, content, **landing_spec)
    monkeypatch.setattr(landing, "_BAD_BYTES", _Unsearchable())
    assert landing.read_extract(spec, path).frame.height >= 1


@pytest.fixture
def field_size_limit():
    old = csv.field_size_limit(10)
    yield 10
    csv.field_size_limit(old)


def test_a_field_longer_than_the_csv_module_takes_is_quarantined(tmp_path, field_size_limit):
    spec, path = _source(tmp_path, HEADER + "1,Khan,a\n2,Ng," + "x" * (field_size_limit + 1) + "\n")
    assert not _takes_fast_path(spec, path)
    got = landing.read_extract(spec, path)
    [quarantined] = got.quarantined
    assert quarantined.row_number == 2 and "field larger than field limit" in quarantined.reason


def _jsonl(tmp_path, lines: list[str]):
    return _source(tmp_path, "".join(line + "\n" for line in lines), format="jsonl", extension="jsonl")


def test_a_clean_jsonl_file_with_escapes_reads_exactly_as_line_by_line(tmp_path, monkeypatch):
    spec, path = _jsonl(tmp_path, [
        '{"id": "1", "family": "O\\"Neil \\\\ \\/ \\u00e9 \\ud83d\\ude00 Żak", "addr": null}\r',
        '{"addr":"2 Mill Lane\\nFlat 1","id":"2"}',
        '\t{ "id" : "3" , "town" : "Northbridge" }  '])                  # a key first seen on line 3
    assert _takes_fast_path(spec, path)
    columns, frame, quarantined = _assert_reads_as_line_by_line(monkeypatch, spec, path)
    assert columns == ["id", "family", "addr", "town"] and quarantined == []
    assert frame["family"][0] == 'O"Neil \\ / é 😀 Żak'


FIRST = '{"id": "1", "family": "Khan"}'
UNCLEAN_JSONL = {  # a second line the fast path cannot vouch for
    "a boolean among strings": '{"id": "2", "family": true}',
    "a number among strings": '{"id": "2", "family": 3}',
    "an object": '{"id": "2", "family": {"a": "b"}}',
    "a raw tab in a string": '{"id": "2", "family": "a\tb"}',
    "a raw line separator in a string": '{"id": "2", "family": "a\u2028b"}',
    "a record id only str.strip() sees as blank": '{"id": "\\u001f", "family": "Ng"}',
    "not an object": '["2", "Ng"]',
    "an escaped NUL": '{"id": "2", "family": "N\\u0000g"}',
    "a lone surrogate escape": '{"id": "2", "family": "N\\ud800g"}',
    "a blank line": "",
}


@pytest.mark.parametrize("case", UNCLEAN_JSONL)
def test_an_unclean_jsonl_file_is_read_line_by_line(tmp_path, monkeypatch, case):
    spec, path = _jsonl(tmp_path, [FIRST, UNCLEAN_JSONL[case], '{"id": "3"}'])
    monkeypatch.setattr(landing, "_KEY_SAMPLE_BYTES", len(FIRST) + 2)  # the columns from the first line only
    assert not _takes_fast_path(spec, path)
    _assert_reads_as_line_by_line(monkeypatch, spec, path)


def test_a_non_string_value_is_read_as_python_writes_it(tmp_path):
    spec, path = _jsonl(tmp_path, [FIRST, UNCLEAN_JSONL["a boolean among strings"]])
    assert landing.read_extract(spec, path).frame["family"].to_list() == ["Khan", "True"]


def test_a_key_first_seen_after_the_sampled_lines_is_not_dropped(tmp_path, monkeypatch):
    lines = [f'{{"id": "{i}", "family": "Khan"}}' for i in range(50)]
    spec, path = _jsonl(tmp_path, [*lines, '{"id": "x", "late": "y"}'])
    monkeypatch.setattr(landing, "_KEY_SAMPLE_BYTES", 200)
    assert not _takes_fast_path(spec, path)
    got = landing.read_extract(spec, path)
    assert got.columns == ["id", "family", "late"] and got.frame["late"].to_list()[-1] == "y"
