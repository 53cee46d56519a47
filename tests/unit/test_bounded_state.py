"""What a long-running server process keeps between requests stays bounded however many distinct keys
it sees (the soak in docs/benchmarks_load.md is the measurement; these tests pin the bounds)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

import complaint_radar.services.access.key_cache as key_cache_module
from complaint_radar.api.state import AppState
from complaint_radar.errors import RateLimitError
from complaint_radar.services.access import rate_limit
from complaint_radar.services.access.key_cache import MAX_ENTRIES as KEY_CACHE_MAX
from complaint_radar.services.access.key_cache import KeyCache
from complaint_radar.services.access.rate_limit import TokenBucketLimiter
from complaint_radar.services.alerts import engine as engine_module
from complaint_radar.services.customers.timelines import RowCache, SignalCaches
from complaint_radar.settings import Settings
from complaint_radar.web.section_cache import MAX_ENTRIES as VIEWS_MAX
from complaint_radar.web.section_cache import SectionCache

T0 = datetime(2026, 11, 16, tzinfo=UTC)


def test_row_cache_never_holds_more_than_its_limit_and_keeps_the_newest() -> None:
    cache: RowCache[str] = RowCache(100)
    for pk in range(10_000):
        cache.put(pk, f"v{pk}", version=pk)
        assert len(cache) <= 100
    assert cache.get(9_999, version=9_999) == "v9999"
    assert cache.get(0, version=0) is None
    assert cache.get(9_999, version="older") is None  # another version of the row is a miss


def test_row_cache_with_limit_zero_keeps_nothing() -> None:
    cache: RowCache[str] = RowCache(0)
    for pk in range(1_000):
        cache.put(pk, "v")
    assert len(cache) == 0 and cache.get(1) is None


def test_a_server_bounds_its_signal_caches_by_the_setting() -> None:
    state = AppState(settings=Settings(signal_cache_rows=7), clock=lambda: T0)
    assert state.signal_caches is not None
    assert (state.signal_caches.messages.limit, state.signal_caches.events.limit) == (7, 7)
    default = AppState(settings=Settings(), clock=lambda: T0).signal_caches
    assert default is not None and default.messages.limit == Settings().signal_cache_rows == 50_000
    # a one-off ingestion run keeps its large caches
    assert SignalCaches().messages.limit > default.messages.limit


def test_rate_limit_buckets_stay_bounded_over_many_client_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "MAX_BUCKETS", 1_000)
    clock = [0.0]
    limiter = TokenBucketLimiter(monotonic=lambda: clock[0])
    for n in range(20_000):
        limiter.acquire(("addr", n), per_minute=30)
        clock[0] += 0.01  # 200 s in all: earlier buckets have refilled and may go
        assert len(limiter._buckets) <= 1_000


def test_rate_limit_buckets_stay_bounded_even_when_none_has_refilled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "MAX_BUCKETS", 1_000)
    limiter = TokenBucketLimiter(monotonic=lambda: 5.0)  # a flood within one instant: nothing refills
    for n in range(20_000):
        limiter.acquire(("addr", n), per_minute=30)
        assert len(limiter._buckets) <= 1_000
    with pytest.raises(RateLimitError):  # a key still remembered keeps its (emptied) bucket
        for _ in range(30):
            limiter.acquire(("addr", 19_999), per_minute=30)


def test_key_cache_stays_bounded_over_many_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    principal = SimpleNamespace(expires_at=None)
    monkeypatch.setattr(key_cache_module, "unit_of_work", lambda sessions: nullcontext(None))
    monkeypatch.setattr(key_cache_module, "authenticate", lambda session, raw, now, hasher: principal)
    cache = KeyCache(60.0, hasher=SimpleNamespace(digest=lambda raw: raw))  # type: ignore[arg-type]
    for n in range(KEY_CACHE_MAX + 500):
        assert cache.authenticate(None, f"key-{n}", T0) is principal  # type: ignore[arg-type]
        assert len(cache._entries) <= KEY_CACHE_MAX


def test_dashboard_view_cache_stays_bounded_over_many_scopes() -> None:
    cache = SectionCache(ttl_s=3600.0)
    for n in range(VIEWS_MAX * 4):
        cache.get(("overview", n), lambda n=n: {"n": n})
        assert len(cache) <= VIEWS_MAX


def test_alert_engine_keeps_only_the_enabled_rule_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    rows: list[Any] = []
    parsed: list[tuple[int, datetime]] = []

    def spec_of(row: Any) -> Any:
        parsed.append((row.id, row.updated_at))
        return SimpleNamespace(rule=row.id)

    monkeypatch.setattr(engine_module, "enabled_alert_rules", lambda session: list(rows))
    monkeypatch.setattr(engine_module, "spec_of", spec_of)
    engine = engine_module.AlertEngine()
    for edit in range(500):  # two rules, each edited 500 times, each version asked for twice
        rows[:] = [SimpleNamespace(id=rule, updated_at=T0 + timedelta(minutes=edit)) for rule in (1, 2)]
        for _ in range(2):
            assert [rule_id for rule_id, _ in engine.rules(None)] == [1, 2]  # type: ignore[arg-type]
        assert len(engine._specs) == 2
    assert len(parsed) == 1_000  # parsed once per version, not once per call
    rows[:] = []
    assert engine.rules(None) == [] and engine._specs == {}  # type: ignore[arg-type]
