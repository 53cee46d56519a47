"""Which English complaint model reads a message: the tweet-trained `complaint_en` for posts and messages
of unknown origin, `complaint_en_cs` (after its marker) for messages to the company (issue 18)."""

from __future__ import annotations

import pytest

from complaint_radar.models.registry import load_model
from complaint_radar.models.specs import CUSTOMER_SERVICE_MARKER
from complaint_radar.pipeline import LearnedModels, Work

TEXT = "Been a customer for years and the app keeps getting better, thank you"


def _p(name: str, text: str) -> tuple[float, float]:
    model = load_model(name)
    col = list(model.classes_).index("complaint")
    return float(model.predict_proba([text])[0, col]), float(model.threshold_)


@pytest.fixture(scope="module")
def models() -> LearnedModels:
    return LearnedModels()


@pytest.mark.parametrize(
    ("channel", "model", "marker"),
    [
        (None, "complaint_en", ""),
        ("social_post", "complaint_en", ""),
        ("review", "complaint_en", ""),
        ("chat", "complaint_en_cs", CUSTOMER_SERVICE_MARKER),
        ("email", "complaint_en_cs", CUSTOMER_SERVICE_MARKER),
        ("phone_transcript", "complaint_en_cs", CUSTOMER_SERVICE_MARKER),
    ],
)
def test_channel_picks_the_complaint_model(
    models: LearnedModels, channel: str | None, model: str, marker: str
) -> None:
    w = Work(text=TEXT, channel=channel)
    w.norm = w.text
    models.predict([w])
    p, threshold = _p(model, marker + TEXT)
    assert w.p_model_complaint == pytest.approx(p, abs=1e-6)
    assert w.complaint_threshold == threshold


def test_a_mixed_batch_keeps_each_message_with_its_model(models: LearnedModels) -> None:
    batch = [Work(text=TEXT, channel=c) for c in ("chat", None, "email", "social_post")]
    for w in batch:
        w.norm = w.text
    models.predict(batch)
    chat, unknown, email, post = (w.p_model_complaint for w in batch)
    assert chat == pytest.approx(email) and unknown == pytest.approx(post)
    assert chat == pytest.approx(_p("complaint_en_cs", CUSTOMER_SERVICE_MARKER + TEXT)[0], abs=1e-6)
    assert unknown == pytest.approx(_p("complaint_en", TEXT)[0], abs=1e-6)
