"""The golden record on the built synthetic council: one row per resident, lineage for every value,
households, relationships and timelines; found and shown from the command line."""

from __future__ import annotations

import json

import duckdb

from resident_index_tests.conftest import cli


def rows(council, sql):
    with duckdb.connect(str(council["warehouse"]), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_one_golden_row_per_resident_with_lineage_for_every_value(built_council):
    [(residents, golden)] = rows(built_council, """SELECT (SELECT count(DISTINCT resident_id) FROM resident_crosswalk),
                                                          (SELECT count(*) FROM golden_residents)""")
    assert residents == golden
    # every value's lineage names a record that belongs to that very resident
    [(orphans,)] = rows(built_council, """
        SELECT count(*) FROM golden_residents g
        WHERE (g.dob IS NOT NULL AND NOT EXISTS (SELECT 1 FROM resident_crosswalk c WHERE c.resident_id = g.resident_id
                 AND c.source_system = g.dob_source AND c.source_record_id = g.dob_record))
           OR (g.uprn IS NOT NULL AND NOT EXISTS (SELECT 1 FROM resident_crosswalk c WHERE c.resident_id = g.resident_id
                 AND c.source_system = g.address_source AND c.source_record_id = g.address_record))""")
    assert orphans == 0


def test_households_hold_living_residents_at_one_uprn(built_council):
    [(mismatched, composition_ok)] = rows(built_council, """
        SELECT count(*) FILTER (g.uprn <> h.uprn OR g.deceased), bool_and(h.adults + h.children = h.residents)
        FROM households h, unnest(h.resident_ids) u(resident_id) JOIN golden_residents g USING (resident_id)""")
    assert mismatched == 0 and composition_ok
    assert rows(built_council, "SELECT count(*) FROM household_changes WHERE change = 'joined'")[0][0] > 0


def test_relationships_carry_their_evidence(built_council):
    found = dict(rows(built_council, "SELECT type, count(*) FROM relationships GROUP BY 1"))
    assert {"parent_or_carer_of", "partner_of", "jointly_liable_with", "same_household"} <= set(found)
    [(source, record)] = rows(built_council, """SELECT evidence[1].source, evidence[1].record FROM relationships
                                                WHERE type = 'parent_or_carer_of' ORDER BY ALL LIMIT 1""")
    assert source in ("childrens_services", "school_admissions") and record


def test_every_record_is_an_event_on_its_residents_timeline(built_council):
    [(events, records, deaths)] = rows(built_council, """
        SELECT count(*) FILTER (event_type <> 'death'), (SELECT count(*) FROM resident_crosswalk),
               count(*) FILTER (event_type = 'death') FROM resident_events""")
    assert events == records and deaths > 0


def test_golden_record_is_measured_against_the_truth(built_council):
    [(result,)] = rows(built_council, "SELECT result FROM golden_evaluation")
    result = json.loads(result)
    assert result["name_correct"] > 0.9 and result["dob_correct"] > 0.95 and result["current_uprn_correct"] > 0.9
    assert result["nhs_feed_deaths_marked_deceased"] > 0.9


def test_find_ranks_the_resident_first_and_show_prints_their_record(built_council):
    [(resident, forename, surname, dob)] = rows(built_council, """
        SELECT resident_id, forename, surname, dob FROM golden_residents
        WHERE dob IS NOT NULL AND nhs_number IS NOT NULL ORDER BY resident_id LIMIT 1""")
    found = cli(built_council["env"], "find", f"{surname}, {forename.title()}", "--dob", str(dob), "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["resident_id"] == resident
    shown = cli(built_council["env"], "show", resident)
    assert shown.returncode == 0 and f"Resident {resident}" in shown.stdout
    for section in ("Golden record", "Address history", "Household now", "Relationships", "Timeline"):
        assert section in shown.stdout
    as_json = json.loads(cli(built_council["env"], "show", resident, "--json").stdout)
    assert {"golden", "addresses", "household", "relationships", "timeline", "records"} <= set(as_json)
    assert cli(built_council["env"], "show", "R999999999").returncode == 1
