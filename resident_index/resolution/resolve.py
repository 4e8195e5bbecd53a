"""From scored pairs to residents: links, constrained clusters, persistent IDs, the crosswalk.

Reads resolution_input, resolution_pairs and review_decisions in the warehouse; writes
resident_crosswalk (every record exactly once), resident_id_history and review_queue.
"""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pyarrow as pa

from resident_index.resolution.clustering import ConflictRules, Evidence, Link, cluster
from resident_index.resolution.identity import assign_ids, id_number

STATE_DDL = """
CREATE TABLE IF NOT EXISTS review_decisions (
    unique_id_l VARCHAR, unique_id_r VARCHAR,
    verdict VARCHAR CHECK (verdict IN ('same', 'different')),
    reviewer VARCHAR, note VARCHAR, decided_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS resident_id_history (
    run_id VARCHAR, recorded_at TIMESTAMP, event VARCHAR, resident_id VARCHAR, related_id VARCHAR, records BIGINT
);
CREATE TABLE IF NOT EXISTS resident_crosswalk (
    source_system VARCHAR, source_record_id VARCHAR, resident_id VARCHAR, match_probability DOUBLE,
    linked_by VARCHAR, first_seen DATE, last_seen DATE
);
"""


def ensure_state(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(STATE_DDL)


STRONG = ("(l.nhs_number = r.nhs_number OR l.ni8 = r.ni8 OR l.shared_id = r.shared_id) IS TRUE")


def _links(con: duckdb.DuckDBPyConnection, cfg: dict) -> list[Link]:
    """Model links above the link threshold, deterministic rule links, and reviewers' 'same' verdicts."""
    links = con.execute(f"""SELECT p.unique_id_l, p.unique_id_r, p.match_probability, 'model', {STRONG}
                            FROM resolution_pairs p
                            JOIN resolution_input l ON l.unique_id = p.unique_id_l
                            JOIN resolution_input r ON r.unique_id = p.unique_id_r
                            WHERE p.match_probability >= ?""", [cfg["link_threshold"]]).fetchall()
    for rule in cfg.get("link_rules", []):
        links += con.execute(f"""SELECT l.unique_id, r.unique_id, 1.0::DOUBLE, 'rule', {STRONG}
                                 FROM resolution_input l JOIN resolution_input r
                                   ON l.unique_id < r.unique_id AND ({rule})""").fetchall()
    links += con.execute("""SELECT unique_id_l, unique_id_r, 1.0::DOUBLE, 'reviewer', true FROM latest_decisions
                            WHERE verdict = 'same'""").fetchall()
    return links


def _latest_decisions(con: duckdb.DuckDBPyConnection) -> None:
    """A reviewer's latest verdict on a pair wins (pairs are stored in id order)."""
    con.execute("""CREATE OR REPLACE TEMP VIEW latest_decisions AS
                   SELECT least(unique_id_l, unique_id_r) AS unique_id_l,
                          greatest(unique_id_l, unique_id_r) AS unique_id_r, verdict
                   FROM review_decisions
                   QUALIFY row_number() OVER (PARTITION BY least(unique_id_l, unique_id_r),
                                              greatest(unique_id_l, unique_id_r) ORDER BY decided_at DESC) = 1""")


def resolve(con: duckdb.DuckDBPyConnection, cfg: dict, run_id: str) -> dict:
    """Cluster, assign IDs and write the crosswalk; returns figures for metadata."""
    ensure_state(con)
    _latest_decisions(con)
    evidence = {uid: Evidence({nhs} if nhs else set(), {ni} if ni else set(), {dob} if dob else set(), latest,
                              {phone} if phone else set(), {email} if email else set())
                for uid, nhs, ni, dob, latest, phone, email in con.execute(
                    "SELECT unique_id, nhs_number, ni8, dob, latest_dob, phone, email FROM resolution_input").fetchall()}
    apart = {frozenset(p) for p in con.execute(
        "SELECT unique_id_l, unique_id_r FROM latest_decisions WHERE verdict = 'different'").fetchall()}
    # a system that never lists one person twice at one address: its records at one UPRN are different people
    apart |= {frozenset(p) for p in con.execute(
        """SELECT l.unique_id, r.unique_id FROM resolution_input l JOIN resolution_input r
           ON l.source_system = r.source_system AND l.uprn = r.uprn AND l.unique_id < r.unique_id
           WHERE l.distinct_at_address""").fetchall()}
    rules = ConflictRules(**cfg.get("conflicts", {}))
    links = _links(con, cfg)
    clusters = cluster(evidence, links, apart, rules)

    previous = dict(con.execute("""SELECT source_system || '|' || source_record_id, resident_id
                                   FROM resident_crosswalk""").fetchall())
    issued = con.execute("SELECT max(resident_id) FROM resident_id_history WHERE event IN ('mint', 'split')").fetchone()[0]
    assignment = assign_ids(clusters.cluster_of, previous, id_number(issued) + 1 if issued else 1)

    con.register("_assigned", _assigned_table(assignment.resident_of, clusters.attached_by))
    con.execute("""
        CREATE OR REPLACE TABLE resident_crosswalk AS
        SELECT i.source_system, i.source_record_id, a.resident_id, a.match_probability, a.linked_by,
               p.first_seen, p.last_seen
        FROM _assigned a
        JOIN resolution_input i USING (unique_id)
        JOIN person_records p USING (source_system, source_record_id)
        ORDER BY resident_id, source_system, source_record_id""")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if assignment.events:
        event, resident, related, records = (list(c) for c in zip(*assignment.events))
        con.register("_events", pa.table({
            "run_id": pa.array([run_id] * len(event), pa.string()), "recorded_at": pa.array([now] * len(event), pa.timestamp("us")),
            "event": event, "resident_id": resident, "related_id": pa.array(related, pa.string()),
            "records": pa.array(records, pa.int64())}))
        con.execute("INSERT INTO resident_id_history SELECT * FROM _events")
        con.unregister("_events")
    events: dict[str, int] = {}
    for event in assignment.events:
        events[event[0]] = events.get(event[0], 0) + 1
    residents = len(set(assignment.resident_of.values()))
    con.unregister("_assigned")
    return {"records": len(assignment.resident_of), "residents": residents, "links": len(links),
            "id_events": events, "links_refused_by_conflict": clusters.refused}


def _assigned_table(resident_of: dict[str, str], attached_by: dict[str, tuple[float, str]]) -> pa.Table:
    """record -> resident id, with the probability and kind of the link that joined it (none: a singleton)."""
    ids = list(resident_of)
    return pa.table({
        "unique_id": pa.array(ids, pa.string()),
        "resident_id": pa.array([resident_of[i] for i in ids], pa.string()),
        "match_probability": pa.array([attached_by[i][0] if i in attached_by else None for i in ids], pa.float64()),
        "linked_by": pa.array([attached_by[i][1] if i in attached_by else "model" for i in ids], pa.string()),
    })
