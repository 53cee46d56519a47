"""The alert engine: fires the stored rules on new items, SLA marks and emerging issues, in the caller's
transaction, and queues each alert's deliveries in the same transaction (the outbox).

Because alerts and deliveries commit with the batch that caused them, a worker killed mid-batch and
restarted fires each alert once: the redelivered entries are duplicates, which fire nothing. A
firing within its rule's cool-down for the same customer adds to the earlier alert's `repeats`
instead of paging again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, event, func, insert, select, update
from sqlalchemy.orm import Session

from complaint_radar.alerts import (
    AlertRuleSpec,
    CueEvidence,
    Firing,
    IssueSubject,
    ItemSubject,
    RuleKind,
    SlaSubject,
    Subject,
    evaluate,
    in_cooldown,
)
from complaint_radar.cases import CaseUpdate, SlaState
from complaint_radar.errors import InputError
from complaint_radar.services.alerts.payload import alert_payload
from complaint_radar.services.alerts.rulebook import spec_of
from complaint_radar.services.intake.outcomes import BatchFinish, BatchResult, ItemOutcome
from complaint_radar.store import (
    Alert,
    AlertDelivery,
    RiskProfileSnapshot,
    enabled_alert_rules,
    record_alerts,
)

log = logging.getLogger(__name__)

DAY = timedelta(days=1)
_MARKS = {SlaState.WARNING: "warning", SlaState.BREACHED: "breach"}
_CUSTOMER_KEYS = (RuleKind.MESSAGE, RuleKind.CUSTOMER)
_ALERTS: Table = Alert.metadata.tables[Alert.__tablename__]
_DELIVERIES: Table = AlertDelivery.metadata.tables[AlertDelivery.__tablename__]


class AlertEngine:
    """Evaluates the enabled rules of the store; `on_committed` is called after a transaction that
    queued deliveries commits (the in-process delivery loop wakes at once instead of polling)."""

    def __init__(self, *, on_committed: Callable[[], None] | None = None) -> None:
        self.on_committed = on_committed
        self._specs: dict[tuple[int, datetime], AlertRuleSpec] = {}

    def start_batch(self, session: Session, customers: frozenset[str], earliest: datetime) -> BatchFinish:
        """The ingestion hook: load the batch customers' recent risk (under the batch's lock), then fire
        on every new item once the batch is processed."""
        rules = [r for r in self.rules(session) if r[1].kind in _CUSTOMER_KEYS]
        if not rules:
            return _nothing
        needs_history = any(
            spec.when.customer_risk_at_least is not None or spec.when.customer_risk_rise_at_least is not None
            for _, spec in rules
        )
        history = _RiskHistory.load(session, customers, earliest - DAY) if needs_history else _RiskHistory()

        def finish(result: BatchResult) -> None:
            occurrences = []
            for outcome in result.items:
                occurrences.append((_item_subject(outcome, history), outcome.now, outcome.pk))
                if outcome.profile is not None and outcome.customer_id is not None:
                    history.add(outcome.customer_id, outcome.now, outcome.profile.risk_score)
            self.fire(session, occurrences, rules)

        return finish

    def on_sla(self, session: Session, updates: Sequence[CaseUpdate], now: datetime) -> None:
        """The SLA sweep's hook: fire on the warnings and breaches it recorded now."""
        subjects: list[tuple[Subject, datetime, int | None]] = []
        for case_update in updates:
            case = case_update.case
            for mark in case.sla_marks:
                if mark.at != now or mark.state not in _MARKS:
                    continue
                subject = SlaSubject(
                    case_id=case.id,
                    case_number=case.number,
                    mark=_MARKS[mark.state],
                    milestone=mark.milestone.value,
                    cycle=mark.cycle,
                    at=now,
                    severity=case.severity.value,
                    customer_id=case.customer_id,
                    team=case.team,
                    channel=case.channel,
                )
                subjects.append((subject, now, None))
        if subjects:
            self.fire(session, subjects)

    def rules(self, session: Session) -> list[tuple[int, AlertRuleSpec]]:
        """The enabled rules with their ids (parsed once per version of a row; only the versions
        enabled now are kept, so editing rules for months does not grow the process)."""
        known = self._specs
        current: dict[tuple[int, datetime], AlertRuleSpec] = {}
        for row in enabled_alert_rules(session):
            key = (row.id, row.updated_at)
            current[key] = known.get(key) or spec_of(row)
        self._specs = current
        return [(rule_id, spec) for (rule_id, _), spec in current.items()]

    def fire(
        self,
        session: Session,
        occurrences: Iterable[tuple[Subject, datetime, int | None]],
        rules: Sequence[tuple[int, AlertRuleSpec]] | None = None,
    ) -> list[int]:
        """Store an alert (and its deliveries) for every rule that fires on each (subject, time, message
        row id), outside its cool-down; returns the new alerts' ids. A few statements per call, however
        many fire: the cool-downs are read, and alerts, deliveries and repeats written, in bulk."""
        rules = self.rules(session) if rules is None else rules
        fired = [
            _Fired(rule_id, firing, subject, now, message_pk)
            for subject, now, message_pk in occurrences
            for rule_id, spec in rules
            if (firing := evaluate(spec, subject)) is not None
        ]
        if not fired:
            return []
        cooling = {f.key for f in fired if f.firing.rule.cooldown_minutes > 0}
        last: dict[tuple[int, str], tuple[int | _Fired, datetime]] = dict(_last_alerts(session, cooling))
        chosen: list[_Fired] = []
        repeats: Counter[int] = Counter()
        for f in fired:
            previous = last.get(f.key)
            if previous is not None and in_cooldown(previous[1], f.now, f.firing.rule.cooldown_minutes):
                if isinstance(previous[0], _Fired):
                    previous[0].repeats += 1
                else:
                    repeats[previous[0]] += 1
                continue
            chosen.append(f)
            last[f.key] = (f, f.now)
        created = self._store(session, chosen)
        if repeats:
            session.execute(
                update(_ALERTS)
                .where(_ALERTS.c.id == bindparam("alert"))
                .values(repeats=_ALERTS.c.repeats + bindparam("more")),
                [{"alert": alert_id, "more": n} for alert_id, n in repeats.items()],
            )
        if created and self.on_committed is not None:
            event.listen(session, "after_commit", lambda _session: self._committed(), once=True)
        return created

    def _store(self, session: Session, chosen: Sequence[_Fired]) -> list[int]:
        if not chosen:
            return []
        stored = record_alerts(session, [f.row() for f in chosen])
        due = datetime.now(UTC)  # deliveries run on the wall clock, whatever clock fired the alert
        deliveries = []
        created = []
        for f in chosen:
            alert_id = stored.get((f.rule_id, f.firing.dedup_key))
            if alert_id is None:  # this rule already fired on this subject
                continue
            created.append(alert_id)
            log.info(
                "alert %d: rule %s fired (%s)", alert_id, f.firing.rule.name, "; ".join(f.firing.reasons)
            )
            deliveries += [
                {"alert_id": alert_id, "destination": name, "status": "pending", "attempts": 0,
                 "next_attempt_at": due, "created_at": due}
                for name in dict.fromkeys(f.firing.rule.notify)
            ]  # fmt: skip
        if deliveries:
            session.execute(insert(_DELIVERIES), deliveries)
        return created

    def _committed(self) -> None:
        if self.on_committed is not None:
            self.on_committed()


