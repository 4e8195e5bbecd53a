"""What a source's YAML marks as required is what its default suite requires: an optional field never blocks."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from resident_index.quality.suite import default_suite, load_suite
from resident_index.sources.spec import BUNDLED_REGISTRY, load_registry
from resident_index.sources.spec import RegistryError, load_spec
from resident_index_tests.conftest import LIBRARY_ROWS, LIBRARY_SPEC, materialize_extract, write_library_source

#: two of four members give no address (Addr1 and Addr2 blank)
HALF_WITHOUT_ADDRESS = LIBRARY_ROWS[:2] + [
    "L003,Priya,Patel,01/01/1990,,,NB2 4EF,,2022-02-02,Central\n",
    "L004,Tom,Brown,05/06/1985,,,,,2023-03-03,East\n",
]


def _write_spec(registry, **changes):
    spec = write_library_source(registry, registry.parent / "data" / "landing", rows=HALF_WITHOUT_ADDRESS)
    (registry / "library_members.yaml").write_text(yaml.safe_dump(LIBRARY_SPEC | changes, sort_keys=False))
    return load_spec(registry / "library_members.yaml")


def test_an_optional_field_however_empty_never_blocks_an_extract(tmp_path, monkeypatch):
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(tmp_path / "data"))
    spec = _write_spec(tmp_path / "registry")  # no required_fields: only a surname is required
    assert spec.required_fields == ["surname"]
    result = materialize_extract(spec, tmp_path / "w.duckdb")
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["required_fields"].passed
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("SELECT accepted, message FROM landing_log").fetchone() == (True, None)


def test_the_default_suite_requires_exactly_the_fields_the_yaml_marks_required(tmp_path):
    spec = _write_spec(tmp_path / "registry", required_fields=["surname", "address", "dob"],
                       checks={"min_required_rate": 0.95})
    required = [(e["kwargs"]["column"], e["kwargs"]["mostly"], e["meta"]["severity"])
                for e in default_suite(spec)["expectations"] if e["meta"]["check"] == "required_fields"]
    assert required == [("surname", 0.95, "ERROR"), ("address", 0.95, "ERROR"), ("dob", 0.95, "ERROR")]


@pytest.mark.parametrize("fields, expected", [
    (["surname", "adress"], "required_fields: 'adress' is not a canonical field"),
    (["surname", "nhs_number"], "required_fields: 'nhs_number' is not mapped in `columns`"),
])
def test_a_required_field_that_no_record_could_give_is_refused_at_load_naming_file_and_key(tmp_path, fields, expected):
    registry = tmp_path / "registry"
    registry.mkdir()
    path = registry / "library_members.yaml"
    path.write_text(yaml.safe_dump(LIBRARY_SPEC | {"required_fields": fields}, sort_keys=False))
    with pytest.raises(RegistryError) as error:
        load_spec(path)
    assert str(path) in str(error.value) and expected in str(error.value)


def test_the_bundled_suites_are_the_default_suites_of_their_yaml():
    """Each bundled *.expectations.json is what `resident-index suggest-suite` writes from its YAML, so
    the YAML's required_fields say what blocks an extract (the CRM's address does not)."""
    specs = load_registry(BUNDLED_REGISTRY)  # the bundled council, whatever folder a test points at
    for spec in specs:
        assert spec.suite_path is not None and load_suite(spec) == default_suite(spec), spec.name
    crm = next(s for s in specs if s.name == "crm_contacts")
    assert "address" in crm.columns and crm.required_fields == ["surname"]
