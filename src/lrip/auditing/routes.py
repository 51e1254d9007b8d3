"""The audit trail over HTTP: history of a record, and the chain check."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from lrip.api import problems
from lrip.api.deps import Page, page, read, signed_in
from lrip.auditing import service
from lrip.auditing.schemas import ChainOut, History
from lrip.auth.actor import Actor

router = APIRouter(tags=["audit"], responses=problems.RESPONSES)


@router.get("/audit", response_model=History)
def audit_log(request: Request,
              record: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f:]+(:[^\x00-\x1f\x7f]+)?$",
                                                  description="TYPE or TYPE:ID, e.g. unit:ACT-0001")] = None,
              p: Page = Depends(page), actor: Actor = Depends(signed_in)):
    """History, newest first, of everything or of one record."""
    record_type, _sep, record_id = (record or "").partition(":")
    with read(request) as session:
        return service.history(session, actor, record_type=record_type or None, record_id=record_id or None,
                               limit=p.limit, offset=p.offset)


@router.get("/audit/verify", response_model=ChainOut)
def audit_verify(request: Request, actor: Actor = Depends(signed_in)):
    """Walk the hash chain; the first event changed, removed or reordered, if any."""
    with read(request) as session:
        return service.verify(session, actor)
