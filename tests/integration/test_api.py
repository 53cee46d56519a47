"""The REST API over a real uvicorn server on 127.0.0.1, against SQLite and PostgreSQL (`db_url`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from api_client import T0, Api, serve_api

from complaint_radar import Analyzer
from complaint_radar.store import Alert, AlertRule, ensure_customers, make_session_factory, session_scope

THREAT = "三天了还没人回复,再不处理我就去消协投诉!"


@pytest.fixture()
def api(db_url: str, analyzer: Analyzer) -> Iterator[Api]:
    with serve_api(db_url, analyzer, api_max_batch=5) as running:
        yield running


def error_fields(response: httpx.Response) -> dict[str, str]:
    return {f["field"]: f["type"] for f in response.json()["error"]["fields"]}


def test_liveness_and_readiness_answer_without_a_key(api: Api) -> None:
    assert api.call("GET", "/healthz").json() == {"status": "ok"}
    ready = api.call("GET", "/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["database"] == "ok" and body["problems"] == []
    assert "models" in body["models"] and body["model_version"]


def test_openapi_schema_and_docs_are_served(api: Api) -> None:
    schema = api.call("GET", "/openapi.json").json()
    assert {"/v1/assess", "/v1/keys", "/v1/alerts", "/healthz", "/readyz"} <= set(schema["paths"])
    assert {"APIKeyHeader", "HTTPBearer"} <= set(schema["components"]["securitySchemes"])
    assert "swagger-ui" in api.call("GET", "/docs").text


def test_assess_one_message_returns_the_spec_assessment(api: Api) -> None:
    agent = api.key("ann", "agent")
    response = api.call("POST", "/v1/assess", agent, json={"text": THREAT, "channel": "chat"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["text"] == THREAT and body["channel"] == "chat" and body["language"] == "zh-Hans"
    assert body["stage"] in ("potential_complaint", "formal_complaint")
    assert body["risk_level"] in ("high", "critical") and body["risk_score"] >= 60
    assert set(body["emotions"]) >= {"anger", "neutral"}
    cue = next(c for c in body["cues"] if c["code"] == "regulator_threat")
    assert THREAT[cue["start"] : cue["end"]] == cue["text"]
    assert body["explanation"] and body["recommended_handling"]["create_case"] is True
    assert body["model_version"] and body["taxonomy_version"] and body["valid"] is True


def test_assess_a_batch_keeps_input_order_and_echoes_ids(api: Api) -> None:
    agent = api.key("ann", "agent")
    items = [
        {"text": "请问你们周末几点开门?", "message_id": "m1"},
        {"text": THREAT, "message_id": "m2", "customer_id": "c9", "channel": "email"},
        {"text": "The refund still has not arrived after two weeks.", "message_id": "m3"},
    ]
    response = api.call("POST", "/v1/assess", agent, json={"items": items})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 3
    assert [a["message_id"] for a in body["items"]] == ["m1", "m2", "m3"]
    assert body["items"][1]["risk_score"] > body["items"][0]["risk_score"]
    assert body["items"][1]["customer_id"] == "c9" and body["items"][2]["language"] == "en"


def test_a_request_without_a_valid_key_is_refused_with_401(api: Api) -> None:
    missing = api.call("POST", "/v1/assess", json={"text": "你好"})
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert "X-API-Key" in missing.json()["error"]["message"]
    assert api.call("GET", "/v1/alerts", "cr_not-a-key").status_code == 401
    bearer = api.client.get("/v1/keys", headers={"Authorization": f"Bearer {api.admin_key}"})
    assert bearer.status_code == 200


def test_a_revoked_or_expired_key_stops_working(api: Api) -> None:
    response = api.call(
        "POST",
        "/v1/keys",
        api.admin_key,
        json={"name": "bot", "role": "agent", "expires_at": (T0 + timedelta(days=1)).isoformat()},
    )
    key, key_id = response.json()["key"], response.json()["id"]
    assert api.call("POST", "/v1/assess", key, json={"text": "你好"}).status_code == 200
    api.clock.advance(days=2)
    assert api.call("POST", "/v1/assess", key, json={"text": "你好"}).status_code == 401
    api.clock.now = T0
    revoked = api.call("DELETE", f"/v1/keys/{key_id}", api.admin_key)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert api.call("POST", "/v1/assess", key, json={"text": "你好"}).status_code == 401
    listed = api.call("GET", "/v1/keys", api.admin_key, params={"include_revoked": True}).json()["items"]
    assert {k["name"]: k["active"] for k in listed} == {"ops": True, "bot": False}
    assert all("key" not in k for k in listed)


def test_roles_are_enforced_with_a_clear_403(api: Api) -> None:
    agent = api.key("ann", "agent")
    analyst = api.key("quinn", "analyst")
    denied = api.call("POST", "/v1/keys", agent, json={"name": "x", "role": "admin"})
    assert denied.status_code == 403
    assert denied.json()["error"] == {
        "type": "forbidden",
        "message": "role frontline_agent may not manage API keys; this needs a key with role admin.",
        "fields": [],
    }
    assert api.call("GET", "/v1/keys", analyst).status_code == 403
    assert api.call("POST", "/v1/alerts/1/ack", analyst).status_code == 403


def test_an_analyst_sees_text_with_pii_masked(api: Api) -> None:
    analyst = api.key("quinn", "analyst")
    agent = api.key("ann", "agent")
    text = "我的手机13812345678打了三次都没人接,我要投诉!"
    masked = api.call("POST", "/v1/assess", analyst, json={"text": text}).json()
    assert "13812345678" not in masked["text"] and "138****5678" in masked["text"]
    raw = api.call("POST", "/v1/assess", agent, json={"text": text}).json()
    assert raw["text"] == text
    assert masked["stage"] == raw["stage"] and masked["risk_score"] == raw["risk_score"]


def test_too_many_requests_with_one_key_get_429_with_retry_after(api: Api) -> None:
    limited = api.call(
        "POST", "/v1/keys", api.admin_key, json={"name": "bot", "role": "agent", "rate_limit_per_minute": 3}
    )
    key = limited.json()["key"]
    codes = [api.call("POST", "/v1/assess", key, json={"text": "你好"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = api.call("POST", "/v1/assess", key, json={"text": "你好"})
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 20
    assert refused.json()["error"]["type"] == "rate_limited"
    assert api.call("GET", "/v1/keys", api.admin_key).status_code == 200  # other keys are unaffected


def test_invalid_input_gets_422_naming_each_field(api: Api) -> None:
    agent = api.key("ann", "agent")
    missing = api.call("POST", "/v1/assess", agent, json={"channel": "chat"})
    assert missing.status_code == 422 and error_fields(missing) == {"text": "missing"}
    bad = api.call(
        "POST", "/v1/assess", agent, json={"items": [{"text": "ok"}, {"text": 3, "channel": "fax"}]}
    )
    assert error_fields(bad) == {"items.1.text": "string_type", "items.1.channel": "enum"}
    assert "items.1.channel" in bad.json()["error"]["message"]
    too_many = api.call("POST", "/v1/assess", agent, json={"items": [{"text": "好"}] * 6})
    assert error_fields(too_many) == {"items": "too_long"}
    assert "at most 5" in too_many.json()["error"]["fields"][0]["message"]
    broken = api.call(
        "POST",
        "/v1/assess",
        agent,
        content=b'{"text": ',
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and error_fields(broken) == {"body": "json_invalid"}
    query = api.call("GET", "/v1/alerts", agent, params={"limit": 0, "severity": "dire"})
    assert error_fields(query) == {"limit": "greater_than_equal", "severity": "literal_error"}
    for path in ("/v1/keys/0", "/v1/keys/abc"):
        assert api.call("DELETE", path, api.admin_key).status_code == 422


def test_unknown_routes_and_methods_use_the_error_body(api: Api) -> None:
    missing = api.call("GET", "/v1/nothing-here", api.admin_key)
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"
    wrong = api.call("PUT", "/v1/assess", api.admin_key)
    assert wrong.status_code == 405 and wrong.json()["error"]["type"] == "method_not_allowed"


def test_alerts_are_listed_newest_first_and_acknowledged_once(api: Api) -> None:
    with session_scope(make_session_factory(api.engine)) as session:
        ensure_customers(session, ["c0", "c1"])
        rule = AlertRule(name="high risk customer", kind="customer_risk", params={"min": 60})
        session.add(rule)
        session.flush()
        for i, severity in enumerate(("high", "critical")):
            session.add(
                Alert(
                    rule_id=rule.id,
                    dedup_key=f"c{i}",
                    severity=severity,
                    customer_id=f"c{i}",
                    fired_at=T0 + timedelta(minutes=i),
                    payload={"text": "电话13812345678"},
                )
            )
    supervisor = api.key("sue", "supervisor")
    listed = api.call("GET", "/v1/alerts", supervisor, params={"status": "open"}).json()
    assert [a["severity"] for a in listed["items"]] == ["critical", "high"]
    assert listed["page"] == {"limit": 50, "offset": 0, "next_offset": None}
    first = api.call("GET", "/v1/alerts", supervisor, params={"limit": 1}).json()
    assert first["page"]["next_offset"] == 1
    alert_id = listed["items"][0]["id"]
    api.clock.advance(minutes=5)
    acked = api.call("POST", f"/v1/alerts/{alert_id}/ack", supervisor).json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "sue"
    assert acked["acknowledged_at"] == (T0 + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    again = api.call("POST", f"/v1/alerts/{alert_id}/ack", api.key("ann", "agent")).json()
    assert again["acknowledged_by"] == "sue"
    remaining = api.call("GET", "/v1/alerts", supervisor, params={"status": "open"}).json()["items"]
    assert [a["severity"] for a in remaining] == ["high"]
    analyst_view = api.call("GET", "/v1/alerts", api.key("quinn", "analyst")).json()["items"]
    assert analyst_view[0]["payload"]["text"] == "电话138****5678"
    assert api.call("POST", "/v1/alerts/999/ack", supervisor).status_code == 404
