"""Fitting the 7-day complaint model on replayed training journeys (offline; never at run time).

Rows are profile computations (one per replayed item) before the customer's filing; the label says
whether they filed within 7 days. Here: the rows as arrays, the customer-level flag curve and the *high*
cut-off chosen on out-of-fold probabilities (the best early recall of the catchable complainers at the
precision target), the per-fold figures, and the earlier model form, an L2-regularised logistic
regression with every weight ≥ 0 and Platt calibration (kept for comparison: bench/preidentify_misses.py).
The bundled model's trees are fitted in customers.boosting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from scipy.optimize import minimize  # type: ignore[import-untyped]
from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]

from complaint_radar.customers.evaluation import HORIZON, probability_report, truthy
from complaint_radar.customers.timeline import parse_time

LEAD = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """One profile computation of a replay: who, when (POSIX seconds), its features, whether the
    filed-complaint rule set its probability to 1 (those rows are flags, but not fitted on), and the
    probability the profile showed."""

    customer_id: str
    at: float
    features: Mapping[str, float]
    filed_rule: bool = False
    live_probability: float | None = None
    """The probability the replayed profile showed (stage floor and filed rule included); diagnostics."""


@dataclass
class Dataset:
    """The fitted-on rows as arrays, with each row's customer and time for customer-level metrics."""

    names: list[str]
    x: np.ndarray
    y: np.ndarray
    customers: np.ndarray
    at: np.ndarray
    ruled: np.ndarray
    truth: dict[str, Mapping[str, object]] = field(default_factory=dict)


def build_dataset(rows: Sequence[ProfileRow], truth: Sequence[Mapping[str, object]]) -> Dataset:
    """Rows before each customer's filing; label 1 when they filed within 7 days after the row."""
    by_customer = {str(t["customer_id"]): t for t in truth}
    filed = {
        c: parse_time(str(t["complaint_filed_at"]), what="complaint_filed_at").timestamp()
        for c, t in by_customer.items()
        if truthy(t.get("complained"))
    }
    kept = [r for r in rows if r.customer_id not in filed or r.at < filed[r.customer_id]]
    names = sorted({name for r in kept for name in r.features})
    index = {name: i for i, name in enumerate(names)}
    x = np.zeros((len(kept), len(names)))
    for i, r in enumerate(kept):
        for name, value in r.features.items():
            x[i, index[name]] = value
    horizon = HORIZON.total_seconds()
    y = np.array([int(r.customer_id in filed and filed[r.customer_id] - r.at <= horizon) for r in kept])
    return Dataset(
        names,
        x,
        y,
        np.array([r.customer_id for r in kept]),
        np.array([r.at for r in kept]),
        np.array([r.filed_rule for r in kept]),
        by_customer,
    )


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float) -> tuple[float, np.ndarray]:
    """(intercept, weights ≥ 0) minimising mean log-loss + ‖w‖² / (2 c n) on standardised columns."""
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = x / scale
    n, k = z.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, w = theta[0], theta[1:]
        t = b + z @ w
        p = 1.0 / (1.0 + np.exp(-t))
        value = float(np.sum(np.logaddexp(0.0, t) - y * t)) / n + float(w @ w) / (2.0 * c * n)
        residual = (p - y) / n
        grad = np.concatenate(([residual.sum()], z.T @ residual + w / (c * n)))
        return value, grad

    start = np.zeros(k + 1)
    start[0] = math.log(max(y.mean(), 1e-6) / max(1.0 - y.mean(), 1e-6))
    bounds = [(None, None)] + [(0.0, None)] * k
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000})
    return float(result.x[0]), result.x[1:] / scale


def log_loss(y: np.ndarray, logit: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, logit) - y * logit))


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """Out-of-fold log-odds of the chosen regularisation, and the mean ± sd log-loss per candidate."""

    c: float
    oof_logit: np.ndarray
    scores: dict[float, tuple[float, float]]
    folds: int


def cross_validate(data: Dataset, cs: Sequence[float], folds: int = 5) -> CrossValidation:
    """Grouped k-fold (by customer) over the regularisation candidates; the best mean log-loss wins."""
    fit_rows = ~data.ruled
    x, y, groups = data.x[fit_rows], data.y[fit_rows], data.customers[fit_rows]
    splitter = GroupKFold(n_splits=folds)
    scores: dict[float, tuple[float, float]] = {}
    oof: dict[float, np.ndarray] = {}
    for c in cs:
        logit = np.zeros(len(y))
        losses = []
        for train, test in splitter.split(x, y, groups):
            b, w = fit_logistic(x[train], y[train], c)
            logit[test] = b + x[test] @ w
            losses.append(log_loss(y[test], logit[test]))
        scores[c] = (float(np.mean(losses)), float(np.std(losses)))
        oof[c] = logit
    best = min(cs, key=lambda c: scores[c][0])
    full = np.zeros(len(data.y))
    full[fit_rows] = oof[best]
    return CrossValidation(best, full, scores, folds)


