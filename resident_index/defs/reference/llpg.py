"""The council's local land and property gazetteer (LLPG): every addressable property and its UPRN.

The file and its format (the project's own CSV, GeoPlace DTF 8.1, OS AddressBase Core, or any CSV with a
column map) are set in data/reference/gazetteer.yaml; see docs/gazetteer.md.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.addresses.gazetteer_formats import (OPTIONAL_FEATURES, GazetteerError, config_path, load_config,
                                                        load_gazetteer)
from resident_index.defs.metadata import column_schema
from resident_index.defs.partitions import WAREHOUSE_POOL


@dg.asset(group_name="reference", kinds={"duckdb", "csv"}, pool=WAREHOUSE_POOL,
          metadata={"dagster/table_name": "llpg", "file": "reference/gazetteer.yaml (default reference/llpg.csv)"})
def llpg(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """The gazetteer in the format reference/gazetteer.yaml names: UPRN, address and postcode, with ward, polling
    district, coordinates and parent UPRN where the file has them (NULL, and said in the metadata, where not)."""
    error = None
    with warehouse.get_connection() as con:  # raise only after it closes (dagster-duckdb leaks it otherwise)
        try:
            config = load_config()
            loaded = load_gazetteer(con, config)
            schema = column_schema(con, "llpg")
        except GazetteerError as exc:
            error = str(exc)
    if error:
        raise dg.Failure(error)
    absent = {c: OPTIONAL_FEATURES[c] for c in loaded.absent_columns}
    if absent:
        context.log.warning(f"{config.path()}: the gazetteer has no {', '.join(absent)}: the index builds without "
                            "them; what each limits is in the llpg metadata (absent_columns)")
    if loaded.rows_without_postcode:
        context.log.warning(f"{config.path()}: {loaded.rows_without_postcode} row(s) have no postcode")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": loaded.rows, "dagster/column_schema": schema, "wards": loaded.wards, "format": config.format,
        "file": str(config.path()), "config": str(config_path()), "sha256": loaded.sha256,
        "rows_without_postcode": loaded.rows_without_postcode,
        "absent_columns": dg.MetadataValue.json(list(absent)),
        "limited_by_absent_columns": dg.MetadataValue.md(
            "\n".join(f"- **{c}**: {why}" for c, why in absent.items()) or "nothing: every canonical column is present"),
        **{k: v for k, v in loaded.details.items() if v is not None}})
