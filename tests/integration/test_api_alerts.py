"""Alerts over the API on a real uvicorn server: rule management, webhooks from ingestion, the live feed."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alert_helpers import FAST_DELIVERY, SECRET, THREAT
from api_client import T0, Api, serve_api

from complaint_radar import Analyzer
from complaint_radar.alerts.receiver import WebhookReceiver

RULES = """\
webhooks:
  - {{name: ops, url: "{url}", secret: "{secret}"}}
rules:
  - {{name: threat, when: {{cue_any: [regulator_threat]}}, notify: [ops], cooldown_minutes: 0}}
"""


@pytest.fixture()
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET) as running:
        yield running


@pytest.fixture()
def api(db_url: str, analyzer: Analyzer, tmp_path: Path, receiver: WebhookReceiver) -> Iterator[Api]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(url=receiver.url, secret=SECRET), encoding="utf-8")
    settings = {
        **FAST_DELIVERY,
        "alert_rules": rules,
        "alert_stream_poll_s": 0.1,
        "alert_stream_keepalive_s": 0.5,
    }
    with serve_api(db_url, analyzer, **settings) as running:
        yield running


def ingest(api: Api, key: str, message_id: str, customer: str = "c1", text: str = THREAT) -> Any:
    row = {"message_id": message_id, "customer_id": customer, "occurred_at": T0.isoformat(), "text": text}
    return api.ok("POST", "/v1/messages", key, json={"items": [row]})


class Feed:
    """An SSE client in a thread: events (and comments) arrive in a queue as they are read."""

    def __init__(self, api: Api, key: str, last_event_id: str | None = None) -> None:
        self.items: queue.Queue[dict[str, str]] = queue.Queue()
        self.status: int | None = None
        self._client = httpx.Client(base_url=api.url, timeout=httpx.Timeout(30, read=30))
        headers = {"X-API-Key": key, **({"Last-Event-ID": last_event_id} if last_event_id else {})}
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(headers,), daemon=True)
        self._thread.start()
        self._ready.wait(30)

    def _read(self, headers: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", "/v1/alerts/stream", headers=headers) as response:
                self.status = response.status_code
                self._ready.set()
                event: dict[str, str] = {}
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.items.put({"comment": line[1:].strip()})
                    elif not line:
                        if event:
                            self.items.put(event)
                        event = {}
                    else:
                        name, _, value = line.partition(":")
                        event[name] = value.strip()
        except (httpx.HTTPError, RuntimeError):  # closed by the test
            self._ready.set()

    def next_alert(self, timeout_s: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                item = self.items.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item.get("event") == "alert":
                return {"id": int(item["id"]), **json.loads(item["data"])}
        raise AssertionError("no alert event arrived")

    def close(self) -> None:
        self._client.close()
        self._thread.join(timeout=10)


def test_ingesting_through_the_api_fires_rules_and_delivers_webhooks(
    api: Api, receiver: WebhookReceiver
) -> None:
    agent = api.key("ann", "agent")
    ingest(api, agent, "m1")
    (got,) = receiver.wait_for(1, timeout_s=20)
    assert got.valid and got.body["rule"] == "threat" and got.body["message_id"] == "m1"
    alerts = api.ok("GET", "/v1/alerts", agent)["items"]
    assert [a["id"] for a in alerts] == [got.body["alert_id"]]
    one = api.ok("GET", f"/v1/alerts/{got.body['alert_id']}", agent)
    assert one["payload"]["evidence"][0]["code"] == "regulator_threat" and one["repeats"] == 0
    assert api.call("GET", "/v1/alerts/999999", agent).status_code == 404


def test_admins_manage_alert_rules_and_the_file_rules_stay_read_only(
    api: Api, receiver: WebhookReceiver
) -> None:
    agent, supervisor = api.key("ann", "agent"), api.key("sue", "supervisor")
    new = {
        "name": "angry-social",
        "when": {"risk_at_least": 60, "channel": ["social_post"]},
        "notify": ["ops"],
    }
    assert api.call("POST", "/v1/alert-rules", supervisor, json=new).status_code == 403
    created = api.ok("POST", "/v1/alert-rules", api.admin_key, json=new)
    assert created["origin"] == "api" and created["kind"] == "message" and created["cooldown_minutes"] == 60
    listed = {r["name"]: r for r in api.ok("GET", "/v1/alert-rules", supervisor)["items"]}
    assert listed["threat"]["origin"] == "file" and listed["angry-social"]["when"]["channel"] == [
        "social_post"
    ]
    duplicate = api.call("POST", "/v1/alert-rules", api.admin_key, json=new)
    assert duplicate.status_code == 409 and "exists" in duplicate.json()["error"]["message"]
    typo = api.call(
        "POST", "/v1/alert-rules", api.admin_key, json={**new, "name": "x", "when": {"cue_any": ["oops"]}}
    )
    assert typo.status_code == 422 and "unknown ['oops']" in typo.json()["error"]["message"]
    nowhere = api.call(
        "POST", "/v1/alert-rules", api.admin_key, json={**new, "name": "y", "notify": ["pager"]}
    )
    assert nowhere.status_code == 422 and "unknown destination" in nowhere.json()["error"]["message"]
    file_rule = listed["threat"]["id"]
    refused = api.call("PATCH", f"/v1/alert-rules/{file_rule}", api.admin_key, json={"enabled": False})
    assert refused.status_code == 409 and "rules file" in refused.json()["error"]["message"]
    changed = api.ok("PATCH", f"/v1/alert-rules/{created['id']}", api.admin_key, json={"cooldown_minutes": 0})
    assert changed["cooldown_minutes"] == 0 and changed["when"] == created["when"]
    angry = "这家店太差劲了,骗子!大家千万别买,我要去12315投诉他们!"
    social = {"message_id": "s1", "customer_id": "c7", "occurred_at": T0.isoformat(),
              "channel": "social_post", "text": angry}  # fmt: skip
    api.ok("POST", "/v1/messages", agent, json={"items": [social]})
    rules_fired = {r.body["rule"] for r in receiver.wait_for(2, timeout_s=20)}
    assert "angry-social" in rules_fired
    assert api.call("DELETE", f"/v1/alert-rules/{created['id']}", api.admin_key).status_code == 409
    unused = api.ok("POST", "/v1/alert-rules", api.admin_key, json={**new, "name": "unused"})
    assert api.call("DELETE", f"/v1/alert-rules/{unused['id']}", api.admin_key).status_code == 204
    assert api.call("GET", f"/v1/alert-rules/{unused['id']}", api.admin_key).status_code == 404


def test_the_live_feed_pushes_new_alerts_resumes_and_keeps_alive(api: Api) -> None:
    agent, supervisor = api.key("ann", "agent"), api.key("sue", "supervisor")
    ingest(api, agent, "before", customer="c0")  # fired before anyone listens
    feed = Feed(api, supervisor)
    try:
        assert feed.status == 200
        sent = time.monotonic()
        ingest(api, agent, "m1")
        alert = feed.next_alert()
        seconds = time.monotonic() - sent
        assert alert["message_id"] == "m1" and alert["rule"] == "threat" and alert["id"] == alert["alert_id"]
        assert seconds < 10  # polled every 0.1 s here; ingestion itself is most of it
        comments = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and "keep-alive" not in comments:
            comments.append(feed.items.get(timeout=5).get("comment", ""))
        assert "keep-alive" in comments
    finally:
        feed.close()
    resumed = Feed(api, supervisor, last_event_id="0")
    try:
        assert [resumed.next_alert()["message_id"], resumed.next_alert()["message_id"]] == ["before", "m1"]
    finally:
        resumed.close()


def test_the_live_feed_shows_an_agent_only_alerts_about_its_own_cases_customers(api: Api) -> None:
    ann, bob = api.key("ann", "agent"), api.key("bob", "agent")
    opened = ingest(api, ann, "m1", customer="c1")["items"][0]["case_number"]
    api.ok("POST", f"/v1/cases/{opened}/assign", ann, json={"owner": "ann"})
    feed = Feed(api, ann)
    try:
        ingest(api, bob, "other", customer="c2")
        ingest(api, bob, "mine", customer="c1")
        assert feed.next_alert()["message_id"] == "mine"
    finally:
        feed.close()


def test_the_live_feed_refuses_who_may_not_follow_it(api: Api) -> None:
    analyst = api.key("ana", "analyst")
    assert api.call("GET", "/v1/alerts/stream").status_code == 401
    refused = api.call("GET", "/v1/alerts/stream", analyst)
    assert refused.status_code == 403 and "live alert stream" in refused.json()["error"]["message"]
    bad = api.call("GET", "/v1/alerts/stream", api.admin_key, headers={"Last-Event-ID": "abc"})
    assert bad.status_code == 422
