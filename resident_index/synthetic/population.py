"""The borough's people over four years: households placed in homes, then month by month events.

Events are births (with twins), deaths, households moving out, moving within the borough and moving in
to fill empty homes, young adults leaving home, couples forming (with a surname change on marriage) and
separating, and sharers churning through HMOs. Each month's events are drawn vectorised and applied in
date order, so every person's address history (truth residence) is consistent day by day.

Two planted behaviours are simulated here because they shape who lives where: council tenants who move
out but sublet their flat to unrelated adults, and extra deaths in the final year (so every council has
deaths for the entitlement-after-death cases the NHS feed can evidence).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from resident_index.synthetic.days import OPEN, ymd
from resident_index.synthetic.gazetteer import FLAT, HMO, HOUSE, Gazetteer, build_gazetteer
from resident_index.synthetic.hard_cases import plant_common_names, plant_father_son, plant_twins
from resident_index.synthetic.households import (
    CHILD, FAMILY_TYPES, HEAD, PARTNER, SHARER, STOCK, TYPES, Composer, Member, T, draw_type)
from resident_index.synthetic.names import MARRIAGE_SURNAME_CHANGE, SIMILAR_TWIN_NAMES, NameBook, female_form
from resident_index.synthetic.randomness import Draws, stream

_KIND = {"house": HOUSE, "flat": FLAT, "hmo": HMO}
#: per-year chance a household of each type leaves the borough / moves within it
OUT_RATE = {"single_young": .14, "single_old": .02, "couple": .12, "couple_old": .02, "family": .06,
            "family_adult_kids": .03, "lone_parent": .06, "lone_parent_adult": .03, "multigen": .03}
WITHIN_RATE = {"single_young": .05, "single_old": .015, "couple": .06, "couple_old": .015, "family": .04,
               "family_adult_kids": .02, "lone_parent": .04, "lone_parent_adult": .02, "multigen": .02}
LEAVE_HOME_RATE, SEPARATION_RATE, PAIRING_RATE, SHARER_OUT_RATE = 0.12, 0.012, 0.04, 0.35
FILL_PER_MONTH, ROOM_FILL_PER_MONTH, TWIN_BIRTH_RATE = 0.45, 0.35, 0.016
DEATH, BIRTH, OUT, WITHIN, LEAVE_HOME, SEPARATE, PAIR, SHARER_OUT, FILL, ROOM, SUBLET, FORCED_DEATH = range(12)


@dataclass
class Population:
    """Everyone who lived in the borough during the history, and where, with planted cases."""

    persons: pl.DataFrame  # pid + attributes (see _persons_frame)
    residence: pl.DataFrame  # pid, uprn (gazetteer row), hh, role, start, end (end exclusive; OPEN if current)
    households: pl.DataFrame  # hh, type, council flag of first home
    gazetteer: Gazetteer
    twins: list[tuple[int, int]] = field(default_factory=list)
    father_son: list[tuple[int, int]] = field(default_factory=list)
    sublets: list[dict] = field(default_factory=list)  # tenant hh, lead pid, council uprn, sublet hh, day
    forced_deaths: list[int] = field(default_factory=list)
    frozen_hh: set[int] = field(default_factory=set)


class _Sim:
    def __init__(self, seed: int, t0: int, as_of: int, names: NameBook):
        self.d = Draws(stream(seed, "population", "draws"))
        self.rng = stream(seed, "population", "vector")
        self.comp = Composer(self.d, names)
        self.nb = names
        self.t0, self.as_of = t0, as_of
        cap = 1024
        self.p_sex = np.zeros(cap, np.int8)  # 1 = male
        self.p_dob = np.zeros(cap, np.int32)
        self.p_hh = np.full(cap, -1, np.int32)
        self.p_role = np.zeros(cap, np.int8)
        self.p_spell = np.full(cap, -1, np.int64)
        self.n = 0
        self.p_group: list[str] = []
        self.p_fore: list[str] = []
        self.p_mid: list[str] = []
        self.p_sur: list[str] = []
        self.p_birth_sur: list[str] = []
        self.p_prev_sur: list[str] = []
        self.p_sur_change: list[int] = []
        self.p_married: list[bool] = []
        self.p_dod: list[int] = []
        self.p_arrive: list[int] = []
        self.p_leave: list[int] = []
        self.p_last_hh: list[int] = []
        self.p_suffix: list[int] = []
        self.rs: dict[str, list[int]] = {k: [] for k in ("pid", "uprn", "hh", "role", "start", "end")}
        self.h_type: list[int] = []
        self.h_uprn: list[int] = []
        self.h_members: list[list[int]] = []
        self.h_council: list[bool] = []
        self.twins: list[tuple[int, int]] = []
        self.father_son: list[tuple[int, int]] = []
        self.sublets: list[dict] = []
        self.forced_deaths: list[int] = []
        self.frozen: set[int] = set()
        self.sublet_debt = 0

    # -- people and spells ---------------------------------------------------------------------
    def _grow(self) -> None:
        cap = self.p_sex.size * 2
        for name in ("p_sex", "p_dob", "p_hh", "p_role", "p_spell"):
            old = getattr(self, name)
            new = np.full(cap, -1 if name in ("p_hh", "p_spell") else 0, old.dtype)
            new[: old.size] = old
            setattr(self, name, new)

    def add_person(self, m: Member, arrive: int) -> int:
        if self.n == self.p_sex.size:
            self._grow()
        pid = self.n
        self.n += 1
        self.p_sex[pid] = 1 if m.sex == "M" else 0
        self.p_dob[pid] = m.dob
        self.p_role[pid] = m.role
        self.p_group.append(m.group)
        self.p_fore.append(m.forename)
        self.p_mid.append(m.middle)
        self.p_sur.append(m.surname)
        self.p_birth_sur.append(m.birth_surname)
        self.p_prev_sur.append(m.birth_surname if m.surname != m.birth_surname else "")
        self.p_sur_change.append(m.surname_change if m.surname != m.birth_surname else OPEN)
        self.p_married.append(m.married)
        self.p_dod.append(OPEN)
        self.p_arrive.append(arrive)
        self.p_leave.append(OPEN)
        self.p_last_hh.append(-1)
        self.p_suffix.append(0)
        return pid

    def open(self, pid: int, u: int, h: int, role: int, day: int) -> None:
        rs = self.rs
        self.p_spell[pid] = len(rs["pid"])
        for k, v in (("pid", pid), ("uprn", u), ("hh", h), ("role", role), ("start", day), ("end", OPEN)):
            rs[k].append(v)
        self.p_hh[pid], self.p_role[pid] = h, role
        self.p_last_hh[pid] = h

    def close(self, pid: int, day: int) -> None:
        self.rs["end"][int(self.p_spell[pid])] = day
        self.p_hh[pid] = -1

    def set_role(self, pid: int, role: int, day: int) -> None:
        h, u = int(self.p_hh[pid]), self.h_uprn[int(self.p_hh[pid])]
        if self.rs["start"][int(self.p_spell[pid])] == day:
            self.rs["role"][int(self.p_spell[pid])] = role
            self.p_role[pid] = role
            return
        self.close(pid, day)
        self.open(pid, u, h, role, day)

    # -- households and homes ------------------------------------------------------------------
    def new_household(self, htype: int, u: int, council: bool) -> int:
        self.h_type.append(htype)
        self.h_uprn.append(u)
        self.h_members.append([])
        self.h_council.append(council)
        return len(self.h_type) - 1

    def place(self, members: list[Member], h: int, u: int, day: int, arrive: int | None = None) -> list[int]:
        pids = []
        for m in members:
            pid = self.add_person(m, max(arrive if arrive is not None else day, m.dob))
            self.open(pid, u, h, m.role, max(day, m.dob))
            self.h_members[h].append(pid)
            pids.append(pid)
        self.u_hh[u] = h
        return pids

    def setup_addresses(self, gaz: Gazetteer, occupied: np.ndarray, long_vacant: np.ndarray) -> None:
        self.gaz = gaz
        self.u_hh = np.full(gaz.kind.size, -1, np.int32)
        self.u_free_from = np.full(gaz.kind.size, self.t0 - 60, np.int64)
        self.pools: dict[tuple[int, bool], list[int]] = {}
        self.u_pos = np.full(gaz.kind.size, -1, np.int64)
        res = gaz.residential
        free = res[~occupied[res] & ~long_vacant[res]]
        for u in free.tolist():
            self._pool_add(u)

    def _pool_add(self, u: int) -> None:
        key = (int(self.gaz.kind[u]), bool(self.gaz.council[u]))
        pool = self.pools.setdefault(key, [])
        self.u_pos[u] = len(pool)
        pool.append(u)

    def _pool_remove(self, u: int) -> None:
        key = (int(self.gaz.kind[u]), bool(self.gaz.council[u]))
        pool, i = self.pools[key], int(self.u_pos[u])
        last = pool.pop()
        if last != u:
            pool[i] = last
            self.u_pos[last] = i
        self.u_pos[u] = -1

    def release(self, u: int, day: int) -> None:
        self.u_hh[u] = -1
        self.u_free_from[u] = day
        self._pool_add(u)

    def vacancy(self, kind: int, council: bool, day: int) -> int:
        pool = self.pools.get((kind, council), [])
        for _ in range(6):
            if not pool:
                return -1
            u = pool[self.d.int(len(pool))]
            if self.u_free_from[u] < day:
                self._pool_remove(u)
                return u
        return -1

    def end_if_empty(self, h: int, day: int, release: bool = True) -> None:
        if not self.h_members[h]:
            if release and self.h_uprn[h] >= 0:
                self.release(self.h_uprn[h], day)
            self.h_uprn[h] = -1

    def promote(self, h: int, day: int) -> None:
        """After the head leaves or dies: the partner, else the eldest adult, heads the household."""
        members = self.h_members[h]
        if not members or any(self.p_role[p] == HEAD for p in members):
            return
        adults = [p for p in members if day - self.p_dob[p] >= 18 * 365.25]
        if not adults:  # only children left: they go to relatives outside the borough
            for p in list(members):
                self.leave_borough(p, day)
            return
        partner = next((p for p in adults if self.p_role[p] == PARTNER), None)
        new = partner if partner is not None else min(adults, key=lambda p: self.p_dob[p])
        self.set_role(new, HEAD, day)

    def leave_borough(self, pid: int, day: int) -> None:
        h = int(self.p_hh[pid])
        self.close(pid, day)
        self.p_leave[pid] = day
        self.h_members[h].remove(pid)

    # -- events --------------------------------------------------------------------------------
    def ev_death(self, pid: int, day: int) -> None:
        h = int(self.p_hh[pid])
        if h < 0:
            return
        self.close(pid, day)
        self.p_dod[pid] = day
        self.h_members[h].remove(pid)
        self.promote(h, day)
        self.end_if_empty(h, day)

    def ev_birth(self, mother: int, day: int) -> None:
        h = int(self.p_hh[mother])
        if h < 0 or self.h_uprn[h] < 0:
            return
        d = self.d
        father = next((p for p in self.h_members[h] if self.p_sex[p] == 1 and self.p_role[p] in (HEAD, PARTNER)), None)
        n = 2 if d.chance(TWIN_BIRTH_RATE) else 1
        group = self.p_group[mother] if father is None or d.chance(0.6) else self.p_group[father]
        babies = []
        for k in range(n):
            sex = ("M" if d.chance(0.51) else "F") if k == 0 or d.chance(0.4) else babies[0].sex
            if father is not None:
                gendered = self.p_group[father] in ("polish", "east_european")
                sur = self.p_birth_sur[father] if gendered else self.p_sur[father]
            else:
                sur = self.p_sur[mother]
            if sex == "F" and group in ("polish", "east_european"):
                sur = female_form(sur)
            fore = self.nb.forename(group, sex, 2020, d.u())
            mid = self.nb.forename(group, sex, 2020, d.u()) if d.chance(0.6) else ""
            babies.append(Member(sex, day, CHILD, group, fore, "" if mid == fore else mid, sur, sur, OPEN, False))
        if n == 2 and babies[0].sex == babies[1].sex and d.chance(0.4):
            similar = [p for p in SIMILAR_TWIN_NAMES if p[0] == babies[0].sex]
            _, babies[0].forename, babies[1].forename = d.pick(similar)
        pids = self.place(babies, h, self.h_uprn[h], day)
        if n == 2:
            self.twins.append((pids[0], pids[1]))

    def ev_out(self, h: int, day: int) -> None:
        u = self.h_uprn[h]
        if u < 0 or h in self.frozen:
            return
        for p in list(self.h_members[h]):
            self.leave_borough(p, day)
        self.release(u, day)
        self.h_uprn[h] = -1

    def _preferred(self, h: int) -> tuple[int, bool]:
        d = self.d
        fam = self.h_type[h] in FAMILY_TYPES
        kind = HOUSE if (d.chance(0.65) if fam else d.chance(0.25)) else FLAT
        council = self.h_council[h] and d.chance(0.7)
        return kind, council

    def move_household(self, h: int, new_u: int, day: int, release: bool = True) -> None:
        old = self.h_uprn[h]
        for p in self.h_members[h]:
            role = int(self.p_role[p])
            self.close(p, day)
            self.open(p, new_u, h, role, day)
        if release:
            self.release(old, day)
        self.h_uprn[h] = new_u
        self.h_council[h] = bool(self.gaz.council[new_u])
        self.u_hh[new_u] = h

    def ev_within(self, h: int, day: int) -> None:
        if self.h_uprn[h] < 0 or h in self.frozen:
            return
        kind, council = self._preferred(h)
        u = self.vacancy(kind, council, day)
        if u < 0:
            u = self.vacancy(kind, False, day)
        if u >= 0:
            self.move_household(h, u, day)

    def _set_up_alone(self, pid: int, day: int) -> bool:
        """A person leaving a household for their own flat (or an HMO room) in the borough."""
        d = self.d
        old = int(self.p_hh[pid])
        if d.chance(0.3):
            for _ in range(6):
                hmos = self.pools_hmo
                if not hmos:
                    break
                u = hmos[d.int(len(hmos))]
                h = int(self.u_hh[u])
                if h >= 0 and self.h_type[h] == T["sharers"] and len(self.h_members[h]) < self.gaz.rooms[u]:
                    self.close(pid, day)
                    self.h_members[old].remove(pid)
                    self.open(pid, u, h, SHARER, day)
                    self.h_members[h].append(pid)
                    return True
        u = self.vacancy(FLAT, False, day)
        if u < 0:
            return False
        self.close(pid, day)
        self.h_members[old].remove(pid)
        h = self.new_household(T["single_young"], u, False)
        self.open(pid, u, h, HEAD, day)
        self.h_members[h].append(pid)
        self.u_hh[u] = h
        return True

    def ev_leave_home(self, pid: int, day: int) -> None:
        h = int(self.p_hh[pid])
        if h < 0 or h in self.frozen:
            return
        if not (self.d.chance(0.45) and self._set_up_alone(pid, day)):
            self.leave_borough(pid, day)
        self.promote(h, day)
        self.end_if_empty(h, day)

    def ev_separate(self, h: int, day: int) -> None:
        if self.h_uprn[h] < 0 or h in self.frozen:
            return
        partner = next((p for p in self.h_members[h] if self.p_role[p] == PARTNER), None)
        if partner is None:
            return
        head = next((p for p in self.h_members[h] if self.p_role[p] == HEAD), None)
        leaver = head if head is not None and self.d.chance(0.3) else partner
        if not (self.d.chance(0.5) and self._set_up_alone(leaver, day)):
            self.leave_borough(leaver, day)
        self.promote(h, day)
        self.end_if_empty(h, day)

    def ev_pair(self, f: int, m: int, day: int) -> None:
        hf, hm = int(self.p_hh[f]), int(self.p_hh[m])
        if hf < 0 or hm < 0 or hf == hm or len(self.h_members[hf]) != 1 or len(self.h_members[hm]) != 1:
            return
        if hf in self.frozen or hm in self.frozen:
            return
        d = self.d
        mover, stayer = (f, m) if d.chance(0.7) else (m, f)
        hold = int(self.p_hh[mover])
        hnew = int(self.p_hh[stayer])
        self.close(mover, day)
        self.h_members[hold].remove(mover)
        self.end_if_empty(hold, day)
        self.open(mover, self.h_uprn[hnew], hnew, PARTNER, day)
        self.h_members[hnew].append(mover)
        self.h_type[hnew] = T["couple"]
        if d.chance(0.5):
            self.p_married[f] = self.p_married[m] = True
            if d.chance(MARRIAGE_SURNAME_CHANGE[self.p_group[f]]):
                new = self.p_sur[m]
                if self.p_group[f] in ("polish", "east_european"):
                    new = female_form(self.p_birth_sur[m])
                if new != self.p_sur[f]:
                    self.p_prev_sur[f] = self.p_sur[f]
                    self.p_sur[f] = new
                    self.p_sur_change[f] = day

    def ev_sharer_out(self, pid: int, day: int) -> None:
        h = int(self.p_hh[pid])
        if h < 0 or h in self.frozen:
            return
        self.leave_borough(pid, day)
        self.promote(h, day)
        self.end_if_empty(h, day)

    def ev_fill(self, u: int, day: int) -> None:
        if self.u_hh[u] >= 0 or self.u_pos[u] < 0 or self.u_free_from[u] >= day:
            return
        self._pool_remove(u)
        kind = {HOUSE: "house", FLAT: "flat", HMO: "hmo"}[int(self.gaz.kind[u])]
        council = bool(self.gaz.council[u])
        htype = draw_type(self.d, kind, council)
        rooms = int(self.gaz.rooms[u]) - self.d.int(2) if htype == T["sharers"] else 4
        members = self.comp.household(htype, day, rooms)
        h = self.new_household(htype, u, council)
        self.place(members, h, u, day)

    def ev_room(self, u: int, day: int) -> None:
        h = int(self.u_hh[u])
        if h < 0 or self.h_type[h] != T["sharers"] or len(self.h_members[h]) >= self.gaz.rooms[u]:
            return
        self.place([self.comp.sharer(day)], h, u, day)

    def ev_sublet(self, h: int, day: int) -> None:
        """Planted: a council tenant household moves to a private home and sublets the council flat."""
        u = self.h_uprn[h]
        if u < 0 or h in self.frozen or not self.gaz.council[u]:
            self.sublet_debt += 1
            return
        kind, _ = self._preferred(h)
        new_u = self.vacancy(kind, False, day)
        if new_u < 0:
            new_u = self.vacancy(FLAT if kind == HOUSE else HOUSE, False, day)
        if new_u < 0:
            self.sublet_debt += 1
            return
        lead = next((p for p in self.h_members[h] if self.p_role[p] == HEAD), self.h_members[h][0])
        self.move_household(h, new_u, day, release=False)
        later = min(day + 1 + self.d.int(20), self.month_end - 1)
        sh = self.new_household(T["sublet"], u, True)
        self.place(self.comp.household(T["sublet"], later), sh, u, later)
        self.frozen.update({h, sh})
        self.sublets.append({"tenant_hh": h, "lead_pid": lead, "uprn": u, "sublet_hh": sh, "day": day})

    def ev_forced_death(self, pid: int, day: int) -> None:
        if self.p_hh[pid] >= 0:
            self.ev_death(pid, day)
            self.forced_deaths.append(pid)

    # -- the month loop ------------------------------------------------------------------------
    def month(self, m0: int, m1: int, plan: dict[int, list[tuple[int, int]]]) -> None:
        rng, span = self.rng, m1 - m0
        self.month_end = m1
        n = self.n
        hh, dob, sex, role = self.p_hh[:n], self.p_dob[:n], self.p_sex[:n], self.p_role[:n]
        res = np.flatnonzero(hh >= 0)
        age = (m0 - dob[res]) / 365.25
        events: list[tuple[int, int, int, int, int]] = []

        def add(kind: int, subjects: np.ndarray, other: np.ndarray | None = None) -> None:
            days = m0 + rng.integers(0, span, size=subjects.size)
            o = other if other is not None else np.zeros(subjects.size, np.int64)
            events.extend(zip(days.tolist(), [kind] * subjects.size, subjects.tolist(), o.tolist()))

        q = np.minimum(0.5, np.exp(-10.6 + 0.097 * age)) + np.where(age < 1, 0.003, 0)
        add(DEATH, res[rng.random(res.size) < q / 12])
        mothers = (sex[res] == 0) & np.isin(role[res], (HEAD, PARTNER)) & (age >= 16) & (age <= 46)
        birth_p = 0.13 * np.exp(-(((age - 31) / 6.0) ** 2))
        add(BIRTH, res[mothers & (rng.random(res.size) < birth_p / 12)])
        kids = (role[res] == CHILD) & (age >= 18) & (age < 35)
        add(LEAVE_HOME, res[kids & (rng.random(res.size) < LEAVE_HOME_RATE / 12)])
        sharers = np.isin(role[res], (SHARER, HEAD)) & np.isin(
            np.array(self.h_type, np.int16)[hh[res]], (T["sharers"],))
        add(SHARER_OUT, res[sharers & (rng.random(res.size) < SHARER_OUT_RATE / 12)])

        h_uprn = np.array(self.h_uprn, np.int64)
        h_type = np.array(self.h_type, np.int16)
        live = np.flatnonzero(h_uprn >= 0)
        out_rate = np.zeros(len(TYPES))
        within_rate = np.zeros(len(TYPES))
        for name, r in OUT_RATE.items():
            out_rate[T[name]] = r
        for name, r in WITHIN_RATE.items():
            within_rate[T[name]] = r
        council = np.array(self.h_council, bool)[live]
        u = rng.random(live.size)
        p_out = out_rate[h_type[live]] * np.where(council, 0.5, 1.0) / 12
        p_within = within_rate[h_type[live]] / 12
        add(OUT, live[u < p_out])
        add(WITHIN, live[(u >= p_out) & (u < p_out + p_within)])
        partnered = np.zeros(len(self.h_type), bool)
        partnered[hh[res][role[res] == PARTNER]] = True
        add(SEPARATE, live[partnered[live] & (rng.random(live.size) < SEPARATION_RATE / 12)])
        singles = live[h_type[live] == T["single_young"]]
        if singles.size:
            heads = np.array([self.h_members[h][0] if self.h_members[h] else -1 for h in singles.tolist()])
            heads = heads[heads >= 0]
            a = (m0 - dob[heads]) / 365.25
            ok = heads[(a >= 20) & (a <= 50) & (rng.random(heads.size) < PAIRING_RATE / 12)]
            f, m = ok[sex[ok] == 0], ok[sex[ok] == 1]
            k = min(f.size, m.size)
            add(PAIR, f[:k], rng.permutation(m)[:k])
        vacant = np.flatnonzero(self.u_pos >= 0)
        vacant = vacant[self.u_free_from[vacant] < m0]
        add(FILL, vacant[rng.random(vacant.size) < FILL_PER_MONTH])
        hmo_units = np.array(self.pools_hmo, np.int64)
        if hmo_units.size:
            occ = self.u_hh[hmo_units]
            sizes = np.array([len(self.h_members[h]) if h >= 0 else 99 for h in occ.tolist()])
            free = np.maximum(self.gaz.rooms[hmo_units] - sizes, 0)
            add(ROOM, hmo_units[rng.random(hmo_units.size) < 1 - (1 - ROOM_FILL_PER_MONTH) ** free])
        sublet_types = np.isin(h_type[live], [T["single_young"], T["couple"], T["single_old"], T["lone_parent"]])
        sublet_cands = live[council & sublet_types]
        if sublet_cands.size == 0:
            sublet_cands = live[council & (h_type[live] != T["sublet"])]
        todo = plan.get(m0, []) + [(SUBLET, 0)] * (self.sublet_debt if m0 < self.as_of - 45 else 0)
        self.sublet_debt = 0
        for kind, subject in todo:
            day = m0 + int(rng.integers(0, span))
            if kind == SUBLET:
                h = int(sublet_cands[int(rng.integers(sublet_cands.size))]) if sublet_cands.size else -1
                if h >= 0 and h not in self.frozen:
                    events.append((day, SUBLET, h, 0))
                else:
                    self.sublet_debt += 1
            elif kind == FORCED_DEATH:
                old = res[(age >= 60) & (role[res] == HEAD)]
                if old.size == 0:
                    old = res[age >= 30]
                if old.size:
                    events.append((day, FORCED_DEATH, int(old[int(rng.integers(old.size))]), 0))
        events.sort()
        handlers = {DEATH: self.ev_death, BIRTH: self.ev_birth, OUT: self.ev_out, WITHIN: self.ev_within,
                    LEAVE_HOME: self.ev_leave_home, SEPARATE: self.ev_separate, SHARER_OUT: self.ev_sharer_out,
                    FILL: self.ev_fill, ROOM: self.ev_room, SUBLET: self.ev_sublet,
                    FORCED_DEATH: self.ev_forced_death}
        for day, kind, a, b in events:
            if kind == PAIR:
                self.ev_pair(a, b, day)
            else:
                handlers[kind](a, day)


def _month_starts(t0: int, as_of: int) -> list[int]:
    days = np.arange(t0, as_of + 1)
    y, m, d = ymd(days)
    starts = days[d == 1].tolist()
    if not starts or starts[0] != t0:
        starts = [t0] + starts
    return starts


def simulate(seed: int, residents: int, t0: int, as_of: int) -> Population:
    names = NameBook()
    sim = _Sim(seed, t0, as_of, names)
    d = sim.d
    # 1. starting households, by the kind of home they live in, until the target head-count is reached
    keys = list(STOCK)
    cum = np.cumsum([STOCK[k] for k in keys]).tolist()
    homes: list[tuple[str, bool]] = []
    types: list[int] = []
    households: list[list[Member]] = []
    people = 0
    while people < residents:
        u = d.u()
        key = keys[next(i for i, c in enumerate(cum) if u < c or i == len(cum) - 1)]
        htype = draw_type(d, *key)
        members = sim.comp.household(htype, t0, 3 + d.int(4))
        households.append(members)
        homes.append(key)
        types.append(htype)
        people += len(members)
    twins = plant_twins(d, households)
    father_son = plant_father_son(d, households)
    plant_common_names(d, households, people)

    # 2. the gazetteer, sized to demand plus ~5% empty homes
    demand = {"house_private": 0, "house_council": 0, "flat_private": 0, "flat_council": 0, "hmo": 0}
    for kind, council in homes:
        demand["hmo" if kind == "hmo" else f"{kind}_{'council' if council else 'private'}"] += 1
    demand = {k: int(np.ceil(v / 0.95)) + (1 if v else 0) for k, v in demand.items()}
    gaz = build_gazetteer(stream(seed, "gazetteer"), demand)
    by_key: dict[tuple[int, bool], list[int]] = {}
    for uu in gaz.residential.tolist():
        by_key.setdefault((int(gaz.kind[uu]), bool(gaz.council[uu])), []).append(uu)
    for lst in by_key.values():
        perm = sim.rng.permutation(len(lst))
        lst[:] = [lst[i] for i in perm]
    occupied = np.zeros(gaz.kind.size, bool)
    sim.u_hh = np.full(gaz.kind.size, -1, np.int32)
    assigned = []
    for (kind, council), members in zip(homes, households):
        uu = by_key[(_KIND[kind], council)].pop()
        occupied[uu] = True
        assigned.append(uu)
    long_vacant = np.zeros(gaz.kind.size, bool)
    for lst in by_key.values():  # half of the spare homes stay empty the whole time
        for uu in lst[: len(lst) // 2]:
            long_vacant[uu] = True
    sim.setup_addresses(gaz, occupied, long_vacant)
    sim.pools_hmo = gaz.residential[gaz.kind[gaz.residential] == HMO].tolist()

    # 3. place them, with how long they have lived there
    twins_of: dict[int, list[tuple[int, int]]] = {}
    for i, a, b in twins:
        twins_of.setdefault(i, []).append((a, b))
    fs = {i: (f, s, jr) for i, f, s, jr in father_son}
    for i, ((kind, council), members, uu) in enumerate(zip(homes, households, assigned)):
        if _KIND[kind] == HMO:
            gaz.rooms[uu] = max(int(gaz.rooms[uu]), len(members))
        head = members[0]
        max_years = max((t0 - head.dob) / 365.25 - 18, 0.2)
        mean = 1.5 if kind == "hmo" else 9.0
        years = min(-mean * np.log(1 - d.u() * 0.999), max_years)
        arrive = int(t0 - years * 365.25)
        htype = types[i]
        h = sim.new_household(htype, uu, council)
        pids = []
        for m in members:
            a = arrive if kind != "hmo" else int(t0 - (-1.5 * np.log(1 - d.u() * 0.999)) * 365.25)
            pid = sim.add_person(m, max(a, m.dob))
            sim.open(pid, uu, h, m.role, max(a, m.dob))
            sim.h_members[h].append(pid)
            pids.append(pid)
        sim.u_hh[uu] = h
        for a_, b_ in twins_of.get(i, []):
            sim.twins.append((pids[a_], pids[b_]))
        if i in fs:
            f, s, jr = fs[i]
            sim.father_son.append((pids[f], pids[s]))
            sim.p_suffix[pids[s]] = int(jr)

    # 4. four years of months, with the planted sublets and final-year deaths scheduled
    starts = _month_starts(t0, as_of)
    plan: dict[int, list[tuple[int, int]]] = {}
    n_sublet = max(2, round(residents * 0.002))
    n_deaths = max(3, round(residents * 0.003))
    window = [s for s in starts if as_of - 730 <= s <= as_of - 120] or starts[:1]
    for k in range(n_sublet):
        plan.setdefault(window[k % len(window)], []).append((SUBLET, 0))
    window = [s for s in starts if as_of - 300 <= s <= as_of - 75] or starts[-2:-1] or starts[:1]
    for k in range(n_deaths):
        plan.setdefault(window[k % len(window)], []).append((FORCED_DEATH, 0))
    for i, m0 in enumerate(starts):
        m1 = starts[i + 1] if i + 1 < len(starts) else as_of + 1
        sim.month(m0, m1, plan)
    return _population(sim, gaz)


def _population(sim: _Sim, gaz: Gazetteer) -> Population:
    n = sim.n
    persons = pl.DataFrame({
        "pid": np.arange(n, dtype=np.int32),
        "sex": np.where(sim.p_sex[:n] == 1, "M", "F"),
        "dob": sim.p_dob[:n],
        "group": sim.p_group,
        "forename": sim.p_fore,
        "middle": sim.p_mid,
        "surname": sim.p_sur,
        "birth_surname": sim.p_birth_sur,
        "prev_surname": sim.p_prev_sur,
        "surname_change": np.array(sim.p_sur_change, np.int64),
        "married": sim.p_married,
        "suffix": np.array(sim.p_suffix, np.int8),
        "dod": np.array(sim.p_dod, np.int64),
        "arrive": np.array(sim.p_arrive, np.int64),
        "leave": np.array(sim.p_leave, np.int64),
        "hh": np.array(sim.p_last_hh, np.int32),
    })
    rs = sim.rs
    residence = pl.DataFrame({k: np.array(v, np.int64) for k, v in rs.items()})
    residence = residence.filter(pl.col("end") > pl.col("start")).sort(["pid", "start", "end"])
    households = pl.DataFrame({"hh": np.arange(len(sim.h_type), dtype=np.int32),
                               "type": [TYPES[t] for t in sim.h_type], "council": sim.h_council})
    return Population(persons, residence, households, gaz, sim.twins, sim.father_son, sim.sublets,
                      sim.forced_deaths, sim.frozen)
