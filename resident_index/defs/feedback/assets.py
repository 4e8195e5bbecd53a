"""Quality feedback to the source systems: what the index knows that the systems do not.

Discrepancies with the golden record, missing information, duplicates within a system, the worklists each
system's owner answers (responses landed back in data/landing/feedback_responses/<system>/), a scorecard
per system and the change feed. Rules: the council's quality_feedback.yaml (docs/quality-feedback.md).
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.council import council_dir
from resident_index.defs.evaluation import evaluate_against_truth, no_truth
from resident_index.defs.metadata import column_schema, md_table
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.feedback import build
from resident_index.feedback.rules import RULE_FILE, load_rules

GROUP = "quality_feedback"
# validated when the definitions load (dg check defs, dg dev, resident-index run stop at once on a bad file,
# naming the file, the key and what was expected), not hours later in a run
load_rules()
SQL = Path(build.__file__).parent


def _refs(*sql: str) -> dict:
    import warnings

    with warnings.catch_warnings():  # code references are beta in Dagster 1.13
        warnings.simplefilter("ignore", dg.BetaWarning)
        refs = [dg.LocalFileCodeReference(file_path=str(SQL / f), label=f"feedback/{f}") for f in sql]
        refs.append(dg.LocalFileCodeReference(file_path=str(council_dir() / RULE_FILE), label=f"council: {RULE_FILE}"))
        return {"dagster/code_references": dg.CodeReferencesMetadataValue(code_references=refs)}


def _list_metadata(con, table: str, by: str = "field") -> dict:
    n, listed = con.execute(f"SELECT count(*), count(*) FILTER (listed) FROM {table}").fetchone()
    per_system = con.execute(f"""SELECT source_system, count(*) FILTER (listed), count(*) FROM {table}
                                 GROUP BY 1 ORDER BY 1""").fetchall()
    meta = {"dagster/row_count": n, "dagster/column_schema": column_schema(con, table), "listed": listed,
            "below_confidence_to_list": n - listed,
            "by_system": md_table(["system", "listed", "found"], per_system)}
    if by:
        per_field = con.execute(f"""SELECT {by}, count(*) FILTER (listed), count(*) FROM {table}
                                    GROUP BY 1 ORDER BY 1""").fetchall()
        meta["by_field"] = md_table(["field", "listed", "found"], per_field)
        meta |= {f"listed_{f}": int(k) for f, k, _ in per_field}
    return meta


def _list_asset(name: str, which: str, description: str):
    @dg.asset(name=name, group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=["golden_residents"],
              description=description, metadata={"dagster/table_name": name, **_refs("records.sql", f"{which}.sql")})
    def _asset(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            build.prepare(con)
            build.build_lists(con, which)
            meta = _list_metadata(con, name, by=None if which == "duplicates" else "field")
            live = con.execute("SELECT count(*) FROM _fb_records WHERE live").fetchone()[0]
        if live and not meta["dagster/row_count"]:
            context.log.warning(f"{name}: nothing found among {live} live records; a council's systems always "
                                "disagree somewhere, so check the golden record was built")
            meta["warning"] = dg.MetadataValue.md(f"**Nothing found among {live} live records.** A council's "
                                                  "systems always disagree somewhere: check the golden record.")
        return dg.MaterializeResult(metadata={**meta, "live_records": live})

    return _asset


feedback_discrepancies = _list_asset(
    "feedback_discrepancies", "discrepancies",
    "Each live source record that disagrees with its resident's golden record (name, date of birth, sex, "
    "address/UPRN, NHS and NI numbers, contacts, life status), with the golden value, its source and date, and "
    "the confidence that the record is the wrong one.")
feedback_missing = _list_asset(
    "feedback_missing", "missing",
    "Fields a system could hold (it maps a column to them) but a live record does not, where another system "
    "knows the value (NHS number, NI number, date of birth, UPRN).")
feedback_duplicates = _list_asset(
    "feedback_duplicates", "duplicates",
    "Two or more live records of one system for one resident, each beside the record to keep.")


@dg.asset(group_name=GROUP, kinds={"duckdb", "csv", "xlsx"}, pool=WAREHOUSE_POOL,
          deps=[feedback_discrepancies, feedback_missing, feedback_duplicates],
          metadata={"dagster/table_name": "feedback_worklist",
                    **_refs("suggestions.sql", "outcomes.sql")})
def feedback_worklists(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """One worklist per source system (data/exports/feedback/<system>/worklist.csv and .xlsx), in the system's
    own columns and codes, best first, each suggestion with a stable id; the owners' responses landed in
    data/landing/feedback_responses/<system>/<date>.csv are remembered (feedback_outcomes): a rejected
    suggestion is never raised again, a fixed one is checked on the next extract."""
    with warehouse.get_connection() as con:
        sources, _ = build.prepare(con)
        result = build.build_worklists(con, sources)
        outcomes = con.execute("SELECT outcome, count(*) FROM feedback_outcomes GROUP BY 1 ORDER BY 1").fetchall()
        schema = column_schema(con, "feedback_worklist")
    rows = [(s, n, str(paths["csv"])) for s, (n, paths) in sorted(result["worklists"].items())]
    total = sum(n for _, n, _ in rows)
    meta = {"dagster/row_count": total, "dagster/column_schema": schema,
            "response_files": result["response_files"], "responses": result["responses"],
            "response_problems": result["response_problems"],
            "worklists": md_table(["system", "suggestions", "file"], rows, max_chars=200),
            "outcomes": md_table(["outcome", "suggestions"], outcomes),
            **{f"outcome_{o}": int(n) for o, n in outcomes},
            **{f"suggestions_{s}": int(n) for s, n, _ in rows}}
    if not total:
        context.log.warning("feedback_worklists: every worklist is empty")
        meta["warning"] = "every worklist is empty: no suggestion was sure enough to list, or all were answered"
    return dg.MaterializeResult(metadata=meta)


@dg.asset_check(asset=feedback_worklists, description=(
    "Every landed owner response was read: a file not named <YYYY-MM-DD>.csv, a header without suggestion_id "
    "and response, a response other than fixed / rejected / not ours, or an id never raised to that system fails "
    "it, naming the file, row and column (the rows are kept in feedback_response_problems)."))
def responses_readable(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        problems = con.execute("""SELECT file, row, column_name, problem FROM feedback_response_problems
                                  ORDER BY file, row NULLS FIRST LIMIT 20""").fetchall()
        n = con.execute("SELECT count(*) FROM feedback_response_problems").fetchone()[0]
    says = ("every landed response was read" if not n else
            f"{n} response row(s) could not be used: " + "; ".join(
                f"{f} row {r} column {c}: {p}" if r else f"{f}: {p}" for f, r, c, p in problems[:5]))
    return dg.AssetCheckResult(passed=not n, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"problems": n, "says": says,
                                         "examples": md_table(["file", "row", "column", "problem"], problems)})


@dg.asset_check(asset=feedback_discrepancies, description=(
    "No system disagrees with the golden record on more than checks.max_discrepancy_rate of its live records "
    "(quality_feedback.yaml): so many is more likely a mis-mapped column or a mis-linked system than bad keeping."))
def discrepancy_rate_plausible(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    from resident_index.feedback.rules import load_rules

    limit = load_rules().checks.max_discrepancy_rate
    with warehouse.get_connection() as con:
        rates = con.execute("""
            WITH live AS (SELECT source_system, count(*) AS n FROM (
                              SELECT p.source_system FROM person_records p WHERE p.is_current) GROUP BY 1),
            flagged AS (SELECT source_system, count(DISTINCT source_record_id) AS k FROM feedback_discrepancies
                        WHERE listed GROUP BY 1)
            SELECT l.source_system, coalesce(f.k, 0), l.n, round(coalesce(f.k, 0) / l.n, 4)
            FROM live l LEFT JOIN flagged f USING (source_system) ORDER BY 1""").fetchall()
    over = [(s, k, n, r) for s, k, n, r in rates if r > limit]
    says = (f"every system's discrepancy rate is at most {limit}" if not over else
            "; ".join(f"{s}: {k} of {n} current records ({r:.0%}) disagree with the golden record (limit {limit:.0%}): "
                      "check its column mapping and how it links" for s, k, n, r in over))
    return dg.AssetCheckResult(passed=not over, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"says": says, "limit": limit, "systems_over": len(over),
                                         "max_rate": max((r for *_, r in rates), default=0.0),
                                         "rates": md_table(["system", "disagreeing", "current records", "rate"], rates)})


@dg.asset(group_name=GROUP, kinds={"duckdb", "html"}, pool=WAREHOUSE_POOL, deps=[feedback_worklists],
          metadata={"dagster/table_name": "feedback_scorecard_history", **_refs("scorecard.sql")})
def feedback_scorecards(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """A scorecard per system at its latest extract: completeness, validity, duplicate, discrepancy and
    missing-information rates, fix rate; kept per extract (feedback_scorecard_history) for the trend, as
    numeric metadata (<system>/<figure>, plotted by Dagster build by build) and one HTML page per system
    (data/exports/feedback/<system>/scorecard.html)."""
    with warehouse.get_connection() as con:
        sources, rules = build.prepare(con)
        pages = build.build_scorecards(con, sources, rules)
        latest = con.execute("SELECT * FROM _fb_scorecard ORDER BY source_system").fetchdf()
        n = con.execute("SELECT count(*) FROM feedback_scorecard_history").fetchone()[0]
        schema = column_schema(con, "feedback_scorecard_history")
    meta: dict = {"dagster/row_count": n, "dagster/column_schema": schema}
    figures = ["completeness", "validity", "duplicate_rate", "discrepancy_rate", "missing_rate", "fix_rate"]
    for _, row in latest.iterrows():
        for f in figures:
            value = row[f]
            if value is not None and value == value:  # NaN: the system holds nothing to judge it on
                meta[f"{row['source_system']}/{f}"] = dg.MetadataValue.float(float(value))
        meta[f"{row['source_system']}/open_suggestions"] = dg.MetadataValue.int(int(row["open_suggestions"]))
    meta["scorecards"] = md_table(["system", *figures, "page"],
                                  [(r["source_system"], *[None if r[f] != r[f] else float(r[f]) for f in figures],
                                    str(pages.get(r["source_system"], ""))) for _, r in latest.iterrows()], max_chars=200)
    return dg.MaterializeResult(metadata=meta)


@dg.asset(group_name=GROUP, kinds={"duckdb", "csv"}, pool=WAREHOUSE_POOL, deps=["golden_residents"],
          metadata={"dagster/table_name": "change_feed", **_refs("change_feed.sql")})
def change_feed(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Append-only events, one per affected source record, when the master record changes (create, merge,
    split, linked record, address change, name change, death; IHE PMIR create / update / merge), and the
    day's events per system in data/exports/feedback/<system>/change_feed/<date>.csv."""
    with warehouse.get_connection() as con:
        sources, _ = build.prepare(con)
        result = build.build_change_feed(con, sources)
        today = con.execute("""SELECT event_type, count(*) FROM change_feed WHERE event_date = ?
                               GROUP BY 1 ORDER BY 1""", [result["day"]]).fetchall()
        n = con.execute("SELECT count(*) FROM change_feed").fetchone()[0]
        schema = column_schema(con, "change_feed")
    meta = {"dagster/row_count": n, "dagster/column_schema": schema, "day": str(result["day"]),
            "events_today": sum(k for _, k in today), "by_type": md_table(["event", "records"], today),
            **{f"events_{t}": int(k) for t, k in today},
            "exports": md_table(["system", "events", "file"],
                                [(s, k, str(p)) for s, (k, p) in sorted(result["files"].items())], max_chars=200)}
    if result["baseline_only"]:
        meta["note"] = "first build: the baseline is recorded; events start with the next build"
    return dg.MaterializeResult(metadata=meta)


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL,
          deps=[feedback_discrepancies, feedback_missing, feedback_duplicates],
          metadata={"dagster/table_name": "quality_feedback_evaluation"})
def quality_feedback_evaluation(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """How right the lists are against the synthetic truth: within-system duplicate pairs precision and
    recall, date-of-birth and address suggestions precision, stale-address and deceased-still-active recall."""
    from resident_index.feedback.evaluate import evaluate_feedback

    def _evaluate(con, truth):
        build.prepare(con)
        return evaluate_feedback(con, truth)

    result = evaluate_against_truth(warehouse, "quality_feedback_evaluation", "persons.csv", _evaluate)
    if result is None:
        return no_truth()
    return dg.MaterializeResult(metadata={"evaluated": True, **{k: v for k, v in result.items() if v is not None}})
