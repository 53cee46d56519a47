"""Labelled rows from any file assess-file reads, for training and evaluation; dedupe and seeded split."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from complaint_radar.errors import InputError
from complaint_radar.io import read_chunks
from complaint_radar.models.datasets import deduplicate, held_out
from complaint_radar.models.multilabel import label_sets
from complaint_radar.services.rows import text_problem

SPLIT_METHOD = (
    "deduplicate first (key = text without whitespace, lower-cased; every copy of a key seen with "
    "different labels is dropped), then a key is held out iff blake2b(key, salt='split<seed>') mod 1e6 "
    "< test_size × 1e6"
)


@dataclass
class LabelledData:
    """Usable rows of a labelled file: texts with one label, or a tuple of labels (multi-label)."""

    source: str
    texts: list[str]
    labels: list[str]
    label_sets: list[tuple[str, ...]] | None
    rows_read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def multi_label(self) -> bool:
        return self.label_sets is not None


@dataclass
class DataSplit:
    """Deduplicated rows divided into a training part and a held-out test part."""

    train_texts: list[str]
    train_labels: list[Any]
    test_texts: list[str]
    test_labels: list[Any]
    summary: dict[str, Any]


def _label_text(value: Any) -> str | None:
    if value is None or isinstance(value, list | dict):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    return text or None


def read_labelled(
    path: Path,
    *,
    text_column: str,
    label_column: str,
    multi_label: bool = False,
    separator: str = "|",
    chunk_rows: int = 5000,
) -> LabelledData:
    """Rows with a usable text and label; the others are counted by reason in `skipped`."""
    if multi_label and not separator:
        raise InputError("--label-separator must not be empty for --multi-label")
    options = {text_column: "--text-column", label_column: "--label-column"}
    data = LabelledData(str(path), [], [], [] if multi_label else None)
    for chunk in read_chunks(
        path, [text_column, label_column], chunk_rows=chunk_rows, column_options=options
    ):
        frame = chunk.frame
        for pos, (text, raw) in enumerate(zip(frame[text_column], frame[label_column], strict=True)):
            data.rows_read += 1
            problem = chunk.row_errors.get(pos) or text_problem(text)
            label = _label_text(raw)
            if problem:
                data.skipped[problem] += 1
                continue
            if label is None:
                data.skipped["missing label"] += 1
                continue
            if data.label_sets is not None:
                labels = label_sets([label], separator)[0]
                if not labels:
                    data.skipped["missing label"] += 1
                    continue
                data.label_sets.append(labels)
                label = separator.join(labels)
            data.texts.append(text)
            data.labels.append(label)
    if not data.texts:
        reasons = ", ".join(f"{n} {why}" for why, n in data.skipped.most_common()) or "no data rows"
        raise InputError(f"{path} has no row with both a text and a label ({reasons})")
    return data


def split_labelled(data: LabelledData, *, seed: int = 13, test_size: float = 0.15) -> DataSplit:
    """Deduplicate, then hold out `test_size` of the keys by seeded hash (models.datasets.held_out)."""
    if not 0.0 <= test_size < 1.0:
        raise InputError(f"--test-size must be at least 0 and below 1, got {test_size}")
    frame = pd.DataFrame({"text": data.texts, "label": data.labels, "row": np.arange(len(data.texts))})
    kept, conflicts = deduplicate(frame)
    is_test = np.array([held_out(k, seed=seed, fraction=test_size) for k in kept["key"]], dtype=bool)
    rows = kept["row"].to_numpy()
    values: list[Any] = data.label_sets if data.label_sets is not None else data.labels
    train_rows, test_rows = rows[~is_test], rows[is_test]
    summary = {
        "source": data.source,
        "rows_read": data.rows_read,
        "rows_skipped": dict(data.skipped),
        "rows_after_dedupe": len(kept),
        "conflicting_label_rows_dropped": conflicts,
        "duplicate_rows_dropped": len(data.texts) - len(kept) - conflicts,
        "train": len(train_rows),
        "test": len(test_rows),
        "seed": seed,
        "test_size": test_size,
        "method": SPLIT_METHOD,
    }
    return DataSplit(
        train_texts=[data.texts[i] for i in train_rows],
        train_labels=[values[i] for i in train_rows],
        test_texts=[data.texts[i] for i in test_rows],
        test_labels=[values[i] for i in test_rows],
        summary=summary,
    )


def label_counts(labels: list[Any]) -> Counter[str]:
    """How many rows carry each label (a multi-label row counts once for each of its labels)."""
    counts: Counter[str] = Counter()
    for value in labels:
        counts.update(value if isinstance(value, tuple) else (value,))
    return counts
