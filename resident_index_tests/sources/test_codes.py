"""A system's own codes, constants and a second person in one row, as staging turns them into the
project's: canonical role and status beside the codes as written; an unmapped code left empty and named by
the codes_mapped WARN check; a pupil's parent staged as a record of their own."""

from __future__ import annotations

from datetime import date

import yaml

from resident_index.defs.sources.codes_check import codes_check
from resident_index.sources.spec import load_spec
from resident_index.sources.staging import stage_extract
from resident_index_tests.conftest import LIBRARY_SPEC

DAY = date(2026, 11, 1)


def write_source(tmp_path, spec: dict, header: str, rows: list[str]):
    registry, folder = tmp_path / "reg", tmp_path / "landing" / spec["landing"]["folder"]
    registry.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    (registry / f"{spec['name']}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    (folder / f"{DAY}.csv").write_text(header + "".join(rows))
    loaded = load_spec(registry / f"{spec['name']}.yaml")
    return loaded, folder / f"{DAY}.csv"


def test_codes_map_to_canonical_roles_and_statuses_and_an_unknown_code_is_named(tmp_path, con):
    spec = {**LIBRARY_SPEC, "columns": {**LIBRARY_SPEC["columns"], "role": "Kind", "status": "State"},
            "codes": {"role": {"LEAD MEMBER": "lead", "Y": "member"}, "status": {"Open": "active", "Lapsed": "ended"}}}
    header = "MemberNo,First,Last,Born,Addr1,Addr2,PostCode,Email,Joined,Kind,State\n"
    rows = ["L1,Ann,Smith,02/03/1980,1 High St,,NB1 2AB,,2020-01-05,lead member,OPEN\n",
            "L2,Bob,Smith,02/03/1982,1 High St,,NB1 2AB,,2020-01-05,Y,Lapsed\n",
            "L3,Cy,Smith,02/03/1984,1 High St,,NB1 2AB,,2020-01-05,GUEST,FROZEN\n",
            "L4,Di,Smith,02/03/1986,1 High St,,NB1 2AB,,2020-01-05,GUEST,Open\n"]
    loaded, path = write_source(tmp_path, spec, header, rows)
    result = stage_extract(con, loaded, DAY, path)
    assert con.execute("""SELECT source_record_id, role, role_code, status, status_code
                          FROM staging.library_members ORDER BY 1""").fetchall() == [
        ("L1", "lead", "LEAD MEMBER", "active", "OPEN"), ("L2", "member", "Y", "ended", "LAPSED"),
        ("L3", None, "GUEST", None, "FROZEN"), ("L4", None, "GUEST", "active", "OPEN")]
    check = codes_check(result)
    assert not check.passed and check.severity == "WARN"
    assert check.metadata["unmapped_codes"] == {"role": {"GUEST": 2}, "status": {"FROZEN": 1}}
    assert "'GUEST' (2 records)" in check.explanation and "codes.status" in check.explanation


def test_every_code_mapped_passes_the_check(library, con):
    spec, landing = library
    result = stage_extract(con, spec, DAY, spec.landing.extract_path(landing, DAY))
    assert codes_check(result).passed


def test_a_constant_gives_every_record_its_role(tmp_path, con):
    spec = {**LIBRARY_SPEC, "constants": {"role": "child"}}
    header = "MemberNo,First,Last,Born,Addr1,Addr2,PostCode,Email,Joined\n"
    loaded, path = write_source(tmp_path, spec, header, ["L1,Ann,Smith,02/03/2015,1 High St,,NB1 2AB,,2020-01-05\n"])
    stage_extract(con, loaded, DAY, path)
    assert con.execute("SELECT role, role_code FROM staging.library_members").fetchall() == [("child", None)]


PUPILS = {**LIBRARY_SPEC, "name": "pupils", "title": "Pupils", "landing": {**LIBRARY_SPEC["landing"], "folder": "pupils"},
          "columns": {"source_record_id": "UPN", "forename": "First", "surname": "Last", "dob": "Born",
                      "address": ["Addr1", "Addr2"], "postcode": "PostCode", "start_date": "Joined"},
          "required_columns": ["UPN", "Last"],
          "evidence": {"residence": {"weight": 0.4}, "school_application": None},
          "second_person": {"columns": {"forename": "ParentFirst", "surname": "ParentLast", "email": "ParentEmail",
                                        "mobile": "ParentMobile"},
                            "role": "parent", "first_role": "child"}}
PUPIL_HEADER = "UPN,First,Last,Born,Addr1,Addr2,PostCode,Joined,ParentFirst,ParentLast,ParentEmail,ParentMobile\n"


def test_a_second_person_in_the_row_is_staged_as_a_record_of_their_own(tmp_path, con):
    rows = ["P1,Tom,Brown,02/03/2015,3 Mill Lane,,NB2 4EF,2026-01-10,Jane,Brown,jane@example.org,07700 900123\n",
            "P2,Amy,Green,05/06/2016,4 Mill Lane,,NB2 4EF,2026-01-11,,,,\n"]  # no parent given: one record
    loaded, path = write_source(tmp_path, PUPILS, PUPIL_HEADER, rows)
    result = stage_extract(con, loaded, DAY, path)
    staged = con.execute("""SELECT source_record_id, row_number, forename, surname, dob, role, group_ref, address,
                                   email, mobile, source_attributes FROM staging.pupils ORDER BY 1""").fetchall()
    assert [r[:7] for r in staged] == [
        ("P1", 1, "TOM", "BROWN", date(2015, 3, 2), "child", "P1"),
        ("P1~2", 1, "JANE", "BROWN", None, "parent", "P1"),     # the row's id as its group: linked to the child
        ("P2", 2, "AMY", "GREEN", date(2016, 6, 5), "child", "P2")]
    child, parent = staged[0], staged[1]
    assert parent[7] == child[7] == "3 MILL LANE"            # the row's address
    assert (parent[8], parent[9]) == ("jane@example.org", "+447700900123") and child[8] is None
    assert parent[10] is None and child[10] is None          # the parent's columns are not the child's attributes
    # landed = staged + quarantined counts rows: a row with a second person is one row, two records
    assert (result.rows_landed, result.rows_staged, result.records_staged) == (2, 2, 3)
    # staging the same file again reuses both records and gives the same table
    before = con.execute("SELECT * EXCLUDE (extract_date) FROM staging.pupils ORDER BY 1").fetchall()
    later = path.with_name("2026-11-02.csv")
    later.write_text(PUPIL_HEADER + "".join(rows) + "P3,Ed,Grey,01/01/2017,5 Mill Lane,,NB2 4EF,2026-01-12,Al,Grey,,\n")
    again = stage_extract(con, loaded, date(2026, 11, 2), later)
    assert again.rows_reused == 2
    after = con.execute("""SELECT * EXCLUDE (extract_date) FROM staging.pupils WHERE extract_date = '2026-11-02'
                           AND source_record_id < 'P3' ORDER BY 1""").fetchall()
    assert [r[:1] + r[2:] for r in after] == [r[:1] + r[2:] for r in before]   # (extract and row aside)


def test_a_bare_yaml_boolean_as_a_code_is_a_load_error_asking_for_quotes(tmp_path):
    """YAML reads a bare OFF as false: the code would silently become another; the loader says to quote it."""
    import pytest

    from resident_index.sources.spec import RegistryError

    path = tmp_path / "library_members.yaml"
    path.write_text(yaml.safe_dump({**LIBRARY_SPEC, "columns": {**LIBRARY_SPEC["columns"], "status": "State"}})
                    + "codes:\n  status: {LIVE: active, OFF: cancelled}\n")
    with pytest.raises(RegistryError, match=r"(?s)library_members\.yaml.*write the system's code in quotes"):
        load_spec(path)
    path.write_text(path.read_text().replace("OFF:", "'OFF':"))
    assert load_spec(path).codes.status == {"LIVE": "active", "OFF": "cancelled"}
