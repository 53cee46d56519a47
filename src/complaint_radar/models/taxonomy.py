"""Custom taxonomies at run time: load a taxonomy directory and give each text its topics and scores.

Three kinds, one directory layout (`manifest.json` says which), all loaded without scikit-learn:

* `single_label`: one `TextClassifier` (`model.json` + `weights.npz` beside the manifest); each text gets
  exactly one topic, the most probable class; scores are calibrated class probabilities summing to 1.
* `multi_label`: one binary `TextClassifier` per label (`labels/00/`, `labels/01/`, …). A label applies
  when its calibrated probability reaches the label's own threshold, chosen on out-of-fold training
  probabilities to maximise that label's F1 (grid 0.20–0.80). When no label reaches its threshold, the
  most probable label is still given if its probability is at least `min_score` (stored in the manifest,
  0.2 by default), so a text that is probably about something is not left without a topic; below that,
  no topic. Scores are the per-label probabilities (they need not sum to 1).
* `rules`: keyword/regex rules (`rules.json`, see models/rules.py); scores are rule strengths.

A directory holding only `model.json` + `weights.npz` (a bundled model) loads as `single_label`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from complaint_radar.errors import ModelError
from complaint_radar.models.embedding import EmbeddingStack, embedder, is_embedding_stack
from complaint_radar.models.features import HashingConfig
from complaint_radar.models.rules import KeywordRules
from complaint_radar.models.serving import CONFIG_FILE, LinearScorer, ServingModel, _as_texts, _counts, _tfidf

MANIFEST_FILE = "manifest.json"
FORMAT = "complaint_radar.taxonomy"
FORMAT_VERSION = 1
SINGLE_LABEL, MULTI_LABEL, RULES = "single_label", "multi_label", "rules"
KINDS = (SINGLE_LABEL, MULTI_LABEL, RULES)
DEFAULT_MIN_SCORE = 0.2
TOPIC_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class TopicPrediction:
    """The topics of one text (most likely first) and every label's score."""

    topics: tuple[str, ...]
    scores: dict[str, float]

    def topics_text(self) -> str:
        """The topics joined with `;` (the `topics` column of assess-file)."""
        return TOPIC_SEPARATOR.join(self.topics)

    def scores_json(self) -> str:
        """`{label: score}` as compact JSON, scores rounded to 4 decimals (the `topic_scores` column)."""
        return json.dumps({k: round(v, 4) for k, v in self.scores.items()}, ensure_ascii=False)


