"""Tokenisation with offsets: rjieba for Chinese, a word regex for Latin script."""

from __future__ import annotations

import re

import rjieba

_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u9fff]")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Tokens of `text` with `[start, end)` offsets; whitespace dropped."""
    if not _HAN.search(text):
        return [(m.group(0), m.start(), m.end()) for m in _LATIN_WORD.finditer(text)]
    return [(w, s, e) for (w, s, e) in rjieba.tokenize(text) if not w.isspace()]


def words(text: str) -> list[str]:
    """Tokens of `text` without offsets (the fast path used by the learned models)."""
    if not _HAN.search(text):
        return _LATIN_WORD.findall(text)
    return [w for w in rjieba.cut(text) if not w.isspace()]
