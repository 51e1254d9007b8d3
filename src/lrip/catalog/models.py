"""What is built and how: parts, revisions, BOMs, work instructions, work centers,
tools, qualifications, and the routings with their operations and characteristics."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint, func, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.db import Base, UTCDateTime, utcnow


class Part(Base):
    __tablename__ = "part"
    __table_args__ = (Index("ux_part_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    tracking: Mapped[str] = mapped_column(String(10))  # serial | lot | none


class PartRevision(Base):
    __tablename__ = "part_revision"
    __table_args__ = (UniqueConstraint("part_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    revision: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | released | obsolete
    part: Mapped[Part] = relationship()


class BomLine(Base):
    """A child part in a parent revision, consumed at one operation of the routing. `specification`: the
    material or part specification it is bought to; `special_process`: one its supplier performs on it (hard
    anodise) to `process_specification` (MIL-A-8625 Type III): both go on the first article's Form 2."""

    __tablename__ = "bom_line"
    __table_args__ = (UniqueConstraint("parent_revision_id", "child_part_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_revision_id: Mapped[int] = mapped_column(ForeignKey("part_revision.id"), index=True)
    child_part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[float] = mapped_column(Float)
    operation_sequence: Mapped[int] = mapped_column(Integer)
    specification: Mapped[str | None] = mapped_column(String(120), nullable=True)
    special_process: Mapped[str | None] = mapped_column(String(120), nullable=True)
    process_specification: Mapped[str | None] = mapped_column(String(120), nullable=True)
    child_part: Mapped[Part] = relationship()
    parent_revision: Mapped[PartRevision] = relationship()


class Document(Base):
    __tablename__ = "document"
    __table_args__ = (Index("ux_document_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))


class DocumentRevision(Base):
    __tablename__ = "document_revision"
    __table_args__ = (UniqueConstraint("document_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    revision: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | redline | released | superseded
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    document: Mapped[Document] = relationship()

    @property
    def label(self) -> str:
        return f"{self.document.number} rev {self.revision}"


class DocumentImage(Base):
    """An image a revision's Markdown shows by its file name (`![datum A](datum-a.png)`); part of
    the revision's content, so a released revision's images never change either."""

    __tablename__ = "document_image"
    __table_args__ = (UniqueConstraint("document_revision_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_revision_id: Mapped[int] = mapped_column(ForeignKey("document_revision.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    document_revision: Mapped[DocumentRevision] = relationship()


class WorkCenter(Base):
    __tablename__ = "work_center"
    __table_args__ = (Index("ux_work_center_code_ci", func.lower(text("code")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    hours_per_day: Mapped[float] = mapped_column(Float)
    stations: Mapped[int] = mapped_column(Integer, default=1)
    efficiency: Mapped[float] = mapped_column(Float, default=1.0)


class Tool(Base):
    __tablename__ = "tool"
    __table_args__ = (Index("ux_tool_code_ci", func.lower(text("code")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(12))  # production | temporary | gauge (rules.ToolCategory)
    calibration_due: Mapped[date | None] = mapped_column(Date, nullable=True)  # the newest calibration's
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ToolCalibration(Base):
    """One calibration of a tool or gauge, kept for good: the newest sets the tool's due date. `as_found`
    is what the laboratory found before adjusting ('out': out of tolerance, so what it measured since the
    calibration before is suspect)."""

    __tablename__ = "tool_calibration"

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    calibrated_on: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    certificate: Mapped[str] = mapped_column(String(60))
    as_found: Mapped[str | None] = mapped_column(String(3), nullable=True)  # in | out (rules.AsFound)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(80))
    tool: Mapped["Tool"] = relationship()


class Qualification(Base):
    __tablename__ = "qualification"
    __table_args__ = (UniqueConstraint("user_id", "skill"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    skill: Mapped[str] = mapped_column(String(60))
    granted_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    training: Mapped[str | None] = mapped_column(String(120), nullable=True)  # the training record's reference
    revoked_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # not held from this day


class Routing(Base):
    __tablename__ = "routing"
    __table_args__ = (UniqueConstraint("part_revision_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_revision_id: Mapped[int] = mapped_column(ForeignKey("part_revision.id"))
    revision: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | released | superseded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    part_revision: Mapped[PartRevision] = relationship()
    operations: Mapped[list["Operation"]] = relationship(order_by="Operation.sequence", back_populates="routing")


class Operation(Base):
    __tablename__ = "operation"
    __table_args__ = (UniqueConstraint("routing_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routing.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    work_center_id: Mapped[int] = mapped_column(ForeignKey("work_center.id"))
    standard_minutes: Mapped[float] = mapped_column(Float)
    document_revision_id: Mapped[int | None] = mapped_column(ForeignKey("document_revision.id"), nullable=True)
    required_tool_kinds: Mapped[Any] = mapped_column(JSON, default=list)
    required_skill: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # a special process the operation performs in house (potting, soldering), to its specification
    special_process: Mapped[str | None] = mapped_column(String(120), nullable=True)
    process_specification: Mapped[str | None] = mapped_column(String(120), nullable=True)
    routing: Mapped[Routing] = relationship(back_populates="operations")
    work_center: Mapped[WorkCenter] = relationship()
    document_revision: Mapped[DocumentRevision | None] = relationship()
    characteristics: Mapped[list["Characteristic"]] = relationship(order_by="Characteristic.code")


class Characteristic(Base):
    """Variable (nominal, LSL, USL, units) or attribute (pass/fail); maybe a key characteristic."""

    __tablename__ = "characteristic"
    __table_args__ = (UniqueConstraint("operation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # variable | attribute
    nominal: Mapped[float | None] = mapped_column(Float, nullable=True)
    lsl: Mapped[float | None] = mapped_column(Float, nullable=True)
    usl: Mapped[float | None] = mapped_column(Float, nullable=True)
    units: Mapped[str | None] = mapped_column(String(20), nullable=True)
    key: Mapped[bool] = mapped_column(Boolean, default=False)
    balloon: Mapped[str | None] = mapped_column(String(20), nullable=True)  # its number on the drawing
    drawing_zone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    gauge_kind: Mapped[str | None] = mapped_column(String(60), nullable=True)  # the kind of gauge that measures it


class SetupVersion(Base):
    """One row, one number: bumped (lrip.catalog.service.setup_changed) by every change to a released
    routing, its operations and characteristics, a BOM, a revision's status or a phase policy, so a
    process that keeps released routings in memory knows when to read them again."""

    __tablename__ = "setup_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
