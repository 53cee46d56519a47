"""Loads the versioned domain lexicon (data/lexicon.yaml) into compiled, ready-to-match patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from complaint_radar.errors import ConfigurationError
from complaint_radar.text.matcher import PatternIndex
from complaint_radar.types import CueCode


@dataclass(frozen=True, slots=True)
class CueSpec:
    code: CueCode
    negatable: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Every lexicon pattern sits in one PatternIndex, keyed `cue:<code>`, `cause:<code>`,
    `strong:<code>` (high-precision cause evidence), `composition:<code>` (device + failure),
    `demand:<code>`, `emotion:<code>`, `type:<code>`, `negative_evaluation`, `problem_facts`."""

    version: str
    index: PatternIndex
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
    cue_by_key: dict[str, CueSpec]  # scan key `cue:<code>` -> its spec


def _words(zh: list[str], en: list[str], where: str) -> re.Pattern[str]:
    """Modifier words: Chinese as plain substrings, English on word boundaries."""
    parts = [re.escape(w) for w in zh] + [rf"\b{re.escape(w)}\b" for w in en]
    parts.sort(key=len, reverse=True)
    try:
        return re.compile("|".join(parts) if parts else r"(?!x)x")
    except re.error as exc:
        raise ConfigurationError(f"lexicon {where} is invalid: {exc}") from exc


def _entries(prefix: str, table: dict[str, Any]) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    for code, entry in table.items():
        for lang in ("zh", "en"):
            patterns = entry.get(lang, []) if isinstance(entry, dict) else []
            if isinstance(patterns, dict):
                out += [(f"{prefix}{code}", p, float(w)) for p, w in patterns.items()]
            else:
                out += [(f"{prefix}{code}", p, 1.0) for p in patterns]
    return out


def _compositions(table: dict[str, Any]) -> list[tuple[str, str, float]]:
    """`composition:<code>` entries: an object word, then a failure word within `window_<lang>`
    characters (Chinese as written; English objects and failures on word boundaries)."""
    out: list[tuple[str, str, float]] = []
    for code, entry in table.items():
        for lang, edge in (("zh", ""), ("en", r"\b")):
            window = int(entry.get(f"window_{lang}", 12))
            objects = entry.get(f"objects_{lang}", [])
            failures = entry.get(f"failures_{lang}", [])
            if objects and failures:
                obj = "|".join(objects)
                fail = "|".join(failures)
                out.append(
                    (f"composition:{code}", f"{edge}(?:{obj}){edge}.{{0,{window}}}?{edge}(?:{fail})", 1.0)
                )
    return out


def parse_lexicon(raw: dict[str, Any]) -> Lexicon:
    """Build a Lexicon from the parsed YAML document (also used by tests with custom data)."""
    try:
        mods = raw["modifiers"]
        entries = (
            _entries("cue:", raw["cues"])
            + _entries("cause:", raw["causes"])
            + _entries("strong:", raw.get("cause_strong", {}))
            + _compositions(raw.get("cause_compositions", {}))
            + _entries("demand:", raw["demands"])
            + _entries("emotion:", raw["emotions"])
            + _entries("type:", raw["customer_type"])
            + _entries("", {"negative_evaluation": raw["negative_evaluation"]})
            + _entries("", {"problem_facts": raw["problem_facts"]})
        )
        return Lexicon(
            version=str(raw["version"]),
            index=PatternIndex(entries),
            cue_by_key={
                f"cue:{code}": CueSpec(code=CueCode(code), negatable=bool(entry.get("negatable", False)))
                for code, entry in raw["cues"].items()
            },
            negators_zh=tuple(mods["negators_zh"]),
            rhetorical_zh=tuple(mods.get("rhetorical_zh", [])),
            negators_en=_words([], mods["negators_en"], "negators_en"),
            hypothetical=_words(mods["hypotheticals_zh"], mods["hypotheticals_en"], "hypotheticals"),
            conditional=_words(mods["conditional_zh"], mods["conditional_en"], "conditional"),
            reported=_words(mods["reported_zh"], mods["reported_en"], "reported"),
            inquiry=_words(mods["inquiry_zh"] + mods["inquiry_en"], [], "inquiry"),
            hesitant=_words(mods["hesitant_zh"], mods["hesitant_en"], "hesitant"),
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
