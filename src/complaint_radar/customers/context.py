"""Behaviour in context (SPEC.md §4): waits, transfers and failures weighed by what the customer said and
rated around them and by whether they keep buying; purchases stopping against the customer's own rhythm.

Satisfaction and buying only ever lower a feature (they are not negative evidence); a low survey answer,
a friction event or a grumble only ever raise one (R1). How content a customer is (good answers, steady
buying) is read in `customers.contentment`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from complaint_radar.customers.contact_signals import call_friction
from complaint_radar.customers.contentment import (
    Rhythm,
    buying_rhythm,
    contentment,
    keeps_buying,
    satisfaction,
)
from complaint_radar.customers.history import LATENT, History, SignalHit, evidence_rank, noisy_or
from complaint_radar.customers.timeline import BehaviourEvent, EventKind
from complaint_radar.customers.trajectory import NONE, Feature, contacts, linked
from complaint_radar.customers.weights import ContextWeights
from complaint_radar.types import CustomerType

FRICTION_SIGNALS = ("branch_wait", "call_tone", "online_friction", "service_failure", "staff_observation")
# Behaviour and survey signals whose number (not strength) says "several things went wrong at once".
FAMILY_SIGNALS = (
    *FRICTION_SIGNALS,
    "exit_behaviour",
    "complaint_channel_lookup",
    "csat_drop",
    "nps_drop",
    "reduced_purchase",
    "usage_decline",
    "dissatisfied_resolution",
)
_FRICTION_KINDS = (
    EventKind.QUEUE_WAIT,
    EventKind.CALL,
    EventKind.TRANSACTION_FAILED,
    EventKind.LOGIN_FAILED,
    EventKind.DELIVERY_DELAYED,
    EventKind.BOOKING_FAILED,
    EventKind.SERVICE_OUTAGE,
    EventKind.STAFF_OBSERVATION,
)


def context_features(
    h: History, hits: Mapping[str, SignalHit], said: Mapping[str, Feature], w: ContextWeights
) -> dict[str, Feature]:
    """Friction not soothed by good ratings or steady buying, friction the customer spoke about,
    grumbles from a customer who does not rate us well, and purchases overdue against their rhythm."""
    friction_hits = [hits[code] for code in FRICTION_SIGNALS if code in hits]
    friction = noisy_or(hit.p for hit in friction_hits)
    refs = tuple(ref for hit in friction_hits for ref in hit.evidence[:2])
    rhythm = buying_rhythm(h, w)
    satisfied = satisfaction(h, w)
    content = contentment(satisfied, rhythm, w)
    frictions = [e for e in h.recent_events(*_FRICTION_KINDS, days=w.slow_days) if _is_friction(h, e, w)]
    out = {
        "friction_unsoothed": Feature(friction * (1.0 - content), refs) if friction else NONE,
        "friction_spoken": _friction_spoken(h, [e for e in frictions if h.age(e) <= w.window_days], w),
        "words_unsoothed": Feature(
            said["explicit_now"].value * (1.0 - satisfied), said["explicit_now"].evidence
        )
        if "explicit_now" in said
        else NONE,
    }
    families = [hits[code] for code in FAMILY_SIGNALS if code in hits]
    family_refs = tuple(ref for hit in families for ref in hit.evidence[:1])
    facts = (("count", len(families)),)
    out["families_2"] = Feature(1.0, family_refs, facts) if len(families) >= 2 else NONE
    out["families_3"] = Feature(1.0, family_refs, facts) if len(families) >= 3 else NONE
    overdue = _overdue(rhythm, w)
    out["purchase_overdue"] = overdue
    kinds, kind_refs = _kinds_of_trouble(h, hits, frictions, w)
    kind_facts = (("count", len(kinds)), ("days", int(w.slow_days)))
    out["trouble_kinds_3"] = Feature(1.0, kind_refs, kind_facts) if len(kinds) >= 3 else NONE
    out["trouble_kinds_4"] = Feature(1.0, kind_refs, kind_facts) if len(kinds) >= 4 else NONE
    out.update(_counts(h, frictions, kinds, kind_refs, w))
    # Soothing inputs (customers.features.SOOTHING): good answers and steady buying. The model may only
    # lower risk as they grow; negative evidence never raises them (a bad answer lowers the first).
    out["satisfied_answers"] = Feature(satisfied) if satisfied else NONE
    out["kind_words"] = _kind_words(h, w)
    out["issue_weeks"] = _issue_weeks(h, w)
    out["keeps_buying"] = Feature(keeps_buying(rhythm, w)) if rhythm is not None else NONE
    latent = said.get("latent_now", NONE)
    out["decline_with_words"] = (
        Feature(overdue.value * latent.value, overdue.evidence + latent.evidence, overdue.facts)
        if overdue.value and latent.value
        else NONE
    )
    return out


def _counts(
    h: History,
    frictions: list[BehaviourEvent],
    kinds: set[str],
    kind_refs: tuple[str, ...],
    w: ContextWeights,
) -> dict[str, Feature]:
    """How much trouble, counted (each only grows with added negative evidence): friction events of the
    last `w.window_days` (full at 5), kinds of trouble over the slow-burn window (full at 6), low
    survey answers over it (full at 3) and days with a dissatisfied message in the last
    `w.window_days` (full at 6)."""
    recent = [e for e in frictions if h.age(e) <= w.window_days]
    low = [
        e
        for e in h.recent_events(EventKind.SURVEY_CSAT, EventKind.SURVEY_NPS, days=w.slow_days)
        if e.number <= (2 if e.kind == EventKind.SURVEY_CSAT else 6)
    ]
    grumbles = [
        m for m in h.recent_messages(w.window_days) if evidence_rank(m) >= LATENT and not h.resolved(m)
    ]
    days = {int(h.age(m)) for m in grumbles}
    out: dict[str, Feature] = {}
    if recent:
        out["friction_count"] = Feature(
            min(1.0, len(recent) / 5.0),
            tuple(e.event_id for e in recent[-3:]),
            (("count", len(recent)), ("days", int(w.window_days))),
        )
    if kinds:
        out["trouble_kinds"] = Feature(
            min(1.0, len(kinds) / 6.0), kind_refs, (("count", len(kinds)), ("days", int(w.slow_days)))
        )
    if low:
        out["low_surveys"] = Feature(
            min(1.0, len(low) / 3.0), tuple(e.event_id for e in low[-3:]), (("count", len(low)),)
        )
    if days:
        out["grumble_days"] = Feature(
            min(1.0, len(days) / 6.0),
            tuple(m.message_id for m in grumbles[-3:]),
            (("count", len(days)), ("days", int(w.window_days))),
        )
    return out


def _kinds_of_trouble(
    h: History, hits: Mapping[str, SignalHit], frictions: list[BehaviourEvent], w: ContextWeights
) -> tuple[set[str], tuple[str, ...]]:
    """Which kinds of trouble showed over the slow-burn window: a grumble, a terse reply, a low survey
    answer, a friction event, a drop in buying, an unsatisfying closure (each harmless alone)."""
    kinds: dict[str, str] = {}
    for m in h.recent_messages(w.slow_days):
        if evidence_rank(m) >= LATENT and not h.resolved(m):
            kinds.setdefault("grumble", m.message_id)
        elif m.customer_type == CustomerType.TACITURN:
            kinds.setdefault("terse", m.message_id)
    for e in h.recent_events(EventKind.SURVEY_CSAT, EventKind.SURVEY_NPS, days=w.slow_days):
        if e.number <= (2 if e.kind == EventKind.SURVEY_CSAT else 6):
            kinds.setdefault("low_survey", e.event_id)
    if frictions:
        kinds.setdefault("friction", frictions[0].event_id)
    for code in ("reduced_purchase", "usage_decline", "exit_behaviour"):
        if code in hits:
            kinds.setdefault("decline", (hits[code].evidence or ("",))[0])
    for e in h.recent_events(EventKind.CASE_CLOSED, days=w.slow_days):
        if e.attributes.get("satisfied") is False:
            kinds.setdefault("bad_closure", e.event_id)
    return set(kinds), tuple(ref for ref in kinds.values() if ref)


def _overdue(rhythm: Rhythm | None, w: ContextWeights) -> Feature:
    """Purchases stopping against the customer's own rhythm: time since the last purchase past
    `w.overdue_multiple` times their median gap, in doublings (0 to 1 at two doublings)."""
    if rhythm is None:
        return NONE
    gap, since, last = rhythm
    ratio = since / (w.overdue_multiple * gap)
    if ratio <= 1.0:
        return NONE
    value = min(1.0, math.log2(ratio) / 2.0)
    return Feature(value, (last.event_id,), (("days", round(since)), ("gap", f"{gap:.1f}")))


def _friction_spoken(h: History, frictions: list[BehaviourEvent], w: ContextWeights) -> Feature:
    """Friction events with a dissatisfied message within `w.spoken_days` of them, decayed."""
    if not frictions:
        return NONE
    said = [
        h.age(m) for m in h.recent_messages(w.window_days) if evidence_rank(m) >= LATENT and not h.resolved(m)
    ]
    parts: list[tuple[float, str]] = []
    for e in frictions:
        age = h.age(e)
        if any(abs(age - other) <= w.spoken_days for other in said):
            parts.append((h.decay(e, w.half_life_days), e.event_id))
    if not parts:
        return NONE
    value = 1.0 - 0.5 ** sum(p for p, _ in parts)
    return Feature(value, tuple(ref for _, ref in sorted(parts, reverse=True)[:3]))


def _is_friction(h: History, e: BehaviourEvent, w: ContextWeights) -> bool:
    if e.kind == EventKind.CALL:
        return call_friction(h, e) > 0
    if e.kind == EventKind.QUEUE_WAIT:
        return e.number >= w.wait_minutes
    if e.kind == EventKind.DELIVERY_DELAYED:
        return e.number >= w.delay_hours
    return not h.resolved(e)


def _kind_words(h: History, w: ContextWeights) -> Feature:
    """Soothing: the share of the customer's messages of the last `w.window_days` that are calm and
    read as positive (thanks, praise). A grumble or a negative message only adds to the count of all
    messages, so negative evidence never raises it; nor does a terse reply (嗯, 好, "ok", "fine": the
    customer type `taciturn`), which reads calm and positive but is a slow burn's sign, not a kind word."""
    said = h.recent_messages(w.window_days)
    if not said:
        return NONE
    kind = sum(
        1
        for m in said
        if evidence_rank(m) < LATENT and m.sentiment_score > 0.0 and m.customer_type != CustomerType.TACITURN
    )
    return Feature(kind / len(said)) if kind else NONE


