"""From scored pairs to residents: links, constrained clusters, persistent IDs, the crosswalk.

Reads resolution_input, resolution_pairs and review_decisions in the warehouse; writes
resident_crosswalk (every record exactly once), resident_id_history and review_queue.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from resident_index.resolution.clustering import ClusterResult, ConflictRules, Evidence, Link, cluster
from resident_index.resolution.identity import assign_ids, id_number
from resident_index.standardise.names import variants_table
from resident_index.transactions import transaction
from resident_index.tables import has_table

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

#: could two given names be one person's: equal, one nickname apart (same canonical form), a typo, or one
#: the other's initial; a missing name could be anything
NAMES_COMPATIBLE = """
CREATE OR REPLACE TEMP MACRO names_compatible(a, b, canonical_a, canonical_b) AS coalesce(
    a = b OR canonical_a = canonical_b OR jaro_winkler_similarity(a, b) >= 0.85
    OR (length(a) = 1 AND left(b, 1) = a) OR (length(b) = 1 AND left(a, 1) = b), true)"""

#: what the last clustering was computed from: an incremental run reclusters only what changed since
CLUSTER_STATE = ["cluster_state_links", "cluster_state_evidence", "cluster_state_apart", "cluster_state_meta"]


def _current_inputs(con: duckdb.DuckDBPyConnection, cfg: dict) -> None:
    """Temp tables of what clustering reads: _links_now (model links above the link threshold,
    deterministic rule links, reviewers' 'same' verdicts), _evidence_now (each record's identifiers,
    with a fingerprint) and _apart_now (pairs that must stay apart)."""
    rules = "".join(f"""
        UNION ALL
        SELECT l.unique_id, r.unique_id, 1.0::DOUBLE, 'rule', {STRONG}
        FROM resolution_input l JOIN resolution_input r ON l.unique_id < r.unique_id AND ({rule})"""
                    for rule in cfg.get("link_rules", []))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _links_now AS
        SELECT p.unique_id_l AS a, p.unique_id_r AS b, p.match_probability AS probability, 'model' AS how,
               {STRONG} AS strong
        FROM resolution_pairs p
        JOIN resolution_input l ON l.unique_id = p.unique_id_l
        JOIN resolution_input r ON r.unique_id = p.unique_id_r
        WHERE p.match_probability >= $threshold
        {rules}
        UNION ALL
        SELECT unique_id_l, unique_id_r, 1.0::DOUBLE, 'reviewer', true FROM latest_decisions WHERE verdict = 'same'
        """, {"threshold": cfg["link_threshold"]})
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _evidence_now AS
        SELECT unique_id, nhs_number, ni8, dob_checked AS dob, latest_dob, phone, email,
               md5(concat_ws('|', nhs_number, ni8, dob_checked, latest_dob, phone, email, source_system, uprn,
                             distinct_at_address)) AS fingerprint
        FROM resolution_input""")
    # a system that never lists one person twice at one address: its records at one UPRN are different people;
    # one that lists each person once in a group: its records there under other given names are too; and any
    # system's two records at one address with one date of birth under other given names are twins
    con.execute(NAMES_COMPATIBLE)
    if cfg.get("conflicts", {}).get("names_at_address", True):
        variants_table(con, "_forename_variants", "SELECT forename FROM resolution_input WHERE uprn IS NOT NULL")
    # two records of one surname at one address whose given names cannot be one person's (not equal, a
    # nickname, a typo or an initial of each other, nor one's middle name or the names swapped) and that share
    # no strong identifier are two people of one household; nicknames as the nickname data's variants (KIT and
    # CHRISTOPHER, DICEY and DIANA: their variant lists meet), beyond the one canonical form each name has
    names_at_address = """
        UNION ALL
        SELECT l.unique_id, r.unique_id, 'names_at_address', 4 FROM resolution_input l JOIN resolution_input r
        ON l.uprn = r.uprn AND l.surname = r.surname AND l.unique_id < r.unique_id
        LEFT JOIN _forename_variants vl ON vl.forename = l.forename
        LEFT JOIN _forename_variants vr ON vr.forename = r.forename
        WHERE length(l.forename) > 1 AND length(r.forename) > 1
          AND NOT names_compatible(l.forename, r.forename, l.forename_canonical, r.forename_canonical)
          AND NOT coalesce(len(list_intersect(vl.variants, vr.variants)) > 0, false)
          AND (r.middle_name IS NULL OR NOT names_compatible(l.forename, r.middle_name, l.forename, r.middle_name))
          AND (l.middle_name IS NULL OR NOT names_compatible(l.middle_name, r.forename, l.middle_name, r.forename))
          AND l.forename IS DISTINCT FROM r.surname
          AND NOT """ + STRONG if cfg.get("conflicts", {}).get("names_at_address", True) else ""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _apart_now AS
        SELECT a, b, arg_min(why, priority) AS why FROM (
        SELECT unique_id_l AS a, unique_id_r AS b, 'reviewer' AS why, 0 AS priority
        FROM latest_decisions WHERE verdict = 'different'
        UNION ALL
        SELECT l.unique_id, r.unique_id, 'distinct_at_address', 1 FROM resolution_input l JOIN resolution_input r
        ON l.source_system = r.source_system AND l.uprn = r.uprn AND l.unique_id < r.unique_id
        WHERE l.distinct_at_address
        UNION ALL
        SELECT l.unique_id, r.unique_id, 'distinct_in_group', 2 FROM resolution_input l JOIN resolution_input r
        ON l.source_system = r.source_system AND l.distinct_group = r.distinct_group AND l.unique_id < r.unique_id
        WHERE NOT (names_compatible(l.forename, r.forename, l.forename_canonical, r.forename_canonical)
                   AND names_compatible(l.middle_name, r.middle_name, l.middle_name, r.middle_name))
        UNION ALL
        SELECT l.unique_id, r.unique_id, 'twins_at_address', 3 FROM resolution_input l JOIN resolution_input r
        ON l.source_system = r.source_system AND l.uprn = r.uprn AND l.dob = r.dob AND l.unique_id < r.unique_id
        WHERE NOT (names_compatible(l.forename, r.forename, l.forename_canonical, r.forename_canonical)
                   AND names_compatible(l.middle_name, r.middle_name, l.middle_name, r.middle_name))
        {names_at_address})
        GROUP BY a, b""")


