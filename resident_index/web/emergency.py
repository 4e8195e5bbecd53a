"""Emergency planning: who lives within a radius of a point, a UPRN or a postcode, with what a responder
needs to know (receives adult social care, holds a blue badge, under 5, over 75), and the same list of
everyone for GIS (the nightly export, defs/web/gis_export.py).

Coordinates are the gazetteer's easting and northing of each resident's current address (British National
Grid, metres: golden_residents.easting/northing), so a radius is a plain distance. The flags come from
evidence kinds, never a system's name: adult social care is a current record in a system whose YAML
declares `adult_care`; a blue badge is a current record in a system declaring an `entitlement`
whose `what` is a blue badge. Ages are on the day asked.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date

import duckdb

from resident_index.golden.lookup import _literal
from resident_index.tables import has_table

FLAGS = ("adult_care", "blue_badge", "under_5", "over_75")
FLAG_TITLES = {"adult_care": "receives adult social care", "blue_badge": "blue badge holder",
               "under_5": "under 5", "over_75": "over 75"}
#: the most a radius query may ask for (metres): a borough-wide list is the GIS export, not a page
MAX_RADIUS = 5000
#: the most rows the page's table lists (a dense 300 m holds thousands); the map, the counts and the
#: GeoJSON/CSV exports always hold everyone
PAGE_ROWS = 500


@dataclass
class Centre:
    easting: float
    northing: float
    label: str


_flags_cache: dict[tuple, dict[str, list[str]]] = {}


def flag_systems(sources=None) -> dict[str, list[str]]:
    """The systems each service flag is read from, by evidence kind (the registry read again only when a
    source YAML of the council in use changes)."""
    from resident_index.council import council_dir
    from resident_index.sources.spec import load_registry

    if sources is None:
        folder = council_dir() / "sources"
        key = (str(folder), *sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.yaml")))
        if key not in _flags_cache:
            _flags_cache.clear()
            _flags_cache[key] = flag_systems(load_registry())
        return _flags_cache[key]
    return {
        "adult_care": sorted(s.name for s in sources if s.evidence.adult_care is not None),
        "blue_badge": sorted(s.name for s in sources if s.evidence.entitlement is not None
                             and re.search(r"blue\s*badge", s.evidence.entitlement.what, re.IGNORECASE)),
    }


def centre(con: duckdb.DuckDBPyConnection, *, easting: float | None = None, northing: float | None = None,
           uprn: str | None = None, postcode: str | None = None) -> Centre:
    """Where the radius is measured from; ValueError in plain words when it cannot be placed."""
    if easting is not None and northing is not None:
        if not (0 <= easting <= 700_000 and 0 <= northing <= 1_300_000):
            raise ValueError(f"easting {easting}, northing {northing} is not on the British National Grid "
                             "(easting 0-700000, northing 0-1300000 metres)")
        return Centre(float(easting), float(northing), f"easting {easting:.0f}, northing {northing:.0f}")
    if uprn:
        row = con.execute(f"""SELECT avg(easting), avg(northing), any_value(address) FROM golden_residents
                              WHERE uprn = {_literal(uprn.strip())} AND easting IS NOT NULL""").fetchone()
        if row[0] is None:
            raise ValueError(f"UPRN {uprn.strip()} is no resident's current address with coordinates in the "
                             "index: give a postcode or a point (easting, northing) instead")
        return Centre(row[0], row[1], f"UPRN {uprn.strip()} ({row[2]})")
    if postcode:
        compact = re.sub(r"\s+", "", postcode).upper()
        row = con.execute(f"""SELECT avg(easting), avg(northing), count(*) FROM golden_residents
                              WHERE postcode = {_literal(compact[:-3] + ' ' + compact[-3:])} AND easting IS NOT NULL""").fetchone()
        if row[0] is None:
            raise ValueError(f"postcode {postcode.strip().upper()} is no resident's current postcode with "
                             "coordinates in the index")
        return Centre(row[0], row[1], f"postcode {postcode.strip().upper()} (centre of {row[2]} residents' addresses)")
    raise ValueError("give a point (easting and northing), a UPRN or a postcode")


#: one row per living resident with a coordinate: what a radius query lists, and the systems holding a current
#: record of theirs (the flags are read from these with the systems a role may see, at query time). The read
#: snapshot holds it as `emergency_points` (POINTS_TABLE), written in easting order so that a radius query reads
#: one table, not every resident's coordinates and then their events; without a snapshot it is read inline.
POINTS_SQL = """
    SELECT g.resident_id, concat_ws(' ', g.forename, g.surname) AS name, g.dob, g.uprn, g.address, g.postcode,
           g.easting, g.northing, coalesce(c.systems, []::VARCHAR[]) AS current_systems
    FROM {golden} g
    LEFT JOIN (SELECT resident_id, list(DISTINCT source_system ORDER BY source_system) AS systems
               FROM {events} WHERE is_current GROUP BY resident_id) c USING (resident_id)
    WHERE NOT coalesce(g.deceased, false) AND g.easting IS NOT NULL"""
POINTS_TABLE = "emergency_points"


def points(con: duckdb.DuckDBPyConnection) -> str:
    """What to read the points from on `con`: the snapshot's table, or the same rows worked out inline."""
    if has_table(con, POINTS_TABLE):
        return POINTS_TABLE
    return "(" + POINTS_SQL.format(golden="golden_residents", events="resident_events") + ")"


