"""Household compositions: who lives together, their ages, sexes, origin and names.

Types follow the census household mix of an inner-London borough (single people young and old, couples,
families with dependent or adult children, lone parents, multi-generation families, sharers in HMOs);
which type moves into a home depends on the home (a council flat, a private house, an HMO).
"""

from __future__ import annotations

from dataclasses import dataclass

from resident_index.synthetic.names import MARRIAGE_SURNAME_CHANGE, NameBook, female_form
from resident_index.synthetic.randomness import Draws

HEAD, PARTNER, CHILD, SHARER, RELATIVE = range(5)
ROLE_NAMES = ["head", "partner", "child", "sharer", "relative"]
TYPES = ["single_young", "single_old", "couple", "couple_old", "family", "family_adult_kids", "lone_parent",
         "lone_parent_adult", "multigen", "sharers", "sublet"]
T = {name: i for i, name in enumerate(TYPES)}
FAMILY_TYPES = {T["family"], T["family_adult_kids"], T["lone_parent"], T["lone_parent_adult"], T["multigen"]}

#: (kind, council) -> household type weights for whoever moves into such a home
TYPE_MIX = {
    ("house", False): {"family": .40, "family_adult_kids": .12, "couple": .15, "couple_old": .10, "single_old": .07,
                       "single_young": .04, "lone_parent": .04, "lone_parent_adult": .03, "multigen": .05},
    ("house", True): {"family": .30, "lone_parent": .20, "family_adult_kids": .10, "couple_old": .10,
                      "single_old": .10, "multigen": .10, "lone_parent_adult": .10},
    ("flat", False): {"single_young": .38, "couple": .30, "family": .12, "lone_parent": .06, "single_old": .08,
                      "couple_old": .04, "family_adult_kids": .02},
    ("flat", True): {"single_young": .22, "single_old": .22, "lone_parent": .20, "family": .14, "couple": .08,
                     "couple_old": .08, "lone_parent_adult": .06},
    ("hmo", False): {"sharers": 1.0},
}
#: the borough's housing stock: share of homes by (kind, council)
STOCK = {("house", False): 0.40, ("house", True): 0.04, ("flat", False): 0.35, ("flat", True): 0.18,
         ("hmo", False): 0.03}


@dataclass
class Member:
    sex: str  # "M" / "F"
    dob: int
    role: int
    group: str
    forename: str
    middle: str
    surname: str
    birth_surname: str
    surname_change: int  # day the current surname was taken (marriage); OPEN if never changed
    married: bool


def draw_type(d: Draws, kind: str, council: bool) -> int:
    mix = TYPE_MIX[(kind, council)]
    u, acc = d.u(), 0.0
    for name, w in mix.items():
        acc += w
        if u < acc:
            return T[name]
    return T[next(iter(mix))]


