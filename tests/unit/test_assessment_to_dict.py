"""`Assessment.to_dict` is the `dataclasses.asdict` rendering (enums as codes), built without deep copies."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import IntEnum, StrEnum
from importlib import resources
from typing import Any

from complaint_radar import Analyzer


def reference(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): reference(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reference(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, IntEnum):
        return int(value)
    return value


def test_to_dict_matches_asdict_on_the_demo_messages(analyzer: Analyzer) -> None:
    lines = resources.files("complaint_radar.demo").joinpath("messages.jsonl").read_text(encoding="utf-8")
    texts = [json.loads(line)["text"] for line in lines.splitlines() if line.strip()]
    for assessment in analyzer.assess_many(texts):
        plain = assessment.to_dict()
        assert plain == reference(asdict(assessment))
        assert json.loads(assessment.to_json()) == plain
