"""Clusters of unexplained negative messages, labelled by their top terms, and the ones growing as issues.

A problem nobody has a cause code for yet (negative messages with no cause, or only `other`) still
surfaces: messages are clustered on n-gram features (Chinese words from the project tokenizer plus
character bigrams, so 简体/繁體 and segmentation slips still meet; English words and word pairs), each
cluster is labelled by its most distinctive terms, and a cluster whose messages grow in the detection
window is flagged by the same detector as causes, with key `{"cluster": "term1 / term2"}`.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from importlib import resources
from itertools import pairwise

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, MiniBatchKMeans  # type: ignore[import-untyped]
from sklearn.decomposition import TruncatedSVD  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.preprocessing import normalize as l2_normalize  # type: ignore[import-untyped]

from complaint_radar.analysis.emerging import DetectorConfig, detect_emerging
from complaint_radar.analysis.issues import EmergingIssue
from complaint_radar.errors import InputError
from complaint_radar.text.normalize import normalize
from complaint_radar.text.tokenize import words

CLUSTER_KEY = "cluster"
_BIGRAM = "#"  # marks character bigrams, which help clustering but make poor labels

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"^[a-z0-9']+$")


@lru_cache(maxsize=1)
def _stop_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(stop characters, stop words) from data/stopwords.txt."""
    chars: set[str] = set()
    stop_words: set[str] = set()
    text = (
        resources.files("complaint_radar.analysis").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    )
    for line in text.splitlines():
        if line.startswith("chars:"):
            chars |= set(line.removeprefix("chars:").strip())
        elif line.strip() and not line.startswith("#"):
            stop_words.add(line.strip())
    return frozenset(chars), frozenset(stop_words)


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """How unexplained messages are clustered and labelled."""

    min_size: int = 5
    """Smallest cluster kept (SPEC: an issue needs at least 5 items)."""
    max_clusters: int = 40
    """Most clusters made (about √(n/2) are made for n messages)."""
    components: int = 100
    """Dimensions of the latent space the messages are clustered in (truncated SVD of TF-IDF)."""
    min_cohesion: float = 0.25
    """Smallest mean cosine similarity of a cluster's messages to its centre; looser clusters are dropped."""
    merge_similarity: float = 0.3
    """Clusters whose centres are at least this similar (cosine) are one cluster (k-means over-splits)."""
    label_terms: int = 2
    """Terms in a cluster's label."""
    seed: int = 0

    def __post_init__(self) -> None:
        if self.min_size < 2 or self.max_clusters < 1 or self.components < 2 or self.label_terms < 1:
            raise InputError(
                "cluster settings: min_size ≥ 2, max_clusters ≥ 1, components ≥ 2, label_terms ≥ 1"
            )


@dataclass(frozen=True, slots=True)
class MessageCluster:
    """A group of similar messages and the terms that set it apart from the others."""

    label: str
    """The top terms joined by " / ": the issue key's value."""
    top_terms: tuple[str, ...]
    item_ids: tuple[Hashable, ...]
    cohesion: float

    @property
    def size(self) -> int:
        return len(self.item_ids)


def terms(text: str) -> list[str]:
    """A message's n-gram features: Chinese words and character bigrams, English words and word pairs."""
    stop_chars, stop_words = _stop_lists()
    plain = normalize(text)
    tokens = words(plain)
    latin = [t for t in tokens if _LATIN.match(t) and len(t) >= 3 and t not in stop_words]
    han = [t for t in tokens if _HAN_RUN.fullmatch(t) and len(t) >= 2 and t not in stop_words]
    bigrams = [
        _BIGRAM + run[i : i + 2]
        for run in _HAN_RUN.findall(plain)
        for i in range(len(run) - 1)
        if not (stop_chars & set(run[i : i + 2]))
    ]
    pairs = [f"{a} {b}" for a, b in pairwise(latin)]
    return list(dict.fromkeys([*han, *bigrams, *latin, *pairs]))


