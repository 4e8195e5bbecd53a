"""Names: how the same resident's name, written differently by each council system, comes out the same."""

from __future__ import annotations

import polars as pl
import pytest

from resident_index.standardise._unique import map_unique
from resident_index.standardise.names import (
    _canonical,
    _nickname_tables,
    canonical_forename,
    clean_name,
    forename_variants,
    split_full_name,
    strip_titles,
)


def one(fn, value):
    return fn(pl.Series([value])).item()


@pytest.mark.parametrize(("raw", "clean"), [
    ("Zoë", "ZOE"),
    ("  siobhán  ", "SIOBHAN"),
    ("Łucja", "LUCJA"),
    ("O' Brien", "O'BRIEN"),
    ("o’brien", "O'BRIEN"),
    ("O'BRIEN", "O'BRIEN"),
    ("Smith - Jones", "SMITH-JONES"),
    ("Mary  Ann", "MARY ANN"),
    ("St. John", "ST JOHN"),
    ("'Jim'", "JIM"),
    ("Smith2", "SMITH"),
    ("", None),
    ("  ", None),
    ("---", None),
    ("李", "LI"),  # other scripts are transliterated (anyascii), not dropped
    ("Петров", "PETROV"),
    ("Παπαδόπουλος", "PAPADOPOYLOS"),
    ("محمد", "MHMD"),
    ("Smith 😀", "SMITH"),  # symbols are still dropped, not spelled out
    (None, None),
])
def test_clean_name_gives_one_upper_case_ascii_spelling(raw, clean):
    assert one(clean_name, raw) == clean


FORENAME_FIRST = [
    # raw, title, forename, middle_names, surname
    ("Mr John Paul Smith", "MR", "JOHN", "PAUL", "SMITH"),
    ("SMITH, John Paul", None, "JOHN", "PAUL", "SMITH"),
    ("Dr. A. J. Smith", "DR", "A", "J", "SMITH"),
    ("DR.A.J.SMITH", "DR", "A", "J", "SMITH"),
    ("Mrs Zoë O' Brien", "MRS", "ZOE", None, "O'BRIEN"),
    ("Sean O'Neill", None, "SEAN", None, "O'NEILL"),
    ("Anna van der Berg", None, "ANNA", None, "VAN DER BERG"),
    ("Mary Smith - Jones", None, "MARY", None, "SMITH-JONES"),
    ("Ms Priya Patel-Shah", "MS", "PRIYA", None, "PATEL-SHAH"),
    ("Mx Alex Taylor", "MX", "ALEX", None, "TAYLOR"),
    ("Revd Canon Jane Smith", "REV CANON", "JANE", None, "SMITH"),
    ("The Rev. David Jones", "REV", "DAVID", None, "JONES"),
    ("Prof Sir Alan Hughes", "PROF SIR", "ALAN", None, "HUGHES"),
    ("Dame Judith Evans", "DAME", "JUDITH", None, "EVANS"),
    ("Lady Sarah Armstrong-Jones", "LADY", "SARAH", None, "ARMSTRONG-JONES"),
    ("Master Oliver Khan", "MASTER", "OLIVER", None, "KHAN"),
    ("John Smith Jr", None, "JOHN", None, "SMITH"),  # suffixes are dropped
    ("Peter Jones Snr", None, "PETER", None, "JONES"),
    ("Henry Wood III", None, "HENRY", None, "WOOD"),
    ("James 'Jim' Murphy", None, "JAMES", None, "MURPHY"),  # a quoted nickname is not a middle name
    ("Dean Walsh", None, "DEAN", None, "WALSH"),  # a forename that is also a title elsewhere
    ("  jane   SMITH ", None, "JANE", None, "SMITH"),
    ("Mr Smith", "MR", None, None, "SMITH"),
    ("Miss", "MISS", None, None, None),
]


@pytest.mark.parametrize(("raw", "title", "forename", "middle", "surname"), FORENAME_FIRST)
def test_split_full_name_forename_first(raw, title, forename, middle, surname):
    row = split_full_name(pl.Series([raw]), "forename_first").row(0)
    assert row == (title, forename, middle, surname)


