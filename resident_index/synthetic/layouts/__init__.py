"""Council layouts: the same borough engine, written out as a different council's systems would write it.

The synthetic systems (`synthetic/systems/*.py`) render the bundled council, Northbridge. A layout renames
the place (town, postcode area) and re-renders each system's extract as another council's product would:
its own system name, file format, columns, codes, date and name formats. The people, addresses and errors
are the same draws, so two councils generated from one seed differ only in how they write things, which is
what a second council layout has to prove the pipeline copes with (issue 12 item 7).

A layout module has PLACE (a `Place`), SNAPSHOTS (extracts each system ships) and SYSTEMS: the Northbridge
system name -> a `System` (name, landing, relayout). `relayout(frame)` takes one Northbridge extract as
its module laid it out and returns the council's extract and an id map (old record id -> new record id;
a Northbridge row folded into another row's second person maps to `<id>~2`, one left out maps to nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import polars as pl

from resident_index.synthetic.gazetteer import POSTCODE_AREA, TOWN, Gazetteer


@dataclass(frozen=True)
class Place:
    """The council's town (upper case, as the gazetteer writes it) and postcode area."""

    town: str
    postcode_area: str


@dataclass(frozen=True)
class System:
    name: str
    landing: dict  # folder, format, extension, encoding, delimiter
    relayout: Callable[[pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame]]


def councils() -> dict:
    """Layout modules by council name; None is the bundled council's own layout."""
    from resident_index.synthetic.layouts import eastmere

    return {"northbridge": None, "eastmere": eastmere}


def layout(council: str):
    known = councils()
    if council not in known:
        raise ValueError(f"unknown synthetic council {council!r}; expected one of {list(known)}")
    return known[council]


def rename_place(gaz: Gazetteer, place: Place) -> None:
    """Move the gazetteer to `place`: town, localities and wards named after it, postcodes in its area."""
    old_town, new_town = TOWN, place.town
    title_old, title_new = old_town.title(), new_town.title()
    llpg = gaz.llpg.with_columns(
        town=pl.col("town").str.replace_all(old_town, new_town, literal=True),
        locality=pl.col("locality").str.replace_all(old_town, new_town, literal=True),
        ward=pl.col("ward").str.replace_all(title_old, title_new, literal=True),
        postcode=pl.lit(place.postcode_area) + pl.col("postcode").str.strip_prefix(POSTCODE_AREA),
        address_text=(pl.col("address_text").str.replace_all(old_town, new_town, literal=True)
                      .str.replace(rf"{POSTCODE_AREA}(\d+ \d[A-Z]{{2}})$", rf"{place.postcode_area}$1")),
    )
    gaz.llpg = llpg
    gaz.ward_names = [w.replace(title_old, title_new) for w in gaz.ward_names]


def identity_ids(frame: pl.DataFrame, old: str, new: str | None = None) -> pl.DataFrame:
    """The id map of a relayout that keeps every row and its record id."""
    return pl.DataFrame({"old_id": frame[old].cast(pl.Utf8), "new_id": frame[old].cast(pl.Utf8)})
