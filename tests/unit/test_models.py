"""Unit tests of the learned classifiers: fit/save/load round trip, safe loading errors, bundled models."""

from __future__ import annotations

import gc
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from complaint_radar.errors import ModelError
from complaint_radar.models.datasets import dedupe_key, deduplicate, held_out
from complaint_radar.models.features import HashingConfig, count_matrix, spans_and_columns
from complaint_radar.models.linear import TextClassifier
from complaint_radar.models.registry import MODEL_NAMES, bundled_model_version, load_model
from complaint_radar.text.normalize import normalize

# zhconv's loaddict() leaves its dictionary file for the garbage collector (a ResourceWarning that
# `-W error` turns into a test error wherever it happens to be collected): load it once, quietly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ResourceWarning)
    normalize("預熱")
    gc.collect()

NEG = ["太差了，再也不买了", "难吃死了", "质量很差", "送餐太慢了", "垃圾商家", "差评，退款"]
POS = ["非常好吃，送餐也快", "服务很好", "很满意", "味道不错", "好评，推荐", "包装精美"]
TEXTS = NEG + POS
LABELS = ["negative"] * len(NEG) + ["positive"] * len(POS)


@pytest.fixture(scope="module")
def tiny() -> TextClassifier:
    return TextClassifier(n_features=2**12, C=10.0, cv_folds=2, heads=("svm", "nbsvm", "lr")).fit(
        TEXTS, LABELS
    )


def test_overfits_tiny_fixture(tiny: TextClassifier) -> None:
    assert list(tiny.classes_) == ["negative", "positive"]
    assert list(tiny.predict(TEXTS)) == LABELS
    proba = tiny.predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_save_load_round_trip_is_identical(tiny: TextClassifier, tmp_path: Path) -> None:
    tiny.save(tmp_path / "m", {"date": "2026-11-23"})
    loaded = TextClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), tiny.predict_proba(TEXTS))
    assert loaded.get_params() == tiny.get_params()
    doc = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert doc["classes"] == ["negative", "positive"] and doc["date"] == "2026-11-23"
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)


def test_missing_artifact_raises_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="make models"):
        TextClassifier.load(tmp_path / "nothing-here")


def test_corrupt_artifact_raises_model_error(tiny: TextClassifier, tmp_path: Path) -> None:
    tiny.save(tmp_path / "m")
    (tmp_path / "m" / "weights.npz").write_bytes(b"not a zip file")
    with pytest.raises(ModelError, match="corrupt"):
        TextClassifier.load(tmp_path / "m")


def test_unknown_model_name_raises_model_error() -> None:
    with pytest.raises(ModelError, match="bundled models are"):
        load_model("no_such_model")


def test_explain_spans_point_into_the_original_text(tiny: TextClassifier) -> None:
    text = "ＡＢＣ太差了，再也不买了"  # full-width letters: normalisation keeps offsets
    spans = tiny.explain(text, top_k=3, target="negative")
    assert spans and len(spans) <= 3
    for start, end, weight in spans:
        assert 0 <= start < end <= len(text)
        assert isinstance(weight, float)
    assert spans[0][2] == max(w for _, _, w in spans)


def test_hashing_is_deterministic_and_consistent_with_spans() -> None:
    cfg = HashingConfig((1, 3), (1, 2), 2**16)
    text = "I want a refund, your service is terrible"
    counts = count_matrix([text, text], cfg)
    assert (counts[0] != counts[1]).nnz == 0
    _, _, cols = spans_and_columns(text, cfg)
    assert sorted(cols.tolist()) == sorted(np.repeat(counts[0].indices, counts[0].data.astype(int)).tolist())


def test_empty_and_odd_inputs() -> None:
    model = TextClassifier(n_features=2**10, calibrate=False).fit(TEXTS, LABELS)
    assert model.predict_proba(["", "   ", "😡😡"]).shape == (3, 2)
    assert model.predict_proba([]).shape == (0, 2)
    with pytest.raises(TypeError):
        model.predict_proba("a single string")  # type: ignore[arg-type]


def test_dedupe_drops_conflicting_labels_and_split_is_by_key() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {"text": ["好 评", "好评", "差评", " 差评 ", "一般"], "label": ["p", "p", "n", "p", "n"]}
    )
    kept, conflicts = deduplicate(frame)
    assert list(kept["text"]) == ["好 评", "一般"] and conflicts == 2
    assert dedupe_key(" Ab C ") == "abc"
    assert held_out("abc") == held_out(dedupe_key(" A B C"))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_bundled_models_load(name: str) -> None:
    model = load_model(name)
    assert model is load_model(name)  # cached
    assert model.predict_proba(["ok"]).shape[0] == 1


def test_bundled_models_give_sensible_predictions() -> None:
    sentiment = load_model("sentiment_zh")
    assert list(sentiment.predict(["太差了，再也不买了", "非常好吃，送餐也快"])) == ["negative", "positive"]
    emotion = load_model("emotion_zh")
    assert set(emotion.classes_) == {
        "anger", "anxiety_fear", "disappointment_sadness", "happiness", "neutral", "surprise"
    }  # fmt: skip
    assert emotion.predict(["气死我了，客服一直不回复"])[0] == "anger"
    complaint = load_model("complaint_en")
    assert list(
        complaint.predict(["I want a refund, your service is terrible", "Thanks, love the new update!"])
    ) == [
        "complaint",
        "not_complaint",
    ]
    assert "sentiment_zh" in bundled_model_version()


def test_sample_weight_decides_between_contradicting_copies() -> None:
    contested = ["一般般吧"] * 8
    labels = LABELS + ["negative"] * 4 + ["positive"] * 4
    for heavy, expected in (("negative", "negative"), ("positive", "positive")):
        weights = [1.0] * len(TEXTS) + [5.0 if y == heavy else 1.0 for y in labels[len(TEXTS) :]]
        model = TextClassifier(n_features=2**12, C=10.0, cv_folds=2, heads=("svm",)).fit(
            TEXTS + contested, labels, sample_weight=weights
        )
        assert model.predict(["一般般吧"])[0] == expected


def test_sample_and_threshold_weights_are_checked() -> None:
    model = TextClassifier(n_features=2**12, cv_folds=2, heads=("svm",), f1_class="negative")
    with pytest.raises(ValueError, match="sample_weight"):
        model.fit(TEXTS, LABELS, sample_weight=[1.0])
    with pytest.raises(ValueError, match="threshold_weight"):
        model.fit(TEXTS, LABELS, threshold_weight=[-1.0] * len(TEXTS))


def test_complaint_en_cs_is_trained_on_tweets_and_the_english_corpus() -> None:
    from complaint_radar.models.specs import CUSTOMER_SERVICE_MARKER, SPECS

    doc = json.loads(
        (
            Path(__file__).resolve().parents[2]
            / "src/complaint_radar/models/artifacts/complaint_en_cs/model.json"
        ).read_text(encoding="utf-8")
    )
    sources = doc["training"]["sources"]
    assert set(sources) == {"twitter_complaints", "cause_corpus_en"}
    assert sources["cause_corpus_en"]["marker"] == CUSTOMER_SERVICE_MARKER
    assert SPECS["complaint_en_cs"].customer_service == {
        k: v for k, v in sources["cause_corpus_en"].items() if k in ("weight", "latent")
    }
