"""Pareto analysis (SPEC.md §7.4): rank by count or severity-weighted count, cumulative share, vital few."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pandas as pd

VITAL_SHARE = 0.8


class Weighting(StrEnum):
    COUNT = "count"
    SEVERITY = "severity"


def pareto_rows(
    counts: pd.DataFrame, weighting: Weighting = Weighting.COUNT, cut: float = VITAL_SHARE
) -> list[dict[str, Any]]:
    """Rows of `key, count, weighted` ranked by the chosen measure (ties by key), with share and
    cumulative share of the measure; `vital_few` marks the rows needed to reach `cut` (the row that
    crosses it included)."""
    if counts.empty:
        return []
    measure = "weighted" if weighting is Weighting.SEVERITY else "count"
    frame = counts.groupby("key", as_index=False)[["count", "weighted"]].sum()
    frame = frame[frame[measure] > 0]
    frame = frame.sort_values([measure, "key"], ascending=[False, True], kind="mergesort")
    total = float(frame[measure].sum())
    rows: list[dict[str, Any]] = []
    cumulative = 0.0
    for key, count, weighted in frame[["key", "count", "weighted"]].itertuples(index=False):
        value = float(weighted if measure == "weighted" else count)
        before = cumulative
        cumulative += value
        rows.append(
            {
                "key": str(key),
                "count": int(count),
                "weighted": float(weighted),
                "share": round(value / total, 4),
                "cumulative_share": round(cumulative / total, 4),
                "vital_few": before / total < cut - 1e-12,
            }
        )
    return rows