def _config_fingerprint(cfg: dict) -> str:
    """Changes with the rules clustering follows (thresholds, conflicts, link rules) or its code."""
    rules = {k: cfg.get(k) for k in ("link_threshold", "conflicts", "link_rules")}
    digest = hashlib.sha256(json.dumps(rules, sort_keys=True, default=str).encode())
    for code in (Path(__file__).with_name("clustering.py"), Path(__file__)):
        digest.update(code.read_bytes())
    return digest.hexdigest()


def _affected_records(con: duckdb.DuckDBPyConnection, fingerprint: str) -> int | None:
    """Temp table _affected: the records to recluster, or None when everything must be (no state yet, or
    new rules). Changed records, and the ends of links or apart-pairs that came or went, grow to whole
    previous residents and whole linked groups until closed: greedy clustering of a connected group of
    records does not depend on any other group, so reclustering just these gives what a full run would."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'cluster_state_%'").fetchall()}
    if set(CLUSTER_STATE) - have or con.execute("SELECT count(*) FROM cluster_state_meta WHERE config = ?",
                                                 [fingerprint]).fetchone()[0] == 0:
        return None
    for state, now in (("links", "_links_now"), ("apart", "_apart_now")):
        con.execute(f"CREATE OR REPLACE TEMP TABLE _{state}_added AS SELECT * FROM {now} EXCEPT SELECT * FROM cluster_state_{state}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _{state}_gone AS SELECT * FROM cluster_state_{state} EXCEPT SELECT * FROM {now}")
    con.execute("""CREATE OR REPLACE TEMP TABLE _evidence_changed AS
                   SELECT unique_id FROM _evidence_now n FULL JOIN cluster_state_evidence o USING (unique_id)
                   WHERE n.fingerprint IS DISTINCT FROM o.fingerprint""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _affected AS
        SELECT unique_id FROM _evidence_changed
        UNION
        SELECT unnest([a, b]) FROM (FROM _links_added UNION ALL FROM _links_gone)
        UNION
        SELECT unnest([a, b]) FROM (FROM _apart_added UNION ALL FROM _apart_gone)""")
    size = -1
    while size != (size := con.execute("SELECT count(*) FROM _affected").fetchone()[0]):
        con.execute("""
            INSERT INTO _affected
            SELECT unique_id FROM _previous_of
            WHERE resident_id IN (SELECT resident_id FROM _previous_of SEMI JOIN _affected USING (unique_id))
            UNION
            SELECT b FROM _links_now WHERE a IN (SELECT unique_id FROM _affected)
            UNION
            SELECT a FROM _links_now WHERE b IN (SELECT unique_id FROM _affected)
            EXCEPT
            SELECT unique_id FROM _affected""")
    return size


def _save_state(con: duckdb.DuckDBPyConnection, fingerprint: str, incremental: bool) -> None:
    """What this clustering was computed from; an incremental run writes only what changed."""
    if incremental:
        for state, columns in (("links", ("a", "b", "probability", "how", "strong")), ("apart", ("a", "b", "why"))):
            same = " AND ".join(f"s.{c} IS NOT DISTINCT FROM g.{c}" for c in columns)
            con.execute(f"DELETE FROM cluster_state_{state} s USING _{state}_gone g WHERE {same}")
            con.execute(f"INSERT INTO cluster_state_{state} SELECT * FROM _{state}_added")
        con.execute("DELETE FROM cluster_state_evidence WHERE unique_id IN (SELECT unique_id FROM _evidence_changed)")
        con.execute("""INSERT INTO cluster_state_evidence SELECT unique_id, fingerprint FROM _evidence_now
                       SEMI JOIN _evidence_changed USING (unique_id)""")
    else:
        con.execute("CREATE OR REPLACE TABLE cluster_state_links AS SELECT * FROM _links_now")
        con.execute("CREATE OR REPLACE TABLE cluster_state_evidence AS SELECT unique_id, fingerprint FROM _evidence_now")
        con.execute("CREATE OR REPLACE TABLE cluster_state_apart AS SELECT * FROM _apart_now")
    con.execute("CREATE OR REPLACE TABLE cluster_state_meta AS SELECT ?::VARCHAR AS config", [fingerprint])


def _latest_decisions(con: duckdb.DuckDBPyConnection, extra: str | None = None) -> None:
    """A reviewer's latest verdict on a pair wins (pairs are stored in id order). `extra`: a table of
    verdicts (unique_id_l, unique_id_r, verdict) taken as given after every recorded one (a simulation)."""
    given = "SELECT unique_id_l, unique_id_r, verdict, decided_at, 0 AS later FROM review_decisions"
    if extra:
        given += f" UNION ALL SELECT unique_id_l, unique_id_r, verdict, NULL::TIMESTAMP, 1 FROM {extra}"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW latest_decisions AS
                   SELECT least(unique_id_l, unique_id_r) AS unique_id_l,
                          greatest(unique_id_l, unique_id_r) AS unique_id_r, verdict
                   FROM ({given})
                   QUALIFY row_number() OVER (PARTITION BY least(unique_id_l, unique_id_r),
                                              greatest(unique_id_l, unique_id_r)
                                              ORDER BY later DESC, decided_at DESC) = 1""")


