"""counter_fraud.yaml, validated: each list's rules. Lists select systems by what they evidence (the source
YAMLs' `evidence:`), never by name; roles are the project's canonical roles (docs/evidence.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from resident_index.sources.spec import Kind, Role
Score = Field(ge=0, le=1)

#: keys the lists once held that named a system or its raw columns, and where each went
MOVED_KEYS = {
    "source": "the systems are those whose YAML declares the list's evidence kind",
    "discount_attribute": "the council tax system's evidence.council_tax_liability.discount.column",
    "discount_values": "the council tax system's evidence.council_tax_liability.discount.values",
    "entitlements": "each entitlement system's evidence.entitlement (what, period_start)",
    "period_start_formats": "each entitlement system's evidence.entitlement.period_start.formats",
}


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, raw):
        if isinstance(raw, dict):
            moved = [f"'{k}' ({MOVED_KEYS[k]})" for k in raw if k in MOVED_KEYS]
            if moved:
                raise ValueError("keys that named systems or their columns moved to the source YAMLs "
                                 "(docs/evidence.md): " + "; ".join(moved))
        return raw


class RoleSelection(BaseModel):
    """Records of every system evidencing `evidence`, in one of `roles`."""

    model_config = ConfigDict(extra="forbid")

    evidence: Kind
    roles: list[Role] = Field(min_length=1)


class SinglePersonDiscount(_Rules):
    #: evidence begun before the liability did, or with no start date, counts at this share of its weight
    predating_factor: float = Score
    #: systems evidencing a kind count only through their records in these roles
    evidence_roles: list[RoleSelection] = Field(default_factory=list)
    notify_days: int = Field(ge=0)
    min_score: float = Score


class Sublets(_Rules):
    tenant_roles: list[Role] = Field(min_length=1)
    elsewhere_share: float = Score
    min_score: float = Score


class EntitlementsAfterDeath(_Rules):
    grace_days: int = Field(ge=0)
    min_score: float = Score


class FalseSchoolAddresses(_Rules):
    child_roles: list[Role] = Field(min_length=1)
    parent_roles: list[Role] = Field(min_length=1)
    min_score: float = Score


class MultipleIdentities(_Rules):
    claims: list[RoleSelection] = Field(min_length=1)
    forename_similarity: float = Score
    surname_similarity: float = Score
    min_score: float = Score


class CounterFraudRules(BaseModel):
    """marts/counter_fraud.yaml: one section per list."""

    model_config = ConfigDict(extra="forbid")

    single_person_discount: SinglePersonDiscount
    sublets: Sublets
    entitlements_after_death: EntitlementsAfterDeath
    false_school_addresses: FalseSchoolAddresses
    multiple_identities: MultipleIdentities

    @field_validator("*", mode="after")
    @classmethod
    def _roles_the_systems_give(cls, value, info: ValidationInfo):
        """A role no system evidencing the kind can give (its codes.role and constants map nothing to it)
        is a mistake: the list would be empty. Checked against the registry when loaded with one."""
        sources = (info.context or {}).get("sources")
        if sources is None:
            return value
        checks = []
        if isinstance(value, Sublets):
            checks.append(("tenant_roles", "tenancy", value.tenant_roles))
        if isinstance(value, FalseSchoolAddresses):
            checks += [("child_roles", "school_application", value.child_roles),
                       ("parent_roles", "school_application", value.parent_roles)]
        for key in ("evidence_roles", "claims"):
            for i, selection in enumerate(getattr(value, key, [])):
                checks.append((f"{key}.{i}.roles", selection.evidence, selection.roles))
        for key, kind, roles in checks:
            systems = [s for s in sources if getattr(s.evidence, kind) is not None]
            given = {r for s in systems for r in s.roles_given()}
            if systems and not set(roles) & given:
                raise ValueError(f"{key}: no system evidencing {kind} ({', '.join(s.name for s in systems)}) "
                                 f"gives any of the roles {list(roles)}; their codes.role and constants give "
                                 f"{sorted(given) or 'none'}")
        return value

