"""Does a rule fire? Rules against what happened (a message or event, an SLA mark, an emerging issue).

Pure: subjects carry every fact a rule reads, so the decision, its evidence, its deduplication key
(one firing per rule and subject, however often the subject is seen again) and its cool-down key
(one page per rule and customer within `cooldown_minutes`) are computed here and tested alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from complaint_radar.alerts.rules import SEVERITIES, AlertRuleSpec, Condition, RuleKind, level_or_score
from complaint_radar.types import RiskLevel, Stage

MAX_KEY_CHARS = 256


@dataclass(frozen=True, slots=True)
class CueEvidence:
    """A cue that counts (not negated, hypothetical or reported) with its span in the stored text."""

    code: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ItemSubject:
    """A new message or event, with its customer's risk right after it and what it was before.

    `customer_risk_before` is the last score known before this item (None for a new customer);
    `customer_risk_low_24h` the lowest score the customer had in the 24 hours before it.
    """

    item_kind: str
    item_id: str
    source: str
    at: datetime
    customer_id: str | None = None
    channel: str | None = None
    product: str | None = None
    team: str | None = None
    stage: Stage | None = None
    risk_score: int | None = None
    cues: tuple[CueEvidence, ...] = ()
    customer_risk_score: int | None = None
    customer_risk_before: int | None = None
    customer_risk_low_24h: int | None = None
    customer_signals: tuple[tuple[str, float], ...] = ()
    case_id: str | None = None
    case_number: str | None = None


@dataclass(frozen=True, slots=True)
class SlaSubject:
    """A warning or breach of one SLA clock of a case, recorded now."""

    case_id: str
    case_number: str
    mark: str
    milestone: str
    cycle: int
    at: datetime
    severity: str
    customer_id: str | None = None
    team: str | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class IssueSubject:
    """An emerging issue (SPEC.md §7.5) as the analysis reports it."""

    id: str
    key: str
    observed: float
    expected: float
    window_start: str
    window_end: str

    @classmethod
    def from_mapping(cls, record: Mapping[str, Any]) -> IssueSubject:
        """From a plain mapping with `id, key, observed, expected, window_start, window_end`."""
        missing = [k for k in ("id", "key", "observed", "expected") if record.get(k) is None]
        if missing:
            raise ValueError(f"issue record lacks {', '.join(missing)}")
        return cls(
            id=str(record["id"]),
            key=str(record["key"]),
            observed=float(record["observed"]),
            expected=float(record["expected"]),
            window_start=_iso(record.get("window_start")),
            window_end=_iso(record.get("window_end")),
        )


Subject = ItemSubject | SlaSubject | IssueSubject


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule that fires on a subject: why (reasons, evidence), how severe, and its two keys."""

    rule: AlertRuleSpec
    dedup_key: str
    cooldown_key: str
    severity: str
    reasons: tuple[str, ...]
    evidence: tuple[dict[str, Any], ...]


def evaluate(rule: AlertRuleSpec, subject: Subject) -> Firing | None:
    """The firing of `rule` on `subject`, or None when a condition or filter does not hold."""
    if not rule.enabled:
        return None
    if isinstance(subject, ItemSubject):
        return _item(rule, subject)
    if isinstance(subject, SlaSubject):
        return _sla(rule, subject)
    return _issue(rule, subject)


def in_cooldown(last_fired_at: datetime | None, now: datetime, cooldown_minutes: float) -> bool:
    """Whether a rule that last fired for this customer at `last_fired_at` stays quiet at `now`."""
    return last_fired_at is not None and now - last_fired_at < timedelta(minutes=cooldown_minutes)


def _item(rule: AlertRuleSpec, s: ItemSubject) -> Firing | None:
    when = rule.when
    if rule.kind not in (RuleKind.MESSAGE, RuleKind.CUSTOMER):
        return None
    if not _filters(when, s.channel, s.product, s.team):
        return None
    if rule.kind is RuleKind.MESSAGE and (s.item_kind != "message" or s.risk_score is None):
        return None
    message = _message_reasons(when, s)
    customer = _customer_reasons(when, s)
    if message is None or customer is None:
        return None
    cues = tuple(c for c in s.cues if not when.cue_any or c.code in when.cue_any)
    evidence: list[dict[str, Any]] = [
        {"kind": "cue", "code": c.code, "start": c.start, "end": c.end, "text": c.text} for c in cues
    ]
    scores = [s.risk_score]
    if customer:
        evidence += [
            {"kind": "signal", "code": code, "contribution": points} for code, points in s.customer_signals
        ]
        scores.append(s.customer_risk_score)
    known = [v for v in scores if v is not None]
    severity = rule.severity or (RiskLevel.from_score(max(known)).value if known else "medium")
    subject_key = f"item:{s.item_kind}:{s.source}:{s.item_id}"
    cooldown = f"customer:{s.customer_id}" if s.customer_id else subject_key
    reasons = (*message, *customer)
    return Firing(rule, _bounded(subject_key), _bounded(cooldown), severity, reasons, tuple(evidence))


