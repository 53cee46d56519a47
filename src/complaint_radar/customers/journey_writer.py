"""One synthetic customer under construction: identity, issue, wording and the rows written so far."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

SHANGHAI = timezone(timedelta(hours=8))
HISTORY_DAYS = 150.0
INDUSTRIES = ("bank", "telecom", "ecommerce", "restaurant", "hotel")
# Per industry: purchases per day (range); which industries have an app to log in to.
PURCHASE_RATE = {
    "bank": (0.25, 0.6),
    "telecom": (0.03, 0.07),
    "ecommerce": (0.12, 0.4),
    "restaurant": (0.06, 0.25),
    "hotel": (0.01, 0.04),
}
_APP = {"bank", "telecom", "ecommerce"}
EXIT_PAGE = {
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


@lru_cache(maxsize=1)
def _phrases() -> dict[str, Any]:
    text = (
        resources.files("complaint_radar.customers").joinpath("data/journey_phrases.yaml").read_text("utf-8")
    )
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


class Customer:
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
        self.purchase_rate = rng.uniform(*PURCHASE_RATE[self.industry])
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
            self.event(at + timedelta(hours=5 * k), "page_visit", self.rng.choice(EXIT_PAGE[self.industry]))

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


def _iso(at: datetime) -> str:
    return at.astimezone(SHANGHAI).isoformat(timespec="seconds")
