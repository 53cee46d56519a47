"""The one place that knows the bundled model artifacts: load them (cached) and report their version."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from complaint_radar.errors import ModelError
from complaint_radar.models.cause_model import CauseModel
from complaint_radar.models.serving import CONFIG_FILE, LinearScorer, ServingModel

MODEL_NAMES: tuple[str, ...] = ("sentiment_zh", "emotion_zh", "complaint_en", "complaint_en_cs")
# The cause model (models/cause_model.py): causes, demands and stage heads, trained on corpus/causes/train.
CAUSE_MODEL = "causes"
# Bundled models stacked with sentence embeddings (models/embedding.py), by the model they extend.
EMBEDDING_SUFFIX = "_e5"
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
_lock = threading.Lock()
_loaded: dict[str, LinearScorer] = {}
_causes: dict[str, CauseModel] = {}


def artifact_dir(name: str) -> Path:
    """Directory of a bundled model's files (`model.json`, `weights.npz`)."""
    if name not in MODEL_NAMES:
        raise ModelError(f"unknown model {name!r}; bundled models are: {', '.join(MODEL_NAMES)}")
    return ARTIFACTS_DIR / name


def embedding_variant(name: str) -> Path | None:
    """Directory of the embedding-stacked variant of bundled model `name`, if one is bundled."""
    where = artifact_dir(name).with_name(name + EMBEDDING_SUFFIX)
    return where if (where / CONFIG_FILE).exists() else None


def load_model(name: str, embeddings: bool = False) -> LinearScorer:
    """The bundled model `name`, loaded once per process (no network access, no pickle). With
    `embeddings`, its embedding-stacked variant where one is bundled (needs the `embeddings` extra)."""
    variant = embedding_variant(name) if embeddings else None
    key = variant.name if variant is not None else name
    with _lock:
        cached = _loaded.get(key)
        if cached is not None:
            return cached
        model: LinearScorer
        if variant is not None:
            from complaint_radar.models.embedding import EmbeddingStack, embedder

            embedder()  # fail now, with the install hint, rather than at the first message
            model = EmbeddingStack.load(variant)
        else:
            model = ServingModel.load(artifact_dir(name))
        _loaded[key] = model
        return model


def cause_model_dir() -> Path:
    """Directory of the bundled cause model (`model.json`, `zh.npz`, `en.npz`)."""
    return ARTIFACTS_DIR / CAUSE_MODEL


def cause_heads_dir() -> Path | None:
    """Directory of the bundled cause model's embedding heads (`causes_e5/`), if they are bundled."""
    where = ARTIFACTS_DIR / (CAUSE_MODEL + EMBEDDING_SUFFIX)
    return where if (where / CONFIG_FILE).exists() else None


def load_cause_model(embeddings: bool = False) -> CauseModel:
    """The bundled cause model, loaded once per process (no network access, no pickle). With
    `embeddings`, scoring with its embedding heads where they are bundled (needs the `embeddings` extra)."""
    heads = cause_heads_dir() if embeddings else None
    key = CAUSE_MODEL if heads is None else heads.name
    with _lock:
        if key not in _causes:
            if heads is not None:
                from complaint_radar.models.embedding import embedder

                embedder()  # fail now, with the install hint, rather than at the first message
            _causes[key] = CauseModel.load(cause_model_dir(), heads)
        return _causes[key]


def bundled_model_version(embeddings: bool = False) -> str:
    """e.g. `sentiment_zh 2026-11-23+3f2a9c1b0d4e; emotion_zh ...`: name, training date, weights digest
    (with `embeddings`, the embedding-stacked variants `load_model` then gives, e.g. `complaint_en_e5`)."""
    parts = []
    for base in MODEL_NAMES:
        variant = embedding_variant(base) if embeddings else None
        name = variant.name if variant is not None else base
        path = (variant or artifact_dir(base)) / CONFIG_FILE
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {path} ({exc}); rebuild the models with `make models`") from exc
        parts.append(f"{name} {doc.get('date', 'unknown')}+{doc.get('weights_sha256_12', 'unknown')}")
    parts.append(load_cause_model(embeddings).version)
    return "; ".join(parts)


def clear_cache() -> None:
    """Forget loaded models (tests, or after rebuilding artifacts in-process)."""
    with _lock:
        _loaded.clear()
        _causes.clear()
