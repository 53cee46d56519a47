"""The demo job: assess the bundled demo messages and summarise them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from complaint_radar.demo import load_demo_messages
from complaint_radar.pipeline import Analyzer
from complaint_radar.types import Assessment


@dataclass(frozen=True, slots=True)
class DemoSummary:
    assessments: list[Assessment]
    by_stage: Counter[str]
    by_level: Counter[str]
    by_language: Counter[str]
    by_cause: Counter[str]
    scored: int


def run_demo(analyzer: Analyzer) -> DemoSummary:
    messages = load_demo_messages()
    results = list(analyzer.assess_many(messages))
    scored = [a for a in results if not a.extra.get("note")]
    return DemoSummary(
        assessments=results,
        by_stage=Counter(a.stage.value for a in scored),
        by_level=Counter(a.risk_level.value for a in scored),
        by_language=Counter(a.language for a in scored),
        by_cause=Counter(c.code for a in scored for c in a.causes),
        scored=len(scored),
    )
