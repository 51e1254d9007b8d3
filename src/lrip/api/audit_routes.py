"""The audit trail over HTTP: history of a record, and the chain check."""
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lrip import audit
from lrip.api import problems
from lrip.api.deps import Page, page, read_db, require
from lrip.api.schemas import Paged
from lrip.auth.models import User

router = APIRouter(tags=["audit"], responses=problems.RESPONSES)


class AuditEventOut(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    record_type: str
    record_id: str
    before: Any
    after: Any
    reason: str | None
    hash: str


class ChainOut(BaseModel):
    ok: bool
    events: int
    head_hash: str
    first_bad_seq: int | None
    problem: str | None


@router.get("/audit", response_model=Paged[AuditEventOut])
def audit_log(record: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f:]+(:[^\x00-\x1f\x7f]+)?$",
                                                  description="TYPE or TYPE:ID, e.g. unit:ACT-0001")] = None,
              p: Page = Depends(page), session: Session = Depends(read_db), _: User = Depends(require("audit.read"))):
    """History, newest first, of everything or of one record."""
    record_type, _sep, record_id = (record or "").partition(":")
    events = audit.history(session, record_type or None, record_id or None, limit=p.limit, offset=p.offset)
    total = audit.count(session, record_type or None, record_id or None)
    items = [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
              "record_type": e.record_type, "record_id": e.record_id, "before": e.before, "after": e.after,
              "reason": e.reason, "hash": e.hash} for e in events]
    return {"items": items, "total": total, "limit": p.limit, "offset": p.offset}


@router.get("/audit/verify", response_model=ChainOut)
def audit_verify(session: Session = Depends(read_db), _: User = Depends(require("audit.verify"))):
    """Walk the hash chain; the first event changed, removed or reordered, if any."""
    r = audit.verify(session)
    return {"ok": r.ok, "events": r.events, "head_hash": r.head_hash, "first_bad_seq": r.first_bad_seq,
            "problem": r.problem}
