"""Fitting the cause model (models/cause_model.py) from the cause corpus, optionally with weak labels.

Per language: one binary `TextClassifier` per label on hashed n-grams (one-vs-rest); out-of-fold
logits of the corpus texts (`stack_folds`-fold, grouped as in `cause_corpus.cv_folds`) feed a small
logistic stacker per label with the label's lexicon hits; each label's threshold maximises its F1 on
the stacked out-of-fold probabilities. Weakly labelled texts, when given, join the n-gram training only:
the stacker and thresholds are fitted on hand-labelled texts alone. The gate (models/cause_model.py)
is fitted on the stacked out-of-fold probabilities of the hand-labelled texts, and so is the
secondary-cause ratio (`fit_secondary`): per-label thresholds, each chosen for its label's own F1, add
neighbouring causes beside a clear main one; the ratio is chosen for the cause micro-F1 of the whole
decision (docs/benchmarks.md, "Decision rule study").

With sentence embeddings of a language's texts (English: `EMBEDDING_LANGUAGES`), an embedding head is
fitted too: per label of `HeadParams.families`, a balanced logistic regression on the embeddings, whose
out-of-fold logits (same folds as the n-grams') join a second stacker, thresholds and gate; saved apart
(`save_cause_heads`) and used only with `--embeddings`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from complaint_radar.models.cause_corpus import (
    CAUSE_CODES,
    DEMAND_CODES,
    DISSATISFIED,
    EXPLICIT,
    SCRIPTS,
    CauseRecord,
    load_training_corpus,
)
from complaint_radar.models.cause_model import (
    FORMAT_VERSION,
    GATE_FEATURES,
    HEAD_KIND,
    KIND,
    MANIFEST,
    EmbeddingHead,
    LanguageModel,
    gate_features,
    hits_of,
    problem_evidence,
)
from complaint_radar.models.features import HashingConfig
from complaint_radar.models.linear import TextClassifier, _fit_idf
from complaint_radar.models.neighbours import NeighbourIndex
from complaint_radar.models.serving import _counts, _tfidf
from complaint_radar.text.cues import read_lexically
from complaint_radar.text.lexicon import Lexicon, load_lexicon

POSITIVE, NEGATIVE = "1", "0"
GRID = np.round(np.arange(0.10, 0.901, 0.01), 2)
# The secondary-cause ratios tried (0: every cause that reaches its threshold is given).
SECONDARY_GRID = (0.0, *np.round(np.arange(0.30, 0.801, 0.05), 2).tolist())


def lexicon_keys(label: str, use_lexicon: bool = True) -> tuple[str, ...]:
    """The lexicon families stacked with a label's logit (none for the stage heads)."""
    if not use_lexicon:
        return ()
    family, _, code = label.partition(":")
    if family == "cause":
        return (f"cause:{code}", f"composition:{code}")
    if family == "demand":
        return (f"demand:{code}",)
    return ()


@dataclass(frozen=True)
class LanguageParams:
    """How one language's n-gram models are fitted (`TextClassifier` parameters) and stacked."""

    char_ngram_range: tuple[int, int] | None = (1, 3)
    word_ngram_range: tuple[int, int] | None = (1, 2)
    n_features: int = 2**20
    heads: tuple[str, ...] = ("svm", "nbsvm")
    C: float = 0.5
    class_weight: str | None = "balanced"
    prune: float = 1e-3
    stack_folds: int = 5
    stack_C: float = 1.0
    min_positives: int = 6
    use_lexicon: bool = True
    gate: bool = True
    secondary: bool = True  # choose a secondary-cause ratio (False: keep every cause that passes)
    # Nearest training messages read per message (models/neighbours.py; 0: none) and the share of
    # messages above which an n-gram is too common to make two messages neighbours.
    neighbours: int = 20
    neighbour_max_df: float = 0.02
    seed: int = 13
    extra: dict[str, Any] = field(default_factory=dict)

    def binary(self) -> dict[str, Any]:
        return {
            "char_ngram_range": self.char_ngram_range,
            "word_ngram_range": self.word_ngram_range,
            "n_features": self.n_features,
            "heads": self.heads,
            "C": self.C,
            "class_weight": self.class_weight,
            "f1_class": POSITIVE,
            "seed": self.seed,
        }

    @property
    def hashing(self) -> HashingConfig:
        return HashingConfig(self.char_ngram_range, self.word_ngram_range, self.n_features)


