"""One synthetic customer under construction: identity, issue, wording, timing and the rows written so far."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from complaint_radar.customers.journey_wording import Wording

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
APP_INDUSTRIES = frozenset({"bank", "telecom", "ecommerce"})
EXIT_PAGE = {
    "bank": ["close_account", "help_refund"],
    "telecom": ["cancel_subscription", "number_portability"],
    "ecommerce": ["help_refund", "close_account"],
    "restaurant": ["cancel_subscription"],
    "hotel": ["cancel_subscription", "help_refund"],
}
CHANNELS = ("chat", "phone_transcript", "email", "ticket", "review", "social_post")
_CHANNEL_WEIGHTS = (0.42, 0.25, 0.1, 0.1, 0.08, 0.05)
FORMAL_CHANNELS = ("chat", "phone_transcript", "email", "ticket")
_LANGUAGE_WEIGHTS = {"zh-Hans": 0.6, "zh-Hant": 0.22, "en": 0.18}


@dataclass(frozen=True, slots=True)
class Tempo:
    """A split's timing: multipliers on the gaps between contacts, on the lead from the last warning to
    filing, and on how far behaviour warnings spread (the splits differ so timing is not learnt either)."""

    gap: float
    lead: float
    spread: float


TEMPO = {"train": Tempo(1.0, 1.0, 1.0), "eval": Tempo(1.3, 0.8, 1.25)}
TEMPO["dev"] = TEMPO["eval"]
"""The development split mimics the held-out conditions (the evaluation tempo) with wording of its own."""
TRAIN_TEMPO_RANGE: dict[str, tuple[float, float]] = {
    "gap": (0.8, 1.45),
    "lead": (0.7, 1.15),
    "spread": (0.85, 1.35),
}
"""Training journeys draw each customer's tempo from these ranges (the training tempo inside them), so
that the fitted model meets slower and faster customers than the training tempo and leans on no one
tempo; the other splits keep their split's tempo for every customer."""


def varied_tempo(rng: random.Random) -> Tempo:
    """One training customer's tempo: each multiplier drawn uniformly from `TRAIN_TEMPO_RANGE`."""
    return Tempo(**{name: rng.uniform(low, high) for name, (low, high) in TRAIN_TEMPO_RANGE.items()})


