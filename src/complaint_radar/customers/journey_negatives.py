"""Archetypes that never file: hard negatives the pre-identification must not flag, and calm regulars."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from complaint_radar.customers import journey_behaviour as b
from complaint_radar.customers.journey_writer import EXIT_PAGE, Customer


def _resolved_grumble(c: Customer) -> None:
    rng = c.rng
    at = c.daytime(c.t0)
    c.say(at, c.text("latent" if rng.random() < 0.5 else "explicit"))
    if rng.random() < 0.6:
        b.warnings(c, at - timedelta(days=1), 1, mild=True)
    if rng.random() < 0.35:
        at = c.gap(at, 0.2, 1.5)
        c.say(c.daytime(at), c.text("explicit"))
    closed = c.gap(at, 0.3, 3.0)
    c.event(closed, "case_closed", satisfied=True)
    if rng.random() < 0.8:
        c.event(closed + timedelta(hours=3), "survey_csat", float(rng.choice((4, 5, 5))))
    if rng.random() < 0.7:
        c.say(closed + timedelta(hours=1), c.pick("thanks"), "chat")


def _seasonal_dip(c: Customer) -> None:
    rng = c.rng
    begin = c.t0 - timedelta(days=rng.uniform(0, 20))
    c.rate_changes.append((begin, begin + timedelta(days=rng.uniform(14, 40)), rng.uniform(0.0, 0.4)))
    if rng.random() < 0.4:
        c.say(c.daytime(c.later(begin, 0, 10)), c.pick("seasonal_note"), "chat")


def _negated_threat(c: Customer) -> None:
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


def _complaint_question(c: Customer) -> None:
    at = c.daytime(c.t0)
    if c.rng.random() < 0.4:
        c.event(at - timedelta(minutes=10), "page_visit", "complaint")
    c.say(at, c.pick("complaint_question"), c.rng.choice(("chat", "email", "phone_transcript")))


def _silent_churn(c: Customer) -> None:
    rng = c.rng
    c.decline(c.t0, rng.uniform(0.0, 0.15))
    if rng.random() < 0.7:
        c.event(c.daytime(c.later(c.t0, 5, 20)), "page_visit", rng.choice(EXIT_PAGE[c.industry]))
    if rng.random() < 0.5:
        c.say(c.daytime(c.later(c.t0, 0, 10)), c.pick("taciturn"), "chat")
    if c.industry == "bank" and rng.random() < 0.4:
        c.event(c.daytime(c.later(c.t0, 10, 25)), "funds_transfer_out", float(rng.randrange(1000, 50000)))


def _calm_regular(c: Customer) -> None:
    return None


def _satisfied_heavy_user(c: Customer) -> None:
    """Calls a lot, waits, gets transferred, but rates the service 4–5 and keeps buying. Half of them
    grumble now and then about something small (a crowded branch, an app redesign) as heavy users do,
    which is part of the segment, not a step towards a complaint."""
    rng = c.rng
    c.purchase_rate *= rng.uniform(1.5, 2.5)
    channels = ("chat", "phone_transcript", "email")
    grumbles = rng.uniform(0.2, 0.5) if rng.random() < 0.5 else 0.0
    for at in c.poisson(rng.uniform(0.2, 0.35), c.end, c.t0 - timedelta(days=rng.uniform(40, 80))):
        b.busy_service(c, at, warning=False)
        roll = rng.random()
        if roll < 0.35:
            kind, score = rng.choice((("survey_csat", (4, 5, 5)), ("survey_nps", (8, 9, 10))))
            c.event(at + timedelta(hours=1), kind, float(rng.choice(score)))
        elif roll < 0.6:
            said = c.remark() if grumbles and rng.random() < grumbles else c.calm_text()
            c.say(at + timedelta(minutes=20), said, rng.choice(channels))
        elif roll < 0.7:
            c.say(at + timedelta(minutes=30), c.pick("praise"), rng.choice(channels))


def _chronic_grumbler(c: Customer) -> None:
    """A complaint-ish remark about something small every week or so for two months; NPS 5–8; still
    buying; never files."""
    rng = c.rng
    at = c.t0 - timedelta(days=rng.uniform(45, 70))
    while at < c.end:
        c.say(c.daytime(at), c.remark() if rng.random() < 0.8 else c.text("latent"))
        if rng.random() < 0.3:
            c.event(at + timedelta(hours=5), "survey_nps", float(rng.randrange(5, 9)))
        at = c.later(at, 4.0, 10.0)


def _one_off_vent(c: Customer) -> None:
    """One bad experience, said plainly once (perhaps with a poor rating, a wait or an answer that did
    not satisfy), then life goes on."""
    rng = c.rng
    at = c.daytime(c.t0)
    c.say(at, c.text("explicit" if rng.random() < 0.7 else "latent"))
    if rng.random() < 0.4:
        b.warnings(c, at - timedelta(hours=rng.uniform(1, 30)), 1, mild=True)
    if rng.random() < 0.4:
        c.event(at + timedelta(hours=rng.uniform(1, 6)), "survey_csat", float(rng.choice((1, 2, 2, 3))))
    if rng.random() < 0.35:  # the answer did not satisfy them, and they let it go
        c.event(c.later(at, 0.5, 3.0), "case_closed", satisfied=False)


NEGATIVE_EPISODES: dict[str, Callable[[Customer], None]] = {
    "resolved_grumble": _resolved_grumble,
    "seasonal_dip": _seasonal_dip,
    "negated_threat": _negated_threat,
    "complaint_question": _complaint_question,
    "silent_churn": _silent_churn,
    "calm_regular": _calm_regular,
    "satisfied_heavy_user": _satisfied_heavy_user,
    "chronic_grumbler": _chronic_grumbler,
    "one_off_vent": _one_off_vent,
}
