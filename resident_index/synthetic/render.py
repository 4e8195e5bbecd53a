"""How systems write addresses and names: flat numbering variants, abbreviations, case, line layouts.

"FLAT 3, 12 HIGH STREET", "FLAT 3 12 HIGH ST", "3/12 HIGH STREET" and "12C HIGH STREET" are the same
flat; real systems hold all of these. Address text is built per (UPRN, variant) and cached, so rendering
a million records stays cheap.
"""

from __future__ import annotations

import functools

from resident_index.synthetic.errors import abbreviate, fold_ascii
from resident_index.synthetic.gazetteer import (
    FLAT, SAO_APARTMENT, SAO_FLAT_LETTER, SAO_FLAT_NO, SAO_FLOOR, Gazetteer, flat_label, flat_letter,
)

#: the other way a source may name a flat: FLAT C ~ THIRD FLOOR FLAT, FLAT 3 ~ APARTMENT 3
OTHER_STYLE = {SAO_FLOOR: SAO_FLAT_LETTER, SAO_FLAT_LETTER: SAO_FLOOR, SAO_APARTMENT: SAO_FLAT_NO,
               SAO_FLAT_NO: SAO_APARTMENT}

FLAT_VARIANTS = 5


class AddressBook:
    """Address segments for every gazetteer row, in the styles systems use."""

    def __init__(self, gaz: Gazetteer):
        g = gaz.llpg
        self.sao = g["sao"].to_list()
        self.pao = g["pao"].to_list()
        self.street = g["street"].to_list()
        self.locality = g["locality"].to_list()
        self.town = g["town"].to_list()
        self.postcode = g["postcode"].to_list()
        self.uprn = g["uprn"].to_list()
        self.kind = gaz.kind.tolist()
        self.style = gaz.sao_style.tolist()
        self.flat_no = gaz.flat_no.tolist()
        self.pao_num = gaz.pao_is_number.tolist()

    @functools.lru_cache(maxsize=None)
    def segments(self, u: int, variant: int, abbrev: bool) -> tuple[str, ...]:
        """Sub-building and thoroughfare segments (no locality/town), upper case."""
        sao, pao, street = self.sao[u], self.pao[u], self.street[u]
        num = self.pao_num[u]
        building, thoroughfare = ("", f"{pao} {street}") if num else (pao, street)
        if abbrev:
            building, thoroughfare = abbreviate(building), abbreviate(thoroughfare)
        if self.kind[u] != FLAT or variant == 0:
            return tuple(s for s in (sao, building, thoroughfare) if s)
        style, n = self.style[u], self.flat_no[u]
        letter = flat_letter(n)
        label = letter if style in (SAO_FLAT_LETTER, SAO_FLOOR) else str(n)
        if variant == 1:  # merged onto one line
            return (f"{sao} {building}", thoroughfare) if building else (f"{sao} {thoroughfare}",)
        if variant == 2:  # bare flat number: 3/12 HIGH STREET, 3 ROSE COURT
            return (f"{label} {building}", thoroughfare) if building else (f"{label}/{thoroughfare}",)
        if variant == 3 and num and 1 <= n <= 26:  # 12C HIGH STREET
            return (f"{pao}{letter} {abbreviate(street) if abbrev else street}",)
        if variant == 4:  # the other way of naming the flat
            alt = flat_label(OTHER_STYLE[style], n)
            if abbrev and alt.startswith("APARTMENT"):
                alt = alt.replace("APARTMENT", "APT")
            return tuple(s for s in (alt, building, thoroughfare) if s)
        return tuple(s for s in (sao, building, thoroughfare) if s)

    @functools.lru_cache(maxsize=None)
    def packed(self, u: int, variant: int, abbrev: bool, locality: bool, town: bool, n: int,
               style: str) -> tuple[str | None, ...]:
        """The address in n columns, in the system's case."""
        return tuple(case(s, style) for s in pack(self.lines(u, variant, abbrev, locality, town), n))

    def lines(self, u: int, variant: int, abbrev: bool, locality: bool, town: bool) -> list[str]:
        segs = list(self.segments(u, variant, abbrev))
        if locality and self.locality[u]:
            segs.append(self.locality[u])
        if town:
            segs.append(self.town[u])
        return segs


def pack(segments: list[str], n: int) -> list[str | None]:
    """Left-pack address segments into n columns; overflow joins the last column."""
    if len(segments) > n:
        segments = segments[: n - 1] + [", ".join(segments[n - 1:])]
    return segments + [None] * (n - len(segments))


def case(text: str | None, style: str) -> str | None:
    if text is None:
        return None
    if style == "upper":
        return text.upper()
    if style == "title":
        return _title(text)
    return text


@functools.lru_cache(maxsize=200_000)
def _title(text: str) -> str:
    """Title case that leaves 12C and NB1 2AB alone ("Flat 3, 12C High Street")."""
    return " ".join(w if any(ch.isdigit() for ch in w) else w.capitalize() if "-" not in w and "'" not in w
                    else "-".join(p.capitalize() for p in w.split("-")) if "-" in w
                    else "'".join(p.capitalize() for p in w.split("'")) for w in text.split(" "))


def name_text(text: str, style: str, ascii_only: bool) -> str:
    if ascii_only:
        text = fold_ascii(text)
    if style == "upper":
        return text.upper()
    if style == "title":
        return text
    return text
