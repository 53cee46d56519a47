"""Reasons of a profile (SPEC.md §4 top_signals, R8): each feature's share of the risk, grouped by reason
code, worded in Chinese and English from `data/profile_texts.yaml`, with the items behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from complaint_radar.customers.features import SOOTHING, reason_of
from complaint_radar.customers.history import SignalHit
from complaint_radar.customers.trajectory import Feature

MAX_REASONS = 5


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason behind the risk: its log-odds `weight`, its share of the score in points, text and
    the ids of the messages, events and cases behind it."""

    code: str
    weight: float
    contribution: float
    reason_zh: str
    reason_en: str
    evidence: tuple[str, ...]


def reasons(
    score: int,
    contributions: Mapping[str, float],
    features: Mapping[str, Feature],
    hits: Mapping[str, SignalHit],
) -> tuple[Reason, ...]:
    """Up to five reasons, strongest first: the score shared out in proportion to each reason code's
    log-odds contribution (so the points add up to the score)."""
    grouped: dict[str, list[tuple[float, str]]] = {}
    for name, value in contributions.items():
        if value > 0.0 and name in features and name not in SOOTHING:
            grouped.setdefault(reason_of(name), []).append((value, name))
    total = sum(value for parts in grouped.values() for value, _ in parts) or 1.0
    ranked = sorted(grouped.items(), key=lambda item: (-sum(v for v, _ in item[1]), item[0]))
    texts = _texts()["signals"]
    out = []
    for code, parts in ranked[:MAX_REASONS]:
        parts.sort(reverse=True)
        weight = sum(value for value, _ in parts)
        facts: dict[str, Any] = {}
        for _, name in reversed(parts):
            facts.update(features[name].facts)
        if code in hits:
            facts.update(hits[code].facts)
        evidence = tuple(dict.fromkeys(ref for _, name in parts for ref in features[name].evidence))[:5]
        template = texts.get(code, {"zh": code, "en": code})
        out.append(
            Reason(
                code=code,
                weight=weight,
                contribution=round(score * weight / total, 1),
                reason_zh=_render(template["zh"], facts, "zh"),
                reason_en=_render(template["en"], facts, "en"),
                evidence=evidence,
            )
        )
    return tuple(out)


def action_text(code: str) -> tuple[str, str]:
    text = _texts()["actions"][code]
    return str(text["zh"]), str(text["en"])


def _render(template: str, facts: Mapping[str, Any], lang: str) -> str:
    values: dict[str, Any] = {k: v for k, v in facts.items() if not k.endswith(("_zh", "_en"))}
    values.update({k[:-3]: v for k, v in facts.items() if k.endswith(f"_{lang}")})
    values.update({k: v for k, v in facts.items() if k.endswith(("_zh", "_en"))})
    return template.format_map(_Blank(values))


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    text = resources.files("complaint_radar.customers").joinpath("data/profile_texts.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded
