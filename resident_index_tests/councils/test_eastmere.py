"""The second council layout, Eastmere: generated as its products write their files, and built by the same
package from its own config folder (resident_index/councils/eastmere/) with nothing edited in between."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from resident_index.council import BUNDLED_COUNCIL
from resident_index.sources.spec import load_registry
from resident_index.synthetic import generate_council
from resident_index.synthetic.layouts import eastmere
from resident_index_tests.conftest import PROJECT, cli, project_env

EASTMERE = BUNDLED_COUNCIL.parent / "eastmere"
DAY = "2026-11-01"
RESIDENTS = 300


def _rows(spec, path: Path) -> tuple[list[str], list[dict]]:
    text = path.read_bytes().decode(spec.landing.encoding)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=spec.landing.delimiter)
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("eastmere") / "data"
    generate_council(RESIDENTS, seed=5, data_dir=data, council="eastmere")
    return data


def test_its_folder_describes_the_files_it_writes(generated):
    specs = load_registry(EASTMERE / "sources")
    assert sorted(s.name for s in specs) == sorted(s.name for s in eastmere.SYSTEMS.values())
    truth = pl.read_csv(generated / "truth" / "records.csv", infer_schema=False)
    assert set(truth["extract_date"]) == {DAY}  # one snapshot
    for spec in specs:
        assert sorted(p.name for p in (generated / "landing" / spec.landing.folder).iterdir()) == [
            f"{DAY}.{spec.landing.extension}"]
        header, rows = _rows(spec, spec.landing.extract_path(generated / "landing", DAY))
        assert rows, spec.name
        for column in spec.source_columns() + spec.required_columns:
            assert column in header, (spec.name, column)
        ids = {r[spec.columns["source_record_id"]] for r in rows}
        known = set(truth.filter(pl.col("source_system") == spec.name)["source_record_id"])
        if spec.second_person is None:
            assert known == ids, spec.name
        else:  # the parent in the pupil's row is a record of its own: <id>~2
            assert {i for i in known if not i.endswith("~2")} == ids
            assert {i for i in known if i.endswith("~2")} and {i[:-2] for i in known if i.endswith("~2")} <= ids


def test_its_codes_and_formats_are_not_the_bundled_councils(generated):
    by_name = {s.name: s for s in load_registry(EASTMERE / "sources")}
    revs = by_name["northgate_revs"]
    _, rows = _rows(revs, revs.landing.extract_path(generated / "landing", DAY))
    assert {r["LiableOrder"] for r in rows} == {"1", "2"} and {r["DiscountCode"] for r in rows} >= {"SPD", ""}
    assert not any("," in r["PartyName"] for r in rows) and all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["LiabFrom"])
                                                                 for r in rows)
    housing = by_name["cx_housing"]
    _, rows = _rows(housing, housing.landing.extract_path(generated / "landing", DAY))
    assert {r["TenantCode"] for r in rows} <= {"T1", "T2", "HM"} and {"T1", "T2"} <= {r["TenantCode"] for r in rows}
    # its gazetteer is a property list in its own columns, read through gazetteer.yaml's column map
    assert not (generated / "reference" / "llpg.csv").exists()
    gazetteer = yaml.safe_load((generated / "reference" / "gazetteer.yaml").read_text())
    assert gazetteer["format"] == "csv" and gazetteer["columns"]["uprn"] == "UPRN"
    llpg = pl.read_csv(generated / "reference" / gazetteer["file"], infer_schema=False)
    assert llpg["POSTCODE"].str.starts_with("EM").all() and set(llpg["TOWN"]) == {"EASTMERE"}


def test_same_seed_same_bytes(tmp_path, generated):
    again = tmp_path / "again"
    generate_council(RESIDENTS, seed=5, data_dir=again, council="eastmere")
    for path in sorted(generated.rglob("*.*")):
        assert (again / path.relative_to(generated)).read_bytes() == path.read_bytes(), path


def test_no_python_or_sql_names_an_eastmere_system():
    names = re.compile("|".join(sorted(s.name for s in eastmere.SYSTEMS.values())))
    package = PROJECT / "resident_index"
    found = [f"{path.relative_to(PROJECT)}:{n}" for path in sorted(package.rglob("*")) if path.suffix in (".py", ".sql")
             and not path.is_relative_to(package / "synthetic") and not path.is_relative_to(package / "councils")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if names.search(line)]
    assert not found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """A 300-resident Eastmere built end to end by `resident-index run` from a copy of its config folder."""
    root = tmp_path_factory.mktemp("eastmere_build")
    folder = shutil.copytree(EASTMERE, root / "council")
    env = project_env(root / "data", folder / "sources")
    synth = cli(env, "synth", "--residents", str(RESIDENTS), "--seed", "5", "--council", "eastmere")
    assert synth.returncode == 0, synth.stderr
    run = cli(env, "run")
    assert run.returncode == 0, run.stdout + run.stderr
    return {"stdout": run.stdout, "warehouse": root / "data" / "warehouse.duckdb"}


def test_builds_from_its_folder_with_every_extract_accepted(built):
    lines = {line.split()[0]: line.split() for line in built["stdout"].splitlines() if line.split()
             and line.split()[0] in {s.name for s in eastmere.SYSTEMS.values()}}
    assert len(lines) == len(eastmere.SYSTEMS)
    for name, cells in lines.items():
        extracts, landed, staged, quarantined, accepted = (int(c) for c in cells[1:6])
        assert (extracts, accepted, quarantined) == (1, 1, 0) and landed == staged > 0, cells


def test_its_marts_and_golden_record_are_not_empty(built):
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        for table in ("golden_residents", "households", "relationships", "electoral_validation",
                      "electoral_canvass_list", "service_use", "demand_by_ward_age", "fraud_sublets",
                      "fraud_entitlements_after_death", "fraud_multiple_identities"):
            assert count(f"SELECT count(*) FROM {table}") > 0, table
        # codes mapped: every record of a system with role or status codes has a canonical value
        assert count("""SELECT count(*) FROM person_records WHERE (role_code IS NOT NULL AND role IS NULL)
                        OR (status_code IS NOT NULL AND status IS NULL)""") == 0
        # the parent in a pupil's admissions row is linked to the pupil
        assert count("""SELECT count(*) FROM relationships r, unnest(r.evidence) e
                        WHERE r.type = 'parent_or_carer_of' AND e.unnest.source = 'one_admissions'""") > 0
        # the golden record's accuracy is scored against Eastmere's truth (system names and ids its own)
        golden = con.execute("SELECT result->>'$.name_correct', result->>'$.current_uprn_correct' "
                             "FROM golden_evaluation").fetchone()
        assert float(golden[0]) > 0.9 and float(golden[1]) > 0.9
    finally:
        con.close()
