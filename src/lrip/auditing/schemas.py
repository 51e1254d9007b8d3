"""Answers of the audit trail's use cases."""
from datetime import datetime
from typing import Any

from lrip.fields import Answer


class AuditEventOut(Answer):
    seq: int
    at: datetime
    actor: str
    action: str
    record_type: str
    record_id: str
    before: Any
    after: Any
    reason: str | None
    hash: str


class ChainOut(Answer):
    ok: bool
    events: int
    head_hash: str
    first_bad_seq: int | None
    problem: str | None


class History(Answer):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int