def _issue_weeks(h: History, w: ContextWeights) -> Feature:
    """A slow burn: one issue raised again and again over weeks. For each dissatisfied contact of the
    last week, the contacts of the slow-burn window surely about the same issue (linkage
    `trajectory.linked` = 1: shared order, thread, cause, wording or an explicit reference), counted
    as contacts at least `w.issue_gap_days` apart; (count − 1) / 4, at most 1. More contacts only add
    members, so the value never falls with added negative evidence."""
    tw = h.weights.trajectory
    found = contacts(h, w.slow_days)
    best = NONE
    for anchor in found:
        if anchor.age > tw.anchor_days:
            continue
        sure = [c for c in found if c is anchor or linked(anchor, c, tw) >= 1.0]
        count = _spaced(sorted(c.age for c in sure), w.issue_gap_days)
        value = min(1.0, (count - 1) / 4.0)
        if value > best.value:
            best = Feature(
                value,
                tuple(c.ref for c in sure[-5:]),
                (("count", count), ("days", int(w.slow_days))),
            )
    return best


def _spaced(ages: list[float], gap: float) -> int:
    """The most ages pairwise at least `gap` apart (greedy from the oldest is optimal on a line)."""
    count, last = 0, float("inf")
    for age in sorted(ages, reverse=True):
        if last - age >= gap:
            count, last = count + 1, age
    return count
