"""Nonconformance reports (NCRs), the holds they put on units, their MRB dispositions and files, and
corrective actions (CAPA, 8D).

An NCR is on one subject: a unit, a lot (program lot), or a material lot (a
supplier receipt is its material lot; the supplier is filled in). An NCR on a unit holds it (one open
hold per unit and NCR); only the NCR's disposition releases the hold. A CAPA gathers the NCRs of one
recurring defect; each NCR points to at most one CAPA. A SCAR asks the supplier of an NCR's material for
its corrective action. Defect codes are a catalogue quality keeps.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.auth.models import User
from lrip.catalog.models import Characteristic, Operation
from lrip.db import Base, UTCDateTime
from lrip.execution.models import Unit
from lrip.program.models import Lot, Program
from lrip.supply.models import MaterialLot, Supplier


class Capa(Base):
    """A corrective and preventive action in eight disciplines (8D). Proposed by a recurring
    defect or opened by hand; closes only after its effectiveness check is verified."""

    __tablename__ = "capa"
    __table_args__ = (Index("ux_capa_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="proposed")  # proposed | open | closed | rejected
    title: Mapped[str] = mapped_column(String(200))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"), nullable=True, index=True)
    defect_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    d1_team: Mapped[str | None] = mapped_column(Text, nullable=True)
    d2_problem: Mapped[str | None] = mapped_column(Text, nullable=True)
    d3_containment: Mapped[str | None] = mapped_column(Text, nullable=True)
    d4_root_cause: Mapped[str | None] = mapped_column(Text, nullable=True)
    d5_corrective_action: Mapped[str | None] = mapped_column(Text, nullable=True)
    d6_implementation: Mapped[str | None] = mapped_column(Text, nullable=True)
    d7_prevention: Mapped[str | None] = mapped_column(Text, nullable=True)
    d8_closure: Mapped[str | None] = mapped_column(Text, nullable=True)
    effectiveness_units: Mapped[int] = mapped_column(Integer, default=20)  # N units after the actions, no recurrence
    effectiveness_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    effectiveness_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    # a CAPA closed the day it opened: the quality waiver's signature that allowed it
    same_day_waiver_id: Mapped[int | None] = mapped_column(ForeignKey("signature.id"), nullable=True)
    program: Mapped[Program | None] = relationship()
    operation: Mapped[Operation | None] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    actions: Mapped[list["CapaAction"]] = relationship(order_by="CapaAction.id", back_populates="capa")


class CapaAction(Base):
    """One action of a CAPA: containment, corrective or preventive, with its owner and dates."""

    __tablename__ = "capa_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    capa_id: Mapped[int] = mapped_column(ForeignKey("capa.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # containment | corrective | preventive
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    due_on: Mapped[date] = mapped_column(Date)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)  # an action is not done before it existed
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    capa: Mapped[Capa] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship()


class NonConformance(Base):
    __tablename__ = "ncr"
    __table_args__ = (Index("ux_ncr_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(14), default="open")  # open | mrb_review | dispositioned | closed
    severity: Mapped[str] = mapped_column(String(8))  # critical | major | minor
    defect_code: Mapped[str] = mapped_column(String(20), index=True)
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[float] = mapped_column(Float, default=1.0)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"), nullable=True, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True, index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), nullable=True, index=True)
    material_lot_id: Mapped[int | None] = mapped_column(ForeignKey("material_lot.id"), nullable=True, index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), nullable=True, index=True)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id"), nullable=True, index=True)
    characteristic_id: Mapped[int | None] = mapped_column(ForeignKey("characteristic.id"), nullable=True)
    measurement_id: Mapped[int | None] = mapped_column(ForeignKey("measurement.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    capa_id: Mapped[int | None] = mapped_column(ForeignKey("capa.id"), nullable=True, index=True)
    # the disposition MRB is reviewing now: what the signatures are given to
    proposed_action: Mapped[str | None] = mapped_column(String(20), nullable=True)
    proposed_quantity: Mapped[float | None] = mapped_column(Float, nullable=True)
    proposed_rework_to_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id"), nullable=True)
    proposed_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # on a material lot: the contained units (serials) the proposal decides, instead of the material
    proposed_units: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # each proposal put under review is a new version, and signatures bind to it: reverting a proposal
    # to what was signed before does not bring those signatures back
    proposal_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    unit: Mapped[Unit | None] = relationship()
    lot: Mapped[Lot | None] = relationship()
    material_lot: Mapped[MaterialLot | None] = relationship()
    supplier: Mapped[Supplier | None] = relationship()
    program: Mapped[Program | None] = relationship()
    operation: Mapped[Operation | None] = relationship(foreign_keys=[operation_id])
    characteristic: Mapped[Characteristic | None] = relationship()
    proposed_rework_to: Mapped[Operation | None] = relationship(foreign_keys=[proposed_rework_to_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    capa: Mapped[Capa | None] = relationship()
    dispositions: Mapped[list["NcrDisposition"]] = relationship(order_by="NcrDisposition.id", back_populates="ncr")


class NcrDisposition(Base):
    """One MRB decision on some or all of an NCR's quantity; `content_hash` is what its signatures signed."""

    __tablename__ = "ncr_disposition"

    id: Mapped[int] = mapped_column(primary_key=True)
    ncr_id: Mapped[int] = mapped_column(ForeignKey("ncr.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # use_as_is | repair | rework | scrap | return_to_supplier
    quantity: Mapped[float] = mapped_column(Float)
    rework_to_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    units: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # contained units decided (serials)
    ncr: Mapped[NonConformance] = relationship(back_populates="dispositions")
    rework_to: Mapped[Operation | None] = relationship()
    decided_by: Mapped[User] = relationship()


class NcrAttachment(Base):
    """A photo or file kept with an NCR (small: see rules.MAX_ATTACHMENT_BYTES)."""

    __tablename__ = "ncr_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ncr_id: Mapped[int] = mapped_column(ForeignKey("ncr.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    added_by: Mapped[User] = relationship()


class Hold(Base):
    """A unit stopped under an NCR; released only by that NCR's disposition. One open hold per unit and
    NCR (a partial unique index): a second out-of-spec result cannot stack holds on one NCR."""

    __tablename__ = "hold"
    __table_args__ = (Index("ux_hold_open_unit_ncr", "unit_id", "ncr_id", unique=True,
                            sqlite_where=text("released_at IS NULL"), postgresql_where=text("released_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    operation_record_id: Mapped[int | None] = mapped_column(ForeignKey("operation_record.id"), nullable=True)
    measurement_id: Mapped[int | None] = mapped_column(ForeignKey("measurement.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    ncr_id: Mapped[int | None] = mapped_column(ForeignKey("ncr.id", name="fk_hold_ncr_id"), nullable=True, index=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(20), nullable=True)  # use_as_is | repair | rework | scrap
    disposition_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    unit: Mapped[Unit] = relationship()
    ncr: Mapped[NonConformance | None] = relationship()


class DefectCode(Base):
    """One code of the defect-code catalogue. Quality adds codes and changes their meaning (audited); a code
    is retired, never deleted, so every NCR keeps the code it was raised with."""

    __tablename__ = "defect_code"
    __table_args__ = (Index("ux_defect_code_code_ci", func.lower(text("code")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    meaning: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(80))


class Scar(Base):
    """A supplier corrective action request, raised from an NCR against the supplier: what is asked, by when
    the supplier's response is due, the response as it came, and quality's verification of its effect. A
    response found not effective sends it back to the supplier with a new due date (`round` counts them)."""

    __tablename__ = "scar"
    __table_args__ = (Index("ux_scar_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # rules.ScarStatus
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    ncr_id: Mapped[int] = mapped_column(ForeignKey("ncr.id"), index=True)
    request: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    round: Mapped[int] = mapped_column(Integer, default=1)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    responded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    response_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    verification: Mapped[str | None] = mapped_column(Text, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    supplier: Mapped[Supplier] = relationship()
    ncr: Mapped[NonConformance] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    response_recorded_by: Mapped[User | None] = relationship(foreign_keys=[response_recorded_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
