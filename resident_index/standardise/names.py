"""Person names: one upper-case ASCII spelling, split into parts, with nickname-aware forms for matching.

Source systems disagree on case, accents, punctuation and word order ("SMITH, John", "Mr J. Smith"), so
every name part goes through `clean_name` before it is compared with anything. Names in other scripts
(Arabic, Cyrillic, Greek, Chinese...) are transliterated to ASCII letters by `anyascii` ("Иван" -> "IVAN");
the name as the source wrote it stays in the record's `name_raw`.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Literal

import polars as pl
from anyascii import anyascii
from nameparser import Lexicon, Parser
from nicknames import NickNamer

from resident_index.standardise._unique import map_unique, on_unique, replace_words, squash

#: Titles recognised in UK council data, in the spelling we output.
UK_TITLES = ("MR", "MRS", "MS", "MISS", "MX", "MASTER", "DR", "REV", "PROF", "SIR", "DAME", "LORD", "LADY")
#: Other spellings of those titles, mapped to the output spelling ("" drops the word).
TITLE_ALIASES = {"MISTER": "MR", "MISSUS": "MRS", "DOCTOR": "DR", "REVD": "REV", "REVEREND": "REV",
                 "PROFESSOR": "PROF", "THE": ""}
_TITLE_WORDS = frozenset(UK_TITLES) | frozenset(TITLE_ALIASES) - {"THE"}

# Letters NFKD does not split into base letter + accent.
_UNDECOMPOSED = {"Ø": "O", "Ł": "L", "Đ": "D", "Ð": "D", "Æ": "AE", "Œ": "OE", "Þ": "TH", "ß": "SS",
                 "ẞ": "SS"}
_APOSTROPHES = r"[’‘`´ʼ′]"


def _latin_upper(s: pl.Series) -> pl.Series:
    out = s.cast(pl.String).str.normalize("NFKD").str.replace_all(r"\p{M}+", "").str.to_uppercase()
    return out.str.replace_many(list(_UNDECOMPOSED), list(_UNDECOMPOSED.values())).str.replace_all(_APOSTROPHES, "'")


def _transliterate(text: str) -> str:
    """Letters of any script in ASCII (anyascii); anything else as it was, so symbols are still dropped."""
    return "".join(anyascii(c) if c.isalpha() and not c.isascii() else c for c in text)


def _ascii_upper(s: pl.Series) -> pl.Series:
    """Upper case with accents stripped ("Zoë" -> "ZOE", "Łukasz" -> "LUKASZ"); other scripts transliterated
    ("Петров" -> "PETROV", "王" -> "WANG"). A name whose letters are all Latin is not transliterated."""
    out = _latin_upper(s)
    other_script = out.str.contains(r"[\p{L}&&[^A-Za-z]]")
    if not other_script.any():
        return out
    transliterated = _latin_upper(map_unique(s.cast(pl.String), _transliterate, pl.String))
    return pl.select(pl.when(other_script).then(transliterated).otherwise(out)).to_series().alias(s.name)


def _join_marks(s: pl.Series) -> pl.Series:
    """Glue stray spaces around hyphens and single-letter prefixes: "O' BRIEN" -> "O'BRIEN", "A - B" -> "A-B"."""
    return s.str.replace_all(r"\b([A-Z]) ?' ?([A-Z])", "$1'$2").str.replace_all(r" ?- ?", "-")


def _clean(s: pl.Series) -> pl.Series:
    out = _join_marks(squash(_ascii_upper(s).str.replace_all(r"[^A-Z'\-]+", " ")))
    # apostrophes/hyphens only belong inside a word: "'JIM'" -> "JIM", "SMITH-" -> "SMITH"
    out = out.str.replace_all(r"(^| )['\-]+|['\-]+( |$)", " ").str.replace_all(r"''+", "'").str.replace_all(r"--+", "-")
    return squash(out).alias(s.name)


def _title(s: pl.Series) -> pl.Series:
    return replace_words(_clean(s), TITLE_ALIASES).alias(s.name)


def clean_name(s: pl.Series) -> pl.Series:
    """Upper-case ASCII letters, apostrophes and hyphens, single-spaced; anything else becomes a space.

    Letters of other scripts are transliterated ("Иван" -> "IVAN", "محمد" -> "MHMD"). Blank results are null.
    """
    return on_unique(s, _clean)


def normalise_title(s: pl.Series) -> pl.Series:
    """Cleaned title with UK aliases folded ("Revd." -> "REV", "The Rev" -> "REV", "Doctor" -> "DR")."""
    return on_unique(s, _title)


_LEADING_TITLES = rf"^((?:(?:{'|'.join(sorted(_TITLE_WORDS))})(?: |$))+)"


def _strip_titles(s: pl.Series) -> pl.DataFrame:
    cleaned = _clean(s)
    return pl.DataFrame([_title(cleaned.str.extract(_LEADING_TITLES, 1)).alias("title"),
                         squash(cleaned.str.replace(_LEADING_TITLES, "")).alias("forename")])


def strip_titles(forename: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(title, forename) from a forename column that sometimes carries a title: "MRS JANE" -> ("MRS", "JANE").

    Only the leading run of UK titles is taken, so real forenames that are titles elsewhere (DEAN, EARL)
    stay forenames. A value that is only a title ("MISS") gives a null forename. Both are cleaned.
    """
    out = on_unique(forename, _strip_titles)
    return out["title"], out["forename"]


