"""Service demand mart: who each service serves now, how services overlap, where demand sits by ward and
age band, how it moves month by month, and the households several services are in contact with.

Logic and settings: resident_index/marts/service_demand/ (one SQL file per table, service_demand.yaml).
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.charts import chart_metadata, save_chart
from resident_index.defs.marts.publish import GROUP, config_warnings, published
from resident_index.defs.metadata import md_table
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.marts.service_demand import charts
from resident_index.marts.service_demand.build import build_table
from resident_index.settings import exports_dir


def _asset(table: str, deps: list):
    """A service demand asset: its own table in the warehouse, group marts, in the warehouse pool."""
    return dg.asset(name=table, group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=deps,
                    metadata={"dagster/table_name": table})


def _chart(name: str, chart) -> dict:
    return chart_metadata(name, save_chart(chart, exports_dir() / "charts" / name))


def _by_service(con, settings: dict, sql: str, columns: list[str]) -> dg.MetadataValue:
    """A markdown table of `sql`, whose first column is a service, in settings order under display names."""
    found = {r[0]: r[1:] for r in con.execute(sql).fetchall()}
    return md_table(columns, [(label, *found.get(s, [0] * (len(columns) - 1)))
                              for s, label in settings["services"].items()])


def _counts(con, sql: str, columns: list[str]) -> dg.MetadataValue:
    return md_table(columns, con.execute(sql).fetchall())


@_asset("service_use", deps=["residence_evidence"])
def service_use(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """One row per living resident and service they are active in now (a live record on the latest extract
    date), with ward and age band: what every other service demand table counts. No names."""
    with warehouse.get_connection() as con:
        settings = build_table(con, "service_use")
        living, active = con.execute("""SELECT count(*), count(*) FILTER (resident_id IN (SELECT resident_id
                                        FROM service_use)) FROM mart_residents WHERE NOT deceased""").fetchone()
        return published(
            con, "service_use", living_residents=living, residents_active_in_a_service=active,
            warnings=dg.MetadataValue.md(config_warnings(settings["warnings"])),
            share_active_in_a_service=round(active / living, 4) if living else 0.0,
            residents_per_service=_by_service(con, settings, "SELECT service, count(*) FROM service_use GROUP BY 1",
                                              ["service", "residents"]),
            **_chart("residents_per_service_chart", charts.residents_per_service(con, settings)))


@_asset("service_overlap", deps=["service_use"])
def service_overlap(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Service x service matrix of residents active in both; the diagonal is residents per service."""
    with warehouse.get_connection() as con:
        settings = build_table(con, "service_overlap")
        cells = {(a, b): n for a, b, n in con.execute(
            "SELECT service_a, service_b, residents FROM service_overlap").fetchall()}
        services = list(settings["services"])
        matrix = md_table(["residents in ↓ and →", *settings["services"].values()],
                          [(settings["services"][a], *(cells[a, b] for b in services)) for a in services])
        return published(con, "service_overlap", matrix=matrix,
                         **_chart("service_overlap", charts.overlap_heatmap(con, settings)))