class Composer:
    """Draws household members; all randomness comes from one Draws stream."""

    def __init__(self, d: Draws, names: NameBook):
        self.d, self.nb = d, names

    # -- people -------------------------------------------------------------------------------
    def _dob(self, age: float, day: int) -> int:
        return int(day - age * 365.25 - self.d.u() * 365)

    def person(self, sex: str, age: float, role: int, day: int, group: str, surname: str | None = None) -> Member:
        d, nb = self.d, self.nb
        dob = self._dob(age, day)
        year = 1970 + int(dob / 365.25)
        fore = nb.forename(group, sex, year, d.u())
        mid = ""
        if d.chance(0.55):
            mid = nb.forename(group, sex, year, d.u())
            if mid == fore:
                mid = ""
        sur = surname if surname is not None else nb.surname(group, sex, d.u(), d.u())
        if surname is not None and sex == "F":
            sur = female_form(sur) if group in ("polish", "east_european") else sur
        if group == "english" and surname is None and d.chance(0.01):  # double-barrelled
            sur = f"{sur}-{nb.surname(group, sex, d.u(), 1.0)}"
        return Member(sex, dob, role, group, fore, mid, sur, sur, 2**31 - 1, False)

    def _group(self) -> str:
        return self.nb.group_pool.draw(self.d.u())

    def _marry(self, head: Member, partner: Member, day: int) -> None:
        """Make the couple married; the wife may take the husband's surname (recorded with its date)."""
        d = self.d
        head.married = partner.married = True
        if head.sex == partner.sex:
            return
        wife, husband = (partner, head) if partner.sex == "F" else (head, partner)
        if d.chance(MARRIAGE_SURNAME_CHANGE[wife.group]):
            youngest_adult = max(wife.dob, husband.dob) + int(20 * 365.25)
            when = int(youngest_adult + d.u() * max(day - youngest_adult, 30))
            new = female_form(husband.surname) if wife.group in ("polish", "east_european") else husband.surname
            if new != wife.surname:
                wife.surname, wife.surname_change = new, min(when, day - 1)

    def _couple(self, day: int, lo: float, hi: float, power: float, married_p: float) -> list[Member]:
        d = self.d
        group = self._group()
        age = lo + (hi - lo) * d.u() ** power
        same_sex = d.chance(0.04)
        head_sex = "M" if (same_sex and d.chance(0.5)) or not same_sex else "F"
        partner_sex = head_sex if same_sex else "F"
        head = self.person(head_sex, age, HEAD, day, group)
        pgroup = group if d.chance(0.88) else self._group()
        page = max(18.0, age + (d.u() - 0.6) * 8)
        partner = self.person(partner_sex, page, PARTNER, day, pgroup)
        if d.chance(married_p):
            self._marry(head, partner, day)
        return [head, partner]

    def _kids(self, parents: list[Member], day: int, n: int, lo_age: float, hi_age: float) -> list[Member]:
        d = self.d
        father = next((p for p in parents if p.sex == "M"), None)
        mother = next((p for p in parents if p.sex == "F"), parents[0])
        mother_age = (day - mother.dob) / 365.25
        hi = min(hi_age, mother_age - 18)
        lo = min(lo_age, max(hi, 0))
        kids = []
        for _ in range(n):
            age = lo + (hi - lo) * d.u()
            sex = "M" if d.chance(0.51) else "F"
            sur_src = father.surname if father is not None and d.chance(0.9) else mother.surname
            if father is not None and father.group in ("polish", "east_european"):
                sur_src = father.birth_surname
            kid = self.person(sex, max(age, 0.0), CHILD, day, mother.group if d.chance(0.6) or father is None
                              else father.group, surname=sur_src)
            kids.append(kid)
        return kids

    # -- households ---------------------------------------------------------------------------
    def household(self, htype: int, day: int, rooms: int = 4) -> list[Member]:
        d, name = self.d, TYPES[htype]
        if name == "single_young":
            return [self.person("M" if d.chance(0.52) else "F", 20 + 45 * d.u() ** 1.6, HEAD, day, self._group())]
        if name == "single_old":
            return [self.person("F" if d.chance(0.62) else "M", 66 + 29 * d.u() ** 1.5, HEAD, day, self._group())]
        if name == "couple":
            return self._couple(day, 22, 64, 1.3, 0.55)
        if name == "couple_old":
            return self._couple(day, 66, 90, 1.5, 0.85)
        if name in ("family", "multigen"):
            parents = self._couple(day, 26, 52, 1.0, 0.7)
            n = 1 + int(d.u() < 0.62) + int(d.u() < 0.27) + int(d.u() < 0.08)
            members = parents + self._kids(parents, day, n, 0, 17.9)
            if name == "multigen":
                head = parents[0]
                gp_age = (day - head.dob) / 365.25 + 24 + 10 * d.u()
                gp_sex = "F" if d.chance(0.7) else "M"
                members.append(self.person(gp_sex, min(gp_age, 98), RELATIVE, day, head.group,
                                           surname=head.birth_surname))
            return members
        if name == "family_adult_kids":
            parents = self._couple(day, 45, 68, 1.0, 0.8)
            n = 1 + int(d.u() < 0.35)
            kids = self._kids(parents, day, n, 18, 30)
            if d.chance(0.3):
                kids += self._kids(parents, day, 1, 12, 17.9)
            return parents + kids
        if name in ("lone_parent", "lone_parent_adult"):
            group = self._group()
            sex = "F" if d.chance(0.88) else "M"
            lo, hi, klo, khi = (20, 50, 0, 17.9) if name == "lone_parent" else (45, 75, 18, 35)
            parent = self.person(sex, lo + (hi - lo) * d.u(), HEAD, day, group)
            if sex == "F" and d.chance(0.35):  # separated or widowed: kept a married name
                parent.birth_surname = self.nb.surname(group, "F", d.u(), 1.0)
                parent.married = True
                parent.surname_change = int(day - (5 + 10 * d.u()) * 365.25)
            n = 1 + int(d.u() < 0.5) + int(d.u() < 0.15)
            return [parent] + self._kids([parent], day, n, klo, khi)
        if name in ("sharers", "sublet"):
            n = max(1, rooms) if name == "sharers" else 2 + int(d.u() < 0.5)
            members = [self.person("M" if d.chance(0.55) else "F", 20 + 22 * d.u(), SHARER, day, self._group())
                       for _ in range(n)]
            members[0].role = HEAD
            return members
        raise ValueError(name)

    def sharer(self, day: int) -> Member:
        d = self.d
        return self.person("M" if d.chance(0.55) else "F", 20 + 22 * d.u(), SHARER, day, self._group())
