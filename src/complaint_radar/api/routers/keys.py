"""/v1/keys: issue, list, rotate and revoke API keys (admin only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from complaint_radar.api.deps import ManagingKeys, NowDep, SessionDep, StateDep
from complaint_radar.api.schemas.common import ERROR_RESPONSES, ErrorBody
from complaint_radar.api.schemas.keys import IssuedKeyOut, KeyIn, KeyList, KeyOut, RotateIn
from complaint_radar.services.access import KeyInfo, issue_key, list_keys, parse_role, revoke_key, rotate_key

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERROR_RESPONSES)


def key_out(info: KeyInfo) -> KeyOut:
    return KeyOut(
        id=info.id,
        prefix=info.prefix,
        label=info.label,
        name=info.username,
        role=info.role.value,
        team=info.team,
        active=info.active,
        rate_limit_per_minute=info.rate_limit_per_minute,
        created_at=info.created_at,
        expires_at=info.expires_at,
        replaced_by=info.replaced_by,
    )


@router.post("", response_model=IssuedKeyOut, status_code=201, summary="Issue a key (shown once)")
def create_key(
    body: KeyIn, _admin: ManagingKeys, session: SessionDep, now: NowDep, state: StateDep
) -> IssuedKeyOut:
    issued = issue_key(
        session,
        username=body.name,
        role=parse_role(body.role),
        team=body.team,
        label=body.label,
        rate_limit_per_minute=body.rate_limit_per_minute,
        expires_at=body.expires_at,
        now=now,
        hasher=state.key_cache.hasher,
    )
    return IssuedKeyOut(key=issued.raw_key, **key_out(issued.info).model_dump())


@router.get("", response_model=KeyList, summary="List keys (never the keys themselves)")
def get_keys(
    _admin: ManagingKeys,
    session: SessionDep,
    include_revoked: Annotated[bool, Query(description="Also list revoked keys.")] = False,
) -> KeyList:
    return KeyList(items=[key_out(info) for info in list_keys(session, include_revoked=include_revoked)])


@router.delete(
    "/{key_id}",
    response_model=KeyOut,
    summary="Revoke a key (it stops working at once)",
    responses={404: {"model": ErrorBody, "description": "No such key."}},
)
def delete_key(
    key_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    _admin: ManagingKeys,
    session: SessionDep,
    state: StateDep,
) -> KeyOut:
    info = revoke_key(session, key_id)
    session.commit()  # before the cache forgets, so no request can re-remember the key as active
    state.key_cache.forget()
    return key_out(info)


@router.post(
    "/{key_id}/rotate",
    response_model=IssuedKeyOut,
    status_code=201,
    summary="Rotate a key: a successor is issued (shown once); the old key works for a grace period",
    responses={404: {"model": ErrorBody, "description": "No such key."}},
)
def rotate(
    key_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: RotateIn,
    _admin: ManagingKeys,
    session: SessionDep,
    now: NowDep,
    state: StateDep,
) -> IssuedKeyOut:
    issued = rotate_key(
        session, key_id, grace=timedelta(seconds=body.grace_seconds), now=now, hasher=state.key_cache.hasher
    )
    session.commit()  # before the cache forgets (see delete_key)
    state.key_cache.forget()
    return IssuedKeyOut(key=issued.raw_key, **key_out(issued.info).model_dump())
