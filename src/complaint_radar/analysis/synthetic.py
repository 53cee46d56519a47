"""Seeded synthetic complaint histories with injected spikes and their ground truth, to score detectors.

A history is daily items (one row per message × cause) over `weeks` weeks for causes × products × branches
(branches grouped in regions): a day-of-week profile, peak periods that lift every key (双十一, 618, the
Spring Festival lull), slow product trends, week-to-week noise per key (some keys busy but steady, some
noisy, many rare), messages with a second cause, and spikes of one cause in one product or one branch
injected in known windows with sizes from obvious to hard. Nothing here knows about any detector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from complaint_radar.analysis.issues import EmergingIssue, IssueKey, KnownIssue

CAUSE_WEIGHTS: dict[str, float] = {
    "waiting_time": 0.16,
    "delivery_logistics": 0.14,
    "product_quality": 0.13,
    "service_attitude": 0.1,
    "communication": 0.09,
    "price_billing": 0.08,
    "service_process": 0.07,
    "unfulfilled_promise": 0.06,
    "expectation_gap": 0.05,
    "facility_system_failure": 0.05,
    "staff_competence": 0.03,
    "policy_terms": 0.025,
    "service_inconsistency": 0.015,
}
"""SPEC.md §2.1 causes and their rough shares of dissatisfied messages."""

SECOND_CAUSE: dict[str, str] = {
    "product_quality": "expectation_gap",
    "delivery_logistics": "communication",
    "unfulfilled_promise": "communication",
    "waiting_time": "service_attitude",
    "service_process": "waiting_time",
    "facility_system_failure": "waiting_time",
    "price_billing": "policy_terms",
    "staff_competence": "service_process",
    "service_attitude": "staff_competence",
    "expectation_gap": "product_quality",
    "communication": "unfulfilled_promise",
    "policy_terms": "price_billing",
    "service_inconsistency": "staff_competence",
}
"""The cause a message with two causes most often carries beside its first one."""


@dataclass(frozen=True, slots=True)
class HistoryParams:
    """What a synthetic history looks like; every field has a plain default and a documented meaning."""

    weeks: int = 26
    end: date = date(2026, 11, 29)
    """The last day of the history."""
    daily_items: float = 400.0
    """Mean dissatisfied messages per day before seasonality."""
    products: int = 6
    branches: int = 8
    regions: int = 3
    weekly_strength: float = 0.3
    """Size of the day-of-week profile (0: flat; 0.3: busiest day about 1.5× the quietest)."""
    peak_strength: float = 1.0
    """双十一 lifts every key by 1 + 1.5×this, 618 by 1 + 0.8×this; the Spring Festival: 1 − 0.4×this."""
    trend: float = 0.2
    """Standard deviation of each product's log change over the whole history."""
    key_noise: float = 0.15
    """Typical week-to-week coefficient of variation of a key's rate (each key draws its own around it)."""
    multi_cause_share: float = 0.25
    """Share of messages carrying a second cause."""
    spikes: int = 5
    spike_ratio: tuple[float, float] = (1.5, 5.0)
    """A spike multiplies its key's rate by a log-uniform draw from this range …"""
    spike_min_extra: int = 5
    """… and adds at least this many items (up to twice as many), so rare keys get small, hard spikes."""
    spike_days: tuple[int, int] = (3, 14)
    warmup_weeks: int = 10
    """No spike starts before this many weeks (the detectors need a baseline)."""
    concentrated_share: float = 0.5
    """Share of spikes whose messages sit in one branch (product spikes) or one product (branch spikes)."""


@dataclass(frozen=True, slots=True)
class InjectedSpike:
    """One injected spike: `extra` items of `key` on `start`..`end`; `keys` are all keys made only of them."""

    key: IssueKey
    start: date
    end: date
    extra: int
    base_per_week: float
    keys: tuple[IssueKey, ...]


@dataclass(frozen=True, slots=True)
class SyntheticHistory:
    items: pd.DataFrame
    """item_id, day, cause, product, branch, region, spike (index of the injected spike, −1 if none)."""
    volume: pd.DataFrame
    """day, volume: all messages per day (dissatisfied or not)."""
    spikes: tuple[InjectedSpike, ...]
    params: HistoryParams
    region_of: dict[str, str] = field(default_factory=dict)

    @property
    def start(self) -> date:
        return self.params.end - timedelta(days=7 * self.params.weeks - 1)


