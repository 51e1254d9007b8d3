"""Reading, checking and checkpointing the audit trail, as the people allowed to."""
from __future__ import annotations

from sqlalchemy.orm import Session

from lrip import audit, keys
from lrip.auditing.schemas import AuditEventOut, ChainOut, CheckpointOut, FindingOut, History
from lrip.auth.actor import Actor, command, query


@query("audit.read")
def history(session: Session, actor: Actor, *, record_type: str | None = None, record_id: str | None = None,
            limit: int = 50, offset: int = 0) -> History:
    """History, newest first, of everything or of one record."""
    events = audit.history(session, record_type, record_id, limit=limit, offset=offset)
    return History(items=[AuditEventOut.model_validate(e) for e in events],
                   total=audit.count(session, record_type, record_id), limit=limit, offset=offset)


@query("audit.verify")
def verify(session: Session, actor: Actor) -> ChainOut:
    """Walk the chain; check it against every signed checkpoint, and every audited record against its last
    state in the chain: each thing wrong, named."""
    r = audit.verify(session)
    return ChainOut(ok=r.ok, events=r.events, head_hash=r.head_hash, first_bad_seq=r.first_bad_seq,
                    problem=r.problem, checkpoints=r.checkpoints, last_checkpoint=r.last_checkpoint, key=r.key,
                    records=r.records, findings=[FindingOut.model_validate(f) for f in r.findings],
                    notes=list(r.notes))


def _out(c: audit.Checkpoint) -> CheckpointOut:
    return CheckpointOut(seq=c.seq, hash=c.hash, at=c.at, reason=c.reason, key=c.key,
                         file=str(keys.checkpoints_file()))


@command("audit.checkpoint")
def checkpoint(session: Session, actor: Actor, *, reason: str | None = None) -> CheckpointOut:
    """Sign the chain's head now with the installation key."""
    return _out(audit.checkpoint(session, reason=f"{reason or 'checkpoint'} ({actor.username})"))
