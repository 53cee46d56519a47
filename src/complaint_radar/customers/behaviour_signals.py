"""Signals from behaviour events (SPEC.md §4): surveys, purchases, exits, friction, waits, calls, failures."""

from __future__ import annotations

from collections.abc import Sequence

from complaint_radar.customers.contact_signals import call_friction
from complaint_radar.customers.history import History, SignalHit, family
from complaint_radar.customers.timeline import BehaviourEvent, EventKind

_EXIT_WORDS = {
    "close_account": ("访问销户页面", "visited the close-account page"),
    "cancel_subscription": ("访问退订页面", "visited the cancel-subscription page"),
    "number_portability": ("查询携号转网", "looked up number portability"),
    "unsubscribe": ("退订", "unsubscribed"),
    "help_refund": ("查看退款帮助", "read the refund help page"),
    "auto_renew_off": ("关闭自动续费", "turned off auto-renew"),
    "funds_transfer_out": ("资金转出", "moved funds out"),
    "card_unbound": ("解绑银行卡", "unbound the card"),
}


def survey_drop(h: History, kind: str) -> SignalHit | None:
    """A low answer, or one well below the customer's earlier best, unless a later answer shows recovery.

    The earlier best (not the mean) is the baseline so that adding a low answer never hides a later drop (R1).
    """
    s = h.weights.surveys
    csat = kind == EventKind.SURVEY_CSAT
    answers = h.by_kind.get(kind, [])
    recovered_at = s.csat_recovered_min if csat else s.nps_recovered_min
    best: tuple[float, BehaviourEvent, float] | None = None
    previous_best: float | None = None
    for i, e in enumerate(answers):
        score = e.number
        earlier = previous_best
        previous_best = score if previous_best is None else max(previous_best, score)
        if any(later.number >= recovered_at for later in answers[i + 1 :]):
            continue
        if csat:
            p = s.csat_low_p if score <= s.csat_low_max else 0.0
            drop_points, drop_p = s.csat_drop_points, s.csat_drop_p
        else:
            p = 0.0
            if score <= s.nps_strong_detractor_max:
                p = s.nps_strong_detractor_p
            elif score <= s.nps_detractor_max:
                p = s.nps_detractor_p
            drop_points, drop_p = s.nps_drop_points, s.nps_drop_p
        if earlier is not None and earlier - score >= drop_points:
            p = max(p, drop_p)
        p *= h.decay(e, s.half_life_days)
        if p > 0 and (best is None or p > best[0]):
            best = (p, e, earlier if earlier is not None else score)
    if best is None:
        return None
    p, e, earlier = best
    code = "csat_drop" if csat else "nps_drop"
    return SignalHit(code, p, (e.event_id,), {"score": f"{e.number:g}", "previous": f"{earlier:g}"})


def frequency_decline(h: History, kind: str, corroborated: bool) -> SignalHit | None:
    """Recent frequency against the customer's own baseline (SPEC.md §4 reduced_purchase / usage_decline).

    A dip must be sustained (both halves of the recent window low) and either large or accompanied by
    other dissatisfaction; seasonal or one-off dips are neither, so they do not fire.
    """
    w = h.weights.purchases
    ages = [h.age(e) for e in h.by_kind.get(kind, ())]
    baseline = [a for a in ages if w.recent_days < a <= w.recent_days + w.baseline_days]
    if len(baseline) < w.min_baseline_events:
        return None
    span_days = max(baseline) - w.recent_days
    if span_days < w.min_baseline_span_days:
        return None
    expected = len(baseline) / span_days * w.recent_days
    if expected < w.min_expected:
        return None
    observed = sum(1 for a in ages if a <= w.recent_days)
    observed_late = sum(1 for a in ages if a <= w.recent_days / 2)
    drop = 1.0 - observed / expected
    late_drop = 1.0 - observed_late / (expected / 2)
    if min(drop, late_drop) < w.drop_ratio:
        return None
    purchase = kind == EventKind.PURCHASE
    if min(drop, late_drop) >= w.large_drop_ratio:
        p = w.p_large if purchase else w.usage_p_large
    elif corroborated:
        p = w.p_corroborated
    else:
        return None
    return SignalHit(
        "reduced_purchase" if purchase else "usage_decline",
        p,
        (),
        {
            "days": int(w.recent_days),
            "observed": observed,
            "expected": f"{expected:.1f}",
            "drop": round(100 * drop),
        },
    )


