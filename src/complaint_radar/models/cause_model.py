"""The cause model, served without scikit-learn: per label, an n-gram logit stacked with lexicon hits.

One model per language (`zh` for both Chinese scripts, `en`); each scores every label of the cause
corpus (`cause:<code>`, `demand:<code>`, `stage:dissatisfied`, `stage:explicit`). For label `l`:

    p_l = sigmoid(a_l · (x · W[:, l] + b_l) + Σ_k c_lk · hit(key_lk) + d_l)

where `x` is the text's hashed char + word n-gram TF-IDF row (the same features as the bundled
sentiment models, so a batch is featurised once), `W`, `b` the one-vs-rest linear models (mean of the heads),
and `hit(key)` whether a lexicon family (`cause:<code>`, `composition:<code>`, `demand:<code>`) matched
outside negated or hypothetical clauses. The stacker (`a`, `c`, `d`) and each label's decision
threshold were fitted on out-of-fold scores of the training corpus (models/cause_training.py).

A language may also carry a *gate*: a logistic model of "the message states a problem" (stage ≥
latent_grumble, i.e. it has a cause) over `GATE_FEATURES` — the stacked stage and cause probabilities,
whether the text asks a question, whether the lexicon found problem evidence, and the VADER tone (English)
— fitted on the same out-of-fold probabilities, with the threshold that maximises its accuracy there.
Saved as `model.json` + one `<language>.npz` of plain arrays per language; no pickle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from complaint_radar.errors import ModelError
from complaint_radar.models.features import HashingConfig, spans_and_columns
from complaint_radar.models.serving import _counts, _tfidf, cuts_word, strongest_spans
from complaint_radar.text.cues import LexicalReading, modifiers_at, spans_of
from complaint_radar.text.lexicon import Lexicon
from complaint_radar.types import INTENSITY_ONLY_CUES

FORMAT_VERSION = 1
KIND = "complaint_radar.CauseModel"
LANGUAGES = ("zh", "en")
MANIFEST = "model.json"
# The inputs of the gate, in order (see `gate_features`).
GATE_FEATURES = ("dissatisfied", "explicit", "max_cause", "sum_cause", "question", "lexical", "tone")
_QUESTION = re.compile(r"[?？]")


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1.0 - 1e-6)
    return np.asarray(np.log(q / (1.0 - q)))


def problem_evidence(text: str, reading: LexicalReading, lexicon: Lexicon) -> bool:
    """Whether the lexicon finds a problem in `text`: a counting cue other than an intensity-only one, a
    problem fact, or a negative evaluation outside a negated clause (the pipeline's `Work` fields)."""
    if any(c.counts and c.code not in INTENSITY_ONLY_CUES for c in reading.cues):
        return True
    if spans_of(reading.scan, "problem_facts", text):
        return True
    return any(
        not modifiers_at(reading.norm, s.start, s.end, lexicon, negatable=True).negated
        for s in spans_of(reading.scan, "negative_evaluation", text)
    )


def gate_features(
    proba: np.ndarray,
    labels: Sequence[str],
    texts: Sequence[str],
    lexical: Sequence[bool],
    tone: Sequence[float],
) -> np.ndarray:
    """(n, len(GATE_FEATURES)) gate inputs: the logits of the stage heads and of the most probable cause,
    the sum of the cause probabilities, a question mark, lexicon problem evidence (a counting cue, a
    negative evaluation or a problem fact) and the tone in [-1, 1] (0 where there is none)."""
    index = {label: i for i, label in enumerate(labels)}
    causes = [i for i, label in enumerate(labels) if label.startswith("cause:")]
    return np.column_stack(
        [
            _logit(proba[:, index["stage:dissatisfied"]]),
            _logit(proba[:, index["stage:explicit"]]),
            _logit(proba[:, causes].max(axis=1)),
            proba[:, causes].sum(axis=1),
            np.array([bool(_QUESTION.search(t)) for t in texts], dtype=np.float64),
            np.asarray(lexical, dtype=np.float64),
            np.asarray(tone, dtype=np.float64),
        ]
    )


@dataclass
class LanguageModel:
    """The fitted arrays of one language: n-gram weights (`coef` over the used rows), the stacker
    and the decision thresholds, one column / entry per label."""

    hashing: HashingConfig
    idf: np.ndarray
    rows: np.ndarray  # hashed feature columns with a non-zero weight
    values: np.ndarray  # (len(rows), labels) weights of those columns
    intercept: np.ndarray  # (labels,)
    keys: list[tuple[str, ...]]  # per label: the lexicon keys stacked with its logit
    stack: list[tuple[float, ...]]  # per label: (a, c_1 … c_k, d)
    thresholds: np.ndarray  # (labels,)
    gate: tuple[float, ...] | None = None  # weights of GATE_FEATURES, then the bias
    gate_threshold: float = 0.5
    batch_size: int = 4096

    def __post_init__(self) -> None:
        n = self.hashing.n_features
        self._coef = sp.csr_matrix(
            (
                self.values.ravel().astype(np.float32),
                (
                    np.repeat(self.rows, self.values.shape[1]),
                    np.tile(np.arange(self.values.shape[1]), len(self.rows)),
                ),
            ),
            shape=(n, self.values.shape[1]),
        )
        self._row_of = np.full(n, -1, dtype=np.int32)
        self._row_of[self.rows] = np.arange(len(self.rows), dtype=np.int32)
        # The stacker as arrays: logit scale and bias per label, and one weight per (lexicon key, label).
        self._scale = np.array([w[0] for w in self.stack])
        self._bias = np.array([w[-1] for w in self.stack])
        self._last: tuple[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None] | None = None
        self._keys = {k: i for i, k in enumerate(sorted({k for keys in self.keys for k in keys}))}
        self._key_weights = np.zeros((len(self._keys), len(self.keys)))
        for j, (keys, weights) in enumerate(zip(self.keys, self.stack, strict=True)):
            for key, weight in zip(keys, weights[1:-1], strict=True):
                self._key_weights[self._keys[key], j] = weight

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """(n, labels) n-gram logits."""
        out = [np.zeros((0, self.values.shape[1]), dtype=np.float32)]
        for i in range(0, len(texts), self.batch_size):
            counts = _counts(texts[i : i + self.batch_size], self.hashing, self.batch_size)
            out.append((_tfidf(counts, self.idf) @ self._coef).toarray() + self.intercept)
        return np.vstack(out)

    def stacked(self, logits: np.ndarray, hits: Sequence[Collection[str]]) -> np.ndarray:
        """(n, labels) probabilities from n-gram logits and each text's lexicon keys with hits."""
        z = logits.astype(np.float64) * self._scale + self._bias
        if self._keys:
            present = np.zeros((len(hits), len(self._keys)), dtype=np.float64)
            for i, found in enumerate(hits):
                for key in found:
                    k = self._keys.get(key)
                    if k is not None:
                        present[i, k] = 1.0
            z += present @ self._key_weights
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def gate_proba(self, features: np.ndarray) -> np.ndarray | None:
        """(n,) probability that each message states a problem, from `gate_features`; None without a gate."""
        if self.gate is None:
            return None
        z = features @ np.asarray(self.gate[:-1]) + self.gate[-1]
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def evidence(self, text: str, label: int, top_k: int = 3) -> list[tuple[int, int, float]]:
        """Spans of `text` whose n-grams push hardest towards `label`, strongest first."""
        parts = self._occurrences(text)
        if parts is None:
            return []
        starts, ends, cols, value = parts
        rows = self._row_of[cols]
        weight = np.where(rows >= 0, self.values[np.maximum(rows, 0), label], 0.0)
        contrib = value * weight
        return [s for s in strongest_spans(text, starts, ends, contrib, top_k) if s[2] > 0]

    def _occurrences(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """Every n-gram occurrence of `text` (start, end, column) with its TF-IDF value per count, 0 for
        one cutting a Latin word; the last text's are remembered (a text's labels are asked in turn)."""
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        starts, ends, cols = spans_and_columns(text, self.hashing)
        parts = None
        if cols.size:
            # The text's count row, from the occurrences just hashed (the same n-grams `count_matrix`
            # hashes, in the same sorted column order).
            columns, n = np.unique(cols, return_counts=True)
            counts = sp.csr_matrix(
                (n.astype(np.float32), columns.astype(np.int32), np.array([0, columns.size])),
                shape=(1, self.hashing.n_features),
            )
            x = _tfidf(counts, self.idf)
            per_count = (x.data / counts.data).astype(np.float32)
            order = np.argsort(x.indices, kind="stable")
            at = order[np.minimum(np.searchsorted(x.indices, cols, sorter=order), len(order) - 1)]
            value = np.where(x.indices[at] == cols, per_count[at], np.float32(0.0))
            # A character n-gram inside a Latin word ("ale" of "alert") is no evidence a person can read.
            value = (value * ~cuts_word(text, starts, ends)).astype(np.float32)
            parts = (starts, ends, cols, value)
        self._last = (text, parts)
        return parts


def _gate_of(spec: Mapping[str, Any]) -> dict[str, Any]:
    gate = spec.get("gate")
    if gate is None:
        return {}
    if tuple(gate["features"]) != GATE_FEATURES:
        raise ValueError(f"gate features {gate['features']} are not {list(GATE_FEATURES)}")
    return {
        "gate": tuple(float(v) for v in (*gate["weights"], gate["bias"])),
        "gate_threshold": float(gate["threshold"]),
    }


def hits_of(scan: Mapping[str, Sized]) -> frozenset[str]:
    """The lexicon keys with at least one hit in a scan (`read_lexically(...).scan`)."""
    return frozenset(key for key, found in scan.items() if len(found))


class CauseModel:
    """Both languages' models and the shared label list; `predict_proba(language, texts, hits)`."""

    def __init__(self, labels: list[str], models: dict[str, LanguageModel], metadata: dict[str, Any]) -> None:
        self.labels = labels
        self.index = {label: i for i, label in enumerate(labels)}
        self.models = models
        self.metadata = metadata

    @property
    def version(self) -> str:
        meta = self.metadata
        return f"causes {meta.get('date', 'unknown')}+{meta.get('weights_sha256_12', 'unknown')}"

    def predict_proba(
        self, language: str, texts: Sequence[str], hits: Sequence[Collection[str]]
    ) -> np.ndarray:
        """(n, labels) probability of each label for texts of `language` (`zh` or `en`)."""
        model = self.models[language]
        return model.stacked(model.logits(texts), hits)

    def gate(
        self,
        language: str,
        proba: np.ndarray,
        texts: Sequence[str],
        lexical: Sequence[bool],
        tone: Sequence[float],
    ) -> np.ndarray | None:
        """(n,) gate probability of texts whose label probabilities are `proba` (None: no gate)."""
        model = self.models[language]
        if model.gate is None:
            return None
        return model.gate_proba(gate_features(proba, self.labels, texts, lexical, tone))

    def threshold(self, language: str, label: str) -> float:
        return float(self.models[language].thresholds[self.index[label]])

    def evidence(self, language: str, text: str, label: str, top_k: int = 3) -> list[tuple[int, int, float]]:
        return self.models[language].evidence(text, self.index[label], top_k)

    @classmethod
    def load(cls, directory: Path) -> CauseModel:
        """Read a saved cause model; raises ModelError naming the problem and the fix."""
        hint = "rebuild it with `make models`"
        try:
            doc = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            if doc.get("format_version") != FORMAT_VERSION or doc.get("kind") != KIND:
                raise ModelError(f"{directory} holds no cause model of format {FORMAT_VERSION}; {hint}")
            models = {}
            for language, spec in doc["languages"].items():
                with np.load(directory / f"{language}.npz", allow_pickle=False) as npz:
                    arrays = {name: npz[name] for name in npz.files}
                hashing = HashingConfig(
                    tuple(spec["char_ngram_range"]) if spec["char_ngram_range"] else None,
                    tuple(spec["word_ngram_range"]) if spec["word_ngram_range"] else None,
                    int(spec["n_features"]),
                )
                hashing.validate()
                idf = np.full(hashing.n_features, float(arrays["idf_default"][0]), dtype=np.float32)
                idf[arrays["idf_rows"]] = arrays["idf_values"].astype(np.float32)
                models[language] = LanguageModel(
                    hashing=hashing,
                    idf=idf,
                    rows=arrays["coef_rows"].astype(np.int64),
                    values=arrays["coef_values"].astype(np.float32),
                    intercept=arrays["intercept"].astype(np.float32),
                    keys=[tuple(spec["lexicon_keys"][label]) for label in doc["labels"]],
                    stack=[tuple(float(v) for v in spec["stack"][label]) for label in doc["labels"]],
                    thresholds=np.array(
                        [spec["thresholds"][label] for label in doc["labels"]], dtype=np.float64
                    ),
                    **_gate_of(spec),
                )
        except FileNotFoundError as exc:
            raise ModelError(f"cause model file missing: {exc.filename}; {hint}") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(
                f"cause model in {directory} is corrupt or inconsistent ({exc}); {hint}"
            ) from exc
        return cls(list(doc["labels"]), models, doc)
