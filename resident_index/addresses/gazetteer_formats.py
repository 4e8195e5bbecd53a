"""Read the gazetteer a council holds into the canonical `llpg` table, whatever its format.

A council says which format and file it has in `data/reference/gazetteer.yaml` (or the YAML that
RESIDENT_INDEX_GAZETTEER names); with neither, the file is `reference/llpg.csv` in the project's own layout,
as the synthetic council writes it. Formats (docs/gazetteer.md has the table):

- `resident_index`: a CSV with the canonical column names (the synthetic council's llpg.csv);
- `dtf81`: a GeoPlace LLPG/NLPG Data Transfer Format 8.1 CSV (record types 11 street, 15 street descriptor,
  21 BLPU, 24 LPI), each address built from its LPI's SAO/PAO and its street descriptor;
- `addressbase_core`: an OS AddressBase Core CSV;
- `csv`: any CSV with a header, and a `columns:` map from canonical names to the file's columns.

Only the UPRN, the address and the postcode are required. Every other canonical column is optional: where the
file lacks it the column is NULL, and `absent_features` says what that limits.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from resident_index.settings import reference_dir
from resident_index.transactions import transaction

CANONICAL_COLUMNS = ("uprn", "parent_uprn", "sao", "pao", "street", "locality", "town", "postcode", "ward",
                     "polling_district", "easting", "northing", "latitude", "longitude", "property_type",
                     "address_text")
REQUIRED_COLUMNS = ("uprn", "address_text", "postcode")
NUMERIC_COLUMNS = ("easting", "northing", "latitude", "longitude")

#: What each optional column feeds, said in the `llpg` asset's metadata when the gazetteer lacks it.
OPTIONAL_FEATURES = {
    "ward": "residents, households and demand_by_ward_age show ward 'Unknown'; false_school_addresses reasons "
            "name no ward",
    "polling_district": "electoral_canvass_list carries no polling district",
    "parent_uprn": "flats are not linked to their building: false_school_addresses takes a form giving the "
                   "building (or another flat in it) for a family recorded in one of its flats as an address elsewhere",
    "easting": "no British National Grid coordinates (no table uses them yet)",
    "northing": "no British National Grid coordinates (no table uses them yet)",
    "latitude": "no latitude/longitude (no table uses them yet)",
    "longitude": "no latitude/longitude (no table uses them yet)",
    "property_type": "no property type or class (no table uses it yet)",
    "sao": "address parts not split out (matching uses address_text)",
    "pao": "address parts not split out (matching uses address_text)",
    "street": "address parts not split out (matching uses address_text)",
    "locality": "address parts not split out (matching uses address_text)",
    "town": "address parts not split out (matching uses address_text)",
}

#: OS AddressBase Core's columns for each canonical one (a list is joined with spaces, empty parts skipped).
ADDRESSBASE_CORE = {
    "uprn": "UPRN", "parent_uprn": "PARENT_UPRN", "sao": "SUB_BUILDING", "pao": ["BUILDING_NAME", "BUILDING_NUMBER"],
    "street": "STREET_NAME", "locality": "LOCALITY", "town": "POST_TOWN", "postcode": "POSTCODE",
    "easting": "EASTING", "northing": "NORTHING", "latitude": "LATITUDE", "longitude": "LONGITUDE",
    "property_type": "CLASSIFICATION_CODE", "address_text": "SINGLE_LINE_ADDRESS",
}

#: DTF 8.1 field order of the record types read (the CSV has no header; fields are by position).
DTF81_FIELDS = {
    "10": ["RECORD_IDENTIFIER", "CUSTODIAN_NAME", "LOCAL_CUSTODIAN_CODE", "PROCESS_DATE", "VOLUME_NUMBER",
           "ENTRY_DATE", "TIME_STAMP", "VERSION", "FILE_TYPE"],
    "11": ["RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "USRN", "RECORD_TYPE", "SWA_ORG_REF_NAMING", "STATE",
           "STATE_DATE", "STREET_SURFACE", "STREET_CLASSIFICATION", "VERSION", "RECORD_ENTRY_DATE",
           "LAST_UPDATE_DATE", "STREET_START_DATE", "STREET_END_DATE", "STREET_START_X", "STREET_START_Y",
           "STREET_END_X", "STREET_END_Y", "STREET_TOLERANCE"],
    "15": ["RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "USRN", "STREET_DESCRIPTOR", "LOCALITY_NAME",
           "TOWN_NAME", "ADMINISTRATIVE_AREA", "LANGUAGE"],
    "21": ["RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "LOGICAL_STATUS", "BLPU_STATE",
           "BLPU_STATE_DATE", "BLPU_CLASS", "PARENT_UPRN", "X_COORDINATE", "Y_COORDINATE", "RPC",
           "LOCAL_CUSTODIAN_CODE", "START_DATE", "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE", "ORGANISATION",
           "WARD_CODE", "PARISH_CODE", "CUSTODIAN_ONE", "CUSTODIAN_TWO", "CAN_KEY"],
    "24": ["RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "LPI_KEY", "LANGUAGE", "LOGICAL_STATUS",
           "START_DATE", "END_DATE", "ENTRY_DATE", "LAST_UPDATE_DATE", "SAO_START_NUMBER", "SAO_START_SUFFIX",
           "SAO_END_NUMBER", "SAO_END_SUFFIX", "SAO_TEXT", "PAO_START_NUMBER", "PAO_START_SUFFIX", "PAO_END_NUMBER",
           "PAO_END_SUFFIX", "PAO_TEXT", "USRN", "LEVEL", "POSTAL_ADDRESS", "POSTCODE", "POST_TOWN",
           "OFFICIAL_FLAG", "CUSTODIAN_ONE", "CUSTODIAN_TWO", "CAN_KEY"],
}
#: the fields of each record type the import reads (a row too short to hold them all is refused)
DTF81_READ = {
    "10": ["RECORD_IDENTIFIER"],
    "11": ["RECORD_IDENTIFIER", "CHANGE_TYPE", "USRN"],
    "15": ["RECORD_IDENTIFIER", "CHANGE_TYPE", "USRN", "STREET_DESCRIPTOR", "LOCALITY_NAME", "TOWN_NAME", "LANGUAGE"],
    "21": ["RECORD_IDENTIFIER", "CHANGE_TYPE", "UPRN", "LOGICAL_STATUS", "BLPU_CLASS", "PARENT_UPRN", "X_COORDINATE",
           "Y_COORDINATE", "WARD_CODE"],
    "24": ["RECORD_IDENTIFIER", "CHANGE_TYPE", "UPRN", "LPI_KEY", "LANGUAGE", "LOGICAL_STATUS", "SAO_START_NUMBER",
           "SAO_START_SUFFIX", "SAO_END_NUMBER", "SAO_END_SUFFIX", "SAO_TEXT", "PAO_START_NUMBER", "PAO_START_SUFFIX",
           "PAO_END_NUMBER", "PAO_END_SUFFIX", "PAO_TEXT", "USRN", "POSTCODE", "POST_TOWN"],
}


class GazetteerError(ValueError):
    """A gazetteer or its YAML that cannot be used; the message names the file, the row or key, and the fix."""


class GazetteerConfig(BaseModel):
    """data/reference/gazetteer.yaml: which format the council's gazetteer is in and where it is."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["resident_index", "dtf81", "addressbase_core", "csv"] = "resident_index"
    file: str = "llpg.csv"  # relative to data/reference/ (or absolute)
    encoding: str = "utf-8"
    delimiter: str = ","
    #: `csv` format only: canonical column -> the file's column, or a list of columns joined with ", "
    columns: dict[str, str | list[str]] = {}
    #: `dtf81` format only: a record type's field order where the council's export differs from DTF81_FIELDS
    dtf_fields: dict[Literal["10", "11", "15", "21", "24"], list[str]] = {}

    @model_validator(mode="after")
    def _columns_fit_the_format(self) -> GazetteerConfig:
        unknown = sorted(set(self.columns) - set(CANONICAL_COLUMNS))
        if unknown:
            raise ValueError(f"columns: unknown canonical column(s) {unknown}; expected some of {list(CANONICAL_COLUMNS)}")
        if self.format == "csv":
            missing = [c for c in REQUIRED_COLUMNS if c not in self.columns]
            if missing:
                raise ValueError(f"columns: format csv must map {missing} (required: {list(REQUIRED_COLUMNS)})")
        elif self.columns:
            raise ValueError(f"columns: only format csv takes a column map; format {self.format} has its own")
        if self.dtf_fields and self.format != "dtf81":
            raise ValueError(f"dtf_fields: only format dtf81 takes a field order, not format {self.format}")
        for kind, fields in self.dtf_fields.items():
            lacking = [f for f in DTF81_READ[kind] if f not in fields]
            if lacking:
                raise ValueError(f"dtf_fields: {kind}: lacks {lacking}, which the import reads")
        return self

    def path(self) -> Path:
        return reference_dir() / self.file  # an absolute `file` stays as it is

    def column_map(self) -> tuple[dict[str, str | list[str]], bool]:
        """(canonical -> source column(s), whether every mapped column must be in the file)."""
        if self.format == "csv":
            return self.columns, True
        if self.format == "addressbase_core":
            return ADDRESSBASE_CORE, False
        return {c: c for c in CANONICAL_COLUMNS}, False


