"""Great Expectations suites: one JSON file beside each source's YAML, run on the staged extract.

Each expectation's `meta` names the Dagster asset check it belongs to (`check`) and whether a failure
is an ERROR (blocks downstream assets) or a WARN. A source without a suite file gets the default suite
below, so a new YAML has its checks from the start; `resident-index suggest-suite` writes it to a file.
GX is imported only when a suite runs: loading the Dagster definitions stays fast.
A uniqueness check that fails names the repeated record ids and the rows of the file that hold them
(`duplicates`: up to DUPLICATE_EXAMPLES of them), so an engineer can find them without a query.
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


def _exp(type_: str, check: str, severity: str, description: str, **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"check": check, "severity": severity, "description": description}}


def default_suite(spec: SourceSpec) -> dict:
    """The starting suite for a source: required fields filled, unique ids, validity rates, volume."""
    mapped = set(spec.columns)
    exps = [_exp("expect_column_values_to_be_unique", "unique_record_ids", "ERROR",
                 "Each record id appears once in the extract.", column="source_record_id")]
    required = ["surname"] + (["address"] if "address" in mapped else [])
    exps += [_exp("expect_column_values_to_not_be_null", "required_fields", "ERROR",
                  f"Every record has a {c}.", column=c, mostly=0.99) for c in required]
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
    if wanted is not None:
        frame = frame.select([c for c in frame.columns if c in wanted])
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
    for r in result.results:
        cfg = r.expectation_config
        name = cfg.meta.get("check") or cfg.type
        outcome = by_check.setdefault(name, CheckOutcome(name, checks[name]["severity"], True))
        outcome.passed &= bool(r.success)
        figures = {k: v for k, v in r.result.items()
                   if k in ("element_count", "unexpected_count", "unexpected_percent", "missing_count", "observed_value")}
        column = cfg.kwargs.get("column")
        label = f"{cfg.type}({column})" if column else cfg.type
        outcome.metadata[label] = {"success": bool(r.success), **figures,
                                   **{k: cfg.kwargs[k] for k in ("mostly", "min_value", "max_value") if k in cfg.kwargs}}
        if cfg.type == "expect_column_values_to_be_unique" and not r.success and column in frame.columns:
            outcome.metadata[f"duplicates({column})"] = duplicates(frame, column)
    return list(by_check.values())
