"""The analysis report (docs/report.md, version 1): one dict that the JSON, HTML and XLSX formats render.

Message-derived sections come from a `CubeSource` (the store via SQL, or a Parquet export via DuckDB);
issues, actions, cases, surveys and metrics from the store session. Numbers that cannot be computed are
null, never 0.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from complaint_radar.analysis.calendar import Granularity, PeakCalendar, auto_granularity, load_calendar
from complaint_radar.analysis.codes import code_labels
from complaint_radar.analysis.pareto import Weighting, pareto_rows
from complaint_radar.analysis.volumes import COMPLAINT_STAGES, MOVING_DAYS, volume_series, volume_totals
from complaint_radar.services.analysis.actions import DEFAULT_DENOMINATOR, action_report, list_actions
from complaint_radar.services.analysis.cube import CubeSource, RememberingCube
from complaint_radar.services.analysis.filters import Scope, check_grouping
from complaint_radar.services.analysis.issues import issue_dict, list_issues
from complaint_radar.services.analysis.metrics import metric_frame
from complaint_radar.services.analysis.operations import operations_section
from complaint_radar.services.analysis.surveys import satisfaction_section, servqual_section
from complaint_radar.settings import Settings

REPORT_VERSION = 1
REPORT_KEYS = (
    "period",
    "volumes",
    "pareto",
    "emerging_issues",
    "actions",
    "satisfaction",
    "servqual",
    "operations",
)
_LABEL_KINDS = {"cause": "cause", "stage": "stage"}


def calendar_of(settings: Settings) -> PeakCalendar:
    return load_calendar(settings.analysis_calendar_file)


def period_section(
    scope: Scope, as_of: date, granularity: Granularity, calendar: PeakCalendar
) -> dict[str, Any]:
    return {
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "as_of": as_of.isoformat(),
        "granularity": granularity.value,
        "filters": scope.plain_filters(),
        "peaks": [p.to_dict() for p in calendar.peaks_between(scope.start, scope.end)],
    }


def volumes_section(
    cube: CubeSource,
    session: Session | None,
    scope: Scope,
    granularity: Granularity,
    calendar: PeakCalendar,
    denominator: str,
) -> dict[str, Any]:
    history = scope.shifted(scope.start - timedelta(days=MOVING_DAYS - 1), scope.end)
    daily = cube.message_counts(history, ["day", "channel", "stage"])
    denominators = metric_frame(session, denominator, scope) if session is not None else pd.DataFrame()
    has_denominator = not denominators.empty
    return {
        "granularity": granularity.value,
        "denominator": {"metric": denominator, "source": "metrics"} if has_denominator else None,
        "series": volume_series(
            daily,
            scope.start,
            scope.end,
            granularity,
            denominators=denominators if has_denominator else None,
            calendar=calendar,
        ),
        "totals": volume_totals(daily, scope.start, scope.end),
    }


def pareto_section(cube: CubeSource, scope: Scope, by: str, weighting: Weighting) -> dict[str, Any]:
    """Dissatisfied messages (stage above none) ranked by `by`; by cause, each message × cause counts."""
    check_grouping(by)
    if by == "cause":
        counts = cube.cause_counts(scope, ["cause", "stage"])
    else:
        counts = cube.message_counts(scope, [by, "stage"])
    if not counts.empty:
        counts = counts[counts["stage"] != "none"]
        counts = counts.assign(key=counts[by].fillna("(none)").astype(str), count=counts["messages"])
    rows = pareto_rows(
        counts if not counts.empty else pd.DataFrame({"key": [], "count": [], "weighted": []}), weighting
    )
    kind = _LABEL_KINDS.get(by)
    if kind:
        rows = [{**r, **code_labels(kind, r["key"])} for r in rows]
    return {"by": by, "weighting": weighting.value, "population": "dissatisfied", "rows": rows}


def complaint_cause_counts(cube: CubeSource, scope: Scope) -> dict[str, float]:
    counts = cube.cause_counts(scope, ["cause", "stage"])
    if counts.empty:
        return {}
    complaints = counts[counts["stage"].isin(COMPLAINT_STAGES)]
    return {str(k): float(v) for k, v in complaints.groupby("cause")["messages"].sum().items()}


def build_report(
    cube: CubeSource,
    session: Session | None,
    scope: Scope,
    *,
    as_of: date | None = None,
    by: str = "cause",
    weighting: Weighting = Weighting.COUNT,
    granularity: Granularity | None = None,
    denominator: str = DEFAULT_DENOMINATOR,
    settings: Settings,
    detected: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The whole report. `session` None (a Parquet source without a database): store-only sections empty.

    `detected`: emerging issues computed on the fly (a Parquet source); otherwise the stored issues
    whose window overlaps the period (dismissed ones left out) are listed.
    """
    as_of = as_of or scope.end
    granularity = granularity or auto_granularity(scope.days)
    cube = RememberingCube(cube)
    calendar = calendar_of(settings)
    volumes = volumes_section(cube, session, scope, granularity, calendar, denominator)
    exposure_frame = metric_frame(session, denominator, scope) if session is not None else pd.DataFrame()
    exposure = None if exposure_frame.empty else float(exposure_frame["value"].sum())
    complaints = int(volumes["totals"]["complaints"])
    report: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "period": period_section(scope, as_of, granularity, calendar),
        "volumes": volumes,
        "pareto": pareto_section(cube, scope, by, weighting),
    }
    if detected is not None:
        report["emerging_issues"] = detected
    elif session is not None:
        rows = list_issues(
            session,
            status=("new", "investigating", "actioned"),
            since=scope.start,
            until=as_of,
            filters=scope.filters,
            limit=200,
        )
        report["emerging_issues"] = [issue_dict(r, cube) for r in rows]
    else:
        report["emerging_issues"] = []
    if session is None:
        report.update(actions=[], satisfaction=None, servqual=None, operations=None)
        return report
    actions = list_actions(session, since=scope.start, until=scope.end, limit=500)
    report["actions"] = [action_report(session, cube, a, as_of, actions, denominator) for a in actions]
    report["satisfaction"] = satisfaction_section(session, scope, granularity)
    report["servqual"] = servqual_section(session, scope, complaint_cause_counts(cube, scope))
    report["operations"] = operations_section(
        session, scope, as_of, complaints=complaints, exposure=exposure, settings=settings
    )
    return report
