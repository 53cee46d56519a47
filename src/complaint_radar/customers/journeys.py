"""Seeded synthetic customer journeys (Chinese, some English) in the replay formats, with ground truth."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml

SHANGHAI = timezone(timedelta(hours=8))
HISTORY_DAYS = 150.0

# Archetype shares: escalations mainly through behaviour, words or both, a few without warning; and the
# hard negatives the engine must not flag (resolved grumble, seasonal dip, negated threat, a question about
# how to complain), silent churners (they leave, they do not complain) and calm regulars.
ARCHETYPE_SHARES: dict[str, float] = {
    "behaviour_escalation": 0.13,
    "verbal_escalation": 0.13,
    "mixed_escalation": 0.12,
    "sudden_complaint": 0.04,
    "resolved_grumble": 0.12,
    "seasonal_dip": 0.10,
    "negated_threat": 0.08,
    "complaint_question": 0.08,
    "silent_churn": 0.05,
    "calm_regular": 0.15,
}
COMPLAINING = frozenset({"behaviour_escalation", "verbal_escalation", "mixed_escalation", "sudden_complaint"})
INDUSTRIES = ("bank", "telecom", "ecommerce", "restaurant", "hotel")
# Per industry: purchases per day (range), whether the customer logs in to an app, typical events.
_PURCHASE_RATE = {
    "bank": (0.25, 0.6),
    "telecom": (0.03, 0.07),
    "ecommerce": (0.12, 0.4),
    "restaurant": (0.06, 0.25),
    "hotel": (0.01, 0.04),
}
_APP = {"bank", "telecom", "ecommerce"}
_EXIT_PAGE = {
    "bank": ["close_account", "help_refund"],
    "telecom": ["cancel_subscription", "number_portability"],
    "ecommerce": ["help_refund", "close_account"],
    "restaurant": ["cancel_subscription"],
    "hotel": ["cancel_subscription", "help_refund"],
}
_ZH_PUNCT = str.maketrans({",": "，", "?": "？", "!": "！", ":": "："})
_CHANNELS = ("chat", "phone_transcript", "email", "ticket", "review", "social_post")
_CHANNEL_WEIGHTS = (0.42, 0.25, 0.1, 0.1, 0.08, 0.05)
_FORMAL_CHANNELS = ("chat", "phone_transcript", "email", "ticket")


class Journeys(NamedTuple):
    """Replay inputs: message rows, event rows, and one truth row per customer."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    truth: list[dict[str, Any]]


def generate_journeys(
    n_customers: int,
    seed: int,
    start: datetime,
    *,
    shares: Mapping[str, float] | None = None,
) -> Journeys:
    """`n_customers` journeys over `HISTORY_DAYS` from `start`; the same seed gives the same rows.

    Each customer has a seeded generator of its own, so journey i does not depend on n_customers.
    """
    table = dict(shares or ARCHETYPE_SHARES)
    names, weights = list(table), list(table.values())
    out = Journeys([], [], [])
    for i in range(n_customers):
        rng = random.Random(f"{seed}:{i}")
        archetype = rng.choices(names, weights)[0]
        writer = _Customer(rng, f"c{seed}-{i:05d}", start.astimezone(SHANGHAI))
        filed = _EPISODES[archetype](writer)
        writer.background(filed)
        out.messages.extend(writer.messages)
        out.events.extend(writer.events)
        out.truth.append(
            {
                "customer_id": writer.customer_id,
                "archetype": archetype,
                "industry": writer.industry,
                "language": writer.lang,
                "complained": filed is not None,
                "complaint_filed_at": filed.isoformat() if filed is not None else None,
            }
        )
    out.messages.sort(key=lambda r: (r["occurred_at"], r["message_id"]))
    out.events.sort(key=lambda r: (r["occurred_at"], r["event_id"]))
    return out


@lru_cache(maxsize=1)
def _phrases() -> dict[str, Any]:
    text = (
        resources.files("complaint_radar.customers").joinpath("data/journey_phrases.yaml").read_text("utf-8")
    )
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


