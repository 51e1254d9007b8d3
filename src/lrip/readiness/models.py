"""The readiness gate's records: the program's targets, frozen assessments, signed waivers and attestations.

Signatures live in the shared signature table (lrip.auth.signatures), bound to each record's content."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrip.db import Base, UTCDateTime


class ReadinessTarget(Base):
    """One program's own value for one criterion's threshold (the default applies when there is none)."""

    __tablename__ = "readiness_target"
    __table_args__ = (UniqueConstraint("program_id", "criterion", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)


class TargetChange(Base):
    """A proposed change to one of the program's readiness targets: it takes effect (the ReadinessTarget
    row) only once the program and quality have signed it (lrip.auth.decisions), and every assessment
    after shows it as a changed target. A newer proposal for the same target supersedes a pending one."""

    __tablename__ = "readiness_target_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    previous: Mapped[float] = mapped_column(Float)  # the target in force when it was proposed
    reason: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(80))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))  # pending | applied | superseded
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Assessment(Base):
    """A frozen snapshot of one evaluation: the verdict and every criterion with its evidence."""

    __tablename__ = "readiness_assessment"
    __table_args__ = (UniqueConstraint("program_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(20))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    evaluated_by: Mapped[str] = mapped_column(String(80))
    snapshot: Mapped[Any] = mapped_column(JSON)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))


class Waiver(Base):
    """A named, signed decision to proceed although a criterion is not met, on a stated condition."""

    __tablename__ = "readiness_waiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(40))
    condition: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(80))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class Attestation(Base):
    """A named person's signed statement on what no record proves (facilities, funding, ...), with the
    document that backs it (kept, with its SHA-256)."""

    __tablename__ = "readiness_attestation"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    statement: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str] = mapped_column(String(200))
    attachment_sha256: Mapped[str] = mapped_column(String(64))
    attachment: Mapped[bytes] = mapped_column(LargeBinary)
    attested_by: Mapped[str] = mapped_column(String(80))
    attested_at: Mapped[datetime] = mapped_column(UTCDateTime)
