"""Events, daily metrics and improvement actions of the demo history (see history.py).

Events use the ingestion columns `event_id, customer_id, occurred_at, kind, value, attributes` plus the
dimension columns. Kinds: `purchase` (value: amount), `survey_csat` (1–5; attributes `survey`:
`post_contact`, `message_id`), `survey_nps` (0–10), `queue_wait` (minutes at a store) and the proposed
`survey_servqual`: one row per answered item, value = perception (1–7), attributes `item`, `dimension`
(SPEC.md §7.8), `expectation`, `perception`, `respondent`. Metrics: `date, metric, value` + dimensions
(`orders` per product and branch, `active_customers` per branch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np

CHINA = timezone(timedelta(hours=8))
_PRICE = {
    "phone": 3200,
    "computer": 5600,
    "audio": 600,
    "appliance": 900,
    "fresh": 180,
    "clothing": 700,
    "finance": 1500,
}
ORDERS_PER_DAY = 900.0
"""Orders on an ordinary weekday at scale 1, spread over products and branches."""


@dataclass(frozen=True)
class Customer:
    customer_id: str
    segment: str
    branch: str
    tenure_at_start: int
    activity: float


def actions() -> list[dict[str, Any]]:
    """The two improvement actions (SPEC.md §7.9): a training that works and a notice change that does not."""
    return [
        {
            "action_id": "ACT-1",
            "title": "售后二组服务礼仪与情绪安抚培训",
            "type": "training",
            "fishbone_category": "man",
            "root_cause": "售后二组新人多，面对抱怨时缺少安抚话术，态度类投诉偏高",
            "owner": "王敏（售后服务主管）",
            "start_date": "2026-08-17",
            "ramp_up_days": 14,
            "baseline_start": "2026-07-06",
            "baseline_end": "2026-08-16",
            "evaluation_start": "2026-08-31",
            "evaluation_end": "2026-10-11",
            "target_metric": "cause_rate:service_attitude",
            "target_filters": {"team": "售后二组"},
            "target_value": 0.5,
            "status": "done",
            "issue_id": None,
        },
        {
            "action_id": "ACT-2",
            "title": "发货延迟短信提醒上线",
            "type": "communication",
            "fishbone_category": "method",
            "root_cause": "发货延迟时客户得不到通知，只能反复询问",
            "owner": "李强（物流运营）",
            "start_date": "2026-09-07",
            "ramp_up_days": 14,
            "baseline_start": "2026-07-13",
            "baseline_end": "2026-09-06",
            "evaluation_start": "2026-09-21",
            "evaluation_end": "2026-11-15",
            "target_metric": "cause_rate:delivery_logistics",
            "target_filters": {},
            "target_value": 0.7,
            "status": "done",
            "issue_id": None,
        },
    ]


def events(
    rng: np.random.Generator,
    config: dict[str, Any],
    messages: Sequence[dict[str, Any]],
    customers: Sequence[Customer],
    start: date,
    end: date,
) -> list[dict[str, Any]]:
    """Purchases, post-contact CSAT, NPS, SERVQUAL answers and store queue waits."""
    out: list[dict[str, Any]] = []

    def add(
        customer: str, at: datetime, kind: str, value: float, attributes: dict[str, Any], **dims: Any
    ) -> None:
        out.append(
            {
                "event_id": f"E{len(out) + 1:06d}",
                "customer_id": customer,
                "occurred_at": at.isoformat(),
                "kind": kind,
                "value": value,
                "attributes": attributes,
                **dims,
            }
        )

    span = (end - start).days
    first_contact: dict[str, dict[str, Any]] = {}
    complained: set[str] = set()
    for m in messages:
        first_contact.setdefault(m["customer_id"], m)
        if m["channel"] != "survey" and _is_complaint(m):
            complained.add(m["customer_id"])
    products = config["products"]
    for row in customers:
        seen = first_contact.get(row.customer_id)
        product = seen["product"] if seen else list(products)[int(rng.integers(len(products)))]
        family = products[product]["family"]
        region = config["branches"][row.branch]
        dims = {"product": product, "branch": row.branch, "region": region, "segment": row.segment}
        buys = 1 + int(rng.poisson(0.35 if row.customer_id in complained else 0.6))
        for _ in range(buys):
            at = _moment(rng, start + timedelta(days=int(rng.integers(0, span + 1))))
            amount = round(float(rng.gamma(4.0, _PRICE[family] / 4.0)), 2)
            skus = products[product]["skus"]
            add(row.customer_id, at, "purchase", amount, {"sku": skus[int(rng.integers(len(skus)))]}, **dims)
    for m in messages:
        if rng.random() < 0.12:
            at = datetime.fromisoformat(m["occurred_at"]) + timedelta(hours=int(rng.integers(1, 30)))
            if at.date() <= end:
                score = _csat(rng, m, _is_complaint(m))
                add(
                    m["customer_id"],
                    at,
                    "survey_csat",
                    score,
                    {"survey": "post_contact", "message_id": m["message_id"]},
                    team=m["team"],
                    agent_id=m["agent_id"],
                    product=m["product"],
                    branch=m["branch"],
                    region=m["region"],
                )
    for row in _sample(rng, customers, 420):
        nps = int(np.clip(round(rng.normal(6.8 if row.customer_id in complained else 8.2, 2.0)), 0, 10))
        add(
            row.customer_id,
            _moment(rng, start + timedelta(days=int(rng.integers(0, span + 1)))),
            "survey_nps",
            nps,
            {},
            branch=row.branch,
            region=config["branches"][row.branch],
            segment=row.segment,
        )
    _servqual(rng, config, customers, start, span, add)
    for _ in range(300):
        branch = list(config["branches"])[int(rng.integers(len(config["branches"])))]
        day = start + timedelta(days=int(rng.integers(0, span + 1)))
        minutes = round(float(rng.gamma(3.0, 6.0 if day.weekday() < 5 else 11.0)), 1)
        customer = customers[int(rng.integers(len(customers)))].customer_id
        add(
            customer,
            _moment(rng, day),
            "queue_wait",
            minutes,
            {},
            branch=branch,
            region=config["branches"][branch],
        )
    return out


def metrics(
    rng: np.random.Generator,
    config: dict[str, Any],
    start: date,
    end: date,
    scale: float,
    day_of_week: Sequence[float],
    peak_factor: Callable[[date], float],
) -> list[dict[str, Any]]:
    """Daily `orders` per product and branch and `active_customers` per branch: the rates' denominators."""
    products = config["products"]
    branches = config["branches"]
    branch_share = 1.0 / len(branches)
    rows: list[dict[str, Any]] = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        level = ORDERS_PER_DAY * scale * day_of_week[day.weekday()] * peak_factor(day) ** 1.3
        for branch, region in branches.items():
            active = 0
            for product, spec in products.items():
                orders = int(rng.poisson(level * spec["weight"] * branch_share))
                active += orders
                rows.append(
                    {
                        "date": day.isoformat(),
                        "metric": "orders",
                        "value": orders,
                        "product": product,
                        "branch": branch,
                        "region": region,
                    }
                )
            rows.append(
                {
                    "date": day.isoformat(),
                    "metric": "active_customers",
                    "value": int(active * 3.2),
                    "branch": branch,
                    "region": region,
                }
            )
    return rows


