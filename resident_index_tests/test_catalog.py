"""What the Dagster catalog says of each asset: owners from the YAML, code references that open, personal
data tagged, column schemas once built, descriptions on every schedule and sensor."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from resident_index.catalog import DEFINED_BY, NO_PERSONAL_DATA
from resident_index.sources.spec import RegistryError, load_registry, load_spec
from resident_index_tests.conftest import LIBRARY_SPEC


@pytest.fixture(scope="module")
def specs() -> dict[str, dg.AssetSpec]:
    from resident_index.definitions import defs

    return {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}


def test_each_source_is_owned_by_the_team_its_yaml_names(specs):
    for source in load_registry():
        assert specs[source.name].owners == [source.owner]
        assert source.owner.startswith("team:")
    assert specs["council_tax"].owners == ["team:revenues-and-benefits"]


def _spec(tmp_path: Path, **changes):
    path = tmp_path / "library_members.yaml"
    path.write_text(yaml.safe_dump({**LIBRARY_SPEC, **changes}))
    return load_spec(path)


def test_owner_is_a_team_or_an_email_else_none(tmp_path):
    assert _spec(tmp_path).owners() == []  # data_owner "Head of Libraries" is a person's title, not an owner
    assert _spec(tmp_path, data_owner="libraries@council.example").owners() == ["libraries@council.example"]
    assert _spec(tmp_path, owner="team:libraries").owners() == ["team:libraries"]
    with pytest.raises(RegistryError, match=r"(?s)library_members\.yaml.*owner must be a team written 'team:<name>'"):
        _spec(tmp_path, owner="Head of Libraries")


def test_every_asset_references_the_code_that_defines_it_and_each_file_exists(specs):
    for key, spec in specs.items():
        refs = spec.metadata["dagster/code_references"].code_references
        assert refs and refs[0].label == "Python" and Path(refs[0].file_path).is_file(), key
        assert all(Path(r.file_path).is_file() for r in refs), key
    assert set(DEFINED_BY) <= set(specs)
    labels = [r.label for r in specs["council_tax"].metadata["dagster/code_references"].code_references]
    assert labels == ["Python", "council_tax.yaml", "council_tax.expectations.json"]
    assert "marts/counter_fraud/sublets.sql" in [r.label for r in
                                                 specs["fraud_sublets"].metadata["dagster/code_references"].code_references]


def test_personal_data_is_tagged(specs):
    for key, spec in specs.items():
        assert spec.tags["pii"] == ("no" if key in NO_PERSONAL_DATA else "yes"), key
    assert specs["adult_social_care"].tags["sensitivity"] == "special_category"
    assert specs["council_tax"].tags["sensitivity"] == "personal"
    assert specs["golden_residents"].tags["sensitivity"] == "special_category"  # it holds every source's records
    assert specs["service_overlap"].tags == {**specs["service_overlap"].tags, "pii": "no", "sensitivity": "none"}


def test_what_officers_read_has_a_freshness_policy(specs):
    assert specs["fraud_sublets"].freshness_policy is not None
    assert specs["fraud_evaluation"].freshness_policy is None


def test_every_schedule_and_sensor_says_what_it_does():
    from resident_index.definitions import defs

    repo = defs.get_repository_def()
    for definition in [*repo.schedule_defs, *repo.sensor_defs]:
        assert definition.description and len(definition.description) > 40, definition.name


def test_every_built_table_asset_reports_its_column_schema(built_council, monkeypatch):
    from resident_index.definitions import defs

    monkeypatch.setenv("DAGSTER_HOME", built_council["env"]["DAGSTER_HOME"])
    missing = []
    with dg.DagsterInstance.get() as instance:
        for spec in defs.resolve_all_asset_specs():
            if "dagster/table_name" not in spec.metadata or spec.key.path[-1].endswith("_evaluation"):
                continue
            event = instance.get_latest_materialization_event(spec.key)
            meta = event.asset_materialization.metadata if event else {}
            if "dagster/column_schema" not in {**spec.metadata, **meta}:
                missing.append(spec.key.to_user_string())
        golden = instance.get_latest_materialization_event(dg.AssetKey("golden_residents")).asset_materialization
        crosswalk = instance.get_latest_materialization_event(dg.AssetKey("resident_crosswalk")).asset_materialization
    assert missing == []  # each table asset's result needs `"dagster/column_schema": column_schema(con, <table>)`
    assert "resident_id" in [c.name for c in golden.metadata["dagster/column_schema"].value.columns]
    assert {"source_record_id", "resident_id"} <= {c.name for c in crosswalk.metadata["dagster/column_schema"].value.columns}
