"""One software-defined asset per council system, made from the registry's YAML files.

Each asset stages one daily extract (its partition) into `staging.<system>`, then judges it: the
source's Great Expectations suite plus three built-in checks (rows reconcile and quarantine rate, ERROR;
mapped columns present, WARN). An ERROR check that fails blocks downstream assets, and the extract is not
marked accepted.
"""

from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.defs.partitions import WAREHOUSE_POOL, daily_extracts
from resident_index.quality.profile import profile_markdown
from resident_index.quality.suite import load_suite, run_suite, suite_checks, validation_frame
from resident_index.settings import landing_dir
from resident_index.sources.spec import SourceSpec, load_registry
from resident_index.sources.staging import mark_accepted, previous_extract, stage_extract
from resident_index.standardise.schema import CANONICAL_SCHEMA

BUILTIN_CHECKS = {  # name -> (severity, description)
    "rows_reconcile": ("ERROR", "Every landed row is staged or quarantined: staged + quarantined = landed."),
    "quarantine_rate": ("ERROR", "The share of landed rows sent to quarantine stays under the source's limit."),
    "mapped_columns_present": ("WARN", "Every source column the YAML maps is in the extract: a missing one "
                                       "leaves the fields it feeds empty on every record."),
}

TABLE_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn(name, type=ddb, description=desc) for name, (ddb, _, desc) in CANONICAL_SCHEMA.items()
])


def _check_specs(spec: SourceSpec) -> list[dg.AssetCheckSpec]:
    checks = dict(BUILTIN_CHECKS)
    checks |= {name: (c["severity"], " ".join(c["descriptions"])) for name, c in suite_checks(load_suite(spec)).items()}
    return [dg.AssetCheckSpec(name, asset=spec.name, description=f"[{sev}] {desc}", blocking=sev == "ERROR")
            for name, (sev, desc) in checks.items()]


def build_source_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.name,
        group_name="sources",
        description=f"{spec.title}: {spec.description}",
        partitions_def=daily_extracts,
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
        },
        tags={"source_system": spec.name},
    )
    def _source(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
        day = date.fromisoformat(context.partition_key)
        path = spec.landing.extract_path(landing_dir(), day)
        # dagster-duckdb leaves a connection open if the block raises: fail only after it has closed
        with warehouse.get_connection() as con:
            result = stage_extract(con, spec, day, path)
            if result.error is None:
                prev = previous_extract(con, spec.name, day)
                outcomes = list(_builtin_checks(con, spec, day, result)) + _suite_checks(spec, result, prev)
                mark_accepted(con, spec.name, day,
                              all(o.passed or o.severity != dg.AssetCheckSeverity.ERROR for o in outcomes))
        counts = {"rows_landed": result.rows_landed, "rows_staged": result.rows_staged,
                  "rows_quarantined": len(result.quarantined)}
        if result.error is not None:
            raise dg.Failure(description=str(result.error), metadata={**counts, "file": str(path)})
        yield dg.MaterializeResult(metadata={
            **counts,
            "dagster/row_count": result.rows_staged,
            "file": str(path),
            "previous_extract": str(prev[0]) if prev else "none",
            "previous_rows": prev[1] if prev else 0,
            "quarantine_reasons": dg.MetadataValue.md(_reasons(result.quarantined)),
            "rows_reused_from_previous_extract": result.rows_reused,
            "profile": dg.MetadataValue.md(profile_markdown(result.records)),
        })
        for o in outcomes:
            yield o

    return _source


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
        f"""SELECT (SELECT count(*) FROM staging.{spec.name} WHERE extract_date = $day),
                   (SELECT count(*) FROM quarantine WHERE source_system = $src AND extract_date = $day)""",
        {"day": day, "src": spec.name}).fetchone()
    yield _check_result("rows_reconcile", "ERROR", staged + quarantined == result.rows_landed,
                   {"landed": result.rows_landed, "staged": staged, "quarantined": quarantined})
    rate = quarantined / result.rows_landed if result.rows_landed else 0.0
    yield _check_result("quarantine_rate", "ERROR", rate <= spec.checks.max_quarantine_rate,
                   {"quarantine_rate": round(rate, 5), "max_quarantine_rate": spec.checks.max_quarantine_rate})
    yield mapped_columns_check(result.missing_columns)


def mapped_columns_check(missing: dict[str, list[str]]) -> dg.AssetCheckResult:
    """WARN when a mapped (optional) column is missing from the extract: its fields are null on every record.
    (A missing required column rejects the extract before any check runs.)"""
    return _check_result("mapped_columns_present", "WARN", not missing,
                         {"missing_columns": len(missing), "fields_left_empty": missing})


def _suite_checks(spec: SourceSpec, result, prev) -> list:
    change = spec.checks.max_row_count_change
    params = ({"min_rows": int(prev[1] * (1 - change)), "max_rows": int(prev[1] * (1 + change)) + 1}
              if prev else {"min_rows": 1, "max_rows": None})
    suite = load_suite(spec)
    frame = validation_frame(result.records, suite)
    return [_check_result(o.name, o.severity, o.passed, o.metadata) for o in run_suite(suite, frame, params)]


def _check_result(name: str, severity: str, passed: bool, metadata: dict) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name, passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if severity == "ERROR" else dg.AssetCheckSeverity.WARN,
        metadata={k: dg.MetadataValue.json(v) if isinstance(v, dict) else v for k, v in metadata.items()},
    )


source_assets = [build_source_asset(spec) for spec in load_registry()]