def _message_reasons(when: Condition, s: ItemSubject) -> list[str] | None:
    """Why the message conditions hold (empty when the rule has none), or None when one does not."""
    reasons: list[str] = []
    if when.stage_at_least is not None:
        if s.stage is None or s.stage.rank < when.stage_at_least.rank:
            return None
        reasons.append(f"stage {s.stage.value} ≥ {when.stage_at_least.value}")
    if when.risk_at_least is not None:
        if s.risk_score is None or s.risk_score < when.risk_at_least:
            return None
        reasons.append(f"message risk {s.risk_score} ≥ {when.risk_at_least}")
    if when.cue_any:
        found = sorted({c.code for c in s.cues if c.code in when.cue_any})
        if not found:
            return None
        reasons.append(f"cue {', '.join(found)}")
    return reasons


def _customer_reasons(when: Condition, s: ItemSubject) -> list[str] | None:
    """Why the customer conditions hold: a level crossed from below, or a rise within 24 hours."""
    reasons: list[str] = []
    now = s.customer_risk_score
    if when.customer_risk_at_least is not None:
        level, before = when.customer_risk_at_least, s.customer_risk_before
        if now is None or now < level or (before is not None and before >= level):
            return None
        was = "new" if before is None else before
        reasons.append(f"customer risk {was} → {now}, crossing {level_or_score(level)}")
    if when.customer_risk_rise_at_least is not None:
        baseline = s.customer_risk_low_24h if s.customer_risk_low_24h is not None else 0
        if now is None or now - baseline < when.customer_risk_rise_at_least:
            return None
        reasons.append(f"customer risk rose {now - baseline} points in 24 h ({baseline} → {now})")
    return reasons


def _sla(rule: AlertRuleSpec, s: SlaSubject) -> Firing | None:
    if rule.kind is not RuleKind.SLA or s.mark not in rule.when.sla:
        return None
    if not _filters(rule.when, s.channel, None, s.team):
        return None
    reason = f"{s.milestone} SLA {s.mark} on case {s.case_number} ({s.severity})"
    evidence = ({"kind": "sla", "code": f"sla_{s.mark}", "milestone": s.milestone, "cycle": s.cycle},)
    severity = rule.severity or (_raise(s.severity) if s.mark == "breach" else s.severity)
    cooldown = f"customer:{s.customer_id}" if s.customer_id else f"case:{s.case_id}"
    key = f"sla:{s.case_id}:{s.milestone}:{s.mark}:{s.cycle}"
    return Firing(rule, _bounded(key), _bounded(cooldown), severity, (reason,), evidence)


def _issue(rule: AlertRuleSpec, s: IssueSubject) -> Firing | None:
    if rule.kind is not RuleKind.EMERGING_ISSUE:
        return None
    reason = f"emerging issue {s.key}: {s.observed:g} observed vs {s.expected:g} expected"
    evidence = (
        {
            "kind": "issue",
            "code": "emerging_issue",
            "key": s.key,
            "observed": s.observed,
            "expected": s.expected,
            "window_start": s.window_start,
            "window_end": s.window_end,
        },
    )
    return Firing(
        rule,
        _bounded(f"issue:{s.id}"),
        _bounded(f"issue:{s.key}"),
        rule.severity or "high",
        (reason,),
        evidence,
    )


def _filters(when: Condition, channel: str | None, product: str | None, team: str | None) -> bool:
    return (
        (not when.channels or channel in when.channels)
        and (not when.products or product in when.products)
        and (not when.teams or team in when.teams)
    )


def _raise(severity: str) -> str:
    """One severity up (a breach matters more than the case it happened to)."""
    index = SEVERITIES.index(severity) if severity in SEVERITIES else 1
    return SEVERITIES[min(index + 1, len(SEVERITIES) - 1)]


def _bounded(key: str) -> str:
    """A key that fits its column: long ones (long ids) become a hash of themselves."""
    if len(key) <= MAX_KEY_CHARS:
        return key
    return f"{key.split(':', 1)[0]}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def _iso(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)
