"""Cluster linked records into residents without letting weak evidence bridge two people.

Plain connected components over pairs above a threshold chain a household into one person: a council
tax record with no date of birth links father and son alike. Here links are taken strongest first and two
clusters are joined only if the result would not hold conflicting strong identifiers (two different NHS
or NI numbers, dates of birth that differ by more than a typo) nor a pair a reviewer said are different
people. A weakly identified record therefore attaches to the person its strongest link points to.
A link on which both records share a strong identifier (NHS, NI or shared id) outweighs a difference in
date of birth: that is a mistyped date, not a second person. A record from a system that holds only
adults cannot join a cluster whose date of birth makes that person too young for it. Where one side has no
date of birth, records that give other phone numbers and other email addresses than the cluster's (both
held on each side) are a second person of the same name at the address, a son as a rule, not a duplicate.
A record that fits two residents the rules keep apart about equally well is left in neither (`cluster`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date


#: no values: shared by every record that holds none of a kind (sets are never changed in place here)
NO_VALUES: frozenset = frozenset()


@dataclass(slots=True)
class Evidence:
    """The strong identifiers a cluster holds (sets of distinct values; never changed in place, so one set
    may be shared by many records)."""

    nhs: frozenset[str] | set[str] = NO_VALUES
    ni: frozenset[str] | set[str] = NO_VALUES
    dobs: frozenset[date] | set[date] = NO_VALUES
    latest_dob: date | None = None  # the person was born on or before this (from the systems' minimum ages)
    phones: frozenset[str] | set[str] = NO_VALUES
    emails: frozenset[str] | set[str] = NO_VALUES

    @classmethod
    def of(cls, nhs: str | None, ni: str | None, dob: date | None, latest_dob: date | None, phone: str | None,
           email: str | None) -> Evidence:
        """One record's evidence from its values (None: not held)."""
        return cls(frozenset((nhs,)) if nhs else NO_VALUES, frozenset((ni,)) if ni else NO_VALUES,
                   frozenset((dob,)) if dob else NO_VALUES, latest_dob,
                   frozenset((phone,)) if phone else NO_VALUES, frozenset((email,)) if email else NO_VALUES)

    def joined(self, other: Evidence) -> Evidence:
        """The evidence of one cluster made of two."""
        latest = self.latest_dob if other.latest_dob is None or (
            self.latest_dob is not None and self.latest_dob <= other.latest_dob) else other.latest_dob
        return Evidence(self.nhs | other.nhs if other.nhs else self.nhs, self.ni | other.ni if other.ni else self.ni,
                        self.dobs | other.dobs if other.dobs else self.dobs, latest,
                        self.phones | other.phones if other.phones else self.phones,
                        self.emails | other.emails if other.emails else self.emails)


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _typo_distance(a: str, b: str) -> int:
    """Characters changed, one substitution or transposition each, between two dates written alike (ISO)."""
    if len(a) != len(b):
        return len(a) + len(b)
    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    changes, i = 0, 0
    while i < len(diffs):
        j = diffs[i]
        if i + 1 < len(diffs) and diffs[i + 1] == j + 1 and a[j] == b[j + 1] and a[j + 1] == b[j]:
            i += 2  # two neighbouring characters swapped: one slip
        else:
            i += 1
        changes += 1
    return changes


def dobs_compatible(a: date, b: date, max_edit: int = 1) -> bool:
    """Could two recorded dates of birth be one person's? Equal, day/month swapped, or at most `max_edit`
    characters mistyped (a substitution or two neighbours swapped each) in the written date."""
    if a == b or (a.year == b.year and a.month == b.day and a.day == b.month):
        return True
    if max_edit <= 1:
        return max_edit >= 1 and _edit_distance_at_most_one(a.isoformat(), b.isoformat())
    return _typo_distance(a.isoformat(), b.isoformat()) <= max_edit