def _flag(systems: list[str]) -> str:
    if not systems:
        return "NULL::BOOLEAN"
    return f"list_has_any(g.current_systems, [{', '.join(map(_literal, systems))}]::VARCHAR[])"


def residents_sql(systems: dict[str, list[str]], as_of: date, source: str, where: str = "TRUE",
                  exclude: set[str] | frozenset = frozenset(), distance: str = "NULL::DOUBLE") -> str:
    """Living residents with coordinates and the four flags, read from `source` (points()); `where` and
    `distance` are on g.*."""
    day = f"{_literal(as_of.isoformat())}::DATE"
    hidden = f"AND g.resident_id NOT IN ({', '.join(map(_literal, sorted(exclude)))})" if exclude else ""
    return f"""
        SELECT g.resident_id, g.name, g.dob,
               date_diff('year', g.dob, {day}) - CASE WHEN strftime(g.dob, '%m-%d') > strftime({day}, '%m-%d')
                                                      THEN 1 ELSE 0 END AS age,
               g.uprn, g.address, g.postcode, g.easting, g.northing,
               {_flag(systems.get("adult_care", []))} AS adult_care,
               {_flag(systems.get("blue_badge", []))} AS blue_badge,
               g.dob > ({day} - INTERVAL 5 YEAR) AS under_5,
               g.dob <= ({day} - INTERVAL 75 YEAR) AS over_75,
               {distance} AS distance_m
        FROM {source} g
        WHERE {where} {hidden}"""


def within(con: duckdb.DuckDBPyConnection, at: Centre, radius_m: float, systems: dict[str, list[str]],
           as_of: date, exclude: set[str] | frozenset = frozenset()) -> list[dict]:
    """Living residents whose current address is within `radius_m` metres of `at`, nearest first."""
    if not (0 < radius_m <= MAX_RADIUS):
        raise ValueError(f"radius {radius_m:g} m: give 1 to {MAX_RADIUS} metres (the whole borough is the GIS export)")
    e, n, r = float(at.easting), float(at.northing), float(radius_m)
    dist = f"sqrt(pow(g.easting - {e}, 2) + pow(g.northing - {n}, 2))"
    box = (f"g.easting BETWEEN {e - r} AND {e + r} AND g.northing BETWEEN {n - r} AND {n + r} AND {dist} <= {r}")
    result = con.execute(residents_sql(systems, as_of, points(con), box, exclude, f"round({dist}, 1)") +
                         " ORDER BY distance_m, resident_id")
    cols = [d[0] for d in result.description]
    return [dict(zip(cols, row)) for row in result.fetchall()]