class _Customer:
    """One customer's journey under construction: identity, chosen issue, and the rows written so far."""

    def __init__(self, rng: random.Random, customer_id: str, start: datetime) -> None:
        self.rng = rng
        self.customer_id = customer_id
        self.start = start
        self.end = start + timedelta(days=HISTORY_DAYS)
        self.t0 = start + timedelta(days=rng.uniform(95.0, 125.0))
        self.industry = rng.choice(INDUSTRIES)
        self.lang = "en" if rng.random() < 0.15 else "zh"
        self.fullwidth = rng.random() < 0.6
        self.purchase_rate = rng.uniform(*_PURCHASE_RATE[self.industry])
        self.rate_changes: list[tuple[datetime, datetime, float]] = []
        self.messages: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        bank = _phrases()["industries"][self.industry]
        self.bank = bank
        self.issue = rng.choice(bank["issues"])
        self.slots = {
            "product": rng.choice(bank["products"] if self.lang == "zh" else bank["products_en"]),
            "order": f"{rng.choice(('2024', '2025', 'DD', 'SO'))}{rng.randrange(10**7, 10**9)}",
            "days": str(rng.choice((2, 3, 4, 5, 7, 10))),
            "hours": str(rng.choice((1, 2, 3))),
            "amount": str(rng.choice((15, 20, 38, 50, 99, 120, 300))),
        }

    # --- writing rows -------------------------------------------------------------------------------
    def say(self, at: datetime, text: str, channel: str | None = None) -> None:
        if at > self.end:
            return
        channel = channel or self.rng.choices(_CHANNELS, _CHANNEL_WEIGHTS)[0]
        if self.lang == "zh" and self.fullwidth:
            text = text.translate(_ZH_PUNCT)
        self.messages.append(
            {
                "message_id": f"{self.customer_id}-m{len(self.messages):03d}",
                "customer_id": self.customer_id,
                "occurred_at": _iso(at),
                "channel": channel,
                "text": text,
            }
        )

    def event(self, at: datetime, kind: str, value: float | str | None = None, **attributes: Any) -> None:
        if at > self.end:
            return
        self.events.append(
            {
                "event_id": f"{self.customer_id}-e{len(self.events):04d}",
                "customer_id": self.customer_id,
                "occurred_at": _iso(at),
                "kind": kind,
                "value": value,
                "attributes": json.dumps(attributes, ensure_ascii=False) if attributes else "",
            }
        )

    # --- wording ------------------------------------------------------------------------------------
    def pick(self, key: str) -> str:
        templates = _phrases()["templates"]
        options = templates.get(f"{key}_en", templates[key]) if self.lang == "en" else templates[key]
        return str(self.rng.choice(options))

    def fill(self, text: str) -> str:
        return text.format(**self.slots)

    def fact(self) -> str:
        return self.fill(self.rng.choice(self.issue["facts_en" if self.lang == "en" else "facts"]))

    def query(self) -> str:
        return self.fill(self.rng.choice(self.issue["queries_en" if self.lang == "en" else "queries"]))

    def text(self, stage: str) -> str:
        target_key = "targets_en" if self.lang == "en" else "targets"
        parts = {
            "fact": self.fact(),
            "query": self.query(),
            "neg": self.pick("neg"),
            "ultimatum": self.pick("ultimatum"),
            "target": self.rng.choice(self.bank[target_key]),
            "demand": self.pick("demand"),
            "demand_en": self.pick("demand"),
        }
        return self.pick(stage).format(**parts)

    def calm_text(self) -> str:
        return self.fill(self.rng.choice(self.bank["calm_en" if self.lang == "en" else "calm"]))

    # --- time ---------------------------------------------------------------------------------------
    def daytime(self, at: datetime) -> datetime:
        """The same day at a plausible waking hour."""
        hour = self.rng.uniform(8.0, 23.0)
        return at.replace(
            hour=int(hour), minute=int(hour % 1 * 60), second=self.rng.randrange(60), microsecond=0
        )

    def later(self, at: datetime, low_days: float, high_days: float) -> datetime:
        return at + timedelta(days=self.rng.uniform(low_days, high_days))

    # --- background life ----------------------------------------------------------------------------
    def background(self, filed: datetime | None) -> None:
        """Ordinary activity from the start to the end of history (to just after filing, for complainers)."""
        stop = min(self.end, filed + timedelta(days=1)) if filed is not None else self.end
        rng = self.rng
        for at in self._poisson(self.purchase_rate, stop):
            if self._purchase_kept(at):
                self.event(at, "purchase", float(rng.choice((19, 35, 58, 88, 129, 199, 268, 520))))
                if self.industry == "ecommerce" and rng.random() < 0.08:
                    self.event(at + timedelta(days=3), "delivery_delayed", float(rng.randrange(3, 22)))
        if self.industry in _APP:
            for at in self._poisson(rng.uniform(0.05, 0.25), stop):
                self.event(at, "login")
            for at in self._poisson(1 / 45, stop):
                self.event(at, "transaction_failed")
        for at in self._poisson(0.04, stop):
            self.event(at, "page_visit", rng.choice(("home", "product", "promotions", "bill", "help_faq")))
        for at in self._poisson(1 / 30, stop):
            self.say(self.daytime(at), self.calm_text(), rng.choice(("chat", "email", "phone_transcript")))
            if rng.random() < 0.35:
                kind = rng.choice(("survey_csat", "survey_nps"))
                score = rng.choice((4, 5, 5)) if kind == "survey_csat" else rng.choice((7, 8, 9, 10))
                self.event(at + timedelta(hours=2), kind, float(score))
        if self.industry != "ecommerce":
            for at in self._poisson(1 / 30, stop):
                minutes = rng.uniform(5, 28) if rng.random() < 0.9 else rng.uniform(30, 40)
                self.event(at, "queue_wait", round(minutes), median_minutes=15)
        for at in self._poisson(1 / 50, stop):
            self.event(
                at,
                "call",
                round(rng.uniform(2, 9)),
                transfers=rng.choice((0, 0, 1)),
                hold_minutes=rng.randrange(0, 4),
            )

    def _poisson(self, rate_per_day: float, stop: datetime) -> list[datetime]:
        times: list[datetime] = []
        at = self.start
        while True:
            at = at + timedelta(days=self.rng.expovariate(rate_per_day))
            if at >= stop:
                return times
            times.append(self.daytime(at))

    def _purchase_kept(self, at: datetime) -> bool:
        keep = 1.0
        for begin, end, factor in self.rate_changes:
            if begin <= at < end:
                keep *= factor
        return self.rng.random() < keep

    # --- episode building blocks --------------------------------------------------------------------
    def behaviours(self, at: datetime, count: int, *, mild: bool = False) -> datetime:
        """`count` behavioural warning signs from `at` on; returns when the last one happened.

        `mild` keeps to the service failures that come with an ordinary grumble (a wait, a delay, a call).
        """
        rng = self.rng
        if mild:
            options: list[Callable[[datetime], None]] = [self._long_wait, self._one_bad_call]
            if self.industry == "ecommerce":
                options.append(self._delays)
            make = rng.choice(options)
            make(at)
            return at
        options = [
            self._long_wait,
            self._bad_calls,
            self._exit_pages,
            self._survey_low,
        ]
        if self.industry in _APP:
            options += [self._failures, self._app_rating]
        if self.industry == "ecommerce":
            options.append(self._delays)
        if self.industry == "telecom":
            options.append(self._outage)
        if self.industry == "hotel":
            options.append(self._booking_failed)
        chosen = rng.sample(options, min(count, len(options)))
        last = at
        for make in chosen:
            when = self.later(at, 0.0, 8.0)
            make(when)
            last = max(last, when)
        return last

    def _failures(self, at: datetime) -> None:
        for k in range(self.rng.randrange(3, 7)):
            kind = "transaction_failed" if self.rng.random() < 0.75 else "login_failed"
            self.event(at + timedelta(minutes=11 * k + self.rng.randrange(10)), kind)
        if self.rng.random() < 0.5:
            for k in range(3):
                self.event(at + timedelta(minutes=40 + 5 * k), "page_visit", "help_transfer")

    def _long_wait(self, at: datetime) -> None:
        for k in range(self.rng.choice((1, 1, 2))):
            self.event(
                at + timedelta(days=2 * k),
                "queue_wait",
                float(self.rng.randrange(35, 100)),
                median_minutes=15,
            )

    def _bad_calls(self, at: datetime) -> None:
        for k in range(self.rng.randrange(2, 5)):
            self.event(
                at + timedelta(days=k * self.rng.uniform(0.5, 2.0)),
                "call",
                float(self.rng.randrange(5, 30)),
                transfers=self.rng.randrange(1, 5),
                hold_minutes=self.rng.randrange(2, 25),
            )

    def _one_bad_call(self, at: datetime) -> None:
        self.event(
            at, "call", float(self.rng.randrange(5, 20)), transfers=2, hold_minutes=self.rng.randrange(3, 12)
        )

    def _exit_pages(self, at: datetime) -> None:
        for k in range(self.rng.choice((1, 1, 2))):
            self.event(at + timedelta(hours=5 * k), "page_visit", self.rng.choice(_EXIT_PAGE[self.industry]))

    def _survey_low(self, at: datetime) -> None:
        if self.rng.random() < 0.6:
            self.event(at, "survey_csat", float(self.rng.choice((1, 2, 2, 3))))
        else:
            self.event(at, "survey_nps", float(self.rng.randrange(0, 5)))

    def _app_rating(self, at: datetime) -> None:
        self.event(at, "app_rating", float(self.rng.choice((1, 1, 2))))

    def _delays(self, at: datetime) -> None:
        for k in range(self.rng.choice((1, 2))):
            self.event(
                at + timedelta(days=k * 2),
                "delivery_delayed",
                float(self.rng.randrange(30, 130)),
                order_id=self.slots["order"],
            )

    def _outage(self, at: datetime) -> None:
        self.event(at, "service_outage", float(self.rng.randrange(6, 48)))

    def _booking_failed(self, at: datetime) -> None:
        self.event(at, "booking_failed")

    def decline(self, at: datetime, factor: float) -> None:
        self.rate_changes.append((at, self.end, factor))

    def formal(self, at: datetime) -> datetime:
        at = self.daytime(at)
        self.say(at, self.text("formal"), self.rng.choice(_FORMAL_CHANNELS))
        return at


