"""Alert rules and destinations as data: the `when` conditions, the rule, webhooks, e-mail, and their parsing.

The rules file (docs/alerts.md) has `webhooks`, optional `smtp` and `emails`, and `rules`. Parsing is
strict: an unknown key, cue, stage, channel or destination is an error naming where it is and what
is allowed, so a typo never silently turns a rule off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from complaint_radar.alerts.destinations import (
    EmailDestination,
    SmtpServer,
    WebhookDestination,
    parse_email,
    parse_smtp,
    parse_webhook,
)
from complaint_radar.alerts.parsing import AlertConfigError, read_flag, read_mapping, read_names
from complaint_radar.types import Channel, CueCode, RiskLevel, Stage

DEFAULT_COOLDOWN_MINUTES = 60.0
SEVERITIES = ("low", "medium", "high", "critical")
SLA_MARKS = ("warning", "breach")
LEVEL_FLOORS: Mapping[str, int] = {"low": 0, "medium": 30, "high": 60, "critical": 80}
"""The score at which each risk level starts (SPEC.md §3)."""


class RuleKind(StrEnum):
    """What a rule watches: a message, any change of a customer's profile, an SLA mark, an issue."""

    MESSAGE = "message"
    CUSTOMER = "customer"
    SLA = "sla"
    EMERGING_ISSUE = "emerging_issue"


@dataclass(frozen=True, slots=True)
class Condition:
    """A rule's `when`: every key given must hold. Filters (channels, products, teams) narrow it."""

    stage_at_least: Stage | None = None
    risk_at_least: int | None = None
    cue_any: frozenset[str] = frozenset()
    customer_risk_at_least: int | None = None
    customer_risk_rise_at_least: int | None = None
    sla: frozenset[str] = frozenset()
    emerging_issue: bool = False
    channels: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()

    @property
    def kind(self) -> RuleKind:
        if self.emerging_issue:
            return RuleKind.EMERGING_ISSUE
        if self.sla:
            return RuleKind.SLA
        if self.stage_at_least is not None or self.risk_at_least is not None or self.cue_any:
            return RuleKind.MESSAGE
        return RuleKind.CUSTOMER

    def to_mapping(self) -> dict[str, Any]:
        """The `when` mapping that parses back to this condition (stored, and shown by the API)."""
        out: dict[str, Any] = {}
        if self.stage_at_least is not None:
            out["stage_at_least"] = self.stage_at_least.value
        if self.risk_at_least is not None:
            out["risk_at_least"] = self.risk_at_least
        if self.cue_any:
            out["cue_any"] = sorted(self.cue_any)
        if self.customer_risk_at_least is not None:
            out["customer_risk_at_least"] = self.customer_risk_at_least
        if self.customer_risk_rise_at_least is not None:
            out["customer_risk_rise_at_least"] = self.customer_risk_rise_at_least
        if self.sla:
            out["sla"] = sorted(self.sla)
        if self.emerging_issue:
            out["emerging_issue"] = True
        for key, values in (("channel", self.channels), ("product", self.products), ("team", self.teams)):
            if values:
                out[key] = sorted(values)
        return out


@dataclass(frozen=True, slots=True)
class AlertRuleSpec:
    """A named rule: when it fires, whom it notifies, how long it stays quiet per customer afterwards."""

    name: str
    when: Condition
    notify: tuple[str, ...] = ()
    cooldown_minutes: float = DEFAULT_COOLDOWN_MINUTES
    severity: str | None = None
    enabled: bool = True

    @property
    def kind(self) -> RuleKind:
        return self.when.kind


