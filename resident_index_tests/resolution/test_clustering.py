"""Clusters respect the evidence: weak records attach to one person, never bridge two."""

from datetime import date

from resident_index.resolution.clustering import ConflictRules, Evidence, cluster, dobs_compatible

FATHER = Evidence(dobs={date(1960, 4, 12)})
SON = Evidence(dobs={date(1990, 8, 3)})
NO_DOB = Evidence()


def test_a_record_without_dob_attaches_to_the_much_stronger_link_and_does_not_chain_father_and_son():
    records = {"nhs|father": FATHER, "nhs|son": SON, "ctax|john": NO_DOB}
    links = [("ctax|john", "nhs|father", 0.9999, "model", False), ("ctax|john", "nhs|son", 0.95, "model", False)]
    result = cluster(records, links)
    assert result.cluster_of["ctax|john"] == result.cluster_of["nhs|father"]
    assert result.cluster_of["nhs|son"] != result.cluster_of["nhs|father"]
    assert result.refused == {"dob": 1} and result.contested == []


def test_a_record_that_fits_father_and_son_alike_joins_neither():
    """Same name, same address, no date of birth: two near-equal scores must not decide who it is."""
    records = {"nhs|father": FATHER, "nhs|son": SON, "ctax|john": NO_DOB, "crm|john": NO_DOB,
               "crm|other": NO_DOB}
    links = [("ctax|john", "nhs|father", 0.995, "model", False), ("ctax|john", "nhs|son", 0.993, "model", False),
             ("ctax|john", "crm|john", 0.999, "model", False), ("crm|other", "nhs|son", 0.99, "model", False)]
    result = cluster(records, links, rules=ConflictRules(contested_margin=2.0))
    assert result.contested == ["ctax|john"]
    # its own duplicates stay with it; the father and son keep what is theirs alone
    assert result.cluster_of["ctax|john"] == result.cluster_of["crm|john"]
    assert result.cluster_of["ctax|john"] not in (result.cluster_of["nhs|father"], result.cluster_of["nhs|son"])
    assert result.cluster_of["crm|other"] == result.cluster_of["nhs|son"]
    assert result.refused["contested"] == 1
    kept = cluster(records, links, rules=ConflictRules(contested_margin=None))
    assert kept.cluster_of["ctax|john"] == kept.cluster_of["nhs|father"] and kept.contested == []


def test_two_different_nhs_numbers_are_never_one_resident():
    records = {"a": Evidence(nhs={"9434765919"}), "b": Evidence(nhs={"9434765870"}), "c": NO_DOB}
    result = cluster(records, [("a", "c", 0.99999, "model", False), ("b", "c", 0.998, "model", False)])
    assert result.cluster_of["a"] == result.cluster_of["c"] != result.cluster_of["b"]
    assert result.refused == {"nhs_number": 1}


def test_typos_and_day_month_swaps_in_dob_are_one_person():
    assert dobs_compatible(date(1980, 3, 4), date(1980, 4, 3))  # swapped
    assert dobs_compatible(date(1980, 3, 4), date(1981, 3, 4))  # one character
    assert not dobs_compatible(date(1980, 3, 4), date(1975, 9, 21))
    records = {"a": Evidence(dobs={date(1980, 3, 4)}), "b": Evidence(dobs={date(1980, 4, 3)})}
    assert len(set(cluster(records, [("a", "b", 0.99, "model", False)]).cluster_of.values())) == 1


def test_a_reviewers_not_the_same_verdict_splits_what_the_model_links():
    records = {"a": NO_DOB, "b": NO_DOB, "c": NO_DOB}
    links = [("a", "b", 0.999, "model", False), ("b", "c", 0.999, "model", False)]
    assert len(set(cluster(records, links).cluster_of.values())) == 1
    split = cluster(records, links, cannot_link={frozenset({"a", "c"})})
    assert len(set(split.cluster_of.values())) == 2 and split.refused == {"reviewer": 1}


def test_a_reviewers_same_person_verdict_goes_first():
    records = {"a": Evidence(ni={"AB123456"}), "b": NO_DOB, "c": Evidence(ni={"CD654321"})}
    links = [("b", "c", 0.999, "model", False), ("a", "b", 0.5, "reviewer", False)]
    result = cluster(records, links)
    assert result.cluster_of["a"] == result.cluster_of["b"] != result.cluster_of["c"]
    assert result.attached_by["a"] == (0.5, "reviewer")


def test_conflict_rules_can_be_relaxed():
    records = {"a": Evidence(ni={"AB123456"}), "b": Evidence(ni={"AB123457"})}
    relaxed = cluster(records, [("a", "b", 0.99, "model", False)], rules=ConflictRules(ni_number=False))
    assert len(set(relaxed.cluster_of.values())) == 1


def test_result_is_deterministic_whatever_the_input_order():
    records = {x: NO_DOB for x in "abcdef"}
    links = [("a", "b", 0.99, "model", False), ("c", "d", 0.99, "model", False), ("b", "c", 0.98, "model", False)]
    assert cluster(records, links).cluster_of == cluster(records, list(reversed(links))).cluster_of


def test_a_shared_strong_identifier_outweighs_a_mistyped_date_of_birth():
    records = {"nhs|1": Evidence(nhs={"9434765919"}, dobs={date(1971, 5, 24)}),
               "asc|7": Evidence(nhs={"9434765919"}, dobs={date(1952, 11, 3)})}
    assert len(set(cluster(records, [("nhs|1", "asc|7", 0.999, "model", True)]).cluster_of.values())) == 1
    assert len(set(cluster(records, [("nhs|1", "asc|7", 0.99, "model", False)]).cluster_of.values())) == 2


