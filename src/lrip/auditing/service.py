"""Reading and checking the audit trail, as the people allowed to."""
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auditing.schemas import AuditEventOut, ChainOut, History
from lrip.auth.actor import Actor, query


@query("audit.read")
def history(session: Session, actor: Actor, *, record_type: str | None = None, record_id: str | None = None,
            limit: int = 50, offset: int = 0) -> History:
    """History, newest first, of everything or of one record."""
    events = audit.history(session, record_type, record_id, limit=limit, offset=offset)
    return History(items=[AuditEventOut.model_validate(e) for e in events],
                   total=audit.count(session, record_type, record_id), limit=limit, offset=offset)


@query("audit.verify")
def verify(session: Session, actor: Actor) -> ChainOut:
    """Walk the hash chain; the first event changed, removed or reordered, if any."""
    r = audit.verify(session)
    return ChainOut(ok=r.ok, events=r.events, head_hash=r.head_hash, first_bad_seq=r.first_bad_seq, problem=r.problem)
