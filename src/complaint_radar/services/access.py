"""Who may call what: API keys (issue, list, revoke, authenticate), role permissions and case scope.

A key belongs to a user; the user's role decides the permissions (table in docs/api.md). Keys are
stored as SHA-256 hashes only; the raw key is shown once, when it is issued. Interfaces (the API, the
CLI) authenticate a raw key to a `Principal` and ask `require(principal, permission)` before acting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar.errors import (
    AuthenticationError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from complaint_radar.settings import Settings
from complaint_radar.store import ApiKey, User, find_api_key, hash_api_key, issue_api_key
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
    MANAGE_KEYS = "manage_keys"


P = Permission
_READ = frozenset({P.ASSESS, P.READ_MESSAGES, P.READ_CUSTOMERS, P.READ_CASES, P.READ_ALERTS})
_WORK = _READ | {P.INGEST, P.WORK_CASES, P.ACK_ALERTS}
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.FRONTLINE_AGENT: _WORK,
    Role.SUPERVISOR: _WORK | {P.SUPERVISE_CASES},
    Role.QUALITY_ANALYST: _READ,
    Role.MANAGER: _WORK | {P.SUPERVISE_CASES},
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
    P.SUPERVISE_CASES: "reassign cases or run the SLA check",
    P.READ_ALERTS: "read alerts",
    P.ACK_ALERTS: "acknowledge alerts",
    P.MANAGE_KEYS: "manage API keys",
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


# API keys


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """An API key as administrators see it (never the key itself)."""

    id: int
    prefix: str
    label: str | None
    username: str
    role: Role
    team: str | None
    active: bool
    rate_limit_per_minute: int | None
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: `raw_key` is shown once and cannot be recovered later."""

    raw_key: str
    info: KeyInfo


def issue_key(
    session: Session,
    *,
    username: str,
    role: Role,
    team: str | None = None,
    label: str | None = None,
    rate_limit_per_minute: int | None = None,
    expires_at: datetime | None = None,
    now: datetime,
) -> IssuedKey:
    """Issue a key to `username`, creating the user on first use; an existing user keeps its role."""
    username = username.strip()
    if not username:
        raise InputError("a key needs a user name (--name): who or what will use it")
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise InputError("expires_at must be a time zone-aware time in the future")
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        user = User(username=username, role=role.value, team=team, active=True, created_at=now)
        session.add(user)
        session.flush()
    elif user.role != role.value or (team is not None and user.team != team):
        raise InputError(
            f"user {username} exists with role {user.role} and team {user.team or '-'}; "
            "issue its keys with that role and team, or use another name"
        )
    raw_key, key = issue_api_key(
        session, user, label=label, rate_limit_per_minute=rate_limit_per_minute, expires_at=expires_at
    )
    key.created_at = now
    session.flush()
    return IssuedKey(raw_key=raw_key, info=_key_info(key, user))


def list_keys(session: Session, *, include_revoked: bool = False) -> list[KeyInfo]:
    statement = select(ApiKey, User).join(User, User.id == ApiKey.user_id).order_by(ApiKey.id)
    if not include_revoked:
        statement = statement.where(ApiKey.active.is_(True))
    return [_key_info(key, user) for key, user in session.execute(statement)]


def revoke_key(session: Session, key_id: int) -> KeyInfo:
    """Deactivate a key (kept for the record); revoking twice is harmless."""
    row = session.execute(
        select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.id == key_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"API key {key_id} not found; list keys with GET /v1/keys")
    key, user = row
    key.active = False
    session.flush()
    return _key_info(key, user)


def authenticate(session: Session, raw_key: str | None, now: datetime) -> Principal:
    """The caller behind `raw_key`; AuthenticationError when it is missing, unknown, revoked or expired."""
    if not raw_key or not raw_key.strip():
        raise AuthenticationError(
            "no API key: send it in the X-API-Key header (or Authorization: Bearer <key>); "
            "an administrator issues keys with `complaint-radar keys create`"
        )
    owner = find_api_key(session, hash_api_key(raw_key.strip()), now=now)
    if owner is None:
        raise AuthenticationError("API key not recognised: it is wrong, revoked or expired")
    return Principal(
        key_id=owner.key.id,
        key_prefix=owner.key.key_prefix,
        username=owner.user.username,
        role=parse_role(owner.user.role),
        team=owner.user.team,
        rate_limit_per_minute=owner.key.rate_limit_per_minute,
        expires_at=owner.key.expires_at,
    )


def _key_info(key: ApiKey, user: User) -> KeyInfo:
    return KeyInfo(
        id=key.id,
        prefix=key.key_prefix,
        label=key.label,
        username=user.username,
        role=parse_role(user.role),
        team=user.team,
        active=key.active,
        rate_limit_per_minute=key.rate_limit_per_minute,
        created_at=key.created_at,
        expires_at=key.expires_at,
    )
