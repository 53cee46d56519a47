"""The dashboard over a real uvicorn server: sign-in, session cookie, CSRF, roles, masking, escaping,
security headers, languages and the admin forms (browser-level tests are in tests/e2e)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_client import T0, Api, serve_api
from sqlalchemy import select

from complaint_radar import Analyzer
from complaint_radar.store import AlertRule, AuditEvent, make_session_factory, session_scope
from complaint_radar.web import create_app

PHONE = "13987654321"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture()
def web(tmp_path: Path, analyzer: Analyzer, sqlite_template: Path) -> Iterator[Api]:
    path = tmp_path / "web.db"
    path.write_bytes(sqlite_template.read_bytes())
    with serve_api(
        f"sqlite:///{path}",
        analyzer,
        factory=create_app,
        mask_pii=False,
        web_session_secret="t",
        data_dir=tmp_path,
    ) as running:
        yield running


def browser(api: Api, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=api.url, timeout=60, headers=headers)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: httpx.Client, key: str, next_path: str = "") -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "api_key": key, "next": next_path})


def ingest(api: Api, text: str, customer: str, message_id: str) -> None:
    row = {
        "message_id": message_id,
        "customer_id": customer,
        "occurred_at": T0.isoformat(),
        "channel": "chat",
    }
    api.ok("POST", "/v1/messages", api.admin_key, json={"items": [{**row, "text": text}]})


def test_pages_send_a_visitor_without_a_session_to_sign_in(web: Api) -> None:
    with browser(web) as client:
        response = client.get("/radar?x=1")
        assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fradar%3Fx%3D1"
        polled = client.get("/radar/feed", headers={"HX-Request": "true"})
        assert polled.status_code == 204 and polled.headers["HX-Redirect"].startswith("/login")
        assert client.get("/radar", headers={"X-API-Key": "cr_wrong"}).status_code == 401


def test_sign_in_sets_a_signed_httponly_lax_cookie_and_goes_on_to_next(web: Api) -> None:
    with browser(web) as client:
        response = sign_in(client, web.admin_key, "/cases")
        assert response.status_code == 303 and response.headers["location"] == "/cases"
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("cr_session="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http on loopback; https requests get Secure
        assert web.admin_key not in cookie  # the cookie holds the key's id, never the key
        assert client.get("/cases").status_code == 200
        session = client.cookies["cr_session"]
        client.cookies.set("cr_session", session[:-1] + ("0" if session[-1] != "0" else "1"))
        assert client.get("/cases").status_code == 303  # a tampered cookie is no session


def test_sign_in_refuses_a_wrong_key_a_missing_csrf_token_and_a_foreign_next(web: Api) -> None:
    with browser(web) as client:
        wrong = sign_in(client, "cr_not-a-key")
        assert wrong.status_code == 401 and "密钥无效" in wrong.text
        no_token = client.post("/login", data={"api_key": web.admin_key})
        assert no_token.status_code == 400 and "CSRF" in no_token.text
        away = sign_in(client, web.admin_key, "//evil.example/steal")
        assert away.status_code == 303 and away.headers["location"] == "/"


def test_a_browser_post_needs_the_csrf_token_a_key_header_does_not(web: Api) -> None:
    with browser(web) as client:
        sign_in(client, web.admin_key)
        refused = client.post("/assess", data={"text": "退款两周了还没到账"})
        assert refused.status_code == 403 and "CSRF" in refused.text
        forged = client.post("/assess", data={"text": "退款两周了还没到账", "csrf_token": "0" * 64})
        assert forged.status_code == 403
        token = csrf_of(client.get("/assess").text)
        done = client.post("/assess", data={"text": "退款两周了还没到账", "csrf_token": token})
        assert done.status_code == 200 and "退款" in done.text
        signed_out = client.post("/logout", data={"csrf_token": token})
        assert signed_out.status_code == 303 and client.get("/assess").status_code == 303
    scripted = web.client.post(
        "/assess", data={"text": "still waiting"}, headers={"X-API-Key": web.admin_key}
    )
    assert scripted.status_code == 200


def test_roles_decide_which_pages_open_and_which_links_show(web: Api) -> None:
    agent, analyst = web.key("ann", "agent"), web.key("quinn", "analyst")
    assert web.call("GET", "/admin", agent).status_code == 403
    assert web.call("GET", "/admin", analyst).status_code == 403
    cases = web.call("GET", "/cases", agent)
    assert cases.status_code == 200 and 'href="/admin"' not in cases.text
    assert 'href="/admin"' in web.call("GET", "/cases", web.admin_key).text
    with browser(web) as client:
        assert sign_in(client, agent).headers["location"] == "/cases"  # an agent starts at their cases


def test_analysts_see_phone_numbers_masked_and_message_text_is_always_escaped(web: Api) -> None:
    ingest(web, f"退款还没到,电话{PHONE},<script>alert('x')</script>", "c-web", "w1")
    analyst = web.key("quinn", "analyst")
    as_analyst = web.call("GET", "/messages?customer_id=c-web", analyst).text
    assert PHONE not in as_analyst and "139****4321" in as_analyst
    as_admin = web.call("GET", "/messages?customer_id=c-web", web.admin_key).text
    assert PHONE in as_admin
    # Escaped (evidence marks may sit between the characters, so the pieces are looked for apart).
    assert "<script>alert" not in as_admin and "&lt;script&gt;" in as_admin and "&lt;/script&gt;" in as_admin
    customer = web.call("GET", "/customers/c-web", analyst).text
    assert PHONE not in customer and "139****4321" in customer


def test_pages_carry_security_headers_and_the_api_keeps_its_own(web: Api) -> None:
    page = web.call("GET", "/radar", web.admin_key)
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["cache-control"] == "no-store"
    # Swagger UI (/docs) loads inline scripts: it keeps the API's frame-only policy, not the pages' CSP.
    assert web.call("GET", "/docs").headers["content-security-policy"] == "frame-ancestors 'none'"
    assert web.call("GET", "/v1/cases").json()["error"]["type"] == "unauthenticated"


def test_language_follows_the_browser_until_the_reader_picks_one(web: Api) -> None:
    key = web.admin_key
    assert "Live radar" in web.call("GET", "/radar", key, headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "實時雷達" in web.call("GET", "/radar", key, headers={"Accept-Language": "zh-TW"}).text
    assert "实时雷达" in web.call("GET", "/radar", key).text
    with browser(web, **{"Accept-Language": "en"}) as client:
        switched = client.get("/lang/zh-Hant?next=/login")
        assert switched.status_code == 303 and switched.headers["location"] == "/login"
        assert "登錄" in client.get("/login").text or "登入" in client.get("/login").text


def test_bad_filters_and_unknown_things_get_clear_pages(web: Api) -> None:
    key = web.admin_key
    stage = web.call("GET", "/messages?stage=furious", key)
    assert stage.status_code == 422 and "stage &#39;furious&#39; is not a known code" in stage.text
    assert web.call("GET", "/messages?from=yesterday", key).status_code == 422
    assert web.call("GET", "/?product=p1&from=2026-01-01&to=2025-01-01", key).status_code == 422
    assert web.call("GET", "/customers/nobody", key).status_code == 404
    assert web.call("GET", "/cases/CR-2026-999999", key).status_code == 404
    assert web.call("GET", "/no-such-page", key).status_code == 404


def test_case_forms_report_what_the_desk_refuses(web: Api) -> None:
    ingest(web, "三天了还没人回复,再不处理我就去消协投诉!", "c-case", "w2")
    number = web.ok("GET", "/v1/cases?customer_id=c-case", web.admin_key)["items"][0]["number"]
    agent = web.key("ann", "agent")
    page = web.call("GET", f"/cases/{number}", agent).text
    assert f'action="/cases/{number}/take"' in page and f"/cases/{number}/resolve" not in page
    refused = web.call("POST", f"/cases/{number}/acknowledge", agent)
    assert refused.status_code == 403 and "has no owner yet" in refused.text
    taken = web.call("POST", f"/cases/{number}/take", agent)
    assert taken.status_code == 303 and taken.headers["location"] == f"/cases/{number}?done=take"
    assert web.call("POST", f"/cases/{number}/first_response", agent, data={"plan": ""}).status_code == 422
    assert web.call("POST", f"/cases/{number}/fly", agent).status_code == 404


def _rule(api: Api) -> int:
    sessions = make_session_factory(api.engine)
    with session_scope(sessions) as session:
        rule = AlertRule(name="high risk", kind="message_risk", params={"min_risk": 80, "channel": "chat"})
        session.add(rule)
        session.flush()
        return rule.id


def _audit(api: Api, entity_type: str) -> list[dict[str, Any]]:
    sessions = make_session_factory(api.engine)
    with session_scope(sessions) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == entity_type)).all()
        return [{"actor": r.actor, "old": r.old_values, "new": r.new_values} for r in rows]


def test_admin_issues_and_revokes_keys_and_changes_users_sla_and_alert_rules(web: Api) -> None:
    key = web.admin_key
    issued = web.call("POST", "/admin/keys", key, data={"name": "bea", "role": "supervisor", "team": "east"})
    assert issued.status_code == 201
    new_key = re.search(r'<code id="new-key">(cr_[^<]+)</code>', issued.text)
    assert new_key and web.call("GET", "/radar", new_key.group(1)).status_code == 200
    key_id = web.ok("GET", "/v1/keys", key)["items"][-1]["id"]
    assert web.call("POST", f"/admin/keys/{key_id}/revoke", key).status_code == 303
    assert web.call("GET", "/radar", new_key.group(1)).status_code == 401

    agent = web.key("ann", "agent")
    changed = web.call("POST", "/admin/users/ann", key, data={"role": "quality_analyst", "active": "1"})
    assert changed.status_code == 303
    assert web.call("POST", "/v1/messages", agent, json={"items": []}).status_code == 403  # now an analyst
    assert web.call("POST", "/admin/users/ops", key, data={"role": "agent"}).status_code == 422  # not oneself

    targets = {
        f"{s}.{m}": "9h"
        for s in ("critical", "high", "medium", "low")
        for m in ("acknowledge", "first_response", "resolve", "follow_up")
    }
    bad = web.call("POST", "/admin/sla", key, data={**targets, "critical.resolve": "soon", "warn_at": "80"})
    assert bad.status_code == 422 and "is not a duration" in bad.text
    assert web.call("POST", "/admin/sla", key, data={**targets, "warn_at": "80"}).status_code == 303
    ingest(web, "三天了还没人回复,再不处理我就去消协投诉!", "c-sla", "w3")
    case = web.ok("GET", "/v1/cases?customer_id=c-sla", key)["items"][0]
    assert {c["target"] for c in case["sla"]} == {"9h"}  # new cases follow the saved targets at once

    rule_id = _rule(web)
    saved = web.call("POST", f"/admin/alert-rules/{rule_id}", key, data={"param.min_risk": "70"})
    assert saved.status_code == 303
    assert _audit(web, "alert_rule")[0]["new"] == {"enabled": False, "min_risk": 70.0}
    assert (
        _audit(web, "setting")[0]["actor"] == "ops"
        and _audit(web, "user")[0]["new"]["role"] == "quality_analyst"
    )
