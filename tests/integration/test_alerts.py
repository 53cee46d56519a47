"""Alerting over a real store (SQLite and PostgreSQL) and a real webhook receiver on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alert_helpers import CALM, SECRET, THREAT, alerting_stack, message, write_rules
from sqlalchemy import select

from complaint_radar import Analyzer
from complaint_radar.alerts.receiver import WebhookReceiver
from complaint_radar.alerts.signing import verify
from complaint_radar.services.alerts.engine import alert_on_emerging_issue
from complaint_radar.services.alerts.rulebook import list_rules, load_rules_file, sync_declared_rules
from complaint_radar.services.cases.casework import CaseService
from complaint_radar.store import AlertDeliveryAttempt, session_scope

BODY_KEYS = {"alert_id", "rule", "customer_id", "message_id", "stage", "risk_score", "evidence", "created_at"}


def test_a_threatening_message_fires_each_matching_rule_once_and_delivers_signed_webhooks(
    db_url: str, analyzer: Analyzer, tmp_path: Path
) -> None:
    with (
        WebhookReceiver(SECRET) as receiver,
        alerting_stack(db_url, analyzer, write_rules(tmp_path, receiver.url)) as stack,
    ):
        stack.ingestor.ingest_messages([message("m1", CALM), message("m2", THREAT, minute=5)])
        got = receiver.wait_for(3, timeout_s=20)
        alerts = stack.alerts()
        assert sorted(a.payload["rule"] for a in alerts) == [
            "about-to-complain",
            "regulator",
            "risky-customer",
        ]
        assert len(got) == 3 and all(r.valid for r in got)
        bodies = {r.body["rule"]: r.body for r in got}
        regulator = bodies["regulator"]
        assert set(regulator) >= BODY_KEYS
        assert regulator["customer_id"] == "c1" and regulator["message_id"] == "m2"
        assert regulator["stage"] == "potential_complaint" and regulator["risk_score"] >= 60
        evidence = regulator["evidence"]
        assert [e["code"] for e in evidence] == ["regulator_threat"]
        assert THREAT[evidence[0]["start"] : evidence[0]["end"]] == evidence[0]["text"]
        assert regulator["links"]["customer"] == "/v1/customers/c1"
        assert (
            regulator["case_number"] and regulator["links"]["case"] == f"/v1/cases/{regulator['case_number']}"
        )
        assert "crossing high" in bodies["risky-customer"]["reasons"][0]
        assert {d.status for d in stack.settled()} == {"delivered"}


def test_cool_down_suppresses_repeats_per_customer_and_rule(
    db_url: str, analyzer: Analyzer, tmp_path: Path
) -> None:
    with (
        WebhookReceiver(SECRET) as receiver,
        alerting_stack(db_url, analyzer, write_rules(tmp_path, receiver.url)) as stack,
    ):
        stack.ingestor.ingest_messages([message("m1"), message("m2", minute=1), message("m3", minute=2)])
        stack.ingestor.ingest_messages([message("m4", minute=3)])
        about = [a for a in stack.alerts() if a.payload["rule"] == "about-to-complain"]
        assert len(about) == 1 and about[0].repeats == 3  # one page, three repeats counted
        stack.ingestor.ingest_messages([message("o1", customer="c2", minute=4)])
        stack.clock.now += timedelta(minutes=61)  # past the 60-minute cool-down
        stack.ingestor.ingest_messages([message("m5", minute=70)])
        about = [a for a in stack.alerts() if a.payload["rule"] == "about-to-complain"]
        assert [(a.customer_id, a.payload["message_id"]) for a in about] == [
            ("c1", "m1"),
            ("c2", "o1"),
            ("c1", "m5"),
        ]
        receiver.wait_for(len(stack.deliveries()), timeout_s=20)


def test_a_receiver_answering_500_three_times_gets_it_on_the_fourth_attempt(
    db_url: str, analyzer: Analyzer, tmp_path: Path
) -> None:
    text = (
        "webhooks: [{{name: ops, url: '{url}', secret: '{secret}'}}]\n"
        "rules: [{{name: r, when: {{cue_any: [regulator_threat]}}, notify: [ops]}}]\n"
    )
    with (
        WebhookReceiver(SECRET, failures=3) as receiver,
        alerting_stack(db_url, analyzer, write_rules(tmp_path, receiver.url, text)) as stack,
    ):
        stack.ingestor.ingest_messages([message("m1")])
        assert len(receiver.wait_for(1, timeout_s=20)) == 1
        statuses = [r.status for r in receiver.requests]
        assert statuses == [500, 500, 500, 200]
        assert len({r.body["alert_id"] for r in receiver.requests}) == 1
        assert all(r.valid for r in receiver.requests)
        stack.settled()
        with session_scope(stack.sessions) as session:
            log = session.scalars(select(AlertDeliveryAttempt).order_by(AlertDeliveryAttempt.attempt)).all()
            assert [(a.attempt, a.outcome, a.status_code) for a in log] == [
                (1, "failed", 500), (2, "failed", 500), (3, "failed", 500), (4, "delivered", 200)
            ]  # fmt: skip
            assert all(a.duration_ms >= 0 for a in log) and "HTTP 500" in str(log[0].error)
        (delivery,) = stack.settled()
        assert delivery.status == "delivered" and delivery.attempts == 4


@pytest.mark.slow
def test_a_receiver_that_is_down_never_blocks_ingestion_and_gets_its_alerts_when_back(
    db_url: str, analyzer: Analyzer, tmp_path: Path
) -> None:
    receiver = WebhookReceiver(SECRET).start()
    rules = write_rules(tmp_path, receiver.url)
    receiver.stop()  # connection refused from now on
    with alerting_stack(db_url, analyzer, rules, alert_retry_cap_s=0.5) as stack:
        started = time.monotonic()
        for n in range(5):
            result = stack.ingestor.ingest_messages([message(f"m{n}", customer=f"c{n}")])
            assert result.new == 1
        ingest_s = time.monotonic() - started
        deadline = time.monotonic() + 20
        pending = stack.deliveries()
        while any(d.attempts < 2 for d in pending) and time.monotonic() < deadline:
            time.sleep(0.05)
            pending = stack.deliveries()
        assert len(pending) == 15 and {d.status for d in pending} == {"pending"}
        assert all(d.attempts >= 2 and "Connect" in str(d.last_error) for d in pending)
        receiver.start()
        got = receiver.wait_for(15, timeout_s=30)
        assert len(got) == 15 and all(r.valid for r in got)
        assert {d.status for d in stack.settled()} == {"delivered"}
        assert ingest_s < 30  # five batches stored while nobody listened


def test_delivery_resumes_after_a_restart(db_url: str, analyzer: Analyzer, tmp_path: Path) -> None:
    with WebhookReceiver(SECRET) as receiver:
        rules = write_rules(tmp_path, receiver.url)
        with alerting_stack(db_url, analyzer, rules, deliver=False) as stack:  # dies before delivering
            stack.ingestor.ingest_messages([message("m1")])
            assert {d.status for d in stack.deliveries()} == {"pending"}
        with alerting_stack(db_url, analyzer, rules) as restarted:  # a new process, same database
            assert len(receiver.wait_for(3, timeout_s=20)) == 3
            assert {d.status for d in restarted.settled()} == {"delivered"}


def test_the_sla_sweep_fires_sla_rules(db_url: str, analyzer: Analyzer, tmp_path: Path) -> None:
    text = (
        "webhooks: [{{name: ops, url: '{url}', secret: '{secret}'}}]\n"
        "rules: [{{name: late, when: {{sla: [warning, breach]}}, notify: [ops], cooldown_minutes: 0}}]\n"
    )
    with (
        WebhookReceiver(SECRET) as receiver,
        alerting_stack(db_url, analyzer, write_rules(tmp_path, receiver.url, text)) as stack,
    ):
        stack.ingestor.ingest_messages([message("m1")])  # opens a critical case: acknowledge in 15 min
        service = CaseService(stack.sessions, clock=stack.clock, on_sla=stack.alerting.engine.on_sla)
        stack.clock.now += timedelta(minutes=12)
        assert service.check_sla().warnings >= 1
        stack.clock.now += timedelta(minutes=10)
        assert service.check_sla().breaches >= 1
        service.check_sla()  # nothing new: no new alert
        marks = [(a.payload["sla"]["milestone"], a.payload["sla"]["mark"]) for a in stack.alerts()]
        assert ("acknowledge", "warning") in marks and ("acknowledge", "breach") in marks
        assert len(marks) == len(set(marks))
        got = receiver.wait_for(len(marks), timeout_s=20)
        assert all(r.body["case_number"] and r.body["kind"] == "sla" for r in got)


def test_an_emerging_issue_given_as_a_plain_mapping_alerts_once(
    db_url: str, analyzer: Analyzer, tmp_path: Path
) -> None:
    text = (
        "webhooks: [{{name: ops, url: '{url}', secret: '{secret}'}}]\n"
        "rules: [{{name: new-issue, when: {{emerging_issue: true}}, notify: [ops]}}]\n"
    )
    issue = {"id": 42, "key": "product_quality|X1", "observed": 9, "expected": 1.5,
             "window_start": "2026-11-09", "window_end": "2026-11-16"}  # fmt: skip
    with (
        WebhookReceiver(SECRET) as receiver,
        alerting_stack(db_url, analyzer, write_rules(tmp_path, receiver.url, text)) as stack,
    ):
        with session_scope(stack.sessions, write=True) as session:
            first = alert_on_emerging_issue(session, issue)
        with session_scope(stack.sessions, write=True) as session:
            again = alert_on_emerging_issue(session, issue)
        assert len(first) == 1 and again == []
        (got,) = receiver.wait_for(1, timeout_s=20)
        assert got.valid and got.body["alert_id"] == first[0] and got.body["issue"]["observed"] == 9.0
        assert got.body["severity"] == "high" and got.body["kind"] == "emerging_issue"


def test_rules_file_sync_creates_updates_and_disables_only_its_own_rules(
    db_url: str, analyzer: Analyzer, tmp_path: Path
) -> None:
    first = write_rules(tmp_path, "http://127.0.0.1:9/hook")
    with alerting_stack(db_url, analyzer, first, deliver=False) as stack:
        from complaint_radar.services.alerts.rulebook import create_rule

        with session_scope(stack.sessions, write=True) as session:
            create_rule(session, {"name": "mine", "when": {"risk_at_least": 90}}, frozenset())
        changed = tmp_path / "changed.yaml"
        changed.write_text(
            "rules:\n"
            "  - {name: regulator, when: {cue_any: [regulator_threat]}, cooldown_minutes: 5}\n"
            "  - {name: new-one, when: {risk_at_least: 70}}\n",
            encoding="utf-8",
        )
        with session_scope(stack.sessions, write=True) as session:
            report = sync_declared_rules(session, load_rules_file(changed))
            assert (report.created, report.updated, report.disabled) == (1, 1, 2)
            rules = {r.spec.name: r for r in list_rules(session)}
        assert rules["regulator"].spec.cooldown_minutes == 5 and rules["regulator"].origin == "file"
        assert not rules["about-to-complain"].spec.enabled and rules["mine"].spec.enabled
        assert rules["mine"].origin == "api"


def test_an_email_destination_sends_through_smtp(db_url: str, analyzer: Analyzer, tmp_path: Path) -> None:
    from smtp_sink import SmtpSink

    with SmtpSink() as sink:
        text = (
            f"smtp: {{host: 127.0.0.1, port: {sink.port}, sender: radar@example.com}}\n"
            "emails: [{name: sup, to: [sup@example.com]}]\n"
            "rules: [{name: r, when: {cue_any: [regulator_threat]}, notify: [sup]}]\n"
        )
        rules = tmp_path / "rules.yaml"
        rules.write_text(text, encoding="utf-8")
        with alerting_stack(db_url, analyzer, rules) as stack:
            stack.ingestor.ingest_messages([message("m1")])
            (mail,) = sink.wait_for(1, timeout_s=20)
            assert mail["To"] == "sup@example.com" and "regulator_threat" in mail.get_content()
            assert mail["X-Complaint-Radar-Alert-Id"] == str(stack.alerts()[0].id)
            assert {d.status for d in stack.settled()} == {"delivered"}


def test_the_receiver_rejects_a_forged_signature() -> None:
    assert not verify(
        SECRET, {"X-Complaint-Radar-Timestamp": "1", "X-Complaint-Radar-Signature": "x"}, b"{}", now=1
    )


def docs_verifier() -> Callable[[str, str, str, bytes], bool]:
    """The `verify` function of the Python example in docs/alerts.md, run as written."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text(encoding="utf-8")
    code = next(block for block in text.split("```python\n")[1:] if block.startswith("# verify_webhook.py"))
    namespace: dict[str, Any] = {}
    exec(code.split("```")[0], namespace)
    verify_fn: Callable[[str, str, str, bytes], bool] = namespace["verify"]
    return verify_fn


def test_the_documented_python_example_verifies_real_deliveries(
    db_url: str, analyzer: Analyzer, tmp_path: Path
) -> None:
    verify_doc = docs_verifier()
    with (
        WebhookReceiver(SECRET) as receiver,
        alerting_stack(db_url, analyzer, write_rules(tmp_path, receiver.url)) as stack,
    ):
        stack.ingestor.ingest_messages([message("m1")])
        got = receiver.wait_for(3, timeout_s=20)
    assert len(got) == 3
    for request in got:
        headers = {k.lower(): v for k, v in request.headers.items()}
        timestamp, sig = headers["x-complaint-radar-timestamp"], headers["x-complaint-radar-signature"]
        assert verify_doc(SECRET, timestamp, sig, request.raw)
        assert not verify_doc(SECRET, timestamp, sig, request.raw.replace(b'"c1"', b'"c2"'))
        assert not verify_doc("wrong", timestamp, sig, request.raw)
        assert not verify_doc(SECRET, str(int(timestamp) - 600), sig, request.raw)