def cluster_with_verdicts(con: duckdb.DuckDBPyConnection, cfg: dict, verdicts: str) -> dict[str, str]:
    """What the clustering would make if the verdicts in table `verdicts` (unique_id_l, unique_id_r, verdict)
    were given: record -> cluster key. Writes nothing (the evaluation's "what the top of the queue is worth")."""
    _latest_decisions(con, extra=verdicts)
    _current_inputs(con, cfg)
    clusters, _ = _cluster_in_batches(con, ConflictRules(**cfg.get("conflicts", {})), scoped=False)
    _latest_decisions(con)
    return clusters.cluster_of


#: records clustered at a time: whole groups of linked records, each clustered on its own (its result depends on
#: its own links alone), so Python holds one batch's identifiers and links, not a whole council's
BATCH_RECORDS = 100_000


def _cluster_in_batches(con: duckdb.DuckDBPyConnection, rules: ConflictRules,
                        scoped: bool) -> tuple[ClusterResult, pa.Table]:
    """Cluster the records of _evidence_now (those in _affected when `scoped`) with the links and apart-pairs
    among them: the same result as one call of `cluster` on all of them, in batches of whole link-connected
    groups (plain components of the links, found by scipy over integer ids) of about BATCH_RECORDS records.
    A record with no link is a resident of its own and never reaches Python's clustering. The refused links
    come back as a table (`refusals_table`), the result's list of them left empty."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    scope = "SEMI JOIN _affected USING (unique_id)" if scoped else ""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _scope AS
                    SELECT unique_id, (row_number() OVER (ORDER BY unique_id) - 1)::BIGINT AS i
                    FROM _evidence_now {scope}""")
    ends = con.execute("""SELECT x.i AS ia, y.i AS ib FROM _links_now l
                          JOIN _scope x ON x.unique_id = l.a JOIN _scope y ON y.unique_id = l.b""").fetchnumpy()
    n = con.execute("SELECT count(*) FROM _scope").fetchone()[0]
    ia, ib = np.asarray(ends["ia"], dtype=np.int64), np.asarray(ends["ib"], dtype=np.int64)
    _, group = connected_components(coo_matrix((np.ones(len(ia), dtype=np.int8), (ia, ib)), shape=(n, n)),
                                    directed=False)
    size = np.bincount(group)
    linked = size > 1
    batch_of_group = np.full(len(size), -1, dtype=np.int64)  # -1: a record with no link
    batch_of_group[linked] = (np.cumsum(size[linked]) - 1) // BATCH_RECORDS
    batch = batch_of_group[group]
    con.register("_scope_batches", pa.table({"i": pa.array(np.arange(n, dtype=np.int64)), "batch": pa.array(batch)}))
    con.execute("""CREATE OR REPLACE TEMP TABLE _scope_batch AS
                   SELECT s.unique_id, b.batch FROM _scope s JOIN _scope_batches b USING (i)""")
    con.unregister("_scope_batches")
    con.execute("""CREATE OR REPLACE TEMP TABLE _batch_links AS
                   SELECT l.*, x.batch FROM _links_now l
                   JOIN _scope_batch x ON x.unique_id = l.a JOIN _scope_batch y ON y.unique_id = l.b""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _batch_apart AS
                   SELECT p.*, x.batch FROM _apart_now p
                   JOIN _scope_batch x ON x.unique_id = p.a JOIN _scope_batch y ON y.unique_id = p.b
                   WHERE x.batch = y.batch AND x.batch >= 0""")

    alone = [uid for (uid,) in con.execute("SELECT unique_id FROM _scope_batch WHERE batch < 0").fetchall()]
    result = ClusterResult(dict(zip(alone, alone)), {}, {})
    refusals: list[pa.Table] = []
    for b in range(int(batch.max()) + 1 if n else 0):
        evidence = {uid: Evidence.of(nhs, ni, dob, latest, phone, email)
                    for uid, nhs, ni, dob, latest, phone, email in con.execute(
                        """SELECT unique_id, nhs_number, ni8, dob, latest_dob, phone, email
                           FROM _evidence_now JOIN _scope_batch USING (unique_id) WHERE batch = ?
                           ORDER BY unique_id""", [b]).fetchall()}
        apart = {frozenset((x, y)): why for x, y, why in con.execute(
            "SELECT a, b, why FROM _batch_apart WHERE batch = ? ORDER BY a, b", [b]).fetchall()}
        # in one order, so that Python walks records and links alike on every run (clustering breaks ties by id)
        links: list[Link] = con.execute("""SELECT a, b, probability, how, strong FROM _batch_links
                                           WHERE batch = ? ORDER BY a, b, probability, how, strong""", [b]).fetchall()
        part = cluster(evidence, links, apart, rules)
        refusals.append(refusals_table(part.refusals))
        part.refusals = []
        result.absorb(part)
    result.contested.sort()
    return result, pa.concat_tables(refusals) if refusals else refusals_table([])


