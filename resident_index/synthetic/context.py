"""What every source system generator reads: the population, the gazetteer and per-person facts.

Per-person facts that systems share (NHS and NI numbers, phones, emails, GP practice, who is a citizen,
who is disabled) are drawn once here, so two systems holding the same person agree unless an error says
otherwise. `uprn_at` answers "where did the system last know this person lived on day k".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from resident_index.synthetic.days import OPEN
from resident_index.synthetic.identifiers import landlines, mobiles, nhs_numbers, ni_numbers
from resident_index.synthetic.names import CITIZEN_RATE
from resident_index.synthetic.population import Population
from resident_index.synthetic.randomness import stream

_KEY = 200_000
_OFF = 100_000
_EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "post.example.org"]


@dataclass
class Ctx:
    pop: Population
    seed: int
    as_of: int
    t0: int
    #: extracts each system ships: 2 (the day before as_of and as_of) or 1 (as_of only: a first extract)
    snapshots: int = 2
    n: int = 0
    # person arrays, indexed by pid
    sex: np.ndarray = field(default=None)
    dob: np.ndarray = field(default=None)
    dod: np.ndarray = field(default=None)
    leave: np.ndarray = field(default=None)
    arrive: np.ndarray = field(default=None)
    hh: np.ndarray = field(default=None)
    surname_change: np.ndarray = field(default=None)
    forename: list = field(default=None)
    middle: list = field(default=None)
    surname: list = field(default=None)
    birth_surname: list = field(default=None)
    prev_surname: list = field(default=None)
    group: list = field(default=None)
    married: np.ndarray = field(default=None)
    suffix: np.ndarray = field(default=None)
    nhs: np.ndarray = field(default=None)
    ni: list = field(default=None)
    mobile: list = field(default=None)
    email: list = field(default=None)
    landline: list = field(default=None)  # per household
    citizen: np.ndarray = field(default=None)
    register_u: np.ndarray = field(default=None)  # propensity to register to vote / take up a service
    disability_u: np.ndarray = field(default=None)
    gp: list = field(default=None)
    car: np.ndarray = field(default=None)  # per household: number of cars
    #: planted-case bookkeeping shared between systems
    plants: list = field(default_factory=list)
    evidence: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = self.pop.persons
        self.n = p.height
        rng = stream(self.seed, "context")
        self.sex = p["sex"].to_numpy()
        self.dob = p["dob"].to_numpy().astype(np.int64)
        self.dod = p["dod"].to_numpy()
        self.leave = p["leave"].to_numpy()
        self.arrive = p["arrive"].to_numpy()
        self.hh = p["hh"].to_numpy()
        self.surname_change = p["surname_change"].to_numpy()
        self.forename, self.middle = p["forename"].to_list(), p["middle"].to_list()
        self.surname, self.birth_surname = p["surname"].to_list(), p["birth_surname"].to_list()
        self.prev_surname, self.group = p["prev_surname"].to_list(), p["group"].to_list()
        self.married, self.suffix = p["married"].to_numpy(), p["suffix"].to_numpy()
        n = self.n
        self.nhs = nhs_numbers(rng, n)
        last_day = np.minimum(np.minimum(self.dod, self.leave), self.as_of)
        adult = (last_day - self.dob) >= 16 * 365.25
        has_ni = adult & (rng.random(n) < 0.96)
        ni = ni_numbers(rng, n)
        self.ni = [v if h else "" for v, h in zip(ni, has_ni.tolist())]
        mob = mobiles(rng, n)
        has_mob = ((last_day - self.dob) >= 13 * 365.25) & (rng.random(n) < 0.9)
        self.mobile = [m if h else "" for m, h in zip(mob, has_mob.tolist())]
        self.email = self._emails(rng, adult)
        self._share_family_emails(rng)
        n_hh = self.pop.households.height
        land = landlines(rng, n_hh)
        has_land = rng.random(n_hh) < 0.45
        self.landline = [v if h else "" for v, h in zip(land, has_land.tolist())]
        self.car = np.where(rng.random(n_hh) < 0.42, 1 + (rng.random(n_hh) < 0.2), 0)
        self.citizen = rng.random(n) < np.array([CITIZEN_RATE[g] for g in self.group])
        self.register_u = rng.random(n)
        self.disability_u = rng.random(n)
        self._residence_index()
        first_uprn = self.uprn_at(np.arange(n), self.arrive)
        ward = self.pop.gazetteer.ward[first_uprn]
        practices = max(2, int(np.ceil(len(self.pop.gazetteer.ward_names) * 1.5)))
        codes = [f"F8{4000 + 37 * i:04d}" for i in range(practices)]
        pick = (ward * 3 // 2 + (rng.random(n) < 0.3)) % practices
        self.gp = [codes[i] for i in pick.tolist()]

    def _emails(self, rng: np.random.Generator, adult: np.ndarray) -> list[str]:
        n = self.n
        style = rng.integers(0, 5, size=n)
        num = rng.integers(1, 99, size=n)
        dom = rng.integers(0, len(_EMAIL_DOMAINS), size=n)
        has = adult & (rng.random(n) < 0.72)
        out = []
        for i in range(n):
            if not has[i]:
                out.append("")
                continue
            f = _ascii(self.forename[i]).lower().replace(" ", "")
            s = _ascii(self.surname[i]).lower().replace(" ", "").replace("'", "")
            local = [f"{f}.{s}", f"{f[0]}{s}{num[i]}", f"{s}.{f}", f"{f}{num[i]}", f"{f}_{s}{num[i]}"][style[i]]
            out.append(f"{local}@{_EMAIL_DOMAINS[dom[i]]}")
        return out

    def _share_family_emails(self, rng: np.random.Generator) -> None:
        """Some adults use their household's one email address (the first adult's)."""
        first: dict[int, str] = {}
        share = rng.random(self.n) < 0.15
        for i, (h, e) in enumerate(zip(self.hh.tolist(), self.email)):
            if not e:
                continue
            if h in first:
                if share[i]:
                    self.email[i] = first[h]
            else:
                first[h] = e

    # -- residence --------------------------------------------------------------------------------
    def _residence_index(self) -> None:
        r = self.pop.residence
        self.rs_pid = r["pid"].to_numpy()
        self.rs_uprn = r["uprn"].to_numpy()
        self.rs_hh = r["hh"].to_numpy()
        self.rs_role = r["role"].to_numpy()
        self.rs_start = r["start"].to_numpy()
        self.rs_end = r["end"].to_numpy()
        self.rs_key = self.rs_pid * _KEY + (self.rs_start + _OFF)
        self.rs_first = np.searchsorted(self.rs_key, np.arange(self.n) * _KEY)

    def spell_at(self, pids: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Index of the latest spell starting on or before `day` (the first spell if none has)."""
        pids = np.asarray(pids, np.int64)
        key = pids * _KEY + (np.asarray(days, np.int64) + _OFF)
        idx = np.searchsorted(self.rs_key, key, side="right") - 1
        bad = (idx < 0) | (self.rs_pid[np.maximum(idx, 0)] != pids)
        return np.where(bad, self.rs_first[pids], idx)

    def uprn_at(self, pids: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The address the person lived at on `day`, or the last one before it (stale after moving out)."""
        return self.rs_uprn[self.spell_at(pids, days)]

    def lives_at(self, pids: np.ndarray, day: int) -> np.ndarray:
        """Gazetteer row where each person lives on `day`, or -1 (moved out, died, not arrived)."""
        idx = self.spell_at(pids, np.full(np.shape(pids), day))
        ok = (self.rs_start[idx] <= day) & (self.rs_end[idx] > day)
        return np.where(ok, self.rs_uprn[idx], -1)

    def lives_on(self, pids: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Like lives_at, with a day per person."""
        days = np.asarray(days, np.int64)
        idx = self.spell_at(pids, days)
        ok = (self.rs_start[idx] <= days) & (self.rs_end[idx] > days)
        return np.where(ok, self.rs_uprn[idx], -1)

    def surname_at(self, pids: np.ndarray, days: np.ndarray) -> list[str]:
        change = self.surname_change[pids]
        old = (np.asarray(days) < change) & (change < OPEN)
        return [self.prev_surname[p] if o else self.surname[p] for p, o in zip(pids.tolist(), old.tolist())]

    def age_at(self, pids: np.ndarray, days) -> np.ndarray:
        return (np.asarray(days) - self.dob[pids]) / 365.25

    def plant(self, case_type: str, pid: int, uprn_row: int, detail: str) -> None:
        self.plants.append((case_type, int(pid), int(uprn_row), detail))


def _ascii(text: str) -> str:
    from resident_index.synthetic.errors import fold_ascii
    return fold_ascii(text)
