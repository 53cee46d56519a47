"""Significance tests for before/after comparisons of rates (SPEC.md §7.9 †).

- `poisson_rate_test`: events over an exposure (complaints per 1,000 orders). Exact conditional test:
  given n = e1 + e2 events, e2 ~ Binomial(n, t2 / (t1 + t2)) under equal rates (two-sided p: the sum of
  the probabilities no larger than the observed one). The CI is the Wald interval of the rate
  difference (Poisson variances e/t²), in the same unit as the rates.
- `two_proportion_z_test`: a share of units (dissatisfied messages, satisfied survey answers).
  Pooled-variance z test; the CI of the difference uses the unpooled standard error (Wald).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats  # type: ignore[import-untyped]

POISSON_RATE_RATIO = "poisson_rate_ratio"
TWO_PROPORTION_Z = "two_proportion_z"


@dataclass(frozen=True, slots=True)
class Comparison:
    """Before (1) and after (2): rates in `scale` units, their difference, its p-value and CI."""

    test: str
    rate_before: float
    rate_after: float
    change_abs: float
    change_rel: float | None
    p_value: float
    ci_low: float
    ci_high: float
    ci_level: float


def poisson_rate_test(
    events_before: float,
    exposure_before: float,
    events_after: float,
    exposure_after: float,
    *,
    scale: float = 1000.0,
    level: float = 0.95,
) -> Comparison:
    """Compare two Poisson rates; rates are events per `scale` units of exposure."""
    if exposure_before <= 0 or exposure_after <= 0:
        raise ValueError("both exposures must be positive")
    e1, e2 = round(events_before), round(events_after)
    r1, r2 = e1 / exposure_before, e2 / exposure_after
    n = e1 + e2
    if n == 0:
        p_value = 1.0
    else:
        p0 = exposure_after / (exposure_before + exposure_after)
        p_value = float(stats.binomtest(e2, n, p0, alternative="two-sided").pvalue)
    z = float(stats.norm.ppf(0.5 + level / 2))
    se = math.sqrt(e1 / exposure_before**2 + e2 / exposure_after**2)
    diff = r2 - r1
    return Comparison(
        POISSON_RATE_RATIO,
        r1 * scale,
        r2 * scale,
        diff * scale,
        None if r1 == 0 else diff / r1,
        min(1.0, p_value),
        (diff - z * se) * scale,
        (diff + z * se) * scale,
        level,
    )


def two_proportion_z_test(
    successes_before: int,
    n_before: int,
    successes_after: int,
    n_after: int,
    *,
    scale: float = 1.0,
    level: float = 0.95,
) -> Comparison:
    """Compare two proportions x/n; rates are shares times `scale`."""
    if n_before <= 0 or n_after <= 0:
        raise ValueError("both groups need at least one unit")
    p1, p2 = successes_before / n_before, successes_after / n_after
    pooled = (successes_before + successes_after) / (n_before + n_after)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_before + 1 / n_after))
    p_value = 1.0 if se0 == 0 else float(2 * stats.norm.sf(abs(p2 - p1) / se0))
    z = float(stats.norm.ppf(0.5 + level / 2))
    se = math.sqrt(p1 * (1 - p1) / n_before + p2 * (1 - p2) / n_after)
    diff = p2 - p1
    return Comparison(
        TWO_PROPORTION_Z,
        p1 * scale,
        p2 * scale,
        diff * scale,
        None if p1 == 0 else diff / p1,
        p_value,
        (diff - z * se) * scale,
        (diff + z * se) * scale,
        level,
    )
