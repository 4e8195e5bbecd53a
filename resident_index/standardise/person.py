"""Turn one landed extract (raw strings, the source's own columns) into canonical person records.

Row-wise cleaning in Polars, using the single-purpose functions of this package; the source spec says
which source column feeds which canonical field and how its dates are written.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from resident_index.sources import codes
from resident_index.sources.landing import INTERNAL_COLUMNS, frame_column, source_column
from resident_index.sources.spec import SourceSpec
from resident_index.standardise import addresses, contacts, dates, identifiers, names, postcodes
from resident_index.standardise.schema import COLUMNS, polars_schema

_SEX = {"M": "M", "MALE": "M", "1": "M", "F": "F", "FEMALE": "F", "2": "F"}


def _column(raw: pl.DataFrame, spec: SourceSpec, field: str) -> pl.Series:
    """The raw text behind a canonical field (several source columns are joined), or all-null."""
    mapped = spec.columns.get(field)
    if mapped is None:
        return pl.Series(field, [None] * raw.height, dtype=pl.Utf8)
    if isinstance(mapped, str):
        mapped = frame_column(mapped)
        return raw.get_column(mapped).alias(field) if mapped in raw.columns else pl.Series(field, [None] * raw.height, dtype=pl.Utf8)
    present = [frame_column(c) for c in mapped if frame_column(c) in raw.columns]
    if field == "address":
        return addresses.join_address(raw, present).alias(field)
    joined = raw.select(pl.concat_str([pl.col(c) for c in present], separator=" ", ignore_nulls=True))
    return joined.to_series().replace("", None).alias(field)


def _names(raw: pl.DataFrame, spec: SourceSpec) -> pl.DataFrame:
    full = _column(raw, spec, "full_name")
    if "full_name" in spec.columns:
        parts = names.split_full_name(full, spec.name_order)
        name_raw = full
    else:
        title_in_forename, forenames = names.strip_titles(names.clean_name(_column(raw, spec, "forename")))
        # a "Forenames" column holds middle names too: the first is the forename, the rest middle names
        first = forenames.str.split_exact(" ", 1).struct.rename_fields(["first", "rest"]).struct.unnest()
        parts = pl.DataFrame({
            "title": names.normalise_title(_column(raw, spec, "title")).fill_null(title_in_forename),
            "forename": first["first"],
            "middle_names": names.clean_name(_column(raw, spec, "middle_names")).fill_null(first["rest"]),
            "surname": names.clean_name(_column(raw, spec, "surname")),
        })
        name_raw = raw.select(pl.concat_str(
            [_column(raw, spec, f) for f in ("title", "forename", "middle_names", "surname")],
            separator=" ", ignore_nulls=True)).to_series().replace("", None)
    if "forename" in spec.columns and "full_name" in spec.columns:  # a separate forename column wins
        parts = parts.with_columns(forename=names.clean_name(_column(raw, spec, "forename")).fill_null(parts["forename"]))
    return parts.with_columns(
        name_raw=name_raw,
        previous_surname=names.clean_name(_column(raw, spec, "previous_surname")),
        forename_canonical=names.canonical_forename(parts["forename"]),
    )


def _date(raw: pl.DataFrame, spec: SourceSpec, field: str) -> pl.DataFrame:
    if field not in spec.columns:
        return pl.DataFrame({"value": pl.Series([None] * raw.height, dtype=pl.Date),
                             "flag": pl.Series(["not_held"] * raw.height, dtype=pl.Utf8)})
    return dates.parse_dates(_column(raw, spec, field), spec.date_formats[field])


def _dob(raw: pl.DataFrame, spec: SourceSpec, extract_date: date) -> pl.DataFrame:
    """Date of birth and its flag; implausible is judged against the extract's date."""
    dob = _date(raw, spec, "dob")
    if "dob" not in spec.columns:
        return dob.with_columns(written=pl.lit(None, dtype=pl.Date))
    return dates.check_dob(dob["value"], dob["flag"], extract_date)


