"""The product being ramped: its phase policies, lots (work orders), ramp plan and the signed
decisions on its LRIP quantity."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.auth.models import User
from lrip.catalog.models import PartRevision, Routing
from lrip.db import Base, UTCDateTime, utcnow


class Program(Base):
    __tablename__ = "program"
    __table_args__ = (Index("ux_program_code_ci", func.lower(text("code")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    part_revision_id: Mapped[int] = mapped_column(ForeignKey("part_revision.id"))
    planned_total: Mapped[int] = mapped_column(Integer)
    frp_target_rate: Mapped[float] = mapped_column()  # units per week
    phase: Mapped[str] = mapped_column(String(10), default="prototype")
    lrip_quantity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lrip_quantity_rationale: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the signed GO readiness decision full-rate production needs, recorded by readiness when it is signed
    frp_go_assessment: Mapped[str | None] = mapped_column(String(40), nullable=True)
    frp_go_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
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
    customer_approval: Mapped[str] = mapped_column(String(30), default="none", server_default="none")


class Lot(Base):
    """A work order: a planned quantity of units built in one phase on one routing revision.

    `units_created` counts the units made in it (execution tells through program.service.note_unit_created),
    so the lot plan and the LRIP quantity are checked without reading the units. `inspection_sample` is
    the FRP sample inspection chose: {"<operation sequence>": {"<characteristic code>": [1-based unit
    positions]}}; a characteristic absent from it is inspected on every unit. `inspection_seed` is the seed
    inspection draws the lot's random samples with, recorded as the lot is created."""

    __tablename__ = "lot"
    __table_args__ = (Index("ux_lot_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    phase: Mapped[str] = mapped_column(String(10))
    planned_quantity: Mapped[int] = mapped_column(Integer)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routing.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")  # program.rules.LotStatus
    units_created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inspection_sample: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    inspection_seed: Mapped[int | None] = mapped_column(Integer, nullable=True)  # its random samples' seed
    # its units by status when it closed ({"complete": 5, "scrapped": 1}), told by the shop floor
    # (program.service.record_lot_results); a pilot lot's results are what the move to LRIP reviews
    results: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    # the part revisions its units are built with where an implemented change pinned them (change control
    # records it): {"HSG-200": [{"revision": "A", "change": "CR-0003"}, {"revision": "B", "from_serial":
    # "SN-0012", "change": "CR-0005"}]}, the last step a unit's serial reaches applies; a part absent from
    # it is built with its released revision
    configuration: Mapped[Any | None] = mapped_column(JSON, nullable=True)
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


class LripQuantityApproval(Base):
    """One signed decision on a program's LRIP quantity: the first setting and every increase."""

    __tablename__ = "lrip_quantity_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    previous: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quantity: Mapped[int] = mapped_column(Integer)
    planned_total: Mapped[int] = mapped_column(Integer)
    above_ten_percent: Mapped[bool] = mapped_column(Boolean)
    rationale: Mapped[str | None] = mapped_column(Text, nullable=True)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    signature_id: Mapped[int] = mapped_column(ForeignKey("signature.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    program: Mapped[Program] = relationship()
    approved_by: Mapped[User] = relationship()


class PolicyChange(Base):
    """A proposed change to one rule of one phase's policy: it applies when the signatures the decisions
    table asks for (program and quality) are given on it, and is withdrawn when another proposal for the
    same rule replaces it. `number` counts the program's proposals from 1."""

    __tablename__ = "policy_change"
    __table_args__ = (UniqueConstraint("program_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(10))
    rule: Mapped[str] = mapped_column(String(40))
    value: Mapped[Any] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # program.rules.ProposalStatus
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    program: Mapped[Program] = relationship()
    proposed_by: Mapped[User] = relationship()
