"""The 7-day complaint probability over the profile's interpretable features, and the mapping from that
probability to the risk score and level.

Two kinds of model share one artifact format (`data/complaint_model.json`): a logistic model with
non-negative weights and Platt calibration, or gradient-boosted trees (fitted with monotone
constraints) with an isotonic calibration curve. Both are fitted offline on synthetic training journeys
by `python -m complaint_radar.services.customers.fit_profile_model` (`make models`); nothing is fitted at
run time. Every feature is ≥ 0 and never lowered by added negative evidence; the log-odds never fall
as a feature grows (weights ≥ 0, trees monotone increasing), except in the soothing inputs
(`features.SOOTHING`: good answers, steady buying) where they never rise, and negative evidence never
raises those. The calibration is non-decreasing. So the probability, the score and the level never fall
when negative evidence is added (SPEC.md R1); `check_monotone` verifies the trees when a model loads.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from complaint_radar.customers.features import SOOTHING
from complaint_radar.customers.weights import ProfileWeights
from complaint_radar.errors import ConfigurationError

MODEL_FILE = "data/complaint_model.json"
# Risk-score anchors of the level boundaries (SPEC.md §3: low < 30 ≤ medium < 60 ≤ high < 80 ≤ critical).
_SCORE_AT = {"medium": 30.0, "high": 60.0, "critical": 80.0}


@dataclass(frozen=True, slots=True)
class Prediction:
    """The calibrated probability and each feature's share of its log-odds (calibrated units, ≥ 0)."""

    probability: float
    contributions: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Tree:
    """One regression tree as parallel arrays over nodes (node 0 the root): the split feature's index
    (-1 at a leaf), threshold (x ≤ threshold goes left), children, and value (at a leaf its output; at
    an inner node the sample-weighted mean of its leaves, used to share the output out over features)."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tree:
        tree = cls(
            tuple(int(v) for v in data["feature"]),
            tuple(float(v) for v in data["threshold"]),
            tuple(int(v) for v in data["left"]),
            tuple(int(v) for v in data["right"]),
            tuple(float(v) for v in data["value"]),
        )
        n = len(tree.feature)
        if not n or any(len(a) != n for a in (tree.threshold, tree.left, tree.right, tree.value)):
            raise ValueError("tree arrays must be non-empty and of one length")
        for i, f in enumerate(tree.feature):
            if f >= 0 and not (i < tree.left[i] < n and i < tree.right[i] < n):
                raise ValueError(f"node {i}: children must follow it")
        return tree

    def to_dict(self) -> dict[str, list[Any]]:
        return {
            "feature": list(self.feature),
            "threshold": list(self.threshold),
            "left": list(self.left),
            "right": list(self.right),
            "value": list(self.value),
        }

    def output(self, x: list[float]) -> float:
        feature, threshold, left, right = self.feature, self.threshold, self.left, self.right
        i = 0
        while feature[i] >= 0:
            i = left[i] if x[feature[i]] <= threshold[i] else right[i]
        return self.value[i]

    def share(self, x: list[float], into: list[float]) -> float:
        """The output, with each split's change of value along the path added to its feature in `into`."""
        feature, threshold, left, right, value = (
            self.feature,
            self.threshold,
            self.left,
            self.right,
            self.value,
        )
        i = 0
        while feature[i] >= 0:
            j = left[i] if x[feature[i]] <= threshold[i] else right[i]
            into[feature[i]] += value[j] - value[i]
            i = j
        return value[i]


TreeSum = Callable[[Sequence[float]], float]
TreeShare = Callable[[Sequence[float]], tuple[float, Sequence[float]]]


@dataclass(frozen=True, slots=True)
class CompiledTrees:
    """A model's trees as generated code over the features they split on (`reads`, indices into the
    model's `tree_features`; `x` holds their values in that order): `total(x)` sums the outputs, and
    `share(x)` returns that sum with each read feature's share, the changes of value at its splits along
    the paths taken (Saabas). The same additions in the same order as `Tree.output` / `Tree.share` tree
    by tree (bit-identical results), several times faster than walking the arrays."""

    reads: tuple[int, ...]
    total: TreeSum
    share: TreeShare


_COMPILED: list[tuple[tuple[Tree, ...], CompiledTrees]] = []


