"""Data protection in the Dagster catalog (issue 15 item 8): each asset tagged with the kinds of personal
data it holds and the purposes that may read it, from the council's protection config and source YAMLs.

- `personal_data/<category>` (value ""): identity (names, date of birth, sex), identifiers (NHS, NI, other
  shared numbers), contact (phone, mobile, email), address, health_and_care (a special-category source or a
  table mixing one in), resident_id; none on assets holding no row per person. Filter the catalog with
  `tag:personal_data/health_and_care`.
- `purpose/<purpose>` (value ""): each purpose in protection/purposes.yaml that may read the table, or, on a
  source asset, whose facts it may see.
- metadata `data_protection`: the same in words, with each purpose's lawful basis.

Applied in definitions.py after catalog.catalogued; a council folder without protection/ gets no purpose
tags (its metadata says so).
"""

from __future__ import annotations

import warnings

import dagster as dg

CATEGORIES = {
    "identity": {"full_name", "title", "forename", "middle_names", "surname", "previous_surname", "dob", "sex"},
    "identifiers": {"nhs_number", "ni_number", "shared_id"},
    "contact": {"phone", "mobile", "email"},
    "address": {"address", "postcode", "uprn"},
}


def _source_categories(spec) -> list[str]:
    held = set(spec.columns)
    found = [c for c, fields in CATEGORIES.items() if held & fields]
    return found + (["health_and_care"] if spec.sensitivity == "special_category" else [])


def tagged(defs: dg.Definitions) -> dg.Definitions:
    from resident_index.catalog import NO_PERSONAL_DATA
    from resident_index.council import CouncilConfigError, council_dir
    from resident_index.sources.spec import load_registry

    sources = {s.name: s for s in load_registry()}
    protection = None
    if (council_dir() / "protection").is_dir():
        from resident_index.protection.config import load_protection

        try:
            protection = load_protection(list(sources.values()))
        except CouncilConfigError:
            protection = None  # the CLI says what is wrong; the catalog still loads
    mixed = sorted({c for s in sources.values() for c in _source_categories(s)})

    def describe(spec: dg.AssetSpec) -> dg.AssetSpec:
        name = spec.key.path[-1]
        if name in sources:
            categories = _source_categories(sources[name])
            purposes = [p for p, ps in (protection.purposes.items() if protection else []) if ps.sees_source(name)]
        else:
            categories = [] if name in NO_PERSONAL_DATA else [*mixed, "resident_id"]
            purposes = [p for p, ps in (protection.purposes.items() if protection else []) if ps.columns(name) is not None]
        tags = {f"personal_data/{c}": "" for c in categories} | {f"purpose/{p}": "" for p in purposes}
        if protection is None:
            words = "no protection config (protection/ in the council folder): purposes not known"
        else:
            words = "\n".join([f"- personal data: {', '.join(categories) or 'none (figures about groups)'}"] +
                              [f"- read for **{protection.purposes[p].title}** ({p}): "
                               f"{protection.purposes[p].lawful_basis.strip()}" for p in purposes] +
                              ([] if purposes else ["- read by no purpose's lookups or exports"]))
        return spec.replace_attributes(tags={**spec.tags, **tags},
                                       metadata={**spec.metadata, "data_protection": dg.MetadataValue.md(words)})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (dg.BetaWarning, dg.PreviewWarning))
        return defs.map_asset_specs(func=describe)
