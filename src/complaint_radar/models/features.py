"""Hashed character and word n-gram counts, vectorised in numpy (stable hashes, no per-n-gram Python)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from complaint_radar.text.normalize import normalize
from complaint_radar.text.tokenize import tokenize, words

_U64 = np.uint64
_P = _U64(0x100000001B3)  # multiplier of the polynomial string hash (odd)
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_WORD_JOIN = _U64(0xD6E8FEB86659FD93)
CHAR, WORD = 1, 2


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads a 64-bit polynomial hash over all bits."""
    z = (z ^ (z >> _U64(30))) * _M1
    z = (z ^ (z >> _U64(27))) * _M2
    out: np.ndarray = z ^ (z >> _U64(31))
    return out


def _salt(kind: int, n: int) -> np.uint64:
    return np.uint64((kind * 64 + n) * 0x2545F4914F6CDD1D % (1 << 64))


def _codes(strings: Sequence[str]) -> np.ndarray:
    joined = "".join(strings)
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + _U64(1)


@dataclass(frozen=True)
class Grams:
    """All n-gram occurrences of a batch: the row (text) and hashed column of each, and optionally
    the index of its first unit (character or word) and its length in units."""

    rows: np.ndarray
    cols: np.ndarray
    kind: np.ndarray
    first: np.ndarray
    size: np.ndarray


def char_grams(texts: Sequence[str], lo: int, hi: int, n_features: int) -> Grams:
    """Character n-grams (lo..hi) of already-normalised texts."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = _codes(texts)
    total = codes.shape[0]
    tid = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    pos = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    mask_bits = _U64(n_features - 1)
    rows, cols, first, size = [], [], [], []
    h = codes
    for n in range(1, hi + 1):
        if n > 1:
            h = h[:-1] * _P + codes[n - 1 :]
        if n < lo or h.shape[0] == 0:
            continue
        valid = tid[: h.shape[0]] == tid[n - 1 :]
        rows.append(tid[: h.shape[0]][valid])
        cols.append((_mix(h[valid] + _salt(CHAR, n)) & mask_bits).astype(np.int64))
        first.append(pos[: h.shape[0]][valid])
        size.append(np.full(int(valid.sum()), n, dtype=np.int64))
    return _concat(rows, cols, first, size, CHAR)


def word_grams(token_lists: Sequence[Sequence[str]], lo: int, hi: int, n_features: int) -> Grams:
    """Word n-grams (lo..hi, hi ≤ 3) of token lists; a token's hash depends only on its characters."""
    counts = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat = [w for ws in token_lists for w in ws]
    if not flat:
        return _concat([], [], [], [], WORD)
    tlen = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
    codes = _codes(flat)
    starts = np.cumsum(tlen) - tlen
    exponent = np.arange(codes.shape[0], dtype=np.int64) - np.repeat(starts, tlen)
    powers = np.cumprod(np.full(int(tlen.max()), _P, dtype=np.uint64))
    powers = np.concatenate([np.ones(1, dtype=np.uint64), powers[:-1]])
    token_hash = _mix(np.add.reduceat(codes * powers[exponent], starts))
    tid = np.repeat(np.arange(len(token_lists), dtype=np.int64), counts)
    pos = np.arange(len(flat), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    mask_bits = _U64(n_features - 1)
    rows, cols, first, size = [], [], [], []
    h = token_hash
    for n in range(1, hi + 1):
        if n > 1:
            h = _mix(h[:-1] * _WORD_JOIN + token_hash[n - 1 :])
        if n < lo or h.shape[0] == 0:
            continue
        valid = tid[: h.shape[0]] == tid[n - 1 :]
        rows.append(tid[: h.shape[0]][valid])
        cols.append((_mix(h[valid] + _salt(WORD, n)) & mask_bits).astype(np.int64))
        first.append(pos[: h.shape[0]][valid])
        size.append(np.full(int(valid.sum()), n, dtype=np.int64))
    return _concat(rows, cols, first, size, WORD)


def _concat(
    rows: list[np.ndarray], cols: list[np.ndarray], first: list[np.ndarray], size: list[np.ndarray], kind: int
) -> Grams:
    empty = np.zeros(0, dtype=np.int64)
    r = np.concatenate(rows) if rows else empty
    return Grams(
        rows=r,
        cols=np.concatenate(cols) if cols else empty,
        kind=np.full(r.shape[0], kind, dtype=np.int64),
        first=np.concatenate(first) if first else empty,
        size=np.concatenate(size) if size else empty,
    )


@dataclass(frozen=True)
class HashingConfig:
    """Which n-grams are hashed into how many columns."""

    char_ngram_range: tuple[int, int] | None = (1, 3)
    word_ngram_range: tuple[int, int] | None = (1, 2)
    n_features: int = 2**20

    def validate(self) -> None:
        if self.n_features <= 0 or self.n_features & (self.n_features - 1):
            raise ValueError(f"n_features must be a power of two, got {self.n_features}")
        if self.char_ngram_range is None and self.word_ngram_range is None:
            raise ValueError("at least one of char_ngram_range and word_ngram_range must be set")
        for rng in (self.char_ngram_range, self.word_ngram_range):
            if rng is not None and not 1 <= rng[0] <= rng[1] <= 5:
                raise ValueError(f"n-gram range {rng} must satisfy 1 <= lo <= hi <= 5")


def count_matrix(texts: Sequence[str], config: HashingConfig) -> sp.csr_matrix:
    """Raw n-gram counts (n_texts × n_features, float32, sorted indices) of the texts."""
    norm = [normalize(t) for t in texts]
    parts: list[Grams] = []
    if config.char_ngram_range is not None:
        lo, hi = config.char_ngram_range
        parts.append(char_grams(norm, lo, hi, config.n_features))
    if config.word_ngram_range is not None:
        lo, hi = config.word_ngram_range
        parts.append(word_grams([words(t) for t in norm], lo, hi, config.n_features))
    rows = np.concatenate([g.rows for g in parts])
    cols = np.concatenate([g.cols for g in parts])
    keys, counts = np.unique(rows * config.n_features + cols, return_counts=True)
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // config.n_features, minlength=len(texts)), out=indptr[1:])
    return sp.csr_matrix(
        (counts.astype(np.float32), (keys % config.n_features).astype(np.int32), indptr),
        shape=(len(texts), config.n_features),
    )


def spans_and_columns(text: str, config: HashingConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every n-gram occurrence of one text as ([start, end) offsets into `text`, hashed column)."""
    norm = normalize(text)
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    if config.char_ngram_range is not None:
        lo, hi = config.char_ngram_range
        g = char_grams([norm], lo, hi, config.n_features)
        starts.append(g.first)
        ends.append(g.first + g.size)
        cols.append(g.cols)
    if config.word_ngram_range is not None:
        lo, hi = config.word_ngram_range
        toks = tokenize(norm)
        g = word_grams([[w for w, _, _ in toks]], lo, hi, config.n_features)
        tok_start = np.array([s for _, s, _ in toks] or [0], dtype=np.int64)
        tok_end = np.array([e for _, _, e in toks] or [0], dtype=np.int64)
        starts.append(tok_start[g.first])
        ends.append(tok_end[g.first + g.size - 1] if g.first.size else g.first)
        cols.append(g.cols)
    return np.concatenate(starts), np.concatenate(ends), np.concatenate(cols)