@dataclass(eq=False)
class _Fired:
    """A firing waiting to be stored (or counted as a repeat of an earlier one)."""

    rule_id: int
    firing: Firing
    subject: Subject
    now: datetime
    message_pk: int | None
    repeats: int = 0

    @property
    def key(self) -> tuple[int, str]:
        return (self.rule_id, self.firing.cooldown_key)

    def row(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "dedup_key": self.firing.dedup_key,
            "cooldown_key": self.firing.cooldown_key,
            "fired_at": self.now,
            "severity": self.firing.severity,
            "status": "open",
            "customer_id": getattr(self.subject, "customer_id", None),
            "case_id": getattr(self.subject, "case_id", None),
            "message_id": self.message_pk,
            "payload": alert_payload(self.firing, self.subject, self.now),
            "repeats": self.repeats,
        }


def alert_on_emerging_issue(
    session: Session,
    issue_record: Mapping[str, Any],
    *,
    now: datetime | None = None,
    engine: AlertEngine | None = None,
) -> list[int]:
    """Fire the `emerging_issue` rules on an issue (a plain mapping: `id, key, observed, expected,
    window_start, window_end`); returns the new alerts' ids (none when it fired before, or cools down)."""
    try:
        subject = IssueSubject.from_mapping(issue_record)
    except (TypeError, ValueError) as exc:
        raise InputError(f"emerging issue record is malformed: {exc}") from exc
    return (engine or AlertEngine()).fire(session, [(subject, now or datetime.now(UTC), None)])


def _nothing(_result: BatchResult) -> None:
    return None


