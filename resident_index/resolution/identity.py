"""Persistent resident IDs: this run's clusters mapped onto the previous run's IDs.

Each previous ID has a *home*: the new cluster holding most of its records. A cluster keeps the oldest
ID whose home it is, so an unchanged cluster keeps its ID, a merge keeps the older ID and retires the
other, and a split keeps the ID on the larger part. Clusters with no ID at home get a new one. IDs are
minted in sequence after the highest ever issued and are never reused.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

PREFIX = "R"
WIDTH = 9


def format_id(n: int) -> str:
    return f"{PREFIX}{n:0{WIDTH}d}"


def id_number(resident_id: str) -> int:
    return int(resident_id[len(PREFIX):])


@dataclass
class Assignment:
    resident_of: dict[str, str]  # record -> resident id
    events: list[tuple[str, str, str | None, int]]  # (event, resident_id, related_id, records)
    next_number: int


def assign_ids(cluster_of: dict[str, str], previous: dict[str, str], next_number: int) -> Assignment:
    """Map clusters (record -> cluster key) onto previous IDs (record -> resident id).

    Events: mint (a new ID), merge (resident_id retired into related_id), split (new resident_id split
    from related_id), retire (an ID left with no records).
    """
    clusters: dict[str, list[str]] = defaultdict(list)
    for record, key in cluster_of.items():
        clusters[key].append(record)

    overlap: dict[str, Counter] = defaultdict(Counter)  # previous id -> cluster key -> records
    for record, key in cluster_of.items():
        if record in previous:
            overlap[previous[record]][key] += 1
    home = {rid: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] for rid, counts in overlap.items()}

    at_home: dict[str, list[str]] = defaultdict(list)
    for rid, key in home.items():
        at_home[key].append(rid)

    events: list[tuple[str, str, str | None, int]] = []
    id_of_cluster: dict[str, str] = {}
    for key in sorted(clusters):
        ids = sorted(at_home.get(key, []), key=id_number)
        if ids:
            id_of_cluster[key] = ids[0]
            for retired in ids[1:]:
                events.append(("merge", retired, ids[0], sum(overlap[retired].values())))
        else:
            id_of_cluster[key] = format_id(next_number)
            next_number += 1
            came_from = Counter(previous[r] for r in clusters[key] if r in previous)
            origin = min(came_from.items(), key=lambda kv: (-kv[1], id_number(kv[0])))[0] if came_from else None
            events.append(("split" if origin else "mint", id_of_cluster[key], origin, len(clusters[key])))

    still_used = set(id_of_cluster.values())
    merged = {e[1] for e in events if e[0] == "merge"}
    for rid in sorted(set(previous.values()) - still_used - merged, key=id_number):
        events.append(("retire", rid, None, 0))
    resident_of = {record: id_of_cluster[key] for record, key in cluster_of.items()}
    return Assignment(resident_of, events, next_number)