def for_the_page(rows: list[dict], limit: int | None = None) -> list[dict]:
    """The table's rows: everyone with a flag first, then the others, each nearest first; at most `limit`
    (PAGE_ROWS)."""
    return sorted(rows, key=lambda r: not any(r.get(f) for f in FLAGS))[:PAGE_ROWS if limit is None else limit]


def summary(rows: list[dict]) -> dict:
    return {"residents": len(rows), "households": len({r["uprn"] for r in rows}),
            **{f: sum(1 for r in rows if r.get(f)) for f in FLAGS}}


def geojson(rows: list[dict], about: dict | None = None) -> dict:
    """A FeatureCollection in British National Grid (EPSG:27700, named in `crs` as GIS tools read it)."""
    features = [{"type": "Feature", "id": r["resident_id"],
                 "geometry": {"type": "Point", "coordinates": [r["easting"], r["northing"]]},
                 "properties": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()
                                if k not in ("easting", "northing")}} for r in rows]
    return {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
            **({"about": about} if about else {}), "features": features}


CSV_COLUMNS = ("resident_id", "name", "dob", "age", "uprn", "address", "postcode", "easting", "northing",
               "distance_m", *FLAGS)


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in CSV_COLUMNS})
    return out.getvalue()


def svg_plot(rows: list[dict], at: Centre, radius_m: float, size: int = 480) -> str:
    """A plain SVG of the circle and each household (a dot; red: someone with a flag), north up."""
    scale = (size / 2 - 10) / radius_m
    cx = cy = size / 2

    def xy(e, n):
        return cx + (e - at.easting) * scale, cy - (n - at.northing) * scale

    households: dict[str, dict] = {}
    for r in rows:
        h = households.setdefault(r["uprn"] or r["resident_id"], {"e": r["easting"], "n": r["northing"], "flags": 0,
                                                                   "people": 0, "address": r["address"]})
        h["people"] += 1
        h["flags"] += any(r.get(f) for f in FLAGS)
    dots = []
    for uprn, h in households.items():
        x, y = xy(h["e"], h["n"])
        cls = "flagged" if h["flags"] else "household"
        title = f"{h['address']}: {h['people']} resident(s), {h['flags']} with a flag"
        dots.append(f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>{_xml(title)}</title></circle>')
    bar = 100 if radius_m <= 500 else 500 if radius_m <= 2500 else 1000
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
            f'role="img" aria-label="Residents within {radius_m:g} metres of {_xml(at.label)}">'
            f'<rect width="{size}" height="{size}" class="ground"/>'
            f'<circle class="radius" cx="{cx}" cy="{cy}" r="{radius_m * scale:.1f}"/>'
            + "".join(dots) +
            f'<path class="centre" d="M{cx - 8} {cy}h16M{cx} {cy - 8}v16"/>'
            f'<text x="{size - 14}" y="22" class="north">N ↑</text>'
            f'<line class="scale" x1="10" y1="{size - 12}" x2="{10 + bar * scale:.1f}" y2="{size - 12}"/>'
            f'<text x="10" y="{size - 18}" class="scale-label">{bar} m</text></svg>')


def _xml(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def export_all(con: duckdb.DuckDBPyConnection, systems: dict[str, list[str]], as_of: date) -> list[dict]:
    """Every living resident with coordinates and flags (the nightly GIS export)."""
    result = con.execute(residents_sql(systems, as_of, points(con)) + " ORDER BY resident_id")
    cols = [d[0] for d in result.description]
    return [dict(zip(cols, row)) for row in result.fetchall()]


def geojson_text(rows: list[dict], about: dict | None = None) -> str:
    return json.dumps(geojson(rows, about), default=str)
