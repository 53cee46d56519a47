"""Script-based language identification: zh-Hans, zh-Hant, en, mixed, or und."""

from __future__ import annotations

import re

from complaint_radar.text.normalize import simplified_only_chars, traditional_only_chars

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_EN_FUNCTION_WORDS = frozenset(
    {
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "my",
        "your",
        "our",
        "their",
        "this",
        "that",
        "to",
        "of",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "not",
        "no",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "me",
        "please",
        "thanks",
        "thank",
        "what",
        "why",
        "how",
        "when",
        "where",
        "who",
    }
)


def detect_language(text: str) -> str:
    """BCP-47-ish code of `text`: `zh-Hans`, `zh-Hant`, `en`, `mixed` or `und`."""
    han = _HAN.findall(text)
    words = _LATIN_WORD.findall(text)
    if _KANA_HANGUL.search(text) and len(_KANA_HANGUL.findall(text)) >= len(han) / 2:
        return "und"
    if not han:
        if not words:
            return "und"
        function_words = sum(1 for w in words if w.lower() in _EN_FUNCTION_WORDS)
        return "en" if function_words or len(words) <= 3 else "und"
    latin_chars = sum(len(w) for w in words)
    if len(words) >= 3 and latin_chars >= len(han):
        return "mixed"
    trad = traditional_only_chars()
    simp = simplified_only_chars()
    n_trad = sum(1 for ch in han if ch in trad)
    n_simp = sum(1 for ch in han if ch in simp)
    return "zh-Hant" if n_trad > n_simp else "zh-Hans"


def is_chinese(language: str) -> bool:
    return language.startswith("zh")