def test_a_record_from_an_adults_only_system_cannot_join_a_child():
    child = Evidence(dobs={date(2013, 8, 17)})
    adult = Evidence(dobs={date(1985, 10, 25)})
    council_tax = Evidence(latest_dob=date(2008, 11, 1))  # liable for council tax: 18 or over
    records = {"nhs|son": child, "nhs|father": adult, "ctax|1": council_tax}
    links = [("ctax|1", "nhs|son", 0.999, "model", False), ("ctax|1", "nhs|father", 0.998, "model", False)]
    result = cluster(records, links)
    assert result.cluster_of["ctax|1"] == result.cluster_of["nhs|father"] != result.cluster_of["nhs|son"]
    assert result.refused == {"age": 1}


def test_a_dobless_contact_with_other_phone_and_email_is_a_second_person_not_a_duplicate():
    father = Evidence(dobs={date(1972, 8, 20)}, phones={"+447913059057"}, emails={"matthew.dartley@example.net"})
    son = Evidence(phones={"+447811305433"}, emails={"matthew_dartley33@example.org"})
    result = cluster({"nhs|father": father, "crm|son": son}, [("crm|son", "nhs|father", 0.998, "model", False)])
    assert result.cluster_of["crm|son"] != result.cluster_of["nhs|father"]
    assert result.refused == {"contacts": 1}
    # one contact detail in common, a strong identifier, or the rule switched off: one person
    same_email = Evidence(phones={"+447811305433"}, emails={"matthew.dartley@example.net"})
    assert len(set(cluster({"a": father, "b": same_email}, [("a", "b", 0.99, "model", False)]).cluster_of.values())) == 1
    assert len(set(cluster({"a": father, "b": son}, [("a", "b", 0.99, "model", True)]).cluster_of.values())) == 1
    off = ConflictRules(contacts=False)
    assert len(set(cluster({"a": father, "b": son}, [("a", "b", 0.99, "model", False)], rules=off).cluster_of.values())) == 1


def test_a_reviewers_same_overrides_the_registry_rules_and_dates_but_not_two_nhs_numbers():
    father, son = Evidence(dobs={date(1960, 4, 12)}), Evidence(dobs={date(1990, 8, 3)})
    apart = {frozenset({"a", "b"}): "distinct_at_address"}
    joined = cluster({"a": father, "b": son}, [("a", "b", 0.5, "reviewer", False)], apart)
    assert len(set(joined.cluster_of.values())) == 1 and joined.refusals == []
    assert len(set(cluster({"a": father, "b": son}, [("a", "b", 0.99, "model", False)], apart).cluster_of.values())) == 2
    two_nhs = {"a": Evidence(nhs={"9434765919"}), "b": Evidence(nhs={"9434765870"})}
    kept = cluster(two_nhs, [("a", "b", 0.5, "reviewer", False)])
    assert len(set(kept.cluster_of.values())) == 2
    assert kept.refusals == [("a", "b", 0.5, "reviewer", "nhs_number")]  # recorded, so the queue shows it
    different = cluster({"a": NO_DOB, "b": NO_DOB}, [("a", "b", 0.5, "reviewer", False)],
                        {frozenset({"a", "b"}): "reviewer"})
    assert len(set(different.cluster_of.values())) == 2  # a reviewer's "different" still stands


def test_a_near_certain_link_survives_a_second_slip_in_the_date_of_birth():
    a, b = Evidence(dobs={date(1971, 5, 24)}), Evidence(dobs={date(1971, 3, 27)})  # two characters mistyped
    assert not dobs_compatible(date(1971, 5, 24), date(1971, 3, 27))
    assert dobs_compatible(date(1971, 5, 24), date(1971, 3, 27), max_edit=2)
    assert not dobs_compatible(date(1971, 5, 24), date(1948, 11, 2), max_edit=2)
    assert len(set(cluster({"a": a, "b": b}, [("a", "b", 0.9995, "model", False)]).cluster_of.values())) == 1
    refused = cluster({"a": a, "b": b}, [("a", "b", 0.95, "model", False)])
    assert len(set(refused.cluster_of.values())) == 2 and refused.refusals[0][4] == "dob"


def test_two_ni_numbers_one_typo_apart_are_one_number_mistyped():
    records = {"a": Evidence(ni={"AB123456"}), "b": Evidence(ni={"AB123465"}), "c": Evidence(ni={"CD654321"})}
    links = [("a", "b", 0.99, "model", False), ("b", "c", 0.98, "model", False)]
    result = cluster(records, links)
    assert result.cluster_of["a"] == result.cluster_of["b"] != result.cluster_of["c"]
    strict = cluster(records, links, rules=ConflictRules(ni_typo=False))
    assert len(set(strict.cluster_of.values())) == 3


def test_a_near_certain_link_whose_own_dates_were_scored_is_not_refused_for_them_but_one_without_is():
    born_1971, born_1952 = Evidence(dobs={date(1971, 5, 24)}), Evidence(dobs={date(1952, 11, 3)})
    scored = cluster({"a": born_1971, "b": born_1952}, [("a", "b", 0.9999, "model", False)])
    assert len(set(scored.cluster_of.values())) == 1  # the model weighed both dates and is still sure
    # c has no date of birth: the model never saw that joining it to a's cluster meets b's date
    records = {"a": born_1971, "c": NO_DOB, "b": born_1952}
    chained = cluster(records, [("a", "c", 0.99999, "model", False), ("c", "b", 0.9998, "model", False)])
    assert chained.cluster_of["a"] == chained.cluster_of["c"] != chained.cluster_of["b"]
    assert chained.refusals == [("c", "b", 0.9998, "model", "dob")]
