"""The source registry's data model: one YAML file per council system, validated here.

A council adds a system by writing one YAML file (and, optionally, a Great Expectations suite beside it);
no Python changes. See docs/adding-a-source.md for a worked example.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from resident_index.council import BUNDLED_COUNCIL, council_dir

#: The bundled (synthetic) council's source YAMLs; a council's own are in sources/ of its config folder.
BUNDLED_REGISTRY = BUNDLED_COUNCIL / "sources"

#: Canonical person fields a source column can map to. Every staged record has all of them (null where the
#: source does not hold the fact); see docs/architecture.md for what each one means.
NAME_FIELDS = ("full_name", "title", "forename", "middle_names", "surname", "previous_surname")
CANONICAL_FIELDS = (
    "source_record_id",
    *NAME_FIELDS,
    "dob",
    "sex",
    "nhs_number",
    "ni_number",
    "shared_id",  # another identifier several systems hold for the person (a pupil number, say)
    "phone",
    "mobile",
    "email",
    "address",  # a single free-text address column; or list several columns, joined with ", "
    "postcode",
    "uprn",
    "date_of_death",
    "start_date",  # when the record's service, account, claim, registration or contact began
    "end_date",  # when it ended; null while active
    "group_ref",  # the account / claim / tenancy / case a record belongs to (links household members)
    "role",  # the person's role in that group: lead, partner, joint, child, parent, carer, applicant...
    "status",  # the record's status in its system (active, closed, cancelled...)
)
DATE_FIELDS = ("dob", "date_of_death", "start_date", "end_date")
#: The project's vocabulary (docs/evidence.md): what a system's records can be evidence of, and the canonical
#: roles and statuses a system's own codes map to (`codes:`). Rule files select systems by evidence kind.
EVIDENCE_KINDS = ("residence", "council_tax_liability", "tenancy", "benefit_claim", "electoral_entry", "death",
                  "entitlement", "service_use", "school_application", "childrens_social_care", "adult_care")
ROLES = ("lead", "joint", "member", "claimant", "partner", "dependant", "child", "parent", "carer", "applicant",
         "holder")
STATUSES = ("active", "pending", "ended", "cancelled", "deceased")
Kind = Literal[EVIDENCE_KINDS]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
#: statuses under which a record no longer evidences anything (an ended tenancy, a cancelled claim)
INACTIVE_STATUSES = ("ended", "cancelled", "deceased")
#: kinds whose records mean something only in a role: the system must map its role codes (or give a constant)
KINDS_NEEDING_ROLES = ("council_tax_liability", "tenancy", "benefit_claim", "school_application",
                       "childrens_social_care")
#: canonical fields a second person in one row can have of their own (`second_person.columns`)
SECOND_PERSON_FIELDS = (*NAME_FIELDS, "dob", "sex", "nhs_number", "ni_number", "shared_id", "phone", "mobile",
                        "email")
#: canonical fields a `constants:` entry can set where the system has no column
CONSTANT_FIELDS = ("role", "status")
#: an owner Dagster accepts: a team ("team:revenues") or an email address
OWNER_PATTERN = r"^(team:[^\s@]+|[^\s@]+@[^\s@]+\.[^\s@]+)$"


class LandingSpec(BaseModel):
    """Where and how a system's daily extracts land: data/landing/<folder>/<YYYY-MM-DD>.<extension>."""

    model_config = ConfigDict(extra="forbid")

    folder: str
    format: Literal["csv", "jsonl"] = "csv"
    extension: str = "csv"
    encoding: str = "utf-8"
    delimiter: str = ","
    quotechar: str = '"'

    def extract_path(self, landing_dir: Path, extract_date: date | str) -> Path:
        return landing_dir / self.folder / f"{extract_date}.{self.extension}"


class CheckThresholds(BaseModel):
    """Limits the built-in checks judge against; the rest live in the source's GX suite."""

    model_config = ConfigDict(extra="forbid")

    max_row_count_change: float = 0.2  # relative change in rows against the previous extract
    max_quarantine_rate: float = 0.01  # share of landed rows that could not be staged
    #: share of an extract's records that must give each of the source's `required_fields`
    min_required_rate: float = Field(default=0.99, ge=0, le=1)


