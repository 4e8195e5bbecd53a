"""Subject access: every record the crosswalk maps to the resident, and no other person's data."""

from __future__ import annotations

import json
import re

import pytest

from resident_index_tests.protection.conftest import rows, run


def _subjects(warehouse) -> list[str]:
    """The residents with most records, the largest household's first member, and one with most relationships."""
    most = rows(warehouse, """SELECT resident_id FROM resident_crosswalk GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""")
    household = rows(warehouse, """SELECT resident_ids[1] FROM households ORDER BY residents DESC, household_id LIMIT 1""")
    related = rows(warehouse, """SELECT resident_id FROM relationships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""")
    return sorted({r for (r,) in most + household + related})


@pytest.fixture(scope="module")
def sars(built_council, tmp_path_factory):
    out = tmp_path_factory.mktemp("sars")
    made = {}
    for resident in _subjects(built_council["warehouse"]):
        shown = run(built_council, "show", resident, "--user", "s.patel", "--purpose", "safeguarding")
        assert shown.returncode == 0, shown.stderr
        result = run(built_council, "sar", resident, "--user", "l.mensah", "--out", str(out / resident))
        assert result.returncode == 0, result.stderr
        made[resident] = (json.loads((out / resident / "subject_access.json").read_text(encoding="utf-8")),
                          (out / resident / "report.html").read_text(encoding="utf-8"))
    return made


def test_a_sar_holds_every_record_the_crosswalk_maps_to_them_as_landed_and_staged(built_council, sars):
    for resident, (held, html) in sars.items():
        expected = rows(built_council["warehouse"], """SELECT source_system, source_record_id FROM resident_crosswalk
                                                      WHERE resident_id = ? ORDER BY ALL""", [resident])
        got = sorted((r["source_system"], r["source_record_id"]) for r in held["source_records"])
        assert got == expected, resident
        for record in held["source_records"]:
            staged = rows(built_council["warehouse"], f"""SELECT count(*) FROM staging."{record['source_system']}"
                                                           WHERE source_record_id = ?""", [record["source_record_id"]])
            assert len(record["extracts"]) == staged[0][0] >= 1
            for extract in record["extracts"]:
                assert isinstance(extract["as_landed"], dict), extract["as_landed"]  # read back from the file
                assert record["source_record_id"] in extract["as_landed"].values()
                assert extract["as_staged"]["row_number"] == extract["row_number"]
            assert record["source_record_id"] in html
        assert {a["attribute"] for a in held["golden_record"]["attributes"]} >= {"name", "dob", "address"}
        assert ("s.patel", "safeguarding", "show") in [(e["user"], e["purpose"], e["action"])
                                                       for e in held["lookups_of_them"]]


def test_a_sar_holds_nothing_about_anyone_else(built_council, sars):
    warehouse = built_council["warehouse"]
    for resident, (held, html) in sars.items():
        text = json.dumps(held) + html
        tokens = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9_/.:-]*[A-Za-z0-9]", text))
        others = rows(warehouse, "SELECT DISTINCT resident_id FROM resident_crosswalk WHERE resident_id <> ?", [resident])
        assert not {r for (r,) in others} & tokens, resident
        own = {r for (r,) in rows(warehouse, "SELECT source_record_id FROM resident_crosswalk WHERE resident_id = ?",
                                  [resident])}
        other_records = {r for (r,) in rows(warehouse, "SELECT source_record_id FROM resident_crosswalk "
                                                       "WHERE resident_id <> ?", [resident])} - own
        assert not other_records & tokens, resident
        names = rows(warehouse, """SELECT m.forename || ' ' || m.surname FROM households h, unnest(h.resident_ids) u(id)
                                   JOIN golden_residents m ON m.resident_id = u.id
                                   WHERE list_contains(h.resident_ids, ?) AND m.resident_id <> ?
                                   AND m.forename IS NOT NULL""", [resident, resident])
        assert not [n for (n,) in names if n in text.upper()], resident
    assert any(h["golden_record"]["household"]["other_people_at_this_address"] > 0 for h, _ in sars.values())
    assert any(h["golden_record"]["relationships"] for h, _ in sars.values())
