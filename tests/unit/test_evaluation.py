"""Evaluation figures recomputed by hand on tiny fixtures, and the reports written from them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score  # type: ignore[import-untyped]

from complaint_radar.models.evaluation import (
    calibration_bins,
    expected_calibration_error,
    multi_label_report,
    single_label_report,
    timed,
)
from complaint_radar.models.reports import markdown, summary, write_reports

# true a a a b b c; predicted a a b b c c (argmax of PROBA); confidences .9 .62 .62 .82 .7 .9 fall in
# the 15 equal-width bins 13, 9, 9, 12, 10, 13 (no value on a bin edge).
TRUE = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "a", "b", "b", "c", "c"]
PROBA = np.array(
    [
        [0.90, 0.05, 0.05],
        [0.62, 0.28, 0.10],
        [0.28, 0.62, 0.10],
        [0.08, 0.82, 0.10],
        [0.10, 0.20, 0.70],
        [0.00, 0.10, 0.90],
    ]
)


def test_single_label_figures_match_hand_computation() -> None:
    r = single_label_report(TRUE, PRED, ["a", "b", "c"], PROBA)
    assert r["accuracy"] == pytest.approx(4 / 6)
    assert r["confusion_matrix"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    a, b, c = (r["per_class"][k] for k in "abc")
    assert (a["precision"], a["recall"], a["f1"], a["support"]) == pytest.approx((1.0, 2 / 3, 0.8, 3))
    assert (b["precision"], b["recall"], b["f1"], b["support"]) == pytest.approx((0.5, 0.5, 0.5, 2))
    assert (c["precision"], c["recall"], c["f1"], c["support"]) == pytest.approx((0.5, 1.0, 2 / 3, 1))
    assert r["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    # bins: 13 {.9 ✓, .9 ✓} gap .1; 9 {.62 ✓, .62 ✗} gap .12; 12 {.82 ✓} gap .18; 10 {.7 ✗} gap .7
    assert r["calibration"]["ece"] == pytest.approx((2 * 0.1 + 2 * 0.12 + 0.18 + 0.7) / 6)
    assert [b["count"] for b in r["calibration"]["bins"]] == [2, 1, 1, 2]


def test_binary_reports_calibration_of_the_positive_class() -> None:
    proba_pos = np.array([0.9, 0.22, 0.55, 0.45])
    proba = np.stack([1 - proba_pos, proba_pos], axis=1)
    r = single_label_report(["pos", "neg", "pos", "neg"], ["pos", "neg", "pos", "neg"], ["neg", "pos"], proba)
    assert r["calibration"]["positive_class"] == "pos"
    # outcome 1 at .9 (gap .1), 0 at .22 (.22), 1 at .55 (.45), 0 at .45 (.45)
    assert r["calibration"]["positive_ece"] == pytest.approx((0.1 + 0.22 + 0.45 + 0.45) / 4)
    assert r["accuracy"] == 1.0


def test_macro_f1_agrees_with_scikit_learn_on_random_labels() -> None:
    rng = np.random.default_rng(0)
    truth = list(rng.choice(["x", "y", "z"], 300))
    pred = list(rng.choice(["x", "y", "z"], 300))
    r = single_label_report(truth, pred, ["x", "y", "z"])
    assert r["macro_f1"] == pytest.approx(f1_score(truth, pred, average="macro"))


def test_labels_the_model_does_not_know_are_counted_as_errors() -> None:
    r = single_label_report(["a", "new"], ["a", "a"], ["a", "b"])
    assert r["labels"] == ["a", "b", "new"]
    assert r["per_class"]["new"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    # b is neither true nor predicted anywhere: it is left out of the macro average
    assert r["macro_f1"] == pytest.approx((2 / 3 + 0.0) / 2)


def test_multi_label_figures_match_hand_computation() -> None:
    truth = [{"A"}, {"A", "B"}, {"B"}, {"C"}]
    pred = [{"A"}, {"A"}, {"B", "C"}, set()]
    Y = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    r = multi_label_report(truth, pred, ["A", "B", "C"], np.where(Y, 0.9, 0.1))
    assert r["micro_precision"] == pytest.approx(3 / 4)
    assert r["micro_recall"] == pytest.approx(3 / 5)
    assert r["micro_f1"] == pytest.approx(2 / 3)
    assert r["macro_f1"] == pytest.approx((1.0 + 2 / 3 + 0.0) / 3)
    assert r["accuracy"] == pytest.approx(0.25)
    assert r["hamming_loss"] == pytest.approx(3 / 12)
    assert r["samples_f1"] == pytest.approx((1 + 2 / 3 + 2 / 3 + 0) / 4)
    assert r["confusion"]["C"] == {"tp": 0, "fp": 1, "fn": 1, "tn": 2}
    # every score is .9 where the label applies and .1 where not: each bin is off by .1
    assert r["calibration"]["ece"] == pytest.approx(0.1)


def test_calibration_bins_put_edges_in_the_lower_bin() -> None:
    bins = calibration_bins(np.array([0.0, 1 / 15, 0.5, 1.0]), np.array([0, 0, 1, 1]))
    assert [(b["lower"], b["count"]) for b in bins] == [
        (0.0, 2),
        (round(7 / 15, 6), 1),
        (round(14 / 15, 6), 1),
    ]
    assert expected_calibration_error(np.array([]), np.array([])) == 0.0


def test_timed_returns_results_in_order_and_a_rate() -> None:
    results, speed = timed(lambda batch: [t.upper() for t in batch], ["a", "b", "c"], batch_size=2)
    assert results == [["A", "B"], ["C"]]
    assert speed["texts"] == 3 and speed["batch_size"] == 2


def test_reports_write_json_markdown_and_a_png(tmp_path: Path) -> None:
    report = single_label_report(TRUE, PRED, ["a", "b", "c"], PROBA)
    paths = write_reports(report, tmp_path, "tiny")
    assert [p.name for p in paths] == ["metrics.json", "metrics.md", "reliability.png"]
    assert json.loads(paths[0].read_text(encoding="utf-8"))["confusion_matrix"] == [
        [2, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
    ]
    text = paths[1].read_text(encoding="utf-8")
    assert "| a | 1.0000 | 0.6667 | 0.8000 | 3 |" in text and "Expected calibration error 0.2200" in text
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert summary(report)["ece"] == pytest.approx(0.22)


def test_multi_label_markdown_lists_the_per_label_confusion() -> None:
    r = multi_label_report([{"A"}], [{"A", "B"}], ["A", "B"])
    text = markdown(r, "t")
    assert "| B | 0.0000 | 0.0000 | 0.0000 | 0 | 0 | 1 | 0 | 0 |" in text
    assert "No probabilities" in text
