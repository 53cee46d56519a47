"""Hyper-parameter selection on validation splits carved from the TRAINING parts (never the test parts).

Run: python -m complaint_radar.models.tune --data <shared data> [--model sentiment_zh]
Prints one Markdown row per candidate; the chosen parameters are written into models/specs.py by hand.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from complaint_radar.models.datasets import SPLIT_SEED, load_splits, training_set, tuning_splits
from complaint_radar.models.linear import TextClassifier
from complaint_radar.models.metrics import classification_summary
from complaint_radar.models.specs import SPECS

_ZH = {"char_ngram_range": (1, 3), "word_ngram_range": (1, 2), "n_features": 2**20}
_EN = {"n_features": 2**18, "f1_class": "complaint"}
CV_FOLDS = {"complaint_en": 5}
CANDIDATES: dict[str, list[dict[str, Any]]] = {
    "sentiment_zh": [
        {**_ZH, "heads": ("svm",), "C": 0.5},
        {**_ZH, "heads": ("nbsvm",), "C": 0.5},
        {**_ZH, "heads": ("svm", "nbsvm"), "C": 0.5},
        {**_ZH, "heads": ("svm", "nbsvm", "lr"), "C": 0.5},
        {**_ZH, "heads": ("svm", "nbsvm"), "C": 1.0},
        {**_ZH, "char_ngram_range": (1, 4), "heads": ("svm", "nbsvm"), "C": 0.5},
        {**_ZH, "word_ngram_range": None, "heads": ("svm", "nbsvm"), "C": 0.5},
        # joined vs per-domain training data ("_sources" overrides the spec's training sources)
        {**_ZH, "heads": ("svm", "nbsvm"), "C": 0.5, "_sources": ("chnsenticorp",)},
        {**_ZH, "heads": ("svm", "nbsvm"), "C": 0.5, "_sources": ("waimai",)},
        {
            **_ZH,
            "heads": ("svm", "nbsvm"),
            "C": 0.5,
            "_sources": ("chnsenticorp", "waimai", "chnsenticorp_htl"),
        },
    ],
    "emotion_zh": [
        {**_ZH, "heads": ("svm",), "C": 0.5, "class_weight": "balanced"},
        {**_ZH, "heads": ("svm",), "C": 0.5},
        {**_ZH, "heads": ("svm", "nbsvm"), "C": 0.5, "class_weight": "balanced"},
        {**_ZH, "heads": ("svm", "lr"), "C": 0.5, "class_weight": "balanced"},
        {**_ZH, "heads": ("svm",), "C": 0.25, "class_weight": "balanced"},
        {**_ZH, "n_features": 2**19, "heads": ("svm",), "C": 0.5, "class_weight": "balanced"},
    ],
    # complaint_en: 5-fold CV on the training part (the data set is small); `predict` uses the F1 threshold
    "complaint_en": [
        {**_EN, "heads": ("svm",), "C": 1.0, "class_weight": "balanced"},
        {**_EN, "heads": ("svm",), "C": 0.5},
        {**_EN, "heads": ("svm", "lr"), "C": 1.0, "lr_C": 16.0, "class_weight": "balanced"},
        {**_EN, "heads": ("svm", "nbsvm"), "C": 1.0, "class_weight": "balanced"},
        {**_EN, "word_ngram_range": (1, 3), "heads": ("svm",), "C": 1.0, "class_weight": "balanced"},
        {**_EN, "char_ngram_range": (1, 4), "heads": ("svm",), "C": 1.0, "class_weight": "balanced"},
    ],
}


def cross_validate(name: str, data: Path, params: dict[str, Any], folds: int) -> dict[str, dict[str, float]]:
    """K-fold CV over the TRAINING part of a single-source model: scores at argmax and at `predict`."""
    spec = SPECS[name]
    split = load_splits(data)[spec.sources[0]]
    texts = np.array(split.train_texts, dtype=object)
    labels = np.array(split.train_labels)
    proba = np.zeros((len(texts), 2))
    pred = np.empty(len(texts), dtype=object)
    classes: list[str] = []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=SPLIT_SEED).split(texts, labels):
        model = TextClassifier(**params).fit(list(texts[tr]), list(labels[tr]))
        classes = [str(c) for c in model.classes_]
        proba[te] = model.predict_proba(list(texts[te]))
        pred[te] = model.decide(proba[te])
    argmax = [classes[i] for i in proba.argmax(axis=1)]
    return {
        f"{spec.sources[0]} (CV, argmax)": classification_summary(list(labels), argmax, classes, proba),
        f"{spec.sources[0]} (CV, predict)": classification_summary(list(labels), list(pred), classes, proba),
    }


def evaluate(name: str, data: Path, params: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Fit on the fit part of the training data, score every validation set of the model."""
    spec = SPECS[name]
    if name in CV_FOLDS:
        return cross_validate(name, data, params, CV_FOLDS[name])
    splits = tuning_splits(load_splits(data))
    params = dict(params)
    sources = params.pop("_sources", spec.sources)
    texts, labels, _ = training_set(splits, list(sources))
    model = TextClassifier(**params).fit(texts, labels)
    classes = [str(c) for c in model.classes_]
    out = {}
    for ev in spec.eval_sets:
        s = splits[ev]
        proba = model.predict_proba(s.test_texts)
        pred = model.classes_[proba.argmax(axis=1)]
        out[ev] = classification_summary(s.test_labels, list(pred), classes, proba)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--model", choices=sorted(CANDIDATES), action="append")
    args = parser.parse_args(argv)
    for name in args.model or sorted(CANDIDATES):
        spec = SPECS[name]
        keys = ["accuracy", "macro_f1", spec.target_metric, "ece"]
        print(
            f"\n### {name} (validation)\n\n| params | set | {' | '.join(keys)} | fit s |\n"
            "|---|---|---|---|---|---|---|"
        )
        for params in CANDIDATES[name]:
            t0 = time.perf_counter()
            result = evaluate(name, args.data, params)
            took = time.perf_counter() - t0
            for ev, m in result.items():
                if ev.split(" ")[0] in spec.eval_sets[:2]:
                    values = " | ".join(f"{m.get(k, float('nan')):.4f}" for k in keys)
                    print(f"| `{params}` | {ev} | {values} | {took:.0f} |", flush=True)


if __name__ == "__main__":
    main()
