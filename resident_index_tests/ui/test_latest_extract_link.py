"""Each staged extract links to its source's page on the newest landed extract, where the UI's Materialize
dialog opens with that partition chosen (Dagster lets no definition set the dialog's default)."""

from __future__ import annotations

from pathlib import Path

from resident_index_tests.conftest import materialize_extract, write_library_source


def test_a_staged_extract_links_to_the_newest_landed_extract(tmp_path: Path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(data))
    spec = write_library_source(tmp_path / "registry", data / "landing", day="2026-11-01")
    write_library_source(tmp_path / "registry", data / "landing", day="2026-11-02")  # a newer one landed since
    result = materialize_extract(spec, tmp_path / "w.duckdb", "2026-11-01")
    [mat] = result.asset_materializations_for_node("library_members")
    assert mat.metadata["latest_landed_extract"].value == "2026-11-02"
    assert mat.metadata["materialize_latest_extract"].value == "/assets/library_members?partition=2026-11-02"