def _behaviour_escalation(c: _Customer) -> datetime | None:
    rng = c.rng
    last = c.behaviours(c.t0, rng.randrange(3, 6))
    if rng.random() < 0.6:
        c.decline(c.t0, rng.uniform(0.0, 0.4))
    if rng.random() < 0.5:
        c.say(c.daytime(c.later(c.t0, 1, 6)), c.text("latent") if rng.random() < 0.6 else c.pick("taciturn"))
    return c.formal(c.later(last, 0.5, 4.0))


def _verbal_escalation(c: _Customer) -> datetime | None:
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


def _mixed_escalation(c: _Customer) -> datetime | None:
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


def _sudden_complaint(c: _Customer) -> datetime | None:
    if c.rng.random() < 0.4:
        c.say(c.daytime(c.t0 - timedelta(days=c.rng.uniform(10, 25))), c.text("latent"))
    return c.formal(c.later(c.t0, 0.0, 5.0))


def _resolved_grumble(c: _Customer) -> datetime | None:
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


def _seasonal_dip(c: _Customer) -> datetime | None:
    rng = c.rng
    begin = c.t0 - timedelta(days=rng.uniform(0, 20))
    c.rate_changes.append((begin, begin + timedelta(days=rng.uniform(14, 40)), rng.uniform(0.0, 0.4)))
    if rng.random() < 0.4:
        c.say(c.daytime(c.later(begin, 0, 10)), c.pick("seasonal_note"), "chat")
    return None


