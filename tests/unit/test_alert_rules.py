"""Alert rules (pure): the rules file contract, clear errors, evaluation, keys, cool-down, signatures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from complaint_radar.alerts import (
    AlertConfig,
    AlertConfigError,
    AlertRuleSpec,
    CueEvidence,
    IssueSubject,
    ItemSubject,
    RuleKind,
    SlaSubject,
    evaluate,
    in_cooldown,
    parse_config,
    parse_rule,
    signature,
)
from complaint_radar.alerts.signing import verify
from complaint_radar.backoff import Backoff
from complaint_radar.types import Stage

T0 = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)

CONTRACT_YAML = """
webhooks:
  - {name: ops, url: "http://127.0.0.1:9000/hook", secret: "s3cret"}
rules:
  - {name: about-to-complain, when: {stage_at_least: potential_complaint}, notify: [ops],
     cooldown_minutes: 60}
  - {name: regulator, when: {cue_any: [regulator_threat, external_complaint_filed]}, notify: [ops]}
  - {name: risky-customer, when: {customer_risk_at_least: high}, notify: [ops]}
"""


def config(text: str) -> AlertConfig:
    return parse_config(yaml.safe_load(text), where="rules.yaml", env={})


def rule(when: dict[str, object], **extra: object) -> AlertRuleSpec:
    return parse_rule({"name": "r", "when": when, **extra}, where="test")


def message(**fields: object) -> ItemSubject:
    base: dict[str, object] = {
        "item_kind": "message",
        "item_id": "m1",
        "source": "chat",
        "at": T0,
        "customer_id": "c1",
        "channel": "chat",
        "stage": Stage.EXPLICIT_GRUMBLE,
        "risk_score": 40,
    }
    return ItemSubject(**{**base, **fields})  # type: ignore[arg-type]


def test_the_contract_rules_file_parses_into_three_rules_and_one_webhook() -> None:
    parsed = config(CONTRACT_YAML)
    assert [r.name for r in parsed.rules] == ["about-to-complain", "regulator", "risky-customer"]
    assert [r.kind for r in parsed.rules] == [RuleKind.MESSAGE, RuleKind.MESSAGE, RuleKind.CUSTOMER]
    assert parsed.rules[0].cooldown_minutes == 60 and parsed.rules[1].notify == ("ops",)
    assert parsed.rules[2].when.customer_risk_at_least == 60
    hook = parsed.webhooks[0]
    assert (hook.name, hook.url, hook.secret) == ("ops", "http://127.0.0.1:9000/hook", "s3cret")
    assert "s3cret" not in repr(hook)


def test_every_documented_condition_key_parses_and_round_trips() -> None:
    when = {
        "stage_at_least": "explicit_grumble",
        "risk_at_least": 70,
        "cue_any": ["media_threat"],
        "customer_risk_rise_at_least": 20,
        "channel": ["chat", "social_post"],
        "product": ["X1"],
        "team": ["east"],
    }
    parsed = rule(when, severity="critical", cooldown_minutes=5)
    again = rule(parsed.when.to_mapping())
    assert again.when == parsed.when
    assert rule({"sla": "breach", "team": "east"}).kind is RuleKind.SLA
    assert rule({"emerging_issue": True}).kind is RuleKind.EMERGING_ISSUE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules: [{name: x, when: {stage_at_least: angry}}]",
            "rules[0] (x): when.stage_at_least: 'angry' is not a stage",
        ),
        ("rules: [{name: x, when: {cue_any: [regulatr_threat]}}]", "unknown ['regulatr_threat']"),
        ("rules: [{name: x, when: {risk_over: 3}}]", "unknown key(s) risk_over"),
        (
            "rules: [{name: x, when: {stage_at_least: none}, notify: [pager]}]",
            "unknown destination(s) ['pager']",
        ),
        ("rules: [{name: x, when: {channel: [chat]}}]", "filters alone never fire"),
        ("rules: [{name: x, when: {sla: late}}]", "when.sla: unknown ['late']"),
        ("rules: [{name: x, when: {sla: breach, risk_at_least: 3}}]", "sla rules take only"),
        ("rules: [{name: x, when: {customer_risk_at_least: huge}}]", "neither a risk level"),
        ("rules: [{name: x, when: {}}]", "give at least one condition"),
        ("webhooks: [{name: a, url: 'ftp://x', secret: s}]", "url must start with http"),
        ("webhooks: [{name: a, url: 'http://x'}]", "needs a `secret`"),
        ("emails: [{name: a, to: [b@c.d]}]", "need an `smtp` server"),
        (
            "rules: [{name: x, when: {risk_at_least: 1}}, {name: x, when: {risk_at_least: 2}}]",
            "appears twice",
        ),
        ("rules: {name: x}", "`rules` must be a list"),
    ],
)
def test_a_malformed_rules_file_says_where_and_what(text: str, expected: str) -> None:
    with pytest.raises(AlertConfigError) as error:
        config(text)
    assert expected in str(error.value) and "rules.yaml" in str(error.value)


def test_a_secret_can_come_from_the_environment() -> None:
    data = yaml.safe_load("webhooks: [{name: a, url: 'http://x', secret_env: HOOK_SECRET}]")
    assert parse_config(data, where="f", env={"HOOK_SECRET": "abc"}).webhooks[0].secret == "abc"
    with pytest.raises(AlertConfigError, match=r"\$HOOK_SECRET, which is not set"):
        parse_config(data, where="f", env={})


def test_stage_rule_fires_at_or_above_its_stage_with_the_cues_as_evidence() -> None:
    about = rule({"stage_at_least": "potential_complaint"})
    cue = CueEvidence("regulator_threat", 10, 14, "去消协")
    assert evaluate(about, message()) is None
    firing = evaluate(about, message(stage=Stage.FORMAL_COMPLAINT, risk_score=85, cues=(cue,)))
    assert firing is not None
    assert firing.severity == "critical" and firing.dedup_key == "item:message:chat:m1"
    assert firing.cooldown_key == "customer:c1"
    assert firing.evidence == (
        {"kind": "cue", "code": "regulator_threat", "start": 10, "end": 14, "text": "去消协"},
    )


def test_cue_rule_needs_one_of_its_cues_and_keeps_only_those_as_evidence() -> None:
    regulator = rule({"cue_any": ["regulator_threat", "external_complaint_filed"]})
    wait = CueEvidence("long_wait", 0, 3, "三天了")
    threat = CueEvidence("regulator_threat", 10, 14, "去消协")
    assert evaluate(regulator, message(cues=(wait,))) is None
    firing = evaluate(regulator, message(cues=(wait, threat)))
    assert firing is not None and [e["code"] for e in firing.evidence] == ["regulator_threat"]


def test_filters_narrow_a_rule_by_channel_product_and_team() -> None:
    narrow = rule({"risk_at_least": 30, "channel": ["social_post"], "product": ["X1"], "team": ["east"]})
    assert evaluate(narrow, message(channel="chat", product="X1", team="east")) is None
    assert evaluate(narrow, message(channel="social_post", product="X2", team="east")) is None
    assert evaluate(narrow, message(channel="social_post", product="X1", team=None)) is None
    assert evaluate(narrow, message(channel="social_post", product="X1", team="east")) is not None


def test_customer_risk_rule_fires_when_the_level_is_crossed_from_below_only() -> None:
    risky = rule({"customer_risk_at_least": "high"})
    assert evaluate(risky, message(customer_risk_score=55, customer_risk_before=20)) is None
    crossed = evaluate(risky, message(customer_risk_score=65, customer_risk_before=55))
    assert crossed is not None and "crossing high" in crossed.reasons[0]
    assert evaluate(risky, message(customer_risk_score=70, customer_risk_before=65)) is None
    assert evaluate(risky, message(customer_risk_score=70, customer_risk_before=None)) is not None
    event = message(
        item_kind="event", stage=None, risk_score=None, customer_risk_score=62, customer_risk_before=10
    )
    assert evaluate(risky, event) is not None  # a behaviour event can push a customer over the line


def test_rise_rule_compares_with_the_lowest_score_of_the_day() -> None:
    rising = rule({"customer_risk_rise_at_least": 25})
    assert evaluate(rising, message(customer_risk_score=50, customer_risk_low_24h=30)) is None
    firing = evaluate(rising, message(customer_risk_score=56, customer_risk_low_24h=30))
    assert firing is not None and "rose 26 points" in firing.reasons[0]
    assert evaluate(rising, message(customer_risk_score=30, customer_risk_low_24h=None)) is not None


def test_sla_rule_fires_on_its_marks_with_the_case_as_subject() -> None:
    breach = rule({"sla": ["breach"], "team": ["east"]})
    mark = SlaSubject("case1", "CR-2026-000001", "breach", "acknowledge", 0, T0, "high", "c1", "east", "chat")
    firing = evaluate(breach, mark)
    assert firing is not None and firing.severity == "critical"
    assert firing.dedup_key == "sla:case1:acknowledge:breach:0" and firing.cooldown_key == "customer:c1"
    assert evaluate(breach, SlaSubject("case1", "CR-1", "warning", "acknowledge", 0, T0, "high")) is None
    assert evaluate(rule({"stage_at_least": "none"}), mark) is None


def test_issue_rule_fires_on_a_plain_issue_mapping() -> None:
    record = {"id": 7, "key": "product_quality×X1", "observed": 12, "expected": 2.5,
              "window_start": "2026-11-09", "window_end": "2026-11-16"}  # fmt: skip
    firing = evaluate(rule({"emerging_issue": True}), IssueSubject.from_mapping(record))
    assert (
        firing is not None
        and firing.dedup_key == "issue:7"
        and firing.cooldown_key == "issue:product_quality×X1"
    )
    assert firing.evidence[0]["observed"] == 12.0
    with pytest.raises(ValueError, match="lacks key"):
        IssueSubject.from_mapping({"id": 1})


def test_a_very_long_subject_id_gives_a_bounded_key() -> None:
    firing = evaluate(rule({"risk_at_least": 0}), message(item_id="x" * 300))
    assert firing is not None and len(firing.dedup_key) <= 256 and firing.dedup_key.startswith("item:sha256:")


def test_a_disabled_rule_never_fires() -> None:
    assert evaluate(rule({"risk_at_least": 0}, enabled=False), message()) is None


def test_cooldown_holds_for_its_minutes_after_the_last_firing() -> None:
    assert not in_cooldown(None, T0, 60)
    assert in_cooldown(T0, T0 + timedelta(minutes=59), 60)
    assert not in_cooldown(T0, T0 + timedelta(minutes=60), 60)
    assert not in_cooldown(T0, T0, 0)


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # Reference: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
    computed = signature("s3cret", 1_700_000_000, b'{"a":1}')
    assert computed == "sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
    headers = {"x-complaint-radar-timestamp": "1700000000", "X-Complaint-Radar-Signature": computed}
    assert verify("s3cret", headers, b'{"a":1}', now=1_700_000_100)
    assert not verify("s3cret", headers, b'{"a":2}', now=1_700_000_100)
    assert not verify("other", headers, b'{"a":1}', now=1_700_000_100)
    assert not verify("s3cret", headers, b'{"a":1}', now=1_700_001_000)  # a replay ten minutes later


def test_backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half() -> None:
    backoff = Backoff(1.0, 8.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = [backoff.delay(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 10  # it is random
