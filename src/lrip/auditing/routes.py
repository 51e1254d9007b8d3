"""The audit trail over HTTP: history of a record, the check of the chain and the records, a checkpoint."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from lrip.api import problems
from lrip.api.deps import Page, act, page, read, signed_in, uses
from lrip.auditing import service
from lrip.auditing.schemas import ChainOut, CheckpointOut, CheckpointRequest, History
from lrip.auth.actor import Actor

router = APIRouter(tags=["audit"], responses=problems.RESPONSES)


@router.get("/audit", response_model=History, openapi_extra=uses(service.history))
def audit_log(request: Request,
              record: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f:]+(:[^\x00-\x1f\x7f]+)?$",
                                                  description="TYPE or TYPE:ID, e.g. unit:ACT-0001")] = None,
              p: Page = Depends(page), actor: Actor = Depends(signed_in)):
    """History, newest first, of everything or of one record."""
    record_type, _sep, record_id = (record or "").partition(":")
    with read(request) as session:
        return service.history(session, actor, record_type=record_type or None, record_id=record_id or None,
                               limit=p.limit, offset=p.offset)


@router.get("/audit/verify", response_model=ChainOut, openapi_extra=uses(service.verify))
def audit_verify(request: Request, actor: Actor = Depends(signed_in)):
    """Check the chain against every signed checkpoint and every audited record against its last state."""
    with read(request) as session:
        return service.verify(session, actor)


@router.post("/audit/checkpoints", status_code=201, response_model=CheckpointOut,
             openapi_extra=uses(service.checkpoint))
def audit_checkpoint(body: CheckpointRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Sign the chain's head now with the installation key."""
    return act(request, actor, body.model_dump(), lambda s: service.checkpoint(s, actor, reason=body.reason))
