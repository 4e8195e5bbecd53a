"""The review queue holds only pairs whose verdict changes the index, one per pair of residents, ranked by
what the verdict would move; a reviewer's "same" that a rule refuses shows there instead of vanishing."""

import duckdb

from resident_index.resolution.review import build_review_queue, record_verdict, verdict_conflict

CFG = {"link_threshold": 0.9, "review_threshold": 0.8}

# record -> (resident, nhs_number, ni8)
RECORDS = {
    "s|a1": ("R1", None, None), "s|a2": ("R1", None, None), "s|a3": ("R1", None, None),  # resident R1: 3 records
    "s|b1": ("R2", None, None), "s|b2": ("R2", None, None),  # R2: 2 records
    "s|c1": ("R3", None, None),  # R3: 1 record
    "s|d1": ("R4", "9434765919", None), "s|e1": ("R5", "9434765870", None),  # two NHS numbers
    "s|f1": ("R6", None, None), "s|g1": ("R7", None, None),  # parted by a registry rule
    "s|h1": ("R8", None, "AB123456"), "s|i1": ("R9", None, "CD654321"),  # two NI numbers
    "s|j1": ("R10", None, None), "s|k1": ("R11", None, None),  # a liability begun 2008, a child born 2010
}
AGES = {"s|j1": ("1990-01-01", None), "s|k1": (None, "2010-05-01")}  # record -> (latest_dob, dob)
PAIRS = [  # (left, right, probability)
    ("s|a1", "s|b1", 0.85), ("s|a2", "s|b2", 0.83), ("s|a3", "s|b1", 0.81),  # three pairs, one pair of residents
    ("s|a1", "s|c1", 0.88),
    ("s|d1", "s|e1", 0.87), ("s|f1", "s|g1", 0.86), ("s|h1", "s|i1", 0.84),
    ("s|a1", "s|a2", 0.82),  # already one resident: "same" changes nothing
    ("s|c1", "s|f1", 0.50),  # below the review threshold
    ("s|j1", "s|k1", 0.95),  # a father and the son named after him: parted by age, as clustering holds
]


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    rows = [(uid, uid.split("|")[0], uid.split("|")[1], res, nhs, ni) for uid, (res, nhs, ni) in RECORDS.items()]
    con.execute("CREATE TABLE _r (unique_id VARCHAR, source_system VARCHAR, source_record_id VARCHAR, "
                "resident_id VARCHAR, nhs_number VARCHAR, ni8 VARCHAR)")
    con.executemany("INSERT INTO _r VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute("""CREATE TABLE resolution_input AS SELECT unique_id, source_system, source_record_id, nhs_number, ni8,
                   NULL::DATE AS latest_dob, NULL::DATE AS dob_checked, md5(unique_id) AS record_hash FROM _r""")
    for uid, (latest, dob) in AGES.items():
        con.execute("UPDATE resolution_input SET latest_dob = ?::DATE, dob_checked = ?::DATE WHERE unique_id = ?",
                    [latest, dob, uid])
    con.execute("""CREATE TABLE resident_crosswalk AS SELECT source_system, source_record_id, resident_id,
                   1.0 AS match_probability, 'model' AS linked_by, DATE '2026-11-01' AS first_seen,
                   DATE '2026-11-01' AS last_seen FROM _r""")
    con.execute("""CREATE TABLE person_records AS SELECT source_system, source_record_id, 'JOHN' AS forename,
                   NULL::VARCHAR AS middle_names, 'SMITH' AS surname, NULL::DATE AS dob, NULL::VARCHAR AS address,
                   NULL::VARCHAR AS postcode, NULL::VARCHAR AS uprn, nhs_number, ni8 || 'A' AS ni_number FROM _r""")
    con.execute("CREATE TABLE resolution_pairs (unique_id_l VARCHAR, unique_id_r VARCHAR, match_probability DOUBLE, "
                "match_weight DOUBLE, breakdown JSON)")
    con.executemany("INSERT INTO resolution_pairs VALUES (?, ?, ?, 1.0, '{}')", PAIRS)
    con.execute("CREATE TABLE cluster_state_apart AS SELECT 's|f1' AS a, 's|g1' AS b, 'distinct_at_address' AS why")
    return con


def _queue(con) -> list[tuple]:
    build_review_queue(con, CFG)
    return con.execute("""SELECT unique_id_l, unique_id_r, records_moved, reason FROM review_queue
                          ORDER BY priority DESC, match_probability DESC""").fetchall()


def test_only_pairs_whose_verdict_changes_the_index_one_per_pair_of_residents_ranked_by_records_moved():
    """Out: two NHS numbers, a registry rule, two NI numbers, one resident already, below the threshold, and
    a resident born after the latest date the other's records allow (an age the rules part with certainty)."""
    con = _warehouse()
    assert _queue(con) == [("s|a1", "s|b1", 2, "uncertain match"),  # moves 2 records (R2 into R1)
                           ("s|a1", "s|c1", 1, "uncertain match")]


def test_a_same_verdict_on_two_ni_numbers_is_told_at_once_and_stays_in_the_queue_as_refused():
    con = _warehouse()
    told = record_verdict(con, "s|h1", "s|i1", "same", "test")
    assert "different NI numbers" in told and "stay apart" in told
    assert verdict_conflict(con, "s|a1", "s|b1") is None
    assert record_verdict(con, "s|a1", "s|c1", "different", "test") is None
    queue = _queue(con)
    assert ("s|h1", "s|i1", 1, 'your "same" verdict is refused: different NI numbers') in queue
    assert all(row[:2] != ("s|a1", "s|c1") for row in queue)  # decided: out of the queue