def resolve(con: duckdb.DuckDBPyConnection, cfg: dict, run_id: str, full: bool = False) -> dict:
    """Cluster, assign IDs and write the crosswalk; returns figures for metadata.

    Incremental unless `full` (or there is no state from a previous run, or the clustering rules changed):
    only the records whose identifiers, links or apart-pairs changed are reclustered, with every record
    connected to them; the result is the same as a full run's.
    """
    ensure_state(con)
    _latest_decisions(con)
    _current_inputs(con, cfg)
    # the last run's assignment, read while the crosswalk is updated
    con.execute("""CREATE OR REPLACE TEMP TABLE _previous_of AS
                   SELECT source_system || '|' || source_record_id AS unique_id, resident_id FROM resident_crosswalk""")
    fingerprint = _config_fingerprint(cfg)
    affected = None if full else _affected_records(con, fingerprint)
    clusters, refusals = _cluster_in_batches(con, ConflictRules(**cfg.get("conflicts", {})),
                                             scoped=affected is not None)

    previous_sql = "SELECT unique_id, resident_id FROM _previous_of"
    if affected is not None:  # the previous residents of the reclustered records lie wholly among them
        previous_sql += """ WHERE resident_id IN (SELECT resident_id FROM _previous_of SEMI JOIN _affected USING (unique_id))"""
    previous = dict(con.execute(previous_sql + " ORDER BY unique_id").fetchall())
    issued = con.execute("SELECT max(resident_id) FROM resident_id_history WHERE event IN ('mint', 'split')").fetchone()[0]
    assignment = assign_ids(clusters.cluster_of, previous, id_number(issued) + 1 if issued else 1)

    con.register("_assigned", _assigned_table(assignment.resident_of, clusters.attached_by))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with transaction(con):  # the crosswalk, the state it was computed from and the ID events agree
        _write_crosswalk(con, incremental=affected is not None)
        _write_refusals(con, refusals, incremental=affected is not None)
        _save_state(con, fingerprint, incremental=affected is not None)
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
    records, residents = con.execute("SELECT count(*), count(DISTINCT resident_id) FROM resident_crosswalk").fetchone()
    con.unregister("_assigned")
    return {"records": records, "residents": residents,
            "links": con.execute("SELECT count(*) FROM _links_now").fetchone()[0],
            "mode": "full" if affected is None else "incremental",
            "records_reclustered": con.execute("SELECT count(*) FROM _scope").fetchone()[0],
            "id_events": events, "links_refused_by_conflict": clusters.refused}


