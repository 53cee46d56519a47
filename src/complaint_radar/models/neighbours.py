"""Nearest training messages as a cause-model input: for each label, the similarity-weighted share of a
message's nearest hand-labelled training messages that carry it.

The n-gram weights of the cause model (models/cause_model.py) read each n-gram on its own; two messages
that share several rarer n-grams ("扣了两次", "charged twice") are often about the same thing even when
no single n-gram decides it. The index holds the training messages' TF-IDF rows (the cause model's own
features) with the common n-grams dropped (those in more than `max_df` of the messages: single common
characters and function words, which would make every message a neighbour of every other and cost most
of the time), and their labels. A message's `k` nearest by cosine give, per label:

- for a cause or demand label: Σ sim · has_label / Σ sim over the neighbours that are dissatisfied (a
  cause is read among problems, not diluted by calm neighbours); 0 when none is;
- for a stage label: Σ sim · has_label / Σ sim over all `k`.

The shares join each label's stacker beside its n-gram logit (cause_model.py). Chosen by grouped 5-fold
CV on the training corpus (docs/benchmarks_causes.md, "Nearest training messages").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

# Rows scored at once: the dense similarity block is chunk × training messages.
_CHUNK = 256


def prune_common(matrix: sp.csr_matrix, max_df: float) -> sp.csr_matrix:
    """`matrix` without the columns present in more than `max_df` of its rows (rows not renormalised)."""
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    keep = df <= max_df * matrix.shape[0]
    pruned = matrix.multiply(keep[None, :].astype(np.float32)).tocsr()
    pruned.eliminate_zeros()
    return sp.csr_matrix(pruned, dtype=np.float32)


@dataclass
class NeighbourIndex:
    """Training rows (`matrix`, messages × hashed features, common columns dropped), their labels
    (`labels`, messages × labels, bool), how many neighbours are read (`k`), which labels are read among
    dissatisfied neighbours only (`among_problems`) and the label column saying a message is one."""

    matrix: sp.csr_matrix
    labels: np.ndarray
    k: int
    among_problems: np.ndarray
    dissatisfied: int

    def __post_init__(self) -> None:
        if self.matrix.shape[0] != self.labels.shape[0]:
            raise ValueError(f"{self.matrix.shape[0]} rows but {self.labels.shape[0]} label rows")
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")
        self._transposed = sp.csr_matrix(self.matrix.T)
        self._labels = self.labels.astype(np.float32)
        self._problem = self.labels[:, self.dissatisfied].astype(np.float32)

    @classmethod
    def build(
        cls,
        tfidf: sp.csr_matrix,
        labels: np.ndarray,
        k: int,
        max_df: float,
        among_problems: np.ndarray,
        dissatisfied: int,
    ) -> NeighbourIndex:
        """The index of training rows `tfidf` (the model's TF-IDF) with their `labels`."""
        return cls(
            prune_common(tfidf, max_df), np.asarray(labels, dtype=bool), k, among_problems, dissatisfied
        )

    def shares(self, tfidf: sp.csr_matrix) -> np.ndarray:
        """(n, labels) the label shares of each row's `k` nearest training messages (module docstring)."""
        n, size = tfidf.shape[0], self.matrix.shape[0]
        out = np.zeros((n, self._labels.shape[1]), dtype=np.float64)
        if size == 0:
            return out
        k = min(self.k, size)
        for start in range(0, n, _CHUNK):
            sim = (tfidf[start : start + _CHUNK] @ self._transposed).toarray()
            top = (
                np.argpartition(-sim, k - 1, axis=1)[:, :k]
                if k < size
                else np.tile(np.arange(size), (len(sim), 1))
            )
            s = np.maximum(np.take_along_axis(sim, top, axis=1), 0.0)
            weighted = np.einsum("ij,ijl->il", s, self._labels[top])
            every = s.sum(axis=1, keepdims=True)
            problems = (s * self._problem[top]).sum(axis=1, keepdims=True)
            denominator = np.where(self.among_problems[None, :], problems, every)
            out[start : start + len(sim)] = np.divide(
                weighted, denominator, out=np.zeros_like(weighted, dtype=np.float64), where=denominator > 0
            )
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as plain arrays for an `.npz` (`from_arrays` reads them back)."""
        m = self.matrix
        return {
            "nn_indptr": m.indptr.astype(np.int64),
            "nn_indices": m.indices.astype(np.int32),
            "nn_data": m.data.astype(np.float16),
            "nn_labels": np.packbits(self.labels, axis=1),
        }

    def spec(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "among_problems": self.among_problems.astype(int).tolist(),
            "dissatisfied": self.dissatisfied,
        }

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], spec: dict[str, Any], n_features: int
    ) -> NeighbourIndex:
        among = np.asarray(spec["among_problems"], dtype=bool)
        indptr = arrays["nn_indptr"].astype(np.int64)
        matrix = sp.csr_matrix(
            (arrays["nn_data"].astype(np.float32), arrays["nn_indices"].astype(np.int32), indptr),
            shape=(len(indptr) - 1, n_features),
        )
        labels = np.unpackbits(arrays["nn_labels"], axis=1, count=len(among)).astype(bool)
        return cls(matrix, labels, int(spec["k"]), among, int(spec["dissatisfied"]))
