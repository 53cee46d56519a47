"""Benchmark: complaint pre-identification in memory (profile only, no store, no cases).

For each seed: generate journeys of the chosen split (evaluation by default), replay every message and
event in time order through the real Analyzer (profile recomputed after each item from the customer's
last 90 days), then report recall@24h of the catchable complainers, median lead time, precision of
*high*, and the Brier score, ECE and reliability of the 7-day probability; plus the profile's time per
call on a 50-item timeline. `bench/preidentify_store.py` measures the same through `replay`.

Run: .venv/bin/python bench/preidentify.py [--customers 400] [--seeds 201 202 203] [--split eval]
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from typing import Any

from complaint_radar import Analyzer
from complaint_radar.customers import BehaviourEvent, MessageSignal, compute_profile
from complaint_radar.customers.evaluation import (
    PreIdentificationReport,
    ProbabilityReport,
    evaluate,
    labelled_probabilities,
    probability_report,
    render_markdown,
    render_reliability,
)
from complaint_radar.customers.journey_wording import SPLITS
from complaint_radar.customers.journeys import EVAL_SEEDS, JOURNEY_START, generate_journeys
from complaint_radar.customers.replay import replay
from complaint_radar.types import Stage


def run_seed(
    analyzer: Analyzer, customers: int, seed: int, split: str
) -> tuple[PreIdentificationReport, ProbabilityReport, float]:
    journeys = generate_journeys(customers, seed, JOURNEY_START, split=split)
    began = time.perf_counter()
    result = replay(journeys.messages, journeys.events, lambda rows: list(analyzer.assess_many(rows)))
    seconds = time.perf_counter() - began
    rows: list[dict[str, Any]] = [r.as_dict() for r in result.rows]
    pairs = labelled_probabilities(rows, journeys.truth)
    return evaluate(rows, journeys.truth), probability_report(pairs), seconds


def profile_timing(repeats: int = 2000) -> float:
    """Microseconds per compute_profile call on a typical 50-item, 90-day timeline (best of 5 rounds,
    as timeit reports: the least disturbed by other load on the machine)."""
    now = JOURNEY_START + timedelta(days=90)
    messages = [
        MessageSignal(
            f"m{i}", now - timedelta(days=3 * i + 1), "chat", 40 + 5 * i, Stage.EXPLICIT_GRUMBLE, 0.8, False
        )
        for i in range(5)
    ]
    kinds = ("purchase", "login", "page_visit", "queue_wait", "call", "transaction_failed", "survey_csat")
    values: dict[str, float | str | None] = {
        "purchase": 88.0,
        "login": None,
        "page_visit": "home",
        "queue_wait": 35.0,
        "call": 6.0,
        "transaction_failed": None,
        "survey_csat": 4.0,
    }
    events = [
        BehaviourEvent(f"e{i}", now - timedelta(days=i * 1.9), kinds[i % 7], values[kinds[i % 7]], {})
        for i in range(45)
    ]
    samples = []
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(repeats // 5):
            compute_profile("c", messages, events, (), now)
        samples.append((time.perf_counter() - began) / (repeats // 5) * 1e6)
    return min(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(EVAL_SEEDS))
    parser.add_argument("--split", choices=SPLITS, default="eval")
    args = parser.parse_args()
    analyzer = Analyzer()
    for seed in args.seeds:
        report, probability, seconds = run_seed(analyzer, args.customers, seed, args.split)
        title = f"{args.split} seed {seed}, {args.customers} customers (replay {seconds:.0f} s)"
        print(render_markdown(report, title))
        print(render_reliability(probability))
    print(f"compute_profile on a 50-item timeline: {profile_timing():.0f} µs per call (best of 5 rounds)")


if __name__ == "__main__":
    main()
