"""What the Dagster catalog says of every asset, applied once in definitions.py: code references to the
Python, SQL and YAML that define it, tags for personal data, and freshness on what officers read.

- `dagster/code_references`: the function that builds the asset, and the SQL and rule files it runs
  (DEFINED_BY; a source's YAML and suite are added by its own asset).
- tags `pii` ("yes": rows about people, with names, dates of birth, identifiers or resident IDs; "no":
  figures about groups) and `sensitivity` (a source's from its YAML; a table mixing every source's records
  is "special_category" when any source is; "none" for figures about groups).
- a freshness policy on every mart table officers and analysts read: built within a day (the marts follow
  each daily build_index), warning after 25 hours and failing after 26.
"""

from __future__ import annotations

import inspect
from datetime import timedelta
import warnings
from pathlib import Path

import dagster as dg

from resident_index.council import council_dir
from resident_index.marts.counter_fraud.lists import LISTS
from resident_index.sources.spec import load_registry

PACKAGE = Path(__file__).resolve().parent

#: what officers read is at most a day old: warn after 25 hours, fail after 26
OFFICERS_READ_WITHIN = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26), warn_window=timedelta(hours=25))

_FRAUD = {f"fraud_{name}": [f"marts/counter_fraud/{name}.sql", "marts/counter_fraud.yaml"]
          for name in LISTS}
_ELECTORAL = {f"electoral_{name}": [f"marts/electoral/{sql}.sql",
                                    "marts/electoral.yaml"]
              for name, sql in [("validation", "validation"), ("validation_rates", "validation_rates"),
                                ("review_list", "review_list"), ("canvass_list", "canvass_list")]}
_SERVICE = {table: [f"marts/service_demand/{table}.sql", "marts/service_demand.yaml"]
            for table in ("service_use", "service_overlap", "service_combinations", "multi_service_residents",
                          "demand_by_ward_age", "service_trend_monthly", "multi_service_households")}

#: asset -> the SQL (under resident_index/) and the rule files (.yaml, in the council config folder) that define it
DEFINED_BY: dict[str, list[str]] = {
    "person_records": ["standardise/person_records.sql"],
    "address_matches": ["address_matching.yaml"],
    "resolution_input": ["resolution/prepare.sql"],
    "resolution_model": ["model.yaml"],
    "resolution_pairs": ["model.yaml"],
    "resident_crosswalk": ["model.yaml"],
    "review_queue": ["resolution/review_queue.sql", "model.yaml"],
    "golden_residents": ["survivorship.yaml"],
    "resident_addresses": ["golden/resident_addresses.sql"],
    "households": ["golden/households.sql"],
    "relationships": ["relationships.yaml"],
    "resident_events": ["golden/resident_events.sql"],
    "residence_evidence": ["marts/evidence.sql", "evidence.yaml"],
    **_FRAUD, **_ELECTORAL, **_SERVICE,
}

#: assets holding figures about groups (or a model, or the gazetteer's properties), never a row per person
NO_PERSONAL_DATA = frozenset({
    "llpg", "resolution_model", "service_overlap", "service_combinations", "demand_by_ward_age",
    "service_trend_monthly", "electoral_validation_rates", "resolution_evaluation", "golden_evaluation",
    "fraud_evaluation", "electoral_evaluation", "feedback_scorecards", "quality_feedback_evaluation",
})


def _python_reference(assets_def: dg.AssetsDefinition) -> dg.LocalFileCodeReference | None:
    fn = getattr(assets_def.op.compute_fn, "decorated_fn", None)
    if fn is None:
        return None
    return dg.LocalFileCodeReference(file_path=str(Path(inspect.getsourcefile(fn)).resolve()),
                                     line_number=inspect.getsourcelines(fn)[1], label="Python")


def _file_reference(relative: str) -> dg.LocalFileCodeReference:
    if relative.endswith(".yaml"):  # a rule file: the council's own
        return dg.LocalFileCodeReference(file_path=str(council_dir() / relative), label=f"council: {relative}")
    return dg.LocalFileCodeReference(file_path=str(PACKAGE / relative), label=relative)


def catalogued(defs: dg.Definitions) -> dg.Definitions:
    """`defs` with every asset's code references and personal-data tags."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        python = {key: _python_reference(a) for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)
                  for key in a.keys}
    mixed = ("special_category" if any(s.sensitivity == "special_category" for s in load_registry())
             else "personal")

    def describe(spec: dg.AssetSpec) -> dg.AssetSpec:
        name = spec.key.path[-1]
        existing = spec.metadata.get("dagster/code_references")
        refs = [r for r in [python.get(spec.key)] if r is not None]
        refs += [_file_reference(f) for f in DEFINED_BY.get(name, [])]
        refs += list(existing.code_references) if existing is not None else []
        personal = name not in NO_PERSONAL_DATA
        tags = {"pii": "yes" if personal else "no",
                "sensitivity": spec.tags.get("sensitivity") or (mixed if personal else "none")}
        officers_read = spec.group_name == "marts" and not name.endswith("_evaluation")
        return spec.replace_attributes(
            metadata={**spec.metadata, "dagster/code_references": dg.CodeReferencesMetadataValue(code_references=refs)},
            tags={**spec.tags, **tags},
            freshness_policy=OFFICERS_READ_WITHIN if officers_read else spec.freshness_policy)

    with warnings.catch_warnings():  # code references and map_asset_specs are marked beta/preview in Dagster 1.13
        warnings.simplefilter("ignore", (dg.BetaWarning, dg.PreviewWarning))
        return defs.map_asset_specs(func=describe)
