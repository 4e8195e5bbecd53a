"""WARN check codes_mapped: every role and status code an extract holds maps to the project's vocabulary
(the YAML's `codes:`, docs/evidence.md). An unmapped code leaves the record's canonical role or status
empty, so the rules reading it (tenants, claimants, live or ended) pass the record by: the check names each
code and how many records carry it, so the map can be completed."""

from resident_index.quality.suite import CheckOutcome
from resident_index.sources.codes import unmapped_codes

CHECK_NAME = "codes_mapped"
SEVERITY = "WARN"
DESCRIPTION = ("Every role and status code in the extract maps to a canonical role or status (codes: in the "
               "YAML): an unmapped code leaves the record's role or status empty.")


def codes_check(result) -> CheckOutcome:
    """The outcome for one staged extract (a StagingResult)."""
    found = unmapped_codes(result.records)
    explanation = "; ".join(
        f"{field} code(s) not in codes.{field}: " + ", ".join(f"{code!r} ({n} records)" for code, n in codes.items())
        for field, codes in found.items())
    return CheckOutcome(CHECK_NAME, SEVERITY, not found, {"unmapped_codes": found},
                        numbers={"records_with_unmapped_codes": sum(sum(c.values()) for c in found.values())},
                        explanation=explanation)
