"""Users as administrators manage them: list with their keys, change role and team, deactivate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from complaint_radar.errors import InputError, NotFoundError
from complaint_radar.services.access.permissions import Permission, Principal, require
from complaint_radar.store import ApiKey, User, append_audit
from complaint_radar.types import Role


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    role: Role
    team: str | None
    active: bool
    created_at: datetime
    active_keys: int


def list_users(session: Session) -> list[UserInfo]:
    """Every user, by name, with how many of their keys still work."""
    keys = (
        select(ApiKey.user_id, func.count().label("n"))
        .where(ApiKey.active.is_(True))
        .group_by(ApiKey.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User, func.coalesce(keys.c.n, 0))
        .outerjoin(keys, keys.c.user_id == User.id)
        .order_by(User.username)
    )
    return [_info(user, int(count)) for user, count in rows]


def update_user(
    session: Session,
    username: str,
    *,
    role: Role,
    team: str | None,
    active: bool,
    actor: Principal,
    now: datetime,
) -> UserInfo:
    """Change a user's role, team and whether their keys work (at once, for every key). Admins only;
    an administrator cannot demote or deactivate themselves, so an admin always remains."""
    require(actor, Permission.ADMINISTER)
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFoundError(f"user {username!r} not found")
    if user.username == actor.username and (role is not Role.ADMIN or not active):
        raise InputError(
            "you cannot remove your own admin role or deactivate yourself; ask another administrator"
        )
    team = (team or "").strip() or None
    old = {"role": user.role, "team": user.team, "active": user.active}
    new = {"role": role.value, "team": team, "active": active}
    if old != new:
        user.role, user.team, user.active = role.value, team, active
        append_audit(
            session,
            entity_type="user",
            entity_id=user.username,
            action="user_changed",
            actor=actor.username,
            role=actor.role.value,
            old_values=old,
            new_values=new,
            occurred_at=now,
        )
        session.flush()
    count = session.scalar(
        select(func.count()).select_from(ApiKey).where(ApiKey.user_id == user.id, ApiKey.active.is_(True))
    )
    return _info(user, int(count or 0))


def _info(user: User, active_keys: int) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        role=Role(user.role),
        team=user.team,
        active=user.active,
        created_at=user.created_at,
        active_keys=active_keys,
    )
