"""Serving bundled linear text models without scikit-learn: features, scores, probabilities, evidence.

`LinearScorer` is the prediction half shared by the trainable `TextClassifier` (models/linear.py, which
needs scikit-learn to fit) and `ServingModel`, which only loads saved artifacts; the runtime imports
this module alone, so starting the assessor does not pay for importing scikit-learn.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from complaint_radar.errors import ModelError
from complaint_radar.models.features import HashingConfig, count_matrix, spans_and_columns

FORMAT_VERSION = 1
CONFIG_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
_cache: dict[str, tuple[HashingConfig, tuple[str, ...], sp.csr_matrix]] = {}


def _counts(texts: Sequence[str], config: HashingConfig, batch_size: int) -> sp.csr_matrix:
    """Count matrix of `texts`; the last batch is remembered so that models sharing a hashing
    configuration (sentiment and emotion) featurise a batch only once."""
    key = tuple(texts)
    hit = _cache.get("last")
    if hit is not None and hit[0] == config and hit[1] == key:
        return hit[2]
    blocks = [count_matrix(key[i : i + batch_size], config) for i in range(0, len(key), batch_size)]
    matrix = sp.vstack(blocks, format="csr") if len(blocks) != 1 else blocks[0]
    if len(key) <= batch_size:
        _cache["last"] = (config, key, matrix)
    return matrix


def clear_feature_cache() -> None:
    """Forget the remembered batch (benchmarks timing each model on its own)."""
    _cache.clear()


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF × IDF, each row scaled to unit L2 norm."""
    data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    data = (data / norms[rows]).astype(np.float32)
    return sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


class LinearScorer:
    """Prediction from fitted arrays: `idf_`, `coef_` (n_features × outputs), `intercept_`, `classes_`,
    `threshold_`, plus the `hashing` configuration, `batch_size` and `f1_class`."""

    idf_: np.ndarray
    coef_: np.ndarray
    intercept_: np.ndarray
    classes_: np.ndarray
    threshold_: float
    metadata_: dict[str, Any]
    batch_size: int
    f1_class: str | None

    @property
    def hashing(self) -> HashingConfig:  # pragma: no cover - overridden
        raise NotImplementedError

    # -------------------------------------------------------------------------------------- prediction
    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Logits: (n,) for two classes (positive = `classes_[1]`), else (n, n_classes)."""
        self._check_fitted()
        texts = _as_texts(X)
        if not texts:
            return np.zeros((0,) if self.coef_.shape[1] == 1 else (0, self.coef_.shape[1]), np.float32)
        out = []
        for i in range(0, len(texts), self.batch_size):
            counts = _counts(texts[i : i + self.batch_size], self.hashing, self.batch_size)
            out.append(_tfidf(counts, self.idf_) @ self.coef_ + self.intercept_)
        scores = np.vstack(out)
        return np.asarray(scores[:, 0] if scores.shape[1] == 1 else scores)

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = 1.0 / (1.0 + np.exp(-scores))
            return np.stack([1.0 - p, p], axis=1)
        z = np.exp(scores - scores.max(axis=1, keepdims=True))
        return np.asarray(z / z.sum(axis=1, keepdims=True))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        return self.decide(self.predict_proba(X))

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Labels from `predict_proba` output: the most probable class; for two classes with `f1_class`,
        that class iff its probability ≥ `threshold_` (chosen on out-of-fold training scores for F1)."""
        if self.f1_class is not None and proba.shape[1] == 2:
            k = [str(c) for c in self.classes_].index(self.f1_class)
            return np.asarray(
                np.where(proba[:, k] >= self.threshold_, self.classes_[k], self.classes_[1 - k])
            )
        return np.asarray(self.classes_[proba.argmax(axis=1)])

    def explain(self, text: str, top_k: int = 5, target: str | None = None) -> list[tuple[int, int, float]]:
        """The `[start, end)` spans of `text` whose n-grams push hardest towards `target` (default: the
        predicted class), as (start, end, weight), strongest first; overlapping spans are skipped."""
        self._check_fitted()
        classes = [str(c) for c in self.classes_]
        k = int(self.predict_proba([text])[0].argmax()) if target is None else classes.index(target)
        if self.coef_.shape[1] == 1:
            w = self.coef_[:, 0] * (1.0 if k == 1 else -1.0)
        else:
            w = self.coef_[:, k] - self.coef_.mean(axis=1)
        starts, ends, cols = spans_and_columns(text, self.hashing)
        if cols.size == 0:
            return []
        counts = _counts([text], self.hashing, self.batch_size)
        x = _tfidf(counts, self.idf_)
        value = np.zeros(self.coef_.shape[0], dtype=np.float32)
        value[x.indices] = x.data / counts.data
        return strongest_spans(text, starts, ends, value[cols] * w[cols], top_k)

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise ModelError("this TextClassifier is not fitted yet: call fit() or TextClassifier.load()")