def generate_history(seed: int, params: HistoryParams | None = None) -> SyntheticHistory:
    """A reproducible history: the same seed and params give the same rows."""
    p = params or HistoryParams()
    rng = np.random.default_rng(seed)
    n_days = 7 * p.weeks
    start = p.end - timedelta(days=n_days - 1)
    days = pd.date_range(start, periods=n_days, freq="D")
    causes = list(CAUSE_WEIGHTS)
    products = [f"P{i + 1}" for i in range(p.products)]
    branches = [f"B{i + 1}" for i in range(p.branches)]
    region_of = {b: f"R{i % p.regions + 1}" for i, b in enumerate(branches)}
    w_cause = np.array(list(CAUSE_WEIGHTS.values()))
    w_product = rng.dirichlet(np.full(p.products, 1.2))
    w_branch = rng.dirichlet(np.full(p.branches, 2.0))
    # Cause × product and cause × branch interactions: some keys busy, many rare.
    cp = rng.lognormal(0.0, 0.6, (len(causes), p.products))
    cb = rng.lognormal(0.0, 0.4, (len(causes), p.branches))
    rate = (
        w_cause[:, None, None] * (w_product[None, :] * cp)[:, :, None] * (w_branch[None, :] * cb)[:, None, :]
    )
    rate *= p.daily_items / rate.sum()
    day_factor = _day_factor(rng, days, p)
    product_trend = np.exp(np.outer(np.linspace(-0.5, 0.5, n_days), rng.normal(0.0, p.trend, p.products)))
    week = np.arange(n_days) // 7
    noise_cp = _weekly_noise(rng, (len(causes), p.products), p.weeks, p.key_noise)[:, :, week]
    noise_cb = _weekly_noise(rng, (len(causes), p.branches), p.weeks, p.key_noise)[:, :, week]
    lam = (
        rate[None]
        * day_factor[:, None, None, None]
        * product_trend[:, None, :, None]
        * np.moveaxis(noise_cp, 2, 0)[:, :, :, None]
        * np.moveaxis(noise_cb, 2, 0)[:, :, None, :]
    )
    counts = rng.poisson(lam)
    spike_cells, spikes = _inject(rng, counts, lam, p, causes, products, branches, region_of, start)
    items = _items(rng, counts, spike_cells, days, causes, products, branches, region_of, p)
    per_day = items.drop_duplicates("item_id").groupby("day").size().reindex(days, fill_value=0).to_numpy()
    calm = rng.poisson(per_day * 1.8 + 5)
    volume = pd.DataFrame({"day": days, "volume": per_day + calm})
    return SyntheticHistory(items, volume, tuple(spikes), p, region_of)


def _day_factor(rng: np.random.Generator, days: pd.DatetimeIndex, p: HistoryParams) -> np.ndarray:
    profile = 1.0 + p.weekly_strength * rng.uniform(-1.0, 1.0, 7)
    factor = profile[days.day_of_week.to_numpy()]
    for name_start, name_end, lift in _peaks(days, p.peak_strength):
        inside = (days >= name_start) & (days <= name_end)
        factor = np.where(inside, factor * lift, factor)
    noise: np.ndarray = rng.gamma(100.0, 0.01, len(days))  # CV 0.1 day to day
    return np.asarray(factor * noise, dtype=np.float64)


_SPRING_FESTIVAL = {
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
}


def _peaks(days: pd.DatetimeIndex, strength: float) -> list[tuple[pd.Timestamp, pd.Timestamp, float]]:
    """The peak periods of the years the history covers (as in the bundled calendar)."""
    out = []
    for year in range(days[0].year, days[-1].year + 1):
        out.append((pd.Timestamp(year, 11, 1), pd.Timestamp(year, 11, 12), 1.0 + 1.5 * strength))
        out.append((pd.Timestamp(year, 6, 1), pd.Timestamp(year, 6, 18), 1.0 + 0.8 * strength))
        if year in _SPRING_FESTIVAL:
            eve = pd.Timestamp(_SPRING_FESTIVAL[year])
            out.append(
                (eve - pd.Timedelta(days=7), eve + pd.Timedelta(days=7), max(0.2, 1.0 - 0.4 * strength))
            )
    return out


def _weekly_noise(
    rng: np.random.Generator, shape: tuple[int, int], weeks: int, typical_cv: float
) -> np.ndarray:
    if typical_cv <= 0:
        return np.ones((*shape, weeks))
    cv = typical_cv * rng.lognormal(0.0, 0.5, shape)
    k = 1.0 / cv**2
    noise: np.ndarray = rng.gamma(k[:, :, None], 1.0 / k[:, :, None], (*shape, weeks))
    return noise


