"""POST /v1/assess: one message or a batch, assessed on the spot (nothing is stored)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.deps import Assessing, AssessorDep, SettingsDep
from complaint_radar.api.redaction import for_caller
from complaint_radar.api.schemas.assessment import AssessIn, AssessmentOut, BatchIn, BatchOut, MessageIn
from complaint_radar.api.schemas.common import ERROR_RESPONSES
from complaint_radar.services.access import Principal
from complaint_radar.services.assessment.assessing import AssessItem, Assessor

EXAMPLE = {"text": "三天了还没人回复,再不处理我就去消协投诉!", "channel": "chat"}
router = APIRouter(prefix="/v1", tags=["assess"], responses=ERROR_RESPONSES)


def _item(message: MessageIn) -> AssessItem:
    return AssessItem(
        text=message.text,
        channel=message.channel.value if message.channel else None,
        message_id=message.message_id,
        customer_id=message.customer_id,
        speaker=message.speaker,
    )


@router.post(
    "/assess",
    response_model=AssessmentOut | BatchOut,
    summary="Assess one message or a batch (SPEC.md §3 Assessment)",
)
async def assess(
    body: Annotated[AssessIn, Body(examples=[EXAMPLE])],
    principal: Assessing,
    assessor: AssessorDep,
    settings: SettingsDep,
) -> AssessmentOut | BatchOut:
    """`{"text": …, "channel": …}` returns one Assessment; `{"items": [{…}, …]}` returns
    `{"count", "items"}` in input order (at most `api_max_batch` items, default 100)."""
    if isinstance(body, BatchIn) and len(body.items) > settings.api_max_batch:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "items"),
                    "msg": f"a batch holds at most {settings.api_max_batch} messages, "
                    f"got {len(body.items)}; split it",
                    "type": "too_long",
                }
            ]
        )
    return await run_in_threadpool(_assess, assessor, body, principal)


def _assess(assessor: Assessor, body: MessageIn | BatchIn, principal: Principal) -> AssessmentOut | BatchOut:
    """The CPU-bound part, in one worker thread: assess, shape the response, mask it for the caller."""
    if isinstance(body, BatchIn):
        results = assessor.assess([_item(m) for m in body.items])
        items = [AssessmentOut.model_validate(a.to_dict()) for a in results]
        return for_caller(BatchOut(count=len(items), items=items), principal)
    (result,) = assessor.assess([_item(body)])
    return for_caller(AssessmentOut.model_validate(result.to_dict()), principal)