@dataclass
class TrainingSet:
    """Texts (as the models see them), their label sets, the lexicon keys with hits, and whether each
    text is hand-labelled (weak labels join the n-gram fit only) and its fold group."""

    texts: list[str]
    labels: list[frozenset[str]]
    hits: list[frozenset[str]]
    gold: list[bool]
    groups: list[str]
    lexical: list[bool] | None = None  # lexicon problem evidence (gate input); None: none known
    tone: list[float] | None = None  # VADER compound of English texts (gate input); None: 0
    weights: list[float] | None = None  # per text (weak texts below 1); None: all 1
    known: list[frozenset[str]] | None = None  # per weak text, the label families it is labelled for


@dataclass(frozen=True)
class HeadParams:
    """How the embedding head is fitted: the label families that get one, and its logistic regression."""

    families: tuple[str, ...] = ("cause", "demand", "stage")
    C: float = 4.0
    class_weight: str | None = "balanced"


# Chosen by grouped 5-fold CV on the training corpus (docs/benchmarks.md, branch causes-e5): heads for
# every family rather than causes alone gave the same cause micro-F1 and +0.04 English demand micro-F1;
# C = 4 and balanced classes are bench/causes_embeddings.py's.
HEAD_PARAMS = HeadParams()
# Languages that get an embedding head: the gain was measured for English only (bench/causes_embeddings.py).
EMBEDDING_LANGUAGES = ("en",)


def join_sets(gold: TrainingSet, weak: TrainingSet) -> TrainingSet:
    """The hand-labelled set followed by a weakly labelled one (its `gold` entries False)."""
    n, m = len(gold.texts), len(weak.texts)
    return TrainingSet(
        texts=gold.texts + weak.texts,
        labels=gold.labels + weak.labels,
        hits=gold.hits + weak.hits,
        gold=gold.gold + [False] * m,
        groups=gold.groups + weak.groups,
        lexical=None if gold.lexical is None else gold.lexical + [False] * m,
        tone=None if gold.tone is None else gold.tone + [0.0] * m,
        weights=(gold.weights or [1.0] * n) + (weak.weights or [1.0] * m),
        known=(gold.known or [frozenset({"cause", "demand", "stage"})] * n)
        + (weak.known or [frozenset({"cause", "demand", "stage"})] * m),
    )


