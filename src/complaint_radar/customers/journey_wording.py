"""Wording of synthetic journeys: the phrase bank of a split, in 简体, 繁體 (Taiwan or Hong Kong) or English.

Three phrase banks exist and share no sentence: `train` (data/journey_phrases.yaml) for the seeds the
profile model is fitted on, `eval` (data/journey_phrases_eval.yaml, written separately) for the seeds it
is reported on, so that the model is never scored on the wording it was fitted with, and `dev`
(data/journey_phrases_dev.yaml, written separately again) for the development seeds that changes are
checked on, so that the held-out wording is never read to decide a change.
A key is looked up per script: `<key>_en` for English, `<key>_hant` for 繁體 when the bank has it,
otherwise the 简体 `<key>` converted with zhconv to Taiwan or Hong Kong usage.
"""

from __future__ import annotations

import random
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
import zhconv

SPLITS = ("train", "eval", "dev")
LANGUAGES = ("zh-Hans", "zh-Hant", "en")
_BANK_FILES = {
    "train": "data/journey_phrases.yaml",
    "eval": "data/journey_phrases_eval.yaml",
    "dev": "data/journey_phrases_dev.yaml",
}
_ZH_PUNCT = str.maketrans({",": "，", "?": "？", "!": "！", ":": "："})


@lru_cache(maxsize=4)
def phrase_bank(split: str) -> dict[str, Any]:
    """The phrase bank of `split` ('train', 'eval' or 'dev')."""
    if split not in _BANK_FILES:
        raise ValueError(f"unknown journey split {split!r}; use one of {', '.join(SPLITS)}")
    text = resources.files("complaint_radar.customers").joinpath(_BANK_FILES[split]).read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@lru_cache(maxsize=8192)
def to_hant(text: str, region: str) -> str:
    """简体 text in 繁體 with Taiwan (`tw`) or Hong Kong (`hk`) vocabulary where zhconv knows it."""
    _zhconv_tables()
    return str(zhconv.convert(text, "zh-hk" if region == "hk" else "zh-tw"))


@lru_cache(maxsize=1)
def _zhconv_tables() -> None:
    # By absolute path: zhconv's own default loader leaves the file handle open (a ResourceWarning).
    with resources.as_file(resources.files("zhconv").joinpath("zhcdict.json")) as path:
        zhconv.loaddict(str(path))


class Wording:
    """Picks phrases for one customer: their script, region and punctuation habit, from one bank."""

    def __init__(self, rng: random.Random, split: str, lang: str, region: str, fullwidth: bool) -> None:
        self.rng = rng
        self.bank = phrase_bank(split)
        self.lang = lang
        self.region = region
        self.fullwidth = fullwidth

    def options(self, table: dict[str, Any], key: str) -> list[str]:
        """The phrases under `key` in this customer's script."""
        if self.lang == "en":
            return list(table.get(f"{key}_en") or table[key])
        if self.lang == "zh-Hant":
            native = table.get(f"{key}_{self.region}") or table.get(f"{key}_hant")
            if native:
                return list(native)
            return [to_hant(text, self.region) for text in table[key]]
        return list(table[key])

    def choose(self, table: dict[str, Any], key: str) -> str:
        return str(self.rng.choice(self.options(table, key)))

    def template(self, key: str) -> str:
        return self.choose(self.bank["templates"], key)

    def finish(self, text: str) -> str:
        """Chinese punctuation full-width for customers who type it so."""
        return text.translate(_ZH_PUNCT) if self.lang != "en" and self.fullwidth else text