@dataclass(frozen=True, slots=True)
class AlertConfig:
    """Everything a rules file declares."""

    rules: tuple[AlertRuleSpec, ...] = ()
    webhooks: tuple[WebhookDestination, ...] = ()
    emails: tuple[EmailDestination, ...] = ()
    smtp: SmtpServer | None = None

    @property
    def destinations(self) -> tuple[WebhookDestination | EmailDestination, ...]:
        return (*self.webhooks, *self.emails)

    @property
    def destination_names(self) -> frozenset[str]:
        return frozenset(d.name for d in self.destinations)

    def destination(self, name: str) -> WebhookDestination | EmailDestination | None:
        return next((d for d in self.destinations if d.name == name), None)


_RULE_KEYS = frozenset({"name", "when", "notify", "cooldown_minutes", "severity", "enabled"})
_WHEN_KEYS = (
    "stage_at_least",
    "risk_at_least",
    "cue_any",
    "customer_risk_at_least",
    "customer_risk_rise_at_least",
    "sla",
    "emerging_issue",
    "channel",
    "product",
    "team",
)
_FILE_KEYS = frozenset({"webhooks", "emails", "smtp", "rules"})


def parse_config(data: Any, *, where: str, env: Mapping[str, str]) -> AlertConfig:
    """A rules file's content (parsed YAML) as an AlertConfig; `env` resolves `secret_env`/`password_env`."""
    if data is None:
        return AlertConfig()
    top = read_mapping(data, where, _FILE_KEYS)
    webhooks = tuple(
        parse_webhook(item, f"{where}: webhooks[{i}]", env)
        for i, item in enumerate(_list(top, "webhooks", where))
    )
    emails = tuple(
        parse_email(item, f"{where}: emails[{i}]") for i, item in enumerate(_list(top, "emails", where))
    )
    smtp = parse_smtp(top["smtp"], f"{where}: smtp", env) if top.get("smtp") is not None else None
    if emails and smtp is None:
        raise AlertConfigError(f"{where}: `emails` need an `smtp` server ({{host, port, sender}})")
    destinations: tuple[WebhookDestination | EmailDestination, ...] = (*webhooks, *emails)
    names = [d.name for d in destinations]
    if len(set(names)) != len(names):
        raise AlertConfigError(f"{where}: destination names must be unique across webhooks and emails")
    config = AlertConfig(webhooks=webhooks, emails=emails, smtp=smtp)
    rules = tuple(
        parse_rule(item, where=f"{where}: rules[{i}]", destinations=config.destination_names)
        for i, item in enumerate(_list(top, "rules", where))
    )
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise AlertConfigError(f"{where}: rule name {rule.name!r} appears twice; names must be unique")
        seen.add(rule.name)
    return AlertConfig(rules=rules, webhooks=webhooks, emails=emails, smtp=smtp)


