"""Improvement actions (SPEC.md §7.9): windows, target metrics, before/after evaluation, verdict, concurrency.

Baseline: the days before the action (given). Evaluation: as many days, starting after the ramp-up
that follows the start date. Until the evaluation window has ended the verdict is `pending`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from complaint_radar.analysis.stats import Comparison, poisson_rate_test, two_proportion_z_test
from complaint_radar.errors import InputError

ALPHA = 0.05
DEFAULT_BASELINE_DAYS = 28
DEFAULT_RAMP_UP_DAYS = 14
ACTION_STATUSES = ("planned", "in_progress", "completed", "cancelled")


class Verdict(StrEnum):
    IMPROVED = "improved"
    NO_CHANGE = "no_change"
    WORSE = "worse"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class TargetMetric:
    """What an action aims to move: `kind` (complaint_rate, dissatisfaction_rate, cause_rate, csat), the
    cause for cause_rate, and whether lower is better."""

    code: str
    kind: str
    cause: str | None
    lower_is_better: bool


_KINDS = {"complaint_rate": True, "dissatisfaction_rate": True, "cause_rate": True, "csat": False}


def target_metric(code: str, known_causes: Iterable[str]) -> TargetMetric:
    """Parse `complaint_rate`, `dissatisfaction_rate`, `csat` or `cause_rate:<cause code>`."""
    kind, _, cause = code.strip().partition(":")
    if kind not in _KINDS or (kind == "cause_rate") != bool(cause):
        raise InputError(
            f"target metric {code!r} is not one of complaint_rate, dissatisfaction_rate, csat, "
            "cause_rate:<cause> (e.g. cause_rate:service_attitude)"
        )
    if cause and cause not in set(known_causes):
        raise InputError(f"target metric {code!r}: {cause!r} is not a cause code")
    return TargetMetric(code.strip(), kind, cause or None, _KINDS[kind])


@dataclass(frozen=True, slots=True)
class ActionWindows:
    baseline_start: date
    baseline_end: date
    evaluation_start: date
    evaluation_end: date

    @property
    def days(self) -> int:
        return (self.baseline_end - self.baseline_start).days + 1

    def to_dict(self) -> dict[str, str]:
        return {
            k: getattr(self, k).isoformat()
            for k in ("baseline_start", "baseline_end", "evaluation_start", "evaluation_end")
        }


def action_windows(start: date, baseline_start: date, baseline_end: date, ramp_up_days: int) -> ActionWindows:
    """Windows of equal length: the evaluation starts `ramp_up_days` after `start`."""
    if baseline_end < baseline_start:
        raise InputError(f"baseline ends ({baseline_end}) before it starts ({baseline_start})")
    if baseline_end >= start:
        raise InputError(f"the baseline must end before the action starts ({start}); it ends {baseline_end}")
    if ramp_up_days < 0:
        raise InputError("ramp_up_days must be 0 or more")
    evaluation_start = start + timedelta(days=ramp_up_days)
    evaluation_end = evaluation_start + (baseline_end - baseline_start)
    return ActionWindows(baseline_start, baseline_end, evaluation_start, evaluation_end)


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Events and exposure of one window; `exposure_kind` is `metric` (Poisson) or `units` (proportion)."""

    events: float
    exposure: float | None
    exposure_kind: str


def evaluate(
    metric: TargetMetric, windows: ActionWindows, before: WindowCounts, after: WindowCounts, as_of: date
) -> dict[str, Any]:
    """The before/after block of an action (report `actions[]` fields from `baseline` to `verdict`)."""
    scale = 1.0 if metric.kind == "csat" else 1000.0
    result: dict[str, Any] = {
        "baseline": _window(windows.baseline_start, windows.baseline_end, before, scale),
        "evaluation": _window(windows.evaluation_start, windows.evaluation_end, after, scale),
        "change_abs": None,
        "change_rel": None,
        "test": None,
        "p_value": None,
        "ci_low": None,
        "ci_high": None,
        "ci_level": None,
        "verdict": Verdict.PENDING.value,
        "note": None,
    }
    if as_of < windows.evaluation_end:
        result["note"] = f"the evaluation window ends {windows.evaluation_end}"
        return result
    comparison = compare(before, after, scale)
    if comparison is None:
        result["verdict"] = Verdict.NO_CHANGE.value
        result["note"] = "no exposure in one of the windows: nothing to compare"
        return result
    result.update(
        change_abs=round(comparison.change_abs, 6),
        change_rel=None if comparison.change_rel is None else round(comparison.change_rel, 6),
        test=comparison.test,
        p_value=comparison.p_value,
        ci_low=round(comparison.ci_low, 6),
        ci_high=round(comparison.ci_high, 6),
        ci_level=comparison.ci_level,
        verdict=verdict(comparison, metric.lower_is_better).value,
    )
    return result


def compare(before: WindowCounts, after: WindowCounts, scale: float) -> Comparison | None:
    if not before.exposure or not after.exposure:
        return None
    if before.exposure_kind == "metric" and after.exposure_kind == "metric":
        return poisson_rate_test(before.events, before.exposure, after.events, after.exposure, scale=scale)
    return two_proportion_z_test(
        int(before.events), int(before.exposure), int(after.events), int(after.exposure), scale=scale
    )


def verdict(comparison: Comparison, lower_is_better: bool, alpha: float = ALPHA) -> Verdict:
    if comparison.p_value >= alpha or comparison.change_abs == 0:
        return Verdict.NO_CHANGE
    better = comparison.change_abs < 0 if lower_is_better else comparison.change_abs > 0
    return Verdict.IMPROVED if better else Verdict.WORSE


def overlaps(a: ActionWindows, b: ActionWindows) -> bool:
    """Whether two actions' before/after spans overlap (then neither result is the action's alone)."""
    return a.baseline_start <= b.evaluation_end and b.baseline_start <= a.evaluation_end


def _window(start: date, end: date, counts: WindowCounts, scale: float) -> dict[str, Any]:
    rate = None
    if counts.exposure:
        rate = round(counts.events / counts.exposure * scale, 6)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "events": counts.events,
        "exposure": counts.exposure,
        "exposure_kind": counts.exposure_kind,
        "rate": rate,
    }
