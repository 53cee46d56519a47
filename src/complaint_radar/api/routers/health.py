"""Liveness and readiness probes (no API key needed)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from complaint_radar.api.deps import StateDep, anyone
from complaint_radar.services.runtime import database_problem

router = APIRouter(tags=["health"], dependencies=[Depends(anyone)])


class Alive(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    database: str
    models: list[str]
    model_version: str | None
    problems: list[str]


@router.get("/healthz", response_model=Alive, summary="Liveness: the process answers")
def healthz() -> Alive:
    return Alive()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: the database answers at the newest schema and the models are loaded",
    responses={503: {"model": Readiness, "description": "Not ready; `problems` says why."}},
)
def readyz(state: StateDep) -> JSONResponse:
    problems = []
    db_problem = "the database is not open" if state.sessions is None else database_problem(state.sessions)
    if db_problem:
        problems.append(db_problem)
    if state.assessor is None:
        problems.append("the models are not loaded yet")
    body = Readiness(
        status="not_ready" if problems else "ready",
        database="ok" if db_problem is None else "unavailable",
        models=state.assessor.components if state.assessor else [],
        model_version=state.assessor.model_version if state.assessor else None,
        problems=problems,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if problems else 200)
