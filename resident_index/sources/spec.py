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
    #: how `full_name` is written: "forename surname" or "SURNAME, Forename"
    name_order: Literal["forename_first", "surname_first"] = "forename_first"
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

    def owners(self) -> list[str]:
        """The Dagster owners of the source's asset: `owner`, else data_owner if it is a team or an email."""
        if self.owner:
            return [self.owner]
        return [self.data_owner] if re.fullmatch(OWNER_PATTERN, self.data_owner) else []

    def source_columns(self) -> list[str]:
        """Every source column the mapping reads, in mapping order, each once."""
        seen: dict[str, None] = {}
        for value in self.columns.values():
            for col in [value] if isinstance(value, str) else value:
                seen.setdefault(col, None)
        return list(seen)


class RegistryError(ValueError):
    """A source YAML that cannot be used; the message names the file and the problem."""


def registry_dir() -> Path:
    """sources/ of the council config folder in use (RESIDENT_INDEX_COUNCIL_DIR, else the bundled council)."""
    return council_dir() / "sources"


def load_spec(path: Path) -> SourceSpec:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = SourceSpec.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise RegistryError(f"{path}: {exc}") from exc
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
