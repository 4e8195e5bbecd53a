"""A system's own codes and layout turned into the project's: canonical roles and statuses (`codes:`,
`constants:`), and a second person held in the same row (`second_person:`), staged as a record of its own.

Staging keeps what the system wrote (`role_code`, `status_code`) beside the canonical value (`role`,
`status`). A code the map does not hold leaves the canonical value null; the source's `codes_mapped` check
(WARN) names such codes and how many records carry them.
"""

from __future__ import annotations

import polars as pl

from resident_index.sources.landing import frame_column
from resident_index.sources.spec import NAME_FIELDS, ROLES, STATUSES, SourceSpec

#: suffix of the record id of a row's second person
SECOND_PERSON_SUFFIX = "~2"
#: fields a row's second person shares with its main person: the row's own facts
ROW_FIELDS = ("source_record_id", "address", "postcode", "uprn", "group_ref", "start_date", "end_date", "status")
#: frame column holding the row's group for its second person (the row's group_ref, else its own id)
_GROUP_COLUMN = "__row_group"


def canonical(field: str, raw: pl.Series, spec: SourceSpec) -> pl.Series:
    """The canonical role or status of each record: the system's code (`raw`, upper case and trimmed) through
    `codes.<field>`; with no map, a code already in the vocabulary stands for itself; with no column, the
    constant (`constants.<field>`, or `second_person.first_role` for the role); anything else null."""
    vocabulary = ROLES if field == "role" else STATUSES
    constant = spec.constants.get(field)
    if field == "role" and constant is None and spec.second_person is not None:
        constant = spec.second_person.first_role
    if field not in spec.columns:
        return pl.Series(field, [constant] * len(raw), dtype=pl.Utf8)
    mapping = spec.codes.lookup(field) or {v.upper(): v for v in vocabulary}
    return raw.replace_strict(mapping, default=None, return_dtype=pl.Utf8).alias(field)


def unmapped_codes(records: pl.DataFrame) -> dict[str, dict[str, int]]:
    """field -> {code: records} for the codes of `records` (staged) that map to no canonical value."""
    found: dict[str, dict[str, int]] = {}
    for field in ("role", "status"):
        code = f"{field}_code"
        if code not in records.columns:
            continue
        left = records.filter(pl.col(code).is_not_null() & pl.col(field).is_null())
        if left.height:
            counts = left.group_by(code).len().sort(["len", code], descending=[True, False])
            found[field] = dict(counts.iter_rows())
    return found


def second_person(raw: pl.DataFrame, spec: SourceSpec) -> tuple[pl.DataFrame, SourceSpec] | None:
    """The rows' second persons as a landed frame of their own and the spec that reads it, or None when the
    source declares none. Each keeps its row's number, address, dates and status; its id is the row's plus
    SECOND_PERSON_SUFFIX, its group the row's group_ref (else the row's id, so relationships link the two),
    its role `second_person.role`. Rows with no name for the second person give none. The main person's own
    columns are left out, so they are not kept in the second person's source attributes."""
    second = spec.second_person
    if second is None:
        return None
    row_columns = {f: spec.columns[f] for f in ROW_FIELDS if f in spec.columns}
    own = [c for f, m in second.columns.items() for c in ([m] if isinstance(m, str) else m)]
    shared = [c for m in row_columns.values() for c in ([m] if isinstance(m, str) else m)]
    main_only = [c for c in spec.source_columns(main_only=True) if c not in shared and c not in own]
    id_column = frame_column(spec.columns["source_record_id"])
    group = spec.columns.get("group_ref")
    group_value = pl.col(id_column) if group is None else pl.coalesce(pl.col(frame_column(group)), pl.col(id_column))
    names = [frame_column(c) for f, m in second.columns.items() if f in NAME_FIELDS
             for c in ([m] if isinstance(m, str) else m) if frame_column(c) in raw.columns]
    frame = raw.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in names)) if names else raw.clear()
    frame = (frame.drop([frame_column(c) for c in main_only if frame_column(c) in frame.columns])
             .with_columns(group_value.alias(_GROUP_COLUMN))
             .with_columns((pl.col(id_column) + SECOND_PERSON_SUFFIX).alias(id_column)))
    columns = {**row_columns, **second.columns, "group_ref": _GROUP_COLUMN}
    constants = {**{k: v for k, v in spec.constants.items() if k != "role"}, "role": second.role}
    codes = spec.codes.model_copy(update={"role": {}})
    return frame, spec.model_copy(update={"columns": columns, "constants": constants, "codes": codes,
                                          "second_person": None, "name_order": spec.name_order})


def is_second_person(record_ids: pl.Series) -> pl.Series:
    return record_ids.str.ends_with(SECOND_PERSON_SUFFIX)
