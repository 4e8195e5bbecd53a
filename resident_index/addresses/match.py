"""Match free-text addresses to the council's gazetteer (LLPG) UPRNs with uk_address_matcher.

Addresses written as the gazetteer writes them are matched first by a join on a normalised key (exact.sql);
only the rest go to the fuzzy matcher. Matching is the slow part of standardisation, so results are cached by
(address, postcode) and the gazetteer's checksum: a daily run matches only addresses it has not seen before, and a new gazetteer
re-matches everything. The gazetteer itself is cleaned and indexed once per checksum (uk_address_matcher's
prepared canonical folder, under data/reference/prepared_llpg/), not on every run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import yaml

from resident_index.council import config_file
from resident_index.settings import reference_dir


CACHE_DDL = """
CREATE TABLE IF NOT EXISTS address_match_cache (
    address VARCHAR, postcode VARCHAR, llpg_sha256 VARCHAR,
    uprn VARCHAR, match_weight DOUBLE, distinguishability DOUBLE, match_reason VARCHAR, accepted BOOLEAN
)
"""


EXACT_SQL = (Path(__file__).parent / "exact.sql").read_text(encoding="utf-8")


def settings() -> dict:
    return yaml.safe_load(config_file("address_matching.yaml").read_text(encoding="utf-8"))


def prepared_gazetteer(con: duckdb.DuckDBPyConnection, llpg_sha256: str) -> Path:
    """The gazetteer cleaned, tokenised and indexed for matching, prepared once per gazetteer checksum."""
    from uk_address_matcher import prepare_canonical_folder

    root = reference_dir() / "prepared_llpg"
    folder = root / llpg_sha256[:16]
    if not (folder / "ukam_manifest.json").exists():
        shutil.rmtree(root, ignore_errors=True)  # one gazetteer at a time: an older one is no longer used
        prepare_canonical_folder(con.sql("SELECT uprn AS unique_id, address_text AS address_concat, postcode FROM llpg"),
                                 folder, con=con, show_progress="off")
    return folder


def match_new_addresses(con: duckdb.DuckDBPyConnection, to_match: str, llpg_sha256: str) -> dict:
    """Match the distinct (address, postcode) pairs of relation `to_match` that the cache lacks.

    Returns figures for metadata: how many pairs were new, matched exactly, sent to the fuzzy matcher, accepted.
    """
    con.execute(CACHE_DDL)
    con.execute("DELETE FROM address_match_cache WHERE llpg_sha256 <> ?", [llpg_sha256])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _new_addresses AS
        SELECT row_number() OVER (ORDER BY t.address, t.postcode)::VARCHAR AS unique_id,
               t.address AS address_concat, t.postcode, t.address, t.postcode AS postcode_key
        FROM (SELECT DISTINCT address, postcode FROM {to_match} WHERE address IS NOT NULL) t
        ANTI JOIN address_match_cache c ON c.address = t.address AND c.postcode IS NOT DISTINCT FROM t.postcode
    """)
    new = con.execute("SELECT count(*) FROM _new_addresses").fetchone()[0]
    exact = 0
    if new and not con.execute("SELECT count(*) FROM llpg").fetchone()[0]:
        con.execute("""INSERT INTO address_match_cache SELECT address, postcode_key, ?, NULL, NULL, NULL,
                       'no gazetteer loaded', false FROM _new_addresses""", [llpg_sha256])
        con.execute("DELETE FROM _new_addresses")
    elif new:
        con.execute(EXACT_SQL)
        con.execute("""INSERT INTO address_match_cache SELECT n.address, n.postcode_key, ?, e.uprn, NULL, NULL,
                       'exact: gazetteer address and postcode', true
                       FROM _new_addresses n JOIN _exact_addresses e USING (unique_id)""", [llpg_sha256])
        exact = con.execute("SELECT count(*) FROM _exact_addresses").fetchone()[0]
        con.execute("DELETE FROM _new_addresses WHERE unique_id IN (SELECT unique_id FROM _exact_addresses)")
    fuzzy = con.execute("SELECT count(*) FROM _new_addresses").fetchone()[0]
    if fuzzy:
        from uk_address_matcher import AddressMatcher  # heavy import, only when there is work

        messy = con.sql("SELECT unique_id, address_concat, postcode FROM _new_addresses")
        result = AddressMatcher(canonical_addresses=str(prepared_gazetteer(con, llpg_sha256)),
                                addresses_to_match=messy, con=con, show_progress="off").match()
        con.register("_matches", result.matches())
        cfg = settings()
        con.execute("""
            INSERT INTO address_match_cache
            SELECT n.address, n.postcode_key, ?, m.resolved_canonical_id, m.match_weight, m.distinguishability,
                   coalesce(m.match_reason, 'unmatched'),
                   m.resolved_canonical_id IS NOT NULL AND (
                       m.match_reason ILIKE '%exact%'
                       OR (m.match_weight >= ? AND coalesce(m.distinguishability, 99) >= ?))
            FROM _new_addresses n LEFT JOIN _matches m USING (unique_id)
        """, [llpg_sha256, cfg["min_match_weight"], cfg["min_distinguishability"]])
        con.unregister("_matches")
        result.close()
    accepted = con.execute("SELECT count(*) FILTER (accepted), count(*) FROM address_match_cache").fetchone()
    return {"addresses_newly_matched": new, "addresses_matched_exactly": exact,
            "addresses_to_fuzzy_matcher": fuzzy, "addresses_cached": accepted[1], "addresses_accepted": accepted[0]}
