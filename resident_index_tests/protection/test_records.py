"""The records of processing come from the config: every purpose, source and agreement, in words."""

from __future__ import annotations

from resident_index.protection.config import load_protection
from resident_index.sources.spec import load_registry


def test_ropa_dpia_atrs_and_register_name_every_purpose_source_and_agreement(tmp_path, monkeypatch):
    from resident_index.protection import records

    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(tmp_path))
    written = records.write_all(tmp_path / "records")
    assert sorted(p.name for p in written) == sorted(f"{n}.{e}" for n in ("ropa", "dpia", "atrs", "sharing_register")
                                                     for e in ("md", "html"))
    protection, sources = load_protection(), load_registry()
    ropa = (tmp_path / "records" / "ropa.md").read_text()
    for purpose in protection.purposes.values():
        assert purpose.title in ropa and purpose.lawful_basis.strip() in ropa
    for source in sources:
        assert source.title in ropa and source.retention in ropa
    register = (tmp_path / "records" / "sharing_register.md").read_text()
    for name, agreement in protection.agreements.items():
        assert f"| {name} | {agreement.partner} |" in register
    atrs = (tmp_path / "records" / "atrs.md").read_text()
    assert "Link threshold (match probability): 0.9" in atrs
    assert "[DPO to complete]" in (tmp_path / "records" / "dpia.md").read_text()
