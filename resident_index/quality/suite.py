"""Great Expectations suites: one JSON file beside each source's YAML, run on the staged extract.

Each expectation's `meta` names the Dagster asset check it belongs to (`check`) and whether a failure
is an ERROR (blocks downstream assets) or a WARN. A source without a suite file gets the default suite
below, so a new YAML has its checks from the start; `resident-index suggest-suite` writes it to a file.
GX is imported only when a suite runs: loading the Dagster definitions stays fast.
A uniqueness check that fails names the repeated record ids and the rows of the file that hold them
(`duplicates`: up to DUPLICATE_EXAMPLES of them), so an engineer can find them without a query. Any other
failed expectation says in plain words which field, the observed rate, the threshold and the first
EXAMPLE_ROWS rows that fail it, by row of the file and record id only (no value: it may be personal data):
`CheckOutcome.explanation`, the check's description in the UI and the extract's rejection message.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import polars as pl

from resident_index.sources.spec import SourceSpec

#: how many repeated values a failed uniqueness check lists
DUPLICATE_EXAMPLES = 20
#: how many failing rows a failed expectation names (row of the file and record id)
EXAMPLE_ROWS = 5


def _exp(type_: str, check: str, severity: str, description: str, **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"check": check, "severity": severity, "description": description}}


def default_suite(spec: SourceSpec) -> dict:
    """The starting suite for a source: the YAML's `required_fields` filled (ERROR; every other field is
    optional and never blocks), unique ids, validity rates, volume."""
    mapped = set(spec.columns)
    exps = [_exp("expect_column_values_to_be_unique", "unique_record_ids", "ERROR",
                 "Each record id appears once in the extract.", column="source_record_id")]
    rate = spec.checks.min_required_rate
    exps += [_exp("expect_column_values_to_not_be_null", "required_fields", "ERROR",
                  f"At least {rate:.0%} of records give a {c} (required_fields in the source's YAML).",
                  column=c, mostly=rate) for c in spec.required_fields]
    exps.append(_exp("expect_column_values_to_be_in_set", "valid_postcode_rate", "WARN",
                     "At least 90% of postcodes given have a valid UK format.",
                     column="postcode_valid", value_set=[True], mostly=0.9))
    if "nhs_number" in mapped:
        exps.append(_exp("expect_column_values_to_be_in_set", "valid_nhs_rate", "WARN",
                         "At least 95% of NHS numbers given pass the mod-11 check.",
                         column="nhs_valid", value_set=[True], mostly=0.95))
    if "dob" in mapped:
        exps.append(_exp("expect_column_values_to_be_in_set", "valid_dob_rate", "WARN",
                         "At least 95% of dates of birth given are real, plausible dates.",
                         column="dob_given_valid", value_set=[True], mostly=0.95))
    exps.append(_exp("expect_table_row_count_to_be_between", "row_count_vs_previous", "WARN",
                     f"Rows within {spec.checks.max_row_count_change:.0%} of the previous extract.",
                     min_value={"$PARAMETER": "min_rows"}, max_value={"$PARAMETER": "max_rows"}))
    return {"name": spec.name, "expectations": exps}


def load_suite(spec: SourceSpec) -> dict:
    if spec.suite_path is not None:
        return json.loads(Path(spec.suite_path).read_text(encoding="utf-8"))
    return default_suite(spec)


def suite_checks(suite: dict) -> dict[str, dict]:
    """check name -> {severity, description}; a check is an ERROR if any of its expectations is."""
    checks: dict[str, dict] = {}
    for exp in suite["expectations"]:
        meta = exp.get("meta", {})
        name = meta.get("check") or exp["type"]
        entry = checks.setdefault(name, {"severity": "WARN", "descriptions": []})
        if meta.get("severity", "WARN").upper() == "ERROR":
            entry["severity"] = "ERROR"
        entry["descriptions"].append(meta.get("description") or exp["type"])
    return checks


@dataclass
class CheckOutcome:
    name: str
    severity: str
    passed: bool
    metadata: dict = field(default_factory=dict)
    #: what failed, in plain words (field, observed rate, threshold, example rows); empty when it passed
    explanation: str = ""
    #: the figures judged, as plain numbers (observed value first, then threshold and counts): numeric
    #: metadata the Dagster UI plots over extracts, beside the detail in `metadata`
    numbers: dict[str, float | int] = field(default_factory=dict)


def suite_columns(suite: dict) -> set[str] | None:
    """The columns a suite's expectations name; None when one judges the table's set of columns itself."""
    columns: set[str] = set()
    for exp in suite["expectations"]:
        if exp["type"].startswith("expect_table_column"):
            return None
        for key, value in exp["kwargs"].items():
            if key == "column_list":
                columns |= set(value)
            elif key.startswith("column") and isinstance(value, str):
                columns.add(value)
    return columns


def validation_frame(staged: pl.DataFrame, suite: dict) -> pd.DataFrame:
    """The staged records as the suite judges them: derived columns added (rates among records that give a
    value), then only the columns the suite names handed to pandas (a whole 300,000-row extract costs
    seconds to convert and GX reads a handful of columns). The index is each record's row in the file."""
    given = ~pl.col("dob_flag").is_in(["missing", "not_held"])
    frame = staged.with_columns(dob_given_valid=pl.when(given).then(pl.col("dob_flag") == "ok"))
    wanted = suite_columns(suite)
    if wanted is not None:  # the record id too: a failed expectation names its example rows by it
        frame = frame.select([c for c in frame.columns if c in wanted | {"source_record_id"}])
    return frame.to_pandas().set_axis(pd.Index(staged["row_number"].to_list(), name="row_number"))