def exit_behaviour(h: History) -> SignalHit | None:
    """Close-account or cancel pages, unsubscribing, auto-renew off, funds out, card unbound (SPEC.md §4)."""
    b = h.weights.behaviour
    parts: list[tuple[float, str]] = []
    words: list[str] = []
    for e in h.recent_events(EventKind.PAGE_VISIT, *b.exit_events):
        table, key = (b.exit_pages, e.code) if e.kind == EventKind.PAGE_VISIT else (b.exit_events, e.kind)
        if key in table:
            parts.append((table[key] * h.decay(e, b.half_life_days), e.event_id))
            words.append(key)
    if not parts:
        return None
    strongest = max(p for p, _ in parts)
    p = min(b.family_cap, strongest + (b.exit_repeat_bonus if len(parts) >= 2 else 0.0))
    names = list(dict.fromkeys(words))[:3]
    facts = {
        "what_zh": "、".join(_EXIT_WORDS.get(n, (n, n))[0] for n in names),
        "what_en": ", ".join(_EXIT_WORDS.get(n, (n, n))[1] for n in names),
    }
    parts.sort(key=lambda item: -item[0])
    return SignalHit("exit_behaviour", p, tuple(ref for _, ref in parts[:5]), facts)


def complaint_channel_lookup(h: History) -> SignalHit | None:
    b = h.weights.behaviour
    parts = [
        (b.complaint_pages[e.code] * h.decay(e, b.half_life_days), e.event_id)
        for e in h.recent_events(EventKind.PAGE_VISIT)
        if e.code in b.complaint_pages
    ]
    return family("complaint_channel_lookup", parts, max(b.complaint_pages.values(), default=0.0), {})


def online_friction(h: History) -> SignalHit | None:
    """≥ 3 failed transactions or logins in 24 h, repeated help pages on one topic, a low app rating."""
    b = h.weights.behaviour
    window = b.friction_window_hours / 24.0
    failures = h.recent_events(EventKind.TRANSACTION_FAILED, EventKind.LOGIN_FAILED)
    parts: list[tuple[float, str]] = []
    worst = 0
    for i, e in enumerate(failures):
        count = _in_window(h, failures, i, window)
        worst = max(worst, count)
        if count >= b.friction_min_failures:
            strength = min(
                b.friction_p_max, b.friction_p + b.friction_p_per_failure * (count - b.friction_min_failures)
            )
        else:
            strength = b.friction_p_per_failure * count
        parts.append((strength * h.decay(e, b.half_life_days) * h.resolution(e), e.event_id))
    helps: dict[str, list[BehaviourEvent]] = {}
    for e in h.recent_events(EventKind.PAGE_VISIT):
        if e.code.startswith("help_"):
            helps.setdefault(e.code, []).append(e)
    for visits in helps.values():
        for i, e in enumerate(visits):
            if _in_window(h, visits, i, window) >= b.help_repeat_min:
                parts.append((b.help_p * h.decay(e, b.half_life_days), e.event_id))
    parts += [
        (b.app_rating_p * h.decay(e, b.half_life_days), e.event_id)
        for e in h.recent_events(EventKind.APP_RATING)
        if e.number <= b.app_rating_low_max
    ]
    facts = {
        "what_zh": f"24 小时内最多 {worst} 次失败操作" if worst else "重复查看帮助或低分评价",
        "what_en": f"up to {worst} failed operations in 24 h"
        if worst
        else "repeated help pages or a low app rating",
    }
    return family("online_friction", parts, b.family_cap, facts)