def config_path() -> Path:
    return Path(os.environ.get("RESIDENT_INDEX_GAZETTEER") or reference_dir() / "gazetteer.yaml")


def load_config(path: Path | None = None) -> GazetteerConfig:
    """The council's gazetteer YAML, validated; today's synthetic layout when there is none."""
    path = path or config_path()
    if not path.exists():
        if "RESIDENT_INDEX_GAZETTEER" in os.environ:
            raise GazetteerError(f"{path}: RESIDENT_INDEX_GAZETTEER names this file, and it does not exist")
        return GazetteerConfig()
    try:
        return GazetteerConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise GazetteerError(f"{path}: {exc}") from exc


@dataclass
class LoadedGazetteer:
    rows: int
    wards: int
    absent_columns: list[str]
    rows_without_postcode: int
    sha256: str
    details: dict


def load_gazetteer(con: duckdb.DuckDBPyConnection, config: GazetteerConfig) -> LoadedGazetteer:
    """Replace table `llpg` (and its checksum in reference_versions) from the council's gazetteer file."""
    path = config.path()
    if not path.exists():
        raise GazetteerError(f"{path}: the gazetteer has not landed (format {config.format}, set in {config_path()})")
    if config.format == "dtf81":
        frame, details = _read_dtf81(path, config)
    else:
        frame, details = _read_with_header(path, config)
    absent = [c for c in CANONICAL_COLUMNS if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in absent)
    _refuse_unusable_rows(frame, path, details.get("row_column", {}))
    sha = _checksum(path, config)
    con.register("_gazetteer_in", frame)
    exprs = {c: f"nullif(trim({c}), '')" for c in CANONICAL_COLUMNS}
    exprs |= {c: f"TRY_CAST({exprs[c]} AS DOUBLE)" for c in NUMERIC_COLUMNS}
    exprs["address_text"] = "upper(trim(address_text))"
    select = ", ".join(f"{sql} AS {c}" for c, sql in exprs.items())
    try:
        with transaction(con):  # the table and its checksum change together, or neither does
            con.execute(f"CREATE OR REPLACE TABLE llpg AS SELECT {select} FROM _gazetteer_in")
            con.execute("CREATE OR REPLACE TABLE reference_versions AS SELECT 'llpg' AS name, ? AS sha256", [sha])
    finally:
        con.unregister("_gazetteer_in")
    rows, wards, no_postcode = con.execute(
        "SELECT count(*), count(DISTINCT ward), count(*) FILTER (postcode IS NULL) FROM llpg").fetchone()
    return LoadedGazetteer(rows, wards, absent, no_postcode, sha, {k: v for k, v in details.items() if k != "row_column"})


