"""Find by name reads the read snapshot's name keys (every forename and surname each resident has used) rather
than comparing the name with every resident: it must still list the resident for their name as a caseworker
types it (a slip of the keyboard, surname first, a name another system holds), and give the same answer on the
warehouse itself, where `find` builds the same keys inline (before any snapshot is published)."""

from __future__ import annotations

import random

import duckdb
import pytest

from resident_index.golden import lookup
from resident_index.tables import has_table


@pytest.fixture(scope="module")
def cons(built_council):
    snapshot = duckdb.connect(str(built_council["data"] / "warehouse.read.duckdb"), read_only=True)
    warehouse = duckdb.connect(str(built_council["warehouse"]), read_only=True)
    yield snapshot, warehouse
    snapshot.close()
    warehouse.close()


def swapped(word: str, rng: random.Random) -> str:
    """Two neighbouring letters after the first swapped ('SMITH' -> 'SMTIH')."""
    i = 1 + rng.randrange(len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def test_find_lists_the_resident_for_their_name_as_typed_and_the_snapshot_agrees_with_the_warehouse(cons):
    snapshot, warehouse = cons
    assert has_table(snapshot, "name_keys") and not has_table(warehouse, "name_keys")
    rng = random.Random(5)
    people = snapshot.execute("""SELECT resident_id, forename, surname, names_used FROM golden_residents
                                 WHERE length(forename) >= 4 AND length(surname) >= 4
                                 ORDER BY resident_id LIMIT 40""").fetchall()
    assert len(people) == 40
    missed, disagree = [], []
    for rid, forename, surname, names_used in people:
        for query in (f"{forename} {surname}", f"{forename} {swapped(surname, rng)}",
                      f"{swapped(forename, rng)} {surname}", f"{surname.title()}, {forename.title()}",
                      *names_used):
            found = lookup.find(snapshot, query, limit=25)
            if rid not in [f["resident_id"] for f in found]:
                missed.append((rid, query))
            if found != lookup.find(warehouse, query, limit=25):
                disagree.append(query)
    assert missed == [] and disagree == []


def test_a_name_only_another_system_holds_finds_the_resident(cons):
    """A resident whose records carry another surname (a maiden name, a double-barrelled one cut short) is found by
    that name too: name_keys holds the first and last word of every name in names_used."""
    snapshot, _ = cons
    row = snapshot.execute("""SELECT resident_id, n FROM (SELECT resident_id, surname, unnest(names_used) AS n
                                                        FROM golden_residents)
                              WHERE string_split(n, ' ')[-1] <> surname ORDER BY resident_id LIMIT 1""").fetchone()
    assert row is not None, "the built council has no resident with a second surname to look for"
    rid, name = row
    assert rid in [f["resident_id"] for f in lookup.find(snapshot, name, limit=25)]


def test_find_ranks_a_matching_date_of_birth_first_and_finds_by_it_with_the_surname_alone(cons):
    snapshot, _ = cons
    rid, forename, surname, dob = snapshot.execute(
        """SELECT resident_id, forename, surname, dob FROM golden_residents
           WHERE dob IS NOT NULL AND length(surname) >= 4 ORDER BY resident_id LIMIT 1 OFFSET 7""").fetchone()
    assert lookup.find(snapshot, f"{forename} {surname}", dob=dob)[0]["resident_id"] == rid
    # a forename nothing like theirs: found through the date of birth and the surname
    assert rid in [f["resident_id"] for f in lookup.find(snapshot, f"QZXW {surname}", dob=dob)]
