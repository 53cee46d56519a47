"""The bundled demo history: half a year of contacts of 星河优选, a fictional shop with a pay-later arm.

`generate_demo_history()` (seeded) gives plain rows with the ingestion files' column names: messages
(`message_id, customer_id, occurred_at, channel, text, speaker, product, sku, branch, region, team, agent_id,
segment, tenure_days, new_or_returning`), events (purchases, CSAT, NPS, SERVQUAL answers, queue waits),
daily metrics (orders and active customers per product/branch, the rate denominators) and two improvement
actions. It holds weekly seasonality, 618 at the start and 双十一 near the end, one injected emerging issue
in the last two weeks (a bad batch of 星河X1 phones sold at 广州天河店: product_quality), a staff training
that really lowers service_attitude complaints of one team, and a delivery-notice change that does not
lower delivery complaints. Causes are in the texts, not in the rows: the analysis reads them from the
assessment pipeline like any other contact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from complaint_radar.demo.history_events import Customer, actions, events, metrics
from complaint_radar.demo.texts import TextWriter, Written, history_config

AS_OF = date(2026, 11, 29)
"""The last day of the demo history (a Sunday)."""
WEEKS = 26
CHINA = timezone(timedelta(hours=8))
MESSAGES_PER_DAY = 30.0
"""Contacts on an ordinary weekday at scale 1 (before seasonality and peaks)."""
_DAY_OF_WEEK = (1.1, 1.0, 0.95, 0.95, 1.0, 1.15, 1.2)  # Monday .. Sunday
_CHANNELS = {
    "chat": 0.45,
    "phone_transcript": 0.15,
    "email": 0.07,
    "ticket": 0.1,
    "review": 0.13,
    "social_post": 0.05,
    "survey": 0.05,
}
_TRAINED_TEAM = "售后二组"


@dataclass
class DemoHistory:
    """The demo history's rows and what was put into it (for tests and the demo's summary)."""

    as_of: date
    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    metrics: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    intended_causes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """message_id → the causes its text was written to carry (empty for calm messages)."""
    injected_issue: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> date:
        return self.as_of - timedelta(days=7 * WEEKS - 1)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "messages": pd.DataFrame(self.messages),
            "events": pd.DataFrame(self.events),
            "metrics": pd.DataFrame(self.metrics),
        }


def peak_factor(day: date) -> float:
    """How much busier than usual a day is: 618, 双十一 (with its run-up) and the National Day lull."""
    if date(day.year, 6, 1) <= day <= date(day.year, 6, 18):
        return 1.6
    if date(day.year, 11, 1) <= day <= date(day.year, 11, 12):
        return 2.4 if day.day >= 9 else 1.8
    if date(day.year, 10, 1) <= day <= date(day.year, 10, 7):
        return 0.8
    return 1.0


def generate_demo_history(seed: int = 7, *, scale: float = 1.0, as_of: date = AS_OF) -> DemoHistory:
    """The demo history ending on `as_of`; `scale` multiplies contacts and customers (1.0: ~7k messages)."""
    rng = np.random.default_rng(seed)
    config = history_config()
    writer = TextWriter(rng)
    start = as_of - timedelta(days=7 * WEEKS - 1)
    customers = _customers(rng, config, round(2200 * scale))
    weights = np.array([c.activity for c in customers])
    weights /= weights.sum()
    products = list(config["products"])
    product_weights = np.array([config["products"][p]["weight"] for p in products])
    product_weights /= product_weights.sum()
    builder = _MessageBuilder(rng, config, writer, start, as_of)
    for offset in range(7 * WEEKS):
        day = start + timedelta(days=offset)
        expected = MESSAGES_PER_DAY * scale * _DAY_OF_WEEK[day.weekday()] * peak_factor(day)
        for _ in range(int(rng.poisson(expected))):
            customer = customers[int(rng.choice(len(customers), p=weights))]
            product = products[int(rng.choice(len(products), p=product_weights))]
            builder.contact(day, customer, product)
    builder.inject_issue(as_of, customers)
    messages = sorted(builder.messages, key=lambda m: (m["occurred_at"], m["message_id"]))
    return DemoHistory(
        as_of=as_of,
        messages=messages,
        events=events(rng, config, messages, customers, start, as_of),
        metrics=metrics(rng, config, start, as_of, scale, _DAY_OF_WEEK, peak_factor),
        actions=actions(),
        intended_causes=builder.intended,
        injected_issue=builder.issue,
    )


def write_demo_history(history: DemoHistory, directory: Path) -> dict[str, Path]:
    """Write the rows as ingestion files: messages.jsonl, events.jsonl, metrics.csv and actions.json."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        name: directory / name for name in ("messages.jsonl", "events.jsonl", "metrics.csv", "actions.json")
    }
    for name, rows in (("messages.jsonl", history.messages), ("events.jsonl", history.events)):
        with paths[name].open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    pd.DataFrame(history.metrics).to_csv(paths["metrics.csv"], index=False)
    paths["actions.json"].write_text(
        json.dumps(history.actions, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return paths


def _customers(rng: np.random.Generator, config: dict[str, Any], n: int) -> list[Customer]:
    segments = list(config["segments"])
    segment_p = np.array(list(config["segments"].values()), dtype=float)
    branches = list(config["branches"])
    branch_p = rng.dirichlet(np.full(len(branches), 6.0))
    out = []
    for i in range(n):
        new = rng.random() < 0.25
        out.append(
            Customer(
                customer_id=f"C{i + 1:05d}",
                segment=segments[int(rng.choice(len(segments), p=segment_p / segment_p.sum()))],
                branch=branches[int(rng.choice(len(branches), p=branch_p))],
                tenure_at_start=int(rng.integers(0, 60)) if new else int(rng.integers(90, 2500)),
                activity=float(rng.gamma(2.0, 0.5)),
            )
        )
    return out


class _MessageBuilder:
    """Makes message rows one contact at a time, keeping what each was written to carry."""

    def __init__(
        self, rng: np.random.Generator, config: dict[str, Any], writer: TextWriter, start: date, end: date
    ) -> None:
        self.rng, self.config, self.writer = rng, config, writer
        self.start, self.end = start, end
        self.messages: list[dict[str, Any]] = []
        self.intended: dict[str, tuple[str, ...]] = {}
        self.issue: dict[str, Any] = {}
        self.channels = list(_CHANNELS)
        self.channel_p = np.array(list(_CHANNELS.values())) / sum(_CHANNELS.values())

    def contact(self, day: date, customer: Customer, product: str) -> None:
        in_store = self.rng.random() < 0.12
        family = "store" if in_store else self.config["products"][product]["family"]
        branch = (
            customer.branch if self.rng.random() < 0.85 else self.writer.pick(list(self.config["branches"]))
        )
        complaint = self.rng.random() < (0.62 if peak_factor(day) == 1.0 else 0.68)
        team = self._team(family, customer, complaint)
        cause = self._cause(family, day) if complaint else None
        if cause is not None and team == _TRAINED_TEAM:
            cause = self._training_effect(day, cause)
        channel = "branch_note" if in_store and self.rng.random() < 0.6 else self._channel()
        if cause is None:
            written = self.writer.calm(product)
        else:
            angry = self.rng.random() < 0.45
            written = self.writer.complaint(
                cause, product, angry=angry, escalate=angry and self.rng.random() < 0.3
            )
        if cause == "delivery_logistics":
            team = "物流专线"
        first = self._add(day, customer, product, branch, team, channel, written, (cause,) if cause else ())
        later = day + timedelta(days=int(self.rng.integers(1, 4)))
        if cause is not None and self.rng.random() < 0.12 and later <= self.end:
            self._add(
                later,
                customer,
                product,
                branch,
                team,
                "chat",
                self.writer.follow_up(written),
                (cause,),
                first,
            )

    def inject_issue(self, as_of: date, customers: list[Customer]) -> None:
        """The emerging issue: a growing number of 星河X1 quality complaints at one branch, last days."""
        spec = self.config["emerging_issue"]
        south = [
            c
            for c in customers
            if self.config["branches"][c.branch] == self.config["branches"][spec["branch"]]
        ]
        first_day = as_of - timedelta(days=spec["days"] - 1)
        ids = []
        for offset, count in enumerate(spec["per_day"]):
            for _ in range(count):
                customer = south[int(self.rng.integers(len(south)))]
                written = self.writer.issue_message()
                causes = (
                    ("product_quality", "expectation_gap") if "宣传" in written.text else ("product_quality",)
                )
                row = self._add(
                    first_day + timedelta(days=offset),
                    customer,
                    spec["product"],
                    spec["branch"],
                    "售后一组",
                    self._channel(),
                    written,
                    causes,
                )
                row["sku"] = spec["sku"]
                ids.append(row["message_id"])
        self.issue = {
            "key": {"cause": "product_quality", "product": spec["product"], "branch": spec["branch"]},
            "sku": spec["sku"],
            "start": first_day.isoformat(),
            "end": as_of.isoformat(),
            "message_ids": ids,
        }

    def _cause(self, family: str, day: date) -> str:
        mix = dict(self.config["cause_mix"][family])
        if "delivery_logistics" in mix and date(day.year, 11, 9) <= day <= date(day.year, 11, 20):
            mix["delivery_logistics"] *= 1.6  # 双十一 parcels pile up
        causes = [str(c) for c in mix]
        p = np.array(list(mix.values()), dtype=float)
        return causes[int(self.rng.choice(len(causes), p=p / p.sum()))]

    def _training_effect(self, day: date, cause: str) -> str | None:
        """The trained team: more attitude complaints before the training, fewer once it has taken hold."""
        training = next(a for a in actions() if a["type"] == "training")
        start = date.fromisoformat(training["start_date"])
        settled = start + timedelta(days=training["ramp_up_days"])
        if day < start:
            return "service_attitude" if self.rng.random() < 0.15 else cause
        progress = min(1.0, (day - start).days / max((settled - start).days, 1))
        if cause == "service_attitude" and self.rng.random() < 0.7 * progress:
            return None
        return cause

    def _team(self, family: str, customer: Customer, complaint: bool) -> str:
        if family == "finance":
            return "月付客服"
        if family == "store":
            return "门店服务"
        if not complaint:
            return "售前一组"
        return "售后一组" if int(customer.customer_id[1:]) % 2 else _TRAINED_TEAM

    def _channel(self) -> str:
        return self.channels[int(self.rng.choice(len(self.channels), p=self.channel_p))]

    def _add(
        self,
        day: date,
        customer: Customer,
        product: str,
        branch: str,
        team: str,
        channel: str,
        written: Written,
        causes: tuple[str, ...],
        follows: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        message_id = f"H{len(self.messages) + 1:06d}"
        minute = int(self.rng.integers(9 * 60, 23 * 60))
        at = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=CHINA)
        tenure = customer.tenure_at_start + (day - self.start).days
        agents = self.config["teams"][team]
        skus = self.config["products"][product]["skus"]
        row = {
            "message_id": message_id,
            "customer_id": customer.customer_id,
            "occurred_at": at.isoformat(),
            "channel": channel,
            "text": written.text,
            "speaker": "customer",
            "product": product,
            "sku": follows["sku"] if follows else skus[int(self.rng.integers(len(skus)))],
            "branch": branch,
            "region": self.config["branches"][branch],
            "team": team,
            "agent_id": follows["agent_id"] if follows else agents[int(self.rng.integers(len(agents)))],
            "segment": customer.segment,
            "tenure_days": max(tenure, 0),
            "new_or_returning": "new" if tenure < 90 else "returning",
        }
        self.messages.append(row)
        self.intended[message_id] = causes
        return row
