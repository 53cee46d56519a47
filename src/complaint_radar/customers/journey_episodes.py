"""Complainer archetypes: each writes one escalation and returns when the customer filed (SPEC.md §4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from complaint_radar.customers import journey_behaviour as b
from complaint_radar.customers.journey_writer import Customer


def _behaviour_escalation(c: Customer) -> datetime:
    rng = c.rng
    last = b.warnings(c, c.t0, rng.randrange(3, 6))
    if rng.random() < 0.6:
        c.decline(c.t0, rng.uniform(0.0, 0.4))
    if rng.random() < 0.5:
        c.say(c.daytime(c.later(c.t0, 1, 6)), c.text("latent") if rng.random() < 0.6 else c.pick("taciturn"))
    return c.formal(c.lead(last, 0.5, 4.0))


def _verbal_escalation(c: Customer) -> datetime:
    rng = c.rng
    at = c.t0
    if rng.random() < 0.7:
        c.say(c.daytime(at), c.text("latent"))
        at = c.gap(at, 0.5, 3.0)
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        c.say(c.daytime(at), c.text("explicit"))
        at = c.gap(at, 0.3, 3.0)
    if rng.random() < 0.65:
        c.say(c.daytime(at), c.text("threat"))
        at = c.gap(at, 0.3, 4.0)
    if rng.random() < 0.3:
        b.warnings(c, c.t0, 1)
    return c.formal(at)


def _mixed_escalation(c: Customer) -> datetime:
    rng = c.rng
    last = b.warnings(c, c.t0, rng.randrange(2, 4))
    at = c.gap(c.t0, 0.5, 3.0)
    c.say(c.daytime(at), c.text("latent" if rng.random() < 0.5 else "explicit"))
    for _ in range(rng.choice((0, 1, 1, 2))):
        at = c.gap(at, 0.5, 3.0)
        c.say(c.daytime(at), c.text("explicit"))
    if rng.random() < 0.4:
        at = c.gap(at, 0.3, 2.0)
        c.say(c.daytime(at), c.text("threat"))
    if rng.random() < 0.4:
        c.decline(c.t0, rng.uniform(0.1, 0.5))
    return c.formal(c.lead(max(at, last), 0.3, 3.0))


def _sudden_complaint(c: Customer) -> datetime:
    """No warning: an earlier passing remark (about something else) is not one."""
    if c.rng.random() < 0.4:
        c.say(c.daytime(c.t0 - timedelta(days=c.rng.uniform(10, 25))), c.remark(), warning=False)
    return c.formal(c.later(c.t0, 0.0, 5.0))


def _quick_escalator(c: Customer) -> datetime:
    """Two or three grumbles about one unresolved problem within a week, gaps shrinking, then filing."""
    rng = c.rng
    at = c.t0
    if rng.random() < 0.6:
        c.say(c.daytime(at), c.text("latent"))
        at = c.gap(at, 1.0, 3.0)
    c.say(c.daytime(at), c.text("reference" if rng.random() < 0.6 else "explicit"))
    at = c.gap(at, 0.5, 2.0)
    c.say(c.daytime(at), c.text("unresolved" if rng.random() < 0.6 else "explicit"))
    if rng.random() < 0.5:
        at = c.gap(at, 0.2, 1.0)
        c.say(c.daytime(at), c.text("threat" if rng.random() < 0.4 else "unresolved"))
    if rng.random() < 0.3:
        b.one_bad_call(c, c.later(c.t0, 0.0, 2.0))
    return c.formal(c.lead(at, 0.3, 2.5))


def _slow_burn(c: Customer) -> datetime:
    """Weeks of low-level signals about one issue, each harmless alone, then a complaint."""
    rng = c.rng
    at = c.t0 - timedelta(days=rng.uniform(18, 35) * c.tempo.gap)
    c.say(c.daytime(at), c.text("latent"))
    steps: list[Callable[[datetime], None]] = [
        lambda when: c.say(c.daytime(when), c.pick("taciturn"), "chat"),
        lambda when: c.event(when, "survey_csat", float(rng.choice((2, 2, 3)))),
        lambda when: b.long_wait(c, when) if c.industry != "ecommerce" else b.delays(c, when),
        lambda when: c.say(c.daytime(when), c.text("followup" if rng.random() < 0.5 else "latent")),
        lambda when: b.one_bad_call(c, when),
    ]
    for step in rng.sample(steps, rng.randrange(3, 6)):
        at = c.gap(at, 3.0, 8.0)
        step(at)
    if rng.random() < 0.5:
        c.decline(at - timedelta(days=20), rng.uniform(0.2, 0.6))
    if rng.random() < 0.6:
        at = c.gap(at, 1.0, 4.0)
        c.say(c.daytime(at), c.text("reference" if rng.random() < 0.5 else "explicit"))
    return c.formal(c.lead(at, 0.5, 3.0))


def _staff_mistake(c: Customer) -> datetime:
    """A staff error reported, a closure that did not satisfy, a new contact, then filing."""
    rng = c.rng
    at = c.daytime(c.t0)
    c.say(at, c.text("staff_error"))
    closed = c.gap(at, 0.5, 3.0)
    c.event(closed, "case_closed", satisfied=False)
    if rng.random() < 0.6:
        c.event(closed + timedelta(hours=3), "survey_csat", float(rng.choice((1, 2))))
    at = c.gap(closed, 0.3, 3.0)
    c.say(c.daytime(at), c.text(rng.choice(("reference", "unresolved", "explicit"))))
    if rng.random() < 0.4:
        at = c.gap(at, 0.3, 2.0)
        c.say(c.daytime(at), c.text("threat"))
    return c.formal(c.lead(at, 0.3, 3.0))


def _multichannel(c: Customer) -> datetime:
    """One issue pursued on chat, by phone, by e-mail (one thread) and in public, then filing."""
    rng = c.rng
    thread = f"T{rng.randrange(10**6, 10**7)}"
    at = c.daytime(c.t0)
    c.say(at, c.text("latent"), "chat")
    at = c.gap(at, 0.5, 2.5)
    c.event(
        at,
        "call",
        float(rng.randrange(8, 30)),
        transfers=rng.choice((2, 3)),
        hold_minutes=rng.randrange(5, 20),
    )
    c.say(at + timedelta(minutes=5), c.text("explicit"), "phone_transcript")
    at = c.gap(at, 0.5, 2.5)
    c.say(c.daytime(at), c.text(rng.choice(("reference", "unresolved"))), "email", thread_id=thread)
    if rng.random() < 0.5:
        at = c.gap(at, 0.2, 1.5)
        c.say(c.daytime(at), c.text("explicit"), rng.choice(("social_post", "review")))
    filed = c.daytime(c.lead(at, 0.3, 3.0))
    c.say(filed, c.text("formal"), "email", warning=False, thread_id=thread)
    return filed


def _seasonal_grievance(c: Customer) -> datetime:
    """A seasonal dip in purchases with a real grievance inside it."""
    rng = c.rng
    begin = c.t0 - timedelta(days=rng.uniform(5, 15))
    c.rate_changes.append((begin, begin + timedelta(days=rng.uniform(20, 40)), rng.uniform(0.0, 0.4)))
    if rng.random() < 0.5:
        c.say(c.daytime(c.later(begin, 0, 4)), c.pick("seasonal_note"), "chat", warning=False)
    at = c.daytime(c.t0)
    c.say(at, c.text("latent"))
    b.warnings(c, at, 1, mild=True)
    at = c.gap(at, 1.0, 4.0)
    c.say(c.daytime(at), c.text("explicit"))
    if rng.random() < 0.5:
        c.event(at + timedelta(hours=4), "survey_csat", float(rng.choice((1, 2))))
    if rng.random() < 0.5:
        at = c.gap(at, 0.5, 2.0)
        c.say(c.daytime(at), c.text(rng.choice(("unresolved", "threat"))))
    return c.formal(c.lead(at, 0.3, 3.0))


COMPLAINER_EPISODES: dict[str, Callable[[Customer], datetime]] = {
    "behaviour_escalation": _behaviour_escalation,
    "verbal_escalation": _verbal_escalation,
    "mixed_escalation": _mixed_escalation,
    "sudden_complaint": _sudden_complaint,
    "quick_escalator": _quick_escalator,
    "slow_burn": _slow_burn,
    "staff_mistake": _staff_mistake,
    "multichannel": _multichannel,
    "seasonal_grievance": _seasonal_grievance,
}
