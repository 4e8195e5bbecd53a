"""The canonical person schema: every staged record of every source has exactly these columns.

One definition, used for the staging tables' DDL, the Polars frame's column order and the docs.
"""

from __future__ import annotations

import polars as pl

#: column -> (DuckDB type, Polars type, what it holds)
CANONICAL_SCHEMA: dict[str, tuple[str, pl.DataType, str]] = {
    "source_system": ("VARCHAR", pl.Utf8, "registry name of the system the record came from"),
    "source_record_id": ("VARCHAR", pl.Utf8, "the system's own key for the record"),
    "extract_date": ("DATE", pl.Date, "date of the extract (the Dagster partition)"),
    "row_number": ("BIGINT", pl.Int64, "1-based data row in the landed file, for tracing back"),
    "event_type": ("VARCHAR", pl.Utf8, "what the record is on a timeline: claim, registration, contact..."),
    "name_raw": ("VARCHAR", pl.Utf8, "the name as the source wrote it"),
    "title": ("VARCHAR", pl.Utf8, "MR, MRS, DR..."),
    "forename": ("VARCHAR", pl.Utf8, "first forename, upper case, ASCII"),
    "middle_names": ("VARCHAR", pl.Utf8, "further forenames"),
    "surname": ("VARCHAR", pl.Utf8, "surname, upper case, ASCII"),
    "previous_surname": ("VARCHAR", pl.Utf8, "maiden or former surname where the source holds one"),
    "forename_canonical": ("VARCHAR", pl.Utf8, "forename with nicknames resolved (BILL -> WILLIAM)"),
    "dob": ("DATE", pl.Date, "date of birth; null when missing, unparseable, placeholder or implausible"),
    "dob_flag": ("VARCHAR", pl.Utf8, "ok | missing | unparseable | placeholder | implausible | not_held"),
    "dob_written": ("DATE", pl.Date, "an implausible date of birth as written (flag implausible), for matching "
                                     "only; null otherwise"),
    "sex": ("VARCHAR", pl.Utf8, "M | F | null"),
    "nhs_number": ("VARCHAR", pl.Utf8, "10 digits passing the mod-11 check; null otherwise"),
    "nhs_valid": ("BOOLEAN", pl.Boolean, "null when the source gave none, false when it failed the check"),
    "ni_number": ("VARCHAR", pl.Utf8, "National Insurance number passing HMRC's format rules"),
    "ni_valid": ("BOOLEAN", pl.Boolean, "null when the source gave none"),
    "shared_id": ("VARCHAR", pl.Utf8, "another identifier other systems hold too (e.g. a pupil number), upper case"),
    "phone": ("VARCHAR", pl.Utf8, "landline or main phone in E.164 (+44...)"),
    "mobile": ("VARCHAR", pl.Utf8, "mobile in E.164"),
    "email": ("VARCHAR", pl.Utf8, "lower-cased email"),
    "address": ("VARCHAR", pl.Utf8, "single-line address, upper case, abbreviations expanded"),
    "postcode": ("VARCHAR", pl.Utf8, "normalised postcode (AA9A 9AA)"),
    "postcode_valid": ("BOOLEAN", pl.Boolean, "postcode has a valid UK format"),
    "uprn": ("VARCHAR", pl.Utf8, "UPRN the source system holds, if any (digits)"),
    "date_of_death": ("DATE", pl.Date, "date of death where the source records one"),
    "start_date": ("DATE", pl.Date, "when the record's account, claim, registration or contact began"),
    "end_date": ("DATE", pl.Date, "when it ended; null while active"),
    "group_ref": ("VARCHAR", pl.Utf8, "account / claim / tenancy / case the record belongs to"),
    "role": ("VARCHAR", pl.Utf8, "the person's canonical role in that group (lead, joint, member, claimant, "
                                 "partner, dependant, child, parent, carer, applicant, holder: codes.role)"),
    "status": ("VARCHAR", pl.Utf8, "the record's canonical status (active, pending, ended, cancelled, deceased: "
                                   "codes.status)"),
    "role_code": ("VARCHAR", pl.Utf8, "the role as the system wrote it (upper case)"),
    "status_code": ("VARCHAR", pl.Utf8, "the status as the system wrote it (upper case)"),
    "source_attributes": ("JSON", pl.Utf8, "every source column not mapped above, as JSON, so nothing is lost"),
}

COLUMNS = list(CANONICAL_SCHEMA)


def duckdb_columns_sql() -> str:
    return ",\n    ".join(f"{name} {ddb}" for name, (ddb, _, _) in CANONICAL_SCHEMA.items())


def polars_schema() -> dict[str, pl.DataType]:
    return {name: pl_type for name, (_, pl_type, _) in CANONICAL_SCHEMA.items()}