def _checksum(path: Path, config: GazetteerConfig) -> str:
    """The file's bytes and how it is read: a changed column map re-matches addresses as a new file does."""
    digest = hashlib.sha256(json.dumps(config.model_dump(), sort_keys=True).encode())
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_with_header(path: Path, config: GazetteerConfig) -> tuple[pl.DataFrame, dict]:
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding=config.encoding, separator=config.delimiter,
                          row_index_name="_line", row_index_offset=2)
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as exc:
        raise GazetteerError(f"{path}: cannot be read as {config.encoding} CSV with delimiter "
                             f"'{config.delimiter}': {exc}") from exc
    mapping, strict = config.column_map()
    header = set(raw.columns)
    key = f"{config_path()} key columns" if strict else f"format {config.format}"
    missing = {c: src for c, src in mapping.items()
               if (strict or c in REQUIRED_COLUMNS) and not set([src] if isinstance(src, str) else src) <= header}
    if missing:
        parts = "; ".join(f"{c}: {src}" for c, src in missing.items())
        raise GazetteerError(f"{path}, row 1 (header): column(s) for {parts} missing ({key}); "
                             f"the file has {sorted(header - {'_line'})}")
    exprs, row_column = [pl.col("_line")], {}
    for canonical, src in mapping.items():
        cols = [c for c in ([src] if isinstance(src, str) else src) if c in header]
        if not cols:
            continue
        sep = " " if config.format == "addressbase_core" else ", "
        exprs.append(pl.concat_str([pl.col(c).str.strip_chars().replace("", None) for c in cols],
                                   separator=sep, ignore_nulls=True).alias(canonical))
        row_column[canonical] = ", ".join(cols)
    return raw.select(exprs), {"row_column": row_column}