@dataclass
class ConflictRules:
    nhs_number: bool = True
    ni_number: bool = True
    #: two NI numbers one character or one swap apart are one number mistyped, not two people (NI numbers carry
    #: no check digit, so a typo stays valid: on the 3,000-resident council the strict rule refused 12 true pairs
    #: and kept 3 pairs of people apart)
    ni_typo: bool = True
    dob_max_edit_distance: int = 1
    #: a link at least this likely is one person's even if its dates of birth differ by up to
    #: `near_certain_dob_max_edit_distance` mistyped characters (a second slip, not a second person)
    near_certain: float = 0.999
    near_certain_dob_max_edit_distance: int = 2
    contacts: bool = True
    #: two records of one surname at one address under given names that cannot be one person's, sharing no
    #: strong identifier, are kept apart as two people of one household (applied as a pair kept apart:
    #: resolve.py, rule `names_at_address`)
    names_at_address: bool = True
    #: a record whose link into its resident outweighs its link into another, one the rules keep apart from the
    #: first, by at most this many bits (match weight, log2 odds) fits both: it is left in neither and its pairs
    #: go to the review queue (None: the greedy pass's choice stands)
    #: off unless a council sets it (docs/matching.md, "Contested records": measured to cost F1 at 3,000 residents)
    contested_margin: float | None = None

    def conflict(self, a: Evidence, b: Evidence, strong_link: bool = False, probability: float = 0.0,
                 reviewer: bool = False, dob_scored: bool = False) -> str | None:
        """The rule that refuses joining a and b, or None. A reviewer's "same" is refused only by two
        different NHS or NI numbers (identifiers a person cannot hold two of; the reviewer is told).
        `dob_scored`: both records of the link hold a date of birth, so its score already weighed them: a
        near-certain link is then not refused for its dates (FEBRL 3: 22 true pairs refused, 3 pairs of people
        kept apart); where a record has none, the model never saw the clash and the rule applies."""
        if self.nhs_number and a.nhs and b.nhs and a.nhs != b.nhs:
            return "nhs_number"
        if self.ni_number and a.ni and b.ni and not all(x == y or (self.ni_typo and _edit_distance_at_most_one(x, y))
                                                        for x in a.ni for y in b.ni):
            return "ni_number"
        if reviewer:
            return None
        if (a.latest_dob and any(d > a.latest_dob for d in b.dobs)) or (
                b.latest_dob and any(d > b.latest_dob for d in a.dobs)):
            return "age"
        edits = (max(self.dob_max_edit_distance, self.near_certain_dob_max_edit_distance)
                 if probability >= self.near_certain else self.dob_max_edit_distance)
        if not strong_link and not (dob_scored and probability >= self.near_certain) and a.dobs and b.dobs \
                and not all(dobs_compatible(x, y, edits)
                                                             for x in a.dobs for y in b.dobs):
            return "dob"
        if (self.contacts and not strong_link and not (a.dobs and b.dobs)
                and a.phones and b.phones and not a.phones & b.phones
                and a.emails and b.emails and not a.emails & b.emails):
            return "contacts"
        return None


@dataclass
class ClusterResult:
    cluster_of: dict[str, str]  # record -> cluster key (the smallest record id in the cluster)
    attached_by: dict[str, tuple[float, str]]  # record -> (probability, how) of the link that joined it
    refused: dict[str, int]  # conflict kind -> links refused
    #: every link refused: (record a, record b, probability, how, rule that refused it)
    refusals: list[tuple[str, str, float, str, str]] = field(default_factory=list)
    #: records that fitted two residents the rules keep apart about equally well, left in neither
    contested: list[str] = field(default_factory=list)

    def absorb(self, other: ClusterResult) -> None:
        """Add the clustering of other records (another group of linked records) to this one."""
        self.cluster_of.update(other.cluster_of)
        self.attached_by.update(other.attached_by)
        self.refusals += other.refusals
        for kind, n in other.refused.items():
            self.refused[kind] = self.refused.get(kind, 0) + n
        self.contested += other.contested


Link = tuple[str, str, float, str, bool]  # (record a, record b, probability, how, share a strong identifier)


#: the rules whose refusal of a link makes its ends contested: what the records hold (ConflictRules.conflict)
#: and the registry's pairs kept apart (one person listed once per address or group, twins); not a reviewer's
#: "different" (a verdict on two records says nothing of a third)
CONTESTING = ("nhs_number", "ni_number", "age", "dob", "contacts", "distinct_at_address", "distinct_in_group",
              "twins_at_address", "names_at_address")


