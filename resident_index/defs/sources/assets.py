"""One software-defined asset per council system, made from the registry's YAML files.

Each asset stages one extract (its partition: the extract's date) into `staging.<system>`, then judges it:
the source's Great Expectations suite plus the built-in checks (rows reconcile and quarantine rate, ERROR;
mapped columns present and extract file names, WARN). An extract that fails an ERROR check is rejected: it is
not marked accepted, so the index goes on using the source's previous accepted extract, and the step fails
with one message naming each failed check's field, observed rate, threshold and example rows (record ids
only), also kept in `landing_log.message` for the run summary and `staged_records`.
"""

import warnings
from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.defs.partitions import WAREHOUSE_POOL, extract_dates
from resident_index.defs.sources import codes_check, landing_check
from resident_index.defs.sources.landing_check import file_names_result
from resident_index.quality.profile import profile_markdown
from resident_index.quality.suite import (EXAMPLE_ROWS, CheckOutcome, load_suite, run_suite, suite_checks,
                                          validation_frame)
from resident_index.settings import landing_dir
from resident_index.sources.landing import file_fingerprint, scan_landing
from resident_index.sources.spec import SourceSpec, load_registry
from resident_index.sources.staging import latest_accepted, mark_accepted, previous_extract, stage_extract
from resident_index.standardise.schema import CANONICAL_SCHEMA

BUILTIN_CHECKS = {  # name -> (severity, description)
    "rows_reconcile": ("ERROR", "Every landed row is staged or quarantined: staged + quarantined = landed."),
    "quarantine_rate": ("ERROR", "The share of landed rows sent to quarantine stays under the source's limit."),
    "mapped_columns_present": ("WARN", "Every source column the YAML maps is in the extract: a missing one "
                                       "leaves the fields it feeds empty on every record."),
    codes_check.CHECK_NAME: (codes_check.SEVERITY, codes_check.DESCRIPTION),
}

TABLE_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn(name, type=ddb, description=desc) for name, (ddb, _, desc) in CANONICAL_SCHEMA.items()
])


def _check_specs(spec: SourceSpec) -> list[dg.AssetCheckSpec]:
    """Every check of the source, partitioned like it: each result says which extract it judged."""
    checks = dict(BUILTIN_CHECKS)
    checks |= {name: (c["severity"], " ".join(c["descriptions"])) for name, c in suite_checks(load_suite(spec)).items()}
    with warnings.catch_warnings():  # a partitions_def on an AssetCheckSpec is a preview in Dagster 1.13
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return [dg.AssetCheckSpec(name, asset=spec.name, description=f"[{sev}] {desc}", blocking=sev == "ERROR",
                                  partitions_def=extract_dates)
                for name, (sev, desc) in checks.items()] + [
            dg.AssetCheckSpec(landing_check.CHECK_NAME, asset=spec.name, description=landing_check.DESCRIPTION,
                              partitions_def=extract_dates)]


def _code_references(spec: SourceSpec) -> dg.CodeReferencesMetadataValue:
    """The YAML that defines the source and the Great Expectations suite beside it (the Python is added by
    resident_index/catalog.py)."""
    with warnings.catch_warnings():  # beta in Dagster 1.13
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.CodeReferencesMetadataValue(code_references=[
            dg.LocalFileCodeReference(file_path=str(path), label=path.name)
            for path in (spec.spec_path, spec.suite_path) if path is not None])