def _fit_ngrams(
    texts: list[str],
    targets: np.ndarray,
    params: LanguageParams,
    weights: np.ndarray | None = None,
    known: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(idf, coef (features × labels), intercept) of one binary model per target column (the mean of
    the `heads`, uncalibrated: the stacker calibrates the margins); a column with too few positives or
    negatives gets zero weights. The TF-IDF matrix is computed once for every column. `weights` scale
    each row's weight; `known` (rows × labels) says which rows a column is fitted on (all by default)."""
    counts = _counts(texts, params.hashing, max(len(texts), 1))
    idf = _fit_idf(counts)
    X = _tfidf(counts, idf)
    heads = TextClassifier(**params.binary())
    n_labels = targets.shape[1]
    coef = np.zeros((params.n_features, n_labels), dtype=np.float32)
    intercept = np.zeros(n_labels, dtype=np.float32)
    for j in range(n_labels):
        rows = np.ones(len(texts), dtype=bool) if known is None else known[:, j]
        y = targets[rows, j]
        if y.sum() < params.min_positives or len(y) - y.sum() < params.min_positives:
            continue
        w = None if weights is None else weights[rows]
        W, c = heads._fit_heads(X if known is None else X[rows], y.astype(np.int64), w)
        column = W.mean(axis=1)
        scale = float(np.abs(column).max()) or 1.0
        column[np.abs(column) < params.prune * scale] = 0.0  # as TextClassifier prunes: smaller artifacts
        coef[:, j] = column
        intercept[j] = float(c.mean())
    return idf, coef, intercept


def _tfidf_rows(texts: Sequence[str], idf: np.ndarray, params: LanguageParams) -> Any:
    """The TF-IDF rows (`idf`) of `texts`, as the n-gram models and the neighbour index read them."""
    return _tfidf(_counts(list(texts), params.hashing, 4096), idf)


def _logits(
    texts: Sequence[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray, params: LanguageParams
) -> np.ndarray:
    if not texts:
        return np.zeros((0, coef.shape[1]), dtype=np.float32)
    return np.asarray(_tfidf_rows(texts, idf, params) @ coef + intercept)


# The label families whose stacker reads the neighbour share (models/neighbours.py). Demands do not:
# their model-level CV gain was within noise (+0.006 ± 0.010 zh, +0.001 ± 0.002 en) and the share moved
# their thresholds enough to give `expedite` to calm questions about timing.
NEIGHBOUR_FAMILIES = ("cause", "stage")


def _neighbour_index(
    texts: Sequence[str],
    targets: np.ndarray,
    idf: np.ndarray,
    label_names: Sequence[str],
    params: LanguageParams,
) -> NeighbourIndex:
    """The nearest-message index of `texts` (hand-labelled, with their `targets`) on TF-IDF `idf`."""
    among = np.array([lb.partition(":")[0] in ("cause", "demand") for lb in label_names], dtype=bool)
    return NeighbourIndex.build(
        _tfidf_rows(texts, idf, params),
        targets,
        params.neighbours,
        params.neighbour_max_df,
        among,
        list(label_names).index(DISSATISFIED),
    )


def group_folds(groups: Sequence[str], folds: int, seed: int) -> np.ndarray:
    """A fold per item; items of one group share it (seeded hash of the group)."""
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(f"{seed}:{g}".encode(), digest_size=8).digest(), "big") % folds
            for g in groups
        ]
    )


def best_threshold(gold: np.ndarray, proba: np.ndarray) -> float:
    """The probability above which a label is given, maximising its F1 (smoothed over ±0.02)."""
    if not gold.any():
        return 0.5
    f1 = np.array([_f1(gold, proba >= t) for t in GRID])
    smooth = np.convolve(f1, np.ones(5) / 5, mode="same")
    return float(GRID[int(np.argmax(smooth[2:-2])) + 2])


def _f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(gold & pred))
    return 0.0 if tp == 0 else 2 * tp / (float(gold.sum()) + float(pred.sum()))


