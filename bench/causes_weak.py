"""Cross-validation only: do weakly labelled public texts help the cause model (issue 13)? Training corpus
only (the frozen test split is never read; training texts equal to a test text are dropped by key).

Grouped 5-fold CV of the whole pipeline, as `bench/causes.py --cv-only`, except that in each fold the
cause model is fitted twice: once on the four training folds, then again with weak rows added, whose
labels are that first model's confident readings of unlabelled public texts (../shared/data): for a text
the source marks as a complaint or a negative review, every cause whose probability reaches both its
threshold and `--tau`, plus the two stage labels (texts with no such cause are left out); for a positive
or not-a-complaint text (with `--positives`), no label at all. Weak rows weigh `--weight` in the n-gram fit
and are fitted only for the cause and stage labels (never the demands); the stacker, thresholds and gate
are fitted on the hand-labelled texts alone. Held-out folds are assessed with the second model.
Chinese sources: negative (and positive) reviews of waimai, ChnSentiCorp hotels and online_shopping_10_cats,
and the 12365auto car complaints; English: the complaint (and not-complaint) tweets.

Run: .venv/bin/python bench/causes_weak.py --language en [--tau 0.7 --weight 0.3 --negatives 3000]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import time
from pathlib import Path

import numpy as np

from complaint_radar.models.cause_corpus import SCRIPTS, cv_folds, load_cause_corpus, without_test_duplicates
from complaint_radar.models.cause_model import CauseModel, hits_of
from complaint_radar.models.cause_training import BUNDLED_PARAMS, TrainingSet, fit_cause_model
from complaint_radar.services.training.cause_evaluation import (
    Prediction,
    assess_records,
    fold_complaint_en_cs,
    fold_scores,
)
from complaint_radar.text.cues import read_lexically
from complaint_radar.text.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
ZH_REVIEWS = (
    "sentiment_zh/waimai_train.csv",
    "sentiment_zh/chnsenticorp_htl_all.csv.gz",
    "sentiment_zh/online_shopping_10_cats.csv.gz",
)


def _rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return list(csv.DictReader(fh))


def unlabelled(
    data: Path, language: str, negatives: int, positives: int, traditional: bool, seed: int = 13
) -> tuple[list[str], list[str]]:
    """(complaining texts, calm texts) of `language`, shuffled (seeded) and cut to the sizes asked."""
    rng = random.Random(seed)
    neg: list[str] = []
    pos: list[str] = []
    if language == "zh":
        for name in ZH_REVIEWS:
            for row in _rows(data / name):
                text = (row["text"] or "").strip()
                if 6 <= len(text) <= 300:
                    (neg if row["label"] == "negative" else pos).append(text)
        neg += [row["text"] for row in _rows(data / "car_complaints_zh" / "car_complaints_train.csv")]
    else:
        for row in _rows(data / "complaints_en" / "twitter_complaints_train.csv"):
            (neg if row["label"] == "complaint" else pos).append(row["text"])
    rng.shuffle(neg)
    rng.shuffle(pos)
    neg, pos = neg[:negatives], pos[:positives]
    if traditional:
        import zhconv  # type: ignore[import-untyped]

        neg += [zhconv.convert(t, "zh-tw") for t in neg]
        pos += [zhconv.convert(t, "zh-tw") for t in pos]
    return neg, pos


def weak_set(
    model: CauseModel,
    language: str,
    texts: list[str],
    hits: list[frozenset[str]],
    n_neg: int,
    tau: float,
    weight: float,
) -> TrainingSet:
    """The weak rows `model` labels confidently (see the module docstring)."""
    proba = model.predict_proba(language, texts, hits)
    thresholds = model.models[language].thresholds
    causes = [j for j, label in enumerate(model.labels) if label.startswith("cause:")]
    keep: list[int] = []
    labels: list[frozenset[str]] = []
    for i in range(len(texts)):
        if i < n_neg:
            found = {model.labels[j] for j in causes if proba[i, j] >= max(thresholds[j], tau)}
            if not found:
                continue
            labels.append(frozenset(found | {"stage:dissatisfied", "stage:explicit"}))
        else:
            labels.append(frozenset())
        keep.append(i)
    return TrainingSet(
        texts=[texts[i] for i in keep],
        labels=labels,
        hits=[hits[i] for i in keep],
        gold=[False] * len(keep),
        groups=[f"weak:{i}" for i in keep],
        weights=[weight] * len(keep),
        known=[frozenset({"cause", "stage"})] * len(keep),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=("zh", "en"), required=True)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--train", type=Path, default=ROOT / "corpus" / "causes" / "train")
    parser.add_argument("--test", type=Path, default=ROOT / "corpus" / "causes" / "test.jsonl")
    parser.add_argument("--tau", type=float, default=0.7, help="least probability of a weak cause label")
    parser.add_argument("--weight", type=float, default=0.3, help="weight of a weak row in the n-gram fit")
    parser.add_argument("--negatives", type=int, default=3000, help="complaining texts to label")
    parser.add_argument("--positives", type=int, default=0, help="calm texts to add with no label")
    parser.add_argument("--traditional", action="store_true", help="also add zh-TW conversions (zh)")
    args = parser.parse_args()
    started = time.perf_counter()
    lexicon = load_lexicon()
    language = args.language
    neg, pos = unlabelled(args.data, language, args.negatives, args.positives, args.traditional)
    readings = [read_lexically(t, lexicon) for t in neg + pos]
    texts, hits = [r.model_text for r in readings], [hits_of(r.scan) for r in readings]
    records, _ = without_test_duplicates(load_cause_corpus(args.train), args.test)
    fold_of = cv_folds(records, 5, 13)
    params = {language: BUNDLED_PARAMS[language]}
    chosen = [i for i, r in enumerate(records) if r.language == language]
    base_pred: dict[int, Prediction] = {}
    weak_pred: dict[int, Prediction] = {}
    for k in range(5):
        train = [r for r, f in zip(records, fold_of, strict=True) if f != k]
        held = [i for i in chosen if fold_of[i] == k]
        labels, models = fit_cause_model(train, lexicon, params)
        base = CauseModel(labels, {lang: m for lang, (m, _) in models.items()}, {})
        weak = weak_set(base, language, texts, hits, len(neg), args.tau, args.weight)
        labels, models = fit_cause_model(train, lexicon, params, weak={language: weak})
        model = CauseModel(labels, {lang: m for lang, (m, _) in models.items()}, {})
        complaint = fold_complaint_en_cs(train, args.data)
        for m, into in ((base, base_pred), (model, weak_pred)):
            got = assess_records([records[i] for i in held], m, complaint_en_cs=complaint)
            for i, p in zip(held, got, strict=True):
                into[i] = p
        print(f"fold {k + 1}/5: {len(weak.texts):,} weak rows of {len(texts):,}", flush=True)
    subset = [records[i] for i in chosen]
    folds = [fold_of[i] for i in chosen]
    scores = {
        name: fold_scores(subset, [pred[i] for i in chosen], folds)
        for name, pred in (("hand-labelled only", base_pred), ("+ weak rows", weak_pred))
    }
    print(
        f"tau {args.tau}, weight {args.weight}, negatives {args.negatives}, positives {args.positives}, "
        f"traditional {args.traditional}"
    )
    print("| script | model | cause micro-F1 | paired gain | stage accuracy |\n|---|---|---:|---:|---:|")
    for script in SCRIPTS:
        if not any(r.script == script for r in subset):
            continue
        f1 = {n: np.array([f["script"][script]["causes"]["micro_f1"] for f in s]) for n, s in scores.items()}
        stage = {n: np.mean([f["script"][script]["stage_accuracy"] for f in s]) for n, s in scores.items()}
        gain = f1["+ weak rows"] - f1["hand-labelled only"]
        for n in scores:
            extra = f"{gain.mean():+.3f} ± {gain.std():.3f}" if n == "+ weak rows" else ""
            print(f"| {script} | {n} | {f1[n].mean():.3f} ± {f1[n].std():.3f} | {extra} | {stage[n]:.3f} |")
    print(f"Run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
