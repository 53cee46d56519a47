"""Merging keys flagged by the same messages into one issue, so one spike is reported once.

A message with two causes counts under both; a batch of faulty phones sold at one branch lifts cause ×
product, cause × branch and cause × region at once. Flagged keys are taken strongest first; a key that
would no longer be flagged once the messages of the issues already formed are taken out of its window is
explained by them and joins the issue it shares most messages with; otherwise it starts an issue of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from complaint_radar.analysis.issues import EmergingIssue, IssueKey, ItemId


@dataclass(frozen=True, eq=False)
class FlaggedKey:
    """One key that passed a detector's test over a window, before merging."""

    key: IssueKey
    observed: int
    expected: float
    p_value: float | None
    score: float
    new_key: bool
    items: np.ndarray
    """Ids of the key's messages in the window, latest first."""
    window_start: date
    """First day of the window the key was flagged in (it ends on the as-of day)."""


StillFlagged = Callable[[FlaggedKey, int], bool]
"""Whether a flagged key would still be flagged with only this many of its observed items left."""


def merge_flagged(flagged: Sequence[FlaggedKey], still_flagged: StillFlagged) -> list[list[FlaggedKey]]:
    """Groups of flagged keys, strongest group first; each group's first key is its primary key.

    Ties keep the order of `flagged` (the detector's key families in their configured order).
    """
    ordered = sorted(flagged, key=lambda f: -f.score)
    groups: list[list[FlaggedKey]] = []
    group_items: list[set[ItemId]] = []
    explained: set[ItemId] = set()
    for candidate in ordered:
        ids = set(candidate.items.tolist())
        shared = len(ids & explained)
        if shared and not still_flagged(candidate, candidate.observed - shared):
            best = max(range(len(groups)), key=lambda g: len(ids & group_items[g]))
            groups[best].append(candidate)
            group_items[best] |= ids
        else:
            groups.append([candidate])
            group_items.append(ids)
        explained |= ids
    return groups


def issue_of(
    group: Sequence[FlaggedKey],
    window_end: date,
    *,
    method: str,
    max_items: int,
) -> EmergingIssue:
    """The issue a merged group stands for: the primary key's figures, the other keys as `merged_keys`."""
    primary = group[0]
    item_ids: dict[ItemId, None] = {}
    for member in group:
        for item in member.items.tolist():
            if len(item_ids) >= max_items:
                break
            item_ids.setdefault(item, None)
    expected = float(primary.expected)
    return EmergingIssue(
        key=dict(primary.key),
        window_start=primary.window_start,
        window_end=window_end,
        observed=int(primary.observed),
        expected=expected,
        p_value=primary.p_value,
        ratio=primary.observed / expected if expected > 0 else None,
        score=float(primary.score),
        merged_keys=tuple(dict(m.key) for m in group[1:]),
        item_ids=tuple(item_ids),
        new_key=primary.new_key,
        method=method,
    )


def excess_score(observed: float, expected: float) -> float:
    """(observed − expected)² / observed: the excess times the share of the window it makes up (0 if none)."""
    excess = observed - expected
    return excess * excess / observed if observed > 0 and excess > 0 else 0.0
