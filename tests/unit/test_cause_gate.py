"""The cause model's gate (models/cause_model.py): fitted on out-of-fold probabilities, saved and loaded
unchanged, and deciding in the pipeline whether an English message from a known channel states a problem;
and weakly labelled rows, fitted only for the label families they are labelled for."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from complaint_radar.models.cause_model import GATE_FEATURES, CauseModel, gate_features
from complaint_radar.models.cause_training import (
    DISSATISFIED,
    _fit_ngrams,
    fit_language,
    join_sets,
    label_names,
    save_cause_model,
)
from complaint_radar.models.registry import load_cause_model
from complaint_radar.pipeline import Pipeline, _to_work
from complaint_radar.scoring import causes as cause_rules
from complaint_radar.settings import Settings
from toy_cause_corpus import PARAMS, toy_training_set


@pytest.fixture(scope="module")
def fitted() -> tuple[list[str], CauseModel]:
    labels = label_names()
    model = fit_language(toy_training_set(), labels, PARAMS)
    return labels, CauseModel(labels, {"en": model}, {})


def test_gate_is_fitted_on_out_of_fold_probabilities_and_separates_the_training_texts(
    fitted: tuple[list[str], CauseModel],
) -> None:
    _labels, model = fitted
    data = toy_training_set()
    assert model.models["en"].gate is not None
    assert len(model.models["en"].gate) == len(GATE_FEATURES) + 1
    proba = model.predict_proba("en", data.texts, data.hits)
    gate = model.gate("en", proba, data.texts, data.lexical or [], data.tone or [])
    assert gate is not None
    said = gate >= model.models["en"].gate_threshold
    truth = np.array([bool(s) for s in data.labels])
    assert np.mean(said == truth) >= 0.9


def test_no_gate_without_its_inputs_or_when_switched_off() -> None:
    data = dataclasses.replace(toy_training_set(), lexical=None)
    assert fit_language(data, label_names(), PARAMS).gate is None
    off = dataclasses.replace(PARAMS, gate=False)
    assert fit_language(toy_training_set(), label_names(), off).gate is None


def test_gate_survives_save_and_load(fitted: tuple[list[str], CauseModel], tmp_path: Path) -> None:
    labels, model = fitted
    data = toy_training_set()
    save_cause_model(tmp_path, labels, {"en": (model.models["en"], PARAMS)}, {"date": "test"})
    loaded = CauseModel.load(tmp_path)
    proba = model.predict_proba("en", data.texts, data.hits)
    before = model.gate("en", proba, data.texts, data.lexical or [], data.tone or [])
    after = loaded.gate(
        "en",
        loaded.predict_proba("en", data.texts, data.hits),
        data.texts,
        data.lexical or [],
        data.tone or [],
    )
    assert before is not None and after is not None
    np.testing.assert_allclose(after, before, atol=1e-2)  # weights are stored as float16
    assert loaded.models["en"].gate_threshold == model.models["en"].gate_threshold


def test_gate_features_read_the_stage_heads_causes_question_lexicon_and_tone() -> None:
    labels = label_names()
    proba = np.full((2, len(labels)), 0.1)
    proba[0, labels.index(DISSATISFIED)] = 0.9
    proba[0, labels.index("cause:waiting_time")] = 0.8
    X = gate_features(proba, labels, ["slow again", "open on sunday?"], [True, False], [-0.4, 0.0])
    columns = dict(zip(GATE_FEATURES, X.T, strict=True))
    assert columns["dissatisfied"][0] > 0 > columns["dissatisfied"][1]
    assert columns["max_cause"][0] > columns["max_cause"][1]
    assert list(columns["question"]) == [0.0, 1.0]
    assert list(columns["lexical"]) == [1.0, 0.0]
    assert list(columns["tone"]) == [-0.4, 0.0]


def _with_gate(bias: float) -> CauseModel:
    """The bundled model with a constant English gate (probability sigmoid(bias) for every message)."""
    bundled = load_cause_model()
    en = dataclasses.replace(
        bundled.models["en"], gate=(0.0,) * len(GATE_FEATURES) + (bias,), gate_threshold=0.5
    )
    return CauseModel(bundled.labels, {**bundled.models, "en": en}, bundled.metadata)


def _stage(model: CauseModel, text: str, channel: str | None) -> str:
    return (
        Pipeline(Settings(), cause_model=model)
        .assess_batch([_to_work({"text": text, "channel": channel})])[0]
        .stage.value
    )


def test_a_gate_reading_no_problem_drops_the_heads_reading_for_known_channels_only() -> None:
    closed = _with_gate(-10.0)
    bundled = load_cause_model()
    # A calm message that only the stage heads read as a problem (a review: the heads' explicit reading
    # counts only for messages to the company). Which calm wording the heads misread changes with each
    # retrain, so the test takes the first of a few that the bundled model reads so.
    candidates = [
        "I have a question about the delay repay scheme",
        "Can someone explain the delay repay scheme to me",
        "Could you explain how the late fee works",
        "A question about the waiting list for the clinic",
    ]
    misread = [t for t in candidates if _stage(bundled, t, None) == "latent_grumble"]
    assert misread, "no calm candidate is read as a latent grumble by the heads: add one"
    text = misread[0]  # the heads' reading, kept for unknown origin
    assert _stage(closed, text, "review") == "none"
    assert _stage(closed, text, None) == "latent_grumble"


def test_the_gate_overrules_an_explicit_reading_only_when_the_rules_say_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed = _with_gate(-10.0)
    text = "My parcel arrived two days late."  # a grumble the learned models read; no cue of the lexicon
    assert _stage(closed, text, "chat") == "explicit_grumble"
    monkeypatch.setattr(
        cause_rules, "RULES", dataclasses.replace(cause_rules.RULES, gate_vetoes_grumble=True)
    )
    assert _stage(closed, text, "chat") == "none"
    assert _stage(closed, text, None) == "explicit_grumble"


def test_a_gate_reading_a_problem_gives_at_least_a_latent_grumble_and_cues_still_decide() -> None:
    text = "The library closes at six on Sundays."  # a statement: a plain question is no grumble anyway
    assert _stage(load_cause_model(), text, "chat") == "none"
    assert _stage(_with_gate(10.0), text, "chat") == "latent_grumble"
    closed = _with_gate(-10.0)
    assert (
        _stage(closed, "I want to file a formal complaint about your branch.", "chat") == "formal_complaint"
    )


def test_weak_rows_are_fitted_only_for_the_labels_they_are_labelled_for() -> None:
    data = toy_training_set()
    labels = label_names()
    targets = np.array([[lb in s for lb in labels] for s in data.labels], dtype=bool)
    j = labels.index("cause:product_quality")
    weak = np.arange(len(data.texts)) % 4 == 0  # every fourth text plays a weak row
    known = np.ones_like(targets)
    known[weak, j] = False
    flipped = targets.copy()
    flipped[weak, j] = ~flipped[weak, j]
    _, coef, _ = _fit_ngrams(data.texts, targets, PARAMS, known=known)
    _, coef_flipped, _ = _fit_ngrams(data.texts, flipped, PARAMS, known=known)
    np.testing.assert_array_equal(coef[:, j], coef_flipped[:, j])  # rows not known for `j` do not count
    _, unmasked, _ = _fit_ngrams(data.texts, flipped, PARAMS)
    assert not np.array_equal(unmasked[:, j], coef[:, j])
    joined = join_sets(data, dataclasses.replace(data, gold=[False] * len(data.texts), known=None))
    assert joined.gold == [True] * len(data.texts) + [False] * len(data.texts)
    assert joined.known is not None and len(joined.known) == 2 * len(data.texts)
