"""Fitting the 7-day model as monotone gradient-boosted trees with an isotonic calibration (offline).

The trees are scikit-learn's `HistGradientBoostingClassifier` with a monotone constraint on every input
(increasing; decreasing in the soothing ones, `features.SOOTHING`), so the fitted log-odds respect
SPEC.md R1; they are exported into `likelihood.Tree` arrays that the profile evaluates without
scikit-learn. Settings are chosen by out-of-fold log-loss over folds grouped by customer; the isotonic
curve is fitted on the chosen setting's out-of-fold log-odds.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]
from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from complaint_radar.customers.features import SOOTHING
from complaint_radar.customers.likelihood import Tree
from complaint_radar.customers.model_fit import Dataset, log_loss
from complaint_radar.customers.parallel import fork_map, state


@dataclass(frozen=True, slots=True)
class Boosting:
    """One candidate setting of the trees."""

    trees: int
    leaves: int
    learning_rate: float
    min_leaf: int

    def label(self) -> str:
        return (
            f"{self.trees} trees, ≤ {self.leaves} leaves, rate {self.learning_rate:g}, "
            f"≥ {self.min_leaf} rows a leaf"
        )


@dataclass(frozen=True, slots=True)
class BoostedCV:
    """Out-of-fold log-odds of the chosen setting, and the mean ± sd log-loss per candidate."""

    setting: Boosting
    oof_logit: np.ndarray
    scores: dict[Boosting, tuple[float, float]]


def constraints(names: Sequence[str], free: Collection[str] | None = ()) -> list[int]:
    """The monotone direction of each input: -1 for the soothing ones, +1 otherwise; 0 (unconstrained) for
    the inputs in `free`, or for every input when `free` is None (studies only: such a model breaks R1)."""
    if free is None:
        return [0] * len(names)
    return [0 if name in free else -1 if name in SOOTHING else 1 for name in names]


def classifier(
    x: np.ndarray, y: np.ndarray, names: Sequence[str], s: Boosting, free: Collection[str] | None = ()
) -> HistGradientBoostingClassifier:
    """A monotone boosted classifier fitted on the rows (`free`: see `constraints`; the bundled model
    leaves no input free)."""
    model = HistGradientBoostingClassifier(
        max_iter=s.trees,
        max_leaf_nodes=s.leaves,
        learning_rate=s.learning_rate,
        min_samples_leaf=s.min_leaf,
        l2_regularization=1.0,
        monotonic_cst=constraints(names, free),
        early_stopping=False,
        random_state=0,
    )
    # One thread: OpenMP threads that wait on each other crawl on a shared, busy machine.
    with threadpool_limits(limits=1):
        return model.fit(x, y)


def fit_trees(x: np.ndarray, y: np.ndarray, names: Sequence[str], s: Boosting) -> tuple[float, list[Tree]]:
    """(baseline log-odds, trees) of a monotone boosted classifier fitted on the rows, exported; raises
    RuntimeError when the export's log-odds differ from scikit-learn's on the rows (a sample of them)."""
    model = classifier(x, y, names, s)
    trees = [export(predictors[0].nodes) for predictors in model._predictors]
    baseline = float(np.ravel(model._baseline_prediction)[0])
    sample = x[np.linspace(0, len(x) - 1, min(len(x), 2000)).astype(int)]
    with threadpool_limits(limits=1):
        expected = model.decision_function(sample)
    gap = np.max(np.abs(tree_logit(baseline, trees, sample) - expected))
    if gap > 1e-4:
        raise RuntimeError(f"exported trees differ from the fitted model by {gap:.2g} in log-odds")
    return baseline, trees


def export(nodes: np.ndarray) -> Tree:
    """A scikit-learn predictor's node records as a `Tree`: leaves keep their value, inner nodes get the
    sample-weighted mean of their children (children always follow their parent in the records)."""
    n = len(nodes)
    value = [float(v) for v in nodes["value"]]
    count = [float(c) for c in nodes["count"]]
    leaf = [bool(v) for v in nodes["is_leaf"]]
    left = [int(v) if not leaf[i] else 0 for i, v in enumerate(nodes["left"])]
    right = [int(v) if not leaf[i] else 0 for i, v in enumerate(nodes["right"])]
    for i in reversed(range(n)):
        if not leaf[i]:
            a, b = left[i], right[i]
            total = count[a] + count[b]
            value[i] = (count[a] * value[a] + count[b] * value[b]) / total if total else value[a]
    return Tree(
        tuple(-1 if leaf[i] else int(nodes["feature_idx"][i]) for i in range(n)),
        tuple(0.0 if leaf[i] else float(nodes["num_threshold"][i]) for i in range(n)),
        tuple(left),
        tuple(right),
        tuple(round(v, 7) for v in value),
    )


def tree_logit(baseline: float, trees: Sequence[Tree], x: np.ndarray) -> np.ndarray:
    """The log-odds of every row of `x` (the profile's own evaluation, row by row)."""
    return np.array([baseline + sum(t.output(row) for t in trees) for row in x.tolist()])


def cross_validate_trees(data: Dataset, grid: Sequence[Boosting], folds: int = 5, jobs: int = 1) -> BoostedCV:
    """Grouped k-fold (by customer) over the settings, listed cheapest first; the first whose mean
    out-of-fold log-loss is within one standard error of the best mean wins (the one-standard-error rule:
    settings CV cannot tell apart are decided by cost, since every profile evaluates the trees). The
    setting × fold fits run on up to `jobs` processes (the same result as one)."""
    fit_rows = ~data.ruled
    x, y, groups = data.x[fit_rows], data.y[fit_rows], data.customers[fit_rows]
    splits = list(GroupKFold(n_splits=folds).split(x, y, groups))
    tasks = [(s, k) for s in range(len(grid)) for k in range(len(splits))]
    fold_logits = fork_map(_fold_logit, tasks, jobs, (x, y, data.names, list(grid), splits))
    scores: dict[Boosting, tuple[float, float]] = {}
    oof: dict[Boosting, np.ndarray] = {}
    for s, setting in enumerate(grid):
        logit = np.zeros(len(y))
        losses = []
        for k, (_, test) in enumerate(splits):
            logit[test] = fold_logits[s * len(splits) + k]
            losses.append(log_loss(y[test], logit[test]))
        scores[setting] = (float(np.mean(losses)), float(np.std(losses)))
        oof[setting] = logit
    lowest = min(grid, key=lambda s: scores[s][0])
    mean, sd = scores[lowest]
    best = next(s for s in grid if scores[s][0] <= mean + sd / math.sqrt(len(splits)))
    full = np.zeros(len(data.y))
    full[fit_rows] = oof[best]
    return BoostedCV(best, full, scores)


def _fold_logit(task: tuple[int, int]) -> np.ndarray:
    """The out-of-fold log-odds of one (setting, fold) of `cross_validate_trees`."""
    setting, fold = task
    x, y, names, grid, splits = state()
    train, test = splits[fold]
    fitted = classifier(x[train], y[train], names, grid[setting])
    with threadpool_limits(limits=1):
        return np.asarray(fitted.decision_function(x[test]))


def isotonic_knots(logit: np.ndarray, y: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The non-decreasing calibration curve of the log-odds, as (log-odds, probability) knots."""
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(logit, y)
    xs = [round(float(v), 6) for v in iso.X_thresholds_]
    ys = [round(float(v), 6) for v in iso.y_thresholds_]
    knots: list[tuple[float, float]] = []
    for x, p in zip(xs, ys, strict=True):
        if knots and x <= knots[-1][0]:
            knots[-1] = (knots[-1][0], max(knots[-1][1], p))
        else:
            knots.append((x, max(p, knots[-1][1]) if knots else p))
    return tuple(knots)
