"""Every misconfiguration issue 12 lists gives a clear error when the rule files load (naming the file, the
key and what was expected) or a WARN saying which output is empty and why: never a crash, never a silently
empty list with a green run. Each test edits one file of a copy of the bundled council folder."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from resident_index.council import CouncilConfigError, check_council, start_council_folder
from resident_index.sources.spec import RegistryError, load_registry
from resident_index_tests.conftest import PROJECT


@pytest.fixture
def council(tmp_path, monkeypatch):
    """A copy of the bundled council folder in use (RESIDENT_INDEX_COUNCIL_DIR); edit(name, change) rewrites
    one of its YAML files through `change(data)`."""
    folder = start_council_folder(tmp_path / "council", with_sources=True)
    monkeypatch.setenv("RESIDENT_INDEX_COUNCIL_DIR", str(folder))

    def edit(name: str, change) -> None:
        path = folder / name
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    edit.folder = folder
    return edit


def only_error(match: str) -> str:
    errors, _ = check_council()
    assert len(errors) == 1, errors
    assert match in errors[0], errors[0]
    return errors[0]


def test_the_bundled_council_is_clean():
    assert check_council() == ([], [])


def test_an_unknown_system_in_a_trust_list_names_the_file_key_and_the_systems(council):
    council("survivorship.yaml", lambda d: d["attributes"]["name"]["trust"].insert(0, "northgate_revs"))
    error = only_error("survivorship.yaml")
    assert "attributes.name.trust: unknown system(s) ['northgate_revs']; the registry holds" in error
    assert "council_tax" in error


def test_an_unknown_key_in_a_rule_file_lists_the_keys_expected(council):
    council("marts/counter_fraud.yaml", lambda d: d["sublets"].update(elsewhere_weight=0.6))
    only_error("sublets.elsewhere_weight: unknown key; expected one of ['tenant_roles', 'elsewhere_share', "
               "'min_score']")


def test_an_unknown_role_is_refused_with_the_vocabulary(council):
    council("marts/counter_fraud.yaml", lambda d: d["sublets"].update(tenant_roles=["LEAD TENANT"]))
    error = only_error("sublets.tenant_roles.0")
    assert "'lead'" in error and "LEAD TENANT" in error


def test_a_role_no_system_of_the_kind_gives_is_refused_instead_of_an_empty_list(council):
    council("marts/counter_fraud.yaml", lambda d: d["sublets"].update(tenant_roles=["holder"]))
    only_error("sublets: tenant_roles: no system evidencing tenancy (housing_tenancies) gives any of the roles "
               "['holder']")
    council("relationships.yaml", lambda d: d["from_groups"][3].update(to_roles=["dependant"]))
    errors, _ = check_council()
    assert any("relationships.yaml" in e and "from_groups.3" in e and "to_roles ['dependant']" in e for e in errors)


def test_a_rule_that_names_a_system_says_where_the_choice_went(council):
    council("relationships.yaml", lambda d: d["from_groups"][0].update(source="childrens_services"))
    only_error("'source: childrens_services' names a system: a rule selects systems by what they evidence")
    council("relationships.yaml", lambda d: d["from_groups"][0].pop("source"))
    council("marts/electoral.yaml", lambda d: d.update(confirming_systems=["council_tax"]))
    only_error("'confirming_systems' (every residence system that is not an electoral_entry system confirms)")


def test_old_evidence_keys_say_where_each_went(council):
    council("evidence.yaml", lambda d: d.update(weights={"council_tax": 0.8}))
    only_error("'weights' (now each source's evidence.residence.weight)")


def test_a_bad_value_names_the_key_and_what_was_given(council):
    council("marts/counter_fraud.yaml", lambda d: d["single_person_discount"].update(min_score=6))
    only_error("single_person_discount.min_score: Input should be less than or equal to 1 (given 6)")


def test_model_yaml_is_validated_too(council):
    """A mistyped key was a KeyError mid-run (link_threshold) or silently ignored (a conflict rule, a training
    setting); now each names the key and what was expected."""
    council("model.yaml", lambda d: d.update(link_treshold=d.pop("link_threshold")))
    only_error("model.yaml: link_threshold: missing (required); link_treshold: unknown key; expected one of "
               "['link_threshold', 'review_threshold'")
    council("model.yaml", lambda d: d.update(link_threshold=d.pop("link_treshold")))
    council("model.yaml", lambda d: d["conflicts"].update(dob_edit_distance=2))
    only_error("conflicts: unknown conflict rule(s) ['dob_edit_distance']; expected some of ['nhs_number'")
    council("model.yaml", lambda d: d["conflicts"].pop("dob_edit_distance"))
    council("model.yaml", lambda d: d["training"]["identifier_m"].update(comparisons=["dob", "birthday"]))
    only_error("training.identifier_m.comparisons: unknown comparison(s) ['birthday']")
    council("model.yaml", lambda d: d["training"]["identifier_m"].update(comparisons=["dob"]))
    council("model.yaml", lambda d: d.update(review_threshold=0.95))
    only_error("review_threshold (0.95) above link_threshold (0.9)")


def test_the_comparisons_model_yaml_may_name_are_the_models():
    from resident_index.resolution.model_rules import COMPARISONS
    from resident_index.resolution.splink_model import comparisons

    assert [c.get_comparison("duckdb").output_column_name for c in comparisons()] == list(COMPARISONS)


def test_a_source_declaring_an_unknown_kind_or_code_names_the_file(council):
    council("sources/blue_badges.yaml", lambda d: d["evidence"].update(entitlment={"what": "badge"}))
    with pytest.raises(RegistryError, match=r"blue_badges.yaml.*unknown evidence kind\(s\) \['entitlment'\]"):
        load_registry()
    council("sources/blue_badges.yaml", lambda d: d["evidence"].pop("entitlment"))
    council("sources/blue_badges.yaml", lambda d: d["codes"]["status"].update(ISSUED="live"))
    with pytest.raises(RegistryError, match=r"blue_badges.yaml.*codes.status.ISSUED.*'active', 'pending'"):
        load_registry()


def test_a_kind_needing_roles_without_a_role_map_is_a_load_error(council):
    council("sources/housing_tenancies.yaml", lambda d: d.pop("codes"))
    with pytest.raises(RegistryError, match="housing_tenancies.yaml.*evidence.tenancy needs roles: map the "
                                            "system's role codes under codes.role"):
        load_registry()


def test_an_evidence_column_that_is_mapped_cannot_be_read_and_says_so(council):
    council("sources/council_tax.yaml",
            lambda d: d["evidence"]["council_tax_liability"]["discount"].update(column="ACCOUNT_STATUS"))
    with pytest.raises(RegistryError, match="evidence.council_tax_liability.discount.column: column "
                                            "'ACCOUNT_STATUS' is mapped in `columns`"):
        load_registry()


def test_a_kind_nobody_declares_is_a_warning_naming_the_empty_output(council):
    council("sources/council_tax.yaml", lambda d: d["evidence"].pop("council_tax_liability"))
    errors, warnings = check_council()
    assert errors == []
    assert ("marts/counter_fraud.yaml: no system evidences council_tax_liability: the single person discount "
            "list will be empty") in warnings
    assert any("relationships.yaml: from_groups: no system evidences council_tax_liability" in w for w in warnings)


def test_check_config_exits_2_on_an_error_and_the_definitions_refuse_to_load(council):
    council("marts/service_demand.yaml", lambda d: d.update(trend_months=0))
    env = {"RESIDENT_INDEX_COUNCIL_DIR": str(council.folder), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "resident_index.cli", "check-config"], env=env, cwd=PROJECT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "marts/service_demand.yaml: trend_months: Input should be greater than or equal to 1 (given 0)" in run.stderr
    assert "1 error(s), 0 warning(s)" in run.stdout
    loaded = subprocess.run([sys.executable, "-c", "import resident_index.defs.council_config"], env=env,
                            cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert loaded.returncode != 0
    assert "CouncilConfigError" in loaded.stderr and "trend_months" in loaded.stderr


def test_a_missing_rule_file_names_the_folder(council):
    (council.folder / "relationships.yaml").unlink()
    only_error("relationships.yaml: missing from the council config folder")
    with pytest.raises(CouncilConfigError):
        from resident_index.golden.relationships import load_rules

        load_rules()