def _weight(probability: float) -> float:
    """A link's match weight (log2 of the odds); a certain link (a rule's, 1.0) weighs infinitely."""
    return math.inf if probability >= 1.0 else math.log2(max(probability, 1e-300) / (1.0 - probability))


def cluster(records: dict[str, Evidence], links: list[Link],
            cannot_link: set[frozenset[str]] | dict[frozenset[str], str] = frozenset(),
            rules: ConflictRules | None = None) -> ClusterResult:
    """Greedy constrained clustering, then contested records taken out.

    records: every record id with its strong identifiers (records with no links become singletons).
    links: (id_a, id_b, probability, how, strong) with how in {model, rule, reviewer}; reviewer links go
        first; strong means the two records share an NHS, NI or shared id.
    cannot_link: pairs that must stay apart, each with why ("reviewer": a reviewer judged them different
        people; else the registry rule that parts them, such as distinct_at_address). A set means "reviewer".
        A reviewer's "same" link overrides every rule but two different NHS or NI numbers and a reviewer's
        "different".

    A record the greedy pass put in one resident while a link to another resident, one the rules keep apart
    from the first, weighs about as much (within `rules.contested_margin` bits) is *contested*: it fits two
    people (a council tax record "John Smith" at the address of a father and a son of that name) and the
    order of two near-equal scores chose between them. Contested records are taken out of both: their model
    links to records holding what parts the two (a date of birth, an NHS number) are dropped, their links
    to records that fit both (their own duplicates, as weak as they are) stay, and the pairs they lose go
    to the review queue.
    Only the link-connected groups holding a contested record are clustered again (a group's clustering
    depends on its own links alone), so the result is what a second pass over everything would give.
    """
    rules = rules or ConflictRules()
    why_apart = cannot_link if isinstance(cannot_link, dict) else dict.fromkeys(cannot_link, "reviewer")
    apart: dict[str, dict[str, str]] = {}
    for pair, why in why_apart.items():
        a, b = tuple(pair)
        apart.setdefault(a, {})[b] = why
        apart.setdefault(b, {})[a] = why
    # a total order (one pair can be linked twice, by the model and by a rule): the same clusters every run
    order = sorted(links, key=lambda link: (link[3] != "reviewer", -link[2], link[0], link[1], link[3], link[4]))
    first = _greedy(records, order, apart, rules)
    contested = _contested(records, first, order, apart, rules)
    if not contested:
        return first.result()
    groups = _link_groups(records, order)
    touched = {groups[c] for c in contested}
    redo = {r for r, g in groups.items() if g in touched}

    def anchors_a_side(record: str, of: str) -> bool:  # holds what one of the residents `of` fits cannot
        return any(_parted(record, root, records, first, apart, rules) for root in contested[of])

    kept = [link for link in order if link[0] in redo and link[1] in redo
            and not (link[3] == "model" and (
                (link[0] in contested and link[1] not in contested and anchors_a_side(link[1], link[0]))
                or (link[1] in contested and link[0] not in contested and anchors_a_side(link[0], link[1]))))]
    again = _greedy({r: records[r] for r in redo}, kept, apart, rules)
    result = first.result(keep=lambda r: r not in redo)
    result.absorb(again.result())
    result.refused["contested"] = len(contested)
    result.contested = sorted(contested)
    return result


def _link_groups(records: dict[str, Evidence], links: list[Link]) -> dict[str, str]:
    """record -> a key of its group of records connected by links (plain components, no rules)."""
    parent = {r: r for r in records}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, *_ in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {r: find(r) for r in records}


