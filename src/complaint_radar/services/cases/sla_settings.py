"""The SLA policy in force: the file's (cases/data/sla.yaml or `sla_file`) with an administrator's
changes to the targets and the warning share, kept in the store so they survive a restart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from complaint_radar.cases import Milestone, Severity, SlaConfig, load_sla_config, parse_targets
from complaint_radar.errors import ConfigurationError, InputError
from complaint_radar.services.access import Permission, Principal, require
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.settings import Settings
from complaint_radar.store import SettingOverride, append_audit, session_scope

SLA_OVERRIDE = "sla"


def targets_table(config: SlaConfig) -> dict[str, dict[str, str]]:
    """Severity → milestone → duration text (`15m`, `4bh`, `2bd`), every cell filled."""
    return {s.value: {m.value: str(config.targets[s][m]) for m in Milestone} for s in Severity}


def with_override(base: SlaConfig, override: Mapping[str, Any] | None) -> SlaConfig:
    """`base` with the stored targets and warning share in place of its own."""
    if not override:
        return base
    try:
        targets = parse_targets(override["targets"], "stored SLA override: targets", complete=True)
        warn_at = float(override["warn_at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"the stored SLA override is malformed ({exc!r}); save the SLA settings again in Admin"
        ) from exc
    return replace(base, targets=targets, warn_at=warn_at, version=f"{base.version}+admin")


def effective_sla(sessions: SessionFactory, settings: Settings) -> SlaConfig:
    """The policy services should use now."""
    with session_scope(sessions) as session:
        row = session.get(SettingOverride, SLA_OVERRIDE)
        return with_override(load_sla_config(settings.sla_file), None if row is None else row.value)


def save_sla_targets(
    session: Session,
    base: SlaConfig,
    targets: Mapping[str, Mapping[str, str]],
    warn_at: float,
    *,
    actor: Principal,
    now: datetime,
) -> SlaConfig:
    """Check and store new targets (every severity × milestone, e.g. `2h`, `4bh`, `1bd`) and the share of
    a target that raises a warning; returns the policy to use from now on. Admins only."""
    require(actor, Permission.ADMINISTER)
    if not 0 < warn_at < 1:
        raise InputError(f"warning share {warn_at:g} must be between 0 and 1 (e.g. 0.75 for 75 %)")
    value = {"targets": {s: dict(ms) for s, ms in targets.items()}, "warn_at": warn_at}
    try:
        config = with_override(base, value)
    except ConfigurationError as exc:
        raise InputError(str(exc)) from exc
    row = session.get(SettingOverride, SLA_OVERRIDE)
    old = None if row is None else dict(row.value)
    if row is None:
        row = SettingOverride(name=SLA_OVERRIDE, value=value, updated_by=actor.username, updated_at=now)
        session.add(row)
    else:
        row.value, row.updated_by, row.updated_at = value, actor.username, now
    append_audit(
        session,
        entity_type="setting",
        entity_id=SLA_OVERRIDE,
        action="setting_changed",
        actor=actor.username,
        role=actor.role.value,
        old_values=old,
        new_values=value,
        occurred_at=now,
    )
    session.flush()
    return config