SURNAME_FIRST = [
    ("SMITH John", None, "JOHN", None, "SMITH"),
    ("SMITH JOHN PAUL", None, "JOHN", "PAUL", "SMITH"),
    ("SMITH, John Paul", None, "JOHN", "PAUL", "SMITH"),
    ("VAN DER BERG ANNA", None, "ANNA", None, "VAN DER BERG"),
    ("DA SILVA MARIA", None, "MARIA", None, "DA SILVA"),
    ("ST JOHN ANNA", None, "ANNA", None, "ST JOHN"),
    ("O'NEILL MARY", None, "MARY", None, "O'NEILL"),
    ("SMITH-JONES MARY ANNE", None, "MARY", "ANNE", "SMITH-JONES"),
    ("MRS SMITH JANE", "MRS", "JANE", None, "SMITH"),
    ("SMITH MRS JANE", "MRS", "JANE", None, "SMITH"),
    ("SMITH JOHN JNR", None, "JOHN", None, "SMITH"),
    ("SMITH", None, None, None, "SMITH"),  # one word in a surname-first field is a surname
    ("MRS SMITH", "MRS", None, None, "SMITH"),
    ("LORD JOHN PAUL", None, "JOHN", "PAUL", "LORD"),  # Lord is also an English surname
]


@pytest.mark.parametrize(("raw", "title", "forename", "middle", "surname"), SURNAME_FIRST)
def test_split_full_name_surname_first(raw, title, forename, middle, surname):
    row = split_full_name(pl.Series([raw]), "surname_first").row(0)
    assert row == (title, forename, middle, surname)


def test_split_full_name_returns_four_string_columns_and_nulls_for_blanks():
    out = split_full_name(pl.Series(["Mr John Smith", None, "", "   "]), "forename_first")
    assert out.schema == pl.Schema({c: pl.String for c in ("title", "forename", "middle_names", "surname")})
    assert out.height == 4
    assert out.slice(1).null_count().row(0) == (3, 3, 3, 3)


def test_strip_titles_separates_a_title_typed_into_the_forename_box():
    title, forename = strip_titles(pl.Series(["MRS JANE", "Mr. John", "Dr Priya", "Prof Sir Alan", "Revd Ann",
                                              "JANE", "Dean", "MISS", None]))
    assert title.name == "title" and forename.name == "forename"
    assert title.to_list() == ["MRS", "MR", "DR", "PROF SIR", "REV", None, None, "MISS", None]
    assert forename.to_list() == ["JANE", "JOHN", "PRIYA", "ALAN", "ANN", "JANE", "DEAN", None, None]


NICKNAMES = [
    ("BILL", "WILLIAM"), ("BILLY", "WILLIAM"), ("WILL", "WILLIAM"), ("BOB", "ROBERT"), ("BOBBY", "ROBERT"),
    ("ROB", "ROBERT"), ("ROBBIE", "ROBERT"), ("JON", "JOHN"), ("JOHNNY", "JOHN"), ("LIZ", "ELIZABETH"),
    ("LIZZIE", "ELIZABETH"), ("BETH", "ELIZABETH"), ("BETTY", "ELIZABETH"), ("PEGGY", "MARGARET"),
    ("MAGGIE", "MARGARET"), ("JIM", "JAMES"), ("JIMMY", "JAMES"), ("JAMIE", "JAMES"),
    ("SASHA", "ALEXANDER"), ("ALEX", "ALEXANDER"), ("DICK", "RICHARD"), ("RICK", "RICHARD"),
    ("TED", "EDWARD"), ("NED", "EDWARD"), ("EDDIE", "EDWARD"), ("MIKE", "MICHAEL"), ("MICK", "MICHAEL"),
    ("DAVE", "DAVID"), ("ANDY", "ANDREW"), ("TONY", "ANTHONY"), ("CHRIS", "CHRISTOPHER"),
    ("CHARLIE", "CHARLES"), ("FRED", "FREDERICK"), ("JOE", "JOSEPH"), ("MATT", "MATTHEW"),
    ("BEN", "BENJAMIN"), ("TOM", "THOMAS"), ("DAN", "DANIEL"), ("NICK", "NICHOLAS"), ("STEVE", "STEVEN"),
    ("GEOFF", "GEOFFREY"), ("PHIL", "PHILIP"), ("KATE", "KATHERINE"), ("CATHY", "CATHERINE"),
    ("SUE", "SUSAN"), ("SALLY", "SARAH"), ("POLLY", "MARY"), ("MOLLY", "MARY"), ("DEBBIE", "DEBORAH"),
    ("BECKY", "REBECCA"), ("JENNY", "JENNIFER"), ("VICKY", "VICTORIA"), ("ABBIE", "ABIGAIL"),
    ("ALF", "ALFRED"), ("RON", "RONALD"), ("LEN", "LEONARD"), ("GERRY", "GERALD"),
    ("MEG", "MEGAN"),  # by truncation; MEG still matches MARGARET through forename_variants
]