def _last_alerts(
    session: Session, keys: set[tuple[int, str]]
) -> dict[tuple[int, str], tuple[int | _Fired, datetime]]:
    """The latest alert (id, fired_at) of each (rule, cool-down key), in one query per 500 keys."""
    found: dict[tuple[int, str], tuple[int | _Fired, datetime]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        part = ordered[start : start + 500]
        ranked = (
            select(
                Alert.id,
                Alert.rule_id,
                Alert.cooldown_key,
                Alert.fired_at,
                func.row_number()
                .over(
                    partition_by=(Alert.rule_id, Alert.cooldown_key),
                    order_by=(Alert.fired_at.desc(), Alert.id.desc()),
                )
                .label("rank"),
            )
            .where(Alert.rule_id.in_({r for r, _ in part}), Alert.cooldown_key.in_({k for _, k in part}))
            .subquery()
        )
        latest = select(ranked.c.id, ranked.c.rule_id, ranked.c.cooldown_key, ranked.c.fired_at).where(
            ranked.c.rank == 1
        )
        for alert_id, rule_id, cooldown_key, fired_at in session.execute(latest):
            if (rule_id, cooldown_key) in keys:
                found[(rule_id, cooldown_key)] = (alert_id, fired_at)
    return found


def _item_subject(outcome: ItemOutcome, history: _RiskHistory) -> ItemSubject:
    assessment, profile = outcome.assessment, outcome.profile
    before = low = None
    if outcome.customer_id is not None:
        before, low = history.observe(outcome.customer_id, outcome.now)
    scored = assessment is not None and assessment.valid
    where = {**outcome.attributes, **outcome.dimensions}  # dimension columns win over attribute keys
    return ItemSubject(
        item_kind=outcome.kind.value,
        item_id=outcome.item_id,
        source=outcome.source,
        at=outcome.at,
        customer_id=outcome.customer_id,
        channel=outcome.channel,
        product=_text(where.get("product")),
        team=outcome.case_team or _text(where.get("team")),
        stage=assessment.stage if scored and assessment else None,
        risk_score=assessment.risk_score if scored and assessment else None,
        cues=tuple(CueEvidence(c.code.value, c.start, c.end, c.text) for c in assessment.cues if c.counts)
        if scored and assessment
        else (),
        customer_risk_score=None if profile is None else profile.risk_score,
        customer_risk_before=before,
        customer_risk_low_24h=low,
        customer_signals=()
        if profile is None
        else tuple((r.code, r.contribution) for r in profile.reasons[:3]),
        case_id=outcome.case_id,
        case_number=outcome.case_number,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class _RiskHistory:
    """Customers' stored risk scores over the last day (and the last one before it), grown as the batch
    goes, so each item sees the score before it and the day's lowest."""

    def __init__(self) -> None:
        self.points: dict[str, list[tuple[datetime, int]]] = {}

    @classmethod
    def load(cls, session: Session, customers: Iterable[str], since: datetime) -> _RiskHistory:
        history = cls()
        ids = sorted(set(customers))
        if not ids:
            return history
        snapshots = RiskProfileSnapshot
        ranked = (
            select(
                snapshots.customer_id,
                snapshots.computed_at,
                snapshots.risk_score,
                func.row_number()
                .over(
                    partition_by=snapshots.customer_id,
                    order_by=(snapshots.computed_at.desc(), snapshots.id.desc()),
                )
                .label("rank"),
            )
            .where(snapshots.customer_id.in_(ids), snapshots.computed_at < since)
            .subquery()
        )
        latest_before = select(ranked.c.customer_id, ranked.c.computed_at, ranked.c.risk_score).where(
            ranked.c.rank == 1
        )
        recent = (
            select(snapshots.customer_id, snapshots.computed_at, snapshots.risk_score)
            .where(snapshots.customer_id.in_(ids), snapshots.computed_at >= since)
            .order_by(snapshots.computed_at, snapshots.id)
        )
        for statement in (latest_before, recent):
            for customer, at, score in session.execute(statement):
                history.add(customer, at, score)
        return history

    def add(self, customer: str, at: datetime, score: int) -> None:
        self.points.setdefault(customer, []).append((at, score))

    def observe(self, customer: str, now: datetime) -> tuple[int | None, int | None]:
        """(the last score before `now`, the lowest score in the 24 hours before `now`)."""
        points = [p for p in self.points.get(customer, ()) if p[0] <= now]
        if not points:
            return None, None
        start = now - DAY
        earlier = [score for at, score in points if at < start]
        window = [score for at, score in points if at >= start]
        baseline = window + earlier[-1:]
        return points[-1][1], min(baseline)
