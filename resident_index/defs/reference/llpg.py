"""The council's local land and property gazetteer (LLPG): every addressable property and its UPRN."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.settings import reference_dir
from resident_index.sources.landing import file_sha256

LLPG_COLUMNS = ["uprn", "parent_uprn", "sao", "pao", "street", "locality", "town", "postcode", "ward",
                "polling_district", "easting", "northing", "latitude", "longitude", "property_type", "address_text"]


@dg.asset(group_name="reference", kinds={"duckdb", "csv"}, pool=WAREHOUSE_POOL,
          metadata={"dagster/table_name": "llpg", "file": "reference/llpg.csv"})
def llpg(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """The gazetteer from reference/llpg.csv: UPRN, address, postcode, ward, polling district, coordinates."""
    path = reference_dir() / "llpg.csv"
    if not path.exists():
        raise dg.Failure(f"{path}: the gazetteer has not landed (expected a CSV with columns {LLPG_COLUMNS})")
    with warehouse.get_connection() as con:  # raise only after it closes (dagster-duckdb leaks it otherwise)
        header = con.execute("SELECT * FROM read_csv(?, all_varchar=true) LIMIT 0", [str(path)]).description
        missing = sorted(set(LLPG_COLUMNS) - {d[0] for d in header})
        if not missing:
            n, dupes, wards = _load(con, path)
    if missing:
        raise dg.Failure(f"{path}, row 0: required gazetteer column(s) missing: {', '.join(missing)}")
    if dupes:
        raise dg.Failure(f"{path}: {dupes} UPRN(s) appear more than once in the gazetteer")
    return dg.MaterializeResult(metadata={"dagster/row_count": n, "wards": wards})


def _load(con, path) -> tuple[int, int, int]:
    con.execute("""
        CREATE OR REPLACE TABLE llpg AS
        SELECT uprn, nullif(parent_uprn, '') AS parent_uprn, sao, pao, street, locality, town, postcode, ward,
               polling_district, easting::DOUBLE AS easting, northing::DOUBLE AS northing,
               latitude::DOUBLE AS latitude, longitude::DOUBLE AS longitude, property_type,
               upper(address_text) AS address_text
        FROM read_csv(?, all_varchar=true)""", [str(path)])
    con.execute("CREATE OR REPLACE TABLE reference_versions AS SELECT 'llpg' AS name, ? AS sha256",
                [file_sha256(path)])
    return con.execute("SELECT count(*), count(*) - count(DISTINCT uprn), count(DISTINCT ward) FROM llpg").fetchone()
