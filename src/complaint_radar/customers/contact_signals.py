"""Signals from what the customer said and how cases went (SPEC.md §4): stage, trend, repeats, cases."""

from __future__ import annotations

import math
from dataclasses import dataclass

from complaint_radar.customers.contentment import satisfaction
from complaint_radar.customers.history import (
    EXPLICIT,
    FORMAL,
    LATENT,
    POTENTIAL,
    History,
    SignalHit,
    effective_rank,
    event_topic,
    evidence_rank,
    supported,
)
from complaint_radar.customers.signals import MessageSignal
from complaint_radar.customers.timeline import BehaviourEvent, EventKind
from complaint_radar.text.taxonomy import load_taxonomy
from complaint_radar.types import Stage


def message_strength(h: History, m: MessageSignal) -> float:
    """A message's decayed evidence in [0, 1]: its risk, discounted below stage 3 and once resolved."""
    w = h.weights.messages
    rank = effective_rank(m)
    if rank < LATENT or h.age(m) > w.window_days:
        return 0.0
    risk = min(m.risk_score, w.inquiry_cap) if m.inquiry_only else m.risk_score
    factor = 1.0 if rank >= POTENTIAL else w.grumble_factor
    if not supported(m):
        factor *= w.unsupported_factor
    return risk / 100.0 * factor * h.decay(m, w.half_life_days) * h.resolution(m)


def recent_stage(h: History) -> SignalHit | None:
    scored = [(message_strength(h, m), m) for m in h.messages]
    scored = [(p, m) for p, m in scored if p > 0.0]
    if not scored:
        return None
    scored.sort(key=lambda item: (-item[0], h.age(item[1])))
    best_p, best = scored[0]
    evidence = tuple(m.message_id for p, m in scored[:3] if p >= 0.5 * best_p)
    stage = Stage.from_rank(effective_rank(best))
    zh, en = load_taxonomy().label("stage", stage.value)
    days = int(h.age(best))
    return SignalHit(
        "recent_stage",
        best_p,
        evidence,
        {
            "stage_zh": zh,
            "stage_en": en,
            "risk": best.risk_score,
            "age_zh": "今天" if days == 0 else f"{days} 天前",
            "age_en": "today" if days == 0 else f"{days} days ago",
        },
    )


def negative_trend(h: History) -> SignalHit | None:
    """≥ 2 messages at stage ≥ 2 in the window, or a message at stage ≥ 2 after a milder one (escalation)."""
    w = h.weights.trend
    live = [m for m in h.recent_messages(w.window_days) if evidence_rank(m) >= 1 and not h.resolved(m)]
    ranks = [evidence_rank(m) for m in live]
    strong = [m for m, r in zip(live, ranks, strict=True) if r >= EXPLICIT]
    lowest_so_far = 99
    rising = False
    for r in ranks:
        rising = rising or (r >= EXPLICIT and r > lowest_so_far)
        lowest_so_far = min(lowest_so_far, r)
    if len(strong) < w.min_messages and not rising:
        return None
    p = min(w.p_max, w.p + w.p_per_extra * max(0, len(strong) - w.min_messages))
    return SignalHit(
        "negative_trend",
        p,
        tuple(m.message_id for m in strong[-5:]),
        {"days": int(w.window_days), "count": len(live)},
    )


@dataclass(frozen=True, slots=True)
class _Contact:
    age: float
    keys: frozenset[str]
    ref: str
    call: bool = False


def repeat_contact(h: History) -> tuple[SignalHit | None, float]:
    """Dissatisfied contacts about one issue in the window, and their weighted count (≥ 3: stage ≥ 3).

    A contact is a message naming a problem (stage ≥ 2, or a latent grumble with a cue, cause or order)
    or a call with friction; turns closer than the session gap are one contact. The issue is the order or
    thread named; a contact naming none may be about any issue and counts `unkeyed_weight`. The count is
    the largest set of contacts pairwise a session gap apart, so adding a contact never lowers it (R1).

    A call says nothing of its issue: from a customer whose recent survey answers are good (`satisfaction`
    1: they told us those contacts went well), friction calls are routine, not contacts about the problem
    they wrote about. The count is `satisfaction` × the count without calls + the rest × the count with
    them, so a bad answer (satisfaction falling) and an added call only ever raise it.
    """
    w = h.weights.repeat
    contacts: list[_Contact] = []
    for m in h.recent_messages(w.window_days):
        if evidence_rank(m) >= LATENT and not h.resolved(m):
            contacts.append(_Contact(h.age(m), frozenset({m.topic} if m.topic else ()), m.message_id))
    for e in h.recent_events(EventKind.CALL, days=w.window_days):
        topic = event_topic(e)
        if call_friction(h, e) > 0 and not h.resolved(e):
            contacts.append(_Contact(h.age(e), frozenset({topic} if topic else ()), e.event_id, call=True))
    if len(contacts) < 2:
        return None, 0.0
    contacts.sort(key=lambda c: -c.age)
    gap = w.session_gap_hours / 24.0
    content = satisfaction(h, h.weights.context) if any(c.call for c in contacts) else 0.0
    best_count = 0.0
    best_ids: tuple[str, ...] = ()
    shown = 0

    def counted(group: list[_Contact]) -> float:
        keyed = _packing([c.age for c in group if c.keys], gap)
        every = _packing([c.age for c in group], gap)
        return keyed + w.unkeyed_weight * (every - keyed)

    for key in [None, *sorted({k for c in contacts for k in c.keys})]:
        group = [c for c in contacts if not c.keys or key in c.keys]
        count = counted(group)
        if content > 0.0:
            count = content * counted([c for c in group if not c.call]) + (1.0 - content) * count
        if count > best_count:
            best_count, best_ids = count, tuple(c.ref for c in group)
            shown = _packing([c.age for c in group], gap)
    if best_count < 2.0:
        return None, best_count
    hit = SignalHit(
        "repeat_contact",
        w.p_three if best_count >= 3.0 else w.p_two,
        best_ids[-5:],
        {"days": int(w.window_days), "count": shown},  # the contacts themselves, calls weighed or not
    )
    return hit, best_count


