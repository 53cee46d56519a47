"""Evaluation figures of a classifier on labelled texts: accuracy, F1, confusion, calibration, speed.

Pure numpy (no scikit-learn), so every figure can be recomputed by hand from a small fixture. Reports
are plain dicts (JSON-ready); `models/reports.py` renders them as JSON, Markdown and a reliability PNG.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

import numpy as np

N_BINS = 15
T = TypeVar("T")


def calibration_bins(
    confidence: np.ndarray, outcome: np.ndarray, n_bins: int = N_BINS
) -> list[dict[str, Any]]:
    """Equal-width bins over [0, 1] (bin b holds (b/n, (b+1)/n], bin 0 also holds 0): for each non-empty
    bin its edges, size, mean confidence and observed frequency of the outcome (the reliability diagram)."""
    conf = np.asarray(confidence, dtype=np.float64)
    hit = np.asarray(outcome, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    bins = []
    for b in range(n_bins):
        mask = index == b
        if mask.any():
            bins.append(
                {
                    "lower": round(float(edges[b]), 6),
                    "upper": round(float(edges[b + 1]), 6),
                    "count": int(mask.sum()),
                    "confidence": float(conf[mask].mean()),
                    "frequency": float(hit[mask].mean()),
                }
            )
    return bins


def expected_calibration_error(confidence: np.ndarray, outcome: np.ndarray, n_bins: int = N_BINS) -> float:
    """Σ over bins of (bin size / n) × |observed frequency − mean confidence|; 0.0 for no data."""
    n = len(confidence)
    if n == 0:
        return 0.0
    bins = calibration_bins(confidence, outcome, n_bins)
    return float(sum(b["count"] / n * abs(b["frequency"] - b["confidence"]) for b in bins))


def _prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _label_order(known: Sequence[str], *seen: Collection[str]) -> list[str]:
    """The model's labels in its order, then labels only the data has, sorted."""
    extra = sorted({s for group in seen for s in group} - set(known))
    return [*known, *extra]


