"""TextClassifier: hashed char+word n-gram TF-IDF, stacked linear heads, calibrated, saved without pickle."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.base import BaseEstimator, ClassifierMixin  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

from complaint_radar.errors import ModelError
from complaint_radar.models.features import HashingConfig, count_matrix, spans_and_columns

FORMAT_VERSION = 1
HEADS = ("svm", "nbsvm", "lr")
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


def _fit_idf(counts: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    n = counts.shape[0]
    idf: np.ndarray = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    return idf


class TextClassifier(BaseEstimator, ClassifierMixin):  # type: ignore[misc]
    """Linear text classifier for short customer messages (any language `words()` can split).

    Features: hashed character n-grams of `normalize(text)` and hashed word n-grams of
    `words(normalize(text))`, sublinear TF-IDF, L2 rows. Heads: one-vs-rest linear SVM (`svm`), NB-SVM
    with log-count-ratio scaling (`nbsvm`) and logistic regression (`lr`). With `calibrate`, a logistic
    stacker fitted on out-of-fold head scores weighs the heads and calibrates the probabilities; as every
    step is linear, the fitted model collapses into ONE weight matrix (`coef_`, `intercept_`).
    """

    def __init__(
        self,
        char_ngram_range: tuple[int, int] | None = (1, 3),
        word_ngram_range: tuple[int, int] | None = (1, 2),
        n_features: int = 2**20,
        heads: tuple[str, ...] = ("svm", "nbsvm"),
        C: float = 0.5,
        lr_C: float = 8.0,
        nb_alpha: float = 1.0,
        class_weight: str | None = None,
        calibrate: bool = True,
        cv_folds: int = 3,
        calibration_C: float = 10.0,
        prune: float = 1e-3,
        f1_class: str | None = None,
        seed: int = 13,
        max_iter: int = 5000,
        batch_size: int = 4096,
    ) -> None:
        self.char_ngram_range = char_ngram_range
        self.word_ngram_range = word_ngram_range
        self.n_features = n_features
        self.heads = heads
        self.C = C
        self.lr_C = lr_C
        self.nb_alpha = nb_alpha
        self.class_weight = class_weight
        self.calibrate = calibrate
        self.cv_folds = cv_folds
        self.calibration_C = calibration_C
        self.prune = prune
        self.f1_class = f1_class
        self.seed = seed
        self.max_iter = max_iter
        self.batch_size = batch_size

    # ----------------------------------------------------------------------------------------- fitting
    @property
    def hashing(self) -> HashingConfig:
        cfg = HashingConfig(
            tuple(self.char_ngram_range) if self.char_ngram_range else None,  # type: ignore[arg-type]
            tuple(self.word_ngram_range) if self.word_ngram_range else None,  # type: ignore[arg-type]
            int(self.n_features),
        )
        cfg.validate()
        return cfg

    def fit(self, X: Iterable[str], y: Iterable[Any]) -> Self:
        texts = _as_texts(X)
        labels = np.asarray([str(v) for v in y])
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        unknown = set(self.heads) - set(HEADS)
        if unknown or not self.heads:
            raise ValueError(f"heads must be a non-empty subset of {HEADS}, got {self.heads}")
        self.classes_, y_idx = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("need at least two classes")
        counts = _counts(texts, self.hashing, self.batch_size)
        self.idf_ = _fit_idf(counts)
        X_all = _tfidf(counts, self.idf_)
        W, c = self._fit_heads(X_all, y_idx)
        n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        folds = min(self.cv_folds, int(np.bincount(y_idx).min()))
        if self.calibrate and folds >= 2:
            oof = np.zeros((len(texts), W.shape[1]), dtype=np.float64)
            splitter = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
            for tr, te in splitter.split(np.zeros(len(y_idx)), y_idx):
                idf = _fit_idf(counts[tr])
                Wf, cf = self._fit_heads(_tfidf(counts[tr], idf), y_idx[tr])
                oof[te] = _tfidf(counts[te], idf) @ Wf + cf
            stacker = LogisticRegression(C=self.calibration_C, max_iter=1000)
            stacker.fit(oof, y_idx)
            A = stacker.coef_.T  # (heads × outputs, n_out)
            self.threshold_ = self._f1_threshold(stacker.predict_proba(oof), y_idx)
            self.coef_ = (W @ A).astype(np.float32)
            self.intercept_ = (c @ A + stacker.intercept_).astype(np.float32)
        else:
            n_heads = len(self.heads)
            self.coef_ = (W.reshape(W.shape[0], n_heads, n_out).mean(axis=1)).astype(np.float32)
            self.intercept_ = c.reshape(n_heads, n_out).mean(axis=0).astype(np.float32)
            self.threshold_ = 0.5
        if self.prune > 0:
            scale = float(np.abs(self.coef_).max()) or 1.0
            self.coef_[np.abs(self.coef_).max(axis=1) < self.prune * scale] = 0.0
        # Keep exactly what `save` stores, so a saved and re-loaded model predicts identically.
        self.coef_ = self.coef_.astype(np.float16).astype(np.float32)
        self.idf_ = self.idf_.astype(np.float16).astype(np.float32)
        self.n_training_texts_ = len(texts)
        return self

    def _f1_threshold(self, proba: np.ndarray, y_idx: np.ndarray) -> float:
        """For two classes and `f1_class` set: the probability of `f1_class` above which `predict` says
        `f1_class`, maximising that class's F1 on out-of-fold probabilities (smoothed over ±0.02)."""
        if self.f1_class is None or proba.shape[1] != 2:
            return 0.5
        k = [str(c) for c in self.classes_].index(self.f1_class)
        gold = y_idx == k
        grid = np.round(np.arange(0.20, 0.801, 0.01), 2)
        f1 = np.array([_f1(gold, proba[:, k] >= t) for t in grid])
        smooth = np.convolve(f1, np.ones(5) / 5, mode="same")
        return float(grid[int(np.argmax(smooth[2:-2])) + 2])

    def _fit_heads(self, X: sp.csr_matrix, y_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights (n_features, heads × outputs) and intercepts of every head, one-vs-rest."""
        n_classes = int(y_idx.max()) + 1
        targets = [y_idx == 1] if n_classes == 2 else [y_idx == k for k in range(n_classes)]
        columns: list[np.ndarray] = []
        intercepts: list[float] = []
        for head in self.heads:
            for target in targets:
                weights = self._balanced(target)
                if head == "nbsvm":
                    r = self._nb_ratio(X, target)
                    model = LinearSVC(C=self.C, max_iter=self.max_iter, random_state=self.seed)
                    model.fit(X @ sp.diags(r), target, sample_weight=weights)
                    columns.append(model.coef_.ravel() * r)
                else:
                    if head == "svm":
                        model = LinearSVC(C=self.C, max_iter=self.max_iter, random_state=self.seed)
                    else:
                        model = LogisticRegression(
                            C=self.lr_C, solver="liblinear", max_iter=self.max_iter, random_state=self.seed
                        )
                    model.fit(X, target, sample_weight=weights)
                    columns.append(model.coef_.ravel())
                intercepts.append(float(model.intercept_[0]))
        return np.stack(columns, axis=1), np.asarray(intercepts)

    def _balanced(self, target: np.ndarray) -> np.ndarray | None:
        if self.class_weight != "balanced":
            return None
        pos = float(target.mean())
        return np.where(target, 0.5 / pos, 0.5 / (1.0 - pos))

    def _nb_ratio(self, X: sp.csr_matrix, target: np.ndarray) -> np.ndarray:
        p = self.nb_alpha + np.asarray(X[target].sum(axis=0)).ravel()
        q = self.nb_alpha + np.asarray(X[~target].sum(axis=0)).ravel()
        ratio: np.ndarray = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        return ratio

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
        contrib = value[cols] * w[cols]
        # A candidate span's weight is the summed contribution of every n-gram occurrence inside it, so
        # "太差" outranks its parts "太" and "差"; the strongest non-overlapping spans are returned.
        cand = np.unique(np.stack([starts, ends], axis=1), axis=0)
        cand = cand[[_edge_ok(text[s]) and _edge_ok(text[e - 1]) for s, e in cand.tolist()]]
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

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise ModelError("this TextClassifier is not fitted yet: call fit() or TextClassifier.load()")

    # ---------------------------------------------------------------------------------------- storage
    def save(self, directory: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write `weights.npz` (plain arrays) and `model.json` (config, classes, version, metadata)."""
        self._check_fitted()
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        rows = np.flatnonzero(np.abs(self.coef_).max(axis=1) > 0).astype(np.int32)
        default = float(self.idf_.max())
        seen = np.flatnonzero(self.idf_ < default).astype(np.int32)
        arrays = {
            "coef_rows": rows,
            "coef_values": self.coef_[rows].astype(np.float16),
            "intercept": self.intercept_.astype(np.float32),
            "idf_rows": seen,
            "idf_values": self.idf_[seen].astype(np.float16),
            "idf_default": np.asarray([default], dtype=np.float32),
        }
        np.savez_compressed(out / WEIGHTS_FILE, **arrays)
        digest = hashlib.sha256((out / WEIGHTS_FILE).read_bytes()).hexdigest()[:12]
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.get_params().items()}
        doc = {
            "format_version": FORMAT_VERSION,
            "kind": "complaint_radar.TextClassifier",
            "classes": [str(c) for c in self.classes_],
            "params": params,
            "weights_sha256_12": digest,
            "threshold": float(getattr(self, "threshold_", 0.5)),
            "n_training_texts": int(getattr(self, "n_training_texts_", 0)),
            **(metadata or {}),
        }
        (out / CONFIG_FILE).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return out

    @classmethod
    def load(cls, directory: str | Path) -> TextClassifier:
        """Load a model written by `save`; raises ModelError naming the problem and the fix."""
        where = Path(directory)
        try:
            doc = json.loads((where / CONFIG_FILE).read_text(encoding="utf-8"))
            with np.load(where / WEIGHTS_FILE, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
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
                f"model in {where} has format {doc.get('format_version')!r}, "
                f"this code reads {FORMAT_VERSION};"
                " rebuild it with `make models`"
            )
        try:
            params: dict[str, Any] = {
                k: tuple(v) if isinstance(v, list) else v for k, v in doc["params"].items()
            }
            model = cls(**params)
            n_features = int(params["n_features"])
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
        return model


def _edge_ok(ch: str) -> bool:
    """Evidence spans neither start nor end on whitespace or punctuation."""
    return not ch.isspace() and not unicodedata.category(ch).startswith("P")


def _f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(gold & pred))
    return 0.0 if tp == 0 else 2 * tp / (float(gold.sum()) + float(pred.sum()))


def _as_texts(X: Iterable[str]) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected a sequence of texts, got a single string; wrap it in a list")
    return [t if isinstance(t, str) else ("" if t is None else str(t)) for t in X]
