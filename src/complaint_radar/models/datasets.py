"""Loading, deduplication and the held-out splits of the public training data (shared by train and bench)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from complaint_radar.errors import ConfigurationError

SPLIT_SEED = 13
TEST_FRACTION = 0.15
VALID_FRACTION = 0.12

EMOTION_TO_SPEC = {
    "sadness": "disappointment_sadness",
    "fear": "anxiety_fear",
    "anger": "anger",
    "happiness": "happiness",
    "surprise": "surprise",
    "neutral": "neutral",
}


@dataclass(frozen=True)
class Source:
    """One labelled file under the data directory and the task it feeds."""

    name: str
    task: str
    path: str
    licence: str
    label_map: dict[str, str] = field(default_factory=dict)


SOURCES: tuple[Source, ...] = (
    Source(
        "chnsenticorp",
        "sentiment_zh",
        "sentiment_zh/chnsenticorp_train.csv",
        "research use; the distribution includes a licence PDF (non-commercial research)",
    ),
    Source("waimai", "sentiment_zh", "sentiment_zh/waimai_train.csv", "not stated"),
    Source("online_shopping", "sentiment_zh", "sentiment_zh/online_shopping_10_cats.csv.gz", "not stated"),
    Source("chnsenticorp_htl", "sentiment_zh", "sentiment_zh/chnsenticorp_htl_all.csv.gz", "not stated"),
    Source(
        "smp2020_ewect",
        "emotion_zh",
        "emotion_zh/smp2020_ewect_train.csv.gz",
        "evaluation data for research use",
        EMOTION_TO_SPEC,
    ),
    Source(
        "twitter_complaints",
        "complaint_en",
        "complaints_en/twitter_complaints_train.csv",
        "not stated; cite Preotiuc-Pietro, Gaman & Aletras (ACL 2019)",
    ),
)
SOURCE_BY_NAME = {s.name: s for s in SOURCES}


@dataclass
class Split:
    """Texts and labels of one dataset after deduplication, divided into train and held-out test."""

    name: str
    train_texts: list[str]
    train_labels: list[str]
    test_texts: list[str]
    test_labels: list[str]
    rows_read: int
    rows_deduplicated: int
    dropped_conflicts: int
    dropped_overlap: int = 0

    def summary(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "rows_after_dedupe": self.rows_deduplicated,
            "conflicting_label_rows_dropped": self.dropped_conflicts,
            "train_rows_dropped_for_test_overlap": self.dropped_overlap,
            "train": len(self.train_texts),
            "test": len(self.test_texts),
        }


def dedupe_key(text: str) -> str:
    """The duplicate key: all whitespace removed, lower-cased."""
    return "".join(text.split()).lower()


def _read(data: Path, source: Source) -> pd.DataFrame:
    path = data / source.path
    if not path.exists():
        raise ConfigurationError(f"training file {path} is missing; pass --data pointing at the shared data")
    frame = pd.read_csv(path, usecols=["text", "label"], dtype=str, keep_default_na=False)
    frame["text"] = frame["text"].astype(str)
    frame = frame[frame["text"].str.strip() != ""].copy()
    if source.label_map:
        frame["label"] = frame["label"].map(source.label_map)
        if frame["label"].isna().any():
            raise ConfigurationError(f"{path} has labels outside {sorted(source.label_map)}")
    return frame


def deduplicate(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep the first copy of each key; drop every copy of a key seen with more than one label."""
    frame = frame.assign(key=[dedupe_key(t) for t in frame["text"]])
    labels_per_key = frame.groupby("key")["label"].nunique()
    conflicting = set(labels_per_key[labels_per_key > 1].index)
    mask = frame["key"].isin(conflicting)
    kept = frame[~mask].drop_duplicates("key", keep="first")
    return kept.reset_index(drop=True), int(mask.sum())


def held_out(key: str, seed: int = SPLIT_SEED, fraction: float = TEST_FRACTION) -> bool:
    """Whether a dedupe key belongs to the held-out test part: a seeded hash of the key, so a text that
    occurs in several files (hotel reviews do) is held out in all of them or in none."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8, salt=f"split{seed}".encode()).digest()
    return int.from_bytes(digest, "little") % 1_000_000 < fraction * 1_000_000


def _split_one(data: Path, source: Source) -> tuple[Split, list[str], list[str]]:
    raw = _read(data, source)
    frame, conflicts = deduplicate(raw)
    is_test = np.array([held_out(k) for k in frame["key"]], dtype=bool)
    train, test = frame[~is_test], frame[is_test]
    split = Split(
        name=source.name,
        train_texts=list(train["text"]),
        train_labels=list(train["label"]),
        test_texts=list(test["text"]),
        test_labels=list(test["label"]),
        rows_read=len(raw),
        rows_deduplicated=len(frame),
        dropped_conflicts=conflicts,
    )
    return split, list(train["key"]), list(test["key"])


@cache
def _all_splits(data: str) -> dict[str, Split]:
    root = Path(data)
    parts = {s.name: _split_one(root, s) for s in SOURCES}
    test_keys = {k for _, _, keys in parts.values() for k in keys}
    splits: dict[str, Split] = {}
    for name, (split, train_keys, _) in parts.items():
        keep = [k not in test_keys for k in train_keys]
        split.dropped_overlap = len(keep) - sum(keep)
        split.train_texts = [t for t, ok in zip(split.train_texts, keep, strict=True) if ok]
        split.train_labels = [y for y, ok in zip(split.train_labels, keep, strict=True) if ok]
        splits[name] = split
    return splits


def load_splits(data: Path | str) -> dict[str, Split]:
    """Every dataset's train/test split; no test text (by dedupe key) is in any training part."""
    return _all_splits(str(Path(data).resolve()))


def task_sources(task: str) -> list[str]:
    return [s.name for s in SOURCES if s.task == task]


def training_set(splits: dict[str, Split], names: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The joined training parts of `names` (deduplicated again across files) with each row's origin."""
    texts: list[str] = []
    labels: list[str] = []
    origin: list[str] = []
    for name in names:
        s = splits[name]
        texts += s.train_texts
        labels += s.train_labels
        origin += [name] * len(s.train_texts)
    frame = pd.DataFrame({"text": texts, "label": labels, "origin": origin})
    frame, _ = deduplicate(frame)
    return list(frame["text"]), list(frame["label"]), list(frame["origin"])


def tuning_splits(splits: dict[str, Split], seed: int = SPLIT_SEED + 1) -> dict[str, Split]:
    """Each training part divided again into fit and validation (validation in `test_*`), by a seeded
    key hash as for the test split; test texts never enter. For choosing hyper-parameters only."""
    out: dict[str, Split] = {}
    for name, s in splits.items():
        is_val = [held_out(dedupe_key(t), seed=seed, fraction=VALID_FRACTION) for t in s.train_texts]
        pairs = list(zip(s.train_texts, s.train_labels, is_val, strict=True))
        out[name] = Split(
            name=name,
            train_texts=[t for t, _, v in pairs if not v],
            train_labels=[y for _, y, v in pairs if not v],
            test_texts=[t for t, _, v in pairs if v],
            test_labels=[y for _, y, v in pairs if v],
            rows_read=s.rows_read,
            rows_deduplicated=s.rows_deduplicated,
            dropped_conflicts=s.dropped_conflicts,
            dropped_overlap=s.dropped_overlap,
        )
    return out