# --- full names ---------------------------------------------------------------------------------------

_NAME_PARTS = ("title", "forename", "middle_names", "surname")
_PARTS_DTYPE = pl.Struct({part: pl.String for part in _NAME_PARTS})


@functools.cache
def _parser() -> Parser:
    return Parser(lexicon=Lexicon.default().add(titles=[t.lower() for t in _TITLE_WORDS]))


def _prepare_full_name(s: pl.Series) -> pl.Series:
    """ASCII upper case keeping only the punctuation nameparser reads: commas (surname first), full stops
    (initials), brackets and quotes (nicknames), apostrophes, hyphens and ampersands."""
    out = _ascii_upper(s).str.replace_all(r"[“”„«»]", '"').str.replace_all(r"[^A-Z,.'\"()&\- ]+", " ")
    return _join_marks(squash(out.str.replace_all(r"\.", ". ")))


def _comma_form(text: str) -> str | dict:
    """Rewrite a comma-less surname-first name as "SURNAME, REST" so nameparser reads it surname first.

    The surname is the first word plus any particles before it ("VAN DER BERG ANNA"); leading titles
    ("MRS SMITH JANE") move after the comma, except LORD, LADY and MASTER, which open a surname-first
    name more often as surnames. A bare surname comes back as parts directly.
    """
    words = text.split(" ")
    titles = []
    while words and words[0].rstrip(".") in _TITLE_WORDS - {"LORD", "LADY", "MASTER"}:
        titles.append(words.pop(0))
    end = 0
    while end < len(words) - 1 and words[end].lower() in _parser().lexicon.particles:
        end += 1
    surname, forenames = " ".join(words[: end + 1]), words[end + 1 :]
    if not forenames:
        return {"title": " ".join(titles) or None, "surname": surname or None}
    return f"{surname}, {' '.join(titles + forenames)}"


def _parse_full_name(text: str, surname_first: bool) -> dict:
    if surname_first and "," not in text:
        rewritten = _comma_form(text)
        if isinstance(rewritten, dict):
            return rewritten
        text = rewritten
    name = _parser().parse(text)  # suffixes (JR, SNR, III...), nicknames and maiden names are dropped
    return {"title": name.title, "forename": name.given, "middle_names": name.middle, "surname": name.family}


def _split(s: pl.Series, surname_first: bool) -> pl.DataFrame:
    parts = map_unique(_prepare_full_name(s), lambda t: _parse_full_name(t, surname_first), _PARTS_DTYPE)
    parts = parts.struct.unnest()
    return pl.DataFrame([_title(parts["title"])] + [_clean(parts[part]) for part in _NAME_PARTS[1:]])


