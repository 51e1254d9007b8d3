"""Answers of the audit trail's use cases."""
from datetime import datetime
from typing import Any

from lrip.fields import Answer, ShortText, Strict


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


class FindingOut(Answer):
    """One thing `verify` found wrong. kind: changed, removed (an event removed or reordered), head_rewritten,
    head_deleted, truncated, rewritten (the chain recomputed before a checkpoint), forged_checkpoint,
    checkpoint_deleted, record_changed, record_added, record_deleted, record_unverifiable."""

    kind: str
    message: str
    seq: int | None
    record_type: str | None
    record_id: str | None


class ChainOut(Answer):
    ok: bool
    events: int
    head_hash: str
    first_bad_seq: int | None
    problem: str | None
    checkpoints: int
    last_checkpoint: int | None
    key: str | None
    records: int
    findings: list[FindingOut]
    notes: list[str]


class CheckpointRequest(Strict):
    reason: ShortText | None = None


class CheckpointOut(Answer):
    seq: int
    hash: str
    at: datetime
    reason: str
    key: str
    file: str


class History(Answer):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int