def fit_language(
    data: TrainingSet,
    label_names: Sequence[str],
    params: LanguageParams,
    embeddings: np.ndarray | None = None,
    head_params: HeadParams = HEAD_PARAMS,
) -> LanguageModel:
    """Fit one language's cause model on `data` (see the module docstring); with `embeddings` (one row
    per text), its embedding head too (`LanguageModel.head`, inactive: see `LanguageModel.with_head`)."""
    targets = np.array([[lb in s for lb in label_names] for s in data.labels], dtype=bool)
    gold = np.array(data.gold, dtype=bool)
    row_weights = None if data.weights is None else np.asarray(data.weights, dtype=np.float64)
    known = (
        None
        if data.known is None
        else np.array([[lb.partition(":")[0] in k for lb in label_names] for k in data.known], dtype=bool)
    )
    idf, coef, intercept = _fit_ngrams(data.texts, targets, params, row_weights, known)
    # Out-of-fold logits of the hand-labelled texts (weak texts always stay in the training part).
    fold = group_folds(data.groups, params.stack_folds, params.seed)
    oof = np.zeros((len(data.texts), len(label_names)), dtype=np.float64)
    # Out-of-fold neighbour shares: each held text's nearest hand-labelled texts of the other folds.
    shares = np.zeros_like(oof) if params.neighbours else None
    for k in range(params.stack_folds):
        held = gold & (fold == k)
        if not held.any():
            continue
        train = ~held
        f_idf, f_coef, f_int = _fit_ngrams(
            [data.texts[i] for i in np.flatnonzero(train)],
            targets[train],
            params,
            None if row_weights is None else row_weights[train],
            None if known is None else known[train],
        )
        held_x = _tfidf_rows([data.texts[i] for i in np.flatnonzero(held)], f_idf, params)
        oof[held] = np.asarray(held_x @ f_coef + f_int)
        if shares is not None:
            pool = np.flatnonzero(train & gold)
            index = _neighbour_index([data.texts[i] for i in pool], targets[pool], f_idf, label_names, params)
            shares[held] = index.shares(held_x)
    if shares is not None:  # labels outside NEIGHBOUR_FAMILIES: a zero column, so a zero weight
        shares[:, [lb.partition(":")[0] not in NEIGHBOUR_FAMILIES for lb in label_names]] = 0.0
    keys = [lexicon_keys(lb, params.use_lexicon) for lb in label_names]
    trained = [bool(np.any(coef[:, j])) for j in range(len(label_names))]
    stack, thresholds, stacked = _fit_stack(data, gold, targets, oof, trained, keys, params, shares=shares)
    gate, gate_threshold = _fit_gate(data, gold, targets, label_names, stacked, params)
    secondary = fit_secondary(data, gold, targets, label_names, stacked, thresholds, params)
    head = None
    if embeddings is not None:
        head = _fit_head(
            data,
            gold,
            targets,
            oof,
            trained,
            keys,
            label_names,
            params,
            embeddings,
            fold,
            known,
            head_params,
            shares,
        )
    used = np.flatnonzero(np.abs(coef).max(axis=1) > 0)
    values = coef[used].astype(np.float16).astype(np.float32)
    served_idf = idf.astype(np.float16).astype(np.float32)
    neighbours = None
    if shares is not None:
        pool = np.flatnonzero(gold)
        neighbours = _neighbour_index(
            [data.texts[i] for i in pool], targets[pool], served_idf, label_names, params
        )
    return LanguageModel(
        hashing=params.hashing,
        idf=served_idf,
        rows=used.astype(np.int64),
        values=values,
        intercept=intercept,
        keys=keys,
        stack=stack,
        thresholds=np.array(thresholds),
        gate=gate,
        gate_threshold=gate_threshold,
        secondary=secondary,
        head=head,
        neighbours=neighbours,
    )


def _fit_stack(
    data: TrainingSet,
    gold: np.ndarray,
    targets: np.ndarray,
    oof: np.ndarray,
    trained: Sequence[bool],
    keys: Sequence[tuple[str, ...]],
    params: LanguageParams,
    head_oof: np.ndarray | None = None,
    shares: np.ndarray | None = None,
) -> tuple[list[tuple[float, ...]], list[float], np.ndarray]:
    """Per label, the stacker's weights ((a, c_1 … c_k, d), or (a, g, c_1 … c_k, d) with the head's
    out-of-fold logits `head_oof`, with a neighbour-share weight after the logits' when `shares`, the
    out-of-fold neighbour shares, are given) and threshold, fitted on the hand-labelled texts'
    out-of-fold logits; and the stacked out-of-fold probabilities."""
    stack: list[tuple[float, ...]] = []
    thresholds: list[float] = []
    stacked = np.zeros((int(gold.sum()), len(keys)))  # out-of-fold stacked probabilities
    for j, label_keys in enumerate(keys):
        y = targets[gold, j]
        logit = oof[gold, j] if trained[j] else np.zeros(int(gold.sum()))
        lexical = np.array(
            [[key in data.hits[i] for key in label_keys] for i in np.flatnonzero(gold)], dtype=float
        )
        columns = [logit] if head_oof is None else [logit, head_oof[gold, j]]
        if shares is not None:
            columns.append(shares[gold, j])
        X = np.column_stack([*columns, lexical.reshape(len(logit), len(label_keys))])
        if y.sum() == 0 or y.all():
            weights: tuple[float, ...] = (
                *[0.0] * (len(columns) + len(label_keys)),
                -10.0 if y.sum() == 0 else 10.0,
            )
            thresholds.append(0.5)
            stacked[:, j] = 0.0 if y.sum() == 0 else 1.0
        else:
            lr = LogisticRegression(C=params.stack_C, max_iter=1000).fit(X, y)
            weights = (*(float(v) for v in lr.coef_[0]), float(lr.intercept_[0]))
            stacked[:, j] = lr.predict_proba(X)[:, 1]
            thresholds.append(best_threshold(y, stacked[:, j]))
        stack.append(weights)
    return stack, thresholds, stacked


