"""The gazetteer a council holds, in each format the index reads, becomes the same canonical `llpg` rows.

Each test writes a few hand-made rows (synthetic addresses only) into a temporary data folder, says which
format they are in with data/reference/gazetteer.yaml, and reads them as the `llpg` asset does.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster_duckdb import DuckDBResource

from resident_index.addresses.gazetteer_formats import GazetteerError, load_config, load_gazetteer
from resident_index.defs.reference.llpg import llpg

ROW = "uprn, parent_uprn, sao, pao, street, locality, town, postcode, ward, easting, northing, property_type, address_text"


@pytest.fixture
def reference(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RESIDENT_INDEX_GAZETTEER", raising=False)
    folder = tmp_path / "reference"
    folder.mkdir()
    return folder


def _declare(reference: Path, **config) -> None:
    (reference / "gazetteer.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def _load(con: duckdb.DuckDBPyConnection):
    loaded = load_gazetteer(con, load_config())
    return loaded, con.execute(f"SELECT {ROW} FROM llpg ORDER BY uprn").fetchall()


# --- GeoPlace DTF 8.1 -------------------------------------------------------------------------------------
DTF = """10,"NORTHBRIDGE COUNCIL",9999,2026-11-01,0,2026-11-01,120000,"8.1","F"
11,"I",1,99000001,1,9999,2,2001-01-01,1,8,1,2001-01-01,2001-01-01,2001-01-01,,530000.00,180000.00,530100.00,180100.00,10
11,"I",2,99000002,1,9999,2,2001-01-01,1,8,1,2001-01-01,2001-01-01,2001-01-01,,530200.00,180200.00,530300.00,180300.00,10
15,"I",3,99000001,"ACORN ROAD","EASTSIDE","NORTHBRIDGE","NORTHBRIDGE","ENG"
15,"I",4,99000001,"FFORDD MESEN","","NORTHBRIDGE","NORTHBRIDGE","CYM"
15,"I",5,99000002,"BIRCH LANE","","NORTHBRIDGE","NORTHBRIDGE","ENG"
21,"I",6,100000000001,1,2,2001-01-01,"RD04",,530010.00,180010.00,1,9999,2001-01-01,,2020-01-01,2001-01-01,,"E05000001","",,,
21,"I",7,100000000002,1,2,2001-01-01,"PP",,530020.00,180020.00,1,9999,2001-01-01,,2020-01-01,2001-01-01,,"E05000001","",,,
21,"I",8,100000000003,1,2,2001-01-01,"RD06",100000000002,530020.00,180020.00,1,9999,2001-01-01,,2020-01-01,2001-01-01,,"E05000001","",,,
21,"I",9,100000000004,1,2,2001-01-01,"RD03",,530210.00,180210.00,1,9999,2001-01-01,,2020-01-01,2001-01-01,,"E05000002","",,,
21,"I",10,100000000005,8,2,2001-01-01,"RD03",,530220.00,180220.00,1,9999,2001-01-01,2010-01-01,2020-01-01,2001-01-01,,"E05000002","",,,
24,"I",11,100000000001,"9999L000001","ENG",1,2001-01-01,,2001-01-01,2020-01-01,,,,,"",12,"A",,,"",99000001,,"A","NB1 1AA","NORTHBRIDGE","Y",,,
24,"I",12,100000000001,"9999L000011","ENG",8,2001-01-01,2005-01-01,2001-01-01,2020-01-01,,,,,"",12,,,,"",99000001,,"A","NB1 1AA","NORTHBRIDGE","Y",,,
24,"I",13,100000000002,"9999L000002","ENG",1,2001-01-01,,2001-01-01,2020-01-01,,,,,"",14,,16,,"ROSE COURT",99000001,,"N","NB1 1AB","NORTHBRIDGE","Y",,,
24,"I",14,100000000003,"9999L000003","ENG",1,2001-01-01,,2001-01-01,2020-01-01,2,,,,"FLAT",14,,16,,"ROSE COURT",99000001,,"A","NB1 1AB","NORTHBRIDGE","Y",,,
24,"I",15,100000000003,"9999L000013","CYM",1,2001-01-01,,2001-01-01,2020-01-01,2,,,,"FFLAT",14,,16,,"ROSE COURT",99000001,,"A","NB1 1AB","NORTHBRIDGE","Y",,,
24,"I",16,100000000004,"9999L000004","ENG",1,2001-01-01,,2001-01-01,2020-01-01,,,,,"",,,,,"THE OLD MILL",99000002,,"A","NB2 2BB","NORTHBRIDGE","Y",,,
24,"I",17,100000000005,"9999L000005","ENG",8,2001-01-01,2010-01-01,2001-01-01,2020-01-01,,,,,"",3,,,,"",99000002,,"A","NB2 2BB","NORTHBRIDGE","Y",,,
99,0,17,2026-11-01,120000
"""


def test_dtf81_builds_each_address_from_its_lpi_and_street_descriptor(reference, con):
    (reference / "council_llpg.csv").write_text(DTF)
    _declare(reference, format="dtf81", file="council_llpg.csv")
    loaded, rows = _load(con)
    assert rows == [
        ("100000000001", None, None, "12A", "ACORN ROAD", "EASTSIDE", "NORTHBRIDGE", "NB1 1AA", "E05000001",
         530010.0, 180010.0, "RD04", "12A ACORN ROAD, EASTSIDE, NORTHBRIDGE, NB1 1AA"),
        ("100000000002", None, None, "ROSE COURT 14-16", "ACORN ROAD", "EASTSIDE", "NORTHBRIDGE", "NB1 1AB",
         "E05000001", 530020.0, 180020.0, "PP", "ROSE COURT, 14-16 ACORN ROAD, EASTSIDE, NORTHBRIDGE, NB1 1AB"),
        # the English LPI, not the Welsh one; the flat names its building as parent
        ("100000000003", "100000000002", "FLAT 2", "ROSE COURT 14-16", "ACORN ROAD", "EASTSIDE", "NORTHBRIDGE",
         "NB1 1AB", "E05000001", 530020.0, 180020.0, "RD06",
         "FLAT 2, ROSE COURT, 14-16 ACORN ROAD, EASTSIDE, NORTHBRIDGE, NB1 1AB"),
        ("100000000004", None, None, "THE OLD MILL", "BIRCH LANE", None, "NORTHBRIDGE", "NB2 2BB", "E05000002",
         530210.0, 180210.0, "RD03", "THE OLD MILL, BIRCH LANE, NORTHBRIDGE, NB2 2BB"),
    ]  # 100000000005 is historic (logical status 8): not an address anyone lives at now
    assert loaded.absent_columns == ["polling_district", "latitude", "longitude"]
    assert loaded.details["dtf_version"] == "8.1" and loaded.details["blpus_read"] == 5


def test_dtf81_lpi_on_a_street_with_no_descriptor_is_refused_naming_row_and_column(reference, con):
    lines = DTF.splitlines(keepends=True)
    lines[16] = lines[16].replace("99000002", "99000009")  # THE OLD MILL's LPI, on a street the file lacks
    (reference / "council_llpg.csv").write_text("".join(lines))
    _declare(reference, format="dtf81", file="council_llpg.csv")
    with pytest.raises(GazetteerError, match=r"council_llpg\.csv, row 17, column USRN: 1 LPI.*USRN 99000009"):
        _load(con)


def test_dtf81_change_only_supply_is_refused(reference, con):
    (reference / "council_llpg.csv").write_text(DTF.replace('"8.1","F"', '"8.1","C"'))
    _declare(reference, format="dtf81", file="council_llpg.csv")
    with pytest.raises(GazetteerError, match="change-only supply"):
        _load(con)


# --- OS AddressBase Core ----------------------------------------------------------------------------------
ADDRESSBASE_CORE = (
    "UPRN,PARENT_UPRN,UDPRN,USRN,TOID,CLASSIFICATION_CODE,EASTING,NORTHING,LATITUDE,LONGITUDE,RPC,LAST_UPDATE_DATE,"
    "SINGLE_LINE_ADDRESS,PO_BOX,ORGANISATION,SUB_BUILDING,BUILDING_NAME,BUILDING_NUMBER,STREET_NAME,LOCALITY,"
    "TOWN_NAME,POST_TOWN,ISLAND,POSTCODE,DELIVERY_POINT_SUFFIX,GSS_CODE,CHANGE_CODE\n"
    '200000000001,,1,99000001,osgb1,RD04,530010.00,180010.00,51.5000001,-0.1000001,1,2026-01-01,'
    '"12A, ACORN ROAD, NORTHBRIDGE, NB1 1AA",,,,,12A,ACORN ROAD,,NORTHBRIDGE,NORTHBRIDGE,,NB1 1AA,1A,E07000001,I\n'
    '200000000003,200000000002,2,99000001,osgb2,RD06,530020.00,180020.00,51.5000002,-0.1000002,1,2026-01-01,'
    '"FLAT 2, ROSE COURT, 14 ACORN ROAD, NORTHBRIDGE, NB1 1AB",,,FLAT 2,ROSE COURT,14,ACORN ROAD,EASTSIDE,'
    'NORTHBRIDGE,NORTHBRIDGE,,NB1 1AB,2B,E07000001,I\n')


def test_addressbase_core_maps_its_columns(reference, con):
    (reference / "addressbase_core.csv").write_text(ADDRESSBASE_CORE)
    _declare(reference, format="addressbase_core", file="addressbase_core.csv")
    loaded, rows = _load(con)
    assert rows == [
        ("200000000001", None, None, "12A", "ACORN ROAD", None, "NORTHBRIDGE", "NB1 1AA", None, 530010.0, 180010.0,
         "RD04", "12A, ACORN ROAD, NORTHBRIDGE, NB1 1AA"),
        ("200000000003", "200000000002", "FLAT 2", "ROSE COURT 14", "ACORN ROAD", "EASTSIDE", "NORTHBRIDGE",
         "NB1 1AB", None, 530020.0, 180020.0, "RD06", "FLAT 2, ROSE COURT, 14 ACORN ROAD, NORTHBRIDGE, NB1 1AB"),
    ]
    assert loaded.absent_columns == ["ward", "polling_district"]  # AddressBase has no ward; GSS_CODE is the district
    assert con.execute("SELECT latitude FROM llpg ORDER BY uprn LIMIT 1").fetchone() == (51.5000001,)


# --- any CSV with a column map ----------------------------------------------------------------------------
MAPPED = ("PROPREF;HOUSE;ROAD;TOWN;PCODE;WARDNAME\n"
          "300000000001;7;Mill Lane;Northbridge;NB2 4EF;Riverside\n"
          "300000000002;Flat 1, 9;Mill Lane;Northbridge;NB2 4EF;Riverside\n")


def test_any_csv_with_a_column_map(reference, con):
    (reference / "property_list.csv").write_text(MAPPED)
    _declare(reference, format="csv", file="property_list.csv", delimiter=";",
             columns={"uprn": "PROPREF", "address_text": ["HOUSE", "ROAD", "TOWN"], "postcode": "PCODE",
                      "street": "ROAD", "ward": "WARDNAME"})
    loaded, rows = _load(con)
    assert rows == [
        ("300000000001", None, None, None, "Mill Lane", None, None, "NB2 4EF", "Riverside", None, None, None,
         "7, MILL LANE, NORTHBRIDGE"),
        ("300000000002", None, None, None, "Mill Lane", None, None, "NB2 4EF", "Riverside", None, None, None,
         "FLAT 1, 9, MILL LANE, NORTHBRIDGE"),
    ]
    assert "polling_district" in loaded.absent_columns and "ward" not in loaded.absent_columns


def test_a_column_map_naming_a_column_the_file_lacks_names_the_file_and_key(reference, con):
    (reference / "property_list.csv").write_text(MAPPED)
    _declare(reference, format="csv", file="property_list.csv", delimiter=";",
             columns={"uprn": "PROPREF", "address_text": ["HOUSE", "STREET"], "postcode": "PCODE"})
    with pytest.raises(GazetteerError, match=r"property_list\.csv, row 1 \(header\): column\(s\) for address_text: "
                                             r"\['HOUSE', 'STREET'\] missing \(.*gazetteer\.yaml key columns\)"):
        _load(con)


def test_a_yaml_mistake_names_the_file_and_the_key(reference):
    _declare(reference, format="csv", file="property_list.csv", columns={"uprn": "PROPREF", "adress": "ADDR"})
    with pytest.raises(GazetteerError, match=r"(?s)gazetteer\.yaml.*columns: unknown canonical column\(s\) \['adress'\]"):
        load_config()
    _declare(reference, format="nlpg", file="x.csv")
    with pytest.raises(GazetteerError, match=r"(?s)gazetteer\.yaml.*format"):
        load_config()


def test_a_row_with_no_uprn_is_refused_naming_its_row(reference, con):
    (reference / "property_list.csv").write_text(MAPPED + ";11 Mill Lane;Mill Lane;Northbridge;NB2 4EF;Riverside\n")
    _declare(reference, format="csv", file="property_list.csv", delimiter=";",
             columns={"uprn": "PROPREF", "address_text": ["HOUSE", "ROAD"], "postcode": "PCODE"})
    with pytest.raises(GazetteerError, match=r"property_list\.csv: 1 row\(s\) have no uprn \(column PROPREF\), "
                                             r"e\.g\. row\(s\) 4"):
        _load(con)


# --- the llpg asset ---------------------------------------------------------------------------------------
def test_llpg_builds_without_the_optional_columns_and_says_what_is_missing(reference, tmp_path):
    """The default format (no gazetteer.yaml) with only UPRN, address and postcode: the asset materialises,
    the optional columns are NULL, and its metadata names each absent column and what it limits."""
    (reference / "llpg.csv").write_text("uprn,address_text,postcode\n"
                                        "400000000001,\"3 Birch Lane, Northbridge\",NB2 2BB\n"
                                        "400000000002,\"5 Birch Lane, Northbridge\",\n")
    database = tmp_path / "warehouse.duckdb"
    result = dg.materialize([llpg], resources={"warehouse": DuckDBResource(database=str(database))})
    assert result.success
    meta = result.asset_materializations_for_node("llpg")[0].metadata
    assert meta["dagster/row_count"].value == 2 and meta["rows_without_postcode"].value == 1
    assert meta["absent_columns"].value == ["parent_uprn", "sao", "pao", "street", "locality", "town", "ward",
                                            "polling_district", "easting", "northing", "latitude", "longitude",
                                            "property_type"]
    assert "electoral_canvass_list carries no polling district" in meta["limited_by_absent_columns"].value
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT uprn, address_text, postcode, ward, polling_district FROM llpg ORDER BY uprn"
                           ).fetchall() == [("400000000001", "3 BIRCH LANE, NORTHBRIDGE", "NB2 2BB", None, None),
                                            ("400000000002", "5 BIRCH LANE, NORTHBRIDGE", None, None, None)]
        assert con.execute("SELECT count(*) FROM reference_versions WHERE name = 'llpg'").fetchone() == (1,)


def test_llpg_without_a_required_column_fails_naming_it(reference, tmp_path):
    (reference / "llpg.csv").write_text("uprn,address_text\n400000000001,3 Birch Lane\n")
    result = dg.materialize([llpg], resources={"warehouse": DuckDBResource(database=str(tmp_path / "w.duckdb"))},
                            raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "llpg.csv, row 1 (header): column(s) for postcode: postcode missing (format resident_index)" in failure


def test_dtf81_record_too_short_is_refused_naming_its_row(reference, con):
    lines = DTF.splitlines(keepends=True)
    lines[11] = ",".join(lines[11].split(",")[:20]) + "\n"  # an LPI cut off before its USRN and postcode
    (reference / "council_llpg.csv").write_text("".join(lines))
    _declare(reference, format="dtf81", file="council_llpg.csv")
    with pytest.raises(GazetteerError, match=r"council_llpg\.csv, row 12: a type 24 record has 20 fields, the import "
                                             r"reads up to field 26 \(POST_TOWN\)"):
        _load(con)


def test_messy_addresses_match_to_a_dtf81_gazetteers_uprns(reference, con):
    """What the canonical table is for: uk_address_matcher finds each property from how a system writes it."""
    from resident_index.addresses.match import match_new_addresses

    (reference / "council_llpg.csv").write_text(DTF)
    _declare(reference, format="dtf81", file="council_llpg.csv")
    loaded, _ = _load(con)
    con.execute("""CREATE TABLE extract AS SELECT * FROM (VALUES ('Flat 2 Rose Court, 14 Acorn Rd', 'NB1 1AB'),
                   ('12a Acorn Road Northbridge', 'NB1 1AA'), ('The Old Mill, Birch Lane', 'NB2 2BB')) t(address, postcode)""")
    assert match_new_addresses(con, "extract", loaded.sha256)["addresses_accepted"] == 3
    assert con.execute("SELECT address, uprn FROM address_match_cache ORDER BY address").fetchall() == [
        ("12a Acorn Road Northbridge", "100000000001"), ("Flat 2 Rose Court, 14 Acorn Rd", "100000000003"),
        ("The Old Mill, Birch Lane", "100000000004")]