def _packing(ages: list[float], gap: float) -> int:
    """The most items pairwise at least `gap` days apart (oldest first; greedy is optimal on a line)."""
    count, last = 0, math.inf
    for age in ages:
        if last - age >= gap:
            count, last = count + 1, age
    return count


def call_friction(h: History, e: BehaviourEvent) -> float:
    """A call's strength: ≥ 2 transfers, hold ≥ 5 min or a raised voice (SPEC.md §4 call_tone)."""
    b = h.weights.behaviour
    transfers = float(e.attributes.get("transfers") or 0)
    hold = float(e.attributes.get("hold_minutes") or 0)
    loud = bool(e.attributes.get("raised_voice")) or float(e.attributes.get("interruptions") or 0) >= 3
    if transfers >= b.call_strong_transfers or hold >= b.call_strong_hold_minutes:
        return b.call_p_strong
    if transfers >= b.call_transfers_min or hold >= b.call_hold_min_minutes or loud:
        return b.call_p
    return 0.0


def public_negative_mention(h: History) -> SignalHit | None:
    """The customer's own public post (review, social media) at stage ≥ 2 (SPEC.md §4)."""
    w = h.weights.messages
    parts = [
        (w.public_p * h.decay(m, w.half_life_days) * h.resolution(m), m.message_id)
        for m in h.recent_messages(w.window_days)
        if m.public and effective_rank(m) >= EXPLICIT
    ]
    if not parts:
        return None
    parts.sort(key=lambda item: -item[0])
    return SignalHit("public_negative_mention", parts[0][0], tuple(ref for _, ref in parts[:3]))


def unresolved_case_age(h: History) -> SignalHit | None:
    """Open cases past half their resolve SLA; breached is strong (SPEC.md §4, §6)."""
    w = h.weights.cases
    best: SignalHit | None = None
    for c in h.cases:
        open_now = c.open or (c.resolved_at is not None and c.resolved_at > h.now)
        if not open_now:
            continue
        if c.due_at is not None:
            sla_hours = max(1e-6, (c.due_at - c.opened_at).total_seconds() / 3600.0)
        else:
            sla_hours = float(
                w.resolve_sla_hours.get(str(c.severity), w.resolve_sla_hours.get("medium", 120.0))
            )
        share = (h.now - c.opened_at).total_seconds() / 3600.0 / sla_hours
        if c.sla_breached or share >= 1.0:
            p = w.p_breached
        elif share >= w.half_sla_share:
            p = w.p_half_sla
        else:
            continue
        if best is None or p > best.p:
            best = SignalHit(
                "unresolved_case_age", p, (c.case_id,), {"case": c.case_id, "share": round(100 * share)}
            )
    return best


def dissatisfied_resolution(h: History) -> SignalHit | None:
    """A case closed without the customer's satisfaction, or reopened (SPEC.md §6 follow-up)."""
    w = h.weights.cases
    horizon = 3 * h.weights.behaviour.window_days
    parts = [
        (w.p_unsatisfied_close * h.decay(e, w.unsatisfied_half_life_days), e.event_id)
        for e in h.recent_events(EventKind.CASE_CLOSED, days=horizon)
        if e.attributes.get("satisfied") is False
    ]
    for c in h.cases:
        at = c.resolved_at or c.opened_at
        age = h.age_days(at)
        if (c.state == "reopened" or (c.satisfied is False and not c.open)) and age <= horizon:
            parts.append((w.p_unsatisfied_close * 0.5 ** (age / w.unsatisfied_half_life_days), c.case_id))
    if not parts:
        return None
    parts.sort(key=lambda item: -item[0])
    return SignalHit("dissatisfied_resolution", parts[0][0], tuple(ref for _, ref in parts[:3]))


def complaint_episodes(h: History) -> list[tuple[float, str]]:
    """Formal complaints as (age in days, id), oldest first: unconditional complaint messages and
    formal-complaint cases within a year, those closer than the episode gap merged into one."""
    found = [(h.age(m), m.message_id) for m in h.messages if effective_rank(m) >= FORMAL and h.age(m) <= 365]
    found += [(h.age_days(c.opened_at), c.case_id) for c in h.cases if c.formal_complaint]
    found = sorted((item for item in found if item[0] <= 365), key=lambda item: -item[0])
    gap = h.weights.prior.episode_gap_days
    episodes: list[tuple[float, str]] = []
    for age, ref in found:
        if not episodes or episodes[-1][0] - age >= gap:
            episodes.append((age, ref))
    return episodes


def prior_complaints(h: History) -> SignalHit | None:
    """≥ 1 formal complaint in 90 days; ≥ 2 in 365 days is strong (SPEC.md §4, D1)."""
    w = h.weights.prior
    episodes = complaint_episodes(h)
    n365 = len(episodes)
    n90 = sum(1 for age, _ in episodes if age <= 90)
    if n365 >= 2:
        p = w.p_two_365d
    elif n90 >= 1:
        p = w.p_one_90d
    else:
        return None
    return SignalHit(
        "prior_complaints", p, tuple(ref for _, ref in episodes[-5:]), {"n90": n90, "n365": n365}
    )