def _fit_head(
    data: TrainingSet,
    gold: np.ndarray,
    targets: np.ndarray,
    oof: np.ndarray,
    trained: Sequence[bool],
    keys: Sequence[tuple[str, ...]],
    label_names: Sequence[str],
    params: LanguageParams,
    embeddings: np.ndarray,
    fold: np.ndarray,
    known: np.ndarray | None,
    head_params: HeadParams,
    shares: np.ndarray | None = None,
) -> EmbeddingHead:
    """The embedding head: per label of `head_params.families`, a logistic regression on the embeddings
    (fitted on every text; its out-of-fold logits on the n-grams' folds), then the stacker, thresholds
    and gate on the out-of-fold n-gram and head logits, as `fit_language` fits the n-grams' own."""
    if embeddings.shape[0] != len(data.texts):
        raise ValueError(f"{len(data.texts)} texts but {embeddings.shape[0]} embeddings")
    E = np.asarray(embeddings, dtype=np.float64)
    weights = None if data.weights is None else np.asarray(data.weights, dtype=np.float64)
    chosen = [j for j, lb in enumerate(label_names) if lb.partition(":")[0] in head_params.families]

    def fit(rows: np.ndarray, j: int) -> LogisticRegression | None:
        if known is not None:
            rows = rows & known[:, j]
        y = targets[rows, j]
        if y.sum() < params.min_positives or len(y) - y.sum() < params.min_positives:
            return None
        lr = LogisticRegression(C=head_params.C, max_iter=2000, class_weight=head_params.class_weight)
        return lr.fit(E[rows], y, sample_weight=None if weights is None else weights[rows])

    head_oof = np.zeros_like(oof)
    for k in range(params.stack_folds):
        held = gold & (fold == k)
        if not held.any():
            continue
        for j in chosen:
            lr = fit(~held, j)
            if lr is not None:
                head_oof[held, j] = lr.decision_function(E[held])
    coef = np.zeros((E.shape[1], len(label_names)), dtype=np.float32)
    intercept = np.zeros(len(label_names), dtype=np.float32)
    for j in chosen:
        lr = fit(np.ones(len(data.texts), dtype=bool), j)
        if lr is not None:
            coef[:, j] = lr.coef_[0]
            intercept[j] = float(lr.intercept_[0])
    stack, thresholds, stacked = _fit_stack(data, gold, targets, oof, trained, keys, params, head_oof, shares)
    gate, gate_threshold = _fit_gate(data, gold, targets, label_names, stacked, params)
    secondary = fit_secondary(data, gold, targets, label_names, stacked, thresholds, params)
    return EmbeddingHead(coef, intercept, stack, np.array(thresholds), gate, gate_threshold, secondary)


def _fit_gate(
    data: TrainingSet,
    gold: np.ndarray,
    targets: np.ndarray,
    label_names: Sequence[str],
    stacked: np.ndarray,
    params: LanguageParams,
) -> tuple[tuple[float, ...] | None, float]:
    """The gate's weights (GATE_FEATURES, then the bias) and the threshold maximising its accuracy on
    the out-of-fold stacked probabilities of the hand-labelled texts; (None, 0.5) when not fitted."""
    if not params.gate or data.lexical is None:
        return None, 0.5
    y = targets[gold, list(label_names).index(DISSATISFIED)]
    if y.all() or not y.any():
        return None, 0.5
    idx = np.flatnonzero(gold)
    tone = data.tone if data.tone is not None else [0.0] * len(data.texts)
    X = gate_features(
        stacked,
        label_names,
        [data.texts[i] for i in idx],
        [data.lexical[i] for i in idx],
        [tone[i] for i in idx],
    )
    lr = LogisticRegression(C=params.stack_C, max_iter=1000).fit(X, y)
    p = lr.predict_proba(X)[:, 1]
    accuracy = np.array([np.mean((p >= t) == y) for t in GRID])
    smooth = np.convolve(accuracy, np.ones(5) / 5, mode="same")
    threshold = float(GRID[int(np.argmax(smooth[2:-2])) + 2])
    return (*(float(v) for v in lr.coef_[0]), float(lr.intercept_[0])), threshold


