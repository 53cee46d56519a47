"""Access rules behind the API: roles and permissions, case scope, rate limits, the key cache."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from complaint_radar.errors import AuthenticationError, InputError, RateLimitError
from complaint_radar.services.access import (
    Permission,
    Principal,
    case_scope,
    in_scope,
    issue_key,
    parse_role,
    rate_limit_for,
    revoke_key,
)
from complaint_radar.services.access.key_cache import KeyCache
from complaint_radar.services.access.rate_limit import TokenBucketLimiter
from complaint_radar.services.runtime import unit_of_work
from complaint_radar.settings import Settings
from complaint_radar.store import make_engine, make_session_factory
from complaint_radar.types import Role

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def principal(role: Role, name: str = "ann", team: str | None = "t1", **kw: Any) -> Principal:
    return Principal(key_id=1, key_prefix="cr_x", username=name, role=role, team=team, **kw)


def test_role_names_accept_spec_codes_and_short_aliases() -> None:
    assert parse_role("agent") is Role.FRONTLINE_AGENT
    assert parse_role(" Quality_Analyst ") is Role.QUALITY_ANALYST
    with pytest.raises(InputError, match=r"unknown role 'boss'.*frontline_agent"):
        parse_role("boss")


def test_permissions_follow_the_roles_table() -> None:
    agent, analyst = principal(Role.FRONTLINE_AGENT), principal(Role.QUALITY_ANALYST)
    admin = principal(Role.ADMIN)
    assert agent.can(Permission.WORK_CASES) and not agent.can(Permission.SUPERVISE_CASES)
    assert not agent.can(Permission.MANAGE_KEYS) and admin.can(Permission.MANAGE_KEYS)
    assert analyst.can(Permission.READ_CASES) and not analyst.can(Permission.INGEST)
    assert not analyst.sees_raw_text and agent.sees_raw_text


@pytest.mark.parametrize(
    ("role", "owner", "team", "visible"),
    [
        (Role.FRONTLINE_AGENT, "ann", "t1", True),
        (Role.FRONTLINE_AGENT, "bob", "t1", False),
        (Role.FRONTLINE_AGENT, None, "t1", True),  # the team's queue, to take
        (Role.FRONTLINE_AGENT, None, None, True),  # not routed yet
        (Role.FRONTLINE_AGENT, None, "t2", False),
        (Role.SUPERVISOR, "bob", "t1", True),
        (Role.SUPERVISOR, "bob", "t2", False),
        (Role.QUALITY_ANALYST, "bob", "t2", True),
        (Role.MANAGER, "zed", "t9", True),
    ],
)
def test_case_scope_by_role(role: Role, owner: str | None, team: str | None, visible: bool) -> None:
    assert in_scope(case_scope(principal(role)), owner, team) is visible


def test_a_supervisor_without_a_team_sees_every_team() -> None:
    assert in_scope(case_scope(principal(Role.SUPERVISOR, team=None)), "bob", "t7")


def test_rate_limit_comes_from_the_key_then_the_role_then_the_default() -> None:
    settings = Settings(api_rate_limit_per_minute=600, api_role_rate_limits={"quality_analyst": 60})
    assert rate_limit_for(principal(Role.FRONTLINE_AGENT), settings) == 600
    assert rate_limit_for(principal(Role.QUALITY_ANALYST), settings) == 60
    keyed = principal(Role.QUALITY_ANALYST, rate_limit_per_minute=5)
    assert rate_limit_for(keyed, settings) == 5


def test_token_bucket_allows_a_burst_then_refills_evenly() -> None:
    clock = FakeMonotonic()
    limiter = TokenBucketLimiter(clock)
    for _ in range(3):
        limiter.acquire("k", 3)
    with pytest.raises(RateLimitError) as refused:
        limiter.acquire("k", 3)
    assert refused.value.retry_after == pytest.approx(20.0)
    limiter.acquire("other", 3)  # buckets are per key
    clock.t += 10
    with pytest.raises(RateLimitError) as again:
        limiter.acquire("k", 3)
    assert again.value.retry_after == pytest.approx(10.0)
    clock.t += 10
    limiter.acquire("k", 3)
    clock.t += 3600  # never more than one minute's worth saved up
    for _ in range(3):
        limiter.acquire("k", 3)
    with pytest.raises(RateLimitError):
        limiter.acquire("k", 3)


def test_key_cache_remembers_keys_briefly_and_never_past_expiry(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "keys.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    sessions = make_session_factory(engine)
    clock = FakeMonotonic()
    cache = KeyCache(5.0, monotonic=clock)
    try:
        with unit_of_work(sessions) as session:
            issued = issue_key(session, username="ann", role=Role.FRONTLINE_AGENT, now=NOW)
            expiring = issue_key(
                session,
                username="bot",
                role=Role.FRONTLINE_AGENT,
                now=NOW,
                expires_at=NOW + timedelta(hours=1),
            )
        assert cache.recall(issued.raw_key, NOW) is None
        assert cache.authenticate(sessions, issued.raw_key, NOW).username == "ann"
        with unit_of_work(sessions) as session:
            revoke_key(session, issued.info.id)
        assert cache.recall(issued.raw_key, NOW) is not None  # another process revoked it: up to ttl
        clock.t += 5
        assert cache.recall(issued.raw_key, NOW) is None
        with pytest.raises(AuthenticationError):
            cache.authenticate(sessions, issued.raw_key, NOW)
        cache.authenticate(sessions, expiring.raw_key, NOW)
        assert cache.recall(expiring.raw_key, NOW + timedelta(minutes=59)) is not None
        assert cache.recall(expiring.raw_key, NOW + timedelta(hours=1)) is None
        cache.forget()
        assert cache.recall(expiring.raw_key, NOW) is None
    finally:
        engine.dispose()
