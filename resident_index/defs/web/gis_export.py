"""The nightly export for GIS (emergency planning): every living resident at their current address's
coordinates with the flags a responder needs, as GeoJSON and CSV in data/exports/gis/. Built with the marts
(build_marts, after every successful build_index); the web app's radius query reads the same columns from
the read snapshot (resident_index/web/emergency.py)."""


from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index import settings
from resident_index.defs.metadata import md_table
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.files import replaced_atomically
from resident_index.web import emergency

FOLDER = "gis"
NAME = "residents_for_emergency_planning"


@dg.asset(group_name="marts", kinds={"duckdb", "geojson"}, pool=WAREHOUSE_POOL,
          deps=["golden_residents", "resident_events"])
def gis_emergency_planning_export(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """data/exports/gis/residents_for_emergency_planning.geojson and .csv: each living resident with a
    coordinate (British National Grid, EPSG:27700), their age and the flags adult social care, blue badge,
    under 5, over 75 (from evidence kinds: docs/web.md), for the GIS team to load each night."""
    systems = emergency.flag_systems()
    with warehouse.get_connection() as con:
        # ages as at the latest extract, as every mart's: the same build gives the same file whatever the day
        as_of = con.execute("SELECT max(last_seen) FROM golden_residents").fetchone()[0] or date.today()
        rows = emergency.export_all(con, systems, as_of)
        living, placed = con.execute("""SELECT count(*) FILTER (WHERE NOT coalesce(deceased, false)),
                                               count(*) FILTER (WHERE NOT coalesce(deceased, false) AND easting IS NOT NULL)
                                        FROM golden_residents""").fetchone()
    folder = settings.exports_dir() / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    about = {"as_of": as_of.isoformat(), "flag_systems": systems}  # no run id: a rebuild gives the same bytes
    paths = {"geojson": folder / f"{NAME}.geojson", "csv": folder / f"{NAME}.csv"}
    with replaced_atomically(paths["geojson"]) as partial:
        partial.write_text(emergency.geojson_text(rows, about), encoding="utf-8")
    with replaced_atomically(paths["csv"]) as partial:
        partial.write_text(emergency.to_csv(rows), encoding="utf-8")
    warnings = []
    if living and not placed:
        warnings.append(f"none of the {living} living residents has a coordinate: the gazetteer gives no easting/"
                        "northing (docs/gazetteer.md), so the export and the web app's radius query are empty")
    elif living and placed < 0.9 * living:
        warnings.append(f"only {placed} of {living} living residents have a coordinate ({placed / living:.0%}): the "
                        "rest have no matched UPRN with one, and a radius query cannot find them")
    for flag, found in systems.items():
        if not found:
            warnings.append(f"no source system declares the evidence the {emergency.FLAG_TITLES[flag]} flag reads "
                            "(docs/web.md): the flag is empty")
    summary = emergency.summary(rows)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows),
        "living_residents": living, "with_coordinates": placed,
        "flags": md_table(["flag", "residents", "from systems"],
                          [[emergency.FLAG_TITLES[f], summary[f], ", ".join(systems.get(f, [])) or "(age)"]
                           for f in emergency.FLAGS]),
        "warnings": "\n".join(f"- WARN: {w}" for w in warnings) if warnings else "none",
        "export_geojson": dg.MetadataValue.path(str(paths["geojson"])),
        "export_csv": dg.MetadataValue.path(str(paths["csv"])),
    })


@dg.asset_check(asset=gis_emergency_planning_export, blocking=False)
def residents_placed(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """At least 90% of living residents have a coordinate, so a radius query finds them."""
    with warehouse.get_connection() as con:
        living, placed = con.execute("""SELECT count(*) FILTER (WHERE NOT coalesce(deceased, false)),
                                               count(*) FILTER (WHERE NOT coalesce(deceased, false) AND easting IS NOT NULL)
                                        FROM golden_residents""").fetchone()
    share = placed / living if living else 0.0
    return dg.AssetCheckResult(passed=bool(living) and share >= 0.9, severity=dg.AssetCheckSeverity.WARN, metadata={
        "living_residents": living, "with_coordinates": placed, "share": round(share, 4),
        "why": "a resident with no coordinate is never in an emergency radius list" if share < 0.9 else "ok"})