def _inject(
    rng: np.random.Generator,
    counts: np.ndarray,
    lam: np.ndarray,
    p: HistoryParams,
    causes: list[str],
    products: list[str],
    branches: list[str],
    region_of: dict[str, str],
    start: date,
) -> tuple[np.ndarray, list[InjectedSpike]]:
    """Add spikes to a copy-free count array; returns per-cell spike ids (−1 none) and the ground truth."""
    n_days = counts.shape[0]
    spike_id = np.full(counts.shape, -1, dtype=np.int64)
    extra_counts = np.zeros_like(counts)
    spikes: list[InjectedSpike] = []
    taken: list[tuple[str, str, str, int, int]] = []
    first_day = 7 * p.warmup_weeks
    attempts = 0
    while len(spikes) < p.spikes and attempts < 100 * max(p.spikes, 1) and first_day < n_days - 2:
        attempts += 1
        c = int(
            rng.choice(len(causes), p=np.array(list(CAUSE_WEIGHTS.values())) / sum(CAUSE_WEIGHTS.values()))
        )
        on_product = bool(rng.random() < 0.5)
        dim, values = ("product", products) if on_product else ("branch", branches)
        v = int(rng.integers(len(values)))
        duration = int(rng.integers(p.spike_days[0], p.spike_days[1] + 1))
        s0 = int(rng.integers(first_day, n_days - 2))
        s1 = min(n_days - 1, s0 + duration - 1)
        if any(t[:3] == (causes[c], dim, values[v]) and s0 <= t[4] + 14 and t[3] <= s1 + 14 for t in taken):
            continue
        key_lam = lam[s0 : s1 + 1, c, v, :] if on_product else lam[s0 : s1 + 1, c, :, v]
        base = float(key_lam.sum())
        ratio = float(np.exp(rng.uniform(np.log(p.spike_ratio[0]), np.log(p.spike_ratio[1]))))
        floor = int(rng.integers(p.spike_min_extra, 2 * p.spike_min_extra + 1))
        extra = max(floor, round((ratio - 1.0) * base))
        other = key_lam.sum(axis=0)
        concentrated = bool(rng.random() < p.concentrated_share)
        other_share = (
            np.eye(len(other))[int(rng.choice(len(other), p=other / other.sum()))]
            if concentrated
            else (other / other.sum())
        )
        shape = np.linspace(0.3, 1.7, s1 - s0 + 1) if rng.random() < 0.5 else np.ones(s1 - s0 + 1)
        per_day = rng.multinomial(extra, shape / shape.sum())
        for offset, n in enumerate(per_day):
            cells = rng.multinomial(n, other_share)
            if on_product:
                extra_counts[s0 + offset, c, v, :] += cells
            else:
                extra_counts[s0 + offset, c, :, v] += cells
        index = len(spikes)
        mask = np.zeros(counts.shape, dtype=bool)
        if on_product:
            mask[s0 : s1 + 1, c, v, :] = True
        else:
            mask[s0 : s1 + 1, c, :, v] = True
        spike_id[mask & (extra_counts > 0) & (spike_id < 0)] = index
        key = {"cause": causes[c], dim: values[v]}
        implied = [key]
        other_names = branches if on_product else products
        if concentrated:
            focus = other_names[int(np.argmax(other_share))]
            implied.append({"cause": causes[c], ("branch" if on_product else "product"): focus})
        branch = values[v] if not on_product else (implied[1]["branch"] if concentrated else None)
        if branch is not None:
            implied.append({"cause": causes[c], "region": region_of[branch]})
        spikes.append(
            InjectedSpike(
                key=key,
                start=start + timedelta(days=s0),
                end=start + timedelta(days=s1),
                extra=int(extra),
                base_per_week=7.0 * base / (s1 - s0 + 1),
                keys=tuple(implied),
            )
        )
        taken.append((causes[c], dim, values[v], s0, s1))
    counts += extra_counts
    spike_cells = np.where(extra_counts > 0, spike_id, -1)
    return np.stack([spike_cells, extra_counts]), spikes


def _items(
    rng: np.random.Generator,
    counts: np.ndarray,
    spike_cells: np.ndarray,
    days: pd.DatetimeIndex,
    causes: list[str],
    products: list[str],
    branches: list[str],
    region_of: dict[str, str],
    p: HistoryParams,
) -> pd.DataFrame:
    spike_of, extra = spike_cells
    cells = np.nonzero(counts)
    n = counts[cells]
    d, c, pr, b = (np.repeat(axis, n) for axis in cells)
    # The first `extra` messages of a cell are the injected ones.
    rank = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    spike = np.where(rank < np.repeat(extra[cells], n), np.repeat(spike_of[cells], n), -1)
    item_id = np.arange(len(d), dtype=np.int64) + 1
    second = rng.random(len(d)) < p.multi_cause_share
    by_code = {code: i for i, code in enumerate(causes)}
    co = np.array([by_code[SECOND_CAUSE[code]] for code in causes])[c]
    cause_index = np.concatenate([c, co[second]])
    rows = np.concatenate([np.arange(len(d)), np.nonzero(second)[0]])
    branch_names = np.array(branches)[b[rows]]
    return pd.DataFrame(
        {
            "item_id": item_id[rows],
            "day": days[d[rows]],
            "cause": np.array(causes)[cause_index],
            "product": np.array(products)[pr[rows]],
            "branch": branch_names,
            "region": np.array([region_of[x] for x in branches])[b[rows]],
            "spike": spike[rows],
        }
    )


def issue_is_real(issue: KnownIssue | EmergingIssue, spike: InjectedSpike) -> bool:
    """Whether a flagged issue stands for `spike`: one of its keys is made only of the spike's cell, and its
    window overlaps the spike's days."""
    spike_keys = {frozenset(k.items()) for k in spike.keys}
    keys = {frozenset(k.items()) for k in (issue.key, *issue.merged_keys)}
    return bool(spike_keys & keys) and issue.window_start <= spike.end and spike.start <= issue.window_end
