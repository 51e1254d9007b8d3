"""Inspection plans with their Z1.4 sampling state and history, and first article inspection records."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.catalog.models import Operation, PartRevision, Routing
from lrip.db import Base, UTCDateTime, utcnow
from lrip.execution.models import Unit


class InspectionPlan(Base):
    """How one routing operation is inspected, and where its stream of lots stands in the
    Z1.4 switching scheme (the columns of quality.sampling.SamplingState)."""

    __tablename__ = "inspection_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), unique=True)
    classes: Mapped[Any] = mapped_column(JSON, default=dict)  # characteristic code -> critical | major | minor
    aql: Mapped[Any] = mapped_column(JSON, default=dict)  # major | minor -> AQL
    level: Mapped[str] = mapped_column(String(4), default="II")
    severity: Mapped[str] = mapped_column(String(10), default="normal")  # normal | tightened | reduced
    discontinued: Mapped[bool] = mapped_column(Boolean, default=False)
    recent_normal: Mapped[Any] = mapped_column(JSON, default=list)
    consecutive_accepted: Mapped[int] = mapped_column(Integer, default=0)
    tightened_not_accepted: Mapped[int] = mapped_column(Integer, default=0)
    reduced_approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reduced_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80))
    operation: Mapped[Operation] = relationship()


class SamplingEvent(Base):
    """One line of a plan's history: a lot result, an approval of reduced inspection,
    a corrective action, or a change of the plan."""

    __tablename__ = "sampling_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # lot_result | reduced_approved | corrective_action | plan_set
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), nullable=True)
    lot_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    plans: Mapped[Any] = mapped_column(JSON, nullable=True)  # per class: code letter, n, Ac, Re
    defects: Mapped[Any] = mapped_column(JSON, nullable=True)  # per class: defective units found
    accepted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    resubmitted: Mapped[bool] = mapped_column(Boolean, default=False)
    production_steady: Mapped[bool] = mapped_column(Boolean, default=True)
    severity_before: Mapped[str] = mapped_column(String(12))
    severity_after: Mapped[str] = mapped_column(String(12))
    transition: Mapped[str | None] = mapped_column(Text, nullable=True)  # "normal → tightened: … (Z1.4 8.3.1)"
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class FirstArticle(Base):
    """An AS9102 first article inspection of one unit. Its forms are built from the unit's
    records; completing it freezes them (`content`), which is what its signatures sign."""

    __tablename__ = "first_article"
    __table_args__ = (Index("ux_first_article_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routing.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # full | partial
    reason: Mapped[str] = mapped_column(Text)
    characteristics: Mapped[Any] = mapped_column(JSON, nullable=True)  # codes, for a partial FAI
    organization: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | complete | approved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    content: Mapped[Any] = mapped_column(JSON, nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unit: Mapped[Unit] = relationship()
    routing: Mapped[Routing] = relationship()


class FaiRequirement(Base):
    """A partial (delta) FAI owed after a change touched characteristics of a part revision;
    met by the first article record that covers it, on a unit the change's effectivity reaches:
    next_lot, a unit of a lot opened after `after_lot_id`; from_serial, `from_serial` and after;
    immediate, a unit that had not yet done the changed operations when it was raised; none (owed
    by hand), the next unit."""

    __tablename__ = "fai_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_revision_id: Mapped[int] = mapped_column(ForeignKey("part_revision.id"), index=True)
    characteristics: Mapped[Any] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_by: Mapped[str] = mapped_column(String(80))
    effectivity: Mapped[str | None] = mapped_column(String(12), nullable=True)  # change.rules.Effectivity
    after_lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), nullable=True)
    from_serial: Mapped[str | None] = mapped_column(String(60), nullable=True)
    first_article_id: Mapped[int | None] = mapped_column(ForeignKey("first_article.id"), nullable=True)
    part_revision: Mapped[PartRevision] = relationship()
    first_article: Mapped[FirstArticle | None] = relationship()
