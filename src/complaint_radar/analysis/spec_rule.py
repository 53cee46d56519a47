"""SPEC.md §7.5's plain emerging-issue rule, kept as the baseline the detector is measured against.

A key is flagged when its last `window_days` hold at least `min_observed` items and more than the mean + 3σ
of its previous `baseline_weeks` weekly counts (σ: the population standard deviation of those weekly
counts), or when it is new (no item in those weeks) and reaches `min_observed`. Each key is its own issue
unless `merge` is set (then keys flagged by the same messages are merged as the detector does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from complaint_radar.analysis.issues import EmergingIssue
from complaint_radar.analysis.keycounts import (
    DEFAULT_KEY_FAMILIES,
    KeyFamily,
    cumulative,
    daily_counts,
    families_for,
    window_sums,
)
from complaint_radar.analysis.merging import FlaggedKey, StillFlagged, excess_score, issue_of, merge_flagged


@dataclass(frozen=True, slots=True)
class SpecRule:
    """The plain rule's settings: SPEC.md §7.5's values by default."""

    keys: tuple[KeyFamily, ...] = DEFAULT_KEY_FAMILIES
    window_days: int = 7
    baseline_weeks: int = 8
    min_observed: int = 5
    sigmas: float = 3.0
    merge: bool = False
    max_item_ids: int = 200


@dataclass(frozen=True, eq=False)
class _Thresholded(FlaggedKey):
    threshold: float


def spec_rule(items: pd.DataFrame, as_of: date, rule: SpecRule | None = None) -> list[EmergingIssue]:
    """Keys the plain SPEC rule flags in the window ending on `as_of` (same `items` table as the detector)."""
    return spec_rule_over(items, [as_of], rule)[as_of]


def spec_rule_over(
    items: pd.DataFrame, as_of_days: Sequence[date], rule: SpecRule | None = None
) -> dict[date, list[EmergingIssue]]:
    """`spec_rule` as of each of `as_of_days`."""
    rule = rule or SpecRule()
    days = sorted(set(as_of_days))
    if not days:
        return {}
    w, weeks = rule.window_days, rule.baseline_weeks
    counts = daily_counts(
        items, families_for(items, rule.keys), start=days[0] - timedelta(days=w + 7 * weeks), end=days[-1]
    )
    ts = np.array([counts.index(d) for d in days], dtype=np.int64)
    out: dict[date, list[EmergingIssue]] = {}
    per_family = []
    for fc in counts.families:
        running = cumulative(fc.counts)
        observed = window_sums(running, ts - w + 1, ts)
        week_lo = ts[:, None] - w - 7 * np.arange(1, weeks + 1)[None, :] + 1
        weekly = window_sums(running, week_lo, week_lo + 6)
        mean, sd = weekly.mean(axis=2), weekly.std(axis=2)
        threshold = mean + rule.sigmas * sd
        new_key = weekly.sum(axis=2) == 0
        hit = (observed >= rule.min_observed) & ((observed > threshold) | new_key)
        per_family.append((fc, observed, mean * w / 7.0, threshold, new_key, hit))
    for column, day in enumerate(days):
        t = int(ts[column])
        flagged: list[FlaggedKey] = []
        for fc, observed, expected, threshold, new_key, hit in per_family:
            for k in np.nonzero(hit[:, column])[0]:
                obs, exp = float(observed[k, column]), float(expected[k, column])
                flagged.append(
                    _Thresholded(
                        key=fc.key_dict(int(k)),
                        observed=int(obs),
                        expected=exp,
                        p_value=None,
                        score=excess_score(obs, exp),
                        new_key=bool(new_key[k, column]),
                        items=fc.items_between(int(k), t - w + 1, t),
                        window_start=counts.day(t - w + 1),
                        threshold=float(threshold[k, column]),
                    )
                )
        if rule.merge:
            groups = merge_flagged(flagged, _still_flagged(rule.min_observed))
        else:
            groups = [[f] for f in sorted(flagged, key=lambda f: -f.score)]
        out[day] = [
            issue_of(g, counts.day(t), method="spec_rule", max_items=rule.max_item_ids) for g in groups
        ]
    return out


def _still_flagged(min_observed: int) -> StillFlagged:
    def check(key: FlaggedKey, remaining: int) -> bool:
        assert isinstance(key, _Thresholded)
        return remaining >= min_observed and (remaining > key.threshold or key.new_key)

    return check
