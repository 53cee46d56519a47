"""Seeded synthetic customer journeys (Chinese, some English) in the replay formats, with ground truth."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from complaint_radar.customers.journey_episodes import EPISODES
from complaint_radar.customers.journey_writer import SHANGHAI, Customer

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
        writer = Customer(rng, f"c{seed}-{i:05d}", start.astimezone(SHANGHAI))
        filed = EPISODES[archetype](writer)
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
