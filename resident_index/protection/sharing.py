"""Pseudonymised sharing: one export per data sharing agreement (protection/sharing.yaml), people keyed by
HMAC-SHA256 tokens in place of names, and the data sharing register generated from the same config.

The token of a person under an agreement is

    hex(HMAC-SHA256(key, "|".join(value of each `link_on` field, standardised)))

with the agreement's own key (data/secrets/sharing_<agreement>.key, 32 random bytes made 0600 on first use,
or RESIDENT_INDEX_SHARING_KEY_<AGREEMENT>). Standardised as the index holds them: NHS number 10 digits,
NI number upper case without spaces, dob YYYY-MM-DD, surname and forename upper-case ASCII, postcode upper
case without spaces. The partner, given the key under the agreement, computes the same token from its own
records and links them; without the key a token says nothing. Another agreement's key gives another token,
so two partners cannot join their exports; one key gives the same token on every run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from resident_index import settings
from resident_index.files import private_dir, replaced_atomically
from resident_index.protection.ledger import secret_key

#: what an agreement may send beside the token: name -> SQL on golden_residents g (and households h)
FIELDS = {
    "year_of_birth": "year(g.dob)",
    "age_band": """CASE WHEN g.dob IS NULL THEN NULL
                        WHEN date_diff('year', g.dob, g.last_seen) < 18 THEN '0-17'
                        WHEN date_diff('year', g.dob, g.last_seen) < 65 THEN '18-64'
                        WHEN date_diff('year', g.dob, g.last_seen) < 85 THEN '65-84' ELSE '85+' END""",
    "sex": "g.sex",
    "ward": "g.ward",
    "postcode_district": "split_part(g.postcode, ' ', 1)",
    "services": "array_to_string(g.services, ';')",
    "household_size": "h.residents",
    "deceased": "g.deceased",
}
LINK = {"nhs_number": "g.nhs_number", "ni_number": "replace(upper(g.ni_number), ' ', '')",
        "dob": "strftime(g.dob, '%Y-%m-%d')", "surname": "g.surname", "forename": "g.forename",
        "postcode": "replace(upper(g.postcode), ' ', '')"}


def agreement_key(agreement: str) -> bytes:
    return secret_key(f"sharing_{agreement}", f"RESIDENT_INDEX_SHARING_KEY_{agreement.upper()}")


def token(key: bytes, values: list[str]) -> str:
    return hmac.new(key, "|".join(values).encode("utf-8"), hashlib.sha256).hexdigest()


def sharing_dir() -> Path:
    return settings.data_dir() / "sharing"


def export_agreement(grant, con: duckdb.DuckDBPyConnection, name: str, out: Path | None = None) -> dict:
    """The agreement's export: one row per living resident in its population with every link_on value,
    keyed by token, with its fields; written to <out>/<name>-<date>.csv with a manifest; audited."""
    agreement = grant.protection.agreements[name]
    key = agreement_key(name)
    link = [LINK[f] for f in agreement.link_on]
    population = "" if agreement.population == "all" else \
        "AND list_has_any(g.services, [" + ", ".join(f"'{s}'" for s in agreement.population) + "])"
    hidden = grant.hidden_residents(con)
    rows = con.execute(f"""
        SELECT g.resident_id, [{', '.join(f'({c})::VARCHAR' for c in link)}] AS link,
               {', '.join(f'{FIELDS[f]} AS {f}' for f in agreement.fields) or 'NULL AS nothing'}
        FROM golden_residents g LEFT JOIN households h ON h.uprn = g.uprn
        WHERE NOT coalesce(g.deceased, false) {population}
        ORDER BY g.resident_id""").fetchall()
    kept, missing, restricted = [], 0, 0
    for resident_id, values, *fields in rows:
        if resident_id in hidden:
            restricted += 1
        elif any(v is None or v == "" for v in values):
            missing += 1
        else:
            kept.append([token(key, values), *fields])
    kept.sort()
    folder = private_dir(Path(out) if out else sharing_dir() / name)
    day = datetime.now(timezone.utc).date().isoformat()
    path = folder / f"{name}-{day}.csv"
    import csv

    with replaced_atomically(path) as partial:
        with open(partial, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["token", *agreement.fields])
            writer.writerows(kept)
    manifest = {"agreement": name, "partner": agreement.partner, "purpose": agreement.purpose,
                "lawful_basis": agreement.lawful_basis, "generated_at": datetime.now(timezone.utc).isoformat(),
                "generated_by": grant.user, "rows": len(kept), "token": f"HMAC-SHA256 of {'|'.join(agreement.link_on)}",
                "key_id": hashlib.sha256(key).hexdigest()[:12], "fields": agreement.fields,
                "left_out": {"without_every_link_value": missing, "restriction_or_erasure": restricted}}
    with replaced_atomically(folder / f"{name}-{day}.manifest.json") as partial:
        partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    grant.audit(table="golden_residents", rows=len(kept),
                detail={"agreement": name, "partner": agreement.partner, "path": str(path),
                        "left_out": manifest["left_out"]})
    return {"path": path, "rows": len(kept), "left_out": missing + restricted,
            "left_out_why": f"{missing} without every value of {', '.join(agreement.link_on)}, {restricted} under "
                            "a restriction or erasure request"}


def register_markdown(protection) -> str:
    """The data sharing register, from protection/sharing.yaml."""
    lines = ["# Data sharing register", "",
             f"{protection.organisation.controller}. Generated from protection/sharing.yaml; each agreement's "
             "export is `resident-index share <agreement>`.", "",
             "| agreement | partner | purpose | lawful basis | linked on | fields shared | population | frequency "
             "| partner keeps it | contact | review by |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, a in protection.agreements.items():
        population = "every living resident" if a.population == "all" else "living residents known to " + \
            ", ".join(a.population)
        lines.append(f"| {name} | {a.partner} | {protection.purposes[a.purpose].title}: {a.description.strip()} | "
                     f"{a.lawful_basis.strip()} | token: HMAC-SHA256 of {' + '.join(a.link_on)} | "
                     f"{', '.join(a.fields) or '(token only)'} | {population} | {a.frequency} | "
                     f"{a.retention_by_partner} | {a.contact} | {a.review_date} |")
    if not protection.agreements:
        lines.append("| (no agreement) | | | | | | | | | | |")
    return "\n".join(lines) + "\n"
