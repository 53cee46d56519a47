"""/messages: the stored messages behind any figure, filtered by the URL (where chart drill-downs land).

With days or dimension filters (`from`, `to`, `channel`, `cause`, `product` …) the list holds exactly the
messages an analysis of that scope counts; `customer_id`, `min_risk` and `source` narrow any list.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from complaint_radar.services.analysis.filters import MESSAGE_FILTERS
from complaint_radar.services.intake.desk import MessageFilter
from complaint_radar.types import Cause, Channel, RiskLevel, Stage
from complaint_radar.web.auth import Viewer, page
from complaint_radar.web.scope import optional_scope

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
SINGLE = ("customer_id", "min_risk", "source", "from", "to")
"""Parameters with one value; the dimension filters (MESSAGE_FILTERS) may repeat."""


@router.get("/messages", response_class=HTMLResponse)
async def messages(viewer: Annotated[Viewer, Depends(page("messages"))]) -> HTMLResponse:
    query = viewer.query
    where = MessageFilter(
        customer_id=query.text("customer_id"),
        min_risk=query.integer("min_risk", "minimum risk", 0, 100),
        source=query.text("source"),
        scope=optional_scope(query, viewer.state.clock().date()),
    )
    number = query.integer("page", "page", 1, 100_000) or 1
    found = await run_in_threadpool(
        viewer.intake.messages, where, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE
    )
    current: dict[str, str | list[str]] = {n: v for n in SINGLE if (v := query.text(n) or "")}
    current.update({n: query.all(n) for n in MESSAGE_FILTERS if query.all(n)})
    return viewer.render(
        "messages.html",
        messages=found[:PAGE_SIZE],
        more=len(found) > PAGE_SIZE,
        page_number=number,
        filters=current,
        choices={
            "channel": [c.value for c in Channel],
            "stage": [s.value for s in Stage],
            "risk_level": [r.value for r in RiskLevel],
            "cause": [c.value for c in Cause],
        },
    )
