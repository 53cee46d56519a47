"""Behaviour building blocks of synthetic journeys: waits, bad calls, failures, exits, low ratings, delays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from complaint_radar.customers.journey_writer import APP_INDUSTRIES, EXIT_PAGE, Customer

Block = Callable[[Customer, datetime], None]


def warnings(c: Customer, at: datetime, count: int, *, mild: bool = False) -> datetime:
    """`count` behavioural warning signs from `at` on; returns when the last one happened.

    `mild` keeps to the service failures that come with an ordinary grumble (a wait, a delay, a call).
    """
    rng = c.rng
    if mild:
        options: list[Block] = [long_wait, one_bad_call]
        if c.industry == "ecommerce":
            options.append(delays)
        rng.choice(options)(c, at)
        return at
    options = [long_wait, bad_calls, exit_pages, survey_low]
    if c.industry in APP_INDUSTRIES:
        options += [failures, app_rating]
    if c.industry == "ecommerce":
        options.append(delays)
    if c.industry == "telecom":
        options.append(outage)
    if c.industry == "hotel":
        options.append(booking_failed)
    last = at
    for make in rng.sample(options, min(count, len(options))):
        when = c.later(at, 0.0, 8.0 * c.tempo.spread)
        make(c, when)
        last = max(last, when)
    return last


def failures(c: Customer, at: datetime) -> None:
    for k in range(c.rng.randrange(3, 7)):
        kind = "transaction_failed" if c.rng.random() < 0.75 else "login_failed"
        c.event(at + timedelta(minutes=11 * k + c.rng.randrange(10)), kind)
    if c.rng.random() < 0.5:
        for k in range(3):
            c.event(at + timedelta(minutes=40 + 5 * k), "page_visit", "help_transfer")


def long_wait(c: Customer, at: datetime) -> None:
    for k in range(c.rng.choice((1, 1, 2))):
        c.event(at + timedelta(days=2 * k), "queue_wait", float(c.rng.randrange(35, 100)), median_minutes=15)


def bad_calls(c: Customer, at: datetime) -> None:
    for k in range(c.rng.randrange(2, 5)):
        c.event(
            at + timedelta(days=k * c.rng.uniform(0.5, 2.0)),
            "call",
            float(c.rng.randrange(5, 30)),
            transfers=c.rng.randrange(1, 5),
            hold_minutes=c.rng.randrange(2, 25),
        )


def one_bad_call(c: Customer, at: datetime) -> None:
    c.event(at, "call", float(c.rng.randrange(5, 20)), transfers=2, hold_minutes=c.rng.randrange(3, 12))


def exit_pages(c: Customer, at: datetime) -> None:
    for k in range(c.rng.choice((1, 1, 2))):
        c.event(at + timedelta(hours=5 * k), "page_visit", c.rng.choice(EXIT_PAGE[c.industry]))


def survey_low(c: Customer, at: datetime) -> None:
    if c.rng.random() < 0.6:
        c.event(at, "survey_csat", float(c.rng.choice((1, 2, 2, 3))))
    else:
        c.event(at, "survey_nps", float(c.rng.randrange(0, 5)))


def app_rating(c: Customer, at: datetime) -> None:
    c.event(at, "app_rating", float(c.rng.choice((1, 1, 2))))


def delays(c: Customer, at: datetime) -> None:
    for k in range(c.rng.choice((1, 2))):
        c.event(
            at + timedelta(days=k * 2),
            "delivery_delayed",
            float(c.rng.randrange(30, 130)),
            order_id=c.slots["order"],
        )


def outage(c: Customer, at: datetime) -> None:
    c.event(at, "service_outage", float(c.rng.randrange(6, 48)))


def booking_failed(c: Customer, at: datetime) -> None:
    c.event(at, "booking_failed")


def busy_service(c: Customer, at: datetime, *, warning: bool) -> None:
    """A heavy user's ordinary friction: a call with transfers and hold, or a long queue, or a failed
    payment retried; `warning` says whether it is part of an escalation or just life."""
    rng = c.rng
    choice = rng.random()
    if choice < 0.5:
        c.event(
            at,
            "call",
            float(rng.randrange(4, 25)),
            warning=warning,
            transfers=rng.choice((1, 2, 2, 3)),
            hold_minutes=rng.randrange(2, 15),
        )
    elif choice < 0.8 and c.industry != "ecommerce":
        c.event(at, "queue_wait", float(rng.randrange(25, 70)), warning=warning, median_minutes=15)
    elif c.industry in APP_INDUSTRIES:
        for k in range(rng.choice((1, 2, 3))):
            c.event(at + timedelta(minutes=7 * k), "transaction_failed", warning=warning)
    else:
        c.event(at, "call", float(rng.randrange(4, 15)), warning=warning, transfers=2, hold_minutes=6)
