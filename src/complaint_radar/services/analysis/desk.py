"""The analysis service the CLI, the API and the dashboard call: one unit of work per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from complaint_radar.analysis.calendar import Granularity, auto_granularity
from complaint_radar.analysis.pareto import Weighting
from complaint_radar.errors import InputError
from complaint_radar.services.analysis import actions, issues, metrics, outreach
from complaint_radar.services.analysis.cube import StoreCube
from complaint_radar.services.analysis.filters import Scope, parse_day
from complaint_radar.services.analysis.operations import operations_section
from complaint_radar.services.analysis.report import (
    build_report,
    calendar_of,
    complaint_cause_counts,
    pareto_section,
    volumes_section,
)
from complaint_radar.services.analysis.surveys import satisfaction_section, servqual_section
from complaint_radar.services.runtime import Clock, SessionFactory, system_clock, unit_of_work
from complaint_radar.settings import Settings, get_settings
from complaint_radar.store.analysis_rows import local_day


@dataclass
class AnalysisDesk:
    """Reports, trends, Pareto, issues, actions, surveys, outreach and metrics over one database."""

    sessions: SessionFactory
    settings: Settings = field(default_factory=get_settings)
    clock: Clock = system_clock

    def today(self) -> date:
        return local_day(self.clock())

    def report(
        self,
        scope: Scope,
        *,
        as_of: date | None = None,
        by: str = "cause",
        weighting: Weighting = Weighting.COUNT,
        granularity: Granularity | None = None,
        denominator: str = actions.DEFAULT_DENOMINATOR,
        detect: bool = True,
    ) -> dict[str, Any]:
        """The report of `scope`; with `detect`, emerging issues are first re-detected as of `as_of`."""
        as_of = parse_day(as_of or scope.end, "as_of")
        if detect:
            self.detect_issues(as_of)
        with unit_of_work(self.sessions) as session:
            return build_report(
                StoreCube(session),
                session,
                scope,
                as_of=as_of,
                by=by,
                weighting=weighting,
                granularity=granularity,
                denominator=denominator,
                settings=self.settings,
            )

    def detect_issues(self, as_of: date | None = None, since: date | None = None) -> issues.DetectionRun:
        """Detect as of `as_of` (default today) and store; with `since`, as of every day from `since`
        on, in order, as a daily schedule would have (a growing issue is updated, not duplicated)."""
        as_of = parse_day(as_of or self.today(), "as_of")
        first = parse_day(since or as_of, "since")
        if first > as_of or (as_of - first).days > 366:
            raise InputError(
                f"--since {first} must be on or before --as-of {as_of} and at most a year earlier"
            )
        days = [first + timedelta(days=i) for i in range((as_of - first).days + 1)]
        with unit_of_work(self.sessions) as session:
            found = issues.detect_over(StoreCube(session), days)
            runs = [issues.store_detections(session, found[day], day) for day in days]
        opened = [i for run in runs for i in run.opened]
        updated = sorted({i for run in runs for i in run.updated} - set(opened))
        return issues.DetectionRun(as_of, len(runs[-1].opened) + len(runs[-1].updated), opened, updated)

    def trends(self, scope: Scope, granularity: Granularity | None, denominator: str) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            return volumes_section(
                StoreCube(session),
                session,
                scope,
                granularity or auto_granularity(scope.days),
                calendar_of(self.settings),
                denominator,
            )

    def pareto(self, scope: Scope, by: str, weighting: Weighting) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            return pareto_section(StoreCube(session), scope, by, weighting)

    def operations(self, scope: Scope, as_of: date | None, denominator: str) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            cube = StoreCube(session)
            stages = cube.message_counts(scope, ["stage"])
            complaints = (
                int(
                    stages.loc[
                        stages["stage"].isin(("potential_complaint", "formal_complaint")), "messages"
                    ].sum()
                )
                if not stages.empty
                else 0
            )
            exposure_frame = metrics.metric_frame(session, denominator, scope)
            exposure = None if exposure_frame.empty else float(exposure_frame["value"].sum())
            return operations_section(
                session,
                scope,
                parse_day(as_of or scope.end, "as_of"),
                complaints=complaints,
                exposure=exposure,
                settings=self.settings,
            )

    def satisfaction(self, scope: Scope, granularity: Granularity | None) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            return satisfaction_section(session, scope, granularity or auto_granularity(scope.days))

    def servqual(self, scope: Scope) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            return servqual_section(session, scope, complaint_cause_counts(StoreCube(session), scope))

    def outreach(
        self, *, rising_only: bool = True, limit: int = 50, offset: int = 0, now: datetime | None = None
    ) -> list[dict[str, Any]]:
        with unit_of_work(self.sessions) as session:
            return outreach.outreach_queue(
                session,
                now or self.clock(),
                contact_days=self.settings.outreach_contact_days,
                rising_only=rising_only,
                limit=limit,
                offset=offset,
            )

    # Issues

    def list_issues(
        self,
        *,
        status: tuple[str, ...] = (),
        since: date | None = None,
        until: date | None = None,
        filters: dict[str, tuple[str, ...]] | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        with unit_of_work(self.sessions) as session:
            rows = issues.list_issues(
                session, status=status, since=since, until=until, filters=filters, limit=limit, offset=offset
            )
            return [issues.issue_dict(r, StoreCube(session)) for r in rows]

    def issue(self, issue_id: int) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            row = issues.get_issue(session, issue_id)
            return {
                **issues.issue_dict(row, StoreCube(session), examples=10),
                "root_causes": issues.root_causes(session, issue_id),
                "history": issues.issue_history(session, issue_id),
                "actions": [
                    {"id": a.id, "title": a.title, "status": a.status}
                    for a in actions.list_actions(session, limit=1000)
                    if a.issue_id == issue_id
                ],
            }

    def set_issue_status(
        self, issue_id: int, status: str, *, actor: str, role: str | None, reason: str | None = None
    ) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            issues.set_status(session, issue_id, status, actor=actor, role=role, reason=reason)
        return self.issue(issue_id)

    def add_root_cause(
        self, issue_id: int, kind: str, record: dict[str, Any], *, author: str, role: str | None
    ) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            return issues.root_cause_dict(
                issues.add_root_cause(session, issue_id, kind, record, author=author, role=role)
            )

    # Improvement actions

    def create_action(self, fields: dict[str, Any], *, actor: str, role: str | None) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            action_id = actions.create_action(session, fields, actor=actor, role=role).id
        return self.action(action_id)

    def action(self, action_id: int, as_of: date | None = None) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            row = actions.get_action(session, action_id)
            others = actions.list_actions(session, limit=10_000)
            day = parse_day(as_of or self.today(), "as_of")
            return actions.action_report(session, StoreCube(session), row, day, others)

    def list_actions(
        self, *, as_of: date | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        day = parse_day(as_of or self.today(), "as_of")
        with unit_of_work(self.sessions) as session:
            rows = actions.list_actions(session, limit=limit, offset=offset)
            others = actions.list_actions(session, limit=10_000)
            return [actions.action_report(session, StoreCube(session), r, day, others) for r in rows]

    def set_action_status(
        self, action_id: int, status: str, *, actor: str, role: str | None
    ) -> dict[str, Any]:
        with unit_of_work(self.sessions) as session:
            actions.set_action_status(session, action_id, status, actor=actor, role=role)
        return self.action(action_id)

    # Metrics

    def ingest_metrics(self, rows: list[dict[str, Any]]) -> tuple[int, list[Any]]:
        return metrics.ingest_metric_rows(self.sessions, rows, first_line=0)

    def list_metrics(
        self, scope: Scope, metric: str | None, *, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        with unit_of_work(self.sessions) as session:
            return metrics.list_metrics(session, scope, metric, limit=limit, offset=offset)
