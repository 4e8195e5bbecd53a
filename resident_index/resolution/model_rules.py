"""model.yaml's shape, validated when it is read: a key mistyped or a value out of range is an error naming the
file, the key and what was expected (`resident-index check-config`, and every read of the model's settings),
not a KeyError in the middle of a run or a setting silently ignored. docs/matching.md says what each key does.
"""

from __future__ import annotations

import dataclasses

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from resident_index.resolution.clustering import ConflictRules

#: the comparisons splink_model.comparisons() builds, by output column name
COMPARISONS = ("forename", "surname", "dob", "address", "nhs_number", "ni8", "shared_id", "email", "phone")

Share = Field(gt=0, le=1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentifierM(_Strict):
    """training.identifier_m: m values counted on the pairs of records that share a number."""

    rules: list[str] = Field(min_length=1)  # pairs any of them admits (each a join on its own)
    comparisons: list[str] = Field(min_length=1)
    min_pairs: int = Field(ge=1)

    @field_validator("comparisons")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        unknown = [n for n in names if n not in COMPARISONS]
        if unknown:
            raise ValueError(f"unknown comparison(s) {unknown}; the model compares {list(COMPARISONS)}")
        return names


class Training(_Strict):
    u_max_pairs: int = Field(gt=0)
    max_records: int = Field(gt=0)
    seed: int
    em_blocking_rules: list[str] = Field(min_length=1)
    em_fallback_rules: list[str] = Field(default_factory=list)
    identifier_m: IdentifierM | None = None
    deterministic_rules: list[str] = Field(default_factory=list)
    deterministic_recall: float = Share
    deterministic_min_pairs: int = Field(ge=1)


class Health(_Strict):
    prior_max_ratio: float = Field(gt=1)
    unlinked_above_rules_max: float = Field(ge=0, le=1)
    unlinked_above_rules_min_records: int = Field(default=0, ge=0)
    links_min_share_of_previous: float = Field(ge=0, le=1)
    unlinked_rise_max: float = Field(ge=0, le=1)


class ModelRules(_Strict):
    link_threshold: float = Share
    review_threshold: float = Share
    blocking_rules: list[str] = Field(min_length=1)
    training: Training
    health: Health
    conflicts: dict = Field(default_factory=dict)
    link_rules: list[str] = Field(default_factory=list)

    @field_validator("conflicts")
    @classmethod
    def _conflict_rules(cls, given: dict) -> dict:
        fields = {f.name: f for f in dataclasses.fields(ConflictRules)}
        unknown = sorted(set(given) - set(fields))
        if unknown:
            raise ValueError(f"unknown conflict rule(s) {unknown}; expected some of {list(fields)}")
        for name, value in given.items():
            default = fields[name].default
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif default is None or isinstance(default, float):
                ok = (value is None and default is None) or (isinstance(value, (int, float)) and not isinstance(value, bool))
            else:
                ok = isinstance(value, int) and not isinstance(value, bool)
            if not ok:
                raise ValueError(f"{name}: {value!r} is not a {type(default).__name__ if default is not None else 'number or null'}")
        return given

    @model_validator(mode="after")
    def _thresholds(self) -> ModelRules:
        if self.review_threshold > self.link_threshold:
            raise ValueError(f"review_threshold ({self.review_threshold}) above link_threshold ({self.link_threshold}): "
                             "the review queue holds the pairs between the two")
        return self
