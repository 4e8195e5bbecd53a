"""Charts of the service demand tables (Altair), with services under their display names and age bands
in age order. Saving them is resident_index.charts.save_chart's job."""

from __future__ import annotations

import re

import duckdb

from resident_index.marts.service_demand.config import age_bands


def _frame(con: duckdb.DuckDBPyConnection, sql: str, settings: dict):
    """Rows of `sql` as a DataFrame whose `service*` columns hold display names. The rows are written into the
    chart's HTML in the order `sql` gives (a table's stored order; an aggregate needs its ORDER BY). `{table}`
    in `sql` reads the table as its export publishes it (small counts suppressed: protection/analytical.py),
    so a chart never shows a cell the export withholds."""
    from resident_index.protection.analytical import published

    frame = con.execute(re.sub(r"\{(\w+)\}", lambda m: published(con, m.group(1)), sql)).df()
    for column in [c for c in frame.columns if c.startswith("service")]:
        frame[column] = frame[column].map(settings["services"])
    return frame


def overlap_heatmap(con: duckdb.DuckDBPyConnection, settings: dict) -> alt.Chart:
    """Rows read across: the colour is the share of the row's residents also in the column's service, the
    number is the residents in both (the diagonal: residents per service)."""
    import altair as alt  # only when a chart is drawn: keeps loading the definitions quick
    labels = list(settings["services"].values())
    frame = _frame(con, "SELECT service_a, service_b, residents, share_of_a FROM {service_overlap}", settings)
    base = alt.Chart(frame).encode(
        x=alt.X("service_b:N", sort=labels, title="also active in", axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("service_a:N", sort=labels, title="residents active in"))
    cells = base.mark_rect().encode(
        color=alt.Color("share_of_a:Q", title="share of row", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                        legend=alt.Legend(format="%")),
        tooltip=["service_a", "service_b", "residents", alt.Tooltip("share_of_a:Q", format=".1%")])
    text = base.mark_text(fontSize=11).encode(
        text="residents:Q",
        color=alt.condition(alt.datum.share_of_a > 0.5, alt.value("white"), alt.value("black")))
    return (cells + text).properties(width=440, height=440,
                                     title="Residents active in both services (colour: share of the row's service)")


def ward_age_heatmaps(con: duckdb.DuckDBPyConnection, settings: dict) -> alt.FacetChart:
    """One small heatmap per service, ward by age band, coloured by residents per 1,000 living residents
    of that ward and band (each service on its own scale, so small services still show their pattern)."""
    import altair as alt  # only when a chart is drawn: keeps loading the definitions quick
    bands = [b[0] for b in age_bands(settings["age_band_starts"])] + ["Unknown"]
    frame = _frame(con, "SELECT ward, age_band, service, residents, population, per_1000 FROM {demand_by_ward_age}",
                   settings)
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X("age_band:N", sort=bands, title="age band"),
        y=alt.Y("ward:N", title=None),
        color=alt.Color("per_1000:Q", scale=alt.Scale(scheme="oranges"), legend=None),
        tooltip=["service", "ward", "age_band", "residents", "population", "per_1000"],
    ).properties(width=190, height=190).facet(
        facet=alt.Facet("service:N", sort=list(settings["services"].values()), title=None), columns=3,
    ).resolve_scale(color="independent").properties(
        title="Active residents per 1,000 living residents of the ward and age band (darker: higher; "
              "each panel its own scale)")


def trend_lines(con: duckdb.DuckDBPyConnection, settings: dict) -> alt.FacetChart:
    """Records started per month, one panel per service with its own scale. Ends are not drawn: a closed
    record is purged after its retention period, so the ends of earlier months are undercounted."""
    import altair as alt  # only when a chart is drawn: keeps loading the definitions quick
    frame = _frame(con, "SELECT month, service, started FROM {service_trend_monthly}", settings)
    return alt.Chart(frame).mark_line(point=True, strokeJoin="round").encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", tickCount=6)),
        y=alt.Y("started:Q", title="records started"),
        tooltip=["service", alt.Tooltip("month:T", format="%B %Y"), "started"],
    ).properties(width=220, height=120).facet(
        facet=alt.Facet("service:N", sort=list(settings["services"].values()), title=None), columns=3,
    ).resolve_scale(y="independent").properties(title="Service records started per month (each panel its own scale)")


def residents_per_service(con: duckdb.DuckDBPyConnection, settings: dict) -> alt.Chart:
    """Living residents active in each service (the overlap matrix's diagonal)."""
    import altair as alt  # only when a chart is drawn: keeps loading the definitions quick
    frame = _frame(con, "SELECT service, count(*) AS residents FROM service_use GROUP BY 1 ORDER BY 1", settings)
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("residents:Q", title="living residents active"),
        y=alt.Y("service:N", sort="-x", title=None),
        tooltip=["service", "residents"],
    ).properties(width=420, title="Residents per service")
