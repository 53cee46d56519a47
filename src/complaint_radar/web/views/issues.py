"""/issues: emerging issues with example messages and status, fishbone and 5-whys editors, and the
improvement actions with their before/after chart and verdict (SPEC.md §7.5, §7.6, §7.9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from complaint_radar.analysis.actions import ACTION_STATUSES
from complaint_radar.analysis.codes import analysis_codes
from complaint_radar.api.errors import status_of
from complaint_radar.errors import ComplaintRadarError, NotFoundError
from complaint_radar.services.access import Permission as P
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.services.analysis.issues import STATUSES
from complaint_radar.types import Cause, FishboneCategory
from complaint_radar.web import charts
from complaint_radar.web.auth import Viewer, page
from complaint_radar.web.forms import Form, one_of
from complaint_radar.web.i18n import Translator
from complaint_radar.web.scope import drill, scope_from, scope_params

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
DEFAULT_DAYS = 180
SHOWN = 20
WHY_FIELDS = 7
TARGET_METRICS = ("complaint_rate", "dissatisfaction_rate", "csat", *(f"cause_rate:{c.value}" for c in Cause))
DONE = ("status", "fishbone", "five_whys", "action", "action_status")


def messages_behind(issue: dict[str, Any]) -> str:
    """The /messages link of an issue's window and key (cause, product, branch, region)."""
    window = Scope(date.fromisoformat(issue["window_start"]), date.fromisoformat(issue["window_end"]))
    return drill(window, **{name: [value] for name, value in issue["key"].items()})


def before_after_chart(action: dict[str, Any], t: Translator) -> dict[str, Any]:
    """The action's target metric in the baseline window beside the evaluation window."""
    windows = [action["baseline"], action["evaluation"]]
    values = [charts.point(w["rate"]) for w in windows]
    names = [t("issues.before"), t("issues.after")]
    option = charts.bars(
        names, [{"name": action["target_metric"], "data": values, "barWidth": "40%"}], legend=False
    )
    option["tooltip"] = {"trigger": "item"}
    return option


def _page_data(viewer: Viewer, scope: Scope, status: str | None) -> dict[str, Any]:
    desk = viewer.analysis
    listed = desk.list_issues(
        status=(status,) if status else (), since=scope.start, until=scope.end, limit=SHOWN
    )
    issues = [desk.issue(i["id"]) for i in listed]
    # Each action's before/after scans its windows: kept like the other analysis views.
    actions = viewer.config.cache.get(("actions", desk.today()), lambda: desk.list_actions(limit=50))
    return {"issues": issues, "actions": actions}


async def _render(viewer: Viewer, *, status_code: int = 200, error: str | None = None) -> HTMLResponse:
    query = viewer.query
    scope = scope_from(query, viewer.analysis.today(), default_days=DEFAULT_DAYS)
    status = one_of(query.text("status"), STATUSES, "issue status")
    data = await run_in_threadpool(_page_data, viewer, scope, status)
    return viewer.render(
        "issues.html",
        status=status_code,
        scope=scope,
        params=scope_params(scope),
        chosen_status=status,
        statuses=STATUSES,
        action_statuses=ACTION_STATUSES,
        action_types=analysis_codes().action_types,
        fishbone=[c.value for c in FishboneCategory],
        causes=[c.value for c in Cause],
        target_metrics=TARGET_METRICS,
        why_fields=WHY_FIELDS,
        behind=messages_behind,
        before_after={a["id"]: before_after_chart(a, viewer.t) for a in data["actions"]},
        can_work=viewer.principal.can(P.WORK_ISSUES),
        can_act=viewer.principal.can(P.MANAGE_ACTIONS),
        error=error,
        done=query.text("done") if query.text("done") in DONE else None,
        today=viewer.analysis.today().isoformat(),
        **data,
    )


@router.get("/issues", response_class=HTMLResponse)
async def issues(viewer: Annotated[Viewer, Depends(page("issues"))]) -> HTMLResponse:
    return await _render(viewer)


