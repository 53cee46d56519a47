"""Daily item counts per key (cause × product, cause × branch …) as arrays, for the emerging-issue detectors.

The detectors read one table of items, one row per message × cause (`item_id, day, cause` and dimension
columns such as `product, branch, region`). A *key family* names the columns a key is made of, e.g.
`("cause", "product")`; a *key* is one combination of their values, e.g. `product_quality × 星河X1`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from complaint_radar.errors import InputError

KeyFamily = tuple[str, ...]
"""The columns a key is made of, e.g. ("cause", "product")."""

DEFAULT_KEY_FAMILIES: tuple[KeyFamily, ...] = (("cause", "product"), ("cause", "branch"), ("cause", "region"))
"""SPEC.md §7.5 keys: cause × product, cause × branch, cause × region."""

ITEM_COLUMNS = ("item_id", "day")


@dataclass(frozen=True, eq=False)
class FamilyCounts:
    """Items per key and day for one key family; keys are rows, days are columns."""

    family: KeyFamily
    values: tuple[tuple[str, ...], ...]
    """The values of each key, in the order of `family`."""
    counts: np.ndarray
    """int64 (keys, days): distinct items of each key on each day."""
    row_day: np.ndarray
    """Day index of every item row, rows grouped by key and sorted by day within a key."""
    row_item: np.ndarray
    """The item id of every row, in the order of `row_day`."""
    offsets: np.ndarray
    """Rows of key k are `offsets[k]:offsets[k + 1]`."""

    def key_dict(self, k: int) -> dict[str, str]:
        return dict(zip(self.family, self.values[k], strict=True))

    def items_between(self, k: int, first: int, last: int) -> np.ndarray:
        """Item ids of key `k` on day indices `first`..`last` (both included), latest first."""
        lo, hi = int(self.offsets[k]), int(self.offsets[k + 1])
        days = self.row_day[lo:hi]
        a = lo + int(np.searchsorted(days, first, side="left"))
        b = lo + int(np.searchsorted(days, last, side="right"))
        return self.row_item[a:b][::-1]


@dataclass(frozen=True, eq=False)
class DailyCounts:
    """The count arrays of every key family over consecutive days from `start`."""

    start: date
    n_days: int
    volume: np.ndarray
    """float64 (days,): messages per day (the exposure that seasonality and peaks act on)."""
    families: tuple[FamilyCounts, ...]

    def index(self, day: date) -> int:
        return (day - self.start).days

    def day(self, index: int) -> date:
        return self.start + timedelta(days=int(index))


def as_days(values: pd.Series, column: str = "day") -> pd.Series:
    """A column of dates (date, datetime, Timestamp or ISO text) as normalised Timestamps."""
    try:
        days = pd.to_datetime(values, errors="raise")
    except (ValueError, TypeError) as exc:
        raise InputError(f"column {column!r} must hold dates such as 2026-11-29 ({exc})") from exc
    if getattr(days.dt, "tz", None) is not None:
        days = days.dt.tz_localize(None)
    return days.dt.normalize()


def daily_counts(
    items: pd.DataFrame,
    families: Sequence[KeyFamily] = DEFAULT_KEY_FAMILIES,
    *,
    end: date,
    start: date | None = None,
    volume: pd.DataFrame | None = None,
) -> DailyCounts:
    """Count `items` per key and day from `start` (default: the first item's day) to `end` (later: ignored).

    `volume` (optional, columns `day, volume`) is the number of messages per day that the items were drawn
    from; by default it is the number of distinct `item_id`s per day in `items`. A day's volume is never
    taken below its distinct items.
    """
    _check_columns(items, families)
    frame = items.loc[:, [*ITEM_COLUMNS, *sorted({c for f in families for c in f})]].copy()
    frame["day"] = as_days(frame["day"])
    frame = frame[frame["day"].notna() & frame["item_id"].notna()]
    end_ts = pd.Timestamp(end)
    frame = frame[frame["day"] <= end_ts]
    first = frame["day"].min() if len(frame) else end_ts
    start_ts = pd.Timestamp(start) if start is not None else first
    start_ts = min(start_ts, end_ts)
    frame = frame[frame["day"] >= start_ts]
    n_days = (end_ts - start_ts).days + 1
    frame["_d"] = (frame["day"] - start_ts).dt.days.astype(np.int64)
    distinct = frame.drop_duplicates("item_id")
    derived = np.bincount(distinct["_d"].to_numpy(), minlength=n_days).astype(np.float64)
    total = np.maximum(derived, _given_volume(volume, start_ts, n_days))
    return DailyCounts(
        start=start_ts.date(),
        n_days=n_days,
        volume=total,
        families=tuple(_family_counts(frame, tuple(f), n_days) for f in families),
    )


def families_for(items: pd.DataFrame, families: Sequence[KeyFamily]) -> tuple[KeyFamily, ...]:
    """`families` as given; but the default families adapt to the table (one lacking `region` is tested by
    product and branch only)."""
    if tuple(families) != DEFAULT_KEY_FAMILIES:
        return tuple(families)
    present = tuple(f for f in families if all(c in items.columns for c in f))
    return present or tuple(families)


def _check_columns(items: pd.DataFrame, families: Sequence[KeyFamily]) -> None:
    if not families:
        raise InputError("no key families given; use e.g. [('cause', 'product'), ('cause', 'branch')]")
    needed = [*ITEM_COLUMNS, *dict.fromkeys(c for f in families for c in f)]
    missing = [c for c in needed if c not in items.columns]
    if missing:
        raise InputError(
            f"the items table lacks column(s) {', '.join(missing)}; it needs one row per message × cause "
            f"with "
            f"{', '.join(needed)} (has: {', '.join(map(str, items.columns)) or 'no columns'})"
        )


def _given_volume(volume: pd.DataFrame | None, start: pd.Timestamp, n_days: int) -> np.ndarray:
    out = np.zeros(n_days, dtype=np.float64)
    if volume is None:
        return out
    missing = [c for c in ("day", "volume") if c not in volume.columns]
    if missing:
        raise InputError(f"the volume table needs columns day, volume (lacks {', '.join(missing)})")
    days = as_days(volume["day"])
    values = pd.to_numeric(volume["volume"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        raise InputError("the volume table's `volume` must be a number ≥ 0 on every row")
    index = (days - start).dt.days.to_numpy()
    keep = (index >= 0) & (index < n_days)
    np.add.at(out, index[keep], values.to_numpy(dtype=np.float64)[keep])
    return out


def _family_counts(frame: pd.DataFrame, family: KeyFamily, n_days: int) -> FamilyCounts:
    sub = frame.loc[:, ["item_id", "_d", *family]].dropna(subset=list(family))
    for column in family:
        sub[column] = sub[column].astype(str).str.strip()
        sub = sub[sub[column] != ""]
    sub = sub.drop_duplicates(["item_id", *family])
    if sub.empty:
        empty = np.zeros(0, dtype=np.int64)
        return FamilyCounts(
            family, (), np.zeros((0, n_days), dtype=np.int64), empty, empty, np.zeros(1, np.int64)
        )
    grouped = sub.groupby(list(family), sort=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    index = grouped.size().index
    values = tuple(tuple(str(v) for v in (k if isinstance(k, tuple) else (k,))) for k in index)
    n_keys = len(values)
    days = sub["_d"].to_numpy(dtype=np.int64)
    counts = np.bincount(codes * n_days + days, minlength=n_keys * n_days).reshape(n_keys, n_days)
    order = np.lexsort((days, codes))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_keys))])
    item_ids = sub["item_id"].to_numpy()
    return FamilyCounts(family, values, counts.astype(np.int64), days[order], item_ids[order], offsets)


def cumulative(values: np.ndarray) -> np.ndarray:
    """Running sums along days with a leading 0 column, for `window_sums`."""
    out: np.ndarray = np.concatenate(
        [np.zeros((values.shape[0], 1)), np.cumsum(values, axis=1, dtype=np.float64)], axis=1
    )
    return out


def window_sums(running: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Sums over day indices first..last (both included) for each row of `cumulative(values)`.

    `first` and `last` are arrays of one shape S; the result has shape (rows, *S). Days outside the table
    count 0.
    """
    n_days = running.shape[1] - 1
    lo = np.clip(first, 0, n_days)
    hi = np.maximum(np.clip(last + 1, 0, n_days), lo)
    out: np.ndarray = running[:, hi] - running[:, lo]
    return out