class StackedBinaryScorer:
    """Binary linear models sharing one feature space, scored together: the texts are featurised once
    and one sparse product gives every label's logit."""

    def __init__(
        self,
        hashing: HashingConfig,
        idf: np.ndarray,
        coef: sp.csr_matrix,
        intercept: np.ndarray,
        batch_size: int,
        embedding: EmbeddingHeads | None = None,
    ) -> None:
        self.hashing = hashing
        self.idf = idf
        self.coef = coef
        self.intercept = intercept
        self.batch_size = batch_size
        self.embedding = embedding

    @classmethod
    def from_models(cls, models: Sequence[LinearScorer]) -> StackedBinaryScorer:
        """Stack binary models (logit = score of `classes_[1]`) fitted on the same texts."""
        if not models:
            raise ModelError("a multi-label taxonomy needs at least one label model")
        stacks = [m for m in models if isinstance(m, EmbeddingStack)]
        if stacks and len(stacks) != len(models):
            raise ModelError("either every label model of a taxonomy uses embeddings or none; train it again")
        embedding = EmbeddingHeads.from_stacks(stacks) if stacks else None
        models = [m.base for m in stacks] if stacks else list(models)
        first = models[0]
        for model in models:
            if model.coef_.shape[1] != 1:
                raise ModelError("every label model of a multi-label taxonomy must be binary")
            if model.hashing != first.hashing or not np.array_equal(model.idf_, first.idf_):
                raise ModelError(
                    "the label models of this multi-label taxonomy do not share features; train it again"
                )
        coef = sp.csr_matrix(np.hstack([m.coef_ for m in models]))
        intercept = np.concatenate([m.intercept_ for m in models]).astype(np.float32)
        return cls(first.hashing, first.idf_, coef, intercept, int(first.batch_size), embedding)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, labels) probability that each label applies."""
        out = [np.zeros((0, self.coef.shape[1]), dtype=np.float32)]
        for i in range(0, len(texts), self.batch_size):
            counts = _counts(texts[i : i + self.batch_size], self.hashing, self.batch_size)
            logits = (_tfidf(counts, self.idf) @ self.coef).toarray() + self.intercept
            if self.embedding is not None:
                logits = self.embedding.combine(logits, texts[i : i + self.batch_size])
            out.append(logits.astype(np.float32))
        scores = np.vstack(out)
        return np.asarray(1.0 / (1.0 + np.exp(-scores)))


@dataclass(frozen=True)
class EmbeddingHeads:
    """The embedding side of label models that are `EmbeddingStack`s: per label, a logistic head on the
    text's embedding and the stacker's weights for (n-gram logit, embedding logit)."""

    head_coef: np.ndarray  # (dim, labels)
    head_intercept: np.ndarray  # (labels,)
    base_weight: np.ndarray  # (labels,)
    head_weight: np.ndarray  # (labels,)
    bias: np.ndarray  # (labels,)

    @classmethod
    def from_stacks(cls, stacks: Sequence[EmbeddingStack]) -> EmbeddingHeads:
        if any(s.head_coef.shape[1] != 1 for s in stacks):
            raise ModelError("every label model of a multi-label taxonomy must be binary")
        return cls(
            np.hstack([s.head_coef for s in stacks]),
            np.concatenate([s.head_intercept for s in stacks]),
            np.array([s.stack_coef[0, 0] for s in stacks], dtype=np.float32),
            np.array([s.stack_coef[1, 0] for s in stacks], dtype=np.float32),
            np.concatenate([s.stack_intercept for s in stacks]),
        )

    def combine(self, base_logits: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Stacked logits of every label: the texts are embedded once for all labels."""
        e = embedder().encode(texts) @ self.head_coef + self.head_intercept
        return np.asarray(base_logits * self.base_weight + e * self.head_weight + self.bias)


def load_scorer(directory: Path) -> LinearScorer:
    """A saved model directory: an `EmbeddingStack` or a plain linear model."""
    return EmbeddingStack.load(directory) if is_embedding_stack(directory) else ServingModel.load(directory)


def multi_label_decision(
    proba: np.ndarray, labels: Sequence[str], thresholds: Sequence[float], min_score: float
) -> list[tuple[str, ...]]:
    """The labels whose probability reaches their threshold, most probable first; none reaching it: the
    most probable label if its probability is ≥ `min_score`, else no label."""
    limit = np.asarray(thresholds, dtype=np.float64)
    out: list[tuple[str, ...]] = []
    for row in np.asarray(proba, dtype=np.float64):
        order = np.argsort(-row, kind="stable")
        chosen = tuple(labels[k] for k in order if row[k] >= limit[k])
        if not chosen and row.size and row[order[0]] >= min_score:
            chosen = (labels[order[0]],)
        out.append(chosen)
    return out