def refusals_table(refusals: list) -> pa.Table:
    """The clustering's refused links (a, b, probability, how, rule) as a table."""
    a, b, probability, how, rule = (list(c) for c in zip(*refusals)) if refusals else ([], [], [], [], [])
    return pa.table({"a": pa.array(a, pa.string()), "b": pa.array(b, pa.string()),
                     "probability": pa.array(probability, pa.float64()),
                     "how": pa.array(how, pa.string()), "rule": pa.array(rule, pa.string())})


def _write_refusals(con: duckdb.DuckDBPyConnection, refusals: pa.Table, incremental: bool) -> None:
    """cluster_refusals: every link the clustering refused and the rule that refused it (a, b, probability,
    how, rule), for the evaluation's cost of each rule and for a reviewer's "same" the rules overrode."""
    con.register("_refusals", refusals)
    have = has_table(con, "cluster_refusals")
    if incremental and have:
        con.execute("""DELETE FROM cluster_refusals WHERE a IN (SELECT unique_id FROM _affected)
                                                    OR b IN (SELECT unique_id FROM _affected)""")
        con.execute("INSERT INTO cluster_refusals SELECT * FROM _refusals")
    else:
        con.execute("CREATE OR REPLACE TABLE cluster_refusals AS SELECT * FROM _refusals")
    con.unregister("_refusals")


def _write_crosswalk(con: duckdb.DuckDBPyConnection, incremental: bool) -> None:
    """resident_crosswalk from _assigned (the records clustered now); an incremental run replaces only the
    reclustered records' rows and moves the others' first and last seen."""
    assigned = """SELECT i.source_system, i.source_record_id, a.resident_id, a.match_probability, a.linked_by,
                         p.first_seen, p.last_seen
                  FROM _assigned a
                  JOIN resolution_input i USING (unique_id)
                  JOIN person_records p USING (source_system, source_record_id)"""
    if not incremental:
        con.execute(f"CREATE OR REPLACE TABLE resident_crosswalk AS {assigned} "
                    "ORDER BY resident_id, source_system, source_record_id")
        return
    con.execute("""DELETE FROM resident_crosswalk
                   WHERE source_system || '|' || source_record_id IN (SELECT unique_id FROM _affected)""")
    con.execute(f"INSERT INTO resident_crosswalk {assigned}")
    con.execute("""UPDATE resident_crosswalk c SET first_seen = p.first_seen, last_seen = p.last_seen
                   FROM person_records p
                   WHERE c.source_system = p.source_system AND c.source_record_id = p.source_record_id
                     AND (c.first_seen, c.last_seen) IS DISTINCT FROM (p.first_seen, p.last_seen)""")


def _assigned_table(resident_of: dict[str, str], attached_by: dict[str, tuple[float, str]]) -> pa.Table:
    """record -> resident id, with the probability and kind of the link that joined it (none: a singleton)."""
    ids = list(resident_of)
    return pa.table({
        "unique_id": pa.array(ids, pa.string()),
        "resident_id": pa.array([resident_of[i] for i in ids], pa.string()),
        "match_probability": pa.array([attached_by[i][0] if i in attached_by else None for i in ids], pa.float64()),
        "linked_by": pa.array([attached_by[i][1] if i in attached_by else "model" for i in ids], pa.string()),
    })
