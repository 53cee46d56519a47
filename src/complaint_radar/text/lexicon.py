"""Loads the versioned domain lexicon (data/lexicon.yaml) into compiled, ready-to-match patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from complaint_radar.errors import ConfigurationError
from complaint_radar.types import CueCode


@dataclass(frozen=True, slots=True)
class WeightedPatterns:
    """One alternation with a weight per alternative: `weights[lastgroup]` after a match."""

    regex: re.Pattern[str]
    weights: dict[str, float]


@dataclass(frozen=True, slots=True)
class CueSpec:
    code: CueCode
    regex: re.Pattern[str]
    negatable: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    version: str
    cues: tuple[CueSpec, ...]
    causes: dict[str, re.Pattern[str]]
    demands: dict[str, re.Pattern[str]]
    emotions: dict[str, WeightedPatterns]
    customer_type: dict[str, re.Pattern[str]]
    problem_facts: re.Pattern[str]
    negative_evaluation: re.Pattern[str]
    negators_zh: tuple[str, ...]
    rhetorical_zh: tuple[str, ...]
    negators_en: re.Pattern[str]
    hypothetical: re.Pattern[str]
    conditional: re.Pattern[str]
    reported: re.Pattern[str]
    inquiry: re.Pattern[str]
    hesitant: re.Pattern[str]
    degree: dict[str, float]
    shouting_min_letters: int


def _alternation(patterns: list[str]) -> str:
    # Longest first so that a longer phrase wins over its prefix at the same position.
    return "|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True))


def _compile(patterns: list[str], where: str) -> re.Pattern[str]:
    if not patterns:
        return re.compile(r"(?!x)x")
    try:
        return re.compile(_alternation(patterns))
    except re.error as exc:
        raise ConfigurationError(f"lexicon entry {where} has an invalid pattern: {exc}") from exc


def _both(entry: dict[str, Any], where: str) -> re.Pattern[str]:
    return _compile([*entry.get("zh", []), *entry.get("en", [])], where)


def _literal_words(words: list[str], *, word_boundaries: bool) -> re.Pattern[str]:
    escaped = [re.escape(w) for w in words]
    if word_boundaries:
        escaped = [rf"\b{w}\b" for w in escaped]
    return _compile(escaped, "modifiers")


def _weighted(entry: dict[str, Any], where: str) -> WeightedPatterns:
    weights: dict[str, float] = {}
    parts: list[str] = []
    items = [*entry.get("zh", {}).items(), *entry.get("en", {}).items()]
    for i, (pattern, weight) in enumerate(sorted(items, key=lambda kv: len(kv[0]), reverse=True)):
        name = f"w{i}"
        weights[name] = float(weight)
        parts.append(f"(?P<{name}>{pattern})")
    try:
        regex = re.compile("|".join(parts)) if parts else re.compile(r"(?!x)x")
    except re.error as exc:
        raise ConfigurationError(f"lexicon entry {where} has an invalid pattern: {exc}") from exc
    return WeightedPatterns(regex=regex, weights=weights)


def parse_lexicon(raw: dict[str, Any]) -> Lexicon:
    """Build a Lexicon from the parsed YAML document (also used by tests with custom data)."""
    try:
        mods = raw["modifiers"]
        cues = tuple(
            CueSpec(
                code=CueCode(code),
                regex=_both(entry, f"cues.{code}"),
                negatable=bool(entry.get("negatable", False)),
            )
            for code, entry in raw["cues"].items()
        )
        return Lexicon(
            version=str(raw["version"]),
            cues=cues,
            causes={code: _both(e, f"causes.{code}") for code, e in raw["causes"].items()},
            demands={code: _both(e, f"demands.{code}") for code, e in raw["demands"].items()},
            emotions={code: _weighted(e, f"emotions.{code}") for code, e in raw["emotions"].items()},
            customer_type={
                code: _both(e, f"customer_type.{code}") for code, e in raw["customer_type"].items()
            },
            problem_facts=_both(raw["problem_facts"], "problem_facts"),
            negative_evaluation=_both(raw["negative_evaluation"], "negative_evaluation"),
            negators_zh=tuple(mods["negators_zh"]),
            rhetorical_zh=tuple(mods.get("rhetorical_zh", [])),
            negators_en=_literal_words(mods["negators_en"], word_boundaries=True),
            hypothetical=_compile(
                [re.escape(w) for w in mods["hypotheticals_zh"]]
                + [rf"\b{re.escape(w)}\b" for w in mods["hypotheticals_en"]],
                "modifiers.hypotheticals",
            ),
            conditional=_compile(
                [re.escape(w) for w in mods["conditional_zh"]]
                + [rf"\b{re.escape(w)}\b" for w in mods["conditional_en"]],
                "modifiers.conditional",
            ),
            reported=_compile(
                [re.escape(w) for w in mods["reported_zh"]]
                + [rf"\b{re.escape(w)}\b" for w in mods["reported_en"]],
                "modifiers.reported",
            ),
            inquiry=_compile(
                [re.escape(w) for w in mods["inquiry_zh"]] + [re.escape(w) for w in mods["inquiry_en"]],
                "modifiers.inquiry",
            ),
            hesitant=_compile(
                [re.escape(w) for w in mods["hesitant_zh"]]
                + [rf"\b{re.escape(w)}\b" for w in mods["hesitant_en"]],
                "modifiers.hesitant",
            ),
            degree={**mods["degree_zh"], **mods["degree_en"]},
            shouting_min_letters=int(raw.get("shouting_min_letters", 4)),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"lexicon is malformed ({exc!r}); compare it with text/data/lexicon.yaml"
        ) from exc


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The bundled lexicon (cached)."""
    text = resources.files("complaint_radar.text").joinpath("data/lexicon.yaml").read_text("utf-8")
    return parse_lexicon(yaml.safe_load(text))
