"""The product being ramped: its phase policies, lots (work orders) and ramp plan."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.catalog.models import PartRevision, Routing
from lrip.db import Base, UTCDateTime, utcnow


class Program(Base):
    __tablename__ = "program"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    part_revision_id: Mapped[int] = mapped_column(ForeignKey("part_revision.id"))
    planned_total: Mapped[int] = mapped_column(Integer)
    frp_target_rate: Mapped[float] = mapped_column()  # units per week
    phase: Mapped[str] = mapped_column(String(10), default="prototype")
    lrip_quantity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lrip_quantity_rationale: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    part_revision: Mapped[PartRevision] = relationship()


class PhasePolicy(Base):
    """One program's rules for one phase; the columns mirror program.rules.Policy."""

    __tablename__ = "phase_policy"
    __table_args__ = (UniqueConstraint("program_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    phase: Mapped[str] = mapped_column(String(10))
    production_intent: Mapped[bool] = mapped_column(Boolean)
    released_instruction: Mapped[bool] = mapped_column(Boolean)
    production_tools: Mapped[bool] = mapped_column(Boolean)
    current_calibration: Mapped[bool] = mapped_column(Boolean)
    qualified_operator: Mapped[bool] = mapped_column(Boolean)
    approved_material: Mapped[bool] = mapped_column(Boolean)
    inspection: Mapped[str] = mapped_column(String(30))
    first_article: Mapped[str] = mapped_column(String(30))
    change_signatures: Mapped[Any] = mapped_column(JSON)
    disposition_signatures: Mapped[Any] = mapped_column(JSON)
    quantity_control: Mapped[str] = mapped_column(String(30))
    open_lot_changes: Mapped[str] = mapped_column(String(30))


class Lot(Base):
    """A work order: a planned quantity of units built in one phase on one routing revision."""

    __tablename__ = "lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    phase: Mapped[str] = mapped_column(String(10))
    planned_quantity: Mapped[int] = mapped_column(Integer)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routing.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    program: Mapped[Program] = relationship()
    routing: Mapped[Routing] = relationship()


class RampPlanEntry(Base):
    """Planned unit starts in one period (a week starting on period_start)."""

    __tablename__ = "ramp_plan_entry"
    __table_args__ = (UniqueConstraint("program_id", "period_start", "lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), nullable=True)
    period_start: Mapped[date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(10))
    planned_starts: Mapped[int] = mapped_column(Integer)