class CustomTaxonomy:
    """A loaded taxonomy: `predict(texts)` gives each text its topics and `{label: score}`."""

    def __init__(
        self,
        name: str,
        kind: str,
        labels: Sequence[str],
        manifest: dict[str, Any],
        *,
        classifier: LinearScorer | None = None,
        stacked: StackedBinaryScorer | None = None,
        thresholds: Sequence[float] = (),
        min_score: float = DEFAULT_MIN_SCORE,
        rules: KeywordRules | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ModelError(f"unknown taxonomy kind {kind!r}; expected one of {', '.join(KINDS)}")
        self.name = name
        self.kind = kind
        self.labels = tuple(labels)
        self.manifest = manifest
        self._classifier = classifier
        self._stacked = stacked
        self.thresholds = tuple(float(t) for t in thresholds)
        self.min_score = float(min_score)
        self._rules = rules

    @property
    def multi_label(self) -> bool:
        """Whether a text may get several topics (or none)."""
        if self._rules is not None:
            return self._rules.multi_label
        return self.kind == MULTI_LABEL

    @property
    def classifier(self) -> LinearScorer | None:
        """The single-label classifier (None for the other kinds)."""
        return self._classifier

    @property
    def calibrated(self) -> bool:
        """Whether the scores are calibrated probabilities (rule strengths are not)."""
        return self.kind != RULES

    @classmethod
    def from_classifier(cls, model: LinearScorer, name: str) -> CustomTaxonomy:
        """A single-label taxonomy over a loaded classifier (a bundled model, say)."""
        labels = [str(c) for c in model.classes_]
        return cls(name, SINGLE_LABEL, labels, {"kind": SINGLE_LABEL, "name": name}, classifier=model)

    @classmethod
    def load(cls, directory: str | Path) -> CustomTaxonomy:
        """Load a taxonomy directory written by `complaint-radar train`, `taxonomy train` or
        `taxonomy from-keywords`; raises ModelError naming the problem and the fix."""
        where = Path(directory)
        if not where.is_dir():
            raise ModelError(f"taxonomy directory {where} does not exist; check the path")
        manifest_path = where / MANIFEST_FILE
        if not manifest_path.exists():
            if (where / CONFIG_FILE).exists():
                return cls.from_classifier(load_scorer(where), where.name)
            raise ModelError(
                f"{where} is not a taxonomy directory (no {MANIFEST_FILE}); create one with "
                "`complaint-radar taxonomy train` or `taxonomy from-keywords`"
            )
        manifest = read_manifest(manifest_path)
        kind = manifest["kind"]
        name = str(manifest.get("name") or where.name)
        if kind == SINGLE_LABEL:
            model = load_scorer(where)
            return cls(name, kind, [str(c) for c in model.classes_], manifest, classifier=model)
        if kind == RULES:
            rules = KeywordRules.load(where)
            return cls(name, kind, rules.all_labels, manifest, rules=rules)
        try:
            labels = [str(x) for x in manifest["labels"]]
            dirs = [where / str(d) for d in manifest["label_dirs"]]
            thresholds = [float(t) for t in manifest["thresholds"]]
            min_score = float(manifest.get("min_score", DEFAULT_MIN_SCORE))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{manifest_path} is inconsistent ({exc}); train the taxonomy again") from None
        if not len(labels) == len(dirs) == len(thresholds) or not labels:
            raise ModelError(f"{manifest_path} lists labels, models and thresholds of different lengths")
        stacked = StackedBinaryScorer.from_models([load_scorer(d) for d in dirs])
        return cls(name, kind, labels, manifest, stacked=stacked, thresholds=thresholds, min_score=min_score)

    def scores(self, texts: Iterable[str]) -> np.ndarray:
        """(n, labels) scores in `labels` order: probabilities, or rule strengths for `rules`."""
        items = _as_texts(texts)
        if self._classifier is not None:
            return np.asarray(self._classifier.predict_proba(items), dtype=np.float64)
        if self._stacked is not None:
            return np.asarray(self._stacked.predict_proba(items), dtype=np.float64)
        assert self._rules is not None
        return self._rules.scores(items)

    def decide(self, scores: np.ndarray) -> list[tuple[str, ...]]:
        """Topics from `scores` (the rule of this kind, see the module docstring)."""
        if self._classifier is not None:
            return [(str(label),) for label in self._classifier.decide(scores)]
        if self._stacked is not None:
            return multi_label_decision(scores, self.labels, self.thresholds, self.min_score)
        assert self._rules is not None
        return self._rules.decide(scores)

    def predict(self, texts: Iterable[str]) -> list[TopicPrediction]:
        """Each text's topics (most likely first) and `{label: score}`."""
        scores = self.scores(texts)
        return [
            TopicPrediction(topics, {label: float(s) for label, s in zip(self.labels, row, strict=True)})
            for topics, row in zip(self.decide(scores), scores, strict=True)
        ]


def write_manifest(directory: Path, kind: str, name: str, labels: Sequence[str], **extra: Any) -> Path:
    """Write `manifest.json`: format, kind, name, labels and anything else the kind needs."""
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "name": name,
        "labels": list(labels),
        **extra,
    }
    path = directory / MANIFEST_FILE
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path} ({exc}); train the taxonomy again") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelError(f"{path} is not a Complaint Radar taxonomy manifest")
    if doc.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path} has format version {doc.get('format_version')!r}, this code reads {FORMAT_VERSION}; "
            "train the taxonomy again"
        )
    if doc.get("kind") not in KINDS:
        raise ModelError(f"{path} has unknown kind {doc.get('kind')!r}; expected one of {', '.join(KINDS)}")
    return doc
