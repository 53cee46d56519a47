"""TextClassifier: hashed char+word n-gram TF-IDF, stacked linear heads, calibrated, saved without pickle.

Fitting needs scikit-learn; prediction lives in `serving.LinearScorer`, shared with `ServingModel`."""

from __future__ import annotations

import hashlib
import json
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
from complaint_radar.models.features import HashingConfig
from complaint_radar.models.serving import (
    CONFIG_FILE,
    FORMAT_VERSION,
    WEIGHTS_FILE,
    LinearScorer,
    _as_texts,
    _counts,
    _tfidf,
    read_artifacts,
    set_fitted,
)

HEADS = ("svm", "nbsvm", "lr")


def _fit_idf(counts: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    n = counts.shape[0]
    idf: np.ndarray = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    return idf


class TextClassifier(LinearScorer, BaseEstimator, ClassifierMixin):  # type: ignore[misc]
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

    def fit(
        self,
        X: Iterable[str],
        y: Iterable[Any],
        sample_weight: Sequence[float] | None = None,
        threshold_weight: Sequence[float] | None = None,
    ) -> Self:
        """Fit on `X`, `y`; `sample_weight` (optional, one per text) scales each text's weight in every
        head and in the stacker; `threshold_weight` (default: `sample_weight`) each text's weight in the
        choice of the F1 threshold on out-of-fold probabilities (0 leaves a text out of that choice)."""
        texts = _as_texts(X)
        labels = np.asarray([str(v) for v in y])
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weight is not None and (weight.shape != (len(texts),) or (weight < 0).any()):
            raise ValueError(f"sample_weight needs {len(texts)} non-negative weights")
        t_weight = weight if threshold_weight is None else np.asarray(threshold_weight, dtype=np.float64)
        if t_weight is not None and (t_weight.shape != (len(texts),) or (t_weight < 0).any()):
            raise ValueError(f"threshold_weight needs {len(texts)} non-negative weights")
        unknown = set(self.heads) - set(HEADS)
        if unknown or not self.heads:
            raise ValueError(f"heads must be a non-empty subset of {HEADS}, got {self.heads}")
        self.classes_, y_idx = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("need at least two classes")
        counts = _counts(texts, self.hashing, self.batch_size)
        self.idf_ = _fit_idf(counts)
        X_all = _tfidf(counts, self.idf_)
        W, c = self._fit_heads(X_all, y_idx, weight)
        n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        folds = min(self.cv_folds, int(np.bincount(y_idx).min()))
        if self.calibrate and folds >= 2:
            oof = np.zeros((len(texts), W.shape[1]), dtype=np.float64)
            splitter = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
            for tr, te in splitter.split(np.zeros(len(y_idx)), y_idx):
                idf = _fit_idf(counts[tr])
                Wf, cf = self._fit_heads(
                    _tfidf(counts[tr], idf), y_idx[tr], None if weight is None else weight[tr]
                )
                oof[te] = _tfidf(counts[te], idf) @ Wf + cf
            stacker = LogisticRegression(C=self.calibration_C, max_iter=1000)
            stacker.fit(oof, y_idx, sample_weight=weight)
            A = stacker.coef_.T  # (heads × outputs, n_out)
            self.threshold_ = self._f1_threshold(stacker.predict_proba(oof), y_idx, t_weight)
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

    def _f1_threshold(self, proba: np.ndarray, y_idx: np.ndarray, weight: np.ndarray | None = None) -> float:
        """For two classes and `f1_class` set: the probability of `f1_class` above which `predict` says
        `f1_class`, maximising that class's F1 on out-of-fold probabilities (smoothed over ±0.02)."""
        if self.f1_class is None or proba.shape[1] != 2:
            return 0.5
        k = [str(c) for c in self.classes_].index(self.f1_class)
        gold = y_idx == k
        grid = np.round(np.arange(0.20, 0.801, 0.01), 2)
        f1 = np.array([_f1(gold, proba[:, k] >= t, weight) for t in grid])
        smooth = np.convolve(f1, np.ones(5) / 5, mode="same")
        return float(grid[int(np.argmax(smooth[2:-2])) + 2])

    def _fit_heads(
        self, X: sp.csr_matrix, y_idx: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Weights (n_features, heads × outputs) and intercepts of every head, one-vs-rest; `sample_weight`
        scales each row's (class-balanced) weight."""
        n_classes = int(y_idx.max()) + 1
        targets = [y_idx == 1] if n_classes == 2 else [y_idx == k for k in range(n_classes)]
        columns: list[np.ndarray] = []
        intercepts: list[float] = []
        for head in self.heads:
            for target in targets:
                weights = self._balanced(target)
                if sample_weight is not None:
                    weights = sample_weight if weights is None else weights * sample_weight
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

    # ---------------------------------------------------------------------------------------- storage
    def save(self, directory: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write `weights.npz` (plain arrays) and `model.json` (config, classes, version, metadata)."""
        self._check_fitted()
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        rows = np.flatnonzero(np.abs(self.coef_).max(axis=1) > 0).astype(np.int32)
        default = float(self.idf_.max())
        seen = np.flatnonzero(self.idf_ < default).astype(np.int32)
        arrays: dict[str, Any] = {
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
        doc, params, arrays = read_artifacts(directory)
        try:
            model = cls(**params)
        except TypeError as exc:
            raise ModelError(
                f"model artifact in {directory} has unknown parameters ({exc}); rebuild it with `make models`"
            ) from exc
        set_fitted(model, doc, arrays, Path(directory))
        return model


def _f1(gold: np.ndarray, pred: np.ndarray, weight: np.ndarray | None = None) -> float:
    w = np.ones(len(gold)) if weight is None else weight
    tp = float(np.sum(w[gold & pred]))
    return 0.0 if tp == 0 else 2 * tp / (float(w[gold].sum()) + float(w[pred].sum()))
