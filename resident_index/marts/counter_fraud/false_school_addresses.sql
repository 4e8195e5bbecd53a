-- School applications (of every school_application system) from an address where neither the child nor the applying parent is evidenced as
-- living: no record of any other system has ever placed either of them there, while live records that
-- began before the application place them elsewhere (a family that moved after applying is no case).
-- Scored by how strongly (residence_scores) they are shown living at that other address. Day one: evidence
-- there current at the extract with no known start (residence_scores.start_unknown) may have begun before
-- the application, so it counts (an NHS trace without registration dates is not "begun on the extract day").
-- A building and its flats are one address here (the gazetteer's parent_uprn): a form giving "13W The Broadway"
-- matches the building, or another flat of it, while the family is recorded in its Apartment 23.
WITH school_systems AS (SELECT source_system FROM _evidence_kinds WHERE kind = 'school_application'),
building AS (SELECT uprn, coalesce(parent_uprn, uprn) AS building FROM llpg),
applications AS (   -- an application is its group_ref (with its system's name when several systems hold them)
    SELECT CASE WHEN (SELECT count(*) FROM school_systems) > 1 THEN source_system || '-' || group_ref
                ELSE group_ref END AS application,
           any_value(source_system) AS school_system, mode(uprn ORDER BY uprn) AS uprn,   -- a tie: the first UPRN
           list(DISTINCT uprn ORDER BY uprn) AS uprns,
           list(DISTINCT coalesce(b.building, uprn) ORDER BY coalesce(b.building, uprn)) AS buildings,
           list(DISTINCT resident_id ORDER BY resident_id) FILTER (WHERE list_contains($child_roles, role)) AS children,
           list(DISTINCT resident_id ORDER BY resident_id) FILTER (WHERE list_contains($parent_roles, role)) AS parents,
           min(since) AS since,
           list({'source_system': source_system, 'record_id': source_record_id, 'date': since,
                 'fact': lower(coalesce(role_code, role)) || ' on application ' || group_ref || ' from this address'} ORDER BY source_record_id) AS evidence
    FROM live_records LEFT JOIN building b USING (uprn)
    WHERE source_system IN (SELECT source_system FROM school_systems) AND live AND uprn IS NOT NULL
    GROUP BY ALL),
people AS (SELECT application, school_system, uprn, uprns, buildings, since, unnest(list_concat(coalesce(children, []), coalesce(parents, []))) AS resident_id
           FROM applications),
known_there AS (   -- any record of another system, live or past, placing the child or parent at the address
    SELECT DISTINCT p.application FROM people p    -- (at any address the application's records give, or in its building)
    JOIN residence_evidence e ON e.resident_id = p.resident_id AND e.source_system <> p.school_system
    LEFT JOIN building b ON b.uprn = e.uprn
    WHERE list_contains(p.uprns, e.uprn) OR list_contains(p.buildings, b.building)),
elsewhere AS (
    SELECT p.application, p.school_system, p.resident_id, s.uprn, s.score, s.systems
    FROM people p JOIN residence_scores s ON s.resident_id = p.resident_id AND NOT list_contains(p.uprns, s.uprn)
                                         AND (s.since < p.since OR s.start_unknown)
    LEFT JOIN building b ON b.uprn = s.uprn
    WHERE p.application NOT IN (SELECT application FROM known_there)
      AND NOT coalesce(list_contains(p.buildings, b.building), false)),
best AS (
    SELECT application, max(score) AS score, first(uprn ORDER BY score DESC, uprn) AS lives_at FROM elsewhere
    GROUP BY application),
elsewhere_evidence AS (
    SELECT w.application,
           list({'source_system': e.source_system, 'record_id': e.source_record_id, 'date': e.since,
                 'fact': w.resident_id || ' recorded at another address (' || e.uprn || ')'}
                ORDER BY e.since DESC, e.source_system, e.source_record_id) AS evidence
    FROM elsewhere w JOIN residence_evidence e ON e.resident_id = w.resident_id AND e.uprn = w.uprn AND e.counts
    WHERE e.source_system <> w.school_system
    GROUP BY w.application)
SELECT 'SCH-' || a.application AS case_id, b.score,
       'School application ' || a.application || ' gives an address where no other system has ever recorded the child or '
           || 'parent; they are recorded living at another address' || coalesce(' in ' || nullif(lw.ward, al.ward), '')
           || coalesce(' (application address in ' || al.ward || ')', '') AS reason,
       coalesce(a.children[1], a.parents[1]) AS resident_id, a.uprn, a.application AS reference,
       list_concat(coalesce(a.children[2:], []), coalesce(a.parents, [])) AS related_residents,
       a.evidence || ee.evidence AS evidence
FROM applications a
JOIN best b USING (application)
JOIN elsewhere_evidence ee USING (application)
LEFT JOIN llpg al ON al.uprn = a.uprn
LEFT JOIN llpg lw ON lw.uprn = b.lives_at
