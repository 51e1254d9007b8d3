"""Suppliers, approved sources and material lots. Purchase orders, receipts against
them and sampled incoming inspection come with the supply issue."""
import math
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.catalog.service import get_part
from lrip.db import get_one, transactional, utcnow
from lrip.errors import verdict
from lrip.supply.models import ApprovedSource, MaterialLot, Supplier

SUPPLIER_STATUSES = ("approved", "conditional", "disqualified")


@transactional
def create_supplier(session: Session, *, code: str, name: str, status: str, actor: str) -> Supplier:
    reasons = []
    if status not in SUPPLIER_STATUSES:
        reasons.append(f"a supplier is {', '.join(SUPPLIER_STATUSES)}, not '{status}'")
    if session.execute(select(Supplier.id).filter_by(code=code)).first():
        reasons.append(f"supplier {code} already exists")
    verdict(reasons).raise_if_refused("supplier_refused")
    supplier = Supplier(code=code, name=name, status=status)
    session.add(supplier)
    session.flush()
    audit.record(session, actor=actor, action="supplier.created", record_type="supplier", record_id=code,
                 after={"name": name, "status": status})
    return supplier


def get_supplier(session: Session, code: str) -> Supplier:
    return get_one(session, Supplier, "supplier", code=code)


@transactional
def approve_source(session: Session, *, part: str, supplier: str, actor: str) -> ApprovedSource:
    p, s = get_part(session, part), get_supplier(session, supplier)
    if session.execute(select(ApprovedSource.id).filter_by(part_id=p.id, supplier_id=s.id)).first():
        verdict([f"{supplier} is already an approved source of {part}"]).raise_if_refused("source_refused")
    source = ApprovedSource(part_id=p.id, supplier_id=s.id)
    session.add(source)
    session.flush()
    audit.record(session, actor=actor, action="approved_source.added", record_type="part", record_id=part,
                 after={"supplier": supplier})
    return source


def is_approved_source(session: Session, part_id: int, supplier_id: int | None) -> bool:
    if supplier_id is None:
        return False
    return session.execute(select(ApprovedSource.id).filter_by(part_id=part_id, supplier_id=supplier_id)).first() is not None


@transactional
def receive_lot(session: Session, *, lot_number: str, part: str, supplier: str, quantity: float,
                actor: str, received_at: datetime | None = None) -> MaterialLot:
    """A received lot (or one purchased serial) starts in quarantine until inspected."""
    p, s = get_part(session, part), get_supplier(session, supplier)
    reasons = []
    if session.execute(select(MaterialLot.id).filter_by(lot_number=lot_number)).first():
        reasons.append(f"lot {lot_number} already exists")
    if not (quantity > 0 and math.isfinite(quantity)):
        reasons.append(f"a received quantity is positive, not {quantity}")
    if p.tracking == "serial" and quantity != 1:
        reasons.append(f"{part} is serialized: receive each serial as its own lot of 1")
    verdict(reasons).raise_if_refused("receipt_refused")
    lot = MaterialLot(lot_number=lot_number, part_id=p.id, supplier_id=s.id, quantity_received=quantity,
                      quantity_on_hand=quantity, status="quarantine", received_at=received_at or utcnow())
    session.add(lot)
    session.flush()
    audit.record(session, actor=actor, action="material_lot.received", record_type="material_lot",
                 record_id=lot_number, after={"part": part, "supplier": supplier, "quantity": quantity})
    return lot


@transactional
def inspect_lot(session: Session, *, lot_number: str, accept: bool, actor: str, reason: str | None = None) -> MaterialLot:
    lot = get_one(session, MaterialLot, "material lot", lock=True, lot_number=lot_number)
    reasons = []
    if lot.status != "quarantine":
        reasons.append(f"lot {lot_number} is {lot.status}; only a lot in quarantine is inspected")
    if not accept and not (reason or "").strip():
        reasons.append("a rejection needs a reason")
    verdict(reasons).raise_if_refused("inspection_refused")
    lot.status = "accepted" if accept else "rejected"
    audit.record(session, actor=actor, action="material_lot.inspected", record_type="material_lot",
                 record_id=lot_number, before={"status": "quarantine"}, after={"status": lot.status}, reason=reason)
    return lot
