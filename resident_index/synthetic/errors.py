"""Realistic data-entry errors, each a pure function of the value and pre-drawn uniforms.

Pure functions matter: a record appears in both daily extracts and must carry the same typo in both, so
the randomness is drawn once per record and the same error is re-applied to each version. Rates are set
per system in `systems/base.py` (NOISE) and documented in docs/synthetic-council.md.
"""

from __future__ import annotations

import functools
import unicodedata

from nicknames import NickNamer

from resident_index.synthetic.days import from_ymd, ymd

_KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_NEIGHBOURS: dict[str, str] = {}
for r, row in enumerate(_KEYBOARD):
    for c, ch in enumerate(row):
        near = [row[c - 1] if c > 0 else "", row[c + 1] if c + 1 < len(row) else ""]
        if r > 0 and c < len(_KEYBOARD[r - 1]):
            near.append(_KEYBOARD[r - 1][c])
        if r + 1 < len(_KEYBOARD) and c < len(_KEYBOARD[r + 1]):
            near.append(_KEYBOARD[r + 1][c])
        _NEIGHBOURS[ch] = "".join(near)
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "İ": "I", "đ": "d", "Đ": "D", "ß": "ss", "ø": "o",
                       "Ø": "O", "æ": "ae", "Æ": "AE"})


def fold_ascii(text: str) -> str:
    """Strip diacritics the way many council systems do on entry (Łukasz -> Lukasz, Seán -> Sean)."""
    if text.isascii():
        return text
    text = text.translate(_FOLD)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=None)
def fold_cp1252(text: str) -> str:
    """Keep what Windows-1252 can hold (é, ñ, š) and fold the rest (ł, ş, ı)."""
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        return "".join(c if _in_cp1252(c) else fold_ascii(c) for c in text)


def _in_cp1252(c: str) -> bool:
    try:
        c.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def typo(text: str, u1: float, u2: float, u3: float) -> str:
    """One keying error: a neighbouring key, a dropped letter, a doubled letter or two letters swapped."""
    if len(text) < 3:
        return text
    i = 1 + min(int(u2 * (len(text) - 1)), len(text) - 2)  # keep the first letter: people rarely miss it
    op = int(u1 * 4)
    ch = text[i]
    if op == 0 and ch.lower() in _NEIGHBOURS:
        near = _NEIGHBOURS[ch.lower()]
        new = near[min(int(u3 * len(near)), len(near) - 1)]
        return text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1:]
    if op == 1:
        return text[:i] + text[i + 1:]
    if op == 2:
        return text[:i] + ch + text[i:]
    if i + 1 < len(text):
        return text[:i] + text[i + 1] + ch + text[i + 2:]
    return text[:i - 1] + ch + text[i - 1]


_NAMER = NickNamer()


@functools.lru_cache(maxsize=None)
def nicknames(forename: str) -> tuple[str, ...]:
    """Nicknames the `nicknames` package knows for a forename, sorted (sets are hash-ordered)."""
    found = _NAMER.nicknames_of(forename.lower())
    return tuple(sorted(n.capitalize() for n in found if n.isalpha() and len(n) > 1))


def nickname(forename: str, u: float) -> str:
    options = nicknames(forename)
    return options[min(int(u * len(options)), len(options) - 1)] if options else forename


def dob_error(dob: int, kind: int, u: float) -> int | None:
    """kind: 1 day/month swapped, 2 placeholder 01/01/1900 or 1901, 3 year mistyped, 4 missing."""
    if kind == 1:
        y, m, d = (int(a[0]) for a in ymd([dob]))
        if d <= 12 and d != m:
            return int(from_ymd([y], [d], [m])[0])
        return dob
    if kind == 2:
        return int(from_ymd([1900 if u < 0.6 else 1901], [1], [1])[0])
    if kind == 3:
        y, m, d = (int(a[0]) for a in ymd([dob]))
        s = f"{y:04d}"
        swapped = int(s[:2] + s[3] + s[2]) if u < 0.5 else y + (1 if u < 0.75 else -1)
        if swapped > 2026 or swapped < 1900:
            swapped = y - 1
        return int(from_ymd([swapped], [m], [d])[0])
    if kind == 4:
        return None
    return dob


_PC_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def postcode_error(pc: str, kind: int, u: float) -> str | None:
    """kind: 1 no space, 2 lower case, 3 one character wrong, 4 missing, 5 doubled space."""
    if kind == 1:
        return pc.replace(" ", "")
    if kind == 2:
        return pc.lower()
    if kind == 3:
        i = len(pc) - 1 - int(u * 2)  # one of the last two letters
        return pc[:i] + _PC_LETTERS[int(u * 1000) % len(_PC_LETTERS)] + pc[i + 1:]
    if kind == 4:
        return None
    if kind == 5:
        return pc.replace(" ", "  ")
    return pc


def ni_error(ni: str, u: float) -> str:
    """A mistyped NI number: a digit changed, spaces inside, or an impossible prefix."""
    if u < 0.4:
        i = 2 + int(u / 0.4 * 6)
        return ni[:i] + str((int(ni[i]) + 1) % 10) + ni[i + 1:]
    if u < 0.7:
        return f"{ni[:2]} {ni[2:4]} {ni[4:6]} {ni[6:8]} {ni[8:]}"  # valid, just spaced
    return "QQ" + ni[2:] if u < 0.85 else ni[:8]  # impossible prefix / suffix letter lost


ABBREVIATIONS = [("ROAD", "RD"), ("STREET", "ST"), ("AVENUE", "AVE"), ("CLOSE", "CL"), ("GARDENS", "GDNS"),
                 ("LANE", "LN"), ("DRIVE", "DR"), ("CRESCENT", "CRES"), ("PLACE", "PL"), ("TERRACE", "TCE"),
                 ("SQUARE", "SQ"), ("COURT", "CT"), ("GROVE", "GRV"), ("HOUSE", "HSE"), ("APARTMENT", "APT")]


def abbreviate(text: str) -> str:
    words = text.split(" ")
    table = dict(ABBREVIATIONS)
    return " ".join(table.get(w, w) for w in words)
