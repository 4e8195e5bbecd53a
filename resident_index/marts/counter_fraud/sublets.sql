-- Council tenancies possibly sublet (every tenancy system's: _evidence_kinds): a live tenancy whose tenants
-- (records in $tenant_roles) all have evidence of living at another
-- address now (the golden record's current address, or records that began after the tenancy did), scored
-- $elsewhere_share x that evidence + the rest x the evidence of adults living in the home who are neither
-- on the tenancy nor related to a tenant (relationships). A tenant still living there: no case.
WITH tenancy_systems AS (SELECT source_system FROM _evidence_kinds WHERE kind = 'tenancy'),
tenancy_records AS (   -- a tenancy is its group_ref (with its system's name when several systems hold tenancies)
    SELECT *, CASE WHEN (SELECT count(*) FROM tenancy_systems) > 1 THEN source_system || '-' || group_ref
                   ELSE group_ref END AS tenancy
    FROM live_records WHERE source_system IN (SELECT source_system FROM tenancy_systems)),
tenancies AS (
    SELECT tenancy, min(uprn) AS uprn, list(DISTINCT resident_id ORDER BY resident_id) AS tenants,
           min(since) AS since,
           list({'source_system': source_system, 'record_id': source_record_id, 'date': since,
                 'fact': 'tenant (' || coalesce(role_code, role) || ') of tenancy ' || group_ref} ORDER BY source_record_id) AS evidence
    FROM tenancy_records
    WHERE live AND uprn IS NOT NULL AND list_contains($tenant_roles, role)
    GROUP BY tenancy),
tenants AS (SELECT tenancy, uprn, since, unnest(tenants) AS tenant FROM tenancies),
members AS (   -- everyone on the tenancy in any role (household members are not unrelated occupants)
    SELECT DISTINCT tenancy, resident_id FROM tenancy_records),
elsewhere AS (   -- each tenant's best-evidenced other address: the golden record's current one, or one
                 -- whose records began after the tenancy did
    SELECT t.tenancy, t.tenant,
           first(s.uprn ORDER BY s.score DESC NULLS LAST, s.uprn) AS lives_at,   -- a tie: the first UPRN
           coalesce(max(s.score), 0) AS score,
           EXISTS (SELECT 1 FROM live_records x WHERE x.resident_id = t.tenant
                   AND x.source_system NOT IN (SELECT source_system FROM tenancy_systems)) AS known_beyond
    FROM tenants t
    JOIN mart_residents m ON m.resident_id = t.tenant
    LEFT JOIN residence_scores s ON s.resident_id = t.tenant AND s.uprn <> t.uprn
         AND (s.uprn = m.uprn OR s.since > t.since)
    WHERE NOT m.deceased
    GROUP BY t.tenancy, t.tenant),
away AS (   -- a tenancy counts as left only if every living tenant is evidenced elsewhere (a tenant no record
            -- of any other system knows says nothing either way: not evidenced here, nor elsewhere)
    SELECT tenancy, min(score) FILTER (known_beyond OR score > 0) AS score FROM elsewhere GROUP BY tenancy
    HAVING min(score) FILTER (known_beyond OR score > 0) > 0),
occupants AS (
    SELECT t.tenancy, s.resident_id, s.score
    FROM tenancies t
    JOIN residence_scores s ON s.uprn = t.uprn
    JOIN mart_residents m ON m.resident_id = s.resident_id AND m.uprn = t.uprn AND m.adult AND NOT m.deceased
    JOIN _person_names o ON o.resident_id = s.resident_id
    WHERE NOT EXISTS (SELECT 1 FROM members b WHERE b.tenancy = t.tenancy AND b.resident_id = s.resident_id)
      AND NOT EXISTS (SELECT 1 FROM relationships r WHERE r.type <> 'same_household'   -- stored one way
                      AND ((r.related_resident_id = s.resident_id AND list_contains(t.tenants, r.resident_id))
                           OR (r.resident_id = s.resident_id AND list_contains(t.tenants, r.related_resident_id))))
      AND NOT EXISTS (SELECT 1 FROM tenants tt JOIN _person_names tn ON tn.resident_id = tt.tenant
                      WHERE tt.tenancy = t.tenancy AND possibly_same_person(tn, o))),
unrelated AS (
    SELECT tenancy, max(score) AS score, list(resident_id ORDER BY resident_id) AS residents FROM occupants GROUP BY tenancy),
tenant_evidence AS (
    SELECT a.tenancy,
           list({'source_system': e.source_system, 'record_id': e.source_record_id, 'date': e.since,
                 'fact': 'tenant ' || e.resident_id || ' recorded at another address (' || e.uprn || ')'}
                ORDER BY e.since DESC, e.source_system, e.source_record_id) AS evidence
    FROM away a JOIN tenants t USING (tenancy)
    JOIN elsewhere w ON w.tenancy = t.tenancy AND w.tenant = t.tenant
    JOIN residence_evidence e ON e.resident_id = t.tenant AND e.uprn = w.lives_at AND e.counts
    GROUP BY a.tenancy),
occupant_evidence AS (
    SELECT o.tenancy,
           list({'source_system': e.source_system, 'record_id': e.source_record_id, 'date': e.since,
                 'fact': 'adult ' || e.resident_id || ', not on the tenancy nor related to a tenant, recorded in the home'}
                ORDER BY e.since DESC, e.source_system, e.source_record_id) AS evidence
    FROM occupants o JOIN tenancies t USING (tenancy)
    JOIN residence_evidence e ON e.resident_id = o.resident_id AND e.uprn = t.uprn AND e.counts
    GROUP BY o.tenancy)
SELECT 'SUB-' || t.tenancy AS case_id,
       $elsewhere_share * a.score + (1 - $elsewhere_share) * coalesce(u.score, 0) AS score,
       'Tenancy ' || t.tenancy || ': ' || CASE WHEN len(t.tenants) = 1 THEN 'the tenant is' ELSE 'every tenant is' END
           || ' recorded living at another address now'
           || CASE WHEN u.residents IS NULL THEN ''
                   ELSE ', and ' || len(u.residents) || CASE WHEN len(u.residents) = 1 THEN ' adult' ELSE ' adults' END
                        || ' not on the tenancy nor related to ' || CASE WHEN len(t.tenants) = 1 THEN 'the tenant' ELSE 'a tenant' END
                        || CASE WHEN len(u.residents) = 1 THEN ' is' ELSE ' are' END
                        || ' recorded living in the home' END AS reason,
       t.tenants[1] AS resident_id, t.uprn, t.tenancy AS reference,
       list_concat(t.tenants[2:], coalesce(u.residents, [])) AS related_residents,
       t.evidence || te.evidence || coalesce(oe.evidence, []) AS evidence
FROM tenancies t
JOIN away a USING (tenancy)
JOIN tenant_evidence te USING (tenancy)
LEFT JOIN unrelated u USING (tenancy)
LEFT JOIN occupant_evidence oe USING (tenancy)