def build_source_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.name,
        group_name="sources",
        description=f"{spec.title}: {spec.description}",
        partitions_def=extract_dates,
        kinds={"duckdb", spec.landing.format},
        pool=WAREHOUSE_POOL,
        check_specs=_check_specs(spec),
        metadata={
            "system": spec.system,
            "data_owner": spec.data_owner,
            "lawful_basis": spec.lawful_basis,
            "retention": spec.retention,
            "landing": f"landing/{spec.landing.folder}/<YYYY-MM-DD>.{spec.landing.extension} "
                       f"({spec.landing.format}, {spec.landing.encoding}, delimiter {spec.landing.delimiter!r})",
            "dagster/table_name": f"staging.{spec.name}",
            "dagster/column_schema": TABLE_SCHEMA,
            "dagster/code_references": _code_references(spec),
        },
        owners=spec.owners(),
        tags={"source_system": spec.name, "pii": "yes", "sensitivity": spec.sensitivity},
    )
    def _source(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
        day = date.fromisoformat(context.partition_key)
        path = spec.landing.extract_path(landing_dir(), day)
        fingerprint = file_fingerprint(path) if path.exists() else "missing"
        # dagster-duckdb leaves a connection open if the block raises: fail only after it has closed
        with warehouse.get_connection() as con:
            result = stage_extract(con, spec, day, path)
            in_use = latest_accepted(con, spec.name, day)
            if result.error is None:
                prev = previous_extract(con, spec.name, day)
                outcomes = list(_builtin_checks(con, spec, day, result)) + _suite_checks(spec, result, prev)
                failed = [o for o in outcomes if not o.passed and o.severity == "ERROR"]
                rejection = _rejection(spec, day, failed, in_use) if failed else None
                mark_accepted(con, spec.name, day, not failed, rejection)
        counts = {"rows_landed": result.rows_landed, "rows_staged": result.rows_staged,
                  "rows_quarantined": len(result.quarantined)}
        if result.error is not None:
            # no materialization (nothing was staged), but the file is recorded as judged: the landing sensor
            # does not stage it again until it changes
            yield dg.AssetObservation(asset_key=spec.name, partition=context.partition_key,
                                      metadata={**counts, "file": str(path), "file_fingerprint": fingerprint,
                                                "rejected": str(result.error)})
            raise dg.Failure(description=f"{spec.name} extract {day} rejected: {result.error}. {_kept(in_use)}.",
                             metadata={**counts, "file": str(path)})
        scan = scan_landing(spec, landing_dir())
        yield dg.MaterializeResult(metadata={
            **counts,
            "dagster/row_count": result.rows_staged,
            "file": str(path),
            "file_fingerprint": fingerprint,
            "accepted": rejection is None,
            "previous_extract": str(prev[0]) if prev else "none",
            "previous_rows": prev[1] if prev else 0,
            "quarantine_reasons": dg.MetadataValue.md(_reasons(result.quarantined)),
            "rows_reused_from_previous_extract": result.rows_reused,
            "profile": dg.MetadataValue.md(profile_markdown(result.records)),
            **_latest_extract_link(spec, scan.dates),
        })
        for o in outcomes:
            yield _check_result(o)
        yield file_names_result(scan.refused)
        if rejection is not None:
            context.log.warning(rejection)
            # raised here, after every check has reported, in place of Dagster's own "1 blocking asset check
            # failed" (which names no field, rate or threshold)
            raise dg.Failure(description=rejection, metadata={
                **counts, "file": str(path),
                "failed_checks": dg.MetadataValue.json({o.name: o.explanation for o in failed})})

    return _source


def _latest_extract_link(spec: SourceSpec, dates: list[str]) -> dict:
    """A link to the source's page on its newest landed extract: the UI's Materialize dialog opens with that
    partition chosen (it reads the page's `partition` parameter; Dagster lets no definition set its default,
    which is no partition at all). Relative, so it works on whatever host and port the UI is served."""
    if not dates:
        return {}
    return {"latest_landed_extract": dates[-1],
            "materialize_latest_extract": dg.MetadataValue.url(f"/assets/{spec.name}?partition={dates[-1]}")}


def _rejection(spec: SourceSpec, day: date, failed: list[CheckOutcome], in_use: date | None) -> str:
    """Why an extract was rejected, in one message: each failed ERROR check with its field, observed rate,
    threshold and example rows, and which extract the index goes on using."""
    checks = "; ".join(f"{o.name}: {o.explanation}" for o in failed)
    return f"{spec.name} extract {day} rejected by {checks}. {_kept(in_use)}."


def _kept(in_use: date | None) -> str:
    return (f"The {in_use} extract stays in use" if in_use is not None
            else "The source has no accepted extract yet, so the index holds none of its records")


def _reasons(quarantined) -> str:
    if not quarantined:
        return "Nothing quarantined."
    tally: dict[str, int] = {}
    for q in quarantined:
        key = q.reason if q.column is None else f"{q.column}: {q.reason}"
        tally[key] = tally.get(key, 0) + 1
    rows = sorted(tally.items(), key=lambda kv: -kv[1])[:20]
    return "| reason | rows |\n|---|---:|\n" + "\n".join(f"| {r} | {n} |" for r, n in rows)


def _builtin_checks(con, spec: SourceSpec, day: date, result):
    staged, quarantined = con.execute(
        f"""SELECT (SELECT count(DISTINCT row_number) FROM staging.{spec.name} WHERE extract_date = $day),
                   (SELECT count(*) FROM quarantine WHERE source_system = $src AND extract_date = $day)""",
        {"day": day, "src": spec.name}).fetchone()
    landed = result.rows_landed
    yield CheckOutcome("rows_reconcile", "ERROR", staged + quarantined == landed,
                       explanation=f"{landed:,} rows landed but {staged:,} staged + {quarantined:,} quarantined",
                       numbers={"rows_unaccounted": landed - staged - quarantined, "landed": landed,
                                "staged": staged, "quarantined": quarantined})
    rate = quarantined / landed if landed else 0.0
    examples = ", ".join(f"row {q.row_number} ({q.column + ': ' if q.column else ''}{q.reason})"
                         for q in result.quarantined[:EXAMPLE_ROWS])
    yield CheckOutcome("quarantine_rate", "ERROR", rate <= spec.checks.max_quarantine_rate,
                       numbers={"quarantine_rate": round(rate, 5),
                                "max_quarantine_rate": float(spec.checks.max_quarantine_rate),
                                "quarantined": quarantined, "landed": landed},
                       explanation=f"{rate:.1%} of {landed:,} rows quarantined ({quarantined:,}), at most "
                                   f"{spec.checks.max_quarantine_rate:.1%} allowed (checks.max_quarantine_rate)"
                                   + (f"; e.g. {examples}" if examples else ""))
    yield mapped_columns_check(result.missing_columns)
    yield codes_check.codes_check(result)


def mapped_columns_check(missing: dict[str, list[str]]) -> CheckOutcome:
    """WARN when a mapped (optional) column is missing from the extract: its fields are null on every record.
    (A missing required column rejects the extract before any check runs.)"""
    return CheckOutcome("mapped_columns_present", "WARN", not missing, {"fields_left_empty": missing},
                        numbers={"missing_columns": len(missing)},
                        explanation="; ".join(f"column '{c}' missing: {', '.join(f)} empty on every record"
                                              for c, f in missing.items()))


def _suite_checks(spec: SourceSpec, result, prev) -> list[CheckOutcome]:
    change = spec.checks.max_row_count_change
    params = ({"min_rows": int(prev[1] * (1 - change)), "max_rows": int(prev[1] * (1 + change)) + 1}
              if prev else {"min_rows": 1, "max_rows": None})
    suite = load_suite(spec)
    frame = validation_frame(result.records, suite)
    return run_suite(suite, frame, params)


def _check_result(outcome: CheckOutcome) -> dg.AssetCheckResult:
    """The check's result for the extract being staged (the partition: the checks are partitioned like the
    asset). Its figures come first, as numbers the UI plots extract by extract; the detail (each
    expectation's result, example rows) follows as JSON."""
    numbers = {k: dg.MetadataValue.int(v) if isinstance(v, int) and not isinstance(v, bool) else dg.MetadataValue.float(float(v))
               for k, v in outcome.numbers.items()}
    return dg.AssetCheckResult(
        check_name=outcome.name, passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if outcome.severity == "ERROR" else dg.AssetCheckSeverity.WARN,
        description=None if outcome.passed else outcome.explanation or None,
        metadata={**numbers, **{k: dg.MetadataValue.json(v) if isinstance(v, dict) else v
                                for k, v in outcome.metadata.items()}},
    )


source_assets = [build_source_asset(spec) for spec in load_registry()]