def standardise_changed(raw: pl.DataFrame, spec: SourceSpec, extract_date: date,
                        previous: pl.DataFrame | None = None) -> pl.DataFrame:
    """standardise(), with a `raw_hash` column, for an extract of which most rows are unchanged.

    `raw` carries `raw_hash` (the same raw values under the same spec and code, the same hash);
    `previous` holds the last extract's canonical records with theirs. A row whose hash is there reuses
    that record (only its extract date, row number and date-of-birth check are redone); the rest are
    standardised. Extracts are full snapshots, so a daily run standardises about 1% of the rows.
    """
    if previous is None or previous.is_empty():
        return standardise(raw.drop("raw_hash"), spec, extract_date).with_columns(raw["raw_hash"])
    previous = previous.unique("raw_hash", keep="first", maintain_order=True)
    known = raw["raw_hash"].is_in(previous["raw_hash"].implode())
    fresh_raw, kept_raw = raw.filter(~known), raw.filter(known)
    fresh = standardise(fresh_raw.drop("raw_hash"), spec, extract_date).with_columns(fresh_raw["raw_hash"])
    dob = _dob(kept_raw, spec, extract_date)
    kept = (kept_raw.select("row_number", "raw_hash")
            .join(previous.drop("extract_date", "row_number", "dob", "dob_flag", "dob_written", strict=False),
                  on="raw_hash", how="left", maintain_order="left")
            .with_columns(extract_date=pl.lit(extract_date, dtype=pl.Date), dob=dob["value"], dob_flag=dob["flag"],
                          dob_written=dob["written"]))
    return pl.concat([fresh, kept.select(fresh.columns).cast(fresh.schema)]).sort("row_number")


def standardise(raw: pl.DataFrame, spec: SourceSpec, extract_date: date) -> pl.DataFrame:
    """Canonical records for one extract, one per raw row, in CANONICAL_SCHEMA's column order."""
    n = raw.height
    people = _names(raw, spec)
    dob = _dob(raw, spec, extract_date)
    address = _column(raw, spec, "address")
    postcode_text = _column(raw, spec, "postcode")
    if "postcode" not in spec.columns:  # some systems keep the postcode inside the address text
        postcode_text = postcodes.extract_postcode(address)
    postcode = postcodes.normalise_postcode(postcode_text)
    nhs = identifiers.nhs_number(_column(raw, spec, "nhs_number"))
    ni = identifiers.ni_number(_column(raw, spec, "ni_number"))
    phone = contacts.phone_e164(_column(raw, spec, "phone"))
    mobile = contacts.phone_e164(_column(raw, spec, "mobile"))
    email = contacts.email(_column(raw, spec, "email"))
    mapped = set(spec.source_columns())
    extra = [c for c in raw.columns if c not in INTERNAL_COLUMNS and source_column(c) not in mapped]
    attributes = (raw.select(pl.struct([pl.col(c).alias(source_column(c)) for c in extra]).struct.json_encode())
                  .to_series() if extra else pl.Series([None] * n, dtype=pl.Utf8))
    sex = _column(raw, spec, "sex").str.to_uppercase().str.strip_chars().replace_strict(_SEX, default=None)
    uprn = _column(raw, spec, "uprn").str.replace_all(r"\.0+$|\D", "").str.strip_chars_start("0").replace("", None)
    text = {f: _column(raw, spec, f).str.strip_chars().str.to_uppercase() for f in ("group_ref", "role", "status")}
    # the system's codes kept as written (upper case), beside the canonical role and status (sources/codes.py)
    text |= {"role_code": text["role"], "status_code": text["status"],
             "role": codes.canonical("role", text["role"], spec), "status": codes.canonical("status", text["status"], spec)}
    frame = pl.DataFrame({
        "source_system": [spec.name] * n,
        "source_record_id": _column(raw, spec, "source_record_id").str.strip_chars(),
        "extract_date": pl.Series([extract_date] * n, dtype=pl.Date),
        "row_number": raw["row_number"],
        "event_type": [spec.event_type] * n,
        **{c: people[c] for c in ("name_raw", "title", "forename", "middle_names", "surname",
                                  "previous_surname", "forename_canonical")},
        "dob": dob["value"], "dob_flag": dob["flag"], "dob_written": dob["written"],
        "sex": sex,
        "nhs_number": nhs["nhs_number"], "nhs_valid": nhs["nhs_valid"],
        "ni_number": ni["ni_number"], "ni_valid": ni["ni_valid"],
        "shared_id": _column(raw, spec, "shared_id").str.to_uppercase().str.replace_all(r"[\s-]", "").replace("", None),
        "phone": phone["phone"], "mobile": mobile["phone"], "email": email["email"],
        "address": addresses.clean_address(address),
        "postcode": postcode["postcode"], "postcode_valid": postcode["postcode_valid"],
        "uprn": uprn,
        "date_of_death": _date(raw, spec, "date_of_death")["value"],
        "start_date": _date(raw, spec, "start_date")["value"],
        "end_date": _date(raw, spec, "end_date")["value"],
        **text,
        "source_attributes": attributes,
    })
    return frame.select(COLUMNS).cast(polars_schema())
