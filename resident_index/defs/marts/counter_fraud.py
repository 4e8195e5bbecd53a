"""Counter-fraud review lists: one asset per list, each a case table an officer works from, highest score
first, with the reason in plain words and the records behind it. Rules: marts/counter_fraud/."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from resident_index.defs.evaluation import evaluate_against_truth, no_truth
from resident_index.defs.marts.publish import GROUP, published
from resident_index.defs.metadata import md_table
from resident_index.defs.marts.publish import config_warnings
from resident_index.defs.partitions import WAREHOUSE_POOL
from resident_index.marts.counter_fraud.lists import LISTS, build_list, load_rules, table_name

PREVIEW = "SELECT case_id, score, reason, reference, as_of FROM {table} LIMIT 10"


def _list_asset(name: str) -> dg.AssetsDefinition:
    table = table_name(name)

    @dg.asset(name=table, group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=["residence_evidence"],
              metadata={"dagster/table_name": table},
              description=f"Counter-fraud review list: {name.replace('_', ' ')} (rules in counter_fraud.yaml, "
                          f"docs/marts/{name.replace('_', '-')}.md).")
    def _build(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
        rules = load_rules()
        with warehouse.get_connection() as con:
            warnings = build_list(con, name, rules)
            for warning in warnings:  # a list empty for want of a declared kind, role or column says why
                context.log.warning(f"{table}: {warning}")
            bands = con.execute(f"""SELECT CASE WHEN score >= 0.9 THEN '0.9 - 1' WHEN score >= 0.75 THEN '0.75 - 0.9'
                                               ELSE 'below 0.75' END AS band, count(*)
                                    FROM {table} GROUP BY 1 ORDER BY 1 DESC""").fetchall()
            return published(con, table, preview=PREVIEW.format(table=table),
                             min_score=rules[name]["min_score"], by_score=md_table(["score", "cases"], bands),
                             warnings=dg.MetadataValue.md(config_warnings(warnings)))

    return _build


fraud_lists = [_list_asset(name) for name in LISTS]


@dg.asset(group_name=GROUP, kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[a.key for a in fraud_lists],
          metadata={"dagster/table_name": "fraud_evaluation"})
def fraud_evaluation(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Precision and recall of every counter-fraud list against the cases the synthetic council planted."""
    from resident_index.marts.counter_fraud.evaluate import evaluate_lists

    result = evaluate_against_truth(warehouse, "fraud_evaluation", "planted_cases.csv", evaluate_lists)
    if result is None:
        return no_truth()
    rows = [(name, r["listed"], r["planted"], r["precision"], r["recall"]) for name, r in result.items()]
    return dg.MaterializeResult(metadata={
        "evaluated": True,
        "lists": md_table(["list", "listed", "planted", "precision", "recall"], rows),
        **{f"{name}_precision": r["precision"] for name, r in result.items()},
        **{f"{name}_recall": r["recall"] for name, r in result.items()},
        "single_person_discount_confirmed_by_truth": result["single_person_discount"]["confirmed_by_truth"],
    })
