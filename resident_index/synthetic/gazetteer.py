"""The borough's gazetteer (LLPG): streets, houses, converted houses, blocks of flats and HMOs.

Built to the population's demand (units by kind and council ownership, plus ~5% empty), laid out street
by street inside a grid of wards, so postcodes (~15 addresses each), polling districts and coordinates
follow the streets as they do in a real LLPG. Flats carry their building's UPRN as parent_uprn, and each
building is itself a row (property_type "building"), as parent shells are in a real gazetteer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from resident_index.synthetic.geo import bng_to_wgs84
from resident_index.synthetic.names import BLOCK_TYPES, SPECIAL_STREETS, STREET_TYPES, WARD_NAMES, street_roots

TOWN = "NORTHBRIDGE"
POSTCODE_AREA = "NB"
KINDS = ("house", "flat", "hmo", "building")
HOUSE, FLAT, HMO, BUILDING = range(4)
#: how a flat's secondary name is written in the LLPG
SAO_NONE, SAO_FLAT_NO, SAO_FLAT_LETTER, SAO_FLOOR, SAO_APARTMENT = range(5)
FLOORS = ["GROUND FLOOR FLAT", "FIRST FLOOR FLAT", "SECOND FLOOR FLAT", "THIRD FLOOR FLAT"]


def flat_letter(n: int) -> str:
    return chr(64 + n) if 1 <= n <= 26 else str(n)


def flat_label(style: int, n: int) -> str:
    """How a building names its n-th flat: FLAT 3, FLAT C, SECOND FLOOR FLAT or APARTMENT 3."""
    if style == SAO_FLAT_LETTER:
        return f"FLAT {flat_letter(n)}"
    if style == SAO_FLOOR:
        return FLOORS[min(n - 1, 3)]
    if style == SAO_APARTMENT:
        return f"APARTMENT {n}"
    return f"FLAT {n}"
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
_BOX = (532000.0, 182000.0, 12000.0, 10000.0)  # west, south, width, height (BNG metres)


@dataclass
class Gazetteer:
    """The LLPG table plus per-row arrays the population and the renderers index by row number."""

    llpg: pl.DataFrame  # output columns, one row per UPRN (row i <-> arrays[i])
    kind: np.ndarray  # HOUSE/FLAT/HMO/BUILDING
    council: np.ndarray  # owned by the council (a tenancy in housing_tenancies)
    ward: np.ndarray  # ward index
    rooms: np.ndarray  # lettable rooms of an HMO
    sao_style: np.ndarray
    flat_no: np.ndarray  # flat number / letter index (1-based) where sao_style uses one
    pao_is_number: np.ndarray
    ward_names: list[str]
    wards_cpz: np.ndarray  # ward index -> inside a controlled parking zone

    @property
    def residential(self) -> np.ndarray:
        return np.flatnonzero(self.kind != BUILDING)


def _street_names(rng: np.random.Generator, n: int) -> list[str]:
    roots = street_roots()
    types, weights = zip(*STREET_TYPES)
    p = np.array(weights, float) / sum(weights)
    names: list[str] = list(SPECIAL_STREETS[: max(1, min(len(SPECIAL_STREETS), n // 20))])
    seen = set(names)
    while len(names) < n:
        name = f"{roots[rng.integers(len(roots))]} {types[rng.choice(len(types), p=p)]}"
        if name not in seen or rng.random() < 0.03:  # a few names repeat in another part of the borough
            seen.add(name)
            names.append(name)
    order = rng.permutation(len(names))
    return [names[i] for i in order]


def _block_name(rng: np.random.Generator, used: set[str]) -> str:
    """A name for a block of flats, unused in the borough while unused names remain (after 4,000, or once
    every root and block type has been used, names repeat in another part of the borough)."""
    roots = street_roots()
    possible = len(set(roots)) * len(set(BLOCK_TYPES))  # 1,980: a 1,000,000-resident borough names more blocks
    while True:
        name = f"{roots[rng.integers(len(roots))]} {BLOCK_TYPES[rng.integers(len(BLOCK_TYPES))]}"
        if name not in used or len(used) > 4000 or len(used) >= possible:
            used.add(name)
            return name


def _ward_codes(names: list[str]) -> list[str]:
    codes, used = [], set()
    for name in names:
        words = name.upper().split()
        cand = (words[0][0] + (words[1][0] if len(words) > 1 else words[0][1]))
        i = 2
        while cand in used:
            cand = words[0][0] + words[0][i % len(words[0])]
            i += 1
        used.add(cand)
        codes.append(cand)
    return codes


def build_gazetteer(rng: np.random.Generator, demand: dict[str, int]) -> Gazetteer:
    """demand: units wanted of house_private, house_council, flat_private, flat_council, hmo."""
    # 1. buildings: (kind, council, units, sao_style)
    items: list[tuple[int, bool, int, int]] = []
    for _ in range(demand["house_private"]):
        items.append((HOUSE, False, 1, SAO_NONE))
    for _ in range(demand["hmo"]):
        items.append((HMO, False, 1, SAO_NONE))
    left = demand["flat_private"]
    conv = int(left * 0.3)
    while conv > 0:
        k = int(min(conv, rng.choice([2, 2, 3, 3, 4])))
        style = rng.choice([SAO_FLAT_LETTER, SAO_FLAT_LETTER, SAO_FLAT_NO, SAO_FLOOR])
        items.append((BUILDING, False, k, int(style)))
        conv -= k
        left -= k
    blocks: list[tuple[int, bool, int, int]] = []
    while left > 0:
        k = int(min(left, rng.integers(6, 41)))
        blocks.append((BUILDING, False, k, SAO_APARTMENT if rng.random() < 0.15 else SAO_FLAT_NO))
        left -= k
    estates: list[list[tuple[int, bool, int, int]]] = []
    left = demand["flat_council"]
    while left > 0:
        estate = []
        for _ in range(int(rng.integers(1, 5))):
            if left <= 0:
                break
            k = int(min(left, rng.integers(8, 61)))
            estate.append((BUILDING, True, k, SAO_FLAT_NO))
            left -= k
        estates.append(estate)
    council_houses = [(HOUSE, True, 1, SAO_NONE)] * demand["house_council"]

    # 2. streets: terraces of houses/HMOs/conversions, private blocks dropped into them, estates apart
    order = rng.permutation(len(items))
    terrace_items = [items[i] for i in order]
    streets: list[list[tuple[int, bool, int, int]]] = []
    i = 0
    while i < len(terrace_items):
        n = int(rng.integers(12, 90))
        streets.append(terrace_items[i:i + n])
        i += n
    if not streets:
        streets.append([])
    for b in blocks + council_houses:
        streets[int(rng.integers(len(streets)))].append(b)
    for estate in estates:
        streets.append(estate)
    streets = [s for s in streets if s]
    streets = [streets[i] for i in rng.permutation(len(streets))]
    for s in streets:  # blocks and houses interleave along a street
        perm = rng.permutation(len(s))
        s[:] = [s[j] for j in perm]

    units = sum(it[2] for s in streets for it in s)
    n_wards = int(np.clip(units // 80, 2, 18))
    ward_names = WARD_NAMES[:n_wards]
    ward_codes = _ward_codes(ward_names)
    per_ward = units / n_wards
    street_names = _street_names(rng, len(streets))
    cols = math.ceil(math.sqrt(n_wards * 1.2))
    rows_ = math.ceil(n_wards / cols)
    west, south, width, height = _BOX
    cw, ch = width / cols, height / rows_

    # 3. rows
    R: dict[str, list] = {k: [] for k in ("kind", "council", "ward", "street", "parent", "sao", "pao", "pao_num",
                                          "sao_style", "flat_no", "x", "y", "rooms", "building", "pd")}
    used_blocks: set[str] = set()
    cum = 0
    bld = 0
    ward_streets: list[list[int]] = [[] for _ in range(n_wards)]
    for si, street in enumerate(streets):
        w = min(int(cum / per_ward), n_wards - 1)
        ward_streets[w].append(si)
        cum += sum(it[2] for it in street)
        cx = west + (w % cols + rng.uniform(0.1, 0.9)) * cw
        cy = south + (w // cols + rng.uniform(0.1, 0.9)) * ch
        ang = rng.uniform(0, math.pi)
        dx, dy = math.cos(ang), math.sin(ang)
        number = 0
        for pos, (kind, council, k, style) in enumerate(street):
            bx = cx + (pos // 2) * 9.0 * dx + (10 if pos % 2 else -10) * dy
            by = cy + (pos // 2) * 9.0 * dy - (10 if pos % 2 else -10) * dx
            named = kind == BUILDING and k >= 6 and (council or rng.random() < 0.6)
            if named:
                pao, pao_num = _block_name(rng, used_blocks), False
            else:
                number += 1
                pao, pao_num = str(number), True
            parent = len(R["kind"])
            rows = [(kind, "", SAO_NONE, 0, -1)]
            if kind == BUILDING:
                for f in range(1, k + 1):
                    rows.append((FLAT, flat_label(style, f), style, f, parent))
            for rk, sao, st, fno, par in rows:
                R["kind"].append(rk)
                R["council"].append(council)
                R["ward"].append(w)
                R["street"].append(si)
                R["parent"].append(par)
                R["sao"].append(sao)
                R["pao"].append(pao)
                R["pao_num"].append(pao_num)
                R["sao_style"].append(st)
                R["flat_no"].append(fno)
                R["x"].append(bx)
                R["y"].append(by)
                R["rooms"].append(int(rng.integers(3, 7)) if rk == HMO else 0)
                R["building"].append(bld)
            bld += 1

    n = len(R["kind"])
    kind = np.array(R["kind"], np.int8)
    ward = np.array(R["ward"], np.int32)
    street = np.array(R["street"], np.int32)
    building = np.array(R["building"], np.int32)

    # polling districts: each ward's streets split into 1-5 runs
    pd_of_street = np.empty(len(streets), object)
    for w, sts in enumerate(ward_streets):
        k = int(np.clip(len(sts) // 4, 1, 5))
        for j, si in enumerate(sts):
            pd_of_street[si] = f"{ward_codes[w]}{1 + j * k // max(len(sts), 1)}"

    # postcodes: walk buildings in order; big blocks get their own unit, others share ~15 addresses
    n_units = int((kind != BUILDING).sum())
    n_districts = max(2, math.ceil(n_units / 1500 / 1.0))
    n_districts = min(n_districts, 99)
    postcode = np.empty(n, object)
    unit_count = [0] * n_districts
    letters = [a + b for a in _INWARD for b in _INWARD]
    district_perm = [rng.permutation(len(letters) * 9) for _ in range(n_districts)]
    current, size, target, last_key = None, 0, 0, None
    starts = np.flatnonzero(np.r_[True, building[1:] != building[:-1]])
    ends = np.r_[starts[1:], n]
    for s, e in zip(starts.tolist(), ends.tolist()):
        addresses = max(e - s - (1 if kind[s] == BUILDING else 0), 1)
        d = min(int(ward[s] * n_districts / n_wards), n_districts - 1)
        key = (d, street[s])
        if current is None or size + addresses > target or addresses > 20 or key[0] != last_key:
            code = district_perm[d][unit_count[d] % len(district_perm[d])]
            unit_count[d] += 1
            sector, unit = 1 + code // len(letters), letters[code % len(letters)]
            current = f"{POSTCODE_AREA}{d + 1} {sector % 10}{unit}"
            size, target = 0, int(rng.integers(8, 23))
        postcode[s:e] = current
        size += addresses
        last_key = key[0]
        if addresses > 20:
            current = None

    uprn = np.sort(rng.choice(np.arange(100_020_000_000, 100_099_999_999, 7, dtype=np.int64), n, replace=False))
    uprn = uprn[rng.permutation(n)]
    parent = np.array(R["parent"], np.int64)
    x = np.round(np.array(R["x"]), 1)
    y = np.round(np.array(R["y"]), 1)
    lat, lon = bng_to_wgs84(x, y)
    localities = [nm.upper() if j % 3 else "" for j, nm in enumerate(ward_names)]
    street_locality = [localities[w] if (si % 2 == 0) else "" for w, sts in enumerate(ward_streets) for si in sts]
    street_locality_map = {si: street_locality[j] for j, si in enumerate([si for sts in ward_streets for si in sts])}
    sao = np.array(R["sao"], object)
    pao = np.array(R["pao"], object)
    pao_num = np.array(R["pao_num"], bool)
    street_name = np.array([street_names[s] for s in street.tolist()], object)
    locality = np.array([street_locality_map[s] for s in street.tolist()], object)
    kind_name = np.array(KINDS, object)[kind]
    llpg = pl.DataFrame({
        "uprn": [str(u) for u in uprn.tolist()],
        "parent_uprn": [str(uprn[p]) if p >= 0 else "" for p in parent.tolist()],
        "sao": sao.tolist(),
        "pao": pao.tolist(),
        "street": street_name.tolist(),
        "locality": locality.tolist(),
        "town": [TOWN] * n,
        "postcode": postcode.tolist(),
        "ward": [ward_names[w] for w in ward.tolist()],
        "polling_district": [pd_of_street[s] for s in street.tolist()],
        "easting": [f"{v:.1f}" for v in x.tolist()],
        "northing": [f"{v:.1f}" for v in y.tolist()],
        "latitude": [f"{v:.6f}" for v in lat.tolist()],
        "longitude": [f"{v:.6f}" for v in lon.tolist()],
        "property_type": kind_name.tolist(),
    })
    thoroughfare = (pl.when(pl.col("pao_is_num")).then(pl.col("pao") + " " + pl.col("street"))
                    .otherwise(pl.col("street")))
    llpg = llpg.with_columns(pao_is_num=pl.Series(pao_num)).with_columns(
        address_text=pl.concat_str([
            pl.col("sao").replace("", None),
            pl.when(pl.col("pao_is_num")).then(None).otherwise(pl.col("pao")),
            thoroughfare, pl.col("locality").replace("", None), pl.col("town"), pl.col("postcode")],
            separator=", ", ignore_nulls=True)).drop("pao_is_num")
    cpz = rng.random(n_wards) < 0.6
    return Gazetteer(
        llpg=llpg, kind=kind, council=np.array(R["council"], bool), ward=ward,
        rooms=np.array(R["rooms"], np.int8), sao_style=np.array(R["sao_style"], np.int8),
        flat_no=np.array(R["flat_no"], np.int16), pao_is_number=pao_num, ward_names=ward_names, wards_cpz=cpz)