def secondary_causes(
    proba: np.ndarray,
    thresholds: np.ndarray,
    forced: np.ndarray,
    dissatisfied: np.ndarray,
    ratio: float,
    relative: bool = True,
) -> np.ndarray:
    """(n, causes) the causes given, as `scoring.causes.decide_causes` gives them, from the cause
    columns' probabilities `proba`, their `thresholds`, the causes a pattern gives (`forced`), whether
    each message is dissatisfied and the secondary-cause ratio: a cause reaching its threshold is
    given if its probability is at least `ratio` times the top one's among those reaching theirs; a
    pattern always gives its cause; a dissatisfied message with none gets the best guess (the last
    column is `other`, given only this way): the cause nearest its threshold (probability / threshold)
    when `relative`, as `CauseRules.best_guess_relative` reads it, else the most probable one."""
    passes = proba >= thresholds
    top = np.where(passes, proba, 0.0).max(axis=1, keepdims=True)
    given = (passes & (proba >= ratio * top)) | forced
    given[:, -1] = False
    none = np.flatnonzero(~given.any(axis=1))
    guess = proba[none] / np.maximum(thresholds, 1e-6) if relative else proba[none]
    given[none, np.argmax(guess, axis=1)] = True
    given[~dissatisfied] = False
    return np.asarray(given, dtype=bool)


def fit_secondary(
    data: TrainingSet,
    gold: np.ndarray,
    targets: np.ndarray,
    label_names: Sequence[str],
    stacked: np.ndarray,
    thresholds: Sequence[float],
    params: LanguageParams,
) -> float:
    """The secondary-cause ratio (of `SECONDARY_GRID`) whose decision (`secondary_causes`) has the
    highest cause micro-F1 on the hand-labelled texts' out-of-fold stacked probabilities, those texts
    read as dissatisfied where their label says so; 0 when not fitted."""
    causes = [j for j, lb in enumerate(label_names) if lb.startswith("cause:")]
    if not params.secondary or not causes or label_names[causes[-1]] != "cause:other":
        return 0.0
    codes = [label_names[j].partition(":")[2] for j in causes]
    hits = [data.hits[i] for i in np.flatnonzero(gold)]
    forced = np.array([[f"strong:{c}" in h or f"composition:{c}" in h for c in codes] for h in hits])
    forced = forced.reshape(len(hits), len(codes)).astype(bool)
    dissatisfied = targets[gold, list(label_names).index(DISSATISFIED)]
    truth = targets[gold][:, causes]
    proba, cuts = stacked[:, causes], np.asarray(thresholds)[causes]

    def micro_f1(ratio: float) -> float:
        given = secondary_causes(proba, cuts, forced, dissatisfied, ratio)
        return _f1(truth, given) if truth.any() else 0.0

    scores = [micro_f1(r) for r in SECONDARY_GRID]
    return float(SECONDARY_GRID[int(np.argmax(scores))])


def save_cause_model(
    directory: Path,
    labels: Sequence[str],
    models: dict[str, tuple[LanguageModel, LanguageParams]],
    metadata: dict[str, Any],
) -> Path:
    """Write `model.json` and one `<language>.npz` per language (plain arrays, no pickle)."""
    directory.mkdir(parents=True, exist_ok=True)
    languages: dict[str, Any] = {}
    digest = hashlib.sha256()
    for language, (model, params) in models.items():
        if model.head_active:
            raise ValueError("save the model fitted, not its view with the embedding head (save_cause_heads)")
        default = float(model.idf.max()) if model.idf.size else 1.0
        seen = np.flatnonzero(model.idf < default).astype(np.int32)
        path = directory / f"{language}.npz"
        arrays: dict[str, np.ndarray] = {
            "coef_rows": model.rows.astype(np.int32),
            "coef_values": model.values.astype(np.float16),
            "intercept": model.intercept.astype(np.float32),
            "idf_rows": seen,
            "idf_values": model.idf[seen].astype(np.float16),
            "idf_default": np.asarray([default], dtype=np.float32),
        }
        if model.neighbours is not None:
            arrays.update(model.neighbours.arrays())
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
        digest.update(path.read_bytes())
        languages[language] = {
            "char_ngram_range": list(params.char_ngram_range) if params.char_ngram_range else None,
            "word_ngram_range": list(params.word_ngram_range) if params.word_ngram_range else None,
            "n_features": params.n_features,
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.__dict__.items()},
            "lexicon_keys": {lb: list(k) for lb, k in zip(labels, model.keys, strict=True)},
            "stack": {lb: [round(v, 6) for v in w] for lb, w in zip(labels, model.stack, strict=True)},
            "thresholds": {lb: float(t) for lb, t in zip(labels, model.thresholds, strict=True)},
        }
        if model.gate is not None:
            languages[language]["gate"] = _gate_doc(model.gate, model.gate_threshold)
        if model.secondary:
            languages[language]["secondary_ratio"] = model.secondary
        if model.neighbours is not None:
            languages[language]["neighbours"] = model.neighbours.spec()
    return _write_manifest(directory, KIND, labels, languages, digest.hexdigest(), metadata)


