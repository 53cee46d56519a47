"""Escalation as a trajectory (SPEC.md §4): the same issue raised again, the tone hardening, contacts
coming faster, a new contact after an unsatisfying closure, and what the customer says now.

Every feature here is ≥ 0 and never lowered by adding a message, a call or a closure that did not
satisfy (SPEC.md R1): issues are sets of contacts linked pairwise, and each feature is a maximum over
such sets or over pairs, so more contacts only add members and pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from complaint_radar.customers.contact_signals import call_friction
from complaint_radar.customers.history import (
    EXPLICIT,
    LATENT,
    POTENTIAL,
    History,
    effective_rank,
    event_topic,
    evidence_rank,
)
from complaint_radar.customers.signals import MessageSignal, similarity
from complaint_radar.customers.timeline import EventKind
from complaint_radar.customers.weights import TrajectoryWeights
from complaint_radar.text.taxonomy import load_taxonomy
from complaint_radar.types import CueCode, Stage

_REFERENCES = frozenset(
    {CueCode.REPEAT_CONTACT.value, CueCode.PRIOR_REFERENCE.value, CueCode.BROKEN_PROMISE.value}
)


@dataclass(frozen=True, slots=True)
class Contact:
    """A dissatisfied contact: a message naming a problem (stage ≥ 1 with support) or a call with friction."""

    ref: str
    age: float
    rank: int
    topic: str | None
    thread: str | None
    causes: frozenset[str]
    fingerprint: int
    references: bool


@dataclass(frozen=True, slots=True)
class Feature:
    """One model input: its value (≥ 0), the ids of the items behind it, and facts for its reason text."""

    value: float
    evidence: tuple[str, ...] = ()
    facts: tuple[tuple[str, Any], ...] = ()


NONE = Feature(0.0)


def contacts(h: History, days: float) -> list[Contact]:
    """Unresolved dissatisfied contacts of the last `days`, oldest first."""
    found: list[Contact] = []
    for m in h.recent_messages(days):
        rank = evidence_rank(m)
        if rank >= LATENT and not h.resolved(m):
            found.append(_message_contact(h, m, rank))
    for e in h.recent_events(EventKind.CALL, days=days):
        if call_friction(h, e) > 0 and not h.resolved(e):
            found.append(Contact(e.event_id, h.age(e), LATENT, event_topic(e), None, frozenset(), 0, False))
    found.sort(key=lambda c: -c.age)
    return found


def _message_contact(h: History, m: MessageSignal, rank: int) -> Contact:
    return Contact(
        m.message_id,
        h.age(m),
        rank,
        m.topic,
        m.thread_id,
        frozenset(m.causes),
        m.fingerprint,
        any(cue in _REFERENCES for cue in m.cues),
    )


def linked(a: Contact, b: Contact, w: TrajectoryWeights) -> float:
    """How surely two contacts are about one issue: 1 for a shared order, thread or cause, similar
    wording, or the later one saying it is a repeat; `w.unkeyed_link` when either names nothing to tell
    issues apart (a call, a message without cause or order); 0 for two contacts on different things."""
    later = a if a.age < b.age else b
    if (
        (a.topic is not None and a.topic == b.topic)
        or (a.thread is not None and a.thread == b.thread)
        or (a.causes & b.causes)
        or (a.fingerprint and b.fingerprint and similarity(a.fingerprint, b.fingerprint) >= w.similar_text)
        or later.references
    ):
        return 1.0
    if not (a.topic or a.thread or a.causes) or not (b.topic or b.thread or b.causes):
        return w.unkeyed_link
    return 0.0


def trajectory_features(h: History, w: TrajectoryWeights) -> dict[str, Feature]:
    """Same-issue repeats, contact acceleration, escalated repeats and issue span, the stage now,
    references to earlier contacts and a contact after an unsatisfying closure."""
    recent = contacts(h, w.window_days)
    out: dict[str, Feature] = _contact_counts(recent, w)
    best_repeat = best_speed = best_escalated = best_span = best_pressed = NONE
    for anchor in recent:
        if anchor.age > w.anchor_days:
            continue
        group = [(c, linked(anchor, c, w) if c is not anchor else 1.0) for c in recent]
        members = [(c, strength) for c, strength in group if strength > 0.0]
        refs = tuple(c.ref for c, _ in members[-5:])
        sure = [c.age for c, strength in members if strength >= 1.0]
        every = [c.age for c, _ in members]
        count = float(_packing(sure, w.session_gap_days))
        count += w.unkeyed_link * (_packing(every, w.session_gap_days) - count)
        repeat = min(w.repeat_cap, max(0.0, count - 1.0))
        if repeat > best_repeat.value:
            best_repeat = Feature(repeat, refs, (("count", f"{count:g}"), ("days", int(w.window_days))))
        # The same problem pressed at explicit stage or above again within a week (two explicit
        # grumbles about one unresolved issue): counted like the repeats, over explicit members only.
        harsh = [(c, s) for c, s in members if c.rank >= EXPLICIT and c.age <= w.count_days]
        if anchor.rank >= EXPLICIT and anchor.age <= w.count_days:
            firm = _packing([c.age for c, s in harsh if s >= 1.0], w.session_gap_days)
            loose = _packing([c.age for c, _ in harsh], w.session_gap_days)
            pressed = min(1.0, max(0.0, firm + w.unkeyed_link * (loose - firm) - 1.0))
            if pressed > best_pressed.value:
                best_pressed = Feature(
                    pressed,
                    tuple(c.ref for c, _ in harsh[-5:]),
                    (("count", loose), ("days", int(w.count_days))),
                )
        speed = sum(strength * 0.5 ** (c.age / w.speed_half_life_days) for c, strength in members)
        speed = max(0.0, speed - 1.0)
        if speed > best_speed.value:
            best_speed = Feature(speed, refs, (("count", len(members)),))
        span = min(1.0, (max(every) - anchor.age) / w.window_days)
        if span > best_span.value:
            best_span = Feature(span, refs, (("days", round(max(every) - anchor.age)),))
        # The issue raised again at explicit (½) or potential (1) stage. A climb from a milder first
        # contact is the typical case, but raising the first contact's stage must not lower risk (R1),
        # so only the later contact's stage counts.
        again = max((strength for c, strength in members if c.age > anchor.age), default=0.0)
        escalated = again * max(0, anchor.rank - LATENT) / 2.0 * 0.5 ** (anchor.age / w.speed_half_life_days)
        if escalated > best_escalated.value:
            zh, en = load_taxonomy().label("stage", Stage.from_rank(anchor.rank).value)
            best_escalated = Feature(escalated, refs, (("stage_zh", zh), ("stage_en", en)))
    out["same_issue_repeat"] = best_repeat
    out["same_issue_explicit_7d"] = best_pressed
    out["contact_acceleration"] = best_speed
    out["issue_span"] = best_span
    out["escalated_repeat"] = best_escalated
    out.update(_stage_now(h, w))
    out["reference_to_earlier"] = _decayed_max(
        h, [m for m in h.recent_messages(w.window_days) if _references(m) and not h.resolved(m)], w
    )
    out["contact_after_bad_closure"] = _contact_after_bad_closure(h, w)
    return out


def _contact_counts(fortnight: list[Contact], w: TrajectoryWeights) -> dict[str, Feature]:
    """Persistence whatever the issue: ≥ 2 and ≥ 3 dissatisfied contacts (sessions) in the last week,
    ≥ 2 of them at explicit stage or above, and dissatisfied contacts on ≥ 3 different days of the last
    two weeks (step features: the model weighs each step)."""
    week = [c for c in fortnight if c.age <= w.count_days]
    every = _packing([c.age for c in week], w.session_gap_days)
    harsh = [c for c in week if c.rank >= EXPLICIT]
    strong = _packing([c.age for c in harsh], w.session_gap_days)
    refs = tuple(c.ref for c in week[-5:])
    facts = (("count", every), ("days", int(w.count_days)))
    days = len({int(c.age) for c in fortnight})
    return {
        "contact_days_3": Feature(
            1.0, tuple(c.ref for c in fortnight[-5:]), (("count", days), ("days", int(w.window_days)))
        )
        if days >= 3
        else NONE,
        "contacts_7d_2": Feature(1.0, refs, facts) if every >= 2 else NONE,
        "contacts_7d_3": Feature(1.0, refs, facts) if every >= 3 else NONE,
        "explicit_7d_2": Feature(1.0, tuple(c.ref for c in harsh[-5:]), (("count", strong),))
        if strong >= 2
        else NONE,
    }


def _stage_now(h: History, w: TrajectoryWeights) -> dict[str, Feature]:
    """What the customer says now: decayed message risk at stage ≥ latent, ≥ explicit, ≥ potential
    (nested, so raising a message's stage only adds)."""
    live = [m for m in h.recent_messages(w.window_days) if not h.resolved(m)]
    out = {}
    for name, floor in (("latent_now", LATENT), ("explicit_now", EXPLICIT), ("intent_now", POTENTIAL)):
        out[name] = _decayed_max(h, [m for m in live if evidence_rank(m) >= floor], w, by_risk=True)
    return out


def _references(m: MessageSignal) -> bool:
    return effective_rank(m) >= LATENT and any(cue in _REFERENCES for cue in m.cues)


def _decayed_max(
    h: History, messages: list[MessageSignal], w: TrajectoryWeights, *, by_risk: bool = False
) -> Feature:
    best, refs = 0.0, []
    for m in messages:
        risk = min(m.risk_score, h.weights.messages.inquiry_cap) if m.inquiry_only else m.risk_score
        strength = (risk / 100.0 if by_risk else 1.0) * 0.5 ** (h.age(m) / w.half_life_days)
        refs.append((strength, m.message_id))
        best = max(best, strength)
    if not refs:
        return NONE
    refs.sort(key=lambda item: -item[0])
    return Feature(best, tuple(ref for _, ref in refs[:3]))


def _contact_after_bad_closure(h: History, w: TrajectoryWeights) -> Feature:
    """A case closed without the customer's satisfaction, then the customer came back (any contact)."""
    closures = [
        (h.age(e), e.event_id)
        for e in h.recent_events(EventKind.CASE_CLOSED, days=w.closure_days)
        if e.attributes.get("satisfied") is False
    ]
    closures += [
        (h.age_days(c.resolved_at or c.opened_at), c.case_id)
        for c in h.cases
        if c.state == "reopened" or (c.satisfied is False and not c.open)
    ]
    if not closures:
        return NONE
    later: list[tuple[float, str]] = [(h.age(m), m.message_id) for m in h.recent_messages(w.closure_days)]
    later += [(h.age(e), e.event_id) for e in h.recent_events(EventKind.CALL, days=w.closure_days)]
    best = NONE
    for closed_age, closure in closures:
        for age, ref in later:
            if age < closed_age:
                value = 0.5 ** (age / w.half_life_days)
                if value > best.value:
                    best = Feature(value, (closure, ref))
    return best


def _packing(ages: list[float], gap: float) -> int:
    """The most ages pairwise at least `gap` apart (oldest first; greedy is optimal on a line)."""
    count, last = 0, float("inf")
    for age in sorted(ages, reverse=True):
        if last - age >= gap:
            count, last = count + 1, age
    return count
