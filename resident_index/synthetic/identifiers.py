"""Synthetic identifiers: NHS and NI numbers, phones, emails, vehicle registrations.

NHS numbers come from the 999 range NHS England reserves for test data, with a correct mod-11 check
digit: about 909,000 valid numbers. A council of more people than that (1,000,000 residents and their movers)
draws from the whole 900 to 999 range instead, which no UK health service issues (England and Wales issue
400-499 and 600-799, Scotland's CHI 010-311, Northern Ireland 320-399). NI numbers follow HMRC's prefix rules. Everything is drawn vectorised and de-duplicated.
"""

from __future__ import annotations

import numpy as np

_NHS_WEIGHTS = np.arange(10, 1, -1)
_NI_BAD_LETTERS = set("DFIQUV")
_NI_BAD_PAIRS = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
NI_PREFIXES = [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
               if a not in _NI_BAD_LETTERS and b not in _NI_BAD_LETTERS | {"O"} and a + b not in _NI_BAD_PAIRS]
_UNIT_LETTERS = np.array(list("ABCDEFGHJKLMNOPRSTUVWXYZ"))


def nhs_check_digit(first9: np.ndarray) -> np.ndarray:
    """Mod-11 check digit of 9-digit bases; 10 means the base cannot be used."""
    digits = (first9[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = 11 - (digits * _NHS_WEIGHTS).sum(axis=1) % 11
    return np.where(check == 11, 0, check)


#: people the 999 test range serves (of its ~909,000 valid numbers; drawing more from it slows to a halt)
TEST_RANGE_PEOPLE = 850_000


def nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct valid NHS numbers (int64): from the 999 test range, or from 900-999 for more than
    TEST_RANGE_PEOPLE people (module docstring). The 999 range alone could never give more than ~909,000: the
    1,000,000-resident council drew forever."""
    first, span = (999_000_000, 1_000_000) if n <= TEST_RANGE_PEOPLE else (900_000_000, 100_000_000)
    out = np.empty(0, dtype=np.int64)
    while out.size < n:
        base = first + rng.integers(0, span, size=int(n * 1.3) + 16, dtype=np.int64)
        check = nhs_check_digit(base)
        cand = (base * 10 + check)[check != 10]
        out = np.concatenate([out, cand])
        _, kept = np.unique(out, return_index=True)  # not `first`: the range's start, drawn from again
        out = out[np.sort(kept)]
    return out[:n]


def nhs_wrong_check(numbers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same numbers with a check digit that fails mod 11 (a keying error)."""
    base, check = numbers // 10, numbers % 10
    return base * 10 + (check + rng.integers(1, 10, size=numbers.size)) % 10


def format_nhs(numbers: np.ndarray, style: str = "plain") -> list[str]:
    s = [f"{x:010d}" for x in numbers.tolist()]
    if style == "spaced":
        return [f"{x[:3]} {x[3:6]} {x[6:]}" for x in s]
    return s


def ni_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct NI numbers like AB123456C."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        m = n - len(out) + 8
        pre = rng.integers(0, len(NI_PREFIXES), size=m)
        num = rng.integers(0, 1_000_000, size=m)
        suf = rng.integers(0, 4, size=m)
        for p, d, s in zip(pre.tolist(), num.tolist(), suf.tolist()):
            v = f"{NI_PREFIXES[p]}{d:06d}{'ABCD'[s]}"
            if v not in seen:
                seen.add(v)
                out.append(v)
    return out[:n]


def landlines(rng: np.random.Generator, n: int) -> list[str]:
    """London numbers, 020 7xxx xxxx / 020 8xxx xxxx."""
    a = rng.choice([7, 8], size=n)
    b = rng.integers(0, 1000, size=n)
    c = rng.integers(0, 10000, size=n)
    return [f"020 {x}{y:03d} {z:04d}" for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())]


def mobiles(rng: np.random.Generator, n: int) -> list[str]:
    a = rng.choice([4, 5, 7, 8, 9], size=n)
    b = rng.integers(0, 100, size=n)
    c = rng.integers(0, 1_000_000, size=n)
    return [f"07{x}{y:02d} {z:06d}" for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())]


def vehicle_regs(rng: np.random.Generator, n: int) -> list[str]:
    """Current-style registrations: area letters, age identifier, three random letters (AB12 CDE)."""
    area = _UNIT_LETTERS[rng.integers(0, len(_UNIT_LETTERS), size=(n, 2))]
    year = rng.integers(2, 26, size=n)
    half = rng.integers(0, 2, size=n)
    tail = _UNIT_LETTERS[rng.integers(0, len(_UNIT_LETTERS), size=(n, 3))]
    return [f"{a[0]}{a[1]}{y + 50 * h:02d} {t[0]}{t[1]}{t[2]}"
            for a, y, h, t in zip(area.tolist(), year.tolist(), half.tolist(), tail.tolist())]