@pytest.mark.parametrize(("nickname", "formal"), NICKNAMES)
def test_canonical_forename_resolves_common_english_nicknames(nickname, formal):
    assert one(canonical_forename, nickname) == formal


@pytest.mark.parametrize("name", ["WILLIAM", "JOHN", "ROBERT", "JAMES", "MARY", "MARGARET", "ELIZABETH",
                                  "JANE", "ANN", "ANNE", "HENRY", "IAN", "GARY", "JACK", "HARRY", "ERIN",
                                  "ALI", "NATHAN", "MEGAN"])
def test_canonical_forename_keeps_formal_and_standalone_names(name):
    # JACK and HARRY are registered names in their own right; mapping them to JOHN/HENRY would give
    # a father John and his son Jack the same canonical forename.
    assert one(canonical_forename, name) == name


def test_canonical_forename_leaves_unknown_names_alone_and_cleans_its_input():
    out = canonical_forename(pl.Series(["Oluwaseun", "ZBIGNIEW", " bill ", "Mary Ann", None, ""]))
    assert out.to_list() == ["OLUWASEUN", "ZBIGNIEW", "WILLIAM", "MARY ANN", None, None]


def test_canonical_forename_is_its_own_canonical_form_across_the_whole_nickname_list():
    nicknames, formals = _nickname_tables()
    for name in set(nicknames) | set(formals):
        assert _canonical(_canonical(name)) == _canonical(name), name


def test_spellings_listed_as_each_others_nickname_agree_on_one_canonical_form():
    assert one(canonical_forename, "ALLAN") == one(canonical_forename, "ALLEN")
    assert one(canonical_forename, "CARLA") == one(canonical_forename, "KARLA")


def test_forename_variants_overlap_for_nickname_and_formal_name():
    bill, william, peggy, unknown, missing = forename_variants(
        pl.Series(["Bill", "WILLIAM", "peggy", "Oluwaseun", None])).to_list()
    assert bill == william and {"BILL", "BILLY", "WILL", "WILLIAM"} <= set(bill)
    assert {"PEGGY", "MARGARET", "MAGGIE", "MEG"} <= set(peggy)
    assert peggy == sorted(set(peggy))
    assert unknown == ["OLUWASEUN"]
    assert missing is None


def test_per_value_python_runs_once_per_distinct_value():
    calls = []
    out = map_unique(pl.Series("x", ["a", "b", "a", None, "a", "b"]), lambda v: calls.append(v) or v.upper(),
                     pl.String)
    assert out.to_list() == ["A", "B", "A", None, "A", "B"] and out.name == "x"
    assert sorted(calls) == ["a", "b"]


def test_names_in_any_order_are_read_by_comma_case_and_the_names_around_them():
    from resident_index.standardise.names import name_orders

    names = pl.Series(["Smith John", "SMITH John", "John SMITH", "JOHN SMITH", "SMITH, John", "Mrs Jane BROWN",
                       "BROWN JANE", "van der Berg Anna", "Anna", None])
    parts = split_full_name(names, "any")
    assert parts["forename"].to_list() == ["JOHN"] * 5 + ["JANE", "JANE", "ANNA", "ANNA", None]
    assert parts["surname"].to_list() == ["SMITH"] * 5 + ["BROWN", "BROWN", "VAN DER BERG", None, None]
    assert parts["title"][5] == "MRS"
    # a name the nickname data does not know is read as the other records of the column write it...
    column = pl.Series(["Piotr KOWALSKI", "NOWAK Piotr", "KOWALSKI PIOTR"])
    assert name_orders(column).to_list() == ["forename_first", "surname_first", "surname_first"]
    # ...or as other systems hold it (forenames and surnames kept apart there)
    alone = pl.Series(["KOWALSKI PIOTR"])
    assert name_orders(alone).to_list() == ["forename_first"]
    assert name_orders(alone, surnames={"KOWALSKI": 3}).to_list() == ["surname_first"]
    with pytest.raises(ValueError, match="'any'"):
        split_full_name(names, "backwards")
