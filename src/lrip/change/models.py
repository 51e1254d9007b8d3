"""Change requests with their affected items, and redlines.

A change request is frozen when it is submitted: its impact analysis is stored with
it as a snapshot (recomputable at any time), and its signatures are bound to the
SHA-256 of its content, so an edit after signing would show."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.auth.models import User
from lrip.catalog.models import DocumentRevision, Operation
from lrip.db import Base, UTCDateTime
from lrip.execution.models import Unit
from lrip.program.models import Program


class ChangeRequest(Base):
    __tablename__ = "change_request"
    __table_args__ = (Index("ux_change_request_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    change_class: Mapped[str] = mapped_column(String(5))  # rules.ChangeClass
    urgency: Mapped[str] = mapped_column(String(6))  # rules.Urgency
    effectivity: Mapped[str] = mapped_column(String(12))  # rules.Effectivity
    effectivity_serial: Mapped[str | None] = mapped_column(String(60), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # rules.ChangeStatus
    attachments: Mapped[Any] = mapped_column(JSON, default=list)  # [{document, revision, content_hash}]
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    implemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # rejected or cancelled
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    impact: Mapped[Any] = mapped_column(JSON, nullable=True)  # the snapshot taken when submitted
    implementation: Mapped[Any] = mapped_column(JSON, nullable=True)  # what implementing did
    program: Mapped[Program] = relationship()
    raised_by: Mapped[User] = relationship()
    items: Mapped[list["ChangeItem"]] = relationship(order_by="ChangeItem.id", back_populates="change")


class ChangeItem(Base):
    """One affected item: a part revision, a BOM (its parent revision), a routing, a work
    instruction or a tool, with the revision it changes from and the one it changes to."""

    __tablename__ = "change_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("change_request.id"), index=True)
    kind: Mapped[str] = mapped_column(String(14))  # rules.ItemKind
    identifier: Mapped[str] = mapped_column(String(120))  # part, document or tool number; routing: PART/REV
    from_revision: Mapped[str | None] = mapped_column(String(10), nullable=True)
    to_revision: Mapped[str | None] = mapped_column(String(10), nullable=True)
    change: Mapped[ChangeRequest] = relationship(back_populates="items")


class Redline(Base):
    """A markup on a unit's operation's instruction, allowed in prototype and pilot only.
    `change_id` is the change request that carries it into a released revision."""

    __tablename__ = "redline"
    __table_args__ = (Index("ux_redline_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    document_revision_id: Mapped[int | None] = mapped_column(ForeignKey("document_revision.id"), nullable=True)
    markup: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("change_request.id"), nullable=True, index=True)
    unit: Mapped[Unit] = relationship()
    operation: Mapped[Operation] = relationship()
    document_revision: Mapped[DocumentRevision | None] = relationship()
    recorded_by: Mapped[User] = relationship()
    change: Mapped[ChangeRequest | None] = relationship()
