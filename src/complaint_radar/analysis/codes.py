"""Analysis code mappings (data/analysis.yaml): severity weights, fishbone and SERVQUAL maps, labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from complaint_radar.text.taxonomy import load_taxonomy


@dataclass(frozen=True, slots=True)
class Category:
    """A fishbone category or SERVQUAL dimension: its labels and the cause codes mapped to it."""

    code: str
    zh: str
    en: str
    causes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnalysisCodes:
    version: str
    severity_weights: Mapping[str, int]
    fishbone: Mapping[str, Category]
    servqual: Mapping[str, Category]
    action_types: tuple[str, ...]

    def servqual_of(self, cause: str) -> str | None:
        return next((d.code for d in self.servqual.values() if cause in d.causes), None)

    def fishbone_of(self, cause: str) -> str | None:
        return next((c.code for c in self.fishbone.values() if cause in c.causes), None)


def _categories(raw: Mapping[str, Any]) -> dict[str, Category]:
    return {
        str(code): Category(str(code), str(spec["zh"]), str(spec["en"]), tuple(spec.get("causes") or ()))
        for code, spec in raw.items()
    }


@lru_cache(maxsize=1)
def analysis_codes() -> AnalysisCodes:
    raw = yaml.safe_load(
        resources.files("complaint_radar.analysis").joinpath("data/analysis.yaml").read_text("utf-8")
    )
    return AnalysisCodes(
        version=str(raw["version"]),
        severity_weights={str(k): int(v) for k, v in raw["severity_weights"].items()},
        fishbone=_categories(raw["fishbone"]),
        servqual=_categories(raw["servqual"]),
        action_types=tuple(raw["action_types"]),
    )


def code_labels(kind: str, code: str) -> dict[str, str]:
    """`label_zh` / `label_en` of a SPEC code (cause, stage, channel …) when the taxonomy has it."""
    labels = load_taxonomy().labels.get(kind, {}).get(code)
    if not labels:
        return {}
    return {"label_zh": labels[0], "label_en": labels[1]}