@_asset("service_combinations", deps=["service_use"])
def service_combinations(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Every exact combination of services residents are active in, with its residents."""
    with warehouse.get_connection() as con:
        build_table(con, "service_combinations")
        return published(
            con, "service_combinations", preview="SELECT * FROM service_combinations LIMIT 15",
            residents_by_number_of_services=_counts(
                con, "SELECT service_count, sum(residents)::BIGINT FROM service_combinations GROUP BY 1 ORDER BY 1",
                ["services", "residents"]))


@_asset("multi_service_residents", deps=["service_use"])
def multi_service_residents(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Living residents active in at least residents_min_services services (service_demand.yaml): resident
    ID, ward, age band and the services; no names."""
    with warehouse.get_connection() as con:
        settings = build_table(con, "multi_service_residents")
        n, living = con.execute("""SELECT (SELECT count(*) FROM multi_service_residents),
                                          (SELECT count(*) FROM mart_residents WHERE NOT deceased)""").fetchone()
        return published(
            con, "multi_service_residents", min_services=settings["residents_min_services"],
            share_of_living_residents=round(n / living, 4) if living else 0.0,
            by_age_band=_counts(con, """SELECT coalesce(m.age_band, 'Unknown'), count(*) FROM multi_service_residents m
                                        LEFT JOIN _age_bands b USING (age_band) GROUP BY ALL
                                        ORDER BY any_value(b.ord) NULLS LAST""", ["age band", "residents"]),
            by_ward=_counts(con, """SELECT coalesce(ward, 'Unknown'), count(*) FROM multi_service_residents
                                    GROUP BY 1 ORDER BY 2 DESC, 1""", ["ward", "residents"]),
            by_service=_by_service(con, settings, """SELECT s, count(*) FROM multi_service_residents,
                                                     unnest(services) AS t(s) GROUP BY 1""",
                                   ["service", "residents"]))


@_asset("demand_by_ward_age", deps=["service_use"])
def demand_by_ward_age(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Residents active in each service per ward and age band, with the living population of each and the
    rate per 1,000."""
    with warehouse.get_connection() as con:
        settings = build_table(con, "demand_by_ward_age")
        return published(
            con, "demand_by_ward_age",
            preview="SELECT * FROM demand_by_ward_age ORDER BY residents DESC, per_1000 DESC LIMIT 10",
            residents_by_ward=_counts(con, """SELECT coalesce(ward, 'Unknown') AS area, count(*),
                                                     count(*) FILTER (resident_id IN (SELECT resident_id FROM service_use))
                                              FROM mart_residents WHERE NOT deceased
                                              GROUP BY 1 ORDER BY area = 'Unknown', area""",
                                      ["ward", "living residents", "active in a service"]),
            **_chart("demand_by_ward_age", charts.ward_age_heatmaps(con, settings)))


@_asset("service_trend_monthly", deps=["residence_evidence", "resident_events"])
def service_trend_monthly(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Records started (and residents starting them) and ended per month and service over the last
    trend_months complete months, from resident_events; records with no start date of their own are left
    out (counted here as undated)."""
    with warehouse.get_connection() as con:
        settings = build_table(con, "service_trend_monthly")
        first, last = con.execute("SELECT min(month), max(month) FROM service_trend_monthly").fetchone()
        totals = _by_service(con, settings, """
            SELECT t.service, t.started, t.ended, coalesce(u.undated, 0) FROM
              (SELECT service, sum(started)::BIGINT AS started, sum(ended)::BIGINT AS ended
               FROM service_trend_monthly GROUP BY 1) t
            LEFT JOIN (SELECT e.source_system AS service, count(*) AS undated FROM resident_events e
                       JOIN person_records p USING (source_system, source_record_id)
                       WHERE e.event_type <> 'death' AND p.start_date IS NULL GROUP BY 1) u USING (service)""",
            ["service", "started", "ended", "undated (left out)"])
        return published(con, "service_trend_monthly", first_month=str(first), last_month=str(last),
                         months=settings["trend_months"], totals=totals,
                         **_chart("service_trend_monthly", charts.trend_lines(con, settings)))


@_asset("multi_service_households", deps=["service_use", "households"])
def multi_service_households(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Households whose members are, between them, active in at least households_min_services services
    (service_demand.yaml), with members per service; household ID, UPRN, ward and composition, no names."""
    with warehouse.get_connection() as con:
        settings = build_table(con, "multi_service_households")
        n, households = con.execute("""SELECT (SELECT count(*) FROM multi_service_households),
                                              (SELECT count(*) FROM households)""").fetchone()
        return published(
            con, "multi_service_households", min_services=settings["households_min_services"],
            share_of_households=round(n / households, 4) if households else 0.0,
            households_by_number_of_services=_counts(
                con, "SELECT service_count, count(*) FROM multi_service_households GROUP BY 1 ORDER BY 1",
                ["services", "households"]),
            with_children=con.execute("SELECT count(*) FROM multi_service_households WHERE children > 0").fetchone()[0])
