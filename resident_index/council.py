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
    marts/counter_fraud.yaml, marts/electoral.yaml, marts/service_demand.yaml
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


def load_rule_file(name: str, model, sources: list | None = None):
    """A rule file of the council in use, validated by its pydantic `model` (extra keys forbidden). The
    registry's sources (loaded when not given) are the validation context, so a rule naming an unknown
    system, role or column fails here. Any problem is a CouncilConfigError naming the file, each key and
    what was expected."""
    import yaml
    from pydantic import ValidationError

    path = config_file(name)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CouncilConfigError(f"{path}: not valid YAML: {exc}") from None
    if sources is None:
        from resident_index.sources.spec import load_registry

        sources = load_registry()
    try:
        return model.model_validate(raw if raw is not None else {}, context={"sources": sources, "file": path.name})
    except ValidationError as exc:
        raise CouncilConfigError(f"{path}: {describe_errors(exc, model)}") from None


def describe_errors(exc, model) -> str:
    """A pydantic ValidationError in plain words: each key (dotted), what is wrong and what was expected."""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(the file)"
        if error["type"] == "extra_forbidden":
            expected = _fields_at(model, error["loc"][:-1])
            lines.append(f"{key}: unknown key" + (f"; expected one of {expected}" if expected else ""))
        elif error["type"] == "missing":
            lines.append(f"{key}: missing (required)")
        else:
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{key}: {message} (given {error.get('input')!r})"
                         if error["type"] != "value_error" else f"{key}: {message}")
    return "; ".join(lines)


def _fields_at(model, loc) -> list[str]:
    """The keys the model accepts at `loc` (a path into it), as far as it can be followed."""
    import typing

    from pydantic import BaseModel

    current = model
    for part in loc:
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        annotation = field.annotation
        candidates = [annotation, *typing.get_args(annotation)]
        nested = [a for c in candidates for a in [c, *typing.get_args(c)]
                  if isinstance(a, type) and issubclass(a, BaseModel)]
        current = nested[0] if nested else None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def check_council() -> tuple[list[str], list[str]]:
    """Validate every rule file of the council in use (`resident-index check-config`, and the definitions
    when they load): (errors, warnings). An error names the file, the key and what was expected; a warning
    says which output would be empty and why (an evidence kind no source declares)."""
    from resident_index.golden import relationships, survivorship
    from resident_index.marts import evidence
    from resident_index.marts.counter_fraud import lists
    from resident_index.marts.electoral import build as electoral
    from resident_index.marts.service_demand import config as service_demand
    from resident_index.feedback import rules as feedback_rules
    from resident_index.resolution.splink_model import model_config
    from resident_index.sources.spec import RegistryError, load_registry

    try:
        sources = load_registry()
    except RegistryError as exc:
        return [str(exc)], []
    errors: list[str] = []
    loaded = {}
    checks = {"model.yaml": lambda: model_config(),
              "evidence.yaml": lambda: evidence.load_rules(),
              "survivorship.yaml": lambda: survivorship.rules(sources),
              "relationships.yaml": lambda: relationships.load_rules(sources),
              "marts/counter_fraud.yaml": lambda: lists.load_rules(sources),
              "marts/electoral.yaml": lambda: electoral.load_rules(),
              "marts/service_demand.yaml": lambda: service_demand.load_settings(sources=sources),
              "quality_feedback.yaml": lambda: feedback_rules.load_rules(sources)}
    if (council_dir() / "protection").is_dir():  # data protection rules (docs/data-protection.md)
        from resident_index.protection.config import load_protection
        from resident_index.protection.retention import load_retention

        checks |= {"protection/": lambda: load_protection(sources), "protection/retention.yaml": lambda: load_retention(sources)}
    for name, load in checks.items():
        try:
            loaded[name] = load()
        except (CouncilConfigError, ValueError) as exc:
            errors.append(str(exc))
    warnings = []
    declared = {k for s in sources for k in s.evidence.kinds()}
    for name, kind in lists.KIND_OF_LIST.items():
        if kind not in declared:
            warnings.append(f"marts/counter_fraud.yaml: no system evidences {kind}: the {name.replace('_', ' ')} "
                            "list will be empty")
    warnings += [f"marts/electoral.yaml: {w}" for w in electoral.warnings(sources)]
    if "service_use" not in declared:
        warnings.append("marts/service_demand.yaml: no system evidences service_use: every service demand table "
                        "will be empty")
    if "relationships.yaml" in loaded:
        warnings += [f"relationships.yaml: {w}" for w in relationships.warnings(loaded["relationships.yaml"], sources)]
    if "childrens_social_care" not in declared:
        warnings.append("golden/households: no system evidences childrens_social_care: the safeguarding view "
                        "new_adults_with_children_known_to_social_care will be empty")
    if "death" not in declared:
        warnings.append("no system evidences death: the golden record's deaths come from any record's "
                        "date_of_death, but none is declared the authority")
    if "residence" not in declared:
        warnings.append("no system evidences residence: every record places its person at the default weight")
    return errors, warnings


def forget_systems(folder: Path, systems: set[str]) -> None:
    """Take the names of `systems` out of every rule file of `folder` (outside sources/): list items and
    mapping keys that name one. For a folder started from the bundled rules whose systems it does not have
    (a benchmark registry of one source): its trust lists, worklist and purpose lists then name only its
    own systems, as check-config requires. Comments are not kept: the bundled files explain every key."""
    import yaml

    def without(value):
        if isinstance(value, dict):
            return {k: without(v) for k, v in value.items() if k not in systems}
        if isinstance(value, list):
            return [without(v) for v in value if not (isinstance(v, str) and v in systems)]
        return value

    for path in sorted(Path(folder).rglob("*.yaml")):
        if "sources" in path.relative_to(folder).parts:
            continue
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        cleaned = without(loaded)
        if cleaned != loaded:
            path.write_text(f"# {path.name}: the bundled council's rules without its system names\n"
                            + yaml.safe_dump(cleaned, sort_keys=False, allow_unicode=True), encoding="utf-8")
