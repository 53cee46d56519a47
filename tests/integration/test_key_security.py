"""API keys: keyed hashes under a server secret, the secret file, old keys re-hashed, expiry, rotation and the
limit on failed authentications."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from api_client import T0, serve_api
from sqlalchemy import text

from complaint_radar import Analyzer
from complaint_radar.errors import AuthenticationError, InputError
from complaint_radar.services.access import KeyHasher, authenticate, issue_key, key_hasher, rotate_key
from complaint_radar.services.access.secret import HMAC_SCHEME, LEGACY_SCHEME, SECRET_FILE_NAME
from complaint_radar.settings import Settings
from complaint_radar.store import ApiKey, make_engine, make_session_factory, session_scope
from complaint_radar.store.migrate import upgrade
from complaint_radar.types import Role

SECRET_A = KeyHasher(b"first secret, 32 bytes of noise!")
SECRET_B = KeyHasher(b"second secret, also long enough.", previous=(SECRET_A.secret,))


def test_the_secret_file_is_created_once_with_mode_0600_and_shared(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir)
    with ThreadPoolExecutor(8) as pool:  # first starts racing to create it agree on one secret
        hashers = list(pool.map(lambda _: key_hasher(settings), range(8)))
    path = data_dir / SECRET_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len({h.secret for h in hashers}) == 1 and len(hashers[0].secret) >= 32
    assert not [p for p in data_dir.iterdir() if p.name != SECRET_FILE_NAME]  # no staged leftovers
    configured = Settings(data_dir=data_dir, api_key_secret="x" * 40)
    assert key_hasher(configured).secret == b"x" * 40
    with pytest.raises(Exception, match="shorter than 16 bytes"):
        key_hasher(Settings(data_dir=data_dir, api_key_secret="short"))


def test_keys_are_stored_as_keyed_hashes_and_checked_under_old_secrets(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        with session_scope(sessions) as session:
            raw = issue_key(
                session, username="ann", role=Role.FRONTLINE_AGENT, now=T0, hasher=SECRET_A
            ).raw_key
        with session_scope(sessions) as session:
            stored = session.scalars(text("SELECT key_hash FROM api_keys")).one()
            assert stored == SECRET_A.digest(raw) != hashlib.sha256(raw.encode()).hexdigest()
            assert authenticate(session, raw, T0, SECRET_B).username == "ann"  # rotated secret: re-hashed
        with session_scope(sessions) as session:
            assert session.scalars(text("SELECT key_hash FROM api_keys")).one() == SECRET_B.digest(raw)
            with pytest.raises(AuthenticationError, match="not recognised"):
                authenticate(session, raw, T0, KeyHasher(b"a third secret that never knew it"))
    finally:
        engine.dispose()


def test_keys_issued_before_keyed_hashes_keep_working_and_are_rehashed(blank_db_url: str) -> None:
    upgrade(blank_db_url, "0001")
    raw = "cr_an-old-key-from-before-revision-0004"
    engine = make_engine(blank_db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, role, active, created_at) "
                    "VALUES (1, 'old', 'admin', true, :t)"
                ),
                {"t": T0},
            )
            connection.execute(
                text(
                    "INSERT INTO api_keys (id, user_id, key_hash, key_prefix, active, created_at) "
                    "VALUES (1, 1, :h, 'cr_an-ol', true, :t)"
                ),
                {"h": hashlib.sha256(raw.encode()).hexdigest(), "t": T0},
            )
        upgrade(blank_db_url)
        sessions = make_session_factory(engine)
        with session_scope(sessions) as session:
            assert session.get(ApiKey, 1).hash_scheme == LEGACY_SCHEME  # type: ignore[union-attr]
            assert authenticate(session, raw, T0, SECRET_A).username == "old"
        with session_scope(sessions) as session:
            key = session.get(ApiKey, 1)
            assert key is not None and key.hash_scheme == HMAC_SCHEME and key.key_hash == SECRET_A.digest(raw)
            assert authenticate(session, raw, T0, SECRET_A).username == "old"
    finally:
        engine.dispose()


def test_expired_revoked_and_rotated_keys_say_why_they_stopped(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        with session_scope(sessions) as session:
            old = issue_key(
                session,
                username="bot",
                role=Role.FRONTLINE_AGENT,
                now=T0,
                expires_at=T0 + timedelta(days=90),
                hasher=SECRET_A,
            )
            new = rotate_key(session, old.info.id, grace=timedelta(hours=1), now=T0, hasher=SECRET_A)
        assert new.info.expires_at == T0 + timedelta(days=90)  # the same lifetime from now
        assert new.info.username == "bot" and new.raw_key != old.raw_key
        with session_scope(sessions) as session:
            assert authenticate(session, old.raw_key, T0 + timedelta(minutes=59), SECRET_A).username == "bot"
            with pytest.raises(AuthenticationError, match=r"expired at .*rotated: use its successor"):
                authenticate(session, old.raw_key, T0 + timedelta(hours=1), SECRET_A)
            assert authenticate(session, new.raw_key, T0 + timedelta(days=89), SECRET_A).username == "bot"
            with pytest.raises(AuthenticationError, match="expired at"):
                authenticate(session, new.raw_key, T0 + timedelta(days=90), SECRET_A)
            with pytest.raises(InputError, match="expired"):
                rotate_key(
                    session, old.info.id, grace=timedelta(0), now=T0 + timedelta(hours=2), hasher=SECRET_A
                )
            now_stopped = rotate_key(session, new.info.id, grace=timedelta(0), now=T0, hasher=SECRET_A)
            with pytest.raises(AuthenticationError, match="revoked"):
                authenticate(session, new.raw_key, T0, SECRET_A)
            assert authenticate(session, now_stopped.raw_key, T0, SECRET_A).username == "bot"
    finally:
        engine.dispose()


def test_cli_issues_expiring_keys_and_rotates_them(tmp_path: Path) -> None:
    env = {**os.environ, "COMPLAINT_RADAR_DATA_DIR": str(tmp_path)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "complaint_radar.cli.main", "keys", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)

    created = cli("create", "--name", "ops", "--role", "admin", "--expires-in", "90d")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().startswith("cr_") and "expires 20" in created.stderr
    assert stat.S_IMODE((tmp_path / SECRET_FILE_NAME).stat().st_mode) == 0o600
    rotated = cli("rotate", "1", "--grace", "1h")
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip() != created.stdout.strip() and "replaces key 1" in rotated.stderr
    listing = cli("list")
    assert listing.returncode == 0 and "ops" in listing.stdout
    bad = cli("create", "--name", "x", "--role", "agent", "--expires-in", "soon")
    assert bad.returncode == 2 and "90d" in bad.stderr and "Traceback" not in bad.stderr


def test_failed_authentications_are_limited_per_client_address(db_url: str, analyzer: Analyzer) -> None:
    with serve_api(db_url, analyzer, api_auth_failures_per_minute=3, api_key_cache_s=60) as api:
        agent = api.key("ann", "agent")
        assert api.call("POST", "/v1/assess", agent, json={"text": "你好"}).status_code == 200
        codes = [
            api.call("POST", "/v1/assess", f"cr_guess-{i}", json={"text": "hi"}).status_code for i in range(5)
        ]
        assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
        blocked = api.call("GET", "/v1/alerts", "cr_guess-x")
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
        assert "failed authentications" in blocked.json()["error"]["message"]
        # A key this server authenticated recently still passes: a busy client behind the same address.
        assert api.call("POST", "/v1/assess", agent, json={"text": "你好"}).status_code == 200


def test_rotation_through_the_api_gives_a_working_successor(db_url: str, analyzer: Analyzer) -> None:
    with serve_api(db_url, analyzer) as api:
        agent_id = api.ok("POST", "/v1/keys", api.admin_key, json={"name": "ann", "role": "agent"})["id"]
        rotated = api.ok("POST", f"/v1/keys/{agent_id}/rotate", api.admin_key, json={"grace_seconds": 3600})
        assert rotated["name"] == "ann" and rotated["key"].startswith("cr_")
        assert api.call("GET", "/v1/alerts", rotated["key"]).status_code == 200
        listed = {k["id"]: k for k in api.ok("GET", "/v1/keys", api.admin_key)["items"]}
        assert listed[agent_id]["replaced_by"] == rotated["id"]
        assert datetime.fromisoformat(listed[agent_id]["expires_at"]) == T0.astimezone(UTC) + timedelta(
            hours=1
        )
        assert api.call("POST", "/v1/keys/999/rotate", api.admin_key, json={}).status_code == 404
