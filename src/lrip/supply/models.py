"""Suppliers, the approved sources per part, purchase orders and their lines, receipts
against the lines (each one a material lot, with its incoming inspection), and the
material lots received from them."""
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.catalog.models import Part, PartRevision
from lrip.db import Base, UTCDateTime


class Supplier(Base):
    __tablename__ = "supplier"
    __table_args__ = (Index("ux_supplier_code_ci", func.lower(text("code")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(14))  # rules.SupplierStatus


class ApprovedSource(Base):
    __tablename__ = "approved_source"
    __table_args__ = (UniqueConstraint("part_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))


class MaterialLot(Base):
    """A received lot of a part, or one purchased serial (quantity 1), of the part revision received.
    `use_as_is_ncr` is the NCR whose MRB use-as-is lets it be built in although its revision is not the
    one a unit is built with (nonconformance records the decision here)."""

    __tablename__ = "material_lot"
    __table_args__ = (Index("ux_material_lot_lot_number_ci", func.lower(text("lot_number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_number: Mapped[str] = mapped_column(String(60), unique=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    # None only on lots received before revisions were recorded, of a part that had none
    part_revision_id: Mapped[int | None] = mapped_column(ForeignKey("part_revision.id"), nullable=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), nullable=True)
    quantity_received: Mapped[float] = mapped_column(Float)
    quantity_on_hand: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default="quarantine")  # rules.LotStatus
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    use_as_is_ncr: Mapped[str | None] = mapped_column(String(40), nullable=True)
    part: Mapped[Part] = relationship()
    part_revision: Mapped[PartRevision | None] = relationship()
    supplier: Mapped[Supplier | None] = relationship()


class PurchaseOrder(Base):
    __tablename__ = "purchase_order"
    __table_args__ = (Index("ux_purchase_order_number_ci", func.lower(text("number")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    ordered_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")  # rules.OrderStatus
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list["PurchaseOrderLine"]] = relationship(order_by="PurchaseOrderLine.line_number",
                                                            back_populates="order")


class PurchaseOrderLine(Base):
    """A part, a quantity and the date the supplier promised it; closed when fully received."""

    __tablename__ = "purchase_order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"))
    line_number: Mapped[int] = mapped_column(Integer)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    quantity: Mapped[float] = mapped_column(Float)
    promised_on: Mapped[date] = mapped_column(Date)
    quantity_received: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(8), default="open")  # rules.LineStatus
    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    part: Mapped[Part] = relationship()


class Receipt(Base):
    """One delivery against a PO line: its material lot (1:1), the paperwork, and the
    incoming inspection (sample size, defects found, result, who and when)."""

    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    material_lot_id: Mapped[int] = mapped_column(ForeignKey("material_lot.id"), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)  # the PO's, kept for scorecards
    received_on: Mapped[date] = mapped_column(Date, index=True)
    quantity: Mapped[float] = mapped_column(Float)
    packing_slip: Mapped[str | None] = mapped_column(String(80), nullable=True)
    certificate: Mapped[str | None] = mapped_column(String(80), nullable=True)
    received_by: Mapped[str] = mapped_column(String(80))
    result: Mapped[str] = mapped_column(String(10), default="pending")  # rules.ReceiptResult
    aql: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: 100% inspection
    sample_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    defects_found: Mapped[int | None] = mapped_column(Integer, nullable=True)
    inspected_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    line: Mapped[PurchaseOrderLine] = relationship()
    material_lot: Mapped[MaterialLot] = relationship()
    supplier: Mapped[Supplier] = relationship()


class IncomingAql(Base):
    """The AQL (and Z1.4 inspection level) incoming inspection samples a part at; the row
    without a part is the default. No row at all: every unit is inspected."""

    __tablename__ = "incoming_aql"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int | None] = mapped_column(ForeignKey("part.id"), nullable=True, unique=True)
    aql: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(4), default="II")
