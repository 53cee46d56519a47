"""Journey archetypes: each writes one episode and returns when the customer filed a complaint (or None)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from complaint_radar.customers.journey_writer import EXIT_PAGE, Customer


def _behaviour_escalation(c: Customer) -> datetime | None:
    rng = c.rng
    last = c.behaviours(c.t0, rng.randrange(3, 6))
    if rng.random() < 0.6:
        c.decline(c.t0, rng.uniform(0.0, 0.4))
    if rng.random() < 0.5:
        c.say(c.daytime(c.later(c.t0, 1, 6)), c.text("latent") if rng.random() < 0.6 else c.pick("taciturn"))
    return c.formal(c.later(last, 0.5, 4.0))


def _verbal_escalation(c: Customer) -> datetime | None:
    rng = c.rng
    at = c.t0
    if rng.random() < 0.7:
        c.say(c.daytime(at), c.text("latent"))
        at = c.later(at, 0.5, 3.0)
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        c.say(c.daytime(at), c.text("explicit"))
        at = c.later(at, 0.3, 3.0)
    if rng.random() < 0.65:
        c.say(c.daytime(at), c.text("threat"))
        at = c.later(at, 0.3, 4.0)
    if rng.random() < 0.3:
        c.behaviours(c.t0, 1)
    return c.formal(at)


def _mixed_escalation(c: Customer) -> datetime | None:
    rng = c.rng
    last = c.behaviours(c.t0, rng.randrange(2, 4))
    at = c.later(c.t0, 0.5, 3.0)
    c.say(c.daytime(at), c.text("latent" if rng.random() < 0.5 else "explicit"))
    for _ in range(rng.choice((0, 1, 1, 2))):
        at = c.later(at, 0.5, 3.0)
        c.say(c.daytime(at), c.text("explicit"))
    if rng.random() < 0.4:
        at = c.later(at, 0.3, 2.0)
        c.say(c.daytime(at), c.text("threat"))
    if rng.random() < 0.4:
        c.decline(c.t0, rng.uniform(0.1, 0.5))
    return c.formal(c.later(max(at, last), 0.3, 3.0))


def _sudden_complaint(c: Customer) -> datetime | None:
    if c.rng.random() < 0.4:
        c.say(c.daytime(c.t0 - timedelta(days=c.rng.uniform(10, 25))), c.text("latent"))
    return c.formal(c.later(c.t0, 0.0, 5.0))


def _resolved_grumble(c: Customer) -> datetime | None:
    rng = c.rng
    at = c.daytime(c.t0)
    c.say(at, c.text("latent" if rng.random() < 0.5 else "explicit"))
    if rng.random() < 0.6:
        c.behaviours(at - timedelta(days=1), 1, mild=True)
    if rng.random() < 0.35:
        at = c.later(at, 0.2, 1.5)
        c.say(c.daytime(at), c.text("explicit"))
    closed = c.later(at, 0.3, 3.0)
    c.event(closed, "case_closed", satisfied=True)
    if rng.random() < 0.8:
        c.event(closed + timedelta(hours=3), "survey_csat", float(rng.choice((4, 5, 5))))
    if rng.random() < 0.7:
        c.say(closed + timedelta(hours=1), c.pick("thanks"), "chat")
    return None


def _seasonal_dip(c: Customer) -> datetime | None:
    rng = c.rng
    begin = c.t0 - timedelta(days=rng.uniform(0, 20))
    c.rate_changes.append((begin, begin + timedelta(days=rng.uniform(14, 40)), rng.uniform(0.0, 0.4)))
    if rng.random() < 0.4:
        c.say(c.daytime(c.later(begin, 0, 10)), c.pick("seasonal_note"), "chat")
    return None


def _negated_threat(c: Customer) -> datetime | None:
    rng = c.rng
    at = c.daytime(c.t0)
    if rng.random() < 0.6:
        c.say(at, c.text("latent"))
        at = c.later(at, 0.1, 2.0)
    c.say(c.daytime(at), c.text("negated"))
    if rng.random() < 0.5:
        closed = c.later(at, 0.3, 2.0)
        c.event(closed, "case_closed", satisfied=True)
        c.say(closed + timedelta(hours=1), c.pick("thanks"), "chat")
    return None


def _complaint_question(c: Customer) -> datetime | None:
    at = c.daytime(c.t0)
    if c.rng.random() < 0.4:
        c.event(at - timedelta(minutes=10), "page_visit", "complaint")
    c.say(at, c.pick("complaint_question"), c.rng.choice(("chat", "email", "phone_transcript")))
    return None


def _silent_churn(c: Customer) -> datetime | None:
    rng = c.rng
    c.decline(c.t0, rng.uniform(0.0, 0.15))
    if rng.random() < 0.7:
        c.event(c.daytime(c.later(c.t0, 5, 20)), "page_visit", rng.choice(EXIT_PAGE[c.industry]))
    if rng.random() < 0.5:
        c.say(c.daytime(c.later(c.t0, 0, 10)), c.pick("taciturn"), "chat")
    if c.industry == "bank" and rng.random() < 0.4:
        c.event(c.daytime(c.later(c.t0, 10, 25)), "funds_transfer_out", float(rng.randrange(1000, 50000)))
    return None


def _calm_regular(c: Customer) -> datetime | None:
    return None


EPISODES: dict[str, Callable[[Customer], datetime | None]] = {
    "behaviour_escalation": _behaviour_escalation,
    "verbal_escalation": _verbal_escalation,
    "mixed_escalation": _mixed_escalation,
    "sudden_complaint": _sudden_complaint,
    "resolved_grumble": _resolved_grumble,
    "seasonal_dip": _seasonal_dip,
    "negated_threat": _negated_threat,
    "complaint_question": _complaint_question,
    "silent_churn": _silent_churn,
    "calm_regular": _calm_regular,
}