class ServingModel(LinearScorer):
    """A saved model loaded for prediction only (what the assessor uses)."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self._hashing = HashingConfig(
            params.get("char_ngram_range"), params.get("word_ngram_range"), int(params["n_features"])
        )
        self._hashing.validate()
        self.batch_size = int(params.get("batch_size", 4096))
        self.f1_class = params.get("f1_class")

    @property
    def hashing(self) -> HashingConfig:
        return self._hashing

    @classmethod
    def load(cls, directory: str | Path) -> ServingModel:
        """Load a model written by `TextClassifier.save`; raises ModelError naming the problem and the fix."""
        doc, params, arrays = read_artifacts(directory)
        model = cls(params)
        set_fitted(model, doc, arrays, Path(directory))
        return model


def read_files(where: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """`model.json` and the arrays of `weights.npz` in `where` (no pickle); I/O and parse errors propagate."""
    doc = json.loads((where / CONFIG_FILE).read_text(encoding="utf-8"))
    with np.load(where / WEIGHTS_FILE, allow_pickle=False) as npz:
        return doc, {name: npz[name] for name in npz.files}


def read_artifacts(directory: str | Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, np.ndarray]]:
    """(`model.json` document, constructor params, weight arrays) of a saved model (no pickle)."""
    where = Path(directory)
    try:
        doc, arrays = read_files(where)
    except FileNotFoundError as exc:
        raise ModelError(
            f"model artifact missing: {exc.filename}; rebuild it with `make models` "
            "(python -m complaint_radar.models.train --data <shared data> --out <artifacts dir>)"
        ) from exc
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(
            f"model artifact in {where} is corrupt ({exc}); rebuild it with `make models`"
        ) from exc
    if doc.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"model in {where} has format {doc.get('format_version')!r}, this code reads {FORMAT_VERSION};"
            " rebuild it with `make models`"
        )
    try:
        params: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in doc["params"].items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise ModelError(
            f"model artifact in {where} is inconsistent ({exc}); rebuild it with `make models`"
        ) from exc
    return doc, params, arrays


def set_fitted(model: LinearScorer, doc: dict[str, Any], arrays: dict[str, np.ndarray], where: Path) -> None:
    """Expand the stored sparse arrays into `model`'s fitted attributes and check them."""
    try:
        n_features = int(doc["params"]["n_features"])
        idf = np.full(n_features, float(arrays["idf_default"][0]), dtype=np.float32)
        idf[arrays["idf_rows"]] = arrays["idf_values"].astype(np.float32)
        values = arrays["coef_values"].astype(np.float32)
        coef = np.zeros((n_features, values.shape[1]), dtype=np.float32)
        coef[arrays["coef_rows"]] = values
        model.idf_ = idf
        model.coef_ = coef
        model.intercept_ = arrays["intercept"].astype(np.float32)
        model.classes_ = np.asarray(doc["classes"])
        model.threshold_ = float(doc.get("threshold", 0.5))
        model.metadata_ = doc
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelError(
            f"model artifact in {where} is inconsistent ({exc}); rebuild it with `make models`"
        ) from exc
    expected = 1 if len(model.classes_) == 2 else len(model.classes_)
    if model.coef_.shape[1] != expected or model.intercept_.shape != (expected,):
        raise ModelError(
            f"model artifact in {where} does not match its classes; rebuild it with `make models`"
        )


def strongest_spans(
    text: str, starts: np.ndarray, ends: np.ndarray, contrib: np.ndarray, top_k: int
) -> list[tuple[int, int, float]]:
    """The `top_k` strongest non-overlapping spans of `text`, given every n-gram occurrence's
    `[start, end)` and contribution. A candidate span's weight is the summed contribution of every
    occurrence inside it, so "太差" outranks its parts "太" and "差". Candidates start and end on word
    boundaries in space-delimited scripts (`cuts_word`), so English evidence is whole words."""
    cand = np.unique(np.stack([starts, ends], axis=1), axis=0)
    if cand.size:
        ok = np.fromiter((_edge_ok(ch) for ch in text), dtype=bool, count=len(text))
        cand = cand[ok[cand[:, 0]] & ok[cand[:, 1] - 1] & ~cuts_word(text, cand[:, 0], cand[:, 1])]
    if cand.size == 0:
        return []
    inside = (starts[None, :] >= cand[:, :1]) & (ends[None, :] <= cand[:, 1:])
    weight = inside.astype(np.float32) @ contrib.astype(np.float32)
    chosen: list[tuple[int, int, float]] = []
    seen: set[str] = set()
    for i in np.lexsort((cand[:, 0], -weight)).tolist():
        if len(chosen) >= top_k:
            break
        s, e = int(cand[i, 0]), int(cand[i, 1])
        if text[s:e] not in seen and all(e <= cs or s >= ce for cs, ce, _ in chosen):
            chosen.append((s, e, round(float(weight[i]), 4)))
            seen.add(text[s:e])
    return chosen


def _word_chars(text: str) -> np.ndarray:
    """Per character: whether it belongs to a word of a space-delimited script (letters and digits
    outside the CJK blocks, and an apostrophe between two of them, as in "didn't")."""
    word = np.fromiter((c.isalnum() and ord(c) < 0x2E80 for c in text), dtype=bool, count=len(text))
    for i in range(1, len(text) - 1):
        if text[i] in "'’" and word[i - 1] and word[i + 1]:
            word[i] = True
    return word


def cuts_word(text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per [start, end): whether text[start:end] begins or ends in the middle of a word of a
    space-delimited script ("d, r" of "closed, refund"); Chinese text has no such boundaries."""
    n = len(text)
    if n == 0:
        return np.zeros(len(starts), dtype=bool)
    word = _word_chars(text)

    def inside(at: np.ndarray) -> np.ndarray:
        within = (at > 0) & (at < n)
        left = word[np.clip(at - 1, 0, n - 1)]
        right = word[np.clip(at, 0, n - 1)]
        return np.asarray(within & left & right)

    return np.asarray(inside(np.asarray(starts)) | inside(np.asarray(ends)))


def _edge_ok(ch: str) -> bool:
    """Evidence spans neither start nor end on whitespace or punctuation."""
    return not ch.isspace() and not unicodedata.category(ch).startswith("P")


def _as_texts(X: Iterable[str]) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected a sequence of texts, got a single string; wrap it in a list")
    return [t if isinstance(t, str) else ("" if t is None else str(t)) for t in X]
