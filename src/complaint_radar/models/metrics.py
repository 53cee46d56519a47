"""Held-out quality metrics shared by training and the quality benchmark (accuracy, F1, ECE)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score  # type: ignore[import-untyped]


def expected_calibration_error(proba: np.ndarray, y_true: np.ndarray, n_bins: int = 15) -> float:
    """Top-label ECE: |accuracy − confidence| averaged over equal-width confidence bins, weighted by size."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_true
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            total += mask.mean() * abs(float(correct[mask].mean()) - float(confidence[mask].mean()))
    return float(total)


def classification_summary(
    y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str], proba: np.ndarray | None = None
) -> dict[str, float]:
    """Accuracy, macro-F1, per-class F1 (`f1_<class>`) and, given probabilities, ECE."""
    truth = np.asarray(y_true)
    pred = np.asarray(y_pred)
    per_class = f1_score(truth, pred, labels=list(classes), average=None, zero_division=0)
    out: dict[str, float] = {
        "n": float(len(truth)),
        "accuracy": float(accuracy_score(truth, pred)),
        "macro_f1": float(np.mean(per_class)),
    }
    for name, value in zip(classes, per_class, strict=True):
        out[f"f1_{name}"] = float(value)
    if proba is not None:
        index = {c: i for i, c in enumerate(classes)}
        out["ece"] = expected_calibration_error(proba, np.array([index[t] for t in truth]))
    return {k: round(v, 4) for k, v in out.items()}
