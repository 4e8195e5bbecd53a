"""Resident IDs persist: unchanged clusters keep them, merges keep the older, splits keep the larger part."""

from resident_index.resolution.identity import assign_ids, format_id

R1, R2, R3 = format_id(1), format_id(2), format_id(3)


def test_first_run_mints_one_id_per_cluster():
    result = assign_ids({"a": "a", "b": "a", "c": "c"}, {}, next_number=1)
    assert result.resident_of == {"a": R1, "b": R1, "c": R2}
    assert [e[0] for e in result.events] == ["mint", "mint"] and result.next_number == 3


def test_nothing_changed_means_the_same_ids_and_no_events():
    previous = {"a": R1, "b": R1, "c": R2}
    result = assign_ids({"a": "a", "b": "a", "c": "c"}, previous, next_number=3)
    assert result.resident_of == previous and result.events == []


def test_a_merge_keeps_the_older_id_and_retires_the_other():
    previous = {"a": R1, "b": R2, "c": R2, "d": R2}
    result = assign_ids({"a": "a", "b": "a", "c": "a", "d": "a"}, previous, next_number=3)
    assert set(result.resident_of.values()) == {R1}
    assert result.events == [("merge", R2, R1, 3)]


def test_a_split_keeps_the_id_on_the_larger_part_and_mints_for_the_rest():
    previous = {"a": R1, "b": R1, "c": R1}
    result = assign_ids({"a": "a", "b": "a", "c": "c"}, previous, next_number=2)
    assert result.resident_of == {"a": R1, "b": R1, "c": R2}
    assert result.events == [("split", R2, R1, 1)]


def test_ids_are_never_reused_and_a_vanished_resident_is_retired():
    previous = {"a": R1, "b": R3}
    result = assign_ids({"a": "a", "new": "new"}, previous, next_number=4)
    assert result.resident_of == {"a": R1, "new": format_id(4)}
    assert ("retire", R3, None, 0) in result.events and ("mint", format_id(4), None, 1) in result.events


def test_a_new_record_joining_a_resident_keeps_its_id():
    previous = {"a": R1}
    result = assign_ids({"a": "a", "b": "a"}, previous, next_number=2)
    assert result.resident_of == {"a": R1, "b": R1} and result.events == []
