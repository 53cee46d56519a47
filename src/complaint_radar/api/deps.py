"""Dependencies: the app's state, a database session per request, the authenticated caller and its role.

Those that only read the app's state are `async` (FastAPI runs sync dependencies in a thread pool, a
hop per dependency); database work runs in sync dependencies or is handed to a worker thread, so it
never blocks the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.state import AppState
from complaint_radar.errors import ConfigurationError, ModelError
from complaint_radar.services.access import Permission, Principal, rate_limit_for, require
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.cases.desk import CaseDesk
from complaint_radar.services.intake.desk import IntakeDesk
from complaint_radar.services.runtime import SessionFactory, unit_of_work
from complaint_radar.settings import Settings

_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key from `complaint-radar keys create`."
)
_bearer = HTTPBearer(auto_error=False, description="The same API key as `Authorization: Bearer <key>`.")


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.complaint_radar
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings(state: StateDep) -> Settings:
    return state.settings


async def get_now(state: StateDep) -> datetime:
    """The request's time from the app's clock (frozen in tests)."""
    return state.clock()


def get_session(state: StateDep) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns, rolled back when it raises."""
    if state.sessions is None:
        raise ConfigurationError("the database is not open yet; retry when /readyz says ready")
    with unit_of_work(state.sessions) as session:
        yield session


async def get_sessions(state: StateDep) -> SessionFactory:
    """For services that run their own units of work."""
    if state.sessions is None:
        raise ConfigurationError("the database is not open yet; retry when /readyz says ready")
    return state.sessions


SessionsDep = Annotated[SessionFactory, Depends(get_sessions)]

# scope="function": commit before the response is sent, so a failed commit is the response.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]


async def get_assessor(state: StateDep) -> Assessor:
    if state.assessor is None:
        raise ModelError("the models are still loading; retry when /readyz says ready")
    return state.assessor


AssessorDep = Annotated[Assessor, Depends(get_assessor)]


async def get_case_desk(state: StateDep) -> CaseDesk:
    if state.case_desk is None:
        raise ConfigurationError("the database is not open yet; retry when /readyz says ready")
    return state.case_desk


CaseDeskDep = Annotated[CaseDesk, Depends(get_case_desk)]


async def get_intake_desk(state: StateDep) -> IntakeDesk:
    if state.intake_desk is None:
        raise ConfigurationError("ingestion is not ready yet; retry when /readyz says ready")
    return state.intake_desk


IntakeDeskDep = Annotated[IntakeDesk, Depends(get_intake_desk)]


async def get_analysis_desk(state: StateDep) -> AnalysisDesk:
    if state.analysis_desk is None:
        raise ConfigurationError("the database is not open yet; retry when /readyz says ready")
    return state.analysis_desk


AnalysisDeskDep = Annotated[AnalysisDesk, Depends(get_analysis_desk)]


async def get_principal(
    state: StateDep,
    api_key: Annotated[str | None, Security(_api_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Principal:
    """The caller behind the request's key, after its rate limit allowed the request; a key seen in the
    last few seconds is answered from memory, others are looked up in a worker thread."""
    raw_key = api_key or (bearer.credentials if bearer is not None else None)
    now = state.clock()
    principal = state.key_cache.recall(raw_key, now)
    if principal is None:
        sessions = await get_sessions(state)
        principal = await run_in_threadpool(state.key_cache.authenticate, sessions, raw_key, now)
    state.limiter.acquire(principal.key_id, rate_limit_for(principal, state.settings))
    return principal


def requires(permission: Permission) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that returns the caller when its role has `permission` (else 403)."""

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        require(principal, permission)
        return principal

    check.__name__ = f"requires_{permission.value}"
    return check


P = Permission
Assessing = Annotated[Principal, Depends(requires(P.ASSESS))]
Ingesting = Annotated[Principal, Depends(requires(P.INGEST))]
ReadingMessages = Annotated[Principal, Depends(requires(P.READ_MESSAGES))]
ReadingCustomers = Annotated[Principal, Depends(requires(P.READ_CUSTOMERS))]
ReadingCases = Annotated[Principal, Depends(requires(P.READ_CASES))]
WorkingCases = Annotated[Principal, Depends(requires(P.WORK_CASES))]
ReadingAlerts = Annotated[Principal, Depends(requires(P.READ_ALERTS))]
AckingAlerts = Annotated[Principal, Depends(requires(P.ACK_ALERTS))]
ManagingKeys = Annotated[Principal, Depends(requires(P.MANAGE_KEYS))]
ReadingAnalysis = Annotated[Principal, Depends(requires(P.READ_ANALYSIS))]
WorkingIssues = Annotated[Principal, Depends(requires(P.WORK_ISSUES))]
ManagingActions = Annotated[Principal, Depends(requires(P.MANAGE_ACTIONS))]
WritingMetrics = Annotated[Principal, Depends(requires(P.WRITE_METRICS))]
"""Route parameters: the authenticated caller, checked for one permission."""
