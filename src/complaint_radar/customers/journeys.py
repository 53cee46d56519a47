"""Seeded synthetic customer journeys (简体, 繁體, English) in the replay formats, with ground truth.

Three splits: `train` journeys (worded with the training phrase bank, training tempo) are what the profile
model is fitted on; `eval` journeys (a phrase bank written separately, another tempo) are what it is
reported on; `dev` journeys (a third phrase bank, the evaluation tempo) are what changes are checked on,
so that the held-out journeys are never read to decide one. Seeds are kept apart too (`TRAIN_SEEDS`,
`EVAL_SEEDS`, `DEV_SEEDS`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from complaint_radar.customers.journey_episodes import COMPLAINER_EPISODES
from complaint_radar.customers.journey_negatives import NEGATIVE_EPISODES
from complaint_radar.customers.journey_wording import SPLITS
from complaint_radar.customers.journey_writer import SHANGHAI, TEMPO, Customer, varied_tempo

# Archetype shares. Complainers escalate through behaviour, words or both, as quick escalators, slow
# burns, after a staff mistake or an unsatisfying closure, across channels, or inside a seasonal dip; a
# few file without warning. Those who never file include the hard negatives: a grumble resolved to
# satisfaction, a seasonal dip, a negated threat, a question about how to complain, silent churners,
# satisfied heavy users (many calls, waits and transfers, good ratings, still buying) and chronic
# grumblers (a remark every week, middling NPS, still buying), and one-off venters (one plain grumble,
# perhaps a poor rating, then nothing). Ordinary life for everyone includes the odd poor rating, long
# wait or bad call (journey_writer.background), so none of those alone means a complaint is coming.
ARCHETYPE_SHARES: dict[str, float] = {
    "behaviour_escalation": 0.06,
    "verbal_escalation": 0.06,
    "mixed_escalation": 0.05,
    "sudden_complaint": 0.03,
    "quick_escalator": 0.06,
    "slow_burn": 0.06,
    "staff_mistake": 0.05,
    "multichannel": 0.05,
    "seasonal_grievance": 0.04,
    "resolved_grumble": 0.07,
    "seasonal_dip": 0.05,
    "negated_threat": 0.04,
    "complaint_question": 0.05,
    "silent_churn": 0.05,
    "calm_regular": 0.08,
    "satisfied_heavy_user": 0.07,
    "chronic_grumbler": 0.07,
    "one_off_vent": 0.06,
}
COMPLAINING = frozenset(COMPLAINER_EPISODES)
TRAIN_SEEDS = (101, 102, 103, 104, 105, 106, 107, 108)
EVAL_SEEDS = (211, 212, 213)
DEV_SEEDS = (301, 302, 303)
JOURNEY_START = datetime(2025, 1, 1, tzinfo=UTC)
"""Where the fitter, the benchmarks and the tests start their journeys (one calendar for all)."""
PARTIAL_HISTORY_SHARE = 0.12
"""Customers first seen 10–40 days before their episode (newcomers: no long history to judge them by)."""
CATCHABLE_LEAD = timedelta(hours=24)


class Journeys(NamedTuple):
    """Replay inputs: message rows, event rows, and one truth row per customer."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    truth: list[dict[str, Any]]
    templates: dict[str, str]
    """Message id -> the phrase-bank template it was written from (`latent`, `remark`…): the reading a
    perfect reader would give, for studies of what message reading costs (never part of a replay)."""


def generate_journeys(
    n_customers: int,
    seed: int,
    start: datetime,
    *,
    split: str = "train",
    shares: Mapping[str, float] | None = None,
    tempo: str | None = None,
) -> Journeys:
    """`n_customers` journeys over `HISTORY_DAYS` from `start`; the same seed and split give the same rows.

    Each customer has a seeded generator of its own, so journey i does not depend on n_customers.
    Truth per customer: archetype, industry, language, split, whether and when they filed, when they
    first gave a warning (`warned_at`) and whether that was ≥ 24 h before filing (`catchable`).
    `tempo` names a split whose tempo every customer gets (by default: the split's own, and for `train`
    a tempo drawn per customer from `journey_writer.TRAIN_TEMPO_RANGE`): e.g. the training wording with
    the evaluation tempo, to tell what wording does from what timing does.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown journey split {split!r}; use one of {', '.join(SPLITS)}")
    if tempo is not None and tempo not in TEMPO:
        raise ValueError(f"unknown tempo {tempo!r}; use one of {', '.join(TEMPO)}")
    table = dict(shares or ARCHETYPE_SHARES)
    names, weights = list(table), list(table.values())
    out = Journeys([], [], [], {})
    for i in range(n_customers):
        rng = random.Random(f"{split}:{seed}:{i}")
        archetype = rng.choices(names, weights)[0]
        # Training customers each get a tempo of their own (a generator apart, so the journey's own draws
        # are the same whatever the tempo); an asked-for tempo, or another split's, is the same for all.
        pace = (
            varied_tempo(random.Random(f"tempo:{seed}:{i}")) if split == "train" and tempo is None else None
        )
        c = Customer(
            rng, f"c{seed}-{i:05d}", start.astimezone(SHANGHAI), split, pace or TEMPO[tempo or split]
        )
        partial = rng.random() < PARTIAL_HISTORY_SHARE
        if partial:
            c.join(c.t0 - timedelta(days=rng.uniform(10, 40)))
        filed: datetime | None = None
        if archetype in COMPLAINER_EPISODES:
            filed = COMPLAINER_EPISODES[archetype](c)
        else:
            NEGATIVE_EPISODES[archetype](c)
        c.background(filed)
        out.messages.extend(c.messages)
        out.events.extend(c.events)
        out.templates.update(c.templates)
        warned = c.warned_at if filed is not None and c.warned_at is not None else None
        out.truth.append(
            {
                "customer_id": c.customer_id,
                "archetype": archetype,
                "industry": c.industry,
                "language": c.language,
                "split": split,
                "partial_history": partial,
                "complained": filed is not None,
                "complaint_filed_at": filed.isoformat() if filed is not None else None,
                "warned_at": warned.isoformat() if warned is not None else None,
                "catchable": bool(filed and warned and warned <= filed - CATCHABLE_LEAD),
            }
        )
    out.messages.sort(key=lambda r: (r["occurred_at"], r["message_id"]))
    out.events.sort(key=lambda r: (r["occurred_at"], r["event_id"]))
    return out
