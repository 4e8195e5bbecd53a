-- Single person discount claimed on a live council tax account (a record of a council_tax_liability system
-- whose discount column holds one of its discount values: _discounts) while another adult is evidenced living at
-- the property. Left out, as the discount rules disregard them: children (and those who turned 18 less
-- than $notify_days ago: the household has that long to tell the council), the dead, and anyone the golden
-- record places at another address now or a move-out system recorded leaving (residence_evidence.counts).
-- Also left out: accounts whose liable people are all dead (the after-death list has them), "other adults"
-- who could be a liable person (possibly_same_person: one person, records unlinked), and adults billed on
-- a live account of their own at the property (a separate household, or the next occupant).
-- Where `evidence_roles` names a system's kind, only its records in those roles count (a partner on a benefit
-- claim shows a second adult; a claimant at the address who is not liable there is a claims question).
-- An adult's evidence that began before the liability did, or carries no date, counts at
-- $predating_factor of its weight: a previous household's records linger in systems that learn of moves
-- late, while a partner's begin when they move in. Day one: evidence current at the extract with no known
-- start (live_records.start_known: a first extract of systems holding no start date) counts in full when at
-- least two systems place the adult there that way (a GP and an electoral registration), as nothing says
-- they predate the liability and two systems rarely both keep a previous occupant; one alone still counts
-- at $predating_factor.
WITH claims AS (
    SELECT r.source_system AS liability_system, r.group_ref AS account, r.uprn, r.resident_id, r.source_record_id,
           r.since
    FROM live_records r JOIN person_records p USING (source_system, source_record_id)
    JOIN _discounts d ON d.source_system = r.source_system
    WHERE r.live AND r.uprn IS NOT NULL
      AND list_contains(d.flag_values, upper(p.source_attributes->>d.attribute))),
accounts AS (
    SELECT liability_system, account, min(claims.uprn) AS uprn, min(claims.since) AS liable_since,
           list(DISTINCT resident_id ORDER BY resident_id) AS liable,
           list(DISTINCT n) AS liable_names,
           list({'source_system': liability_system, 'record_id': source_record_id, 'date': since,
                 'fact': 'liable on account ' || account || ' with single person discount'} ORDER BY source_record_id) AS evidence
    FROM claims JOIN mart_residents m USING (resident_id) JOIN _person_names n USING (resident_id)
    GROUP BY liability_system, account HAVING bool_or(NOT m.deceased)),
other_evidence AS (
    SELECT a.liability_system, a.account, e.resident_id, e.source_system, e.source_record_id, e.since,
           e.weight * CASE WHEN e.start_date >= a.liable_since THEN 1
                           WHEN NOT e.start_known AND u.systems >= 2 THEN 1
                           ELSE $predating_factor END AS weight
    FROM accounts a
    JOIN residence_evidence e ON e.uprn = a.uprn AND e.counts AND NOT list_contains(a.liable, e.resident_id)
    LEFT JOIN (SELECT resident_id, uprn, count(DISTINCT source_system) AS systems FROM residence_evidence
               WHERE counts AND NOT start_known GROUP BY ALL) u ON u.resident_id = e.resident_id AND u.uprn = e.uprn
                             AND e.source_system <> a.liability_system   -- a liability is its own account's
    LEFT JOIN _evidence_roles er ON er.source = e.source_system
    JOIN mart_residents m ON m.resident_id = e.resident_id AND m.uprn = a.uprn AND m.adult AND NOT m.deceased
                          AND (m.dob IS NULL OR m.dob + INTERVAL 18 YEAR <= m.as_of - $notify_days::INTEGER)
    JOIN _person_names o ON o.resident_id = e.resident_id
    WHERE NOT list_bool_or([possibly_same_person(n, o) FOR n IN a.liable_names])
      AND NOT EXISTS (SELECT 1 FROM live_records own        -- billed on an account of their own there
                      WHERE own.resident_id = e.resident_id AND own.source_system = a.liability_system AND own.live
                        AND own.uprn = a.uprn AND own.group_ref <> a.account)
      AND (er.source IS NULL OR list_contains(er.roles, e.role))),
others AS (
    SELECT liability_system, account, resident_id, 1 - list_product(list(1 - weight ORDER BY source_system)) AS score  -- in one order
    FROM (SELECT liability_system, account, resident_id, source_system, max(weight) AS weight FROM other_evidence
          GROUP BY ALL)
    GROUP BY ALL),
found AS (
    SELECT o.liability_system, o.account, max(o.score) AS score, list(DISTINCT o.resident_id ORDER BY o.resident_id) AS others,
           list(DISTINCT t.title ORDER BY t.title) AS titles,
           list({'source_system': e.source_system, 'record_id': e.source_record_id, 'date': e.since,
                 'fact': 'adult ' || o.resident_id || ' recorded at the property'}
                ORDER BY e.since, e.source_system, e.source_record_id) AS evidence
    FROM others o
    JOIN other_evidence e USING (liability_system, account, resident_id)
    LEFT JOIN _source_titles t ON t.source_system = e.source_system
    GROUP BY o.liability_system, o.account)
SELECT 'SPD-' || a.account || CASE WHEN (SELECT count(*) FROM _discounts) > 1 THEN '-' || a.liability_system ELSE '' END
           AS case_id, f.score,
       'Single person discount on account ' || a.account || ', but ' || len(f.others)
           || CASE WHEN len(f.others) = 1 THEN ' other adult is' ELSE ' other adults are' END
           || ' recorded living at the property (' || array_to_string(f.titles, ', ') || ')' AS reason,
       a.liable[1] AS resident_id, a.uprn, a.account AS reference, f.others AS related_residents,
       a.evidence || f.evidence AS evidence
FROM accounts a JOIN found f USING (liability_system, account)
