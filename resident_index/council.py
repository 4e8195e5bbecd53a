"""The council config folder: every rule a council sets, in one folder it owns.

The bundled folder (`councils/northbridge/`) is the synthetic council's. A council points the project at its
own with RESIDENT_INDEX_COUNCIL_DIR; nothing in the package is edited. Layout (docs/onboarding-a-council.md):

    sources/<system>.yaml        one file per council system (+ <system>.expectations.json, optional)
    model.yaml                   matching: comparisons, blocking, thresholds, model health
    survivorship.yaml            which record supplies each golden attribute
    relationships.yaml           typed relationships from shared groups
    evidence.yaml                residence evidence shared by every mart
    address_matching.yaml        gazetteer matching thresholds
    build_checks.yaml            limits of the checks on what the index builds
    marts/counter_fraud.yaml, marts/electoral_register.yaml, marts/service_demand.yaml
"""

from __future__ import annotations

import os
from pathlib import Path

#: the synthetic council's config, used when RESIDENT_INDEX_COUNCIL_DIR is not set
BUNDLED_COUNCIL = Path(__file__).resolve().parent / "councils" / "northbridge"


class CouncilConfigError(ValueError):
    """A council config file that cannot be used; the message names the file, the key and what was expected."""


def council_dir() -> Path:
    """The council config folder in use: RESIDENT_INDEX_COUNCIL_DIR, else the bundled synthetic council."""
    return Path(os.environ.get("RESIDENT_INDEX_COUNCIL_DIR") or BUNDLED_COUNCIL).resolve()


def config_file(name: str) -> Path:
    """A rule file of the council in use, e.g. config_file("model.yaml"), config_file("marts/counter_fraud.yaml").
    A missing file is an error naming the folder, so a council folder copied in part says what it lacks."""
    path = council_dir() / name
    if not path.is_file():
        raise CouncilConfigError(f"{path}: missing from the council config folder {council_dir()} "
                                 "(RESIDENT_INDEX_COUNCIL_DIR); copy it from the bundled "
                                 f"{BUNDLED_COUNCIL.relative_to(BUNDLED_COUNCIL.parents[2])} and edit it")
    return path


def start_council_folder(dest: Path, with_sources: bool = False) -> Path:
    """A new council config folder at `dest`: the bundled rule files to edit, and an empty sources/ (or the
    bundled council's sources when `with_sources`). Returns `dest`. An existing non-empty folder is refused,
    so a council's own rules are never overwritten."""
    import shutil

    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise CouncilConfigError(f"{dest}: already holds files; a new council folder must be empty")
    ignore = None if with_sources else shutil.ignore_patterns("sources")
    shutil.copytree(BUNDLED_COUNCIL, dest, ignore=ignore, dirs_exist_ok=True)
    (dest / "sources").mkdir(exist_ok=True)
    return dest
