"""The service demand settings (service_demand.yaml) and services (every service_use system), checked, and
loaded as temp tables the SQL reads."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from resident_index.council import CouncilConfigError, describe_errors, load_rule_file
from resident_index.marts.evidence import systems_with
from resident_index.sources.spec import SourceSpec


class ServiceDemandRules(BaseModel):
    """marts/service_demand.yaml. The services are the systems whose YAML declares evidence.service_use."""

    model_config = ConfigDict(extra="forbid")

    age_band_starts: list[int] = Field(min_length=1)
    residents_min_services: int = Field(ge=1)
    households_min_services: int = Field(ge=1)
    trend_months: int = Field(ge=1)

    @field_validator("age_band_starts")
    @classmethod
    def _bands_rise(cls, starts: list[int]) -> list[int]:
        if starts[0] != 0 or any(b <= a for a, b in zip(starts, starts[1:])):
            raise ValueError(f"age_band_starts must begin at 0 and rise, not {starts}")
        return starts

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, raw):
        if isinstance(raw, dict) and "services" in raw:
            raise ValueError("'services' moved to the source YAMLs: a service is a system whose YAML declares "
                             "evidence.service_use (label, order; docs/evidence.md)")
        return raw


def services(sources: list[SourceSpec] | None = None) -> dict[str, str]:
    """Every service_use system -> the name to show (its label, else its title), by `order` (those with
    none after, by name)."""
    found = systems_with("service_use", sources)
    found.sort(key=lambda s: (s.evidence.service_use.order is None, s.evidence.service_use.order or 0, s.name))
    return {s.name: s.evidence.service_use.label or s.title for s in found}


def load_settings(path: Path | None = None, sources: list[SourceSpec] | None = None) -> dict:
    """The YAML's settings, validated (ServiceDemandRules; a bad value is a CouncilConfigError naming the
    file and the setting), with `services`: each service_use system and its display name, in order;
    `warnings` says why the mart would be empty."""
    if path is None:
        rules = load_rule_file("marts/service_demand.yaml", ServiceDemandRules, sources)
    else:
        try:
            rules = ServiceDemandRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except ValidationError as exc:
            raise CouncilConfigError(f"{path}: {describe_errors(exc, ServiceDemandRules)}") from None
    shown = services(sources)
    warnings = [] if shown else ["no system evidences service_use: every service demand table is empty because "
                                 "no source YAML declares evidence.service_use (docs/evidence.md)"]
    return {**rules.model_dump(), "services": shown, "warnings": warnings}


def age_bands(starts: list[int]) -> list[tuple[str, int, int | None]]:
    """(label, from, to) for bands starting at each age: [0, 5, 18] -> 0-4, 5-17, 18+."""
    ends = [*starts[1:], None]
    return [(f"{a}-{b - 1}" if b is not None else f"{a}+", a, b) for a, b in zip(starts, ends)]


def load_setting_tables(con: duckdb.DuckDBPyConnection, settings: dict) -> None:
    """Temp tables _demand_services (service, label, ord), _age_bands (age_band, from_age, to_age, ord),
    _demand_settings (one row of thresholds) and macro age_band(age), so no value is pasted into SQL."""
    services = settings["services"]
    con.execute("""CREATE OR REPLACE TEMP TABLE _demand_services AS
                   SELECT unnest(?::VARCHAR[]) AS service, unnest(?::VARCHAR[]) AS label,
                          generate_subscripts(?::VARCHAR[], 1) AS ord""",
                [list(services), list(services.values()), list(services)])
    bands = age_bands(settings["age_band_starts"])
    con.execute("""CREATE OR REPLACE TEMP TABLE _age_bands AS
                   SELECT unnest(?::VARCHAR[]) AS age_band, unnest(?::INTEGER[]) AS from_age,
                          unnest(?::INTEGER[]) AS to_age, generate_subscripts(?::VARCHAR[], 1) AS ord""",
                [[b[0] for b in bands], [b[1] for b in bands], [b[2] for b in bands], [b[0] for b in bands]])
    con.execute("""CREATE OR REPLACE TEMP MACRO age_band(age) AS
                   (SELECT age_band FROM _age_bands WHERE age >= from_age AND (to_age IS NULL OR age < to_age))""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _demand_settings AS
                   SELECT ?::INTEGER AS residents_min_services, ?::INTEGER AS households_min_services,
                          ?::INTEGER AS trend_months""",
                [settings["residents_min_services"], settings["households_min_services"], settings["trend_months"]])
