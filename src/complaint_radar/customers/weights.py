"""Profile weights: validated, loaded from the bundled YAML (the single source of defaults) plus overrides."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from complaint_radar.errors import ConfigurationError
from complaint_radar.settings import Settings

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MessageWeights(_Section):
    half_life_days: Positive
    window_days: Positive
    grumble_factor: Unit
    inquiry_cap: Annotated[int, Field(ge=0, le=100)]
    resolved_factor: Unit
    unsupported_factor: Unit
    public_p: Unit


class TrendWeights(_Section):
    window_days: Positive
    min_messages: Annotated[int, Field(ge=1)]
    p: Unit
    p_per_extra: Unit
    p_max: Unit
    compare_days: Positive
    min_delta: Annotated[int, Field(ge=0)]


class RepeatWeights(_Section):
    window_days: Positive
    session_gap_hours: Positive
    p_two: Unit
    p_three: Unit
    floor_three: Annotated[int, Field(ge=0, le=100)]
    unkeyed_weight: Unit


class CaseWeights(_Section):
    p_half_sla: Unit
    p_breached: Unit
    half_sla_share: Unit
    resolve_sla_hours: dict[str, float]
    p_unsatisfied_close: Unit
    unsatisfied_half_life_days: Positive


class PriorWeights(_Section):
    p_one_90d: Unit
    p_two_365d: Unit
    episode_gap_days: Positive


class SurveyWeights(_Section):
    half_life_days: Positive
    csat_low_max: float
    csat_low_p: Unit
    csat_drop_points: Positive
    csat_drop_p: Unit
    csat_recovered_min: float
    nps_detractor_max: float
    nps_detractor_p: Unit
    nps_strong_detractor_max: float
    nps_strong_detractor_p: Unit
    nps_drop_points: Positive
    nps_drop_p: Unit
    nps_recovered_min: float


class PurchaseWeights(_Section):
    recent_days: Positive
    baseline_days: Positive
    min_baseline_events: Annotated[int, Field(ge=1)]
    min_baseline_span_days: Positive
    min_expected: Positive
    drop_ratio: Unit
    large_drop_ratio: Unit
    p_large: Unit
    p_corroborated: Unit
    usage_p_large: Unit


class BehaviourWeights(_Section):
    half_life_days: Positive
    window_days: Positive
    family_cap: Unit
    stage_min_p: Unit
    exit_pages: dict[str, float]
    exit_events: dict[str, float]
    exit_repeat_bonus: Unit
    complaint_pages: dict[str, float]
    friction_window_hours: Positive
    friction_min_failures: Annotated[int, Field(ge=1)]
    friction_p: Unit
    friction_p_per_failure: Unit
    friction_p_max: Unit
    help_repeat_min: Annotated[int, Field(ge=1)]
    help_p: Unit
    app_rating_low_max: float
    app_rating_p: Unit
    wait_min_minutes: Positive
    wait_median_multiple: Positive
    wait_p: Unit
    wait_long_minutes: Positive
    wait_p_long: Unit
    call_transfers_min: Annotated[int, Field(ge=1)]
    call_hold_min_minutes: Positive
    call_p: Unit
    call_strong_transfers: Annotated[int, Field(ge=1)]
    call_strong_hold_minutes: Positive
    call_p_strong: Unit
    observation_p: Unit
    delay_min_hours: Positive
    delay_p: Unit
    delay_long_hours: Positive
    delay_p_long: Unit
    booking_failed_p: Unit
    outage_p: Unit


class TrajectoryWeights(_Section):
    window_days: Positive
    anchor_days: Positive
    session_gap_days: Positive
    similar_text: Unit
    unkeyed_link: Unit
    repeat_cap: Positive
    speed_half_life_days: Positive
    half_life_days: Positive
    closure_days: Positive
    count_days: Positive


class ContextWeights(_Section):
    survey_share: Unit
    survey_days: Positive
    survey_half_life_days: Positive
    survey_evidence: Positive
    overdue_multiple: Annotated[float, Field(gt=1.0)]
    min_purchases: Annotated[int, Field(ge=3)]
    min_gap_days: Positive
    max_gap_days: Positive
    window_days: Positive
    spoken_days: Positive
    half_life_days: Positive
    wait_minutes: Positive
    delay_hours: Positive
    slow_days: Positive
    issue_gap_days: Positive


class ActionWeights(_Section):
    recent_contact_days: Positive
    next_review_hours: dict[str, float]


class ProfileWeights(_Section):
    """Every tunable number of the customer risk profile; `ProfileWeights.default()` is the bundled set."""

    version: str
    model_file: str | None = None
    """A complaint-model JSON replacing the bundled `data/complaint_model.json` (customers/likelihood.py)."""
    all_inputs: bool = False
    """Work out every activity count the 7-day model could read (fitting a model), not only those the model
    in use reads (the others cannot move its probability, and cost time on every profile)."""
    messages: MessageWeights
    trend: TrendWeights
    repeat: RepeatWeights
    cases: CaseWeights
    prior: PriorWeights
    surveys: SurveyWeights
    purchases: PurchaseWeights
    behaviour: BehaviourWeights
    trajectory: TrajectoryWeights
    context: ContextWeights
    actions: ActionWeights

    @classmethod
    def default(cls) -> ProfileWeights:
        return _bundled()

    @classmethod
    def load(
        cls, path: Path | str | None = None, overrides: Mapping[str, Any] | None = None
    ) -> ProfileWeights:
        """The bundled weights with a YAML file's values and then `overrides` laid over them (any subset)."""
        data = _bundled_raw()
        where = "the bundled profile_weights.yaml"
        if path is not None:
            source = Path(path)
            try:
                user = yaml.safe_load(source.read_text("utf-8")) or {}
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot read profile weights file {source}: {exc.strerror}"
                ) from exc
            except yaml.YAMLError as exc:
                raise ConfigurationError(f"profile weights file {source} is not valid YAML: {exc}") from exc
            if not isinstance(user, dict):
                raise ConfigurationError(f"profile weights file {source} must hold a mapping of sections")
            data = _merge(data, user)
            where = str(source)
        if overrides:
            data = _merge(data, dict(overrides))
        return _validate(data, where)


def weights_from_settings(settings: Settings) -> ProfileWeights:
    """The weights the service should use: bundled, overridden by `settings.profile_weights_file` if set."""
    if settings.profile_weights_file is None:
        return ProfileWeights.default()
    return ProfileWeights.load(settings.profile_weights_file)


@lru_cache(maxsize=1)
def _bundled() -> ProfileWeights:
    return _validate(_bundled_raw(), "the bundled profile_weights.yaml")


def _bundled_raw() -> dict[str, Any]:
    text = (
        resources.files("complaint_radar.customers").joinpath("data/profile_weights.yaml").read_text("utf-8")
    )
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise ConfigurationError("customers/data/profile_weights.yaml must hold a mapping of sections")
    return raw


def _validate(data: dict[str, Any], where: str) -> ProfileWeights:
    try:
        return ProfileWeights.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"profile weights from {where} are invalid: {problems}") from exc


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
