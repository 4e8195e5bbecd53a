"""The Dagster code location: everything is loaded from the defs/ folder, then catalogued (code
references and personal-data tags on every asset: resident_index/catalog.py)."""

from pathlib import Path

from dagster import load_from_defs_folder

from resident_index.catalog import catalogued
from resident_index.protection.catalog_tags import tagged

# data protection tags (personal data held, purposes that read it): resident_index/protection/catalog_tags.py
defs = tagged(catalogued(load_from_defs_folder(path_within_project=Path(__file__).parent)))