class Customer:
    """One customer's journey under construction: identity, chosen issue, and the rows written so far.

    Rows written by the episode are warnings unless said otherwise; `warned_at` is the first of them
    (the formal complaint itself is not a warning). `background()` then adds ordinary life.
    """

    def __init__(
        self,
        rng: random.Random,
        customer_id: str,
        start: datetime,
        split: str = "train",
        tempo: Tempo | None = None,
    ) -> None:
        self.rng = rng
        self.customer_id = customer_id
        self.split = split
        self.tempo = tempo or TEMPO[split]
        self.start = start
        self.end = start + timedelta(days=HISTORY_DAYS)
        self.t0 = start + timedelta(days=rng.uniform(95.0, 125.0))
        self.industry = rng.choice(INDUSTRIES)
        self.lang = rng.choices(list(_LANGUAGE_WEIGHTS), list(_LANGUAGE_WEIGHTS.values()))[0]
        region = rng.choice(("tw", "hk"))
        self.words = Wording(rng, split, self.lang, region, fullwidth=rng.random() < 0.6)
        self.purchase_rate = rng.uniform(*PURCHASE_RATE[self.industry])
        self.rate_changes: list[tuple[datetime, datetime, float]] = []
        self.messages: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.warned_at: datetime | None = None
        self.templates: dict[str, str] = {}
        """Which phrase-bank template each message was written from (message id -> key: `latent`,
        `explicit`, `remark`, `calm`…): what a perfect reader would read; studies only, never replayed."""
        self._template = "unknown"
        self._episode = True
        self.sector = self.words.bank["industries"][self.industry]
        self.issue = rng.choice(self.sector["issues"])
        self.slots = {
            "product": self.words.choose(self.sector, "products"),
            "order": f"{rng.choice(('2024', '2025', 'DD', 'SO'))}{rng.randrange(10**7, 10**9)}",
            "days": str(rng.choice((2, 3, 4, 5, 7, 10))),
            "hours": str(rng.choice((1, 2, 3))),
            "amount": str(rng.choice((15, 20, 38, 50, 99, 120, 300))),
        }

    @property
    def language(self) -> str:
        return self.lang

    # --- writing rows -------------------------------------------------------------------------------
    def say(
        self, at: datetime, text: str, channel: str | None = None, *, warning: bool = True, **extra: Any
    ) -> None:
        if at > self.end or at < self.start:
            self._template = "unknown"
            return
        channel = channel or self.rng.choices(CHANNELS, _CHANNEL_WEIGHTS)[0]
        self._warn(at, warning)
        message_id = f"{self.customer_id}-m{len(self.messages):03d}"
        self.templates[message_id], self._template = self._template, "unknown"
        self.messages.append(
            {
                "message_id": message_id,
                "customer_id": self.customer_id,
                "occurred_at": _iso(at),
                "channel": channel,
                "text": self.words.finish(text),
                **extra,
            }
        )

    def event(
        self,
        at: datetime,
        kind: str,
        value: float | str | None = None,
        *,
        warning: bool = True,
        **attributes: Any,
    ) -> None:
        if at > self.end or at < self.start:
            return
        self._warn(at, warning)
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

    def _warn(self, at: datetime, warning: bool) -> None:
        if self._episode and warning and (self.warned_at is None or at < self.warned_at):
            self.warned_at = at

    # --- wording ------------------------------------------------------------------------------------
    def pick(self, key: str) -> str:
        self._template = key
        return self.words.template(key)

    def fill(self, text: str) -> str:
        return text.format(**self.slots)

    def fact(self) -> str:
        return self.fill(self.words.choose(self.issue, "facts"))

    def query(self) -> str:
        return self.fill(self.words.choose(self.issue, "queries"))

    def text(self, stage: str) -> str:
        """A message of template `stage`, its slots filled from this customer's issue and industry."""
        parts = {
            "fact": self.fact(),
            "query": self.query(),
            "neg": self.pick("neg"),
            "ultimatum": self.pick("ultimatum"),
            "target": self.words.choose(self.sector, "targets"),
            "demand": self.pick("demand"),
            "product": self.slots["product"],
        }
        text = self.fill(self.pick(stage).format(**parts))
        self._template = stage
        return text

    def calm_text(self) -> str:
        self._template = "calm"
        return self.fill(self.words.choose(self.sector, "calm"))

    def remark(self) -> str:
        """A passing complaint-ish remark about something small (chronic grumblers), not the issue."""
        self._template = "remark"
        return self.fill(self.words.choose(self.sector, "remarks"))

    # --- time ---------------------------------------------------------------------------------------
    def daytime(self, at: datetime) -> datetime:
        """The same day at a plausible waking hour."""
        hour = self.rng.uniform(8.0, 23.0)
        return at.replace(
            hour=int(hour), minute=int(hour % 1 * 60), second=self.rng.randrange(60), microsecond=0
        )

    def later(self, at: datetime, low_days: float, high_days: float) -> datetime:
        return at + timedelta(days=self.rng.uniform(low_days, high_days))

    def gap(self, at: datetime, low_days: float, high_days: float) -> datetime:
        """The next contact of an escalation, `low..high` days on, scaled by the split's tempo."""
        return self.later(at, low_days * self.tempo.gap, high_days * self.tempo.gap)

    def lead(self, at: datetime, low_days: float, high_days: float) -> datetime:
        """When the customer files after their last warning, scaled by the split's tempo."""
        return self.later(at, low_days * self.tempo.lead, high_days * self.tempo.lead)

    def join(self, at: datetime) -> None:
        """The customer is new: nothing of theirs before `at` (a partial history)."""
        self.start = at

    # --- background life ----------------------------------------------------------------------------
    def background(self, filed: datetime | None) -> None:
        """Ordinary activity over the history (to just after filing, for complainers); not warnings.

        Ordinary life includes the odd poor survey answer, long wait, bad call, late delivery, failed
        payment, outage or failed booking."""
        self._episode = False
        stop = min(self.end, filed + timedelta(days=1)) if filed is not None else self.end
        rng = self.rng
        for at in self.poisson(self.purchase_rate, stop):
            if self._purchase_kept(at):
                self.event(at, "purchase", float(rng.choice((19, 35, 58, 88, 129, 199, 268, 520))))
                if self.industry == "ecommerce" and rng.random() < 0.08:
                    late = rng.randrange(24, 60) if rng.random() < 0.25 else rng.randrange(3, 22)
                    self.event(at + timedelta(days=3), "delivery_delayed", float(late))
        if self.industry in APP_INDUSTRIES:
            for at in self.poisson(rng.uniform(0.05, 0.25), stop):
                self.event(at, "login")
            for at in self.poisson(1 / 45, stop):
                self.event(at, "transaction_failed")
            for at in self.poisson(1 / 150, stop):  # a bad day: a payment retried a few times
                for k in range(3):
                    self.event(at + timedelta(minutes=6 * k), "transaction_failed")
        if self.industry == "telecom":
            for at in self.poisson(1 / 120, stop):
                self.event(at, "service_outage", float(rng.randrange(2, 12)))
        if self.industry == "hotel":
            for at in self.poisson(1 / 150, stop):
                self.event(at, "booking_failed")
        for at in self.poisson(0.04, stop):
            self.event(at, "page_visit", rng.choice(("home", "product", "promotions", "bill", "help_faq")))
        for at in self.poisson(1 / 30, stop):
            self.say(self.daytime(at), self.calm_text(), rng.choice(("chat", "email", "phone_transcript")))
            if rng.random() < 0.35:
                kind = rng.choice(("survey_csat", "survey_nps"))
                poor = rng.random() < 0.1
                if kind == "survey_csat":
                    score = rng.choice((1, 2, 2, 3)) if poor else rng.choice((4, 5, 5))
                else:
                    score = rng.randrange(2, 7) if poor else rng.choice((7, 8, 9, 10))
                self.event(at + timedelta(hours=2), kind, float(score))
        if self.industry != "ecommerce":
            for at in self.poisson(1 / 30, stop):
                minutes = rng.uniform(5, 28) if rng.random() < 0.9 else rng.uniform(30, 40)
                self.event(at, "queue_wait", round(minutes), median_minutes=15)
        for at in self.poisson(1 / 50, stop):
            rough = rng.random() < 0.1
            self.event(
                at,
                "call",
                round(rng.uniform(2, 9)),
                transfers=rng.choice((1, 2, 3)) if rough else rng.choice((0, 0, 1)),
                hold_minutes=rng.randrange(4, 12) if rough else rng.randrange(0, 4),
            )

    def poisson(self, rate_per_day: float, stop: datetime, begin: datetime | None = None) -> list[datetime]:
        times: list[datetime] = []
        at = begin or self.start
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

    def decline(self, at: datetime, factor: float) -> None:
        self.rate_changes.append((at, self.end, factor))

    def formal(self, at: datetime, channel: str | None = None) -> datetime:
        at = self.daytime(at)
        self.say(at, self.text("formal"), channel or self.rng.choice(FORMAL_CHANNELS), warning=False)
        return at


def _iso(at: datetime) -> str:
    return at.astimezone(SHANGHAI).isoformat(timespec="seconds")
