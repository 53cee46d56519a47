"""Who may do what: roles, permissions, the caller (`Principal`), case scope and text redaction.

The role of a key's user decides its permissions (table in docs/api.md). Interfaces (the API, the
CLI) authenticate a raw key to a `Principal` (`access.keys`) and ask `require(principal, permission)`
before acting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from complaint_radar.errors import (
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from complaint_radar.settings import Settings
from complaint_radar.text.pii import mask_text
from complaint_radar.types import Role

ROLE_ALIASES: Mapping[str, Role] = {"agent": Role.FRONTLINE_AGENT, "analyst": Role.QUALITY_ANALYST}
"""Short names accepted wherever a role is typed (`--role agent`)."""


class Permission(StrEnum):
    """What an API call needs; `ROLE_PERMISSIONS` grants them by role."""

    ASSESS = "assess"
    INGEST = "ingest"
    READ_MESSAGES = "read_messages"
    READ_CUSTOMERS = "read_customers"
    READ_CASES = "read_cases"
    WORK_CASES = "work_cases"
    SUPERVISE_CASES = "supervise_cases"
    READ_ALERTS = "read_alerts"
    ACK_ALERTS = "ack_alerts"
    WATCH_ALERTS = "watch_alerts"
    MANAGE_KEYS = "manage_keys"
    READ_ANALYSIS = "read_analysis"
    WORK_ISSUES = "work_issues"
    MANAGE_ACTIONS = "manage_actions"
    WRITE_METRICS = "write_metrics"
    MANAGE_ALERT_RULES = "manage_alert_rules"
    ADMINISTER = "administer"


P = Permission
_READ = frozenset({P.ASSESS, P.READ_MESSAGES, P.READ_CUSTOMERS, P.READ_CASES, P.READ_ALERTS})
_WORK = _READ | {P.INGEST, P.WORK_CASES, P.ACK_ALERTS, P.WATCH_ALERTS}
_ANALYSE = frozenset({P.READ_ANALYSIS, P.WORK_ISSUES})
"""SPEC.md §7 aggregate analysis: analysts, supervisors, managers (agents serve customers, not aggregates)."""
_IMPROVE = frozenset({P.MANAGE_ACTIONS, P.WRITE_METRICS})
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.FRONTLINE_AGENT: _WORK,
    Role.SUPERVISOR: _WORK | {P.SUPERVISE_CASES} | _ANALYSE,
    Role.QUALITY_ANALYST: _READ | _ANALYSE | _IMPROVE,
    Role.MANAGER: _WORK | {P.SUPERVISE_CASES} | _ANALYSE | _IMPROVE,
    Role.ADMIN: frozenset(Permission),
}
RAW_TEXT_ROLES = frozenset({Role.FRONTLINE_AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
"""Roles that see message text as stored; analysts get it with PII masked (they work on aggregates)."""

_PERMISSION_WORDS: Mapping[Permission, str] = {
    P.ASSESS: "assess messages",
    P.INGEST: "ingest messages and events",
    P.READ_MESSAGES: "read messages",
    P.READ_CUSTOMERS: "read customer profiles",
    P.READ_CASES: "read cases",
    P.WORK_CASES: "open or work on cases",
    P.SUPERVISE_CASES: "reassign or cancel cases, lower their severity or run the SLA check",
    P.READ_ALERTS: "read alerts",
    P.ACK_ALERTS: "acknowledge alerts",
    P.WATCH_ALERTS: "follow the live alert stream",
    P.MANAGE_KEYS: "manage API keys",
    P.READ_ANALYSIS: "read the complaint analysis (trends, Pareto, issues, actions, surveys, outreach)",
    P.WORK_ISSUES: "change emerging issues or attach root-cause records",
    P.MANAGE_ACTIONS: "create or change improvement actions",
    P.WRITE_METRICS: "store metrics (denominators)",
    P.MANAGE_ALERT_RULES: "manage alert rules",
    P.ADMINISTER: "change users, roles, alert thresholds or SLA settings",
}


def parse_role(value: str) -> Role:
    """A role from its SPEC.md code or a short alias (agent, analyst)."""
    text = value.strip().lower()
    if text in ROLE_ALIASES:
        return ROLE_ALIASES[text]
    try:
        return Role(text)
    except ValueError:
        names = ", ".join([*(r.value for r in Role), *ROLE_ALIASES])
        raise InputError(f"unknown role {value!r}; use one of: {names}") from None


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the key used and its user."""

    key_id: int
    key_prefix: str
    username: str
    role: Role
    team: str | None
    rate_limit_per_minute: int | None = None
    expires_at: datetime | None = None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    @property
    def sees_raw_text(self) -> bool:
        return self.role in RAW_TEXT_ROLES


def require(principal: Principal, permission: Permission) -> None:
    """Raise PermissionDeniedError, naming the roles that may, unless `principal` has `permission`."""
    if principal.can(permission):
        return
    allowed = ", ".join(r.value for r in Role if permission in ROLE_PERMISSIONS[r])
    raise PermissionDeniedError(
        f"role {principal.role.value} may not {_PERMISSION_WORDS[permission]}; "
        f"this needs a key with role {allowed}."
    )


def redact_text(text: str) -> str:
    """Text as a caller without raw-text rights sees it: phone, ID card, bank card and e-mail masked."""
    return mask_text(text)


def rate_limit_for(principal: Principal, settings: Settings) -> int:
    """Requests per minute allowed to this key: its own limit, else its role's, else the default."""
    if principal.rate_limit_per_minute is not None:
        return principal.rate_limit_per_minute
    role_limit = settings.api_role_rate_limits.get(principal.role.value)
    return role_limit if role_limit is not None else settings.api_rate_limit_per_minute


# Case scope (SPEC.md §1 roles): agents work their own cases, supervisors their team's, the rest all.


@dataclass(frozen=True, slots=True)
class CaseScope:
    """Which cases a caller sees: `owner` / `team` restrict when set; `unassigned_too` adds the queue."""

    owner: str | None = None
    team: str | None = None
    unassigned_too: bool = False


def case_scope(principal: Principal) -> CaseScope:
    """Agents: cases they own plus unassigned ones of their team (to take); supervisors: their team's."""
    if principal.role is Role.FRONTLINE_AGENT:
        return CaseScope(owner=principal.username, team=principal.team, unassigned_too=True)
    if principal.role is Role.SUPERVISOR and principal.team is not None:
        return CaseScope(team=principal.team)
    return CaseScope()


def in_scope(scope: CaseScope, owner: str | None, team: str | None) -> bool:
    """Whether a case with this owner and team is visible within `scope` (cases without a team are
    everyone's until routed)."""
    team_ok = scope.team is None or team is None or team == scope.team
    if scope.owner is None:
        return team_ok
    return owner == scope.owner or (scope.unassigned_too and owner is None and team_ok)


def require_case_access(
    principal: Principal, case_number: str, owner: str | None, team: str | None, *, act: bool
) -> None:
    """Raise NotFoundError for a case outside the caller's scope (its existence is not revealed) and
    PermissionDeniedError when an agent acts on a case someone else owns or nobody owns yet."""
    if not in_scope(case_scope(principal), owner, team):
        raise NotFoundError(f"case {case_number} not found")
    if act and principal.role is Role.FRONTLINE_AGENT and owner != principal.username:
        holder = f"is owned by {owner}" if owner else "has no owner yet"
        raise PermissionDeniedError(
            f"case {case_number} {holder}; an agent works only on own cases "
            "(assign an unowned case to yourself first, or ask a supervisor)."
        )
