"""Multi-label text classification: one calibrated binary `TextClassifier` per label (one-vs-rest).

Saved as a `multi_label` taxonomy directory (models/taxonomy.py), which loads without scikit-learn;
prediction here runs through the same `StackedBinaryScorer` as the loaded taxonomy, so a model and its
saved copy give identical scores.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator  # type: ignore[import-untyped]

from complaint_radar.models.embedding import EmbeddingStack, fit_embedding_stack
from complaint_radar.models.linear import TextClassifier
from complaint_radar.models.taxonomy import (
    DEFAULT_MIN_SCORE,
    MULTI_LABEL,
    StackedBinaryScorer,
    multi_label_decision,
    write_manifest,
)

POSITIVE, NEGATIVE = "1", "0"


class OneVsRestTextClassifier(BaseEstimator):  # type: ignore[misc]
    """`fit(texts, label_sets)`; `predict` gives each text a tuple of labels (see models/taxonomy.py for
    the decision rule). A label needs `min_examples` texts with it and as many without it to be learned;
    rarer labels are left out and listed in `dropped_labels_`."""

    def __init__(
        self,
        char_ngram_range: tuple[int, int] | None = (1, 3),
        word_ngram_range: tuple[int, int] | None = (1, 2),
        n_features: int = 2**20,
        heads: tuple[str, ...] = ("svm", "nbsvm"),
        C: float = 0.5,
        class_weight: str | None = None,
        cv_folds: int = 3,
        min_examples: int = 2,
        min_score: float = DEFAULT_MIN_SCORE,
        seed: int = 13,
    ) -> None:
        self.char_ngram_range = char_ngram_range
        self.word_ngram_range = word_ngram_range
        self.n_features = n_features
        self.heads = heads
        self.C = C
        self.class_weight = class_weight
        self.cv_folds = cv_folds
        self.min_examples = min_examples
        self.min_score = min_score
        self.seed = seed

    def _binary_params(self) -> dict[str, Any]:
        return {
            "char_ngram_range": self.char_ngram_range,
            "word_ngram_range": self.word_ngram_range,
            "n_features": self.n_features,
            "heads": self.heads,
            "C": self.C,
            "class_weight": self.class_weight,
            "cv_folds": self.cv_folds,
            "f1_class": POSITIVE,
            "seed": self.seed,
        }

    def fit(self, X: Iterable[str], Y: Iterable[Iterable[str]], embeddings: np.ndarray | None = None) -> Self:
        """Fit one binary model per label; with `embeddings` (one row per text, models/embedding.py), each
        label's model is an `EmbeddingStack` of its n-gram model and a head on the embeddings."""
        texts = list(X)
        sets = [frozenset(str(v) for v in labels) for labels in Y]
        if len(texts) != len(sets):
            raise ValueError(f"{len(texts)} texts but {len(sets)} label sets")
        counts: dict[str, int] = {}
        for s in sets:
            for label in s:
                counts[label] = counts.get(label, 0) + 1
        n = len(texts)
        keep = sorted(lb for lb, c in counts.items() if c >= self.min_examples and n - c >= self.min_examples)
        self.dropped_labels_ = {lb: c for lb, c in sorted(counts.items()) if lb not in keep}
        if not keep:
            raise ValueError(
                f"no label has at least {self.min_examples} texts with it and {self.min_examples} without it"
            )
        self.labels_ = np.asarray(keep)
        self.label_counts_ = {lb: counts[lb] for lb in keep}
        targets = [[POSITIVE if lb in s else NEGATIVE for s in sets] for lb in keep]
        self.estimators_: list[TextClassifier | EmbeddingStack]
        if embeddings is None:
            self.estimators_ = [TextClassifier(**self._binary_params()).fit(texts, y) for y in targets]
        else:
            self.estimators_ = [
                fit_embedding_stack(
                    lambda: TextClassifier(**self._binary_params()),
                    texts,
                    y,
                    embeddings,
                    folds=self.cv_folds,
                    class_weight="balanced",
                    seed=self.seed,
                )
                for y in targets
            ]
        self.thresholds_ = np.asarray([float(e.threshold_) for e in self.estimators_])
        self.scorer_ = StackedBinaryScorer.from_models(self.estimators_)
        self.n_training_texts_ = n
        return self

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """(n, labels) probability that each label in `labels_` applies."""
        return self.scorer_.predict_proba(list(X))

    def decide(self, proba: np.ndarray) -> list[tuple[str, ...]]:
        return multi_label_decision(
            proba, [str(x) for x in self.labels_], self.thresholds_.tolist(), self.min_score
        )

    def predict(self, X: Iterable[str]) -> list[tuple[str, ...]]:
        return self.decide(self.predict_proba(X))

    def save(self, directory: str | Path, name: str, metadata: dict[str, Any] | None = None) -> Path:
        """Write the taxonomy directory: `manifest.json` and one binary model per label in `labels/NN/`."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        if (out / "labels").exists():
            shutil.rmtree(out / "labels")
        width = max(2, len(str(len(self.labels_) - 1)))
        dirs = [f"labels/{i:0{width}d}" for i in range(len(self.labels_))]
        for label, estimator, sub in zip(self.labels_, self.estimators_, dirs, strict=True):
            estimator.save(out / sub, {"label": str(label)})
        write_manifest(
            out,
            MULTI_LABEL,
            name,
            [str(x) for x in self.labels_],
            label_dirs=dirs,
            thresholds=[round(float(t), 4) for t in self.thresholds_],
            min_score=self.min_score,
            dropped_labels=self.dropped_labels_,
            params={k: list(v) if isinstance(v, tuple) else v for k, v in self.get_params().items()},
            **(metadata or {}),
        )
        return out


def label_sets(values: Sequence[str], separator: str) -> list[tuple[str, ...]]:
    """`"B|A|A"` → `("A", "B")`: split on `separator`, strip, drop empties and repeats, sort."""
    return [tuple(sorted({part.strip() for part in v.split(separator) if part.strip()})) for v in values]
