"""Ingestion, customer risk and the case lifecycle through the API (real uvicorn, SQLite and PostgreSQL),
with the server's clock frozen so SLA clocks are exact."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from api_client import T0, Api, serve_api

from complaint_radar import Analyzer

CUSTOMER = "c-42"
TIERS = ["l1_agent", "l2_supervisor", "l3_manager", "external_liaison"]


def message(message_id: str, text: str, days_before: float, **fields: Any) -> dict[str, Any]:
    at = T0 - timedelta(days=days_before)
    return {
        "message_id": message_id,
        "customer_id": CUSTOMER,
        "occurred_at": at.isoformat(),
        "channel": "chat",
        "thread_id": "t-1",
        "text": text,
        **fields,
    }


JOURNEY = [
    message("m1", "请问退款一般几天能到账?", 6),
    message("m2", "退款一周了还没到,怎么回事?", 3),
    message("m3", "都两周了钱还没退,打了三次电话都没人处理,再不给我退款我就去消协投诉!", 0),
]
EVENTS = [
    {
        "event_id": "e1",
        "customer_id": CUSTOMER,
        "occurred_at": (T0 - timedelta(days=2)).isoformat(),
        "kind": "queue_wait",
        "value": 55,
    },
    {"event_id": "e2", "customer_id": CUSTOMER, "occurred_at": T0.isoformat(), "kind": "teleported"},
]


@pytest.fixture()
def api(db_url: str, analyzer: Analyzer) -> Iterator[Api]:
    with serve_api(db_url, analyzer) as running:
        yield running


def test_ingestion_is_idempotent_reports_bad_rows_and_raises_the_customers_risk(api: Api) -> None:
    agent = api.key("ann", "agent", team="t1")
    bad = {"message_id": "m9", "customer_id": CUSTOMER, "occurred_at": "yesterday", "text": "hi"}
    first = api.ok("POST", "/v1/messages", agent, json={"items": [JOURNEY[0], JOURNEY[1], bad]})
    assert (first["received"], first["new"], first["duplicates"]) == (3, 2, 0)
    assert [p["index"] for p in first["problems"]] == [2] and "occurred_at" in first["problems"][0]["reason"]
    events = api.ok("POST", "/v1/events", agent, json={"items": EVENTS})
    assert events["new"] == 1 and events["unknown_kinds"] == {"teleported": 1}
    last = api.ok("POST", "/v1/messages", agent, json={"items": JOURNEY})
    assert (last["new"], last["duplicates"]) == (1, 2)
    risks = [i["customer_risk"] for i in (*first["items"], *events["items"], *last["items"])]
    assert risks == sorted(risks) and risks[-1] > risks[0]
    outcome = last["items"][0]
    assert outcome["customer_risk_level"] in ("high", "critical")
    assert outcome["case_action"] == "opened" and outcome["case_number"].startswith("CR-2026-")

    listed = api.ok("GET", "/v1/messages", agent, params={"customer_id": CUSTOMER, "assessment": True})
    assert [m["message_id"] for m in listed["items"]] == ["m3", "m2", "m1"]
    assert listed["items"][0]["assessment"]["stage"] == listed["items"][0]["stage"]
    risky = api.ok("GET", "/v1/messages", agent, params={"min_risk": 60})["items"]
    assert [m["message_id"] for m in risky] == ["m3"]

    customer = api.ok("GET", f"/v1/customers/{CUSTOMER}", agent)
    assert customer["profile"]["risk_score"] == risks[-1]
    assert customer["complaint_probability_7d"] == customer["profile"]["complaint_probability_7d"]
    assert 0.0 < customer["complaint_probability_7d"] <= 1.0
    assert [e["id"] for e in customer["timeline"]] == ["m1", "m2", "e1", "m3"]
    assert [c["number"] for c in customer["cases"]] == [outcome["case_number"]]
    assert api.call("GET", "/v1/customers/nobody", agent).status_code == 404


def test_an_automatic_case_is_worked_through_its_lifecycle_with_sla_breach_and_follow_up(api: Api) -> None:
    ann, bob = api.key("ann", "agent", team="t1"), api.key("bob", "agent", team="t1")
    sue, analyst = api.key("sue", "supervisor", team="t1"), api.key("quinn", "analyst")
    opened = api.ok("POST", "/v1/messages", ann, json={"items": JOURNEY})["items"][-1]
    number = opened["case_number"]
    case = api.ok("GET", f"/v1/cases/{number}", bob)
    assert case["state"] == "new" and case["owner"] is None and case["origin"] == "automatic"
    assert case["severity"] in ("high", "critical") and case["next_states"] == ["acknowledged", "cancelled"]
    assert {c["milestone"]: c["state"] for c in case["sla"]}["acknowledge"] == "ok"
    tier = case["tier"]

    # An agent takes the unowned case; then it is hers alone.
    assert api.call("POST", f"/v1/cases/{number}/assign", ann, json={"owner": "bob"}).status_code == 403
    assert api.ok("POST", f"/v1/cases/{number}/assign", ann, json={"owner": "ann"})["owner"] == "ann"
    assert api.call("GET", f"/v1/cases/{number}", bob).status_code == 404
    assert api.call("POST", f"/v1/cases/{number}/acknowledge", bob).status_code == 404
    assert [c["number"] for c in api.ok("GET", "/v1/cases", bob)["items"]] == []
    assert [c["number"] for c in api.ok("GET", "/v1/cases", ann)["items"]] == [number]
    assert api.ok("POST", f"/v1/cases/{number}/acknowledge", ann)["state"] == "acknowledged"

    # Five hours later the first-response clock has run out: the sweep records the breach and escalates.
    api.clock.advance(hours=5)
    assert api.call("POST", "/v1/cases/sla-check", ann).status_code == 403
    sweep = api.ok("POST", "/v1/cases/sla-check", sue)
    assert sweep["breaches"] >= 1 and number in sweep["changed"]
    assert api.ok("POST", "/v1/cases/sla-check", sue)["breaches"] == 0  # recorded once
    case = api.ok("GET", f"/v1/cases/{number}", ann)
    assert {c["milestone"]: c["state"] for c in case["sla"]}["first_response"] == "breached"
    assert TIERS.index(case["tier"]) == TIERS.index(tier) + 1

    plan = {"plan": "今天18点前核实退款并回电"}
    assert api.ok("POST", f"/v1/cases/{number}/first-response", ann, json=plan)["state"] == "in_progress"
    waiting = api.ok("POST", f"/v1/cases/{number}/transition", ann, json={"to_state": "awaiting_customer"})
    assert waiting["state"] == "awaiting_customer" and waiting["paused_since"] is not None
    api.clock.advance(hours=1)
    back = api.ok("POST", f"/v1/cases/{number}/transition", ann, json={"to_state": "in_progress"})
    assert back["state"] == "in_progress"
    resolution = {
        "code": "resolved_remedy",
        "remedies": [{"demand": "refund", "amount": 299.0, "currency": "CNY"}],
        "confirmed_causes": ["waiting_time"],
        "responsible_party": "company",
        "notes": "客户电话13812345678已回访确认",
    }
    resolved = api.ok("POST", f"/v1/cases/{number}/resolve", ann, json=resolution)
    assert resolved["state"] == "resolved" and resolved["resolution"]["remedies"][0]["amount"] == 299.0
    masked = api.ok("GET", f"/v1/cases/{number}", analyst)["resolution"]["notes"]
    assert "13812345678" not in masked and "138****5678" in masked
    assert api.call("POST", f"/v1/cases/{number}/resolve", analyst, json=resolution).status_code == 403

    api.clock.advance(hours=2)
    closed = api.ok("POST", f"/v1/cases/{number}/follow-up", ann, json={"resolved": True, "csat": 5})
    assert closed["state"] == "closed" and closed["follow_up"]["csat"] == 5
    refused = api.call("POST", f"/v1/cases/{number}/transition", ann, json={"to_state": "in_progress"})
    assert (
        refused.status_code == 409 and "allowed next states: reopened" in refused.json()["error"]["message"]
    )

    trail = api.ok("GET", f"/v1/cases/{number}/audit", sue)["records"]
    actions = [r["action"] for r in trail]
    for expected in (
        "opened",
        "assigned",
        "sla_breach",
        "tier_changed",
        "first_response",
        "follow_up_recorded",
    ):
        assert expected in actions
    assert actions[0] == "opened" and trail[0]["actor"] == "system"
    assert {r["actor"] for r in trail} == {"system", "ann"}  # the SLA sweep acts as the system


def test_manual_cases_follow_roles_scope_and_the_lifecycle_rules(api: Api) -> None:
    ann, sue = api.key("ann", "agent", team="t1"), api.key("sue", "supervisor", team="t1")
    zed, analyst = api.key("zed", "supervisor", team="t2"), api.key("quinn", "analyst")
    body = {"severity": "medium", "customer_id": "c-7", "channel": "email", "causes": ["service_attitude"]}
    assert api.call("POST", "/v1/cases", analyst, json=body).status_code == 403
    assert api.call("POST", "/v1/cases", ann, json={**body, "owner": "bob"}).status_code == 403
    own = api.call("POST", "/v1/cases", ann, json=body)
    assert own.status_code == 201
    case = own.json()
    assert (case["owner"], case["team"], case["state"], case["origin"]) == ("ann", "t1", "new", "manual")
    assert case["guidance"] is not None and case["causes"] == ["service_attitude"]
    number = case["number"]
    other = api.ok("POST", "/v1/cases", sue, json={**body, "owner": "bob", "severity": "low"})
    assert (other["owner"], other["team"]) == ("bob", "t1")

    assert [c["number"] for c in api.ok("GET", "/v1/cases", ann)["items"]] == [number]
    team = api.ok("GET", "/v1/cases", sue, params={"severity": ["medium", "low"]})["items"]
    assert {c["number"] for c in team} == {number, other["number"]}
    assert api.ok("GET", "/v1/cases", zed)["items"] == []
    assert api.call("POST", f"/v1/cases/{number}/acknowledge", zed).status_code == 404
    assert len(api.ok("GET", "/v1/cases", analyst)["items"]) == 2
    assert api.ok("GET", "/v1/cases", sue, params={"state": "closed"})["items"] == []

    # Agents cannot cancel, lower severity or reassign; a supervisor can, with a reason.
    cancel = api.call("POST", f"/v1/cases/{number}/cancel", ann, json={"reason": "duplicate"})
    assert cancel.status_code == 403 and "cancel cases" in cancel.json()["error"]["message"]
    lower = api.call("POST", f"/v1/cases/{number}/severity", ann, json={"severity": "low"})
    assert lower.status_code == 403
    raised = api.ok("POST", f"/v1/cases/{number}/severity", ann, json={"severity": "high"})
    assert raised["severity"] == "high"
    escalated = api.ok("POST", f"/v1/cases/{number}/escalate", ann, json={"reason": "客户要求经理处理"})
    assert escalated["tier"] == "l2_supervisor"
    moved = api.ok("POST", f"/v1/cases/{number}/assign", sue, json={"owner": "bob", "reason": "workload"})
    assert moved["owner"] == "bob"
    assert api.call("POST", f"/v1/cases/{number}/acknowledge", ann).status_code == 404
    assert api.call("POST", f"/v1/cases/{number}/cancel", sue, json={}).status_code == 422
    cancelled = api.ok("POST", f"/v1/cases/{number}/cancel", sue, json={"reason": "duplicate of CR-1"})
    assert cancelled["state"] == "cancelled" and cancelled["next_states"] == []
    again = api.call("POST", f"/v1/cases/{number}/reopen", sue, json={})
    assert again.status_code == 409

    bad = api.call("POST", "/v1/cases", sue, json={"severity": "dire", "causes": ["weather"], "x": 1})
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["error"]["fields"]} == {"severity", "causes.0", "x"}
    assert api.call("GET", "/v1/cases/CR-2026-999999", sue).status_code == 404
    assert api.call("GET", "/v1/cases/bad%20ref", sue).status_code == 422


def test_the_server_records_sla_breaches_by_itself(db_url: str, analyzer: Analyzer) -> None:
    with serve_api(db_url, analyzer, sla_check_interval_s=0.05) as api:
        sue = api.key("sue", "supervisor", team="t1")
        number = api.ok("POST", "/v1/cases", sue, json={"severity": "critical", "owner": "ann"})["number"]
        api.clock.advance(hours=1)  # a critical case must be acknowledged within 15 minutes
        deadline = time.monotonic() + 20
        while "sla_breach" not in [
            r["action"] for r in api.ok("GET", f"/v1/cases/{number}/audit", sue)["records"]
        ]:
            assert time.monotonic() < deadline, "the periodic SLA check never recorded the breach"
            time.sleep(0.05)
        assert api.ok("GET", f"/v1/cases/{number}", sue)["tier"] == "l2_supervisor"