def single_label_report(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    classes: Sequence[str],
    proba: np.ndarray | None = None,
    positive: str | None = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix (rows: true
    label, columns: predicted). With `proba` (columns in `classes` order): top-label calibration, and for
    two classes also the calibration of `positive` (default `classes[1]`)."""
    truth = [str(t) for t in y_true]
    pred = [str(p) for p in y_pred]
    if len(truth) != len(pred):
        raise ValueError(f"{len(truth)} true labels but {len(pred)} predictions")
    labels = _label_order([str(c) for c in classes], truth, pred)
    index = {c: i for i, c in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(truth, pred, strict=True):
        matrix[index[t], index[p]] += 1
    per_class: dict[str, dict[str, float]] = {}
    for i, label in enumerate(labels):
        tp = float(matrix[i, i])
        scores = _prf(tp, float(matrix[:, i].sum()) - tp, float(matrix[i, :].sum()) - tp)
        per_class[label] = {**scores, "support": int(matrix[i, :].sum())}
    # Macro-F1 over the model's classes and every label the data holds (a label no row has and no
    # prediction names would only add a meaningless 0).
    counted = [c for c in labels if per_class[c]["support"] or matrix[:, index[c]].sum()]
    n = len(truth)
    report: dict[str, Any] = {
        "kind": "single_label",
        "n": n,
        "labels": labels,
        "accuracy": float(np.trace(matrix)) / n if n else 0.0,
        "macro_f1": float(np.mean([per_class[c]["f1"] for c in counted])) if counted else 0.0,
        "per_class": per_class,
        "confusion_matrix": matrix.tolist(),
        "calibration": None,
    }
    if proba is not None and n:
        report["calibration"] = _single_label_calibration(truth, proba, [str(c) for c in classes], positive)
    return report


def _single_label_calibration(
    truth: list[str], proba: np.ndarray, classes: list[str], positive: str | None
) -> dict[str, Any]:
    proba = np.asarray(proba, dtype=np.float64)
    if proba.shape != (len(truth), len(classes)):
        raise ValueError(f"proba has shape {proba.shape}, expected ({len(truth)}, {len(classes)})")
    top = proba.argmax(axis=1)
    correct = np.array([classes[k] == t for k, t in zip(top, truth, strict=True)])
    confidence = proba.max(axis=1)
    out: dict[str, Any] = {
        "method": f"top label, {N_BINS} equal-width bins",
        "ece": expected_calibration_error(confidence, correct),
        "bins": calibration_bins(confidence, correct),
    }
    if len(classes) == 2:
        pos = positive if positive is not None else classes[1]
        p = proba[:, classes.index(pos)]
        is_pos = np.array([t == pos for t in truth])
        out["positive_class"] = pos
        out["positive_ece"] = expected_calibration_error(p, is_pos)
        out["positive_bins"] = calibration_bins(p, is_pos)
    return out


def multi_label_report(
    true_sets: Sequence[Collection[str]],
    pred_sets: Sequence[Collection[str]],
    labels: Sequence[str],
    scores: np.ndarray | None = None,
) -> dict[str, Any]:
    """Micro- and macro-F1, per-label precision/recall/F1/support, exact-match accuracy, Hamming loss and
    a 2×2 confusion (tp, fp, fn, tn) per label. With `scores` (n × labels, probabilities): calibration of
    every (text, label) decision, each score read as the probability that the label applies."""
    truth = [{str(x) for x in s} for s in true_sets]
    pred = [{str(x) for x in s} for s in pred_sets]
    if len(truth) != len(pred):
        raise ValueError(f"{len(truth)} true label sets but {len(pred)} predictions")
    order = _label_order([str(c) for c in labels], *truth, *pred)
    n = len(truth)
    Y = np.array([[c in s for c in order] for s in truth], dtype=bool).reshape(n, len(order))
    P = np.array([[c in s for c in order] for s in pred], dtype=bool).reshape(n, len(order))
    tp = (Y & P).sum(axis=0).astype(float)
    fp = (~Y & P).sum(axis=0).astype(float)
    fn = (Y & ~P).sum(axis=0).astype(float)
    tn = (~Y & ~P).sum(axis=0).astype(int)
    per_label: dict[str, dict[str, float]] = {}
    confusion: dict[str, dict[str, int]] = {}
    for i, label in enumerate(order):
        per_label[label] = {**_prf(tp[i], fp[i], fn[i]), "support": int(Y[:, i].sum())}
        confusion[label] = {"tp": int(tp[i]), "fp": int(fp[i]), "fn": int(fn[i]), "tn": int(tn[i])}
    counted = [c for c in order if per_label[c]["support"] or confusion[c]["fp"]]
    micro = _prf(float(tp.sum()), float(fp.sum()), float(fn.sum()))
    sample_f1 = [
        (2 * len(t & p) / (len(t) + len(p))) if (t or p) else 1.0 for t, p in zip(truth, pred, strict=True)
    ]
    report: dict[str, Any] = {
        "kind": "multi_label",
        "n": n,
        "labels": order,
        "accuracy": float(np.mean([t == p for t, p in zip(truth, pred, strict=True)])) if n else 0.0,
        "micro_precision": micro["precision"],
        "micro_recall": micro["recall"],
        "micro_f1": micro["f1"],
        "macro_f1": float(np.mean([per_label[c]["f1"] for c in counted])) if counted else 0.0,
        "samples_f1": float(np.mean(sample_f1)) if n else 0.0,
        "hamming_loss": float((Y != P).mean()) if Y.size else 0.0,
        "label_cardinality": {
            "true": float(Y.sum()) / n if n else 0.0,
            "predicted": float(P.sum()) / n if n else 0.0,
        },
        "per_class": per_label,
        "confusion": confusion,
        "calibration": None,
    }
    if scores is not None and n:
        S = np.asarray(scores, dtype=np.float64)
        if S.shape != (n, len(labels)):
            raise ValueError(f"scores have shape {S.shape}, expected ({n}, {len(labels)})")
        outcome = Y[:, : len(labels)]
        report["calibration"] = {
            "method": f"every (text, label) pair, {N_BINS} equal-width bins",
            "ece": expected_calibration_error(S.ravel(), outcome.ravel()),
            "bins": calibration_bins(S.ravel(), outcome.ravel()),
        }
    return report


def timed(
    predict: Callable[[list[str]], T], texts: Sequence[str], batch_size: int = 1000
) -> tuple[list[T], dict[str, Any]]:
    """`predict` applied to `texts` in batches (one pass, this process): the per-batch results and the
    throughput (texts, seconds, texts/s)."""
    items = list(texts)
    results: list[T] = []
    start = time.perf_counter()
    for i in range(0, len(items), batch_size):
        results.append(predict(items[i : i + batch_size]))
    seconds = time.perf_counter() - start
    speed = {
        "texts": len(items),
        "seconds": round(seconds, 4),
        "texts_per_s": round(len(items) / seconds, 1) if seconds > 0 else None,
        "batch_size": batch_size,
    }
    return results, speed