class MatchingHints(BaseModel):
    """What the system's rules guarantee about its records, which resolution uses as hard constraints."""

    model_config = ConfigDict(extra="forbid")

    #: everyone in the system is at least this old (council tax payers 18, electors 16 with attainers):
    #: a record here cannot belong to a younger person
    min_age: int | None = None
    #: the system never holds one person twice at one address (the electoral register): two of its
    #: records at the same UPRN are two people, e.g. a father and son with the same name
    distinct_at_address: bool = False
    #: the system lists each person once in a group (`group_ref`: a tenancy's household, a claim, an
    #: account, an application): two of its records in one group under forenames (or first middle names)
    #: that cannot be one person's are two people, e.g. twins on one tenancy with one birthday
    distinct_in_group: bool = False


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResidenceEvidence(_Options):
    """A live record places the person at its address, this strongly (0 to 1; several systems combine as
    1 - product(1 - weight))."""

    weight: float = Field(ge=0, le=1)
    #: an ended record means the person left the address (a liability, a tenancy): their live records elsewhere
    #: in the index that began before it ended no longer place them there
    ends_on_move_out: bool = False
    #: a never-closed record (a CRM contact) counts only while its activity date (`activity_column`, a source
    #: column kept in the record's source attributes, else its start date) is this recent
    stale_after_days: int | None = Field(default=None, ge=1)
    activity_column: str | None = None
    #: false for a system whose records carry no real start date (the feed's date is the extract's): its
    #: records in the first extract are "current, start unknown". Default: true when start_date is mapped.
    start_known: bool | None = None


class SourceColumnValues(_Options):
    """A source column (kept in the record's source attributes) and the values of it that mean yes."""

    column: str
    values: list[str] = Field(min_length=1)


class CouncilTaxLiability(_Options):
    #: the single person discount flag: the column and its values that mean the discount is claimed
    discount: SourceColumnValues | None = None


class DatedColumn(_Options):
    column: str
    format: str


class DatedColumnFormats(_Options):
    column: str
    formats: list[str] = Field(min_length=1)


class ElectoralEntry(_Options):
    #: source column holding the polling district (else the gazetteer's for the registered UPRN)
    polling_district: str | None = None
    #: source column holding an attainer's date of attainment, and how it is written
    attainment_date: DatedColumn | None = None


class Entitlement(_Options):
    """An entitlement that must stop at death (a badge, a permit, a claim, a liability, a registration)."""

    what: str = Field(min_length=1)
    #: where a renewal keeps the record: the source column holding the current period's start
    period_start: DatedColumnFormats | None = None


class ServiceUse(_Options):
    #: the name charts and tables show (default: the source's title)
    label: str | None = None
    #: position among the services in charts and tables (default: after those with one, by name)
    order: int | None = None


class Evidence(_Options):
    """What the system's records are evidence of, in the project's vocabulary (docs/evidence.md). Each kind is
    declared by its key; `death: {}` (or `death:` with nothing after it) declares a kind with no options."""

    residence: ResidenceEvidence | None = None
    council_tax_liability: CouncilTaxLiability | None = None
    tenancy: _Options | None = None
    benefit_claim: _Options | None = None
    electoral_entry: ElectoralEntry | None = None
    death: _Options | None = None
    entitlement: Entitlement | None = None
    service_use: ServiceUse | None = None
    school_application: _Options | None = None
    childrens_social_care: _Options | None = None
    adult_care: _Options | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_keys_declare(cls, raw):
        if isinstance(raw, dict):
            unknown = sorted(set(raw) - set(EVIDENCE_KINDS))
            if unknown:
                raise ValueError(f"unknown evidence kind(s) {unknown}; expected some of {list(EVIDENCE_KINDS)}")
            return {k: ({} if v is None else v) for k, v in raw.items()}
        return raw

    def kinds(self) -> list[str]:
        return [k for k in EVIDENCE_KINDS if getattr(self, k) is not None]