def _refuse_unusable_rows(frame: pl.DataFrame, path: Path, source_columns: dict[str, str]) -> None:
    """A row with no UPRN or no address cannot be matched to: refuse the gazetteer naming them; and a UPRN
    twice would give one address two properties."""
    for column in ("uprn", "address_text"):
        bad = frame.filter(pl.col(column).is_null() | (pl.col(column).str.strip_chars() == ""))
        if bad.height:
            rows = ", ".join(str(r) for r in bad["_line"].head(5).to_list())
            raise GazetteerError(f"{path}: {bad.height} row(s) have no {column} (column "
                                 f"{source_columns.get(column, column)}), e.g. row(s) {rows}")
    dupes = frame.filter(pl.col("uprn").is_duplicated()).sort("uprn")
    if dupes.height:
        example = dupes.head(2)
        raise GazetteerError(f"{path}: {dupes['uprn'].n_unique()} UPRN(s) appear more than once in the gazetteer, "
                             f"e.g. {example['uprn'][0]} in rows {', '.join(map(str, example['_line'].to_list()))}")


def _read_dtf81(path: Path, config: GazetteerConfig) -> tuple[pl.DataFrame, dict]:
    """Records 11, 15, 21 and 24 of a DTF 8.1 full supply, one row per live BLPU with its preferred LPI."""
    layout = DTF81_FIELDS | config.dtf_fields
    needed = {kind: 1 + max(layout[kind].index(f) for f in read) for kind, read in DTF81_READ.items() if kind != "10"}
    records: dict[str, list[dict]] = {t: [] for t in needed}
    header: dict = {}
    with path.open(newline="", encoding=config.encoding) as fh:
        reader = csv.reader(fh, delimiter=config.delimiter)
        try:
            for fields in reader:
                kind = fields[0].strip() if fields else ""
                if kind == "10":
                    header = dict(zip(layout["10"], fields))
                if kind not in records:
                    continue  # other record types (metadata, cross references, classifications...) are not read
                if len(fields) < needed[kind]:
                    raise GazetteerError(
                        f"{path}, row {reader.line_num}: a type {kind} record has {len(fields)} fields, the import "
                        f"reads up to field {needed[kind]} ({layout[kind][needed[kind] - 1]}) of DTF 8.1's "
                        f"{len(layout[kind])}; is this a DTF 8.1 CSV (or does gazetteer.yaml dtf_fields need it)?")
                row = dict(zip(layout[kind], [f.strip() for f in fields] + [""] * len(layout[kind])))
                row["_line"] = reader.line_num
                records[kind].append(row)
        except UnicodeDecodeError as exc:
            raise GazetteerError(f"{path}, row {reader.line_num + 1}: not {config.encoding}: {exc}") from exc
    if header.get("FILE_TYPE", "F").strip().upper() == "C":
        raise GazetteerError(f"{path}, row 1: a change-only supply (FILE_TYPE C); land the full supply (F)")
    if not records["21"] or not records["24"]:
        raise GazetteerError(f"{path}: no type 21 (BLPU) or type 24 (LPI) records: is this a DTF 8.1 LLPG CSV?")
    frames = {k: pl.DataFrame(v, schema={c: pl.String for c in v[0]} | {"_line": pl.Int64}).filter(
        pl.col("CHANGE_TYPE").fill_null("I").str.to_uppercase() != "D") for k, v in records.items() if v}
    _require_street(frames, path)
    con = duckdb.connect()
    try:
        for kind, frame in frames.items():
            con.register(f"r{kind}", frame)
        with open(Path(__file__).with_name("dtf81.sql"), encoding="utf-8") as sql:
            out = con.execute(sql.read()).pl()
    finally:
        con.close()
    live_blpus = frames["21"].filter(~pl.col("LOGICAL_STATUS").is_in(["8", "9"])).height
    return out, {"dtf_version": header.get("VERSION"), "custodian": header.get("CUSTODIAN_NAME"),
                 "lpis_read": frames["24"].height, "blpus_read": frames["21"].height,
                 "live_blpus_without_live_lpi": live_blpus - out.height,
                 "row_column": {"uprn": "UPRN (type 21)", "address_text": "SAO/PAO (type 24) and type 15"}}


def _require_street(frames: dict[str, pl.DataFrame], path: Path) -> None:
    """Every live LPI's USRN must have a street (type 11) and its descriptor (type 15): without one its address
    has no street."""
    for kind, name in (("11", "street"), ("15", "street descriptor")):
        if kind not in frames:
            raise GazetteerError(f"{path}: no type {kind} ({name}) records: is this a DTF 8.1 LLPG full supply?")
    described = frames["15"].filter(pl.col("USRN").is_in(frames["11"]["USRN"].to_list()))["USRN"]
    lpis = frames["24"].filter(~pl.col("LOGICAL_STATUS").is_in(["8", "9"]))
    orphans = lpis.filter(~pl.col("USRN").is_in(described.to_list()))
    if orphans.height:
        first = orphans.row(0, named=True)
        raise GazetteerError(f"{path}, row {first['_line']}, column USRN: {orphans.height} LPI(s) name a street "
                             f"with no type 11 street and type 15 descriptor, e.g. USRN {first['USRN']} (UPRN {first['UPRN']})")
