"""/assess: paste a message, see its full assessment with the evidence highlighted (as `assess` prints)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from complaint_radar.errors import ModelError
from complaint_radar.services.assessment.assessing import AssessItem
from complaint_radar.types import Channel
from complaint_radar.web.auth import Viewer, page
from complaint_radar.web.forms import one_of

router = APIRouter(include_in_schema=False)
MAX_CHARS = 20_000


def _page(
    viewer: Viewer, *, text: str = "", channel: str | None = None, result: object = None
) -> HTMLResponse:
    return viewer.render(
        "assess.html", text=text, channel=channel, channels=[c.value for c in Channel], result=result
    )


@router.get("/assess", response_class=HTMLResponse)
async def assess_form(viewer: Annotated[Viewer, Depends(page("assess"))]) -> HTMLResponse:
    return _page(viewer)


@router.post("/assess", response_class=HTMLResponse)
async def assess(viewer: Annotated[Viewer, Depends(page("assess"))]) -> HTMLResponse:
    """Assess the pasted text (nothing is stored) and show the result under the form."""
    form = viewer.form
    text = form.required("text", viewer.t("assess.text"))[:MAX_CHARS]
    channel = one_of(form.text("channel"), [c.value for c in Channel], "channel")
    assessor = viewer.state.assessor
    if assessor is None:
        raise ModelError("the models are still loading; try again in a moment")
    (result,) = await run_in_threadpool(assessor.assess, [AssessItem(text=text, channel=channel)])
    return _page(viewer, text=text, channel=channel, result=result.to_dict())