def platt(logit: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(slope > 0, intercept) of σ(slope · logit + intercept) fitted to the labels."""

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        t = theta[0] * logit + theta[1]
        p = 1.0 / (1.0 + np.exp(-t))
        r = (p - y) / len(y)
        return float(np.mean(np.logaddexp(0.0, t) - y * t)), np.array([r @ logit, r.sum()])

    result = minimize(
        loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B", bounds=[(1e-3, None), (None, None)]
    )
    return float(result.x[0]), float(result.x[1])


@dataclass(frozen=True, slots=True)
class FlagCurve:
    """Per-customer maxima of the probability: ≥ 24 h before filing (catchable complainers), before
    filing (complainers), anywhere (others); a threshold's metrics follow by comparison."""

    early: np.ndarray
    before: np.ndarray
    anywhere: np.ndarray

    def at(self, threshold: float) -> tuple[float, float, int, int]:
        """(recall of the catchable at 24 h, precision of high, hits before filing, false alarms)."""
        recall = float(np.mean(self.early >= threshold)) if len(self.early) else 0.0
        hits = int(np.sum(self.before >= threshold))
        alarms = int(np.sum(self.anywhere >= threshold))
        precision = hits / (hits + alarms) if hits + alarms else 1.0
        return recall, precision, hits, alarms

    def best_recall(self, target: float) -> tuple[float, float, float, int]:
        """(recall@24h, precision, cut-off, false alarms) at the lowest positive cut-off with the best
        recall whose precision ≥ `target`; (0, 1, 1, 0) when no cut-off flags a catchable complainer so."""
        cuts = np.unique(np.concatenate([self.early, self.before, self.anywhere]))
        cuts = cuts[cuts > 0.0]

        def at_or_above(values: np.ndarray) -> np.ndarray:
            return len(values) - np.searchsorted(np.sort(values), cuts, side="left")

        recall = at_or_above(self.early) / len(self.early) if len(self.early) else np.zeros(len(cuts))
        hits, alarms = at_or_above(self.before), at_or_above(self.anywhere)
        flagged = hits + alarms
        precision = np.divide(hits, flagged, out=np.ones(len(cuts)), where=flagged > 0)
        reaching = np.where(precision >= target, recall, 0.0)
        if not len(cuts) or reaching.max() <= 0.0:
            return 0.0, 1.0, 1.0, 0
        i = int(np.argmax(reaching))
        return float(recall[i]), float(precision[i]), float(cuts[i]), int(alarms[i])


def flag_curve(data: Dataset, probability: np.ndarray) -> FlagCurve:
    return peak_curve(data.truth, data.customers, data.at, probability)


def peak_curve(
    truth: Mapping[str, Mapping[str, object]],
    customers: Iterable[str],
    at: Iterable[float],
    probability: Iterable[float],
) -> FlagCurve:
    """Each customer's peak probability over their rows (`at`: POSIX seconds): ≥ 24 h before filing for the
    catchable complainers, before filing for every complainer, anywhere for the others (`truth` by
    customer id; rows of customers not in it are ignored)."""
    early: dict[str, float] = {}
    before: dict[str, float] = {}
    anywhere: dict[str, float] = {}
    for customer, t in truth.items():
        if truthy(t.get("complained")):
            before[customer] = 0.0
            if truthy(t.get("catchable")):
                early[customer] = 0.0
        else:
            anywhere[customer] = 0.0
    lead = LEAD.total_seconds()
    filed = {
        c: parse_time(str(t["complaint_filed_at"]), what="complaint_filed_at").timestamp()
        for c, t in truth.items()
        if truthy(t.get("complained"))
    }
    for customer, when, p in zip(customers, at, probability, strict=True):
        if customer in before:
            if when < filed[customer]:
                before[customer] = max(before[customer], p)
            if customer in early and when <= filed[customer] - lead:
                early[customer] = max(early[customer], p)
        elif customer in anywhere:
            anywhere[customer] = max(anywhere[customer], p)
    return FlagCurve(
        np.array(list(early.values())), np.array(list(before.values())), np.array(list(anywhere.values()))
    )


def choose_high_cutoff(curve: FlagCurve, precision_target: float) -> float:
    """The probability cut-off of *high*: best early recall with precision ≥ target (highest cut-off
    among ties); the best F1 when no cut-off reaches the target."""
    candidates = np.unique(np.concatenate([curve.early, curve.before, curve.anywhere, [0.5]]))
    candidates = candidates[(candidates > 0.01) & (candidates < 0.99)]
    best: tuple[float, float] | None = None
    fallback: tuple[float, float] = (-1.0, 0.5)
    for threshold in candidates:
        recall, precision, _, _ = curve.at(float(threshold))
        if precision >= precision_target and (best is None or recall >= best[0]):
            best = (recall, float(threshold))
        f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
        if f1 >= fallback[0]:
            fallback = (f1, float(threshold))
    return best[1] if best is not None else fallback[1]


def fold_metrics(
    data: Dataset, probability: np.ndarray, high: float, folds: int
) -> dict[str, tuple[float, float]]:
    """Mean ± sd over the cross-validation folds (the same customer groups) of the out-of-fold
    figures at the chosen *high* cut-off: recall@24h of the catchable, precision of high, Brier, ECE."""
    fit_rows = ~data.ruled
    splitter = GroupKFold(n_splits=folds)
    per_fold: dict[str, list[float]] = {"recall_at_24h": [], "precision_high": [], "brier": [], "ece": []}
    for _, fold_rows in splitter.split(data.x[fit_rows], data.y[fit_rows], data.customers[fit_rows]):
        held = set(data.customers[fit_rows][fold_rows].tolist())
        test = np.isin(data.customers, list(held))
        fold = Dataset(
            data.names,
            data.x[test],
            data.y[test],
            data.customers[test],
            data.at[test],
            data.ruled[test],
            {c: t for c, t in data.truth.items() if c in held},
        )
        recall, precision, _, _ = flag_curve(fold, probability[test]).at(high)
        report = probability_report(list(zip(probability[test].tolist(), fold.y.tolist(), strict=True)))
        per_fold["recall_at_24h"].append(recall)
        per_fold["precision_high"].append(precision)
        per_fold["brier"].append(report.brier or 0.0)
        per_fold["ece"].append(report.ece or 0.0)
    return {name: (float(np.mean(v)), float(np.std(v))) for name, v in per_fold.items()}
