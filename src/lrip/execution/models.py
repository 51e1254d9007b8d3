"""What happened on the floor: units, operation records, measurements, consumption (the genealogy),
and the measurement files imported. A unit's holds belong to nonconformance (lrip.nonconformance.models.Hold).

The floor writes its rows by their foreign keys, so their relationships are for reading only
(`viewonly`): a flush then carries no bookkeeping for them, which is most of what writing a shop-floor
row costs. An attempt's tools (the operation_tool link) are written as rows too."""
from datetime import datetime

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, func,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.auth.models import User
from lrip.catalog.models import Characteristic, DocumentRevision, Operation, Tool
from lrip.db import Base, UTCDateTime, utcnow
from lrip.program.models import Lot
from lrip.supply.models import MaterialLot


class Unit(Base):
    """A serialized unit; `position` is its place in its lot (1, 2, …), which an FRP inspection sample names."""

    __tablename__ = "unit"
    __table_args__ = (Index("uq_unit_lot_position", "lot_id", "position", unique=True),
                      Index("ux_unit_serial_ci", func.lower(text("serial")), unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(60), unique=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, server_default="0")  # the default only lets the migration add it
    status: Mapped[str] = mapped_column(String(10), default="planned")  # execution.rules.UnitStatus
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lot: Mapped[Lot] = relationship(viewonly=True)


operation_tool = Table(
    "operation_tool",
    Base.metadata,
    Column("operation_record_id", ForeignKey("operation_record.id"), primary_key=True),
    Column("tool_id", ForeignKey("tool.id"), primary_key=True, index=True),
)


class OperationRecord(Base):
    """One attempt at one operation on one unit; rework makes a new attempt. While it is in work, its
    clock (execution.rules.WorkClock) says whether someone is working it, since when and who; its
    worked intervals closed so far are WorkInterval rows, their minutes summed in `worked_minutes`."""

    __tablename__ = "operation_record"
    __table_args__ = (UniqueConstraint("unit_id", "operation_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default="in_work")  # execution.rules.RecordStatus
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    document_revision_id: Mapped[int | None] = mapped_column(ForeignKey("document_revision.id"), nullable=True)
    cycle_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)  # worked minutes, once complete
    worked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    clock: Mapped[str | None] = mapped_column(String(8), nullable=True)  # execution.rules.WorkClock, in work
    clock_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    worked_minutes: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    unit: Mapped[Unit] = relationship(viewonly=True)
    operation: Mapped[Operation] = relationship(viewonly=True)
    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id], viewonly=True)
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id], viewonly=True)
    document_revision: Mapped[DocumentRevision | None] = relationship(viewonly=True)
    tools: Mapped[list[Tool]] = relationship(secondary=operation_tool, order_by=Tool.code, viewonly=True)


class Measurement(Base):
    __tablename__ = "measurement"
    __table_args__ = (Index("ix_measurement_characteristic_time", "characteristic_id", "recorded_at"),
                      Index("ix_measurement_gauge_time", "gauge", "recorded_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    characteristic_id: Mapped[int] = mapped_column(ForeignKey("characteristic.id"))
    operation_record_id: Mapped[int] = mapped_column(ForeignKey("operation_record.id"), index=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    in_spec: Mapped[bool] = mapped_column(Boolean)
    gauge: Mapped[str | None] = mapped_column(String(60), nullable=True)  # a gauge's code, as the register spells it
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(10), default="manual")  # manual | import
    characteristic: Mapped[Characteristic] = relationship(viewonly=True)
    recorded_by: Mapped[User] = relationship(viewonly=True)


class Consumption(Base):
    """A material lot or a child serial built into a unit at an operation: one genealogy link."""

    __tablename__ = "consumption"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    operation_record_id: Mapped[int] = mapped_column(ForeignKey("operation_record.id"), index=True)
    material_lot_id: Mapped[int | None] = mapped_column(ForeignKey("material_lot.id"), nullable=True, index=True)
    child_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True, index=True)
    quantity: Mapped[float] = mapped_column(Float)
    consumed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consumed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    material_lot: Mapped[MaterialLot | None] = relationship(viewonly=True)
    child_unit: Mapped[Unit | None] = relationship(foreign_keys=[child_unit_id], viewonly=True)
    operation_record: Mapped[OperationRecord] = relationship(viewonly=True)


class WorkInterval(Base):
    """A stretch of work on an operation attempt by one operator, closed when it was paused, handed over
    at a shift change, stopped by a hold, or completed: an attempt's cycle time is the sum of these."""

    __tablename__ = "work_interval"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_record_id: Mapped[int] = mapped_column(ForeignKey("operation_record.id"), index=True)
    worked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended: Mapped[str] = mapped_column(String(12))  # execution.rules.IntervalEnd
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class MeasurementImport(Base):
    """A test station's file, imported: the same file (same SHA-256) is imported again only on purpose,
    with a reason."""

    __tablename__ = "measurement_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(80))
    again_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
