"""Suppliers, the approved sources per part, and the material lots received from them.
Purchase orders, receipts and incoming inspection come with the supply issue."""
from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.catalog.models import Part
from lrip.db import Base, UTCDateTime


class Supplier(Base):
    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(14))  # approved | conditional | disqualified


class ApprovedSource(Base):
    __tablename__ = "approved_source"
    __table_args__ = (UniqueConstraint("part_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))


class MaterialLot(Base):
    """A received lot of a part, or one purchased serial (quantity 1)."""

    __tablename__ = "material_lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_number: Mapped[str] = mapped_column(String(60), unique=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), nullable=True)
    quantity_received: Mapped[float] = mapped_column(Float)
    quantity_on_hand: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default="quarantine")  # quarantine | accepted | rejected
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    part: Mapped[Part] = relationship()
    supplier: Mapped[Supplier | None] = relationship()