def _gate_doc(gate: tuple[float, ...], threshold: float) -> dict[str, Any]:
    """A fitted gate as the manifest stores it: weights per `GATE_FEATURES`, then the bias."""
    return {
        "features": list(GATE_FEATURES),
        "weights": [round(v, 6) for v in gate[:-1]],
        "bias": round(gate[-1], 6),
        "threshold": threshold,
    }


def _write_manifest(
    directory: Path,
    kind: str,
    labels: Sequence[str],
    languages: dict[str, Any],
    weights_sha256: str,
    metadata: dict[str, Any],
) -> Path:
    doc = {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "labels": list(labels),
        "languages": languages,
        "weights_sha256_12": weights_sha256[:12],
        **metadata,
    }
    (directory / MANIFEST).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return directory


def save_cause_heads(
    directory: Path,
    labels: Sequence[str],
    models: dict[str, tuple[LanguageModel, LanguageParams]],
    metadata: dict[str, Any],
) -> Path | None:
    """Write the languages' embedding heads (`model.json` with each label's stacker, threshold and the
    gate; `<language>.npz` with the head's arrays); None, and nothing written, when no language has one."""
    heads = {lang: m.head for lang, (m, _) in models.items() if m.head is not None}
    if not heads:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    languages: dict[str, Any] = {}
    digest = hashlib.sha256()
    for language, head in heads.items():
        path = directory / f"{language}.npz"
        np.savez_compressed(
            path, head_coef=head.coef.astype(np.float32), head_intercept=head.intercept.astype(np.float32)
        )
        digest.update(path.read_bytes())
        languages[language] = {
            "stack": {lb: [round(v, 6) for v in w] for lb, w in zip(labels, head.stack, strict=True)},
            "thresholds": {lb: float(t) for lb, t in zip(labels, head.thresholds, strict=True)},
        }
        if head.gate is not None:
            languages[language]["gate"] = _gate_doc(head.gate, head.gate_threshold)
        if head.secondary:
            languages[language]["secondary_ratio"] = head.secondary
    return _write_manifest(directory, HEAD_KIND, labels, languages, digest.hexdigest(), metadata)


# Chosen by grouped 5-fold cross-validation on the training corpus (docs/benchmarks_causes.md); the
# hashing of each language is that of the bundled model run on the same texts (sentiment_zh,
# complaint_en), so the pipeline featurises each batch once.
BUNDLED_PARAMS = {
    "zh": LanguageParams(char_ngram_range=(1, 3), word_ngram_range=(1, 2), n_features=2**20),
    # English averages a logistic regression with the two margin heads: model-level stacked CV on the
    # 9,231 English training messages 0.766 ± 0.002 -> 0.776 ± 0.002 cause micro-F1 (2026-12-03; the
    # logistic head alone 0.776, C = 2 0.768, 2**20 columns 0.766).
    "en": LanguageParams(
        char_ngram_range=(1, 4), word_ngram_range=(1, 2), n_features=2**18, heads=("svm", "nbsvm", "lr")
    ),
}


