"""Analysis commands: `report`, `issues detect|list|status`, `actions create|list|evaluate`, `export`."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from complaint_radar.cli.ingest import DatabaseUrl, _open

if TYPE_CHECKING:
    from complaint_radar.services.analysis.filters import Scope

console = Console()
err = Console(stderr=True)

issues_app = typer.Typer(
    name="issues", help="Emerging issues (SPEC.md §7.5): detect, list, change status.", no_args_is_help=True
)
actions_app = typer.Typer(
    name="actions",
    help="Improvement actions (SPEC.md §7.9) and their before/after evaluation.",
    no_args_is_help=True,
)


class ReportFormat(StrEnum):
    JSON = "json"
    HTML = "html"
    XLSX = "xlsx"


Values = Annotated[
    list[str] | None, typer.Option(help="Keep only these values (repeat the option for several).")
]


def _scope(start: str, end: str, **filters: list[str] | None) -> Scope:
    from complaint_radar.services.analysis.filters import make_scope

    return make_scope(start, end, {k.rstrip("_"): v for k, v in filters.items() if v})


def report(
    start: Annotated[
        str, typer.Option("--from", help="First day, YYYY-MM-DD (local days, analysis_timezone).")
    ],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (included).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the report.")],
    format_: Annotated[
        ReportFormat, typer.Option("--format", help="json, html (one self-contained page) or xlsx.")
    ] = ReportFormat.JSON,
    as_of: Annotated[
        str | None,
        typer.Option(help="Day the report is as of (emerging issues, pending actions); default --to."),
    ] = None,
    by: Annotated[
        str, typer.Option(help="Pareto by cause, product, branch, region, agent_id, team, channel, segment …")
    ] = "cause",
    weighted: Annotated[
        bool, typer.Option("--weighted", help="Pareto by severity-weighted count (4/3/2/1).")
    ] = False,
    granularity: Annotated[
        str | None, typer.Option(help="day, week or month (default: by the period's length).")
    ] = None,
    denominator: Annotated[str, typer.Option(help="Metric that rates are per 1,000 of.")] = "orders",
    source: Annotated[
        str, typer.Option(help="db (the store) or parquet:DIR (an `export --parquet` directory, via DuckDB).")
    ] = "db",
    channel: Values = None,
    stage: Values = None,
    risk_level: Values = None,
    cause: Values = None,
    product: Values = None,
    sku: Values = None,
    branch: Values = None,
    region: Values = None,
    team: Values = None,
    agent_id: Values = None,
    segment: Values = None,
    new_or_returning: Values = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write the complaint analysis report: volumes and rates, Pareto, emerging issues, actions, satisfaction,
    SERVQUAL and operations (docs/report.md). Emerging issues are re-detected as of --as-of first."""
    from complaint_radar.analysis.calendar import Granularity
    from complaint_radar.analysis.pareto import Weighting
    from complaint_radar.errors import InputError
    from complaint_radar.services.analysis.filters import check_grouping, parse_day

    scope = _scope(
        start,
        end,
        channel=channel,
        stage=stage,
        risk_level=risk_level,
        cause=cause,
        product=product,
        sku=sku,
        branch=branch,
        region=region,
        team=team,
        agent_id=agent_id,
        segment=segment,
        new_or_returning=new_or_returning,
    )
    check_grouping(by)
    day = parse_day(as_of, "--as-of") if as_of else None
    try:
        grain = Granularity(granularity) if granularity else None
    except ValueError:
        raise InputError(f"--granularity {granularity!r} is not day, week or month") from None
    if not output.parent.exists():
        raise InputError(f"the folder of --output {output} does not exist; create it first")
    weighting = Weighting.SEVERITY if weighted else Weighting.COUNT
    if source.startswith("parquet:"):
        from complaint_radar.services.analysis.parquet import parquet_report
        from complaint_radar.settings import get_settings

        result = parquet_report(
            Path(source.removeprefix("parquet:")),
            scope,
            as_of=day,
            by=by,
            weighting=weighting,
            granularity=grain,
            denominator=denominator,
            settings=get_settings(),
        )
    elif source == "db":
        from complaint_radar.services.analysis.desk import AnalysisDesk

        database = _open(database_url)
        try:
            result = AnalysisDesk(database.sessions).report(
                scope, as_of=day, by=by, weighting=weighting, granularity=grain, denominator=denominator
            )
        finally:
            database.close()
    else:
        raise InputError(f"--source {source!r} is not db or parquet:DIR")
    _write(result, output, format_)
    totals = result["volumes"]["totals"]
    if totals["messages"] == 0:
        err.print(
            f"warning: no assessed messages between {scope.start} and {scope.end} with these filters; "
            "the report is empty (check the dates and filters, or ingest messages first)"
        )
    err.print(
        f"{totals['messages']} messages, {totals['complaints']} complaints, "
        f"{len(result['emerging_issues'])} emerging issues, {len(result['actions'])} actions → {output}"
    )


