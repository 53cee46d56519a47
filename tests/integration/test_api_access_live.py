"""Every route, every role, on a real server: the role matrix holds (403 exactly where it says –), every
response carries the security headers, and analysts never see raw PII anywhere in any response.

Routes come from the app (`api.access_rules.route_rules`), so endpoints added later are covered.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_client import T0, Api, serve_api

from complaint_radar import Analyzer
from complaint_radar.api import create_app
from complaint_radar.api.access_rules import RouteRule, route_rules
from complaint_radar.store import (
    Alert,
    AlertRule,
    Issue,
    ensure_customers,
    make_session_factory,
    session_scope,
)
from complaint_radar.types import Role

ROUTES = [r for r in route_rules(create_app()) if r.method != "HEAD" and not r.path.endswith("/…")]
API_ROUTES = [r for r in ROUTES if r.path.startswith("/v1/")]
WRITES = ("POST", "PUT", "PATCH", "DELETE")
PII = {
    "phone": "13912345678",
    "id card": "11010519491231002X",
    "bank card": "6222021234567890128",
    "e-mail": "zhang.san@example.com",
}
PII_TEXT = (
    f"我是张三,电话{PII['phone']},身份证{PII['id card']},卡号{PII['bank card']},邮箱{PII['e-mail']},"
    "再不退款我就投诉!"
)


@pytest.fixture()
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "roles.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def assert_security_headers(response: httpx.Response, path: str) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", path
    assert headers["referrer-policy"] == "no-referrer" and headers["x-frame-options"] == "DENY", path
    assert "frame-ancestors 'none'" in headers["content-security-policy"], path
    if path.startswith("/v1/"):
        assert headers["cache-control"] == "no-store", path


def call(api: Api, rule: RouteRule, key: str | None, values: dict[str, str] | None = None) -> httpx.Response:
    """One request under `rule`; an event stream (which never ends) is answered by its headers alone."""
    path = _fill(rule.path, values or {})
    body: dict[str, Any] | None = {} if rule.method in WRITES and rule.method != "DELETE" else None
    headers = {"X-API-Key": key} if key else {}
    with api.client.stream(rule.method, path, headers=headers, json=body) as response:
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            response.read()
    return response


def _fill(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values.get(match[1], "999999")

    return re.sub(r"\{(\w+)\}", value, path)


@pytest.fixture()
def api(sqlite_url: str, analyzer: Analyzer) -> Iterator[Api]:
    # Every route is called without a key: allow that many failed authentications from one address.
    with serve_api(sqlite_url, analyzer, keep_raw_text=True, api_auth_failures_per_minute=10_000) as running:
        yield running


def test_each_role_gets_403_exactly_where_the_matrix_says(api: Api) -> None:
    keys = {role: api.key(f"user-{role.value}", role.value, team="t1") for role in Role}
    wrong = []
    for rule in ROUTES:
        anonymous = call(api, rule, None)
        assert_security_headers(anonymous, rule.path)
        if rule.public:
            assert anonymous.status_code < 400, f"{rule.method} {rule.path}: {anonymous.status_code}"
            continue
        assert anonymous.status_code == 401, f"{rule.method} {rule.path} without a key"
        for role, key in keys.items():
            response = call(api, rule, key)
            assert_security_headers(response, rule.path)
            denied = response.status_code == 403
            if denied == rule.allows(role) or response.status_code == 401:
                wrong.append(
                    f"{role.value} {rule.method} {rule.path}: {response.status_code} {response.text}"
                )
    assert not wrong, "\n".join(wrong)


@pytest.fixture(params=["masked storage, raw kept", "unmasked storage"])
def pii_api(request: pytest.FixtureRequest, sqlite_url: str, analyzer: Analyzer) -> Iterator[Api]:
    settings = {"keep_raw_text": True} if request.param.startswith("masked") else {"mask_pii": False}
    with serve_api(sqlite_url, analyzer, **settings) as running:
        yield running


def test_analysts_never_see_raw_pii_in_any_response(pii_api: Api) -> None:
    api = pii_api
    agent = api.key("ann", "agent", team="t1")
    analyst = api.key("quinn", "analyst")
    at = T0.isoformat()
    message = {
        "message_id": "m1",
        "customer_id": "c-1",
        "occurred_at": at,
        "text": PII_TEXT,
        "attributes": {"note": PII_TEXT},
        "contact_email": PII["e-mail"],  # an extra column: carried into attributes
    }
    assert api.ok("POST", "/v1/messages", agent, json={"items": [message]})["new"] == 1
    event = {"event_id": "e1", "customer_id": "c-1", "occurred_at": at, "kind": "survey_csat", "value": 1}
    event["attributes"] = {"comment": PII_TEXT}
    api.ok("POST", "/v1/events", agent, json={"items": [event]})
    opened = api.ok(
        "POST", "/v1/cases", agent, json={"severity": "high", "customer_id": "c-1", "reason": PII_TEXT}
    )
    api.ok("POST", f"/v1/cases/{opened['number']}/acknowledge", agent)
    api.ok("POST", f"/v1/cases/{opened['number']}/first-response", agent, json={"plan": PII_TEXT})
    with session_scope(make_session_factory(api.engine)) as session:
        ensure_customers(session, ["c-1"])
        rule = AlertRule(name="pii", kind="customer_risk", params={"customer_risk_at_least": "high"})
        session.add(rule)
        session.flush()
        session.add(
            Alert(
                rule_id=rule.id, dedup_key="c-1", severity="high", customer_id="c-1", payload={"t": PII_TEXT}
            )
        )
        issue = Issue(
            key_hash="pii-issue",
            key={"cause": "price_billing"},
            cause="price_billing",
            window_start=T0.date(),
            window_end=T0.date(),
            observed=5,
            expected=1.0,
            top_terms=[PII_TEXT],
            first_detected=T0.date(),
            last_detected=T0.date(),
        )
        session.add(issue)
        session.flush()
        rule_id, issue_id = str(rule.id), str(issue.id)
    alert_id = str(api.ok("GET", "/v1/alerts", agent)["items"][0]["id"])
    action = {
        "title": f"回访 {PII['phone']}",
        "description": PII_TEXT,
        "type": "training",
        "owner": "quinn",
        "start_date": T0.date().isoformat(),
        "target_metric": "complaint_rate",
    }
    action_id = str(api.ok("POST", "/v1/actions", analyst, json=action)["id"])
    values = {
        "ref": opened["number"],
        "customer_id": "c-1",
        "alert_id": alert_id,
        "key_id": "1",
        "rule_id": rule_id,
        "issue_id": issue_id,
        "action_id": action_id,
    }
    reads = [r for r in API_ROUTES if r.method == "GET" and r.allows(Role.QUALITY_ANALYST)]
    assert len(reads) >= 5
    seen_raw_by_agent = False
    for rule in reads:
        unknown = set(re.findall(r"\{(\w+)\}", rule.path)) - set(values)
        assert not unknown, f"{rule.path}: give this test a value for {unknown}"
        path = _fill(rule.path, values)
        as_analyst = api.call("GET", path, analyst, params={"assessment": "true"})
        assert as_analyst.status_code == 200, f"{path}: {as_analyst.text}"
        leaked = [kind for kind, value in PII.items() if value in as_analyst.text]
        assert not leaked, f"GET {path} shows an analyst raw {leaked}"
        as_agent = api.call("GET", path, agent, params={"assessment": "true"})
        seen_raw_by_agent |= PII["phone"] in as_agent.text
    assert seen_raw_by_agent, "the agent never saw the raw text: the test would pass for the wrong reason"
    assessed = api.ok("POST", "/v1/assess", analyst, json={"text": PII_TEXT})
    assert not [kind for kind, value in PII.items() if value in str(assessed)]