class Codes(_Options):
    """The system's own codes mapped to the project's (compared upper case, spaces trimmed)."""

    role: dict[str, Literal[ROLES]] = Field(default_factory=dict)  # type: ignore[valid-type]
    status: dict[str, Literal[STATUSES]] = Field(default_factory=dict)  # type: ignore[valid-type]

    @field_validator("role", "status", mode="before")
    @classmethod
    def _codes_as_text(cls, codes):
        # YAML reads a bare Y, 1 or TRUE as a bool or a number: the code is what the system writes
        return {_code_text(k): v for k, v in codes.items()} if isinstance(codes, dict) else codes

    def lookup(self, field: str) -> dict[str, str]:
        """The map keyed by the codes as staging compares them (upper case, trimmed)."""
        return {k.strip().upper(): v for k, v in getattr(self, field).items()}


def _code_text(value) -> str:
    if isinstance(value, bool):  # YAML 1.1 reads a bare ON, OFF, YES, NO, TRUE or FALSE as true/false
        raise ValueError(f"a code read as {str(value).lower()}: YAML turns a bare ON, OFF, YES, NO, TRUE or FALSE "
                         "into true/false, so write the system's code in quotes (e.g. 'OFF': cancelled)")
    return str(value)


class SecondPerson(_Options):
    """A second person in the same row (a pupil's parent, a child's carer): staged as a record of its own,
    `<source_record_id>~2`, at the row's address, in the row's group (else a group named by the row's id)."""

    #: canonical field -> source column of the second person's own details (names, contacts, identifiers)
    columns: dict[str, str | list[str]] = Field(min_length=1)
    #: the second person's canonical role
    role: Literal[ROLES]  # type: ignore[valid-type]
    #: the canonical role of the row's main person, where the system has no role column
    first_role: Literal[ROLES] | None = None  # type: ignore[valid-type]

    @field_validator("columns")
    @classmethod
    def _own_fields(cls, columns: dict) -> dict:
        unknown = sorted(set(columns) - set(SECOND_PERSON_FIELDS))
        if unknown:
            raise ValueError(f"second_person.columns: {unknown} cannot be a second person's own; expected some "
                             f"of {list(SECOND_PERSON_FIELDS)} (the address, group, dates and status are the row's)")
        if "surname" not in columns and "full_name" not in columns:
            raise ValueError("second_person.columns must map surname or full_name")
        return columns