def compiled_trees(trees: tuple[Tree, ...]) -> CompiledTrees:
    """The trees compiled (`CompiledTrees`), held per tuple of trees by identity (a few models at most)."""
    for known, found in _COMPILED:
        if known is trees:
            return found
    found = _compile(trees)
    del _COMPILED[:-3]
    _COMPILED.append((trees, found))
    return found


def _compile(trees: Sequence[Tree]) -> CompiledTrees:
    reads = tuple(sorted({f for t in trees for f in t.feature if f >= 0}))
    numbers = [v for t in trees for v in (*t.threshold, *t.value)]
    if not all(math.isfinite(v) for v in numbers):  # repr() would not read back: walk the arrays
        return _walked(trees, reads)
    column = {f: k for k, f in enumerate(reads)}
    # The inputs and the shares are local variables (x0, s0, …): cheaper than indexing lists.
    inputs = "".join(f"x{k}, " for k in range(len(reads)))
    total = ["def total(x):", f"    ({inputs}) = x", "    z = 0.0"]
    share = ["def share(x):", f"    ({inputs}) = x", "    z = 0.0"]
    share += [f"    s{k} = 0.0" for k in range(len(reads))]
    for t in trees:
        _emit(t, 0, 1, total, column, share=False)
        _emit(t, 0, 1, share, column, share=True)
    total.append("    return z")
    share.append(f"    return z, ({''.join(f's{k}, ' for k in range(len(reads)))})")
    scope: dict[str, Any] = {}
    exec(compile("\n".join(total) + "\n" + "\n".join(share), "<complaint-model trees>", "exec"), scope)
    return CompiledTrees(reads, scope["total"], scope["share"])


def _walked(trees: Sequence[Tree], reads: tuple[int, ...]) -> CompiledTrees:
    """`CompiledTrees` that walk the arrays (trees with numbers `repr` cannot write back)."""
    width = max(reads, default=-1) + 1

    def spread(x: Sequence[float]) -> list[float]:
        full = [0.0] * width
        for i, v in zip(reads, x, strict=True):
            full[i] = v
        return full

    def total(x: Sequence[float]) -> float:
        full = spread(x)
        return sum(t.output(full) for t in trees)

    def share(x: Sequence[float]) -> tuple[float, list[float]]:
        full, into = spread(x), [0.0] * width
        z = sum(t.share(full, into) for t in trees)
        return z, [into[i] for i in reads]

    return CompiledTrees(reads, total, share)


def _emit(t: Tree, i: int, depth: int, lines: list[str], column: Mapping[int, int], *, share: bool) -> None:
    pad = "    " * depth
    f = t.feature[i]
    if f < 0:
        lines.append(f"{pad}z += {t.value[i]!r}")
        return
    c = column[f]
    for branch, child in (("if", t.left[i]), ("else", t.right[i])):
        lines.append(f"{pad}if x{c} <= {t.threshold[i]!r}:" if branch == "if" else f"{pad}else:")
        if share:
            lines.append(f"{pad}    s{c} += {t.value[child] - t.value[i]!r}")
        _emit(t, child, depth + 1, lines, column, share=share)


