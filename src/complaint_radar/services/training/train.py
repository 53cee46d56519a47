"""Train a text classifier or custom taxonomy from a labelled file, and evaluate any model on one.

The directory written by `train_file` is a taxonomy directory (models/taxonomy.py): `assess-file
--taxonomy`, `evaluate` and `Taxonomy.load` all read it. Held-out metrics are measured on the saved and
re-loaded artifact, so they describe exactly what is shipped.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from complaint_radar.errors import InputError
from complaint_radar.models import serving
from complaint_radar.models.embedding import BASE_DIR, EMBEDDER
from complaint_radar.models.evaluation import multi_label_report, single_label_report, timed
from complaint_radar.models.model_card import custom_model_card
from complaint_radar.models.registry import EMBEDDING_SUFFIX, MODEL_NAMES, embedding_variant, load_model
from complaint_radar.models.reports import plotting_available, write_reports
from complaint_radar.models.rules import RULES_FILE, KeywordRules
from complaint_radar.models.taxonomy import MANIFEST_FILE, RULES, SINGLE_LABEL, CustomTaxonomy, write_manifest
from complaint_radar.services.training.labelled_data import (
    DataSplit,
    LabelledData,
    label_counts,
    read_labelled,
    split_labelled,
)

# Defaults of a user-trained model (the bundled models' choices in models/specs.py, for short texts).
TRAIN_PARAMS: dict[str, Any] = {
    "char_ngram_range": (1, 3),
    "word_ngram_range": (1, 2),
    "n_features": 2**20,
    "heads": ("svm", "nbsvm"),
    "C": 0.5,
}
MIN_EXAMPLES = 2
CARD_FILE = "model_card.md"
NO_TOPIC = "(none)"
# What a model directory may hold; anything else in --out means it is not ours to overwrite.
_OURS = {
    MANIFEST_FILE,
    "model.json",
    "weights.npz",
    "labels",
    RULES_FILE,
    CARD_FILE,
    "metrics.json",
    "metrics.md",
    BASE_DIR,
}


@dataclass
class TrainingResult:
    """What `train_file` wrote and measured."""

    directory: Path
    kind: str
    labels: list[str]
    split: dict[str, Any]
    report: dict[str, Any] | None
    dropped_labels: dict[str, int]
    fit_seconds: float
    files: list[Path]


def _sha256_12(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def _prepare_out(out: Path) -> None:
    """Create `out`, or clear a previous model there; never touch a directory holding other files."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a directory")
    if out.exists() and any(out.iterdir()):
        foreign = sorted(p.name for p in out.iterdir() if p.name not in _OURS and p.name != "reliability.png")
        if foreign or not (out / MANIFEST_FILE).exists():
            raise InputError(
                f"--out {out} is not empty and does not hold a model "
                f"({', '.join(foreign[:3]) or 'no manifest'}); choose a new directory"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def _check_classes(split: DataSplit, data: LabelledData, label_column: str) -> None:
    counts = label_counts(split.train_labels + split.test_labels)
    if data.multi_label:
        return
    if len(counts) < 2:
        only = next(iter(counts), "")
        raise InputError(
            f"label column {label_column!r} has only one class ({only!r}); a classifier needs at least two"
        )
    if len(label_counts(split.train_labels)) < 2:
        raise InputError("the training part has only one class; lower --test-size or add rows")


def train_file(
    path: Path,
    out: Path,
    *,
    name: str,
    text_column: str = "text",
    label_column: str = "label",
    multi_label: bool = False,
    separator: str = "|",
    seed: int = 13,
    test_size: float = 0.15,
    command: str = "train",
    plot: bool = True,
    embeddings: bool = False,
) -> TrainingResult:
    """Read `path`, deduplicate, split, fit, save into `out` with a model card; score the held-out part."""
    data = read_labelled(
        path, text_column=text_column, label_column=label_column, multi_label=multi_label, separator=separator
    )
    split = split_labelled(data, seed=seed, test_size=test_size)
    _check_classes(split, data, label_column)
    _prepare_out(out)
    started = time.perf_counter()
    kind, labels, dropped, extra = _fit_and_save(
        split, out, name=name, multi_label=multi_label, seed=seed, embeddings=embeddings
    )
    fit_seconds = round(time.perf_counter() - started, 2)
    taxonomy = CustomTaxonomy.load(out)
    report = None
    files: list[Path] = []
    if split.test_texts:
        report = evaluate_taxonomy(taxonomy, split.test_texts, split.test_labels)
        report["context"] = {"model": name, "data": f"held-out test part of {path}", "split seed": seed}
        files += write_reports(report, out, f"{name}: held-out test", plot=plot and plotting_available())
    meta = {
        "name": name,
        "kind": kind,
        "labels": labels,
        "command": command,
        "date": datetime.now(UTC).date().isoformat(),
        "directory": str(out),
        "dropped_labels": dropped,
        "split": split.summary,
        "training": {
            "data_sha256_12": _sha256_12(path),
            "text_column": text_column,
            "label_column": label_column,
            "label_separator": separator,
            "label_counts": dict(sorted(label_counts(split.train_labels).items())),
            "params": {**TRAIN_PARAMS, "seed": seed},
            "embeddings": EMBEDDER if embeddings else None,
            "fit_seconds": fit_seconds,
        },
        **extra,
    }
    extras = {k: v for k, v in (taxonomy.manifest | meta).items() if k not in _BASE}
    extras["test_metrics"] = None if report is None else _headline(report)
    write_manifest(out, kind, name, taxonomy.labels, **extras)
    card = out / CARD_FILE
    card.write_text(custom_model_card(meta, report), encoding="utf-8")
    return TrainingResult(out, kind, labels, split.summary, report, dropped, fit_seconds, [card, *files])


_BASE = ("format", "format_version", "kind", "name", "labels", "directory")


def _headline(report: dict[str, Any]) -> dict[str, Any]:
    keys = ("n", "accuracy", "macro_f1", "micro_f1")
    out = {k: report[k] for k in keys if k in report}
    out["ece"] = report["calibration"]["ece"] if report.get("calibration") else None
    return out


def _fit_and_save(
    split: DataSplit, out: Path, *, name: str, multi_label: bool, seed: int, embeddings: bool = False
) -> tuple[str, list[str], dict[str, int], dict[str, Any]]:
    """Fit the classifier on the training part and write it into `out`; (kind, labels, dropped, extra).
    With `embeddings`, every model is an `EmbeddingStack` (models/embedding.py)."""
    from complaint_radar.models.embedding import embedder, fit_embedding_stack
    from complaint_radar.models.linear import TextClassifier
    from complaint_radar.models.multilabel import OneVsRestTextClassifier

    if multi_label:
        model = OneVsRestTextClassifier(**TRAIN_PARAMS, min_examples=MIN_EXAMPLES, seed=seed)
        vectors = embedder().encode(split.train_texts) if embeddings else None
        try:
            model.fit(split.train_texts, split.train_labels, vectors)
        except ValueError as exc:
            raise InputError(f"cannot train a multi-label model: {exc}; add labelled rows") from None
        model.save(out, name)
        return (
            "multi_label",
            [str(x) for x in model.labels_],
            model.dropped_labels_,
            {"min_score": model.min_score},
        )
    counts = label_counts(split.train_labels)
    dropped = {k: v for k, v in sorted(counts.items()) if v < MIN_EXAMPLES}
    keep = [i for i, y in enumerate(split.train_labels) if y not in dropped]
    if len({split.train_labels[i] for i in keep}) < 2:
        raise InputError(
            f"fewer than two classes have {MIN_EXAMPLES} or more training rows; add rows or lower --test-size"
        )
    texts = [split.train_texts[i] for i in keep]
    targets = [split.train_labels[i] for i in keep]
    if embeddings:
        stack = fit_embedding_stack(
            lambda: TextClassifier(**TRAIN_PARAMS, seed=seed),
            texts,
            targets,
            embedder().encode(texts),
            seed=seed,
        )
        labels = [str(c) for c in stack.classes_]
        stack.save(out, {"name": name})
    else:
        classifier = TextClassifier(**TRAIN_PARAMS, seed=seed).fit(texts, targets)
        labels = [str(c) for c in classifier.classes_]
        classifier.save(out, {"name": name})
    write_manifest(out, SINGLE_LABEL, name, labels)
    return SINGLE_LABEL, labels, dropped, {}


def evaluate_taxonomy(
    taxonomy: CustomTaxonomy, texts: Sequence[str], truth: Sequence[Any], batch_size: int = 1000
) -> dict[str, Any]:
    """Figures of `taxonomy` on labelled texts (`truth`: a label, or a tuple of labels when multi-label),
    with its throughput on them (one process, batches of `batch_size`)."""
    serving.clear_feature_cache()

    def predict(batch: list[str]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
        scores = taxonomy.scores(batch)
        return scores, taxonomy.decide(scores)

    parts, speed = timed(predict, texts, batch_size)
    labels = list(taxonomy.labels)
    scores = np.vstack([p[0] for p in parts]) if parts else np.zeros((0, len(labels)))
    topics = [t for p in parts for t in p[1]]
    proba = scores if taxonomy.calibrated else None
    if taxonomy.multi_label:
        sets = [t if isinstance(t, tuple) else (t,) for t in truth]
        report = multi_label_report(sets, topics, labels, proba)
    else:
        flat = [str(t[0]) if isinstance(t, tuple) and len(t) == 1 else str(t) for t in truth]
        predicted = [t[0] if t else NO_TOPIC for t in topics]
        positive = taxonomy.classifier.f1_class if taxonomy.classifier is not None else None
        report = single_label_report(flat, predicted, labels, proba, positive)
    if not taxonomy.calibrated:
        report["calibration_note"] = "Rule strengths are not probabilities: calibration is not measured."
    report["throughput"] = speed
    return report


def load_taxonomy(reference: str | Path) -> CustomTaxonomy:
    """A taxonomy or model directory, or the name of a bundled model (sentiment_zh, emotion_zh, …)."""
    path = Path(reference)
    if path.exists():
        return CustomTaxonomy.load(path)
    name = str(reference)
    if name in MODEL_NAMES:
        return CustomTaxonomy.from_classifier(load_model(name), name)
    base = name.removesuffix(EMBEDDING_SUFFIX)
    if name != base and base in MODEL_NAMES and embedding_variant(base) is not None:
        return CustomTaxonomy.from_classifier(load_model(base, embeddings=True), name)
    bundled = [*MODEL_NAMES, *(n + EMBEDDING_SUFFIX for n in MODEL_NAMES if embedding_variant(n) is not None)]
    raise InputError(
        f"{reference} is neither a model directory nor a bundled model ({', '.join(bundled)}); check the path"
    )


def evaluate_file(
    reference: str | Path,
    path: Path,
    *,
    text_column: str = "text",
    label_column: str = "label",
    separator: str = "|",
) -> tuple[CustomTaxonomy, dict[str, Any]]:
    """Evaluate a model (directory or bundled name) on every labelled row of `path` (no split, no dedupe)."""
    taxonomy = load_taxonomy(reference)
    data = read_labelled(
        path,
        text_column=text_column,
        label_column=label_column,
        multi_label=taxonomy.multi_label,
        separator=separator,
    )
    truth: list[Any] = data.label_sets if data.label_sets is not None else data.labels
    report = evaluate_taxonomy(taxonomy, data.texts, truth)
    report["context"] = {
        "model": taxonomy.name + (" (keyword rules)" if taxonomy.kind == RULES else ""),
        "data": f"{path} ({data.rows_read:,} rows read, {len(data.texts):,} scored)",
        "skipped rows": dict(data.skipped) or "none",
    }
    return taxonomy, report


def keyword_taxonomy(rules_path: Path, out: Path, *, name: str | None = None) -> CustomTaxonomy:
    """Build a rule-based taxonomy directory from a YAML rules file (models/rules.py) and load it back."""
    rules = KeywordRules.from_yaml(rules_path)
    _prepare_out(out)
    rules.save(out)
    write_manifest(
        out,
        RULES,
        name or out.name,
        rules.all_labels,
        multi_label=rules.multi_label,
        fallback=rules.fallback,
        source=str(rules_path),
        date=datetime.now(UTC).date().isoformat(),
    )
    return CustomTaxonomy.load(out)