def split_full_name(
    s: pl.Series, order: Literal["forename_first", "surname_first", "any"] = "forename_first"
) -> pl.DataFrame:
    """Split full names into cleaned `title, forename, middle_names, surname` (all String, upper case).

    A comma always means "SURNAME, Forenames". Without one, `order` decides: under surname_first the
    first word (with any particles: VAN DER, DE LA, ST, MAC) is the surname, and a single word is a
    surname; under forename_first a single word is a forename, as nameparser reads it; under any, each
    name is read the way `name_orders` finds it written (case, the names around it, the nickname data).
    """
    if order == "any":
        return split_full_name_any_order(s)
    if order not in ("forename_first", "surname_first"):
        raise ValueError(f"order must be 'forename_first', 'surname_first' or 'any', not {order!r}")
    return on_unique(s, lambda u: _split(u, order == "surname_first"))


# --- nicknames ----------------------------------------------------------------------------------------

#: Forenames commonly registered in their own right in England and Wales. Each maps to itself even where
#: the (US-compiled) nickname data lists it as a nickname (JOHN of JONATHAN, ERIN of AARON, ALI of
#: ALISON); JACK and HARRY are here because they have been top-ten registered names since the 1990s.
#: They are also preferred when a nickname has several candidate formal names. Extend it rather than
#: pinning names one by one.
COMMON_FORMAL = frozenset("""
    ADAM ALAN ALBERT ALEXANDER ALFRED ALI ANDREW ANTHONY ARTHUR BENJAMIN BERNARD BRIAN CHARLES CHRISTOPHER
    COLIN CRAIG DANIEL DAVID DEAN DEREK DONALD DOUGLAS EDWARD ERNEST EVAN FRANCIS FREDERICK GARY GEOFFREY
    GEORGE GERALD GRAHAM GREGORY HAROLD HARRY HENRY HUGH IAN JACK JACOB JAMES JASON JEFFREY JOHN JONATHAN
    JOSEPH JOSHUA KEITH KENNETH KEVIN LAWRENCE LEE LEO LEONARD LUKE MARK MARTIN MATTHEW MICHAEL NATHAN NEIL
    NICHOLAS NIGEL NOAH OLIVER PATRICK PAUL PETER PHILIP RAYMOND REGINALD RICHARD ROBERT ROGER RONALD SAMUEL
    SCOTT SIMON STEPHEN STEVEN TERENCE THEO THOMAS TIMOTHY VICTOR WALTER WAYNE WILLIAM
    ABIGAIL ADA ALEXANDRA AMELIA AMY ANN ANNA ANNE BARBARA CAROL CATHERINE CHARLOTTE CHRISTINE CLAIRE DAISY
    DEBORAH DIANA DIANE DORIS DOROTHY EDITH ELEANOR ELIZABETH ELLA EMILY EMMA ERIN EVA EVE FLORENCE FRANCES
    GILLIAN HANNAH HAYLEY HELEN IRENE JANE JANET JEAN JENNIFER JESSICA JOAN JOANNE JOSEPHINE JULIE JUNE
    KAREN KATHERINE KATHLEEN KATHRYN KELLY LAURA LEAH LESLEY LILY LINDA LOUISE LUCY MAISIE MARGARET MARIA
    MARIE MARY MAUREEN MAY MEGAN NICOLA NORA OLIVIA PATRICIA PAULINE RACHEL REBECCA ROSE SAMANTHA SANDRA
    SARAH SOPHIA SOPHIE SUSAN TERESA THERESA TRACEY TRACY VALERIE VICTORIA
""".split())
#: Decisions the rule below cannot make from the data, checked first.
PINNED_CANONICAL = {
    "BILL": "WILLIAM", "BILLY": "WILLIAM",  # the data also offers ROBERT, and has more nicknames for it
    "JON": "JOHN",  # truncation would say JONATHAN; UK usage says JOHN
    "CHRIS": "CHRISTOPHER",  # the most common of a dozen CHRIST-/KRIST- candidates
    "ROBBIE": "ROBERT",  # the data offers only ROBERTA
    "POLLY": "MARY",  # the data offers PAUL, PAULA, PAULINE and MARY
    "SASHA": "ALEXANDER", "ALF": "ALFRED",  # missing from the data
}