@dataclass(frozen=True, slots=True)
class ComplaintModel:
    """P(formal complaint within 7 days) from the log-odds z = b₀ + Σ wᵢ xᵢ + Σ trees(x): σ(a · z + c)
    (Platt, a > 0), or, when `calibration_knots` are given, the non-decreasing piecewise-linear curve
    through them (isotonic); the level cut-offs are probabilities (`cutoffs`: medium, high, critical),
    and the risk score maps them onto 30/60/80. Trees read the features named in `tree_features`."""

    version: str
    intercept: float
    weights: Mapping[str, float]
    calibration_slope: float
    calibration_intercept: float
    cutoffs: Mapping[str, float]
    horizon_days: float = 7.0
    tree_features: tuple[str, ...] = ()
    trees: tuple[Tree, ...] = ()
    calibration_knots: tuple[tuple[float, float], ...] = ()

    @classmethod
    def bundled(cls) -> ComplaintModel:
        return _bundled()

    @classmethod
    def load(cls, path: Path | str) -> ComplaintModel:
        source = Path(path)
        try:
            data = json.loads(source.read_text("utf-8"))
        except OSError as exc:
            raise ConfigurationError(f"cannot read complaint model {source}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"complaint model {source} is not valid JSON: {exc}") from exc
        return cls.from_dict(data, str(source))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "a mapping") -> ComplaintModel:
        """Validate a model dict (as written by `to_dict`); raises ConfigurationError saying what is wrong."""
        try:
            weights = {str(k): float(v) for k, v in data["weights"].items()}
            cutoffs = {level: float(data["cutoffs"][level]) for level in _SCORE_AT}
            calibration = data["calibration"]
            model = cls(
                version=str(data["version"]),
                intercept=float(data["intercept"]),
                weights=weights,
                calibration_slope=float(calibration.get("slope", 1.0)),
                calibration_intercept=float(calibration.get("intercept", 0.0)),
                cutoffs=cutoffs,
                horizon_days=float(data.get("horizon_days", 7.0)),
                tree_features=tuple(str(n) for n in data.get("tree_features", ())),
                trees=tuple(Tree.from_dict(t) for t in data.get("trees", ())),
                calibration_knots=tuple((float(x), float(y)) for x, y in calibration.get("knots", ())),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigurationError(f"complaint model from {where} is malformed: {exc!r}") from exc
        problems = [f"weight {k} = {v} < 0" for k, v in weights.items() if v < 0 or math.isnan(v)]
        problems += [f"weight on soothing input {k}" for k in weights if k in SOOTHING]
        if model.calibration_slope <= 0:
            problems.append("calibration slope must be > 0")
        knots = model.calibration_knots
        if any(x1 <= x0 or y1 < y0 for (x0, y0), (x1, y1) in itertools.pairwise(knots)) or any(
            not 0.0 <= y <= 1.0 for _, y in knots
        ):
            problems.append("calibration knots must rise in x, not fall in y, and lie in [0, 1]")
        if any(f >= len(model.tree_features) for t in model.trees for f in t.feature):
            problems.append("a tree splits on a feature outside tree_features")
        if not problems and model.trees:
            problems += check_monotone(model)
        if not 0.0 < cutoffs["medium"] < cutoffs["high"] < cutoffs["critical"] < 1.0:
            problems.append("cut-offs must satisfy 0 < medium < high < critical < 1")
        if problems:
            raise ConfigurationError(f"complaint model from {where} is invalid: {'; '.join(problems)}")
        return model

    def to_dict(self) -> dict[str, Any]:
        calibration: dict[str, Any] = {
            "slope": self.calibration_slope,
            "intercept": self.calibration_intercept,
        }
        out: dict[str, Any] = {
            "version": self.version,
            "horizon_days": self.horizon_days,
            "intercept": self.intercept,
            "weights": dict(self.weights),
            "calibration": calibration,
            "cutoffs": dict(self.cutoffs),
        }
        if self.calibration_knots:
            calibration["knots"] = [list(k) for k in self.calibration_knots]
        if self.trees:
            out["tree_features"] = list(self.tree_features)
            out["trees"] = [t.to_dict() for t in self.trees]
        return out

    def logit(self, features: Mapping[str, float]) -> float:
        """The uncalibrated log-odds (what the fitter calibrates)."""
        z = self.intercept + sum(w * features.get(name, 0.0) for name, w in self.weights.items())
        if self.trees:
            plan = _plan(self)
            x = [features.get(name, 0.0) for name in plan.tree_inputs]
            z += plan.trees.total(x)
        return z

    def calibrate(self, z: float) -> float:
        """The probability of the log-odds `z`."""
        knots = self.calibration_knots
        if not knots:
            return _sigmoid(self.calibration_slope * z + self.calibration_intercept)
        if z <= knots[0][0]:
            return knots[0][1]
        if z >= knots[-1][0]:
            return knots[-1][1]
        i = bisect.bisect_right(knots, (z, math.inf))
        (x0, y0), (x1, y1) = knots[i - 1], knots[i]
        return y0 + (y1 - y0) * (z - x0) / (x1 - x0)

    def probability(self, features: Mapping[str, float]) -> float:
        """The calibrated probability alone (no shares: cheaper)."""
        return self.calibrate(self.logit(features))

    def predict(self, features: Mapping[str, float]) -> Prediction:
        """The probability and each present feature's share of the log-odds (positive shares only
        explain; a soothing input's share is never positive in a monotone model)."""
        a = 1.0 if self.calibration_knots else self.calibration_slope
        contributions = {
            name: a * w * features[name] for name, w in self.weights.items() if features.get(name)
        }
        z = self.intercept + sum(w * features.get(name, 0.0) for name, w in self.weights.items())
        if self.trees:
            plan = _plan(self)
            names = plan.tree_inputs
            x = [features.get(name, 0.0) for name in names]
            part, shares = plan.trees.share(x)
            z += part
            for name, value, share in zip(names, x, shares, strict=True):
                if value and share:
                    contributions[name] = contributions.get(name, 0.0) + share
        return Prediction(self.calibrate(z), contributions)

    def reads(self) -> frozenset[str]:
        """The inputs this model reads: a weight above 0 or a split on it (the others cannot move it)."""
        return _plan(self).reads

    def risk_score(self, probability: float) -> int:
        """The 0–100 risk of a probability: piecewise linear through (0, 0), (medium cut-off, 30),
        (high, 60), (critical, 80) and (1, 100), so the level read from the score is the level the
        probability's cut-offs give."""
        knots = (
            [(0.0, 0.0)] + [(self.cutoffs[level], _SCORE_AT[level]) for level in _SCORE_AT] + [(1.0, 100.0)]
        )
        p = min(1.0, max(0.0, probability))
        for (p0, s0), (p1, s1) in itertools.pairwise(knots):
            if p <= p1:
                return math.floor(s0 + (s1 - s0) * (p - p0) / (p1 - p0))
        return 100


def check_monotone(model: ComplaintModel) -> list[str]:
    """Problems with the trees' direction: at every split the right (larger) side's leaves must all be
    ≥ (soothing inputs: ≤) the left side's, so raising one input never moves the log-odds the wrong way
    whatever the other inputs are. A tree is monotone in a feature exactly when this holds at each of
    that feature's splits (a sufficient check, and the one the fitter's constraints guarantee)."""
    problems = []
    for n, tree in enumerate(model.trees):
        for i, f in enumerate(tree.feature):
            if f < 0:
                continue
            low, high = _leaf_range(tree, tree.left[i]), _leaf_range(tree, tree.right[i])
            soothing = model.tree_features[f] in SOOTHING
            if (low[0] < high[1] - 1e-9) if soothing else (high[0] < low[1] - 1e-9):
                problems.append(f"tree {n} node {i} is not monotone in {model.tree_features[f]}")
    return problems


def _leaf_range(tree: Tree, node: int) -> tuple[float, float]:
    """(lowest, highest) leaf value under `node`."""
    stack, low, high = [node], math.inf, -math.inf
    while stack:
        i = stack.pop()
        if tree.feature[i] < 0:
            low, high = min(low, tree.value[i]), max(high, tree.value[i])
        else:
            stack += [tree.left[i], tree.right[i]]
    return low, high


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one model reads its inputs: its compiled trees, the names of the inputs they split on (in the
    order the compiled code takes them), and every input it reads."""

    model: ComplaintModel
    trees: CompiledTrees
    tree_inputs: tuple[str, ...]
    reads: frozenset[str]


_PLANS: dict[int, _Plan] = {}
"""Per model by identity (the plan keeps its model alive, so the id stays its own)."""


def _plan(model: ComplaintModel) -> _Plan:
    found = _PLANS.get(id(model))
    if found is not None and found.model is model:
        return found
    trees = compiled_trees(model.trees)
    tree_inputs = tuple(model.tree_features[i] for i in trees.reads)
    reads = frozenset(tree_inputs) | {name for name, w in model.weights.items() if w > 0}
    if len(_PLANS) > 7:
        _PLANS.clear()
    found = _PLANS[id(model)] = _Plan(model, trees, tree_inputs, reads)
    return found


def model_of(weights: ProfileWeights) -> ComplaintModel:
    """The model the weights name (`model_file`), else the bundled one."""
    return ComplaintModel.bundled() if weights.model_file is None else _loaded(weights.model_file)


@lru_cache(maxsize=8)
def _loaded(path: str) -> ComplaintModel:
    return ComplaintModel.load(path)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@lru_cache(maxsize=1)
def _bundled() -> ComplaintModel:
    text = resources.files("complaint_radar.customers").joinpath(MODEL_FILE).read_text("utf-8")
    return ComplaintModel.from_dict(json.loads(text), f"the bundled {MODEL_FILE}")
