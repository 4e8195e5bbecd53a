"""The council's data protection rules, from protection/*.yaml in its config folder, validated at load.

    protection/purposes.yaml      purposes: lawful basis, the source systems, tables and columns each may see
    protection/access.yaml        roles (which purposes each holds), users (which roles), OS logins
    protection/sharing.yaml       data sharing agreements: partner, purpose, lawful basis, fields, frequency
    protection/analytical.yaml    the analytical exports and their small-number suppression
    protection/organisation.yaml  the controller, its DPO and the people the records of processing name

Each file is read through council.load_rule_file: a pydantic model with extra keys forbidden, so a mistyped
key, an unknown system, purpose, role or user fails with the file, the key and what was expected.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from resident_index.council import CouncilConfigError, config_file

ALL = "all"
NAME = r"^[a-z][a-z0-9_]*$"
USER = r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"


def _sources_in(info: ValidationInfo) -> set[str] | None:
    sources = (info.context or {}).get("sources")
    return None if sources is None else {s.name for s in sources}


class Purpose(BaseModel):
    """Why someone looks at the index. A lookup or export is made for one purpose, recorded in the audit log."""

    model_config = ConfigDict(extra="forbid")

    title: str
    description: str
    lawful_basis: str  # UK GDPR article 6 (and 9 for special category) and the statute behind it
    #: the council systems whose facts the purpose may see: `all`, or a list of source names
    sources: Literal["all"] | list[str] = Field(default_factory=list)
    #: the tables it may read: table -> `all` or a list of its columns. For golden_residents the columns
    #: are its attributes as `show` names them (name, dob, sex, nhs_number, ni_number, address, phone, mobile,
    #: email, date_of_death) plus resident_id, services, names_used, deceased
    tables: dict[str, Literal["all"] | list[str]] = Field(default_factory=dict)
    #: a resident under a restriction request is shown to this purpose (e.g. safeguarding); else hidden
    overrides_restriction: bool = False

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, sources, info: ValidationInfo):
        known = _sources_in(info)
        if known is not None and sources != ALL:
            unknown = sorted(set(sources) - known)
            if unknown:
                raise ValueError(f"unknown source systems {unknown}; expected `all` or some of {sorted(known)}")
        return sources

    @field_validator("tables")
    @classmethod
    def _table_names(cls, tables):
        bad = [t for t in tables if not re.fullmatch(NAME, t)]
        if bad:
            raise ValueError(f"table names {bad} are not warehouse table names (lower case, digits, _)")
        return tables

    def sees_source(self, system: str) -> bool:
        return self.sources == ALL or system in self.sources

    def columns(self, table: str) -> Literal["all"] | set[str] | None:
        """`all`, the set of columns the purpose may see in `table`, or None for a table it may not read."""
        if table not in self.tables:
            return None
        cols = self.tables[table]
        return ALL if cols == ALL else set(cols)


class PurposesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purposes: dict[str, Purpose]

    @field_validator("purposes")
    @classmethod
    def _names(cls, purposes):
        bad = [p for p in purposes if not re.fullmatch(NAME, p)]
        if bad:
            raise ValueError(f"purpose names {bad} must be lower case words joined by _")
        return purposes


class Role(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    purposes: list[str] = Field(min_length=1)


class User(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    roles: list[str] = Field(min_length=1)
    #: the operating-system logins that are this user (getpass.getuser())
    logins: list[str] = Field(default_factory=list)


class AccessFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: dict[str, Role]
    users: dict[str, User]
    #: the user a login not listed under any user is taken to be. For the synthetic council only, so that
    #: `make demo` works for whoever runs it; a real council leaves it out and lists each login
    unlisted_logins: str | None = None

    @field_validator("users")
    @classmethod
    def _user_ids(cls, users):
        bad = [u for u in users if not re.fullmatch(USER, u)]
        if bad:
            raise ValueError(f"user ids {bad} must be letters, digits and . _ @ -")
        return users

    @model_validator(mode="after")
    def _references(self) -> AccessFile:
        for uid, user in self.users.items():
            unknown = sorted(set(user.roles) - set(self.roles))
            if unknown:
                raise ValueError(f"users.{uid}.roles: unknown roles {unknown}; expected some of {sorted(self.roles)}")
        seen: dict[str, str] = {}
        for uid, user in self.users.items():
            for login in user.logins:
                if login in seen:
                    raise ValueError(f"users.{uid}.logins: login {login!r} is already users.{seen[login]}'s")
                seen[login] = uid
        if self.unlisted_logins is not None and self.unlisted_logins not in self.users:
            raise ValueError(f"unlisted_logins: {self.unlisted_logins!r} is not a user; expected one of "
                             f"{sorted(self.users)} or no key")
        return self


FIELD_NAME = r"^[a-z][a-z0-9_]*$"


class Agreement(BaseModel):
    """One data sharing agreement: who receives what, why, on what basis, how often."""

    model_config = ConfigDict(extra="forbid")

    partner: str
    purpose: str  # one of purposes.yaml: only a user holding it may run the export
    lawful_basis: str
    description: str
    #: what the partner and we both hold, hashed into the person's token so the partner can link its own
    #: records: e.g. [nhs_number], or [surname, forename, dob]
    link_on: list[Literal["nhs_number", "ni_number", "dob", "surname", "forename", "postcode"]] = Field(min_length=1)
    #: what is sent beside the token (sharing.FIELDS lists what may be)
    fields: list[str] = Field(default_factory=list)
    #: who is in the export: living residents known to any of these systems (`all`: every living resident)
    population: Literal["all"] | list[str] = ALL
    frequency: str  # e.g. "monthly", "weekly", "on request"
    contact: str  # the partner's named contact for the agreement
    review_date: str  # when the agreement is next reviewed (YYYY-MM-DD)
    retention_by_partner: str

    @field_validator("review_date")
    @classmethod
    def _date(cls, text):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(f"expected YYYY-MM-DD, not {text!r}")
        return text

    @field_validator("fields")
    @classmethod
    def _fields(cls, fields):
        from resident_index.protection.sharing import FIELDS

        unknown = [f for f in fields if f not in FIELDS]
        if unknown:
            raise ValueError(f"unknown fields {unknown}; expected some of {sorted(FIELDS)}")
        return fields

    @field_validator("population")
    @classmethod
    def _population(cls, population, info: ValidationInfo):
        known = _sources_in(info)
        if known is not None and population != ALL:
            unknown = sorted(set(population) - known)
            if unknown:
                raise ValueError(f"unknown source systems {unknown}; expected `all` or some of {sorted(known)}")
        return population


class SharingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agreements: dict[str, Agreement] = Field(default_factory=dict)

    @field_validator("agreements")
    @classmethod
    def _names(cls, agreements):
        bad = [a for a in agreements if not re.fullmatch(NAME, a)]
        if bad:
            raise ValueError(f"agreement names {bad} must be lower case words joined by _ (they name the key file)")
        return agreements


class AnalyticalTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: columns holding counts of people: a value from 1 to threshold - 1 is suppressed (written empty)
    counts: list[str] = Field(min_length=1)
    #: columns derived from counts (shares, rates) that would give a suppressed count away: emptied with it
    derived: list[str] = Field(default_factory=list)


class AnalyticalFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: a count of people under this is suppressed in every analytical export
    threshold: int = Field(default=5, ge=2)
    tables: dict[str, AnalyticalTable]


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    contact: str


class OrganisationFile(BaseModel):
    """Who the records of processing name."""

    model_config = ConfigDict(extra="forbid")

    controller: str
    ico_registration: str
    address: str
    data_protection_officer: Person
    senior_information_risk_owner: Person
    #: the ATRS record's owner and the team that runs the index
    service_owner: Person
    system_name: str = "Resident Index"
    audit_retention: str  # how long the audit log is kept, e.g. "6 years"


class Protection(BaseModel):
    """Everything protection/*.yaml says, cross-checked."""

    purposes: dict[str, Purpose]
    roles: dict[str, Role]
    users: dict[str, User]
    unlisted_logins: str | None
    agreements: dict[str, Agreement]
    analytical: AnalyticalFile
    organisation: OrganisationFile

    def purposes_of(self, user_id: str) -> list[str]:
        """The purposes the user's roles hold, in the order purposes.yaml lists them."""
        held = {p for r in self.users[user_id].roles for p in self.roles[r].purposes}
        return [p for p in self.purposes if p in held]


def load_rule_file(name: str, model, sources: list | None = None):
    """protection/<file> of the council in use, validated by `model` with the registry's sources as context;
    a problem is a CouncilConfigError naming the file, each key (dotted) and what was expected."""
    import yaml
    from pydantic import ValidationError

    path = config_file(name)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CouncilConfigError(f"{path}: not valid YAML: {exc}") from None
    if sources is None:  # only their names are checked here: read from the file names (the registry requires
        from types import SimpleNamespace  # name == file name), not by loading every spec, so lookups start fast
        from resident_index.council import council_dir

        sources = [SimpleNamespace(name=f.stem) for f in sorted((council_dir() / "sources").glob("*.yaml"))]
    try:
        return model.model_validate(raw if raw is not None else {}, context={"sources": sources})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(the file)"
            if error["type"] == "extra_forbidden":
                expected = _keys_at(model, error["loc"][:-1])
                problems.append(f"{key}: unknown key" + (f"; expected one of {expected}" if expected else ""))
            elif error["type"] == "missing":
                problems.append(f"{key}: missing (required)")
            elif error["type"] == "value_error":  # a validator's own words name the key and what was expected
                message = error["msg"].removeprefix("Value error, ")
                problems.append(message if not error["loc"] else f"{key}: {message}")
            else:
                problems.append(f"{key}: {error['msg']} (given {error.get('input')!r})")
        raise CouncilConfigError(f"{path}: " + "; ".join(problems)) from None


def _keys_at(model, loc) -> list[str]:
    """The keys `model` accepts at `loc` (a path into it through models and dicts of models)."""
    import typing

    current = model
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or str(part) not in current.model_fields:
            return []
        annotation = current.model_fields[str(part)].annotation
        if typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
            if parts:
                parts.pop(0)  # the dict's key: a purpose, role, user or agreement name
            else:
                return []
        current = annotation
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def load_protection(sources: list | None = None) -> Protection:
    """protection/*.yaml of the council in use, each validated, and their references checked (a role's
    purposes, an agreement's purpose must be in purposes.yaml). Raises CouncilConfigError naming file and key."""
    purposes = load_rule_file("protection/purposes.yaml", PurposesFile, sources)
    access = load_rule_file("protection/access.yaml", AccessFile, sources)
    sharing = load_rule_file("protection/sharing.yaml", SharingFile, sources)
    analytical = load_rule_file("protection/analytical.yaml", AnalyticalFile, sources)
    organisation = load_rule_file("protection/organisation.yaml", OrganisationFile, sources)
    for name, role in access.roles.items():
        unknown = sorted(set(role.purposes) - set(purposes.purposes))
        if unknown:
            raise CouncilConfigError(f"{config_file('protection/access.yaml')}: roles.{name}.purposes: unknown "
                                     f"purposes {unknown}; expected some of {sorted(purposes.purposes)} "
                                     "(protection/purposes.yaml)")
    for name, agreement in sharing.agreements.items():
        if agreement.purpose not in purposes.purposes:
            raise CouncilConfigError(f"{config_file('protection/sharing.yaml')}: agreements.{name}.purpose: unknown "
                                     f"purpose {agreement.purpose!r}; expected one of {sorted(purposes.purposes)}")
    return Protection(purposes=purposes.purposes, roles=access.roles, users=access.users,
                      unlisted_logins=access.unlisted_logins, agreements=sharing.agreements, analytical=analytical,
                      organisation=organisation)


def config_files() -> list:
    """The protection config files of the council in use (for the audit log's config-change entries)."""
    from resident_index.council import council_dir

    return sorted((council_dir() / "protection").glob("*.yaml"))