def _is_complaint(message: dict[str, Any]) -> bool:
    return bool(message["team"] != "售前一组")


def _sample(rng: np.random.Generator, customers: Sequence[Customer], n: int) -> list[Customer]:
    chosen = rng.choice(len(customers), size=min(n, len(customers)), replace=False)
    return [customers[int(i)] for i in sorted(chosen)]


def _csat(rng: np.random.Generator, message: dict[str, Any], complaint: bool) -> int:
    mean = 3.0 if complaint else 4.5
    if message["team"] == "售后二组" and message["occurred_at"] < "2026-08-31":
        mean -= 0.5
    return int(np.clip(round(rng.normal(mean, 0.9)), 1, 5))


def _servqual(
    rng: np.random.Generator,
    config: dict[str, Any],
    customers: Sequence[Customer],
    start: date,
    span: int,
    add: Callable[..., None],
) -> None:
    for n, row in enumerate(_sample(rng, customers, 110)):
        at = _moment(rng, start + timedelta(days=int(rng.integers(0, span + 1))))
        for item, spec in config["servqual"].items():
            expectation = int(np.clip(round(rng.normal(spec["expectation"], 0.7)), 1, 7))
            perception = int(np.clip(round(rng.normal(spec["perception"], 0.9)), 1, 7))
            add(
                row.customer_id,
                at,
                "survey_servqual",
                perception,
                {
                    "item": item,
                    "dimension": spec["dimension"],
                    "expectation": expectation,
                    "perception": perception,
                    "respondent": f"S{n + 1:04d}",
                },
                branch=row.branch,
                region=config["branches"][row.branch],
                segment=row.segment,
            )


def _moment(rng: np.random.Generator, day: date) -> datetime:
    minute = int(rng.integers(9 * 60, 22 * 60))
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=CHINA)
