"""Electoral register mart: is each elector confirmed at the registered address by other council data, the
validation rate by polling district, the review list, the canvass list, and how right they are.

Logic and settings: resident_index/marts/electoral/ (SQL per table, electoral.yaml).
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.charts import chart_metadata, save_chart
from resident_index.defs.evaluation import evaluate_against_truth, no_truth
from resident_index.defs.marts.publish import GROUP, config_warnings, published
from resident_index.defs.metadata import md_table
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.marts.electoral import build
from resident_index.settings import exports_dir


def _asset(table: str, deps: list):
    """An electoral register asset: its own table in the warehouse, group marts, in the warehouse pool."""
    return dg.asset(name=table, group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=deps,
                    metadata={"dagster/table_name": table})


def _by_status(con, table: str) -> dict:
    return dict(con.execute(f"SELECT status, count(*) FROM {table} GROUP BY 1 ORDER BY 1").fetchall())


@_asset("electoral_validation", deps=["residence_evidence"])
def electoral_validation(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """One row per elector in the register's latest extract: confirmed at the registered address by other
    council systems, moved, died or no evidence; the evidence, and how recent. Resident IDs, no names."""
    with warehouse.get_connection() as con:
        build.build_validation(con)
        counts = _by_status(con, "electoral_validation")
        return published(con, "electoral_validation",
                         warnings=dg.MetadataValue.md(config_warnings(build.warnings())),
                         validation_rate=round(counts.get("confirmed", 0) / max(sum(counts.values()), 1), 4),
                         by_status=md_table(["status", "electors"], list(counts.items())))


@_asset("electoral_validation_rates", deps=[electoral_validation])
def electoral_validation_rates(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """The register's validation rate overall and per polling district, with the electors of each status."""
    import altair as alt  # only when the chart is drawn: keeps loading the definitions quick

    with warehouse.get_connection() as con:
        build.build_validation_rates(con)
        frame = con.execute("""SELECT polling_district, validation_rate FROM electoral_validation_rates
                               WHERE polling_district <> 'ALL'""").df()
        overall = con.execute("""SELECT validation_rate FROM electoral_validation_rates
                                 WHERE polling_district = 'ALL'""").fetchone()
        chart = (alt.Chart(frame).mark_bar().encode(
                     x=alt.X("polling_district:N", title="polling district"),
                     y=alt.Y("validation_rate:Q", title="electors confirmed by council data",
                             axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])))
                 + alt.Chart(frame).mark_rule(color="black", strokeDash=[4, 4]).encode(
                     y=alt.datum(overall[0] if overall else 0)))
        chart = chart.properties(title="Electoral register validation rate by polling district", width=480)
        paths = save_chart(chart, exports_dir() / "charts" / "electoral_validation_rates")
        return published(con, "electoral_validation_rates", preview="SELECT * FROM electoral_validation_rates",
                         validation_rate=overall[0] if overall else None,
                         **chart_metadata("validation_rate_chart", paths))


@_asset("electoral_review_list", deps=[electoral_validation])
def electoral_review_list(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Electors to review: no evidence at the registered address, moved, or died; the entry as registered,
    the reason in plain words and the evidence."""
    with warehouse.get_connection() as con:
        build.build_review_list(con)
        counts = _by_status(con, "electoral_review_list")
        return published(con, "electoral_review_list",
                         preview="""SELECT elector_number, polling_district, status, reason, latest_evidence_date
                                    FROM electoral_review_list LIMIT 10""",
                         by_status=md_table(["status", "electors"], list(counts.items())))


@_asset("electoral_canvass_list", deps=[electoral_validation])
def electoral_canvass_list(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Adults and attainers council data places at an address where they are not registered: whom to invite
    to register (or whose entry elsewhere to move)."""
    with warehouse.get_connection() as con:
        build.build_canvass_list(con)
        attainers, elsewhere = con.execute("""SELECT count(*) FILTER (attainer), count(*) FILTER (registered_elsewhere)
                                              FROM electoral_canvass_list""").fetchone()
        return published(con, "electoral_canvass_list",
                         preview="""SELECT resident_id, polling_district, attainer, attainment_date, registered_elsewhere,
                                           evidence_score, latest_evidence_date FROM electoral_canvass_list LIMIT 10""",
                         attainers=attainers, registered_elsewhere=elsewhere)


@_asset("electoral_evaluation", deps=[electoral_review_list, electoral_canvass_list])
def electoral_evaluation(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """How right the mart is against the synthetic truth: validation rate, precision of confirmed, the
    review list's precision and recall for electors who moved or died, the canvass list's precision and
    recall of adults and attainers truly unregistered where they live."""
    from resident_index.marts.electoral.evaluate import evaluate_electoral

    result = evaluate_against_truth(warehouse, "electoral_evaluation", "electoral_truth.csv", evaluate_electoral)
    if result is None:
        return no_truth()
    confusion = result.pop("status_by_truth")
    return dg.MaterializeResult(metadata={
        "evaluated": True, **{k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()},
        "status_by_truth": md_table(["truth", "status", "electors"], [tuple(r.values()) for r in confusion])})
