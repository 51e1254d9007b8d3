"""The audit trail: one hash-chained event per state change, in the same transaction.

Each event carries the SHA-256 of the previous one, so changing, removing or
reordering a stored event breaks the chain at that point, and `verify` finds it.
A one-row head table holds the last sequence number and hash; services lock
it, so events are chained in commit order on PostgreSQL as on SQLite.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, func, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrip.db import Base, UTCDateTime, transaction_cache, utcnow

GENESIS = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    record_type: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[str] = mapped_column(String(120), index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's end, one row, locked by every writer."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


def _plain(value: Any) -> Any:
    """Make before/after values JSON: dates as ISO 8601, decimals as floats."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def event_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str,
               record_type: str, record_id: str, before: Any, after: Any, reason: str | None) -> str:
    body = json.dumps(
        [prev_hash, seq, at.isoformat(), actor, action, record_type, record_id, before, after, reason],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _lock_head(session: Session) -> list:
    """Lock the head once per transaction; after that this transaction owns it: [seq, hash]."""
    cache = transaction_cache(session)
    head = cache.get("audit_head")
    if head is None:
        connection = session.connection()
        row = connection.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
                                 .with_for_update()).first()
        if row is None:
            connection.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS))
        head = cache["audit_head"] = list(row or (0, GENESIS))
    return head


def record(session: Session, *, actor, action: str, record_type: str, record_id: str | int,
           before: Any = None, after: Any = None, reason: str | None = None) -> None:
    """Append one event to the chain inside the caller's transaction. `actor` is the acting person
    (anything with a username), or a name where there is none (a refused sign-in's). Written with
    plain INSERT and UPDATE on the session's connection: an event is never read back as an object,
    and the ORM's flush would cost more than the two statements."""
    actor = getattr(actor, "username", actor)
    head = _lock_head(session)
    at = utcnow()
    seq = head[0] + 1
    before, after = _plain(before), _plain(after)
    digest = event_hash(head[1], seq, at, actor, action, record_type, str(record_id), before, after, reason)
    connection = session.connection()
    connection.execute(insert(AuditEvent).values(
        seq=seq, at=at, actor=actor, action=action, record_type=record_type, record_id=str(record_id),
        before=before, after=after, reason=reason, prev_hash=head[1], hash=digest))
    connection.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=digest))
    head[0], head[1] = seq, digest


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session) -> ChainReport:
    """Walk the chain in order; report the first event changed, removed or reordered."""
    prev, expected_seq, count = GENESIS, 1, 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    for ev in rows:
        count += 1
        if ev.seq != expected_seq:
            return ChainReport(False, count, prev, ev.seq,
                               f"event {ev.seq} found where event {expected_seq} should be: an event was removed or reordered")
        if ev.prev_hash != prev:
            return ChainReport(False, count, prev, ev.seq,
                               f"event {ev.seq} does not follow the event before it: an event was removed or reordered")
        digest = event_hash(ev.prev_hash, ev.seq, ev.at, ev.actor, ev.action, ev.record_type,
                            ev.record_id, ev.before, ev.after, ev.reason)
        if digest != ev.hash:
            return ChainReport(False, count, prev, ev.seq, f"event {ev.seq} was changed after it was recorded")
        prev, expected_seq = ev.hash, expected_seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        return ChainReport(False, count, prev, expected_seq,
                           f"the chain ends at event {expected_seq - 1} but its head says {head.seq}: events were removed from the end")
    return ChainReport(True, count, prev)


def _filtered(query, record_type: str | None, record_id: str | None):
    if record_type:
        query = query.where(AuditEvent.record_type == record_type)
    if record_id:
        query = query.where(AuditEvent.record_id == str(record_id))
    return query


def history(session: Session, record_type: str | None = None, record_id: str | None = None,
            limit: int = 200, offset: int = 0) -> list[AuditEvent]:
    query = _filtered(select(AuditEvent).order_by(AuditEvent.seq.desc()), record_type, record_id)
    return list(session.execute(query.limit(limit).offset(offset)).scalars())


def count(session: Session, record_type: str | None = None, record_id: str | None = None) -> int:
    return session.execute(_filtered(select(func.count(AuditEvent.id)), record_type, record_id)).scalar_one()
