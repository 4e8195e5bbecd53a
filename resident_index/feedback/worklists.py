"""The worklists: one CSV and one XLSX per source system, in that system's own columns and codes.

Ids first (the suggestion's, then the record's under the system's own key column), then what to change
(the system's column names from its source YAML), the record's value now and the value suggested, written
the way the system writes it (its date format, its own status codes, its name order), why and how sure,
and empty `response` and `note` columns for the owner to fill in and land back. No more personal data than
the fix needs: only the field in question, never the rest of the record.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from resident_index.files import replaced_atomically
from resident_index.settings import exports_dir
from resident_index.sources.codes import SECOND_PERSON_SUFFIX
from resident_index.sources.spec import SourceSpec

#: what each suggestion's field is called on a worklist
LABELS = {
    "life_status": "still active after death", "date_of_death": "date of death", "address": "address",
    "nhs_number": "NHS number", "ni_number": "National Insurance number", "dob": "date of birth", "name": "name",
    "sex": "sex", "phone": "phone", "mobile": "mobile", "email": "email", "duplicate": "duplicate record",
    "missing_nhs_number": "NHS number missing", "missing_ni_number": "National Insurance number missing",
    "missing_dob": "date of birth missing", "missing_uprn": "UPRN missing",
}
COLUMNS = ["suggestion_id", "record_id", "what", "column", "current_value", "suggested_value", "why", "confidence",
           "impact", "evidence_from", "evidence_as_of", "status", "response", "note"]


def feedback_dir(system: str) -> Path:
    return exports_dir() / "feedback" / system


def _columns(mapping: str | list[str] | None) -> list[str]:
    return [] if mapping is None else [mapping] if isinstance(mapping, str) else list(mapping)


def system_columns(spec: SourceSpec, field: str, second: bool) -> str:
    """The system's own column(s) a suggestion on `field` changes (a second person's where the record is one)."""
    own = {**spec.columns, **(spec.second_person.columns if second and spec.second_person else {})}
    base = field.removeprefix("missing_")
    if base == "name":
        cols = _columns(own.get("full_name")) or [c for f in ("forename", "surname") for c in _columns(own.get(f))]
    elif base == "address":
        cols = [c for f in ("address", "postcode", "uprn") for c in _columns(own.get(f))]
    elif base == "life_status":
        cols = next((_columns(own.get(f)) for f in ("date_of_death", "status", "end_date") if own.get(f)), [])
    elif base == "duplicate":
        cols = _columns(own.get("source_record_id"))
    else:
        cols = _columns(own.get(base))
    return ", ".join(cols) or "(no column: record it as the system allows)"


def _date(text: str | None, spec: SourceSpec, field: str) -> str | None:
    if not text:
        return text
    formats = spec.date_formats.get(field) or ["%Y-%m-%d"]
    try:
        return date.fromisoformat(text[:10]).strftime(formats[0])
    except ValueError:
        return text


def _status_code(spec: SourceSpec, *wanted: str) -> str | None:
    """The system's own status code for the first canonical status in `wanted` it has one for."""
    for status in wanted:
        for code, canonical in spec.codes.status.items():
            if canonical == status:
                return code
    return None


def _name(shown: str | None, spec: SourceSpec, second: bool) -> str | None:
    own = {**spec.columns, **(spec.second_person.columns if second and spec.second_person else {})}
    if not shown or "full_name" not in own or spec.name_order != "surname_first":
        return shown
    parts = shown.split(" ")
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else shown


