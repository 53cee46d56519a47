"""Message texts for the demo history, composed from the phrase banks in data/history.yaml.

A complaint is a cause template filled with one of the product's objects and failures, wrapped in a calm
or angry tone, with an optional demand and escalation; about one Chinese message in twelve is converted
to traditional script, and English messages come from their own templates. Calm messages (thanks,
praise, questions) carry no cause.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

_NUMBERS = ["两", "三", "五", "七", "十"]
_NUMBERS_EN = ["two", "three", "five", "seven", "ten"]


@lru_cache(maxsize=1)
def history_config() -> dict[str, Any]:
    """The demo company, products, branches, teams and phrase banks (data/history.yaml)."""
    text = resources.files("complaint_radar.demo").joinpath("data/history.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@lru_cache(maxsize=1)
def _to_traditional() -> tuple[dict[str, str], int]:
    # zhconv's own loader leaves its table file open; read the table directly (as text.normalize does).
    with resources.files("zhconv").joinpath("zhcdict.json").open("rb") as handle:
        table: dict[str, str] = json.load(handle)["zh2Hant"]
    return table, max(map(len, table))


def traditional(text: str) -> str:
    """`text` in traditional characters (longest match first over zhconv's simplified→traditional table)."""
    table, longest = _to_traditional()
    out: list[str] = []
    i = 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 0, -1):
            piece = text[i : i + size]
            if piece in table or size == 1:
                out.append(table.get(piece, piece))
                i += size
                break
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Written:
    """A composed message: its text, language and the clause naming the problem (for a follow-up)."""

    text: str
    language: str
    problem: str


class TextWriter:
    """Composes demo messages with one seeded random generator."""

    def __init__(self, rng: np.random.Generator, english_share: float = 0.1, traditional_share: float = 0.08):
        self.rng = rng
        self.english_share = english_share
        self.traditional_share = traditional_share
        self.config = history_config()

    def pick(self, options: list[str]) -> str:
        return str(options[int(self.rng.integers(len(options)))])

    def complaint(self, cause: str, product: str, *, angry: bool, escalate: bool) -> Written:
        """A message written to carry `cause` about `product`."""
        english = self.rng.random() < self.english_share
        templates = self.config["templates"][cause]
        lang = "en" if english else "zh"
        clause = self._fill(self.pick(templates[lang]), product)
        if english:
            close = self.pick(self.config["tone"]["en_angry_close" if angry else "en_calm_close"])
            demand = self.pick(self.config["demands"]["en"]) + ". " if self.rng.random() < 0.35 else ""
            threat = self.pick(self.config["escalations"]["en"]) + "." if escalate else ""
            return Written(f"{clause}{close} {demand}{threat}".strip(), "en", clause)
        tone = self.config["tone"]
        opener = self.pick(tone["angry_open" if angry else "calm_open"])
        close = self.pick(tone["angry_close" if angry else "calm_close"])
        demand = self.pick(self.config["demands"]["zh"]) + "。" if self.rng.random() < 0.35 else ""
        threat = self.pick(self.config["escalations"]["zh"]) + "！" if escalate else ""
        return self._script(Written(f"{opener}{clause}{close}{demand}{threat}", "zh", clause))

    def calm(self, product: str) -> Written:
        english = self.rng.random() < self.english_share
        lang = "en" if english else "zh"
        return self._script(Written(self._fill(self.pick(self.config["calm"][lang]), product), lang, ""))

    def follow_up(self, first: Written) -> Written:
        """A later message by the same customer about the same problem, in the same script."""
        lang = "en" if first.language == "en" else "zh"
        text = self.pick(self.config["follow_ups"][lang]).format(problem=first.problem)
        if first.language == "zh-Hant":
            text = traditional(text)
        return Written(text, first.language, first.problem)

    def issue_message(self) -> Written:
        """A message of the injected emerging issue (a bad batch of one phone)."""
        issue = self.config["emerging_issue"]
        if self.rng.random() < self.english_share:
            return Written(self.pick(issue["en"]), "en", "")
        text = self.pick(issue["zh"])
        return self._script(Written(text, "zh", text))

    def _fill(self, template: str, product: str) -> str:
        spec = self.config["products"][product]
        failures = self.config["failures"].get(spec["family"], {"zh": ["坏了"], "en": ["broke"]})
        n = int(self.rng.integers(len(_NUMBERS)))
        return template.format(
            obj=self.pick(spec["obj"]),
            obj_en=self.pick(spec["obj_en"]),
            fail=self.pick(failures["zh"]),
            fail_en=self.pick(failures["en"]),
            n=_NUMBERS[n],
            n_en=_NUMBERS_EN[n],
            m=int(self.rng.integers(3, 12)) * 10,
            money=int(self.rng.integers(2, 20)) * 10,
        )

    def _script(self, written: Written) -> Written:
        if written.language != "zh" or self.rng.random() >= self.traditional_share:
            return written
        return Written(traditional(written.text), "zh-Hant", traditional(written.problem))
