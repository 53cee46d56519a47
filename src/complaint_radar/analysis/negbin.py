"""The emerging-issue test itself: each key's window count against a negative binomial from its own baseline.

Expected = the key's share of the message volume over the baseline weeks × the volume in the window (the
volume carries the day-of-week profile and peak periods; the key's own items are left out of its volume).
The variance adds to the Poisson part the uncertainty of that share (a Gamma posterior, shape = baseline
items + prior) and the key's week-to-week variability, which is not plugged in as one estimate but averaged
over its posterior on a grid (likelihood of the key's weekly counts, log-normal prior around its family's
median), so that a few weeks that cannot tell a steady key from a volatile one widen the tail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats  # type: ignore[import-untyped]

from complaint_radar.analysis.keycounts import DailyCounts, FamilyCounts, cumulative, window_sums

DISPERSION_GRID = np.array([0.0, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56])
"""Week-to-week squared coefficients of variation a key's rate may have (0: Poisson)."""


@dataclass(frozen=True, slots=True)
class TestSettings:
    """What the test needs from the detector's settings."""

    windows: tuple[int, ...]
    baseline_weeks: int
    dispersion_weeks: int
    dispersion_prior: float
    prior_items: float


@dataclass(frozen=True, eq=False)
class KeyTests:
    """One key family's tests: arrays (keys, as-of days, windows); the mixture's with a last grid axis."""

    windows: tuple[int, ...]
    observed: np.ndarray
    expected: np.ndarray
    size: np.ndarray
    prob: np.ndarray
    weight: np.ndarray
    """(keys, as-of days, grid): posterior weight of each DISPERSION_GRID value."""
    p_value: np.ndarray
    tested: np.ndarray
    """(keys, as-of days): the key has items in the window or baseline, and the baseline has data."""
    new_key: np.ndarray


def key_tests(fc: FamilyCounts, counts: DailyCounts, ts: np.ndarray, settings: TestSettings) -> KeyTests:
    """Observed, expected and p-value of every key of one family, as of each day index in `ts`, per window."""
    x = fc.counts.astype(np.float64)
    exposure = np.clip(counts.volume[None, :] - x, 0.0, None)
    cum_x, cum_e, cum_v = cumulative(x), cumulative(exposure), cumulative(counts.volume[None, :])
    longest = max(settings.windows)
    week_lo = _week_starts(ts, longest, settings.dispersion_weeks)
    weights = _dispersion_posterior(
        window_sums(cum_x, week_lo, week_lo + 6),
        window_sums(cum_e, week_lo, week_lo + 6),
        settings.dispersion_prior,
    )
    per_window = [_window_test(cum_x, cum_e, cum_v, ts, w, weights, settings) for w in settings.windows]
    stacked = [np.stack(parts, axis=2) for parts in zip(*per_window, strict=True)]
    observed, expected, size, prob, p_value, tested, new_key = stacked
    return KeyTests(
        settings.windows,
        observed.astype(np.int64),
        expected,
        size,
        prob,
        weights,
        p_value,
        np.asarray(tested.any(axis=2)),
        new_key,
    )


def mixture_p_value(observed: int, size: np.ndarray, prob: np.ndarray, weight: np.ndarray) -> float:
    """P(X ≥ observed) under the posterior mixture of negative binomials."""
    if observed <= 0:
        return 1.0
    return float((weight * stats.nbinom.sf(observed - 1, size, prob)).sum())


def _week_starts(ts: np.ndarray, window: int, weeks: int) -> np.ndarray:
    """(as-of days, weeks): first day index of each whole week right before a `window`-day window."""
    starts: np.ndarray = ts[:, None] - window - 7 * np.arange(1, weeks + 1)[None, :] + 1
    return starts