def _contested(records: dict[str, Evidence], state: "_Greedy", order: list[Link],
               apart: dict[str, dict[str, str]], rules: ConflictRules) -> dict[str, set[str]]:
    """Contested records, each with the residents (first-pass roots) it fits: an end x of a model link
    refused by a rule in CONTESTING, whose own evidence fits the other end's resident Y too, while x's
    strongest model link to a record of its own resident that Y cannot hold (the one that makes them two
    people) weighs within the margin of the refused link (no such link at all: x is tied more closely to Y
    than to what parts them)."""
    if rules.contested_margin is None:
        return {}
    candidates: list[tuple[str, str, float]] = []
    for a, b, probability, how, kind in state.refusals:
        if how != "model" or kind not in CONTESTING:
            continue
        for x, y in ((a, b), (b, a)):
            rx, ry = state.find(x), state.find(y)
            if rx == ry or x not in state.attached:
                continue
            if rules.conflict(records[x], state.evidence[ry], probability=probability,
                              dob_scored=bool(records[x].dobs and records[y].dobs)) is not None:
                continue
            if _parted(x, ry, records, state, apart, rules):
                continue
            candidates.append((x, ry, probability))
    if not candidates:
        return {}
    wanted = {x for x, _, _ in candidates}
    near: dict[str, list[tuple[str, float]]] = {}
    for a, b, probability, how, _ in order:
        if how == "model":
            if a in wanted:
                near.setdefault(a, []).append((b, probability))
            if b in wanted:
                near.setdefault(b, []).append((a, probability))
    out: dict[str, set[str]] = {}
    for x, ry, probability in candidates:
        rx = state.find(x)
        held = max((_weight(p) for m, p in near.get(x, []) if state.find(m) == rx
                    and _parted(m, ry, records, state, apart, rules)), default=-math.inf)
        if held - _weight(probability) <= rules.contested_margin:
            out.setdefault(x, {rx}).add(ry)
    return out


def _parted(record: str, root: str, records: dict[str, Evidence], state: "_Greedy",
            apart: dict[str, dict[str, str]], rules: ConflictRules) -> bool:
    """Could `record` not be one person with the cluster `root`: what it holds conflicts with the cluster's,
    or a registry rule keeps it apart from one of the cluster's records."""
    return (rules.conflict(records[record], state.evidence[root]) is not None
            or any(why != "reviewer" and o in state.parent and state.find(o) == root
                   for o, why in apart.get(record, {}).items()))


class _Greedy:
    """One greedy pass: links taken in order, two clusters joined unless a rule refuses."""

    def __init__(self, records: dict[str, Evidence]):
        self.parent = {r: r for r in records}
        self.evidence = dict(records)  # a cluster's evidence: a new object at each join, the records' untouched
        self.members = {r: [r] for r in records}
        self.attached: dict[str, tuple[float, str]] = {}
        self.refused: dict[str, int] = {}
        self.refusals: list[tuple[str, str, float, str, str]] = []

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def result(self, keep=None) -> ClusterResult:
        cluster_of = {}
        for root, group in self.members.items():
            if keep is not None and not keep(root):
                continue
            key = min(group)
            for record in group:
                cluster_of[record] = key
        attached = self.attached if keep is None else {r: v for r, v in self.attached.items() if keep(r)}
        refusals = self.refusals if keep is None else [f for f in self.refusals if keep(f[0])]
        refused: dict[str, int] = {}
        for f in refusals:
            refused[f[4]] = refused.get(f[4], 0) + 1
        return ClusterResult(cluster_of, dict(attached), refused, list(refusals))


def _greedy(records: dict[str, Evidence], order: list[Link], apart: dict[str, dict[str, str]],
            rules: ConflictRules) -> _Greedy:
    state = _Greedy(records)
    find, members, evidence, attached = state.find, state.members, state.evidence, state.attached
    for a, b, probability, how, strong in order:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        small, big = (ra, rb) if len(members[ra]) <= len(members[rb]) else (rb, ra)
        reviewer = how == "reviewer"
        kind = rules.conflict(evidence[small], evidence[big], strong_link=strong or reviewer,
                              probability=probability, reviewer=reviewer,
                              dob_scored=bool(records[a].dobs and records[b].dobs))
        if kind is None and apart:
            kind = next((why for m in members[small] for o, why in apart.get(m, {}).items()
                         if o in records and find(o) == big and (why == "reviewer" or not reviewer)), None)
        if kind is not None:
            state.refusals.append((a, b, probability, how, kind))
            continue
        state.parent[small] = big
        members[big] += members.pop(small)
        evidence[big] = evidence[big].joined(evidence.pop(small))
        for record in (a, b):
            attached[record] = max(attached.get(record, (0.0, how)), (probability, how))
    return state
