"""Recommended handling (SPEC.md §5): priority, route, case, steps, openers and questions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from complaint_radar.types import (
    CueCode,
    CustomerType,
    Handling,
    HandlingStep,
    LabelScore,
    Opener,
    RiskLevel,
    Role,
    Stage,
)

_PRIORITY = {RiskLevel.CRITICAL: "P1", RiskLevel.HIGH: "P2", RiskLevel.MEDIUM: "P3", RiskLevel.LOW: "P4"}


@dataclass(frozen=True, slots=True)
class Playbook:
    version: str
    openers: dict[str, dict[str, Any]]
    avoid: dict[str, dict[str, str]]
    stage_guidance: dict[str, dict[str, list[str]]]
    type_guidance: dict[str, dict[str, list[str]]]
    questions: dict[str, dict[str, str]]


@lru_cache(maxsize=1)
def load_playbook() -> Playbook:
    raw = yaml.safe_load(
        resources.files("complaint_radar.scoring").joinpath("data/playbook.yaml").read_text("utf-8")
    )
    return Playbook(
        version=str(raw["version"]),
        openers=raw["openers"],
        avoid=raw["avoid"],
        stage_guidance=raw["stage_guidance"],
        type_guidance=raw["type_guidance"],
        questions=raw["questions"],
    )


def _opener_applies(rule: dict[str, Any], ctx: dict[str, Any]) -> bool:
    for key, wanted in rule.items():
        if key == "min_stage":
            if ctx["stage_rank"] < int(wanted):
                return False
        elif key in ("cause", "cue", "step"):
            if wanted not in ctx[key]:
                return False
        elif ctx.get(key) != wanted:
            return False
    return True


def recommend_handling(
    *,
    stage: Stage,
    risk_level: RiskLevel,
    customer_type: CustomerType,
    causes: Sequence[LabelScore],
    demands: Sequence[LabelScore],
    cue_codes: set[str],
    case_risk_threshold: int,
    risk_score: int,
) -> Handling:
    """The §5 playbook for this message; cached, since few distinct combinations occur."""
    return _handling(
        stage,
        risk_level,
        customer_type,
        frozenset(c.code for c in causes),
        tuple(d.code for d in demands),
        frozenset(cue_codes),
        risk_score >= case_risk_threshold,
    )


@lru_cache(maxsize=4096)
def _handling(
    stage: Stage,
    risk_level: RiskLevel,
    customer_type: CustomerType,
    cause_codes: frozenset[str],
    demand_codes: tuple[str, ...],
    cue_codes: frozenset[str],
    risk_opens_case: bool,
) -> Handling:
    pb = load_playbook()
    steps: list[str] = []
    if stage.rank >= 1:
        steps = [HandlingStep.LISTEN, HandlingStep.UNDERSTAND, HandlingStep.EXPLORE, HandlingStep.PROPOSE]
        steps.append(HandlingStep.CONFIRM)
    follow_up = stage.rank >= 2 or customer_type is CustomerType.TACITURN or risk_level is RiskLevel.CRITICAL
    if follow_up and steps:
        steps.append(HandlingStep.FOLLOW_UP)
    ctx = {
        "stage": stage.value,
        "stage_rank": stage.rank,
        "customer_type": customer_type.value,
        "cause": cause_codes,
        "cue": cue_codes,
        "step": {str(s) for s in steps},
    }
    opener_ids = [oid for oid, spec in pb.openers.items() if _opener_applies(spec["applies_to"], ctx)]
    create_case = stage.rank >= 3 or risk_opens_case
    escalated = stage.rank >= 3 or risk_level is RiskLevel.CRITICAL or CueCode.ESCALATE_REQUEST in cue_codes
    route = Role.SUPERVISOR if escalated else Role.FRONTLINE_AGENT
    questions = [pb.questions[d] for d in demand_codes if d in pb.questions][:2]
    if stage.rank >= 1 and not questions:
        questions = [pb.questions["default"]]
    guidance_zh = list(pb.stage_guidance[stage.value]["zh"])
    guidance_en = list(pb.stage_guidance[stage.value]["en"])
    if customer_type.value in pb.type_guidance:
        guidance_zh += pb.type_guidance[customer_type.value]["zh"]
        guidance_en += pb.type_guidance[customer_type.value]["en"]
    return Handling(
        priority=_PRIORITY[risk_level],
        route_to=route.value,
        create_case=create_case,
        case_severity=risk_level.value if create_case else None,
        steps=tuple(str(s) for s in steps),
        opener_ids=tuple(opener_ids),
        avoid_ids=tuple(pb.avoid) if stage.rank >= 2 else (),
        questions=tuple(f"{q['zh']} / {q['en']}" for q in questions),
        guidance_zh=tuple(guidance_zh),
        guidance_en=tuple(guidance_en),
        openers=tuple(Opener(oid, pb.openers[oid]["zh"], pb.openers[oid]["en"]) for oid in opener_ids),
    )
