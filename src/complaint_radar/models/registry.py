"""The one place that knows the bundled model artifacts: load them (cached) and report their version."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from complaint_radar.errors import ModelError
from complaint_radar.models.serving import CONFIG_FILE, ServingModel

MODEL_NAMES: tuple[str, ...] = ("sentiment_zh", "emotion_zh", "complaint_en")
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
_lock = threading.Lock()
_loaded: dict[str, ServingModel] = {}


def artifact_dir(name: str) -> Path:
    """Directory of a bundled model's files (`model.json`, `weights.npz`)."""
    if name not in MODEL_NAMES:
        raise ModelError(f"unknown model {name!r}; bundled models are: {', '.join(MODEL_NAMES)}")
    return ARTIFACTS_DIR / name


def load_model(name: str) -> ServingModel:
    """The bundled model `name`, loaded once per process (no network access, no pickle)."""
    with _lock:
        model = _loaded.get(name)
        if model is None:
            model = ServingModel.load(artifact_dir(name))
            _loaded[name] = model
        return model


def bundled_model_version() -> str:
    """e.g. `sentiment_zh 2026-11-23+3f2a9c1b0d4e; emotion_zh ...`: name, training date, weights digest."""
    parts = []
    for name in MODEL_NAMES:
        path = artifact_dir(name) / CONFIG_FILE
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {path} ({exc}); rebuild the models with `make models`") from exc
        parts.append(f"{name} {doc.get('date', 'unknown')}+{doc.get('weights_sha256_12', 'unknown')}")
    return "; ".join(parts)


def clear_cache() -> None:
    """Forget loaded models (tests, or after rebuilding artifacts in-process)."""
    with _lock:
        _loaded.clear()
