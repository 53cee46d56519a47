"""The 7-day complaint probability: a calibrated logistic model with non-negative weights over the
profile's interpretable features, and the mapping from that probability to the risk score and level.

The parameters are a committed artifact (`data/complaint_model.json`), fitted offline on synthetic
training journeys by `python -m complaint_radar.services.customers.fit_profile_model` (`make models`);
nothing is fitted at run time. Every feature is ≥ 0 and never lowered by added negative evidence, and
every weight is ≥ 0, so the probability, the score and the level never fall when negative evidence is
added (SPEC.md R1).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

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
class ComplaintModel:
    """P(formal complaint within 7 days) = σ(a · (b₀ + Σ wᵢ xᵢ) + c), wᵢ ≥ 0, a > 0; the level cut-offs
    are probabilities (`cutoffs`: medium, high, critical), and the risk score maps them onto 30/60/80."""

    version: str
    intercept: float
    weights: Mapping[str, float]
    calibration_slope: float
    calibration_intercept: float
    cutoffs: Mapping[str, float]
    horizon_days: float = 7.0

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
            model = cls(
                version=str(data["version"]),
                intercept=float(data["intercept"]),
                weights=weights,
                calibration_slope=float(data["calibration"]["slope"]),
                calibration_intercept=float(data["calibration"]["intercept"]),
                cutoffs=cutoffs,
                horizon_days=float(data.get("horizon_days", 7.0)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigurationError(f"complaint model from {where} is malformed: {exc!r}") from exc
        problems = [f"weight {k} = {v} < 0" for k, v in weights.items() if v < 0 or math.isnan(v)]
        if model.calibration_slope <= 0:
            problems.append("calibration slope must be > 0")
        if not 0.0 < cutoffs["medium"] < cutoffs["high"] < cutoffs["critical"] < 1.0:
            problems.append("cut-offs must satisfy 0 < medium < high < critical < 1")
        if problems:
            raise ConfigurationError(f"complaint model from {where} is invalid: {'; '.join(problems)}")
        return model

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "horizon_days": self.horizon_days,
            "intercept": self.intercept,
            "weights": dict(self.weights),
            "calibration": {"slope": self.calibration_slope, "intercept": self.calibration_intercept},
            "cutoffs": dict(self.cutoffs),
        }

    def logit(self, features: Mapping[str, float]) -> float:
        """The uncalibrated log-odds (what the fitter calibrates)."""
        return self.intercept + sum(w * features.get(name, 0.0) for name, w in self.weights.items())

    def predict(self, features: Mapping[str, float]) -> Prediction:
        a = self.calibration_slope
        contributions = {
            name: a * w * features[name] for name, w in self.weights.items() if features.get(name)
        }
        z = a * self.intercept + sum(contributions.values()) + self.calibration_intercept
        return Prediction(_sigmoid(z), contributions)

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
