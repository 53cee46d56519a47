"""The emerging-issue detector (SPEC.md §7.5), built to beat SPEC's plain rule (`spec_rule.py`).

For every key (cause × product, cause × branch, cause × region by default) and as-of day:

1. **Test** (`negbin.py`): the count of each window ending on the as-of day (`windows`, e.g. 3 and 7 days)
   against a negative binomial from the key's share of the message volume in the whole baseline weeks
   before it. The volume carries the day-of-week profile and peak periods, so 双十一 lifting every key
   flags none; the variance covers the baseline's uncertainty and the key's own week-to-week variability.
   A new key has a tiny prior rate, so a new key reaching `min_observed` is tested like any other. A key's
   p-value is its smallest over the windows times their number (Bonferroni).
2. **Multiple testing**: Benjamini–Hochberg at `fdr` across all keys of all families tested that day.
3. **Effect size**: at least `min_observed` items (SPEC's floor), `min_ratio` times and `min_excess` items
   above the expectation, in the window that is flagged.
4. **Merging** (`merging.py`): keys flagged by the same messages become one issue with `merged_keys`.

The defaults were chosen by cross-validation over seeded synthetic histories (`bench/emerging.py`,
`docs/benchmarks_emerging.md`).
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
    DailyCounts,
    KeyFamily,
    daily_counts,
    families_for,
)
from complaint_radar.analysis.merging import FlaggedKey, excess_score, issue_of, merge_flagged
from complaint_radar.analysis.negbin import KeyTests, TestSettings, key_tests, mixture_p_value
from complaint_radar.errors import InputError


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Settings of the emerging-issue detector; the defaults are the cross-validated choice."""

    keys: tuple[KeyFamily, ...] = DEFAULT_KEY_FAMILIES
    """Key families: the columns each key is made of. With the defaults, a family whose columns the items
    table lacks is skipped (a table without `region` is tested by product and branch)."""
    windows: tuple[int, ...] = (3, 7)
    """Lengths in days of the windows ending on the as-of day that are tested (SPEC: the last 7 days)."""
    baseline_weeks: int = 8
    """Whole weeks right before a window that make its baseline (SPEC: the previous 8 weeks)."""
    dispersion_weeks: int = 16
    """Whole weeks from which each key's week-to-week variability is estimated."""
    dispersion_prior: float = 1.5
    """Standard deviation (natural log units) of the prior of a key's variability around its family's."""
    fdr: float = 0.01
    """Benjamini–Hochberg false discovery rate across all keys of one run."""
    min_observed: int = 5
    """Fewest items in the window to flag (SPEC's floor)."""
    min_ratio: float = 1.5
    """Observed must be at least this many times the expectation."""
    min_excess: float = 3.0
    """Observed must exceed the expectation by at least this many items."""
    prior_items: float = 0.5
    """Gamma prior shape of a key's rate: a key never seen counts as this many items in its baseline."""
    max_item_ids: int = 200
    """Most message ids kept per issue (latest first)."""

    def __post_init__(self) -> None:
        checks = {
            "windows": bool(self.windows) and all(w >= 1 for w in self.windows),
            "baseline_weeks": self.baseline_weeks >= 1,
            "dispersion_weeks": self.dispersion_weeks >= 2,
            "dispersion_prior": self.dispersion_prior > 0,
            "fdr": 0 < self.fdr < 1,
            "min_observed": self.min_observed >= 1,
            "min_ratio": self.min_ratio >= 1,
            "min_excess": self.min_excess >= 0,
            "prior_items": self.prior_items > 0,
            "max_item_ids": self.max_item_ids >= 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise InputError(
                f"detector setting(s) out of range: {values} (windows: day counts ≥ 1; baseline_weeks, "
                "min_observed ≥ 1; dispersion_weeks ≥ 2; 0 < fdr < 1; min_ratio ≥ 1; min_excess, "
                "max_item_ids "
                "≥ 0; dispersion_prior, prior_items > 0)"
            )
        if not self.keys or any(not family for family in self.keys):
            raise InputError("detector keys must be non-empty column tuples such as ('cause', 'product')")

    @property
    def lookback_days(self) -> int:
        return max(self.windows) + 7 * max(self.baseline_weeks, self.dispersion_weeks)

    @property
    def test_settings(self) -> TestSettings:
        return TestSettings(
            self.windows, self.baseline_weeks, self.dispersion_weeks, self.dispersion_prior, self.prior_items
        )


@dataclass(frozen=True, eq=False)
class _Tested(FlaggedKey):
    """A flagged key with its mixture of negative binomials, so merging can re-test it on fewer items."""

    size: np.ndarray
    prob: np.ndarray
    weight: np.ndarray
    windows_tested: int


def detect_emerging(
    items: pd.DataFrame,
    as_of: date,
    config: DetectorConfig | None = None,
    *,
    volume: pd.DataFrame | None = None,
) -> list[EmergingIssue]:
    """Emerging issues in the windows ending on `as_of` (included), strongest first.

    `items`: one row per message × cause with `item_id, day` and the key columns (default `cause, product,
    branch, region`); a row missing a key column's value is left out of that family only; rows after
    `as_of` are ignored. `volume` (optional, `day, volume`): all messages per day, the exposure; default:
    the distinct items per day.
    """
    return detect_emerging_over(items, [as_of], config, volume=volume)[as_of]


def detect_emerging_over(
    items: pd.DataFrame,
    as_of_days: Sequence[date],
    config: DetectorConfig | None = None,
    *,
    volume: pd.DataFrame | None = None,
) -> dict[date, list[EmergingIssue]]:
    """`detect_emerging` as of each of `as_of_days` (a backtest, or catching up a daily schedule)."""
    cfg = config or DetectorConfig()
    days = sorted(set(as_of_days))
    if not days:
        return {}
    counts = daily_counts(
        items,
        families_for(items, cfg.keys),
        start=days[0] - timedelta(days=cfg.lookback_days),
        end=days[-1],
        volume=volume,
    )
    ts = np.array([counts.index(d) for d in days], dtype=np.int64)
    tests = [key_tests(fc, counts, ts, cfg.test_settings) for fc in counts.families]
    return {day: flag_issues(counts, tests, column, int(ts[column]), cfg) for column, day in enumerate(days)}


def bh_cutoff(p_values: np.ndarray, fdr: float) -> float:
    """The largest p-value Benjamini–Hochberg rejects at `fdr` (−1 when none is rejected)."""
    if p_values.size == 0:
        return -1.0
    ordered = np.sort(p_values)
    below = ordered <= fdr * np.arange(1, ordered.size + 1) / ordered.size
    return float(ordered[np.nonzero(below)[0][-1]]) if below.any() else -1.0


def _passes(observed: np.ndarray, expected: np.ndarray, cfg: DetectorConfig) -> np.ndarray:
    result: np.ndarray = (
        (observed >= cfg.min_observed)
        & (observed >= cfg.min_ratio * expected)
        & (observed - expected >= cfg.min_excess)
    )
    return result


def flag_issues(
    counts: DailyCounts, tests: Sequence[KeyTests], column: int, t: int, cfg: DetectorConfig
) -> list[EmergingIssue]:
    """The merged issues of one as-of day (`column` of the tests, day index `t`) under `cfg`'s thresholds."""
    n_windows = len(cfg.windows)
    adjusted = [np.minimum(kt.p_value[:, column, :] * n_windows, 1.0) for kt in tests]
    pooled = np.concatenate(
        [p.min(axis=1)[kt.tested[:, column]] for p, kt in zip(adjusted, tests, strict=True)]
    )
    cutoff = bh_cutoff(pooled, cfg.fdr)
    if cutoff < 0:
        return []
    flagged: list[FlaggedKey] = []
    for fc, kt, p in zip(counts.families, tests, adjusted, strict=True):
        obs, exp = kt.observed[:, column, :], kt.expected[:, column, :]
        eligible = (p <= cutoff) & _passes(obs, exp, cfg) & kt.tested[:, column, None]
        for k in np.nonzero(eligible.any(axis=1))[0]:
            w = int(np.argmin(np.where(eligible[k], p[k], np.inf)))
            o, e = int(obs[k, w]), float(exp[k, w])
            flagged.append(
                _Tested(
                    key=fc.key_dict(int(k)),
                    observed=o,
                    expected=e,
                    p_value=float(p[k, w]),
                    score=excess_score(o, e),
                    new_key=bool(kt.new_key[k, column, w]),
                    items=fc.items_between(int(k), t - cfg.windows[w] + 1, t),
                    window_start=counts.day(t - cfg.windows[w] + 1),
                    size=kt.size[k, column, w],
                    prob=kt.prob[k, column, w],
                    weight=kt.weight[k, column],
                    windows_tested=n_windows,
                )
            )

    def still_flagged(key: FlaggedKey, remaining: int) -> bool:
        assert isinstance(key, _Tested)
        p_value = min(1.0, key.windows_tested * mixture_p_value(remaining, key.size, key.prob, key.weight))
        return p_value <= cutoff and bool(_passes(np.array([remaining]), np.array([key.expected]), cfg)[0])

    return [
        issue_of(group, counts.day(t), method="negative_binomial", max_items=cfg.max_item_ids)
        for group in merge_flagged(flagged, still_flagged)
    ]