def branch_wait(h: History) -> SignalHit | None:
    """Queue waits ≥ 30 min or ≥ 2× the branch median (SPEC.md §4, D4 网点)."""
    b = h.weights.behaviour
    parts: list[tuple[float, str]] = []
    longest = 0.0
    for e in h.recent_events(EventKind.QUEUE_WAIT):
        minutes = e.number
        median = float(e.attributes.get("median_minutes") or 0.0)
        if minutes < b.wait_min_minutes and not (median > 0 and minutes >= b.wait_median_multiple * median):
            continue
        longest = max(longest, minutes)
        base = b.wait_p_long if minutes >= b.wait_long_minutes else b.wait_p
        parts.append((base * h.decay(e, b.half_life_days) * h.resolution(e), e.event_id))
    return family("branch_wait", parts, b.family_cap, {"minutes": f"{longest:g}"})


def call_tone(h: History) -> SignalHit | None:
    """Calls with ≥ 2 transfers, hold ≥ 5 min or a raised voice (SPEC.md §4, D4 电话)."""
    b = h.weights.behaviour
    parts: list[tuple[float, str]] = []
    transfers = hold = 0.0
    for e in h.recent_events(EventKind.CALL):
        strength = call_friction(h, e)
        if strength > 0:
            transfers = max(transfers, float(e.attributes.get("transfers") or 0))
            hold = max(hold, float(e.attributes.get("hold_minutes") or 0))
            decayed = strength * h.decay(e, b.half_life_days) * h.resolution(e)
            parts.append((decayed, e.event_id))
    return family("call_tone", parts, b.family_cap, {"transfers": f"{transfers:g}", "hold": f"{hold:g}"})


def staff_observation(h: History) -> SignalHit | None:
    """Coded non-verbal signs noted by staff: 看表, 叹气, 来回走动, 皱眉, 提高音量 (SPEC.md §4, D4)."""
    b = h.weights.behaviour
    events = h.recent_events(EventKind.STAFF_OBSERVATION)
    parts = [(b.observation_p * h.decay(e, b.half_life_days), e.event_id) for e in events]
    codes = ", ".join(dict.fromkeys(e.code for e in events))
    return family("staff_observation", parts, b.family_cap, {"what": codes})


def service_failure(h: History) -> SignalHit | None:
    """Deliveries past the promised date, failed bookings, outages (SPEC.md §4)."""
    b = h.weights.behaviour
    parts: list[tuple[float, str]] = []
    zh: list[str] = []
    en: list[str] = []
    kinds = (EventKind.DELIVERY_DELAYED, EventKind.BOOKING_FAILED, EventKind.SERVICE_OUTAGE)
    for e in h.recent_events(*kinds):
        if e.kind == EventKind.DELIVERY_DELAYED:
            if e.number < b.delay_min_hours:
                continue
            base = b.delay_p_long if e.number >= b.delay_long_hours else b.delay_p
            zh.append(f"配送延误 {e.number:g} 小时")
            en.append(f"delivery {e.number:g} h late")
        elif e.kind == EventKind.BOOKING_FAILED:
            base = b.booking_failed_p
            zh.append("预订失败")
            en.append("booking failed")
        else:
            base = b.outage_p
            zh.append("服务中断")
            en.append("service outage")
        parts.append((base * h.decay(e, b.half_life_days) * h.resolution(e), e.event_id))
    facts = {"what_zh": "、".join(dict.fromkeys(zh[-3:])), "what_en": ", ".join(dict.fromkeys(en[-3:]))}
    return family("service_failure", parts, b.family_cap, facts)


def _in_window(h: History, events: Sequence[BehaviourEvent], i: int, window_days: float) -> int:
    """How many of the time-sorted `events` fall in the window ending at events[i]."""
    end = h.age(events[i])
    return sum(1 for e in events[: i + 1] if h.age(e) - end <= window_days)