def training_sets(
    records: Sequence[CauseRecord], lexicon: Lexicon, languages: Sequence[str] = ("zh", "en")
) -> dict[str, TrainingSet]:
    """Per language, the hand-labelled records as the models see them (discounted clauses removed)."""
    out: dict[str, TrainingSet] = {}
    for language in languages:
        chosen = [r for r in records if r.language == language]
        readings = [read_lexically(r.text, lexicon) for r in chosen]
        texts = [rd.model_text for rd in readings]
        out[language] = TrainingSet(
            texts=texts,
            labels=[frozenset(r.labels()) for r in chosen],
            hits=[hits_of(rd.scan) for rd in readings],
            gold=[True] * len(chosen),
            groups=[r.group for r in chosen],
            lexical=[problem_evidence(r.text, rd, lexicon) for r, rd in zip(chosen, readings, strict=True)],
            tone=_tones(texts) if language == "en" else None,
        )
    return out


def _tones(texts: Sequence[str]) -> list[float]:
    """VADER compound of each text, as the pipeline computes it for English messages."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    return [float(vader.polarity_scores(t)["compound"]) for t in texts]


def label_names() -> list[str]:
    """Every label of the cause model, in a fixed order."""
    return (
        [f"cause:{c}" for c in CAUSE_CODES] + [f"demand:{d}" for d in DEMAND_CODES] + [DISSATISFIED, EXPLICIT]
    )


def fit_cause_model(
    records: Sequence[CauseRecord],
    lexicon: Lexicon,
    params: dict[str, LanguageParams] | None = None,
    weak: dict[str, TrainingSet] | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    head_params: HeadParams = HEAD_PARAMS,
) -> tuple[list[str], dict[str, tuple[LanguageModel, LanguageParams]]]:
    """Fit both languages' models on `records` (the labels and each language's model with its params);
    `weak`: per language, weakly labelled texts that join the n-gram fit; `embed` (texts -> sentence
    embeddings): also fit the embedding head of each of `EMBEDDING_LANGUAGES`."""
    chosen = params or BUNDLED_PARAMS
    labels = label_names()
    sets = training_sets(records, lexicon, list(chosen))
    for language, extra in (weak or {}).items():
        if language in sets and extra.texts:
            sets[language] = join_sets(sets[language], extra)

    def fit(lang: str) -> LanguageModel:
        vectors = embed(sets[lang].texts) if embed is not None and lang in EMBEDDING_LANGUAGES else None
        return fit_language(sets[lang], labels, chosen[lang], vectors, head_params)

    return labels, {lang: (fit(lang), chosen[lang]) for lang in chosen}


def train_cause_model(
    corpus: Path,
    out: Path,
    date: str,
    heads_out: Path | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> dict[str, Any]:
    """Fit the bundled cause model on every record of `corpus` and save it to `out` (with `embed` and
    `heads_out`, its embedding heads to `heads_out`); its metadata."""
    records, dropped = load_training_corpus(corpus)
    started = time.perf_counter()
    labels, models = fit_cause_model(records, load_lexicon(), embed=embed if heads_out is not None else None)
    counts = {s: sum(r.script == s for r in records) for s in SCRIPTS}
    metadata = {
        "name": "causes",
        "date": date,
        "training": {
            "corpus": "corpus/causes/train",
            "messages": len(records),
            "dropped_as_test_duplicates": dropped,
            "per_script": counts,
            "fit_seconds": round(time.perf_counter() - started, 1),
        },
    }
    if out.exists():
        shutil.rmtree(out)
    save_cause_model(out, labels, models, metadata)
    if heads_out is not None and embed is not None:
        from complaint_radar.models.embedding import EMBEDDER

        if heads_out.exists():
            shutil.rmtree(heads_out)
        head_meta = {
            "name": heads_out.name,
            "date": date,
            "extends": out.name,
            "embedder": EMBEDDER,
            "head": {k: list(v) if isinstance(v, tuple) else v for k, v in HEAD_PARAMS.__dict__.items()},
            "languages_with_head": [lang for lang, (m, _) in models.items() if m.head is not None],
        }
        save_cause_heads(heads_out, labels, models, head_meta)
        metadata["heads"] = head_meta
    return metadata