def _write(result: dict[str, Any], output: Path, format_: ReportFormat) -> None:
    if format_ is ReportFormat.JSON:
        output.write_text(
            json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
        )
    elif format_ is ReportFormat.HTML:
        from complaint_radar.reports import render_html

        output.write_text(render_html(result), encoding="utf-8")
    else:
        from complaint_radar.reports import write_xlsx

        write_xlsx(result, output)


@issues_app.command("detect")
def issues_detect(
    as_of: Annotated[str | None, typer.Option(help="Detect as of this day (default: today).")] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Also as of every day from this one to --as-of, as a daily schedule would have."),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the emerging-issue detector over the store; new issues are opened, growing ones updated."""
    from complaint_radar.services.analysis.desk import AnalysisDesk
    from complaint_radar.services.analysis.filters import parse_day

    day = parse_day(as_of, "--as-of") if as_of else None
    first = parse_day(since, "--since") if since else None
    database = _open(database_url)
    try:
        desk = AnalysisDesk(database.sessions)
        run = desk.detect_issues(day, first)
        shown = desk.list_issues(since=run.as_of, until=run.as_of, limit=50)
    finally:
        database.close()
    err.print(
        f"as of {run.as_of}: {run.detected} issues detected, "
        f"{len(run.opened)} new, {len(run.updated)} updated"
    )
    _issue_table(shown)


def _issue_table(rows: list[dict[str, Any]]) -> None:
    table = Table(title="emerging issues")
    for name in ("id", "status", "key", "window", "observed", "expected", "p"):
        table.add_column(name)
    for r in rows:
        key = " × ".join(f"{v}" for v in r["key"].values())
        p = "" if r["p_value"] is None else f"{r['p_value']:.1e}"
        table.add_row(
            str(r["id"]),
            r["status"],
            key,
            f"{r['window_start']}..{r['window_end']}",
            str(r["observed"]),
            f"{r['expected']:.1f}",
            p,
        )
    console.print(table)


@issues_app.command("list")
def issues_list(
    status: Annotated[
        list[str] | None, typer.Option(help="new, investigating, actioned or dismissed (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """List stored issues, most recently detected first."""
    from complaint_radar.errors import InputError
    from complaint_radar.services.analysis.desk import AnalysisDesk
    from complaint_radar.services.analysis.issues import STATUSES

    for s in status or ():
        if s not in STATUSES:
            raise InputError(f"--status {s!r} is not one of {', '.join(STATUSES)}")
    database = _open(database_url)
    try:
        rows = AnalysisDesk(database.sessions).list_issues(status=tuple(status or ()), limit=500)
    finally:
        database.close()
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    else:
        _issue_table(rows)


@issues_app.command("status")
def issues_status(
    issue_id: Annotated[int, typer.Argument(help="Issue id (see `issues list`).")],
    status: Annotated[str, typer.Argument(help="new, investigating, actioned or dismissed.")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit trail).")] = None,
    actor: Annotated[str, typer.Option(help="Who changes it (audit trail).")] = "cli",
    database_url: DatabaseUrl = None,
) -> None:
    """Change an issue's status (audited)."""
    from complaint_radar.services.analysis.desk import AnalysisDesk

    database = _open(database_url)
    try:
        issue = AnalysisDesk(database.sessions).set_issue_status(
            issue_id, status, actor=actor, role=None, reason=reason
        )
    finally:
        database.close()
    err.print(f"issue {issue_id}: {issue['status']}")


@actions_app.command("create")
def actions_create(
    title: Annotated[str, typer.Option(help="What is done.")],
    type_: Annotated[
        str,
        typer.Option(
            "--type", help="training, incentive, process, quality_control, communication, system or product."
        ),
    ],
    owner: Annotated[str, typer.Option(help="Who is responsible.")],
    start: Annotated[str, typer.Option("--start", help="Start date YYYY-MM-DD.")],
    target_metric: Annotated[
        str, typer.Option(help="complaint_rate, dissatisfaction_rate, csat or cause_rate:<cause>.")
    ],
    baseline_start: Annotated[
        str | None, typer.Option(help="Default: 28 days before the baseline end.")
    ] = None,
    baseline_end: Annotated[str | None, typer.Option(help="Default: the day before --start.")] = None,
    ramp_up_days: Annotated[
        int, typer.Option(help="Days after the start before the evaluation window.", min=0, max=365)
    ] = 14,
    target_value: Annotated[float | None, typer.Option(help="The value aimed at.")] = None,
    issue_id: Annotated[int | None, typer.Option(help="Linked issue.")] = None,
    fishbone_category: Annotated[
        str | None, typer.Option(help="man, machine, material, method, environment, measurement.")
    ] = None,
    product: Values = None,
    branch: Values = None,
    region: Values = None,
    channel: Values = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an improvement action; prints its id."""
    from complaint_radar.services.analysis.desk import AnalysisDesk

    fields = {
        "title": title,
        "type": type_,
        "owner": owner,
        "start_date": start,
        "target_metric": target_metric,
        "baseline_start": baseline_start,
        "baseline_end": baseline_end,
        "ramp_up_days": ramp_up_days,
        "target_value": target_value,
        "issue_id": issue_id,
        "fishbone_category": fishbone_category,
        "filters": {
            k: v
            for k, v in {"product": product, "branch": branch, "region": region, "channel": channel}.items()
            if v
        },
    }
    database = _open(database_url)
    try:
        action = AnalysisDesk(database.sessions).create_action(fields, actor="cli", role=None)
    finally:
        database.close()
    console.print(str(action["id"]))


@actions_app.command("list")
def actions_list(
    as_of: Annotated[str | None, typer.Option(help="Evaluate as of this day (default: today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """List actions with their before/after verdict."""
    from complaint_radar.services.analysis.desk import AnalysisDesk
    from complaint_radar.services.analysis.filters import parse_day

    day = parse_day(as_of, "--as-of") if as_of else None
    database = _open(database_url)
    try:
        rows = AnalysisDesk(database.sessions).list_actions(as_of=day, limit=1000)
    finally:
        database.close()
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="improvement actions")
    for name in ("id", "title", "metric", "before", "after", "change", "p", "verdict"):
        table.add_column(name)
    for r in rows:
        rel = "" if r["change_rel"] is None else f"{r['change_rel']:+.0%}"
        p = "" if r["p_value"] is None else f"{r['p_value']:.3g}"
        table.add_row(
            str(r["id"]),
            r["title"],
            r["target_metric"],
            str(r["baseline"]["rate"]),
            str(r["evaluation"]["rate"]),
            rel,
            p,
            r["verdict"],
        )
    console.print(table)


@actions_app.command("evaluate")
def actions_evaluate(
    action_id: Annotated[int, typer.Argument(help="Action id (see `actions list`).")],
    as_of: Annotated[str | None, typer.Option(help="Evaluate as of this day (default: today).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Print one action's before/after evaluation as JSON (test used, p-value, CI, verdict)."""
    from complaint_radar.services.analysis.desk import AnalysisDesk
    from complaint_radar.services.analysis.filters import parse_day

    day = parse_day(as_of, "--as-of") if as_of else None
    database = _open(database_url)
    try:
        result = AnalysisDesk(database.sessions).action(action_id, day)
    finally:
        database.close()
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


def export(
    parquet: Annotated[
        Path, typer.Option("--parquet", help="Directory to write messages/, events/ and metrics.parquet to.")
    ],
    start: Annotated[str | None, typer.Option("--from", help="First day (default: all).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: all).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Export assessed messages (assess-file's columns + ids, time, channel, customer, dimensions), events
    and metrics to Parquet, for `report --source parquet:DIR` (DuckDB) over history too big for one query."""
    from complaint_radar.services.analysis.filters import parse_day
    from complaint_radar.services.analysis.parquet import export_parquet

    first = parse_day(start, "--from") if start else None
    last = parse_day(end, "--to") if end else None
    database = _open(database_url)
    try:
        counts = export_parquet(database.sessions, parquet, first, last)
    finally:
        database.close()
    err.print(
        f"{counts['messages']} messages, {counts['events']} events, "
        f"{counts['metrics']} metric rows → {parquet}"
    )


def analysis_demo() -> None:
    """`demo`, second part: load the half-year demo history into the store and summarise its analysis."""
    from complaint_radar.demo.history import generate_demo_history
    from complaint_radar.services.analysis.demo_load import demo_analysis, load_demo_history
    from complaint_radar.services.analysis.desk import AnalysisDesk
    from complaint_radar.services.assessment.assessing import Assessor

    database = _open(None)
    try:
        desk = AnalysisDesk(database.sessions)
        history = generate_demo_history()
        loaded = load_demo_history(desk, Assessor.load(desk.settings), history)
        result = demo_analysis(desk, history.as_of)
    finally:
        database.close()
    url = database.engine.url.render_as_string(hide_password=True)
    console.print(
        f"\n[bold]Analysis demo[/bold]: {loaded.rows:,} history rows ({loaded.new:,} new), "
        f"{loaded.profiles:,} customer profiles, {loaded.metrics} metric rows, "
        f"{loaded.actions_created} actions created in {loaded.seconds:.0f} s → {url}"
    )
    print_summary(result)


def print_summary(result: dict[str, Any]) -> None:
    """Top causes with the 80 % cut, emerging issues and action verdicts of a report."""
    period = result["period"]
    pareto = Table(title=f"top causes {period['from']}..{period['to']} (Pareto; ● = the vital few to 80 %)")
    for name in ("", "cause", "count", "share", "cumulative"):
        pareto.add_column(name)
    for row in result["pareto"]["rows"][:8]:
        pareto.add_row(
            "●" if row["vital_few"] else "",
            f"{row.get('label_zh', '')} {row['key']}",
            str(row["count"]),
            f"{row['share']:.0%}",
            f"{row['cumulative_share']:.0%}",
        )
    console.print(pareto)
    issues = Table(title=f"emerging issues as of {period['as_of']}")
    for name in ("id", "key", "window", "observed", "expected", "status"):
        issues.add_column(name)
    for issue in result["emerging_issues"][:5]:
        key = " × ".join(str(v) for v in issue["key"].values())
        issues.add_row(
            str(issue["id"]),
            key,
            f"{issue['window_start']}..{issue['window_end']}",
            str(issue["observed"]),
            f"{issue['expected']:.1f}",
            issue["status"],
        )
    console.print(issues)
    actions = Table(title="improvement actions (before → after)")
    for name in ("action", "metric", "before", "after", "change", "p", "verdict"):
        actions.add_column(name)
    for action in result["actions"]:
        rel = "" if action["change_rel"] is None else f"{action['change_rel']:+.0%}"
        p = "" if action["p_value"] is None else f"{action['p_value']:.2g}"
        actions.add_row(
            action["title"],
            action["target_metric"],
            _rate(action["baseline"]["rate"]),
            _rate(action["evaluation"]["rate"]),
            rel,
            p,
            action["verdict"],
        )
    console.print(actions)


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"