class SourceSpec(BaseModel):
    """One council system: its extracts, its column mapping, and who is accountable for it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str
    system: str = ""  # the product the council runs, e.g. "Northgate Revenues"
    data_owner: str
    #: who answers for the asset in Dagster (its `owners`): a team as "team:<name>" or an email address.
    #: When absent, data_owner is used if it has one of those forms; free text ("Head of Revenues") is not.
    owner: str | None = None
    #: how sensitive its records are: "personal" (names, dates of birth, identifiers) or "special_category"
    #: (UK GDPR article 9: health, social care); tagged on the asset as `sensitivity`
    sensitivity: Literal["personal", "special_category"] = "personal"
    lawful_basis: str
    retention: str
    landing: LandingSpec
    #: canonical field -> source column (or a list of columns, joined with ", " for addresses and names)
    columns: dict[str, str | list[str]]
    #: canonical date field -> strptime formats tried in order (e.g. ["%d/%m/%Y", "%Y-%m-%d"])
    date_formats: dict[str, list[str]] = Field(default_factory=dict)
    #: how `full_name` is written: "forename surname", "SURNAME, Forename", or any: either way round, each name
    #: read as its case and the names around it say (standardise/names.py name_orders)
    name_order: Literal["forename_first", "surname_first", "any"] = "forename_first"
    #: source columns that must be present in every extract; a missing one rejects the whole extract
    required_columns: list[str] = Field(default_factory=list)
    #: canonical fields every record must give: an extract where fewer than `checks.min_required_rate` of the
    #: records give one is rejected (ERROR) and the previous accepted extract stays in use. Every other
    #: mapped field is optional: however often it is empty, it never blocks an extract.
    required_fields: list[str] = Field(default_factory=lambda: ["surname"])
    #: the kind of event each record is on a resident's timeline (claim, registration, contact...)
    event_type: str = "record"
    checks: CheckThresholds = Field(default_factory=CheckThresholds)
    matching: MatchingHints = Field(default_factory=MatchingHints)
    #: what the records are evidence of (docs/evidence.md): rule files select systems by these kinds
    evidence: Evidence = Field(default_factory=Evidence)
    #: the system's own role and status codes mapped to the project's vocabulary
    codes: Codes = Field(default_factory=Codes)
    #: a value where the system has no column, e.g. {role: child} for a pupil system
    constants: dict[str, str] = Field(default_factory=dict)
    #: a second person held in the same row (a pupil's parent)
    second_person: SecondPerson | None = None
    #: path of the Great Expectations suite beside this YAML (set by the loader)
    suite_path: Path | None = None
    #: path of this YAML (set by the loader)
    spec_path: Path | None = Field(default=None, exclude=True)

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        unknown = sorted(set(columns) - set(CANONICAL_FIELDS))
        if unknown:
            raise ValueError(f"unknown canonical fields {unknown}; expected some of {list(CANONICAL_FIELDS)}")
        if "source_record_id" not in columns:
            raise ValueError("columns must map source_record_id (the system's own record key)")
        return columns

    @field_validator("owner")
    @classmethod
    def _owner_form(cls, owner: str | None) -> str | None:
        if owner is not None and not re.fullmatch(OWNER_PATTERN, owner):
            raise ValueError(f"owner must be a team written 'team:<name>' (e.g. team:revenues) or an email "
                             f"address, not {owner!r}; the person's title belongs in data_owner")
        return owner

    @model_validator(mode="after")
    def _dates_have_formats(self) -> SourceSpec:
        for field in DATE_FIELDS:
            if field in self.columns and not self.date_formats.get(field):
                raise ValueError(f"column '{field}' is mapped but date_formats['{field}'] is missing")
        return self

    @model_validator(mode="after")
    def _required_fields_are_mapped(self) -> SourceSpec:
        for field in self.required_fields:
            if field not in CANONICAL_FIELDS:
                raise ValueError(f"required_fields: '{field}' is not a canonical field; expected some of "
                                 f"{list(CANONICAL_FIELDS)}")
            if field not in self.columns and not (field in NAME_FIELDS and "full_name" in self.columns):
                raise ValueError(f"required_fields: '{field}' is not mapped in `columns`, so no record could "
                                 "give it; map it or take it out of required_fields")
        return self

    @model_validator(mode="after")
    def _codes_constants_evidence_agree(self) -> SourceSpec:
        for field, value in self.constants.items():
            if field not in CONSTANT_FIELDS:
                raise ValueError(f"constants: '{field}' cannot be a constant; expected one of {list(CONSTANT_FIELDS)}")
            vocabulary = ROLES if field == "role" else STATUSES
            if value not in vocabulary:
                raise ValueError(f"constants.{field}: {value!r} is not a canonical {field}; expected one of "
                                 f"{list(vocabulary)}")
            if field in self.columns:
                raise ValueError(f"constants.{field}: '{field}' is also mapped in `columns` to "
                                 f"{self.columns[field]!r}; a constant is for a system with no such column")
        for field in ("role", "status"):
            if getattr(self.codes, field) and field not in self.columns:
                raise ValueError(f"codes.{field}: no column is mapped to '{field}' in `columns`, so no code "
                                 f"could be read; map the column or use constants.{field}")
        gives_roles = bool(self.codes.role) or "role" in self.constants or (
            self.second_person is not None and self.second_person.first_role is not None)
        for kind in KINDS_NEEDING_ROLES:
            if getattr(self.evidence, kind) is not None and not gives_roles:
                raise ValueError(f"evidence.{kind} needs roles: map the system's role codes under codes.role "
                                 f"(e.g. {{LEAD: lead}}) or give constants.role; expected roles from {list(ROLES)}")
        residence = self.evidence.residence
        if residence is not None and residence.activity_column is not None and residence.stale_after_days is None:
            raise ValueError("evidence.residence.activity_column is set but stale_after_days is not: the activity "
                             "date matters only for a record that goes stale")
        mapped = set(self.source_columns(main_only=True))
        for key, column in self.evidence_columns().items():
            if column in mapped:
                raise ValueError(f"evidence.{key}: column {column!r} is mapped in `columns`; evidence options "
                                 "read the columns that are not (kept in each record's source attributes)")
        if self.second_person is not None:
            fields = self.second_person.columns
            for field in DATE_FIELDS:
                if field in fields and not self.date_formats.get(field):
                    raise ValueError(f"second_person.columns: '{field}' is mapped but date_formats['{field}'] "
                                     "is missing")
        return self

    def evidence_columns(self) -> dict[str, str]:
        """Source columns the evidence options read (key path -> column), all kept in source attributes."""
        ev, found = self.evidence, {}
        if ev.residence and ev.residence.activity_column:
            found["residence.activity_column"] = ev.residence.activity_column
        if ev.council_tax_liability and ev.council_tax_liability.discount:
            found["council_tax_liability.discount.column"] = ev.council_tax_liability.discount.column
        if ev.electoral_entry and ev.electoral_entry.polling_district:
            found["electoral_entry.polling_district"] = ev.electoral_entry.polling_district
        if ev.electoral_entry and ev.electoral_entry.attainment_date:
            found["electoral_entry.attainment_date.column"] = ev.electoral_entry.attainment_date.column
        if ev.entitlement and ev.entitlement.period_start:
            found["entitlement.period_start.column"] = ev.entitlement.period_start.column
        return found

    def roles_given(self) -> set[str]:
        """The canonical roles the system's records can carry: its codes.role values, its constant role and
        its second person's roles (any role, where the role column is read with no map: codes already ours)."""
        roles = set(self.codes.role.values())
        if "role" in self.constants:
            roles.add(self.constants["role"])
        if self.second_person is not None:
            roles |= {r for r in (self.second_person.role, self.second_person.first_role) if r}
        if "role" in self.columns and not self.codes.role:
            roles |= set(ROLES)
        return roles

    def start_known(self) -> bool:
        """Whether the records' start dates are real (evidence.residence.start_known, else start_date mapped)."""
        declared = self.evidence.residence.start_known if self.evidence.residence else None
        return ("start_date" in self.columns) if declared is None else (declared and "start_date" in self.columns)

    def owners(self) -> list[str]:
        """The Dagster owners of the source's asset: `owner`, else data_owner if it is a team or an email."""
        if self.owner:
            return [self.owner]
        return [self.data_owner] if re.fullmatch(OWNER_PATTERN, self.data_owner) else []

    def source_columns(self, main_only: bool = False) -> list[str]:
        """Every source column the mapping reads (the second person's too, unless `main_only`), in mapping
        order, each once."""
        seen: dict[str, None] = {}
        mappings = list(self.columns.values())
        if self.second_person is not None and not main_only:
            mappings += list(self.second_person.columns.values())
        for value in mappings:
            for col in [value] if isinstance(value, str) else value:
                seen.setdefault(col, None)
        return list(seen)


class RegistryError(ValueError):
    """A source YAML that cannot be used; the message names the file and the problem."""


def registry_dir() -> Path:
    """sources/ of the council config folder in use (RESIDENT_INDEX_COUNCIL_DIR, else the bundled council)."""
    return council_dir() / "sources"


def load_spec(path: Path) -> SourceSpec:
    from resident_index.council import describe_errors

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = SourceSpec.model_validate(raw)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:  # each key, what is wrong and what was expected, in one line
        raise RegistryError(f"{path}: {describe_errors(exc, SourceSpec)}") from exc
    if spec.name != path.stem:
        raise RegistryError(f"{path}: name '{spec.name}' must equal the file name '{path.stem}'")
    suite = path.with_suffix(".expectations.json")
    return spec.model_copy(update={"suite_path": suite if suite.exists() else None, "spec_path": path.resolve()})


def load_registry(directory: Path | None = None) -> list[SourceSpec]:
    """Every source spec in the registry folder, sorted by name."""
    directory = directory or registry_dir()
    if not directory.is_dir():
        raise RegistryError(f"source registry folder {directory} does not exist")
    return [load_spec(p) for p in sorted(directory.glob("*.yaml"))]