async def _change(viewer: Viewer, work: Callable[[], object], done: str, anchor: str) -> Response:
    """Run an issue or action change; back to /issues (`done`), or the page with the refusal shown."""
    try:
        await run_in_threadpool(work)
    except ComplaintRadarError as exc:
        status, _ = status_of(exc)
        return await _render(viewer, status_code=status, error=" ".join(str(exc).split()))
    viewer.config.cache.clear()  # the change shows at once, on every view
    return RedirectResponse(f"/issues?done={done}#{anchor}", status_code=303)


def _actor(viewer: Viewer) -> dict[str, str]:
    return {"actor": viewer.principal.username, "role": viewer.principal.role.value}


@router.post("/issues/{issue_id}/status")
async def issue_status(issue_id: Id, viewer: Annotated[Viewer, Depends(page("issue_work"))]) -> Response:
    form = viewer.form
    return await _change(
        viewer,
        lambda: viewer.analysis.set_issue_status(
            issue_id, form.required("status", "status"), reason=form.text("reason"), **_actor(viewer)
        ),
        "status",
        f"issue-{issue_id}",
    )


def fishbone_record(form: Form) -> dict[str, Any]:
    """A fishbone from the editor: the problem, and one cause per line under each category."""
    causes = [
        {"category": category.value, "cause": line.strip()}
        for category in FishboneCategory
        for line in (form.text(f"fishbone.{category.value}") or "").splitlines()
        if line.strip()
    ]
    return {"problem": form.text("problem"), "causes": causes}


def five_whys_record(form: Form) -> dict[str, Any]:
    """A 5-whys record from the editor: the problem, the answers in order (blank ones skipped) …"""
    whys = [answer for i in range(1, WHY_FIELDS + 1) if (answer := form.text(f"why{i}"))]
    cases = [c.strip() for c in (form.text("linked_cases") or "").replace("，", ",").split(",") if c.strip()]
    return {
        "problem": form.text("problem"),
        "whys": whys,
        "root_cause": form.text("root_cause"),
        "verifier": form.text("verifier"),
        "linked_cases": cases,
    }


RECORDS: dict[str, tuple[str, Callable[[Form], dict[str, Any]]]] = {
    "fishbone": ("fishbone", fishbone_record),
    "five-whys": ("five_whys", five_whys_record),
}


@router.post("/issues/{issue_id}/{record}")
async def add_record(
    issue_id: Id, record: str, viewer: Annotated[Viewer, Depends(page("issue_work"))]
) -> Response:
    if record not in RECORDS:
        raise NotFoundError(f"no root-cause editor {record!r}; use one of: {', '.join(RECORDS)}")
    kind, read = RECORDS[record]
    return await _change(
        viewer,
        lambda: viewer.analysis.add_root_cause(
            issue_id,
            kind,
            read(viewer.form),
            author=viewer.principal.username,
            role=viewer.principal.role.value,
        ),
        kind,
        f"issue-{issue_id}",
    )


@router.post("/actions")
async def create_action(viewer: Annotated[Viewer, Depends(page("action_work"))]) -> Response:
    form = viewer.form

    def create() -> object:
        metric = form.required("target_metric", "target metric")
        fields = {
            "title": form.text("title"),
            "type": form.text("type"),
            "owner": form.text("owner"),
            "start_date": form.text("start_date"),
            "target_metric": metric,
            "target_value": form.number("target_value", "target value"),
            "issue_id": form.integer("issue_id", "issue", 1, 2**31 - 1),
            "fishbone_category": form.text("fishbone_category"),
            "description": form.text("description"),
        }
        return viewer.analysis.create_action(fields, **_actor(viewer))

    return await _change(viewer, create, "action", "actions")


@router.post("/actions/{action_id}/status")
async def action_status(action_id: Id, viewer: Annotated[Viewer, Depends(page("action_work"))]) -> Response:
    return await _change(
        viewer,
        lambda: viewer.analysis.set_action_status(
            action_id, viewer.form.required("status", "status"), **_actor(viewer)
        ),
        "action_status",
        f"action-{action_id}",
    )