def parse_rule(data: Any, *, where: str, destinations: frozenset[str] | None = None) -> AlertRuleSpec:
    """One rule mapping; `destinations`, when given, are the names `notify` may use."""
    item = read_mapping(data, where, _RULE_KEYS)
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 128 or not name.isprintable():
        raise AlertConfigError(
            f"{where}: `name` must be a non-empty string of at most 128 printable characters"
        )
    where = f"{where} ({name})"
    notify = tuple(read_names(item.get("notify", []), f"{where}: notify"))
    if destinations is not None:
        unknown = [n for n in notify if n not in destinations]
        if unknown:
            known = ", ".join(sorted(destinations)) or "none declared"
            raise AlertConfigError(
                f"{where}: notify names unknown destination(s) {unknown}; declared: {known}"
            )
    cooldown = item.get("cooldown_minutes", DEFAULT_COOLDOWN_MINUTES)
    if isinstance(cooldown, bool) or not isinstance(cooldown, int | float) or not 0 <= cooldown <= 525_600:
        raise AlertConfigError(f"{where}: cooldown_minutes must be a number from 0 to 525600 (a year)")
    severity = item.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise AlertConfigError(f"{where}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise AlertConfigError(f"{where}: enabled must be true or false")
    return AlertRuleSpec(
        name=name.strip(),
        when=parse_condition(item.get("when"), where=f"{where}: when"),
        notify=notify,
        cooldown_minutes=float(cooldown),
        severity=severity,
        enabled=enabled,
    )


def parse_condition(data: Any, *, where: str) -> Condition:
    """A `when` mapping; at least one condition key, and only combinations that can hold together."""
    when = read_mapping(data, where, frozenset(_WHEN_KEYS))
    if not when:
        raise AlertConfigError(f"{where}: give at least one condition ({', '.join(_WHEN_KEYS[:7])})")
    condition = Condition(
        stage_at_least=_stage(when.get("stage_at_least"), f"{where}.stage_at_least"),
        risk_at_least=_score(when.get("risk_at_least"), f"{where}.risk_at_least"),
        cue_any=_codes(when.get("cue_any"), f"{where}.cue_any", {c.value for c in CueCode}),
        customer_risk_at_least=_score(when.get("customer_risk_at_least"), f"{where}.customer_risk_at_least"),
        customer_risk_rise_at_least=_points(when.get("customer_risk_rise_at_least"), where),
        sla=_codes(when.get("sla"), f"{where}.sla", set(SLA_MARKS)),
        emerging_issue=read_flag(when.get("emerging_issue"), f"{where}.emerging_issue"),
        channels=_codes(when.get("channel"), f"{where}.channel", {c.value for c in Channel}),
        products=_codes(when.get("product"), f"{where}.product", None),
        teams=_codes(when.get("team"), f"{where}.team", None),
    )
    _check_combination(condition, when, where)
    return condition


def _check_combination(condition: Condition, when: Mapping[str, Any], where: str) -> None:
    per_item = (
        "stage_at_least",
        "risk_at_least",
        "cue_any",
        "customer_risk_at_least",
        "customer_risk_rise_at_least",
    )
    given = [k for k in per_item if when.get(k) is not None]
    if condition.emerging_issue:
        others = [k for k in when if k != "emerging_issue"]
        if others:
            raise AlertConfigError(
                f"{where}: emerging_issue rules take no other keys (got {', '.join(others)})"
            )
    elif condition.sla:
        if given or condition.products:
            extra = ", ".join([*given, *(["product"] if condition.products else [])])
            raise AlertConfigError(f"{where}: sla rules take only the channel and team filters (got {extra})")
    elif not given:
        raise AlertConfigError(f"{where}: filters alone never fire; add a condition such as stage_at_least")


def level_or_score(value: int) -> str:
    """How a score threshold reads: the level name when it is a level's floor."""
    for level, floor in LEVEL_FLOORS.items():
        if floor == value:
            return level
    return str(value)


def _list(top: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = top.get(key) or []
    if not isinstance(value, list):
        raise AlertConfigError(f"{where}: `{key}` must be a list")
    return value


def _codes(value: Any, where: str, allowed: set[str] | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    codes = read_names(value, where)
    if allowed is not None:
        unknown = [c for c in codes if c not in allowed]
        if unknown:
            raise AlertConfigError(f"{where}: unknown {unknown}; use one of {', '.join(sorted(allowed))}")
    return frozenset(codes)


def _stage(value: Any, where: str) -> Stage | None:
    if value is None:
        return None
    if isinstance(value, str) and value in {s.value for s in Stage}:
        return Stage(value)
    raise AlertConfigError(f"{where}: {value!r} is not a stage; use one of {', '.join(Stage)}")


def _score(value: Any, where: str) -> int | None:
    """A risk threshold: a level name (its floor score) or a score 0–100."""
    if value is None:
        return None
    if isinstance(value, str) and value in LEVEL_FLOORS:
        return LEVEL_FLOORS[value]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100:
        return value
    levels = ", ".join(r.value for r in RiskLevel)
    raise AlertConfigError(f"{where}: {value!r} is neither a risk level ({levels}) nor a score 0-100")


def _points(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100:
        return value
    raise AlertConfigError(f"{where}.customer_risk_rise_at_least: {value!r} must be whole points 1-100")
