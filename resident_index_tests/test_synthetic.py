"""The synthetic council: deterministic, complete, truthful, and described by its registry YAMLs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import polars as pl
import pytest

from resident_index.sources.spec import BUNDLED_REGISTRY, load_registry
from resident_index.synthetic import generate_council
from resident_index.synthetic.systems import SYSTEMS

RESIDENTS = 600
DATES = ["2026-10-31", "2026-11-01"]


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("synth") / "data"
    summary = generate_council(RESIDENTS, seed=11, data_dir=root)
    return root, summary


def _header_and_rows(spec, path: Path) -> tuple[list[str], list[dict]]:
    text = path.read_bytes().decode(spec.landing.encoding)
    if spec.landing.format == "jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        return list(rows[0]), rows
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=spec.landing.delimiter,
                            quotechar=spec.landing.quotechar)
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path, council):
    root, _ = council
    again = tmp_path / "again"
    generate_council(RESIDENTS, seed=11, data_dir=again)
    assert _digest(again) == _digest(root)
    other = tmp_path / "other"
    generate_council(RESIDENTS, seed=12, data_dir=other)
    assert _digest(other) != _digest(root)


def test_regenerating_replaces_only_generated_folders(tmp_path):
    data = tmp_path / "data"
    (data / "landing" / "stale_system").mkdir(parents=True)
    (data / "landing" / "stale_system" / "2020-01-01.csv").write_text("x\n")
    (data / "warehouse.duckdb").write_text("keep me")
    generate_council(300, seed=3, data_dir=data)
    assert not (data / "landing" / "stale_system").exists()
    assert (data / "warehouse.duckdb").read_text() == "keep me"


def test_summary(council):
    _, summary = council
    assert 0.85 * RESIDENTS <= summary["residents"] <= 1.2 * RESIDENTS
    assert summary["households"] > 0 and summary["addresses"] >= summary["households"]
    assert set(summary["records"]) == {m.NAME for m in SYSTEMS} and len(SYSTEMS) >= 11
    assert summary["seconds"] >= 0


def test_every_system_has_both_extracts_that_differ(council):
    root, _ = council
    for spec in load_registry(BUNDLED_REGISTRY):
        files = [spec.landing.extract_path(root / "landing", d) for d in DATES]
        assert all(f.exists() and f.stat().st_size > 0 for f in files), spec.name
        assert files[0].read_bytes() != files[1].read_bytes(), spec.name


def test_registry_describes_the_files_written(council):
    root, _ = council
    specs = load_registry(BUNDLED_REGISTRY)
    assert {s.name for s in specs} >= {m.NAME for m in SYSTEMS}
    for spec in specs:
        for day in DATES:
            header, rows = _header_and_rows(spec, spec.landing.extract_path(root / "landing", day))
            assert rows, (spec.name, day)
            for column in spec.source_columns() + spec.required_columns:
                assert column in header, (spec.name, column)
            ids = [r[spec.columns["source_record_id"]] for r in rows]
            assert all(ids) and len(set(ids)) == len(ids), spec.name
            if spec.landing.format == "csv":
                assert all(len(r) == len(header) and None not in r for r in rows), spec.name


def test_modules_and_yamls_agree_on_landing(council):
    by_name = {s.name: s for s in load_registry(BUNDLED_REGISTRY)}
    for module in SYSTEMS:
        spec = by_name[module.NAME].landing
        for key, value in module.LANDING.items():
            if key != "delimiter" or spec.format == "csv":
                assert getattr(spec, key) == value, (module.NAME, key)


def test_truth_covers_every_landed_record_exactly_once(council):
    root, _ = council
    truth = pl.read_csv(root / "truth" / "records.csv", infer_schema=False)
    assert truth.select(pl.struct("source_system", "source_record_id", "extract_date").is_unique().all()).item()
    persons = set(pl.read_csv(root / "truth" / "persons.csv", infer_schema=False)["person_id"])
    assert set(truth["person_id"]) <= persons
    for spec in load_registry(BUNDLED_REGISTRY):
        for day in DATES:
            _, rows = _header_and_rows(spec, spec.landing.extract_path(root / "landing", day))
            landed = {str(r[spec.columns["source_record_id"]]) for r in rows}
            known = set(truth.filter((pl.col("source_system") == spec.name) & (pl.col("extract_date") == day))
                        ["source_record_id"])
            assert landed == known and len(landed) == len(rows), (spec.name, day)


def test_truth_files_have_their_columns(council):
    root, _ = council
    expect = {
        "persons.csv": ["person_id", "forename", "middle_names", "surname", "birth_surname", "sex", "dob",
                        "nhs_number", "ni_number", "date_of_death", "current_uprn", "moved_out_date", "household_id"],
        "residence.csv": ["person_id", "uprn", "from_date", "to_date"],
        "hard_cases.csv": ["case_type", "person_id_a", "person_id_b"],
        "planted_cases.csv": ["case_type", "person_id", "uprn", "detail"],
        "electoral_truth.csv": ["source_record_id", "person_id", "lives_at_registered_address_now", "reason"],
    }
    for name, columns in expect.items():
        assert pl.read_csv(root / "truth" / name, infer_schema=False, n_rows=1).columns == columns, name
    llpg = pl.read_csv(root / "reference" / "llpg.csv", infer_schema=False)
    assert llpg["uprn"].is_unique().all() and llpg["uprn"].str.contains(r"^\d{12}$").all()
    assert llpg["postcode"].str.contains(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$").all()
    assert set(llpg["parent_uprn"].drop_nulls()) <= set(llpg["uprn"])


def test_planted_and_hard_cases_are_present(council):
    root, _ = council
    planted = pl.read_csv(root / "truth" / "planted_cases.csv", infer_schema=False)
    assert set(planted["case_type"]) >= {"single_person_discount", "sublet", "entitlement_after_death",
                                         "false_school_address", "multiple_identity"}
    hard = pl.read_csv(root / "truth" / "hard_cases.csv", infer_schema=False)
    assert set(hard["case_type"]) >= {"twins", "father_son", "common_name"}
    persons = pl.read_csv(root / "truth" / "persons.csv", infer_schema=False)
    twins = hard.filter(pl.col("case_type") == "twins").join(
        persons.select(pl.col("person_id").alias("person_id_a"), pl.col("dob").alias("dob_a")), on="person_id_a"
    ).join(persons.select(pl.col("person_id").alias("person_id_b"), pl.col("dob").alias("dob_b")), on="person_id_b")
    assert (twins["dob_a"] == twins["dob_b"]).all()
    # every entitlement after death is of someone the NHS feed records as dead
    dead = set(persons.filter(pl.col("date_of_death").is_not_null())["person_id"])
    assert set(planted.filter(pl.col("case_type") == "entitlement_after_death")["person_id"]) <= dead


def test_register_and_council_tax_hold_no_date_of_birth(council):
    root, _ = council
    for spec in load_registry(BUNDLED_REGISTRY):
        if spec.name in ("electoral_register", "council_tax"):
            assert "dob" not in spec.columns
            header, _ = _header_and_rows(spec, spec.landing.extract_path(root / "landing", DATES[1]))
            assert not [h for h in header if "dob" in h.lower() or "birth" in h.lower()], spec.name


def test_a_tiny_council_still_generates(tmp_path):
    summary = generate_council(300, seed=5, data_dir=tmp_path)
    assert all(sum(days.values()) > 0 for days in summary["records"].values())


# -- the hard variant (issue 11 item 8): one snapshot, CRM names in any order, no address, mixed phones --

HARD_RESIDENTS = 300


@pytest.fixture(scope="module")
def hard(tmp_path_factory) -> tuple[Path, Path]:
    """The same council as the standard one and its hard variant, side by side."""
    base = tmp_path_factory.mktemp("hard")
    generate_council(HARD_RESIDENTS, seed=11, data_dir=base / "standard")
    generate_council(HARD_RESIDENTS, seed=11, data_dir=base / "hard", variant="hard")
    return base / "standard", base / "hard"


def _crm(root: Path) -> pl.DataFrame:
    truth = pl.read_csv(root / "truth" / "records.csv", infer_schema=False).filter(
        (pl.col("source_system") == "crm_contacts") & (pl.col("extract_date") == DATES[1]))
    persons = pl.read_csv(root / "truth" / "persons.csv", infer_schema=False)
    rows = pl.read_ndjson(root / "landing" / "crm_contacts" / f"{DATES[1]}.jsonl", infer_schema_length=None)
    return (rows.join(truth.select(contactid="source_record_id", person_id="person_id"), on="contactid")
            .join(persons.select("person_id", true_forename="forename", true_surname="surname"), on="person_id"))


def test_hard_variant_ships_one_snapshot_and_same_seed_same_bytes(tmp_path, hard):
    standard, root = hard
    for spec in load_registry(BUNDLED_REGISTRY):
        files = sorted(p.name for p in (root / "landing" / spec.landing.folder).iterdir())
        assert files == [f"{DATES[1]}.{spec.landing.extension}"], spec.name
    truth = pl.read_csv(root / "truth" / "records.csv", infer_schema=False)
    assert set(truth["extract_date"]) == {DATES[1]}
    again = tmp_path / "again"
    generate_council(HARD_RESIDENTS, seed=11, data_dir=again, variant="hard")
    assert _digest(again) == _digest(root)
    # the variant rewrites only what it says: a system it leaves alone is the standard one's latest extract
    name = f"{DATES[1]}.csv"
    assert (root / "landing" / "council_tax" / name).read_bytes() == (standard / "landing" / "council_tax" / name).read_bytes()
    with pytest.raises(ValueError, match="unknown synthetic council variant"):
        generate_council(HARD_RESIDENTS, seed=11, data_dir=tmp_path / "bad", variant="harder")


def test_hard_variant_crm_names_in_one_box_in_any_order(hard):
    crm = _crm(hard[1])
    assert crm["firstname"].is_null().all()
    assert not crm["lastname"].str.contains(",").any()
    words = crm["lastname"].str.to_uppercase().str.split(" ")
    first_word, last_word = words.list.first(), words.list.last()
    surname_first = (first_word == crm["true_surname"].str.to_uppercase()).mean()
    forename_first = (last_word == crm["true_surname"].str.to_uppercase()).mean()
    assert surname_first > 0.45 and forename_first > 0.2, (surname_first, forename_first)
    # "SMITH John": the surname in capitals before a forename in title case
    shouted = crm["lastname"].str.contains(r"^[A-Z'\-]{2,} [A-Z][a-z]").mean()
    assert shouted > 0.2, shouted


def test_hard_variant_crm_has_a_third_without_address_and_one_phone_column(hard):
    standard, root = hard
    crm = _crm(root)
    no_address = (crm["address1_composite"].is_null() & crm["address1_postalcode"].is_null()).mean()
    assert 0.25 < no_address < 0.42, no_address
    assert _crm(standard)["address1_composite"].is_null().mean() < 0.01
    assert crm["mobilephone"].is_null().all()
    phones = crm["telephone1"].drop_nulls()
    assert phones.str.starts_with("07").mean() > 0.2 and (~phones.str.starts_with("07")).mean() > 0.05


def test_hard_variant_nhs_feed_gives_no_start_date(hard):
    feed = pl.read_ndjson(hard[1] / "landing" / "nhs_demographics" / f"{DATES[1]}.jsonl", infer_schema_length=None)
    assert "registration_date" in feed.columns and feed["registration_date"].is_null().all()


def test_a_borough_with_more_blocks_of_flats_than_block_names_reuses_names():
    """At 1,000,000 residents the generator names more blocks than there are root x block-type names (1,980):
    it used to draw forever for an unused one."""
    import threading

    import numpy as np

    from resident_index.synthetic.gazetteer import BLOCK_TYPES, _block_name, street_roots

    every = {f"{root} {kind}" for root in street_roots() for kind in BLOCK_TYPES}
    named: list[str] = []
    worker = threading.Thread(target=lambda: named.append(_block_name(np.random.default_rng(1), set(every))),
                              daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert named and named[0] in every


def test_more_people_than_the_nhs_test_range_holds_get_numbers_no_service_issues():
    """The 999 test range holds about 909,000 valid NHS numbers; a 1,000,000-resident council needs more."""
    import numpy as np

    from resident_index.synthetic.identifiers import TEST_RANGE_PEOPLE, nhs_check_digit, nhs_numbers

    small = nhs_numbers(np.random.default_rng(1), 1_000)
    assert (small // 10_000_000 == 999).all()
    many = nhs_numbers(np.random.default_rng(1), TEST_RANGE_PEOPLE + 100_000)
    assert many.size == np.unique(many).size == TEST_RANGE_PEOPLE + 100_000
    assert ((many // 10_000_000 >= 900) & (many // 10_000_000 <= 999)).all()  # no UK service issues 900-999
    assert (nhs_check_digit(many // 10) == many % 10).all()
    # a council that needs a second draw from the test range (300,000 people: the first gives too few once
    # duplicates and unusable check digits are out) gets its numbers from the same range (the second draw
    # once started from the positions of the first's distinct numbers and failed)
    middling = nhs_numbers(np.random.default_rng(1), 400_000)
    assert middling.size == np.unique(middling).size == 400_000
    assert (middling // 10_000_000 == 999).all() and (nhs_check_digit(middling // 10) == middling % 10).all()
