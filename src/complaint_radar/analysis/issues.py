"""Emerging issues as values, and matching a detection to the issues stored (update, not duplicate)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

ItemId = Hashable
"""A message id as the items table holds it (the store's primary key or an external id)."""

IssueKey = Mapping[str, str]
"""One key, e.g. {"cause": "product_quality", "product": "星河X1"}; a cluster: {"cluster": "发烫 / 关机"}."""


@dataclass(frozen=True, slots=True)
class EmergingIssue:
    """One flagged key (with the keys merged into it) over one window (SPEC.md §7.5).

    `observed` items of `key` fell in `window_start`..`window_end` (both included) where `expected` were
    expected; `p_value` is the chance of at least `observed` under the baseline (None for the plain SPEC
    rule), `ratio` = observed / expected (None when nothing was expected). `score` ranks issues: the excess
    (observed − expected) times the share of the window it makes up. `merged_keys` are other keys flagged
    by the same messages; `item_ids` are the window's messages of all those keys, latest first (pick
    examples from them).
    """

    key: IssueKey
    window_start: date
    window_end: date
    observed: int
    expected: float
    p_value: float | None
    ratio: float | None
    score: float
    merged_keys: tuple[IssueKey, ...] = ()
    item_ids: tuple[ItemId, ...] = ()
    new_key: bool = False
    """The key had no item before this window."""
    method: str = "negative_binomial"
    """`negative_binomial` (the detector) or `spec_rule` (SPEC.md §7.5's plain rule)."""
    top_terms: tuple[str, ...] = ()
    """For a cluster of unexplained messages: its most distinctive terms."""

    def all_keys(self) -> tuple[IssueKey, ...]:
        return (self.key, *self.merged_keys)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields in the report's `emerging_issues` shape (no id, status or example texts)."""
        return {
            "key": dict(self.key),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "observed": self.observed,
            "expected": round(self.expected, 3),
            "p_value": self.p_value,
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "score": round(self.score, 3),
            "merged_keys": [dict(k) for k in self.merged_keys],
            "new_key": self.new_key,
            "method": self.method,
            "top_terms": list(self.top_terms),
            "item_ids": list(self.item_ids),
        }


@dataclass(frozen=True, slots=True)
class KnownIssue:
    """An issue already stored, as far as matching needs it."""

    id: Hashable
    key: IssueKey
    window_start: date
    window_end: date
    merged_keys: tuple[IssueKey, ...] = ()
    item_ids: frozenset[ItemId] = field(default_factory=frozenset)
    status: str = "new"


@dataclass(frozen=True, slots=True)
class IssueMatch:
    """A detection and the stored issue it continues (None: a new issue), with the window and keys to store.

    A continued issue keeps its own key; the detection's keys not yet in it join `merged_keys`; its window
    runs from the stored start to the detection's end.
    """

    detection: EmergingIssue
    known: KnownIssue | None
    window_start: date
    window_end: date
    merged_keys: tuple[IssueKey, ...]

    @property
    def key(self) -> IssueKey:
        return self.detection.key if self.known is None else self.known.key


def match_known(
    detections: Sequence[EmergingIssue],
    known: Sequence[KnownIssue],
    *,
    gap_days: int = 7,
    item_overlap: float = 0.5,
) -> list[IssueMatch]:
    """Pair each detection with the stored issue it continues, so an issue that keeps growing is updated.

    A detection continues a stored issue when their windows overlap or lie at most `gap_days` apart, and
    they share a key (primary or merged) or at least `item_overlap` of the smaller set of messages (clusters
    whose label drifted between runs). Each stored issue continues at most one detection: the one sharing
    most keys and messages; detections are returned in their input order.
    """
    pairs: list[tuple[float, int, int]] = []
    for d, detection in enumerate(detections):
        for s, issue in enumerate(known):
            strength = _match_strength(detection, issue, gap_days, item_overlap)
            if strength > 0:
                pairs.append((strength, d, s))
    chosen: dict[int, KnownIssue] = {}
    used: set[int] = set()
    for _, d, s in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if d not in chosen and s not in used:
            chosen[d] = known[s]
            used.add(s)
    return [_continued(detection, chosen.get(d)) for d, detection in enumerate(detections)]


def _frozen(key: IssueKey) -> frozenset[tuple[str, str]]:
    return frozenset(key.items())


def _match_strength(detection: EmergingIssue, issue: KnownIssue, gap_days: int, item_overlap: float) -> float:
    gap = timedelta(days=gap_days)
    if issue.window_end + gap < detection.window_start or detection.window_end + gap < issue.window_start:
        return 0.0
    shared_keys = {_frozen(k) for k in detection.all_keys()} & {
        _frozen(k) for k in (issue.key, *issue.merged_keys)
    }
    overlap = 0.0
    if issue.item_ids and detection.item_ids:
        ids = set(detection.item_ids)
        overlap = len(ids & issue.item_ids) / min(len(ids), len(issue.item_ids))
    if not shared_keys and overlap < item_overlap:
        return 0.0
    return len(shared_keys) + overlap


def _continued(detection: EmergingIssue, issue: KnownIssue | None) -> IssueMatch:
    if issue is None:
        return IssueMatch(
            detection, None, detection.window_start, detection.window_end, detection.merged_keys
        )
    seen = {_frozen(issue.key)}
    merged: list[IssueKey] = []
    for key in (*issue.merged_keys, *detection.all_keys()):
        if _frozen(key) not in seen:
            seen.add(_frozen(key))
            merged.append(dict(key))
    return IssueMatch(
        detection,
        issue,
        min(issue.window_start, detection.window_start),
        max(issue.window_end, detection.window_end),
        tuple(merged),
    )


def track(
    detections_by_day: Mapping[date, Sequence[EmergingIssue]], *, gap_days: int = 7, item_overlap: float = 0.5
) -> list[KnownIssue]:
    """The issues a scheduled run would keep after each day's detections, in order of first detection.

    Each day's detections continue the issues they match (`match_known`) and open new ones otherwise; an
    issue's id is its position. This is the backtest of a daily schedule: the number of issues a person
    would have been shown.
    """
    issues: list[KnownIssue] = []
    position: dict[Hashable, int] = {}
    for day in sorted(detections_by_day):
        detections = detections_by_day[day]
        if not detections:
            continue
        earliest = min(d.window_start for d in detections) - timedelta(days=gap_days)
        active = [issue for issue in issues if issue.window_end >= earliest]
        for match in match_known(detections, active, gap_days=gap_days, item_overlap=item_overlap):
            known_ids = match.known.item_ids if match.known is not None else frozenset()
            issue = KnownIssue(
                id=match.known.id if match.known is not None else len(issues),
                key=match.key,
                window_start=match.window_start,
                window_end=match.window_end,
                merged_keys=match.merged_keys,
                item_ids=known_ids | frozenset(match.detection.item_ids),
            )
            if match.known is None:
                position[issue.id] = len(issues)
                issues.append(issue)
            else:
                issues[position[issue.id]] = issue
    return issues
