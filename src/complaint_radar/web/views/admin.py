"""/admin: API keys (issue, revoke), users and roles, alert thresholds and the SLA targets (admins only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.errors import status_of
from complaint_radar.cases import Milestone, Severity, SlaConfig, load_sla_config
from complaint_radar.errors import ComplaintRadarError
from complaint_radar.services.access import issue_key, list_keys, parse_role, revoke_key
from complaint_radar.services.access.users import list_users, update_user
from complaint_radar.services.alerts.rules import list_rules, update_rule
from complaint_radar.services.cases.sla_settings import save_sla_targets, targets_table
from complaint_radar.services.runtime import unit_of_work
from complaint_radar.types import Role
from complaint_radar.web.auth import Viewer, page

router = APIRouter(include_in_schema=False)
AdminViewer = Annotated[Viewer, Depends(page("admin"))]
DONE = ("issued", "revoked", "user", "sla", "rule")
T = TypeVar("T")


def _in_session(viewer: Viewer, work: Callable[[Session], T]) -> T:
    with unit_of_work(viewer.sessions) as session:
        return work(session)


async def _page(viewer: Viewer, *, status: int = 200, **extra: Any) -> HTMLResponse:
    keys = await run_in_threadpool(_in_session, viewer, lambda s: list_keys(s, include_revoked=True))
    users = await run_in_threadpool(_in_session, viewer, list_users)
    rules = await run_in_threadpool(_in_session, viewer, list_rules)
    settings = viewer.state.settings
    done = viewer.query.text("done")
    return viewer.render(
        "admin.html",
        status=status,
        keys=keys,
        users=users,
        rules=rules,
        roles=[r.value for r in Role],
        sla=targets_table(viewer.cases.service.sla),
        warn_at=viewer.cases.service.sla.warn_at,
        severities=[s.value for s in Severity],
        milestones=[m.value for m in Milestone],
        thresholds=[
            ("case_risk_threshold", settings.case_risk_threshold),
            ("customer_type_threshold", settings.customer_type_threshold),
            ("case_max_critical_per_agent", settings.case_max_critical_per_agent),
            ("sla_check_interval_s", settings.sla_check_interval_s),
        ],
        done=done if done in DONE else None,
        **{"issued": None, "error": None, **extra},
    )


async def _attempt(
    viewer: Viewer, work: Callable[[Session], T], done: str, then: Callable[[T], None] | None = None
) -> Response:
    """Run an admin change in one transaction, then `then` with its result; back to /admin (`done`), or
    the page again with the refusal shown (and nothing changed)."""
    try:
        result = await run_in_threadpool(_in_session, viewer, work)
    except ComplaintRadarError as exc:
        status, _ = status_of(exc)
        return await _page(viewer, status=status, error=" ".join(str(exc).split()))
    if then is not None:
        then(result)
    return RedirectResponse(f"/admin?done={done}", status_code=303)


@router.get("/admin", response_class=HTMLResponse)
async def admin(viewer: AdminViewer) -> HTMLResponse:
    return await _page(viewer)


@router.post("/admin/keys", response_class=HTMLResponse)
async def create_key(viewer: AdminViewer) -> HTMLResponse:
    """Issue a key and show it once, on this response only."""
    form = viewer.form
    try:
        role = parse_role(form.required("role", "role"))
        issued = await run_in_threadpool(
            _in_session,
            viewer,
            lambda s: issue_key(
                s,
                username=form.required("name", "user name"),
                role=role,
                team=form.text("team"),
                label=form.text("label"),
                rate_limit_per_minute=form.integer("rate_limit", "rate limit", 1, 1_000_000),
                now=viewer.now,
                hasher=viewer.state.key_cache.hasher,
            ),
        )
    except ComplaintRadarError as exc:
        status, _ = status_of(exc)
        return await _page(viewer, status=status, error=" ".join(str(exc).split()))
    return await _page(viewer, status=201, issued=issued)


@router.post("/admin/keys/{key_id}/revoke")
async def revoke(key_id: Annotated[int, Path(ge=1, le=2**63 - 1)], viewer: AdminViewer) -> Response:
    # Forget cached keys after the commit, so no request re-remembers the key as active.
    return await _attempt(
        viewer, lambda s: revoke_key(s, key_id), "revoked", lambda _: viewer.state.key_cache.forget()
    )


@router.post("/admin/users/{username}")
async def change_user(
    username: Annotated[str, Path(min_length=1, max_length=128)], viewer: AdminViewer
) -> Response:
    form = viewer.form

    def change(session: Session) -> object:
        return update_user(
            session,
            username,
            role=parse_role(form.required("role", "role")),
            team=form.text("team"),
            active=form.flag("active"),
            actor=viewer.principal,
            now=viewer.now,
        )

    return await _attempt(viewer, change, "user", lambda _: viewer.state.key_cache.forget())


@router.post("/admin/sla")
async def change_sla(viewer: AdminViewer) -> Response:
    """New SLA targets: stored, and used by case work and ingestion from now on."""
    form = viewer.form
    base = load_sla_config(viewer.state.settings.sla_file)

    def save(session: Session) -> SlaConfig:
        targets = {
            s.value: {
                m.value: form.required(f"{s.value}.{m.value}", f"{s.value} {m.value}") for m in Milestone
            }
            for s in Severity
        }
        warn_percent = form.number("warn_at", "warning share (%)") or 75.0
        return save_sla_targets(
            session, base, targets, warn_percent / 100, actor=viewer.principal, now=viewer.now
        )

    return await _attempt(viewer, save, "sla", viewer.state.use_sla)


@router.post("/admin/alert-rules/{rule_id}")
async def change_rule(rule_id: Annotated[int, Path(ge=1, le=2**63 - 1)], viewer: AdminViewer) -> Response:
    form = viewer.form

    def change(session: Session) -> object:
        thresholds = {
            name.removeprefix("param."): form.number(name, name.removeprefix("param.")) or 0.0
            for name in form.fields
            if name.startswith("param.") and form.text(name) is not None
        }
        return update_rule(
            session,
            rule_id,
            enabled=form.flag("enabled"),
            thresholds=thresholds,
            actor=viewer.principal,
            now=viewer.now,
        )

    return await _attempt(viewer, change, "rule")
