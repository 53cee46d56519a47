"""Which English complaint model reads a message (issue 18): the tweet-trained `complaint_en` reads social
posts and messages of unknown origin; for messages to the company (a known non-public channel, or a review:
`RULES.customer_service_public`)
`RULES.customer_service_complaint_model` says whether `complaint_en_cs` (after its marker) reads them
instead (`replace`), only vetoes `complaint_en`'s complaint reading (`veto`), or is not used (`off`)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from complaint_radar.models.registry import load_model
from complaint_radar.models.specs import CUSTOMER_SERVICE_MARKER
from complaint_radar.pipeline import LearnedModels, Work
from complaint_radar.scoring import causes

TEXTS = [
    "Been a customer for years and the app keeps getting better, thank you",
    "Quick question about my plan, can I add a second line?",
    "Third time this month my parcel went missing, I'm fed up",
    "Great, another two-hour wait on the phone. Brilliant service",
]
CHANNELS = (None, "social_post", "review", "chat", "email", "phone_transcript")


def _p(name: str, texts: list[str]) -> tuple[list[float], float]:
    model = load_model(name)
    col = list(model.classes_).index("complaint")
    return model.predict_proba(texts)[:, col].tolist(), float(model.threshold_)


@pytest.fixture(scope="module")
def models() -> LearnedModels:
    return LearnedModels()


def _read(
    models: LearnedModels, monkeypatch: pytest.MonkeyPatch, mode: str, channel: str | None
) -> list[Work]:
    monkeypatch.setattr(causes, "RULES", replace(causes.RULES, customer_service_complaint_model=mode))
    batch = [Work(text=t, channel=channel) for t in TEXTS]
    for w in batch:
        w.norm = w.text
    models.predict(batch)
    return batch


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("mode", ["off", "replace", "veto"])
def test_mode_and_channel_pick_the_reading(
    models: LearnedModels, monkeypatch: pytest.MonkeyPatch, mode: str, channel: str | None
) -> None:
    batch = _read(models, monkeypatch, mode, channel)
    old, t_old = _p("complaint_en", TEXTS)
    cs, t_cs = _p("complaint_en_cs", [CUSTOMER_SERVICE_MARKER + t for t in TEXTS])
    direct = channel in ("chat", "email", "phone_transcript", "review")
    for w, p_old, p_cs in zip(batch, old, cs, strict=True):
        if not direct or mode == "off":
            expected, threshold, vetoed = p_old, t_old, False
        elif mode == "replace":
            expected, threshold, vetoed = p_cs, t_cs, False
        else:
            vetoed = p_cs < t_cs
            expected, threshold = (min(p_old, p_cs) if vetoed else p_old), t_old
        assert w.p_model_complaint == pytest.approx(expected, abs=1e-6)
        assert w.complaint_threshold == threshold
        assert w.complaint_vetoed is vetoed


def test_veto_only_ever_removes_complaint_readings(
    models: LearnedModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    def complaints(mode: str) -> list[bool]:
        return [
            w.p_model_complaint >= w.complaint_threshold and not w.complaint_vetoed
            for w in _read(models, monkeypatch, mode, "chat")
        ]

    off, veto = complaints("off"), complaints("veto")
    assert all(o or not v for o, v in zip(off, veto, strict=True))
    assert veto[0] is False and off[0] is True  # the loyal customer's praise is no longer a complaint


def test_an_unknown_mode_is_refused(models: LearnedModels, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="customer_service_complaint_model"):
        _read(models, monkeypatch, "always", "chat")
