"""The secondary-cause ratio (models/cause_model.py, scoring/causes.py): a cause that reaches its
threshold far below the main cause is not given, a pattern's cause always is; the trainer chooses the
ratio for cause micro-F1 on out-of-fold probabilities, with 0 (the rule off) among the choices; it
survives save and load, and a manifest without it reads as 0."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from complaint_radar.models.cause_model import CauseModel
from complaint_radar.models.cause_training import (
    SECONDARY_GRID,
    fit_language,
    label_names,
    save_cause_model,
    secondary_causes,
)
from complaint_radar.scoring import causes as cause_rules
from complaint_radar.scoring.causes import CauseReading, decide_causes
from complaint_radar.text.cues import Scan
from complaint_radar.types import Span
from toy_cause_corpus import PARAMS, toy_training_set

CAUSES = [lb for lb in label_names() if lb.startswith("cause:")]


def _reading(proba: dict[str, float], secondary: float) -> CauseReading:
    full = {lb: 0.05 for lb in label_names()} | proba
    return CauseReading(full, {lb: 0.4 for lb in label_names()}, secondary=secondary)


def _evidence(label: str) -> list[Span]:
    return [Span(0, 4, "slow")]


def _codes(reading: CauseReading, scan: Scan | None = None) -> list[str]:
    found = decide_causes(reading, "slow and nobody told us", scan or {}, _evidence, dissatisfied=True)
    assert all(c.spans for c in found)  # every cause given keeps its evidence
    return [c.code for c in found]


def test_a_secondary_cause_far_below_the_main_one_is_dropped_and_one_close_to_it_kept() -> None:
    proba = {"cause:waiting_time": 0.9, "cause:communication": 0.42}
    assert _codes(_reading(proba, 0.0)) == ["waiting_time", "communication"]
    assert _codes(_reading(proba, 0.5)) == ["waiting_time"]
    close = {"cause:waiting_time": 0.9, "cause:communication": 0.5}
    assert _codes(_reading(close, 0.5)) == ["waiting_time", "communication"]


def test_a_pattern_still_gives_its_cause_whatever_the_ratio() -> None:
    proba = {"cause:waiting_time": 0.9, "cause:communication": 0.42}
    scan: Scan = {"strong:communication": [(9, 15, 1.0)]}
    assert sorted(_codes(_reading(proba, 0.8), scan)) == ["communication", "waiting_time"]


def test_the_trainers_decision_matches_decide_causes() -> None:
    rng = np.random.default_rng(3)
    proba = rng.uniform(0.0, 1.0, size=(200, len(CAUSES)))
    cuts = rng.uniform(0.3, 0.7, size=len(CAUSES))  # unequal, so the best guess is read relative to them
    forced = rng.uniform(size=proba.shape) < 0.03
    dissatisfied = rng.uniform(size=200) < 0.8
    for ratio in (0.0, 0.5, 0.7):
        given = secondary_causes(proba, cuts, forced, dissatisfied, ratio)
        for i in range(len(proba)):
            reading = CauseReading(
                dict(zip(CAUSES, proba[i].tolist(), strict=True)),
                dict(zip(CAUSES, cuts.tolist(), strict=True)),
                secondary=ratio,
            )
            scan: Scan = {
                f"strong:{lb.partition(':')[2]}": [(0, 1, 1.0)]
                for lb, f in zip(CAUSES, forced[i], strict=True)
                if f
            }
            found = decide_causes(reading, "x", scan, _evidence, dissatisfied=bool(dissatisfied[i]))
            expected = {CAUSES[j].partition(":")[2] for j in np.flatnonzero(given[i])}
            assert {c.code for c in found} == expected, (i, ratio)


def test_the_trainer_chooses_a_ratio_of_the_grid_and_it_survives_save_and_load(tmp_path: Path) -> None:
    labels = label_names()
    model = fit_language(toy_training_set(), labels, PARAMS)
    assert model.secondary in SECONDARY_GRID
    off = fit_language(toy_training_set(), labels, dataclasses.replace(PARAMS, secondary=False))
    assert off.secondary == 0.0
    chosen = dataclasses.replace(model, secondary=0.55)
    save_cause_model(tmp_path, labels, {"en": (chosen, PARAMS)}, {"date": "test"})
    assert CauseModel.load(tmp_path).models["en"].secondary == 0.55
    # A model saved before the ratio existed has none in its manifest: every passing cause is given.
    manifest = tmp_path / "model.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    del doc["languages"]["en"]["secondary_ratio"]
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    assert CauseModel.load(tmp_path).models["en"].secondary == 0.0


def test_the_best_guess_is_the_cause_nearest_its_own_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """No cause reaches its threshold: `other`, which the model gives readily (threshold 0.36), does not
    outrank a concrete cause it is more cautious about (0.30) by probability alone."""
    proba = {"cause:other": 0.24, "cause:delivery_logistics": 0.21}
    cuts = {lb: 0.5 for lb in label_names()} | {"cause:other": 0.36, "cause:delivery_logistics": 0.30}
    reading = CauseReading({lb: 0.02 for lb in label_names()} | proba, cuts)
    assert _codes(reading) == ["delivery_logistics"]
    absolute = dataclasses.replace(cause_rules.RULES, best_guess_relative=False)
    monkeypatch.setattr(cause_rules, "RULES", absolute)
    assert _codes(reading) == ["other"]
