"""How content a customer is (SPEC.md §4, behaviour in context): recent survey answers and whether they
keep buying on their own rhythm. Both only ever soothe: a bad answer or a purchase stopping can only lower
them, so evidence of dissatisfaction never raises a soothing input (R1).
"""

from __future__ import annotations

import itertools
import statistics

from complaint_radar.customers.history import History
from complaint_radar.customers.timeline import BehaviourEvent, EventKind
from complaint_radar.customers.weights import ContextWeights

Rhythm = tuple[float, float, BehaviourEvent]
"""(median gap between purchases, days since the last one, the last one) of a regular buyer."""


def satisfaction(h: History, w: ContextWeights) -> float:
    """Recent answers, decayed: (good − bad) / all, floored at 0; 0 without answers. When the answers'
    decayed weight is below `w.survey_evidence`, the rest counts as neutral answers, so a single good
    answer weeks ago soothes a fresh grievance little and this week's soothes it fully.

    Good is CSAT ≥ 4 or NPS ≥ 7, bad CSAT ≤ 2 or NPS ≤ 6 (detractors)."""
    total = net = 0.0
    for e in h.recent_events(EventKind.SURVEY_CSAT, EventKind.SURVEY_NPS, days=w.survey_days):
        weight = h.decay(e, w.survey_half_life_days)
        total += weight
        if e.kind == EventKind.SURVEY_CSAT:
            net += weight if e.number >= 4 else -weight if e.number <= 2 else 0.0
        else:
            net += weight if e.number >= 7 else -weight
    return max(0.0, net / max(total, w.survey_evidence)) if total else 0.0


def keeps_buying(rhythm: Rhythm | None, w: ContextWeights) -> float:
    """1 for a regular buyer whose last purchase is within their usual gap, falling to 0 at
    `w.overdue_multiple` times it; 0 for customers with no rhythm to judge."""
    if rhythm is None:
        return 0.0
    gap, since, _ = rhythm
    return max(0.0, min(1.0, 1.0 - (since / gap - 1.0) / (w.overdue_multiple - 1.0)))


def buying_rhythm(h: History, w: ContextWeights) -> Rhythm | None:
    """The customer's buying rhythm; None with too few purchases or gaps too long to judge."""
    purchases = h.by_kind.get(EventKind.PURCHASE, [])
    if len(purchases) < w.min_purchases:
        return None
    ages = [h.age(e) for e in purchases]
    gaps = [a - b for a, b in itertools.pairwise(ages)]
    gap = max(statistics.median(gaps), w.min_gap_days)
    if gap > w.max_gap_days:
        return None
    return gap, ages[-1], purchases[-1]


def contentment(satisfied: float, rhythm: Rhythm | None, w: ContextWeights) -> float:
    """0–1: `w.survey_share` of the survey `satisfied` plus the rest from steady buying on `rhythm` (a
    customer who rates us well and buys on their rhythm is 1)."""
    return w.survey_share * satisfied + (1.0 - w.survey_share) * keeps_buying(rhythm, w)
