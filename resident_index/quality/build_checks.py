"""Checks on what the index builds: every staged record once in the crosswalk, resident ID churn against the
last build, one golden row per resident, the review queue's growth and the marts' row counts against the last
build. Plain figures from SQL; resident_index/defs/quality/ wires them into
Dagster, with the limits of build_checks.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from resident_index.council import config_file



class ReviewQueueLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_growth: float = Field(ge=0)
    min_previous: int = Field(ge=0)


class MartLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_drop: float = Field(gt=0, le=1)
    min_previous: int = Field(ge=0)
    officer_facing: list[str]

    def is_officer_facing(self, table: str) -> bool:
        return any(fnmatch(table, pattern) for pattern in self.officer_facing)


class CrosswalkLimits(BaseModel):
    """Resident IDs changed by one build, as shares of the residents the last build held."""
    model_config = ConfigDict(extra="forbid")
    max_merge_share: float = Field(gt=0, le=1)
    max_split_share: float = Field(gt=0, le=1)
    max_mint_share: float = Field(gt=0)
    min_previous: int = Field(ge=0)


class BuildCheckLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    crosswalk: CrosswalkLimits
    review_queue: ReviewQueueLimits
    marts: MartLimits


def load_limits(path: Path | None = None) -> BuildCheckLimits:
    path = path or config_file("build_checks.yaml")
    try:
        return BuildCheckLimits.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from None


@dataclass
class Judgement:
    passed: bool
    says: str
    figures: dict = field(default_factory=dict)


def every_record_once(con: duckdb.DuckDBPyConnection) -> Judgement:
    """Every staged record (staged_records: the latest version of each record any accepted extract held) is in
    resident_crosswalk exactly once, with a resident ID, and the crosswalk holds no record that was not staged.
    Staged records protection/retention.yaml leaves out of the index (deleted at source, inactive) are not."""
    from resident_index.protection.retention import create_in_index_view

    create_in_index_view(con, "_staged_in_index")
    staged, rows, repeated, missing, unknown, without_id = con.execute("""
        SELECT (SELECT count(*) FROM _staged_in_index),
               (SELECT count(*) FROM resident_crosswalk),
               (SELECT count(*) FROM (SELECT source_system, source_record_id FROM resident_crosswalk
                                      GROUP BY ALL HAVING count(*) > 1)),
               (SELECT count(*) FROM (SELECT source_system, source_record_id FROM _staged_in_index
                                      EXCEPT SELECT source_system, source_record_id FROM resident_crosswalk)),
               (SELECT count(*) FROM (SELECT source_system, source_record_id FROM resident_crosswalk
                                      EXCEPT SELECT source_system, source_record_id FROM _staged_in_index)),
               (SELECT count(*) FROM resident_crosswalk WHERE resident_id IS NULL)""").fetchone()
    examples = {"repeated": con.execute("""
                    SELECT source_system || '/' || source_record_id FROM resident_crosswalk
                    GROUP BY source_system, source_record_id HAVING count(*) > 1 ORDER BY 1 LIMIT 10""").fetchall(),
                "missing": con.execute("""
                    SELECT source_system || '/' || source_record_id FROM (
                        SELECT source_system, source_record_id FROM _staged_in_index
                        EXCEPT SELECT source_system, source_record_id FROM resident_crosswalk) ORDER BY 1 LIMIT 10""").fetchall()}
    figures = {"records_missing": missing, "records_repeated": repeated, "records_not_staged": unknown,
               "records_without_an_id": without_id, "staged_records": staged, "crosswalk_rows": rows}
    if not (repeated or missing or unknown or without_id):
        return Judgement(True, f"{rows:,} crosswalk rows for the {staged:,} staged records: each exactly once.", figures)
    ids = {k: ", ".join(r[0] for r in v) for k, v in examples.items()}
    parts = [f"{missing:,} staged records are missing (e.g. {ids['missing']})" if missing else "",
             f"{repeated:,} records appear more than once (e.g. {ids['repeated']})" if repeated else "",
             f"{unknown:,} rows are for records no accepted extract holds" if unknown else "",
             f"{without_id:,} rows have no resident ID" if without_id else ""]
    return Judgement(False, "resident_crosswalk is not every staged record exactly once: "
                     + "; ".join(p for p in parts if p) + ". A record missing from it is missing from every "
                     "resident's golden record, and one held twice may sit in two: rebuild the index (build_index) "
                     "and, if it persists, report it with these figures.",
                     {**figures, "examples": {k: [r[0] for r in v] for k, v in examples.items() if v}})


def id_churn(events: dict[str, int], residents: int, previous: int | None, limits: CrosswalkLimits) -> Judgement:
    """The resident IDs one build merged, split and minted (its events in resident_id_history), as shares of
    the residents the last build held. A merge or split share over its limit is an ERROR (records of different
    people put together, or one person's records parted, on a scale no day's extracts explain); a mint share over
    its limit is a WARN (a new source or a big extract mints many IDs rightly)."""
    merges, splits, mints = (events.get(e, 0) for e in ("merge", "split", "mint"))
    figures = {"merges": merges, "splits": splits, "mints": mints, "retired": events.get("retire", 0),
               "residents": residents}
    if previous is None or previous == 0:
        return Judgement(True, f"{residents:,} residents ({mints:,} IDs minted); no earlier build to compare with.",
                         figures)
    shares = {"merge": merges / previous, "split": splits / previous, "mint": mints / previous}
    figures |= {"merge_share": round(shares["merge"], 5), "split_share": round(shares["split"], 5),
                "mint_share": round(shares["mint"], 5), "previous_residents": previous,
                "max_merge_share": limits.max_merge_share, "max_split_share": limits.max_split_share,
                "max_mint_share": limits.max_mint_share}
    said = (f"{merges:,} merges, {splits:,} splits and {mints:,} new IDs against the last build's {previous:,} "
            f"residents ({shares['merge']:.1%}, {shares['split']:.1%}, {shares['mint']:.1%})")
    over = [f"{kind}s {shares[kind]:.1%} > {limit:.1%}" for kind, limit in
            (("merge", limits.max_merge_share), ("split", limits.max_split_share), ("mint", limits.max_mint_share))
            if shares[kind] > limit]
    if previous < limits.min_previous or not over:
        return Judgement(True, said + ".", figures)
    error = any(not o.startswith("mint") for o in over)
    return Judgement(False, said + f": {', '.join(over)} (build_checks.yaml crosswalk). "
                     + ("Resident IDs moved on a scale no day's extracts explain: the model or a source's identifiers "
                        "may have changed; the golden record and the marts are not rebuilt from it. Look at this "
                        "run's events in resident_id_history and the new extracts before rerunning."
                        if error else "Many new residents: expected after a new source or a large extract, "
                                      "otherwise look at why records stopped linking."),
                     {**figures, "severity": "ERROR" if error else "WARN"})


def one_golden_row_per_resident(con: duckdb.DuckDBPyConnection) -> Judgement:
    """Every resident of the crosswalk has exactly one golden_residents row, and no golden row is for a
    resident the crosswalk does not hold."""
    rows, residents, repeated, missing, unknown = con.execute("""
        SELECT (SELECT count(*) FROM golden_residents),
               (SELECT count(DISTINCT resident_id) FROM resident_crosswalk),
               (SELECT count(*) FROM (SELECT resident_id FROM golden_residents GROUP BY 1 HAVING count(*) > 1)),
               (SELECT count(*) FROM (SELECT resident_id FROM resident_crosswalk
                                      EXCEPT SELECT resident_id FROM golden_residents)),
               (SELECT count(*) FROM golden_residents
                WHERE resident_id IS NULL OR resident_id NOT IN (SELECT resident_id FROM resident_crosswalk
                                                                 WHERE resident_id IS NOT NULL))""").fetchone()
    examples = [r[0] for r in con.execute("""
        SELECT resident_id FROM golden_residents GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 10""").fetchall()]
    figures = {"golden_rows": rows, "crosswalk_residents": residents, "residents_with_several_rows": repeated,
               "residents_without_a_row": missing, "rows_for_no_crosswalk_resident": unknown}
    if not (repeated or missing or unknown):
        return Judgement(True, f"{rows:,} golden rows for the crosswalk's {residents:,} residents: one each.", figures)
    parts = [f"{repeated:,} residents have several rows (e.g. {', '.join(map(str, examples))})" if repeated else "",
             f"{missing:,} crosswalk residents have no row" if missing else "",
             f"{unknown:,} rows are for no resident of the crosswalk" if unknown else ""]
    return Judgement(False, "golden_residents is not one row per resident: " + "; ".join(p for p in parts if p)
                     + ". Caseworkers would see a split or missing record: rebuild the golden record "
                       "(build_index) and, if it persists, report it with these figures.",
                     {**figures, "repeated_resident_ids": examples})


def review_queue_growth(pending: int, previous: int | None, limits: ReviewQueueLimits) -> Judgement:
    """The pairs in the review queue against the last build's."""
    figures = {"pairs_in_queue": pending, "max_growth": limits.max_growth}
    if previous is None:
        return Judgement(True, f"{pending:,} pairs in the queue; no earlier build to compare with.", figures)
    growth = (pending - previous) / previous if previous else None
    figures |= {"previous_pairs_in_queue": previous, "growth": round(growth, 4) if growth is not None else None}
    if previous < limits.min_previous or growth is None or growth <= limits.max_growth:
        return Judgement(True, f"{pending:,} pairs in the queue, {previous:,} after the last build.", figures)
    return Judgement(False, f"The review queue grew from {previous:,} to {pending:,} pairs ({growth:+.0%}, more than "
                            f"{limits.max_growth:.0%}): a new extract may hold many changed identifiers, or the "
                            "model may have drifted; look at the new pairs' reasons (resident-index review).",
                     figures)


def rows_against_last_build(table: str, rows: int, previous: int | None, limits: MartLimits) -> Judgement:
    """A mart table's rows against its last build's: a collapse to zero, or a drop of more than max_drop, fails."""
    figures = {"rows": rows, "max_drop": limits.max_drop}
    if previous is None:
        return Judgement(True, f"{rows:,} rows; no earlier build to compare with.", figures)
    drop = (previous - rows) / previous if previous else 0.0
    figures |= {"previous_rows": previous, "drop": round(drop, 4)}
    if previous and rows == 0:
        return Judgement(False, f"{table} is empty, after {previous:,} rows in the last build: a source or the "
                                "golden record likely failed upstream; do not act on this table until rebuilt.", figures)
    if drop > limits.max_drop and previous >= limits.min_previous:
        return Judgement(False, f"{table} holds {rows:,} rows, down {drop:.0%} from {previous:,} in the last build "
                                f"(limit {limits.max_drop:.0%}): check the latest extracts before acting on it.", figures)
    return Judgement(True, f"{rows:,} rows, {previous:,} in the last build.", figures)
