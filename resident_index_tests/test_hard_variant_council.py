"""The hard variant ships the council config folder a council delivering it would run (issue 11 item 8)."""

from __future__ import annotations

import filecmp

from resident_index.council import BUNDLED_COUNCIL
from resident_index.sources.spec import load_registry
from resident_index.synthetic import generate_council


def test_hard_variant_writes_a_council_folder_reading_crm_names_in_one_box(tmp_path):
    summary = generate_council(300, seed=5, data_dir=tmp_path, variant="hard")
    folder = tmp_path / "council"
    assert summary["council_folder"] == str(folder)
    crm = next(s for s in load_registry(folder / "sources") if s.name == "crm_contacts")
    assert crm.columns["full_name"] == ["firstname", "lastname"] and crm.name_order == "any"
    assert "forename" not in crm.columns and "surname" not in crm.columns
    # everything else is the bundled council's, byte for byte
    differ = filecmp.dircmp(BUNDLED_COUNCIL, folder)
    assert differ.diff_files == [] and differ.left_only == [] and differ.right_only == []
    sources = filecmp.dircmp(BUNDLED_COUNCIL / "sources", folder / "sources")
    assert sources.diff_files == ["crm_contacts.yaml"] and not sources.left_only and not sources.right_only
    # a second synth replaces the folder it wrote (a stale one would refuse start_council_folder)
    (folder / "sources" / "crm_contacts.yaml").write_text("edited")
    generate_council(300, seed=5, data_dir=tmp_path, variant="hard")
    assert "full_name" in (folder / "sources" / "crm_contacts.yaml").read_text()


def test_the_standard_council_needs_no_folder_of_its_own(tmp_path):
    summary = generate_council(300, seed=5, data_dir=tmp_path)
    assert "council_folder" not in summary and not (tmp_path / "council").exists()