def render(row: dict, spec: SourceSpec, titles: dict[str, str]) -> dict:
    """One worklist row in the system's terms."""
    field, second = row["field"], row["source_record_id"].endswith(SECOND_PERSON_SUFFIX)
    current, suggested = row["current_value"], row["suggested_shown"]
    if field in ("dob", "missing_dob", "date_of_death"):
        current, suggested = _date(current, spec, "dob" if "dob" in field else field), _date(row["suggested_value"], spec, "dob" if "dob" in field else field)
    elif field == "life_status":
        own = {**spec.columns, **(spec.second_person.columns if second and spec.second_person else {})}
        written = {code.strip().upper(): code for code in spec.codes.status}  # staging compares codes upper case
        current = written.get(row["status_code"] or "", row["status_code"]) or "(active)"
        if own.get("date_of_death"):
            suggested = _date(row["suggested_value"], spec, "date_of_death")
        elif own.get("status"):
            suggested = _status_code(spec, "deceased", "ended") or "deceased"
        elif own.get("end_date"):
            suggested = _date(row["suggested_value"], spec, "end_date")
        else:
            suggested = f"died {row['suggested_value']}"
    elif field == "name":
        current, suggested = row["name_raw"], _name(suggested, spec, second)
    elif field == "address":
        current = ", ".join(x for x in (row["record_address"], row["record_postcode"]) if x)
        if "uprn" in spec.columns:
            suggested = f"{suggested} (UPRN {row['suggested_value']})"
    elif field == "missing_uprn":
        suggested = row["suggested_value"]
    elif field == "duplicate":
        suggested = f"merge into {row['suggested_value'].removesuffix(SECOND_PERSON_SUFFIX)}"
    elif suggested is None:
        suggested = row["suggested_value"]
    status = ("open" if row["status"] == "open" else
              f"reported fixed on {str(row['responded_on'])[:10]}, still in the extract of {str(row['extract_date'])[:10]}")
    record = row["source_record_id"].removesuffix(SECOND_PERSON_SUFFIX)
    return {"suggestion_id": row["suggestion_id"], "record_id": record,
            "what": LABELS[field] + (" (second person on the row)" if second else ""),
            "column": system_columns(spec, field, second), "current_value": current, "suggested_value": suggested,
            "why": row["reason"], "confidence": row["confidence"], "impact": row["impact"],
            "evidence_from": titles.get(row["evidence_system"], row["evidence_system"]),
            "evidence_as_of": str(row["evidence_as_of"])[:10] if row["evidence_as_of"] else None,
            "status": status, "response": None, "note": None}


def worklist_frame(con: duckdb.DuckDBPyConnection, spec: SourceSpec, titles: dict[str, str]) -> pl.DataFrame:
    rows = con.execute("""
        SELECT w.*, p.name_raw, p.address AS record_address, p.postcode AS record_postcode, p.status_code
        FROM feedback_worklist w
        JOIN person_records p USING (source_system, source_record_id)
        WHERE w.source_system = ?
        ORDER BY w.priority DESC, w.suggestion_id""", [spec.name]).fetchdf().to_dict("records")
    rendered = [render({k: (None if _is_na(v) else v) for k, v in r.items()}, spec, titles) for r in rows]
    frame = pl.DataFrame(rendered, schema={c: (pl.Float64 if c in ("confidence", "impact") else pl.Utf8)
                                           for c in COLUMNS}, orient="row") if rendered else \
        pl.DataFrame(schema={c: (pl.Float64 if c in ("confidence", "impact") else pl.Utf8) for c in COLUMNS})
    id_column = _columns(spec.columns["source_record_id"])[0]
    return frame.rename({"record_id": id_column} if id_column not in COLUMNS else {})


def _is_na(value) -> bool:
    try:
        import pandas as pd

        return value is None or (not isinstance(value, (list, dict)) and bool(pd.isna(value)))
    except (TypeError, ValueError):
        return False


def write_worklist(frame: pl.DataFrame, system: str, as_of: date) -> dict[str, Path]:
    """data/exports/feedback/<system>/worklist.csv and .xlsx (replaced whole; byte-identical for one build)."""
    import xlsxwriter

    out = feedback_dir(system)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "worklist.csv", "xlsx": out / "worklist.xlsx"}
    with replaced_atomically(paths["csv"]) as partial:
        frame.write_csv(partial)
    with replaced_atomically(paths["xlsx"]) as partial:
        book = xlsxwriter.Workbook(str(partial))
        # the workbook's own dates are the extract's, so one build writes the same bytes every time
        book.set_properties({"title": f"Quality feedback worklist: {system}",
                             "created": datetime(as_of.year, as_of.month, as_of.day)})
        frame.write_excel(book, worksheet="worklist", autofit=True, table_style="Table Style Light 1",
                          freeze_panes=(1, 2))
        book.close()
    return paths
