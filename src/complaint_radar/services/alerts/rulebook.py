"""Where alert rules live: the rules file (declared, synced at start) and the store (also managed by API).

The file given by `--rules` / COMPLAINT_RADAR_ALERT_RULES declares webhooks, e-mail destinations and
rules. At start `sync_declared_rules` writes its rules to `alert_rules` with origin `file`: new ones
are created, changed ones updated, and file rules no longer in the file disabled. Rules created
through `/v1/alert-rules` have origin `api`; the file never touches them, and the API refuses to
change file rules (edit the file). Every process evaluates the enabled rules of the store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from complaint_radar.alerts import AlertConfig, AlertConfigError, AlertRuleSpec, parse_config, parse_rule
from complaint_radar.errors import ConflictError, InputError, NotFoundError
from complaint_radar.store import Alert, AlertRule

FILE_ORIGIN = "file"
API_ORIGIN = "api"


@dataclass(frozen=True, slots=True)
class StoredRule:
    """A rule as stored: its id, what it says, who manages it."""

    id: int
    spec: AlertRuleSpec
    origin: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SyncReport:
    created: int = 0
    updated: int = 0
    disabled: int = 0


def load_rules_file(path: Path, env: Mapping[str, str] | None = None) -> AlertConfig:
    """Read and check a rules file; every problem is an AlertConfigError naming the file and place."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AlertConfigError(
            f"rules file {path} does not exist; check --rules / COMPLAINT_RADAR_ALERT_RULES"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AlertConfigError(f"rules file {path} cannot be read: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        raise AlertConfigError(f"rules file {path} is not valid YAML{where}: {problem}") from None
    return parse_config(data, where=str(path), env=os.environ if env is None else env)


def sync_declared_rules(session: Session, config: AlertConfig) -> SyncReport:
    """Make the store's file rules what the file says (API rules are left alone)."""
    rows = {row.name: row for row in session.scalars(select(AlertRule))}
    created = updated = disabled = 0
    declared = {rule.name for rule in config.rules}
    for rule in config.rules:
        row = rows.get(rule.name)
        if row is None:
            session.add(_row(AlertRule(origin=FILE_ORIGIN), rule))
            created += 1
            continue
        if row.origin != FILE_ORIGIN:
            raise AlertConfigError(
                f"rule {rule.name!r} of the rules file was created through the API; rename one of them"
            )
        if spec_of(row) != rule:
            _row(row, rule)
            updated += 1
    for name, row in rows.items():
        if row.origin == FILE_ORIGIN and name not in declared and row.enabled:
            row.enabled = False
            disabled += 1
    session.flush()
    return SyncReport(created, updated, disabled)


def spec_of(row: AlertRule) -> AlertRuleSpec:
    """The rule a stored row says."""
    return parse_rule(
        {
            "name": row.name,
            "when": row.params,
            "notify": list(row.targets),
            "cooldown_minutes": row.cooldown_minutes,
            "severity": row.severity,
            "enabled": row.enabled,
        },
        where=f"stored alert rule {row.id}",
    )


def list_rules(session: Session) -> list[StoredRule]:
    return [_stored(row) for row in session.scalars(select(AlertRule).order_by(AlertRule.id))]


def get_rule(session: Session, rule_id: int) -> StoredRule:
    return _stored(_load(session, rule_id))


def create_rule(session: Session, data: Mapping[str, Any], destinations: frozenset[str]) -> StoredRule:
    """A new API rule from its mapping (name, when, notify, cooldown_minutes, severity, enabled)."""
    spec = _parse(data, destinations)
    if session.scalar(select(AlertRule.id).where(AlertRule.name == spec.name)) is not None:
        raise ConflictError(f"an alert rule named {spec.name!r} exists; choose another name")
    row = _row(AlertRule(origin=API_ORIGIN), spec)
    session.add(row)
    session.flush()
    return _stored(row)


def update_rule(
    session: Session, rule_id: int, changes: Mapping[str, Any], destinations: frozenset[str]
) -> StoredRule:
    """Change an API rule: the keys given replace the rule's own (a new `when` replaces it whole)."""
    row = _editable(session, rule_id)
    current = spec_of(row)
    merged = {
        "name": current.name,
        "when": current.when.to_mapping(),
        "notify": list(current.notify),
        "cooldown_minutes": current.cooldown_minutes,
        "severity": current.severity,
        "enabled": current.enabled,
        **changes,
    }
    spec = _parse(merged, destinations)
    if spec.name != row.name and session.scalar(select(AlertRule.id).where(AlertRule.name == spec.name)):
        raise ConflictError(f"an alert rule named {spec.name!r} exists; choose another name")
    _row(row, spec)
    session.flush()
    return _stored(row)


def delete_rule(session: Session, rule_id: int) -> None:
    """Delete an API rule that never fired; one that did keeps its alerts' history: disable it instead."""
    row = _editable(session, rule_id)
    fired = session.scalar(select(func.count()).select_from(Alert).where(Alert.rule_id == rule_id)) or 0
    if fired:
        raise ConflictError(
            f"alert rule {rule_id} has fired {fired} alert(s), which keep referring to it; "
            'disable it instead (PATCH {"enabled": false})'
        )
    session.delete(row)
    session.flush()


def _parse(data: Mapping[str, Any], destinations: frozenset[str]) -> AlertRuleSpec:
    try:
        return parse_rule(dict(data), where="alert rule", destinations=destinations)
    except AlertConfigError as exc:
        raise InputError(str(exc)) from None


def _load(session: Session, rule_id: int) -> AlertRule:
    row = session.get(AlertRule, rule_id)
    if row is None:
        raise NotFoundError(f"alert rule {rule_id} not found; list rules with GET /v1/alert-rules")
    return row


def _editable(session: Session, rule_id: int) -> AlertRule:
    row = _load(session, rule_id)
    if row.origin == FILE_ORIGIN:
        raise ConflictError(
            f"alert rule {row.name!r} is declared in the rules file; edit the file and restart instead"
        )
    return row


def _row(row: AlertRule, spec: AlertRuleSpec) -> AlertRule:
    row.name = spec.name
    row.kind = spec.kind.value
    row.params = spec.when.to_mapping()
    row.targets = list(spec.notify)
    row.cooldown_minutes = spec.cooldown_minutes
    row.severity = spec.severity
    row.enabled = spec.enabled
    return row


def _stored(row: AlertRule) -> StoredRule:
    return StoredRule(row.id, spec_of(row), row.origin, row.created_at, row.updated_at)
