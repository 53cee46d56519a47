"""bench/preidentify_store.py compares two engines at equal precision from each customer's peak 7-day
probability (`model_fit.peak_curve`, `FlagCurve.best_recall`): the peaks must score a cut-off exactly as
re-flagging the rows and `evaluate` do."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest
from tests.unit.bench_modules import load_bench

from complaint_radar.customers.evaluation import evaluate
from complaint_radar.customers.model_fit import FlagCurve


@pytest.fixture(scope="module")
def store() -> ModuleType:
    return load_bench("preidentify_store")


FILED = "2025-03-10T12:00:00+00:00"
TRUTH: list[dict[str, Any]] = [
    {
        "customer_id": "a",
        "complained": True,
        "catchable": True,
        "complaint_filed_at": "2025-03-10T12:00:00+00:00",
    },
    {
        "customer_id": "b",
        "complained": True,
        "catchable": True,
        "complaint_filed_at": "2025-03-10T12:00:00+00:00",
    },
    {
        "customer_id": "c",
        "complained": True,
        "catchable": False,
        "complaint_filed_at": "2025-03-10T12:00:00+00:00",
    },
    {"customer_id": "d", "complained": False},
    {"customer_id": "e", "complained": False},
]
ROWS: list[dict[str, Any]] = [
    {"customer_id": "a", "at": "2025-03-08T12:00:00+00:00", "complaint_probability_7d": 0.9},  # early
    {"customer_id": "b", "at": "2025-03-08T12:00:00+00:00", "complaint_probability_7d": 0.5},
    {"customer_id": "b", "at": "2025-03-10T06:00:00+00:00", "complaint_probability_7d": 0.95},  # late
    {"customer_id": "b", "at": "2025-03-11T06:00:00+00:00", "complaint_probability_7d": 1.0},  # filed
    {"customer_id": "c", "at": "2025-03-10T08:00:00+00:00", "complaint_probability_7d": 0.7},
    {"customer_id": "d", "at": "2025-03-05T08:00:00+00:00", "complaint_probability_7d": 0.6},
    {"customer_id": "e", "at": "2025-03-05T08:00:00+00:00", "complaint_probability_7d": 0.2},
]


def test_peaks_score_a_cut_off_as_evaluate_does(store: ModuleType) -> None:
    curve = store.peak_probabilities([(ROWS, TRUTH)])
    early, before, anywhere = curve.early, curve.before, curve.anywhere
    assert sorted(early) == [0.5, 0.9]
    assert sorted(before) == [0.7, 0.9, 0.95]
    assert sorted(anywhere) == [0.2, 0.6]
    for cut in (0.3, 0.55, 0.65, 0.8, 0.92):
        flagged = [
            {**r, "risk_level": "high" if r["complaint_probability_7d"] >= cut else "low"} for r in ROWS
        ]
        report = evaluate(flagged, TRUTH)
        hits = sum(p >= cut for p in before)
        alarms = sum(p >= cut for p in anywhere)
        assert report.flagged_before_filing == hits
        assert report.false_alarms == alarms
        assert report.recall_at_lead == sum(p >= cut for p in early) / len(early)


def test_best_recall_keeps_to_the_precision_target(store: ModuleType) -> None:
    """The lowest cut-off with the best recall at that precision; nothing when no cut-off reaches it."""
    peaks = store.peak_probabilities([(ROWS, TRUTH)])
    # At 0.6 and below d is a false alarm (3 hits, 1 alarm: 0.75); from 0.7 on, precision is 1 and only
    # a is flagged early.
    assert peaks.best_recall(0.9) == (0.5, 1.0, 0.7, 0)
    recall, precision, cut, alarms = peaks.best_recall(0.7)
    assert (recall, precision, cut, alarms) == (1.0, 0.75, 0.5, 1)
    unreachable = FlagCurve(np.array([0.4]), np.array([0.4]), np.array([0.5, 0.6]))
    assert unreachable.best_recall(0.9) == (0.0, 1.0, 1.0, 0)
