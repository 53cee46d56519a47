"""API keys: issue, list, revoke and authenticate; only SHA-256 hashes are stored.

A key belongs to a user; the raw key is shown once, when it is issued, and cannot be recovered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar.errors import (
    AuthenticationError,
    InputError,
    NotFoundError,
)
from complaint_radar.services.access.permissions import Principal, parse_role
from complaint_radar.store import ApiKey, KeyOwner, User, find_api_key, hash_api_key, issue_api_key
from complaint_radar.types import Role


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
    return _principal(owner)


def authenticate_key_id(session: Session, key_id: int, now: datetime) -> Principal:
    """The caller behind a key already authenticated once (a signed-in browser session holds its id);
    AuthenticationError when the key was revoked or expired, or its user deactivated, since."""
    owner = find_api_key(session, key_id=key_id, now=now)
    if owner is None:
        raise AuthenticationError("the key this session signed in with was revoked or expired; sign in again")
    return _principal(owner)


def _principal(owner: KeyOwner) -> Principal:
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
