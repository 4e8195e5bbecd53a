"""Deliberately hard identity cases: twins, fathers and sons with one name, and very common names.

Planted into the starting households (a few % of them, at least two of each at any size) so record
linkage is tested on people who differ only by date of birth, only by forename, or not by name at all.
"""

from __future__ import annotations

from resident_index.synthetic.households import CHILD, HEAD, PARTNER, Member
from resident_index.synthetic.names import COMMON_FULL_NAMES, SIMILAR_TWIN_NAMES, female_form
from resident_index.synthetic.randomness import Draws


def _quota(rate: float, n: int, floor: int) -> int:
    return max(floor, round(rate * n))


def plant_twins(d: Draws, households: list[list[Member]], rate: float = 0.012) -> list[tuple[int, int, int]]:
    """Make the two eldest children of some families twins: (household index, member a, member b)."""
    cands = [i for i, h in enumerate(households) if sum(m.role == CHILD for m in h) >= 2]
    out = []
    for _ in range(min(_quota(rate, len(households), 2), len(cands))):
        i = cands.pop(d.int(len(cands)))
        kids = [j for j, m in enumerate(households[i]) if m.role == CHILD]
        a, b = households[i][kids[0]], households[i][kids[1]]
        b.dob, b.surname, b.birth_surname = a.dob, a.surname, a.birth_surname
        if b.sex != a.sex and a.group in ("polish", "east_european"):  # keep each twin's own surname form
            b.surname = b.birth_surname = female_form(a.surname) if b.sex == "F" else b.surname
        similar = [p for p in SIMILAR_TWIN_NAMES if p[0] == a.sex == b.sex]
        if similar and d.chance(0.45):
            _, x, y = d.pick(similar)
            a.forename, b.forename = x, y
        elif d.chance(0.3) and a.sex == b.sex:
            b.middle = a.middle
        out.append((i, kids[0], kids[1]))
    return out


def plant_father_son(d: Draws, households: list[list[Member]], rate: float = 0.012) -> list[tuple[int, int, int, bool]]:
    """A son given his father's forename (sometimes middle name too): (household, father, son, is_junior)."""
    cands = []
    for i, h in enumerate(households):
        father = next((j for j, m in enumerate(h) if m.role in (HEAD, PARTNER) and m.sex == "M"), None)
        sons = [j for j, m in enumerate(h) if m.role == CHILD and m.sex == "M"]
        if father is not None and sons:
            cands.append((i, father, min(sons, key=lambda j: h[j].dob)))
    out = []
    for _ in range(min(_quota(rate, len(households), 2), len(cands))):
        i, f, s = cands.pop(d.int(len(cands)))
        father, son = households[i][f], households[i][s]
        son.forename = father.forename
        if d.chance(0.5):
            son.middle = father.middle
        son.surname = son.birth_surname = father.surname
        out.append((i, f, s, d.chance(0.4)))
    return out


def plant_common_names(d: Draws, households: list[list[Member]], n_people: int, rate: float = 0.003) -> int:
    """Rename some heads (and the household members who share their surname) to very common names."""
    n = 0
    target = _quota(rate, n_people, 6)
    order = list(range(len(households)))
    tries = 0
    while n < target and tries < 50 * target:
        tries += 1
        i = order[d.int(len(order))]
        head = households[i][0]
        choices = COMMON_FULL_NAMES.get((head.group, head.sex))
        if not choices or head.role != HEAD:
            continue
        fore, sur = d.pick(choices).split(" ", 1)
        old = head.surname
        for m in households[i]:
            if m.surname == old and m is not head:
                m.surname = female_form(sur) if m.sex == "F" and m.group in ("polish",) else sur
                if m.birth_surname == old:
                    m.birth_surname = m.surname
        head.forename, head.surname = fore, sur
        if head.birth_surname == old:
            head.birth_surname = sur
        n += 1
    return n