def _window_test(
    cum_x: np.ndarray,
    cum_e: np.ndarray,
    cum_v: np.ndarray,
    ts: np.ndarray,
    w: int,
    weights: np.ndarray,
    settings: TestSettings,
) -> tuple[np.ndarray, ...]:
    weeks = settings.baseline_weeks
    lo_w = ts - w + 1
    xw, ew = window_sums(cum_x, lo_w, ts), window_sums(cum_e, lo_w, ts)
    week_lo = _week_starts(ts, w, weeks)
    xb = window_sums(cum_x, week_lo, week_lo + 6).sum(axis=2)
    eb = window_sums(cum_e, week_lo, week_lo + 6).sum(axis=2)
    weeks_with_data = (window_sums(cum_v, week_lo, week_lo + 6)[0] > 0).sum(axis=1)
    # Where a key has no other messages to be a share of (a table of one key), time is its exposure.
    no_reference = (eb <= 0) | (ew <= 0)
    ew = np.where(no_reference, float(w), ew)
    eb = np.where(no_reference, 7.0 * weeks_with_data[None, :], eb)
    expected = ew * (xb + settings.prior_items) / np.maximum(eb, 1.0)
    kappa = DISPERSION_GRID[None, None, :] * (1.0 + 1.0 / np.maximum(weeks_with_data, 1))[None, :, None]
    size = 1.0 / (kappa + (1.0 / (xb + settings.prior_items))[:, :, None])
    prob = size / (size + expected[:, :, None])
    tail = stats.nbinom.sf(xw[:, :, None] - 1, size, prob)
    p_value = np.where(xw > 0, (weights * tail).sum(axis=2), 1.0)
    tested = (xw + xb > 0) & (weeks_with_data[None, :] > 0)
    return xw, expected, size, prob, p_value, tested, (xb == 0) & (xw > 0)


def _dispersion_posterior(xj: np.ndarray, ej: np.ndarray, prior_sd: float) -> np.ndarray:
    """Posterior weights (keys, days, grid) of each key's week-to-week variability over DISPERSION_GRID.

    Likelihood: the key's weekly counts `xj` (keys, days, weeks) as negative binomials around its share of
    the weekly exposures `ej`. Prior: log-normal with sd `prior_sd` around the median moment estimate of the
    family's keys weighted by their information (Σ mean²): robust to a few volatile keys and to the noisy
    estimates of rare ones.
    """
    xd, ed = xj.sum(axis=2), ej.sum(axis=2)
    share = np.divide(xd, ed, out=np.zeros_like(xd), where=ed > 0)
    mean = share[:, :, None] * ej
    excess_var = ((xj - mean) ** 2 - xj).sum(axis=2)
    weight = (mean**2).sum(axis=2)
    own = np.divide(excess_var, weight, out=np.full_like(weight, np.nan), where=weight > 0)
    typical = np.array(
        [_weighted_median(np.clip(o, 0.0, None), w) for o, w in zip(own.T, weight.T, strict=True)]
    )
    grid = np.maximum(DISPERSION_GRID, DISPERSION_GRID[1] / 2)
    centre = np.log(np.maximum(typical, grid[0]))
    log_prior = -0.5 * ((np.log(grid)[None, :] - centre[:, None]) / prior_sd) ** 2
    log_post = np.stack([_nb_loglik(xj, mean, kappa) for kappa in DISPERSION_GRID], axis=2) + log_prior[None]
    log_post -= log_post.max(axis=2, keepdims=True)
    posterior = np.exp(log_post)
    result: np.ndarray = posterior / posterior.sum(axis=2, keepdims=True)
    return result


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The median of `values` (NaN ignored) where each counts by its weight; 0 when none is known."""
    known = ~np.isnan(values) & (weights > 0)
    if not known.any():
        return 0.0
    order = np.argsort(values[known])
    cumulative_weight = np.cumsum(weights[known][order])
    return float(values[known][order][np.searchsorted(cumulative_weight, cumulative_weight[-1] / 2)])


def _nb_loglik(counts: np.ndarray, mean: np.ndarray, kappa: float) -> np.ndarray:
    """Sum over the last axis of log NB(counts; mean, var = mean + kappa·mean²), up to a kappa-free term."""
    safe = np.maximum(mean, 1e-12)
    if kappa == 0:
        terms = counts * np.log(safe) - mean
    else:
        r = 1.0 / kappa
        terms = (
            special.gammaln(counts + r)
            - special.gammaln(r)
            + r * np.log(r / (r + safe))
            + counts * np.log(safe / (r + safe))
        )
    total: np.ndarray = np.where(mean > 0, terms, 0.0).sum(axis=-1)
    return total
