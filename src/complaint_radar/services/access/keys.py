"""API keys: issue, list, rotate, revoke and authenticate; only keyed hashes are stored (`access.secret`).

A key belongs to a user; the raw key is shown once, when it is issued, and cannot be recovered.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar.errors import (
    AuthenticationError,
    InputError,
    NotFoundError,
)
from complaint_radar.services.access.permissions import Principal, parse_role
from complaint_radar.services.access.secret import HMAC_SCHEME, KeyHasher, key_hasher
from complaint_radar.store import ApiKey, KeyOwner, User, api_key_by_hash, find_api_key, issue_api_key
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
    replaced_by: int | None = None


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
    hasher: KeyHasher | None = None,
) -> IssuedKey:
    """Issue a key to `username`, creating the user on first use; an existing user keeps its role.

    `hasher` defaults to the one of the process settings (`access.secret.key_hasher`)."""
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
    return _issue(session, user, hasher, label, rate_limit_per_minute, expires_at, now)


def _issue(
    session: Session,
    user: User,
    hasher: KeyHasher | None,
    label: str | None,
    rate_limit_per_minute: int | None,
    expires_at: datetime | None,
    now: datetime,
) -> IssuedKey:
    raw_key, key = issue_api_key(
        session,
        user,
        digest=(hasher or key_hasher()).digest,
        hash_scheme=HMAC_SCHEME,
        label=label,
        rate_limit_per_minute=rate_limit_per_minute,
        expires_at=expires_at,
    )
    key.created_at = now
    session.flush()
    return IssuedKey(raw_key=raw_key, info=_key_info(key, user))


def rotate_key(
    session: Session, key_id: int, *, grace: timedelta, now: datetime, hasher: KeyHasher | None = None
) -> IssuedKey:
    """Issue a successor of key `key_id` (same user, label and rate limit; the same lifetime if it had
    one) and let the old key work for `grace` more (never longer than it would have)."""
    if grace < timedelta(0):
        raise InputError("the grace period cannot be negative; give 0 to stop the old key at once")
    key, user = _key_and_user(session, key_id)
    if not KeyOwner(key, user).usable(now):
        state = "revoked" if not key.active else "expired" if key.expires_at else "unusable (user disabled)"
        raise InputError(f"API key {key_id} is {state}; issue a new one with `complaint-radar keys create`")
    lifetime = key.expires_at - key.created_at if key.expires_at is not None else None
    issued = _issue(
        session,
        user,
        hasher,
        key.label,
        key.rate_limit_per_minute,
        now + lifetime if lifetime is not None else None,
        now,
    )
    old_end = now + grace
    key.expires_at = old_end if key.expires_at is None else min(key.expires_at, old_end)
    if grace == timedelta(0):
        key.active = False
    key.replaced_by_id = issued.info.id
    session.flush()
    return issued


def list_keys(session: Session, *, include_revoked: bool = False) -> list[KeyInfo]:
    statement = select(ApiKey, User).join(User, User.id == ApiKey.user_id).order_by(ApiKey.id)
    if not include_revoked:
        statement = statement.where(ApiKey.active.is_(True))
    return [_key_info(key, user) for key, user in session.execute(statement)]


def revoke_key(session: Session, key_id: int) -> KeyInfo:
    """Deactivate a key (kept for the record); revoking twice is harmless."""
    key, user = _key_and_user(session, key_id)
    key.active = False
    session.flush()
    return _key_info(key, user)


def _key_and_user(session: Session, key_id: int) -> tuple[ApiKey, User]:
    row = session.execute(
        select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.id == key_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"API key {key_id} not found; list keys with `complaint-radar keys list`")
    return row[0], row[1]


def authenticate(
    session: Session, raw_key: str | None, now: datetime, hasher: KeyHasher | None = None
) -> Principal:
    """The caller behind `raw_key`; AuthenticationError when it is missing, unknown, revoked or expired.

    A key stored under an earlier secret or the plain SHA-256 of older versions is re-hashed under the
    current secret here (the caller's unit of work commits it)."""
    if not raw_key or not raw_key.strip():
        raise AuthenticationError(
            "no API key: send it in the X-API-Key header (or Authorization: Bearer <key>); "
            "an administrator issues keys with `complaint-radar keys create`"
        )
    hasher = hasher or key_hasher()
    raw_key = raw_key.strip()
    digest = hasher.digest(raw_key)
    owner = api_key_by_hash(session, digest)
    if owner is None:
        owner = _rehashed(session, hasher, raw_key, digest)
    if owner is None or not hmac.compare_digest(owner.key.key_hash, digest):
        raise AuthenticationError("API key not recognised: check that it was copied whole")
    if not owner.usable(now):
        raise AuthenticationError(_unusable(owner, now))
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


def _rehashed(session: Session, hasher: KeyHasher, raw_key: str, digest: str) -> KeyOwner | None:
    """The key if it is stored under an older hash, now stored under the current one."""
    for old in hasher.older_digests(raw_key):
        owner = api_key_by_hash(session, old)
        if owner is not None:
            owner.key.key_hash, owner.key.hash_scheme = digest, HMAC_SCHEME
            session.flush()
            return owner
    return None


def _unusable(owner: KeyOwner, now: datetime) -> str:
    key = owner.key
    fix = "ask an administrator for a new key"
    if not key.active:
        return f"API key {key.key_prefix}… was revoked; {fix}"
    if key.expires_at is not None and key.expires_at <= now:
        successor = " (it was rotated: use its successor)" if key.replaced_by_id else ""
        when = key.expires_at.isoformat(timespec="seconds")
        return f"API key {key.key_prefix}… expired at {when}{successor}; {fix}"
    return f"the user of API key {key.key_prefix}… is disabled; {fix}"


_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """`90d`, `12h`, `30m`, `45s` or `2w` as a timedelta."""
    match = _DURATION.match(text.lower())
    if match is None:
        raise InputError(f"duration {text!r} is not understood; write a number and a unit: 90d, 12h, 30m, 2w")
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


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
        replaced_by=key.replaced_by_id,
    )