def _negated_threat(c: _Customer) -> datetime | None:
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


def _complaint_question(c: _Customer) -> datetime | None:
    at = c.daytime(c.t0)
    if c.rng.random() < 0.4:
        c.event(at - timedelta(minutes=10), "page_visit", "complaint")
    c.say(at, c.pick("complaint_question"), c.rng.choice(("chat", "email", "phone_transcript")))
    return None


def _silent_churn(c: _Customer) -> datetime | None:
    rng = c.rng
    c.decline(c.t0, rng.uniform(0.0, 0.15))
    if rng.random() < 0.7:
        c.event(c.daytime(c.later(c.t0, 5, 20)), "page_visit", rng.choice(_EXIT_PAGE[c.industry]))
    if rng.random() < 0.5:
        c.say(c.daytime(c.later(c.t0, 0, 10)), c.pick("taciturn"), "chat")
    if c.industry == "bank" and rng.random() < 0.4:
        c.event(c.daytime(c.later(c.t0, 10, 25)), "funds_transfer_out", float(rng.randrange(1000, 50000)))
    return None


def _calm_regular(c: _Customer) -> datetime | None:
    return None


_EPISODES: dict[str, Callable[[_Customer], datetime | None]] = {
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


def _iso(at: datetime) -> str:
    return at.astimezone(SHANGHAI).isoformat(timespec="seconds")