def cluster_messages(messages: pd.DataFrame, config: ClusterConfig | None = None) -> list[MessageCluster]:
    """Clusters of `messages` (`item_id, text`), largest first; messages in no kept cluster are left out.

    Seeded and deterministic; a few to tens of thousands of messages (TF-IDF → SVD → k-means).
    """
    cfg = config or ClusterConfig()
    missing = [c for c in ("item_id", "text") if c not in messages.columns]
    if missing:
        raise InputError(f"messages to cluster need columns item_id, text (lack {', '.join(missing)})")
    frame = messages.dropna(subset=["item_id", "text"])
    texts = frame["text"].astype(str).tolist()
    if len(texts) < cfg.min_size:
        return []
    vectorizer = TfidfVectorizer(analyzer=terms, min_df=2, max_df=0.5, sublinear_tf=True)
    try:
        tfidf = vectorizer.fit_transform(texts)
    except ValueError:  # no term occurs in two messages
        return []
    vocabulary = np.array(vectorizer.get_feature_names_out())
    points = _latent(tfidf, cfg)
    distinct = len(np.unique(points.round(6), axis=0))
    n_clusters = int(
        np.clip(
            round(np.sqrt(len(texts) / 2)), 1, min(cfg.max_clusters, distinct, len(texts) // cfg.min_size)
        )
    )
    labels = _merge_close(points, _kmeans(points, n_clusters, cfg.seed), cfg.merge_similarity)
    present = (tfidf > 0).tocsc()
    ids = frame["item_id"].to_numpy()
    clusters: list[MessageCluster] = []
    for c in np.unique(labels):
        members = np.nonzero(labels == c)[0]
        if len(members) < cfg.min_size:
            continue
        centre = points[members].mean(axis=0)
        norm = float(np.linalg.norm(centre))
        cohesion = float((points[members] @ (centre / norm)).mean()) if norm > 0 else 0.0
        if cohesion < cfg.min_cohesion:
            continue
        top = _distinctive_terms(present, members, vocabulary, cfg.label_terms)
        if top:
            clusters.append(
                MessageCluster(" / ".join(top), tuple(top), tuple(ids[members].tolist()), cohesion)
            )
    return sorted(clusters, key=lambda cl: (-cl.size, cl.label))


def cluster_items(messages: pd.DataFrame, clusters: list[MessageCluster]) -> pd.DataFrame:
    """The items table of clustered messages for the detector: `item_id, day, cluster` (label)."""
    if "day" not in messages.columns:
        raise InputError("messages need a `day` column to find growing clusters")
    label_of = {item: cl.label for cl in clusters for item in cl.item_ids}
    frame = messages.loc[messages["item_id"].isin(label_of), ["item_id", "day"]].copy()
    frame[CLUSTER_KEY] = frame["item_id"].map(label_of)
    return frame


def emerging_clusters(
    messages: pd.DataFrame,
    as_of: date,
    config: ClusterConfig | None = None,
    detector: DetectorConfig | None = None,
    *,
    volume: pd.DataFrame | None = None,
) -> list[EmergingIssue]:
    """Clusters of unexplained negative messages (`item_id, day, text`) growing in the window ending `as_of`.

    Pass the history the detector needs (its baseline weeks before the window). `volume` (optional, `day,
    volume`): all messages per day; by default the unexplained messages themselves are the volume.
    """
    frame = (
        messages[pd.to_datetime(messages["day"]) <= pd.Timestamp(as_of)] if "day" in messages else messages
    )
    clusters = cluster_messages(frame, config)
    if not clusters:
        return []
    cfg = replace(detector or DetectorConfig(), keys=((CLUSTER_KEY,),))
    issues = detect_emerging(cluster_items(frame, clusters), as_of, cfg, volume=volume)
    terms_of = {cl.label: cl.top_terms for cl in clusters}
    return [replace(i, top_terms=terms_of[i.key[CLUSTER_KEY]]) for i in issues]


def _latent(tfidf: object, cfg: ClusterConfig) -> np.ndarray:
    n_rows, n_terms = tfidf.shape  # type: ignore[attr-defined]
    k = min(cfg.components, n_terms - 1, n_rows - 1)
    if k < 2:
        dense: np.ndarray = np.asarray(tfidf.toarray())  # type: ignore[attr-defined]
        return dense
    reduced = TruncatedSVD(n_components=k, random_state=cfg.seed).fit_transform(tfidf)
    out: np.ndarray = l2_normalize(reduced)
    return out


def _kmeans(points: np.ndarray, n_clusters: int, seed: int) -> np.ndarray:
    if n_clusters <= 1:
        return np.zeros(len(points), dtype=np.int64)
    if len(points) > 5000:
        model: KMeans | MiniBatchKMeans = MiniBatchKMeans(
            n_clusters, random_state=seed, n_init=3, batch_size=2048
        )
    else:
        model = KMeans(n_clusters, random_state=seed, n_init=4)
    labels: np.ndarray = model.fit_predict(points)
    return labels


def _merge_close(points: np.ndarray, labels: np.ndarray, similarity: float) -> np.ndarray:
    """Relabel so that clusters whose centres have cosine ≥ `similarity` (transitively) share a label."""
    ids = np.unique(labels)
    centres = l2_normalize(np.vstack([points[labels == c].mean(axis=0) for c in ids]))
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    close = np.argwhere(np.triu(centres @ centres.T, k=1) >= similarity)
    for a, b in close:
        parent[root(int(b))] = root(int(a))
    merged: np.ndarray = np.array([root(int(np.searchsorted(ids, c))) for c in labels], dtype=np.int64)
    return merged


def _distinctive_terms(present: object, members: np.ndarray, vocabulary: np.ndarray, n: int) -> list[str]:
    """Terms most over-represented in the cluster (document share inside minus outside), words before
    character bigrams, no term inside another."""
    total = present.shape[0]  # type: ignore[attr-defined]
    inside = np.asarray(present[members].sum(axis=0)).ravel() / len(members)  # type: ignore[index]
    everywhere = np.asarray(present.sum(axis=0)).ravel()  # type: ignore[attr-defined]
    outside = (everywhere - inside * len(members)) / max(total - len(members), 1)
    score = inside - outside
    ranked = [int(i) for i in np.argsort(-score, kind="stable") if score[i] > 0 and inside[i] >= 0.2]
    words_first = [i for i in ranked if not vocabulary[i].startswith(_BIGRAM)]
    words_first += [i for i in ranked if vocabulary[i].startswith(_BIGRAM)]
    chosen: list[str] = []
    for index in words_first:
        term = str(vocabulary[index]).removeprefix(_BIGRAM)
        if len(chosen) == n:
            break
        if not any(term in kept or kept in term for kept in chosen):
            chosen.append(term)
    return chosen