@functools.cache
def _nickname_tables() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(formal -> nicknames, nickname -> formal names), both upper case."""
    nicknamer = NickNamer()

    def upper(table: dict[str, set[str]]) -> dict[str, set[str]]:
        return {k.upper(): {v.upper() for v in vs} for k, vs in table.items()}

    return upper(nicknamer.nickname_lookup), upper(nicknamer.canonical_lookup)


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _step(name: str) -> str:
    if name in PINNED_CANONICAL:
        return PINNED_CANONICAL[name]
    nicknames, formals = _nickname_tables()
    candidates = formals.get(name)
    if not candidates or name in COMMON_FORMAL or all(len(c) < len(name) for c in candidates):
        return name
    pool = (candidates & COMMON_FORMAL) or {c for c in candidates if c not in formals} or candidates
    return min(pool, key=lambda c: (-_shared_prefix(c, name), -len(nicknames.get(c, ())), c))


@functools.cache
def _canonical(name: str) -> str:
    """The deterministic nickname rule. One step, in order:

    1. PINNED_CANONICAL, if listed.
    2. The name itself, if it is nobody's nickname, is in COMMON_FORMAL, or is longer than every
       formal name it is listed under (a nickname is shorter than what it abbreviates: the data also
       lists BARTHOLOMEW as a nickname of BART).
    3. Among the formal names it is a nickname of, keep those in COMMON_FORMAL; failing that, those that
       are not nicknames themselves; failing that, all of them.
    4. Of those, the one sharing the longest opening with the name (nicknames are mostly truncations:
       RICK -> RICHARD, not FREDERICK), then the one with most nicknames (the better-known formal
       name), then alphabetical.

    Steps repeat until the name stops changing (DEBRA -> DEBBIE -> DEBORAH), so the result is its own
    canonical form; spellings the data lists as each other's nickname (ALLAN, ALLEN) both take the
    alphabetically first.
    """
    seen = [name]
    while (following := _step(seen[-1])) not in seen:
        seen.append(following)
    return min(seen[seen.index(following):])


def canonical_forename(s: pl.Series) -> pl.Series:
    """The formal form of each forename (BILL -> WILLIAM, PEGGY -> MARGARET); unknown names map to
    themselves. Input is cleaned first; see `_canonical` for the rule."""
    return on_unique(s, lambda u: map_unique(_clean(u), _canonical, pl.String))


def _variants(name: str) -> list[str]:
    canonical = _canonical(name)
    return sorted({name, canonical} | _nickname_tables()[0].get(canonical, set()))


def forename_variants(s: pl.Series) -> pl.Series:
    """Sorted upper-case set of the name, its canonical form and that form's nicknames, for matching:
    two forenames are nickname-compatible when their variant lists intersect."""
    return on_unique(s, lambda u: map_unique(_clean(u), _variants, pl.List(pl.String)))


# --- names written in any order ----------------------------------------------------------------------

#: a word in capitals (two letters or more) beside words that are not: "SMITH John", "John SMITH"
_CAPITALS = re.compile(r"^[^a-z]*[A-Z][^a-z]*[A-Z][^a-z]*$")


def _known_forename(word: str) -> bool:
    """A word the nickname data or the common forenames list as a given name (JOHN, BILL, ANNA)."""
    nicknames, formals = _nickname_tables()
    return word in COMMON_FORMAL or word in PINNED_CANONICAL or word in nicknames or word in formals


def _order_by_case(raw: str) -> str | None:
    """"surname_first" or "forename_first" when only the first or only the last word is in capitals and
    another is not ("SMITH John", "John SMITH"); None when case says nothing ("JOHN SMITH", "John Smith")."""
    words = [w for w in raw.split() if any(c.isalpha() for c in w)]
    if len(words) < 2:
        return None
    capitals = [bool(_CAPITALS.match(w)) for w in words]
    if capitals[0] and not any(capitals[1:]):
        return "surname_first"
    if capitals[-1] and not any(capitals[:-1]):
        return "forename_first"
    return None


def _ends(words: str, order: str) -> tuple[str, str] | None:
    """(forename, surname) words of a prepared full name read in `order`; None for fewer than two words."""
    if "," in words:
        before, after = words.split(",", 1)
        rest = [w for w in after.split() if w.rstrip(".") not in _TITLE_WORDS]
        return (rest[0], before.split()[-1]) if rest and before.split() else None
    parts = [w for w in words.split() if w.rstrip(".") not in _TITLE_WORDS]
    if order == "surname_first":  # the surname with any particles before it: VAN DER BERG ANNA
        start = 0
        while start < len(parts) - 1 and parts[start].lower() in _parser().lexicon.particles:
            start += 1
        parts = [" ".join(parts[: start + 1]), *parts[start + 1:]]
    if len(parts) < 2:
        return None
    return (parts[0], parts[-1]) if order == "forename_first" else (parts[1], parts[0])


def name_orders(raw: pl.Series, forenames: dict[str, int] | None = None,
                surnames: dict[str, int] | None = None) -> pl.Series:
    """For each full name that may be written either way round, "forename_first" or "surname_first".

    In order: a comma means surname first; then case ("SMITH John", "John SMITH": the word in capitals is
    the surname); then which reading makes its end words more often a forename and a surname, counting the
    names whose order comma or case settled in the same column, `forenames` and `surnames` (word -> count,
    from records that keep them apart: other systems), and the nickname data (a listed given name counts
    once as a forename). A tie reads forename first, as most systems write names.
    """
    text = raw.cast(pl.String).to_list()
    prepared = _prepare_full_name(raw.cast(pl.String)).to_list()
    seen_forename, seen_surname = dict(forenames or {}), dict(surnames or {})
    settled: list[str | None] = []
    for original, words in zip(text, prepared):
        order = None
        if original and words:
            order = "surname_first" if "," in words else _order_by_case(original)
            if order and (ends := _ends(words, order)):
                seen_forename[ends[0]] = seen_forename.get(ends[0], 0) + 1
                seen_surname[ends[1]] = seen_surname.get(ends[1], 0) + 1
        settled.append(order)

    def score(ends: tuple[str, str] | None) -> float:
        if ends is None:
            return 0.0
        forename, surname = ends
        return (math.log1p(seen_forename.get(forename, 0)) + float(_known_forename(forename))
                + math.log1p(seen_surname.get(surname, 0)))

    out = []
    for order, words in zip(settled, prepared):
        if order is None and words and words.split()[0].lower() in _parser().lexicon.particles:
            order = "surname_first"  # a name does not open with VAN, DE, MAC unless it is the surname
        if order is None and words:
            backward, forward = score(_ends(words, "surname_first")), score(_ends(words, "forename_first"))
            order = "surname_first" if backward > forward else "forename_first"
        out.append(order or "forename_first")
    return pl.Series(raw.name, out, dtype=pl.String)


def split_full_name_any_order(s: pl.Series, forenames: dict[str, int] | None = None,
                              surnames: dict[str, int] | None = None) -> pl.DataFrame:
    """split_full_name for a column whose names come either way round ("Smith John", "JOHN SMITH",
    "SMITH, John"): each name is read in the order `name_orders` finds for it."""
    orders = name_orders(s, forenames, surnames)
    parts = pl.DataFrame({part: pl.Series(part, [None] * len(s), dtype=pl.String) for part in _NAME_PARTS})
    for order in ("forename_first", "surname_first"):
        mask = orders == order
        if mask.any():
            split = split_full_name(s.filter(mask), order)
            parts = parts.with_columns(
                pl.when(pl.Series(mask)).then(pl.Series(_expand(split[c], mask))).otherwise(pl.col(c)).alias(c)
                for c in _NAME_PARTS)
    return parts


def _expand(values: pl.Series, mask: pl.Series) -> list:
    """values (one per True in mask) laid out along mask, None elsewhere."""
    it = iter(values.to_list())
    return [next(it) if m else None for m in mask.to_list()]


def variants_table(con, table: str, names_sql: str) -> None:
    """Temp table `table` (forename, variants): each forename `names_sql` selects (one column) with its nickname
    variants (forename_variants). Two given names are nicknames of one name when their lists meet: KIT and
    CHRISTOPHER, DICEY and DIANA. The one place resolution, the quality feedback and the counter-fraud lists
    get them from."""
    names = pl.Series("forename", [r[0] for r in con.execute(
        f"SELECT DISTINCT * FROM ({names_sql}) t(forename) WHERE forename IS NOT NULL ORDER BY 1").fetchall()],
        dtype=pl.String)
    frame = pl.DataFrame({"forename": names, "variants": forename_variants(names) if len(names) else
                          pl.Series([], dtype=pl.List(pl.String))})
    con.register("_variants_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _variants_frame")
    finally:
        con.unregister("_variants_frame")
