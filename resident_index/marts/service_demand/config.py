"""The service demand settings (service_demand.yaml), checked, and loaded as temp tables the SQL reads."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from resident_index.sources.spec import load_registry
from resident_index.council import config_file



def load_settings(path: Path | None = None) -> dict:
    """The YAML with every service's display name filled in from the source registry; a bad value raises
    a ValueError naming the file and the setting. Services the registry does not hold (a council without
    that system) are left out and listed under `services_not_in_registry`."""
    path = path or config_file("marts/service_demand.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    titles = {spec.name: spec.title for spec in load_registry()}
    unknown = sorted(set(raw["services"]) - set(titles))
    starts = raw["age_band_starts"]
    if not starts or starts[0] != 0 or any(b <= a for a, b in zip(starts, starts[1:])):
        raise ValueError(f"{path.name}: age_band_starts must begin at 0 and rise, not {starts}")
    for key in ("residents_min_services", "households_min_services", "trend_months"):
        if not isinstance(raw[key], int) or raw[key] < 1:
            raise ValueError(f"{path.name}: {key} must be a whole number of at least 1, not {raw[key]!r}")
    return {**raw, "services": {s: label or titles[s] for s, label in raw["services"].items() if s in titles},
            "services_not_in_registry": unknown}


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