def duplicates(frame: pd.DataFrame, column: str, limit: int = DUPLICATE_EXAMPLES) -> dict:
    """How many values of `column` more than one row holds, and the first `limit` of them (in the order they
    first appear) with the rows (the frame's index) holding each. Values are shown for the record id only:
    another column's (an NHS number, say) would put personal data in the UI, so only its rows are."""
    values = frame[column]
    repeated = values[values.duplicated(keep=False) & values.notna()]
    first = repeated.drop_duplicates()
    rows = [[int(r) for r in repeated.index[repeated == v]] for v in first.head(limit)]
    examples = dict(zip(map(str, first.head(limit)), rows)) if column == "source_record_id" else rows
    return {"values_repeated": len(first), f"first_{limit}": examples}


def run_suite(suite: dict, frame: pd.DataFrame, parameters: dict) -> list[CheckOutcome]:
    """Validate `frame` with the suite in an ephemeral GX context; one outcome per named check."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("staged").add_dataframe_asset("extract")
             .add_batch_definition_whole_dataframe("whole"))
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite["name"], expectations=suite["expectations"]))
    result = gx.ValidationDefinition(name="validate", data=batch, suite=gx_suite).run(
        batch_parameters={"dataframe": frame}, expectation_parameters=parameters,
        result_format="SUMMARY")
    by_check: dict[str, CheckOutcome] = {}
    checks = suite_checks(suite)
    per_check: dict[str, int] = {}
    for r in result.results:
        name = r.expectation_config.meta.get("check") or r.expectation_config.type
        per_check[name] = per_check.get(name, 0) + 1
    for r in result.results:
        cfg = r.expectation_config
        name = cfg.meta.get("check") or cfg.type
        outcome = by_check.setdefault(name, CheckOutcome(name, checks[name]["severity"], True))
        outcome.passed &= bool(r.success)
        figures = {k: v for k, v in r.result.items()
                   if k in ("element_count", "unexpected_count", "unexpected_percent", "missing_count", "observed_value")}
        column = cfg.kwargs.get("column")
        label = f"{cfg.type}({column})" if column else cfg.type
        # the figures the UI plots extract by extract: one key each, prefixed by the column when the check
        # holds several expectations (required_fields over several fields)
        prefix = f"{column or cfg.type}: " if per_check[name] > 1 else ""
        outcome.numbers |= {prefix + k: v for k, v in numeric_figures(cfg.type, r.result, cfg.kwargs).items()}
        entry = {"success": bool(r.success), **figures,
                 **{k: cfg.kwargs[k] for k in ("mostly", "min_value", "max_value") if k in cfg.kwargs}}
        outcome.metadata[label] = entry
        if r.success:
            continue
        if cfg.type == "expect_column_values_to_be_unique" and column in frame.columns:
            outcome.metadata[f"duplicates({column})"] = repeated = duplicates(frame, column)
            found = _unique_failure(column, repeated)
        else:
            found = _failure(cfg.type, column, r.result, cfg.kwargs, _example_rows(frame, r.result))
        entry |= {k: found[k] for k in ("observed_rate", "threshold", "example_rows") if k in found}
        outcome.explanation = "; ".join(filter(None, [outcome.explanation, found["text"]]))
    return list(by_check.values())


def numeric_figures(type_: str, result: dict, kwargs: dict) -> dict[str, float | int]:
    """An expectation's figures as numbers: the observed value (a rate among the records that give a value,
    or the row count), its threshold, and how many records failed it and were judged."""
    if type_ == "expect_table_row_count_to_be_between":
        out: dict[str, float | int] = {"rows": int(result.get("observed_value") or 0)}
        for key, name in (("min_value", "min_rows"), ("max_value", "max_rows")):
            if isinstance(kwargs.get(key), (int, float)):
                out[name] = int(kwargs[key])
        return out
    if "unexpected_percent" not in result:
        observed = result.get("observed_value")
        return {"observed_value": float(observed)} if isinstance(observed, (int, float)) else {}
    judged = int(result.get("element_count", 0) or 0) - int(result.get("missing_count", 0) or 0)
    return {"observed_rate": round(1 - (result["unexpected_percent"] or 0) / 100, 5),
            "threshold": float(kwargs.get("mostly", 1.0)),
            "unexpected_count": int(result.get("unexpected_count", 0) or 0),
            "records_judged": judged}


def _example_rows(frame: pd.DataFrame, result: dict) -> dict[str, str | None]:
    """row of the file -> record id, for the first EXAMPLE_ROWS rows GX found failing (values left out)."""
    rows = [int(i["row_number"]) if isinstance(i, dict) else int(i)
            for i in (result.get("partial_unexpected_index_list") or [])[:EXAMPLE_ROWS]]
    ids = frame["source_record_id"] if "source_record_id" in frame.columns else None
    return {str(row): (None if ids is None else str(ids.loc[row])) for row in rows}


def _rows_text(examples: dict[str, str | None]) -> str:
    if not examples:
        return ""
    return "; e.g. " + ", ".join(f"row {row}" + (f" (id {rid})" if rid is not None else "")
                                 for row, rid in examples.items())


#: how a failed column expectation reads: "<column>: <phrase> <observed> of the <n> records ..."
_PHRASES = {
    "expect_column_values_to_not_be_null": "given on",
    "expect_column_values_to_be_in_set": "in the expected set on",
}


def _failure(type_: str, column: str | None, result: dict, kwargs: dict, examples: dict) -> dict:
    """A failed expectation in plain words, with its figures: field, observed rate, threshold, example rows."""
    if type_ == "expect_table_row_count_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        bounds = " and ".join(str(b) for b in (low, high) if b is not None)
        return {"text": f"{result.get('observed_value')} rows, expected between {bounds}",
                "observed_rate": result.get("observed_value")}
    if column is None or "unexpected_percent" not in result:
        return {"text": f"{type_}{f'({column})' if column else ''} failed: "
                        f"{ {k: v for k, v in result.items() if not k.startswith('partial')} }"}
    observed = round(1 - (result["unexpected_percent"] or 0) / 100, 5)
    threshold = kwargs.get("mostly", 1.0)
    judged = result.get("element_count", 0) - result.get("missing_count", 0)
    among = f"the {judged:,} records that give one" if result.get("missing_count") else f"{judged:,} records"
    text = (f"{column}: {_PHRASES.get(type_, f'passing {type_} on')} {observed:.1%} of {among} "
            f"({result.get('unexpected_count', 0):,} not), at least {threshold:.0%} required{_rows_text(examples)}")
    return {"text": text, "observed_rate": observed, "threshold": threshold, "example_rows": examples}


def _unique_failure(column: str, repeated: dict) -> dict:
    examples = repeated[f"first_{DUPLICATE_EXAMPLES}"]
    shown = list(examples.items())[:EXAMPLE_ROWS] if isinstance(examples, dict) else []
    where = ", ".join(f"{value} in rows {', '.join(map(str, rows))}" for value, rows in shown)
    return {"text": f"{column}: {repeated['values_repeated']:,} repeated (each must appear once)"
                    + (f"; e.g. {where}" if where else ""),
            "observed_rate": repeated["values_repeated"], "threshold": 0}
