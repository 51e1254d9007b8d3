"""Suppliers and their status, approved sources, purchase orders and lines, receipts against
the lines (each a material lot in quarantine), incoming inspection by Z1.4 sampling, and the
supplier scorecard. Read models for other areas: open_order_lines, accepted_on_hand,
observed_lateness (planning nets demand with them)."""
from __future__ import annotations

import math
from datetime import date, datetime, time, timezone

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.orm import Session, contains_eager

from lrip import audit
from lrip.catalog.models import Part
from lrip.catalog.service import get_part
from lrip.db import get_one, is_postgres, transaction_cache, transactional, utcnow
from lrip.errors import Invalid, NotFound, verdict
from lrip.quality.sampling import AQLS, LEVELS
from lrip.supply import rules
from lrip.supply.models import (ApprovedSource, IncomingAql, MaterialLot, PurchaseOrder, PurchaseOrderLine,
                                Receipt, Supplier)
from lrip.supply.rules import SUPPLIER_STATUSES

# ---------------------------------------------------------------- suppliers and sources


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


def get_supplier(session: Session, code: str, *, lock: bool = False) -> Supplier:
    return get_one(session, Supplier, "supplier", lock=lock, code=code)


@transactional
def set_supplier_status(session: Session, *, supplier: str, status: str, reason: str, actor: str) -> dict:
    """Approve, make conditional or disqualify a supplier; the reason goes in the audit trail."""
    s = get_supplier(session, supplier, lock=True)
    reasons = []
    if status not in SUPPLIER_STATUSES:
        reasons.append(f"a supplier is {', '.join(SUPPLIER_STATUSES)}, not '{status}'")
    elif status == s.status:
        reasons.append(f"supplier {supplier} is already {status}")
    if not (reason or "").strip():
        reasons.append("changing a supplier's status needs a reason")
    verdict(reasons).raise_if_refused("supplier_status_refused")
    before, s.status = s.status, status
    audit.record(session, actor=actor, action="supplier.status_changed", record_type="supplier", record_id=supplier,
                 before={"status": before}, after={"status": status}, reason=reason.strip())
    return {"supplier": supplier, "before": before, "status": status, "reason": reason.strip()}


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


def list_suppliers(session: Session) -> list[dict]:
    """Every supplier with the parts it is an approved source of."""
    parts = session.execute(select(ApprovedSource.supplier_id, Part.number).join(Part, Part.id == ApprovedSource.part_id)
                            .order_by(Part.number)).all()
    by_supplier: dict[int, list[str]] = {}
    for supplier_id, number in parts:
        by_supplier.setdefault(supplier_id, []).append(number)
    suppliers = session.execute(select(Supplier).order_by(Supplier.code)).scalars()
    return [{"code": s.code, "name": s.name, "status": s.status, "approved_parts": by_supplier.get(s.id, [])}
            for s in suppliers]


def supplier_detail(session: Session, code: str) -> dict:
    """A supplier, its approved parts, its purchase orders, its recent receipts and its status history."""
    get_supplier(session, code)
    row = next(r for r in list_suppliers(session) if r["code"] == code)
    history = [{"at": e.at.isoformat(), "actor": e.actor, "before": (e.before or {}).get("status"),
                "after": (e.after or {}).get("status"), "reason": e.reason}
               for e in audit.history(session, "supplier", code) if e.action == "supplier.status_changed"]
    return {**row, "purchase_orders": list_purchase_orders(session, supplier=code),
            "receipts": list_receipts(session, supplier=code, limit=50), "status_history": history}


# ---------------------------------------------------------------- incoming inspection settings


@transactional
def set_incoming_aql(session: Session, *, aql: float | None, actor: str, part: str | None = None,
                     level: str = "II") -> None:
    """The AQL incoming inspection samples `part` at (no part: the default for every part
    without its own). aql None removes the setting (100% inspection unless a default applies)."""
    reasons = []
    if aql is not None and aql not in AQLS:
        reasons.append(f"an AQL is one of Z1.4's: {', '.join(f'{a:g}' for a in AQLS)}; not {aql}")
    if level not in LEVELS:
        reasons.append(f"an inspection level is one of {', '.join(LEVELS)}, not '{level}'")
    verdict(reasons).raise_if_refused("aql_refused")
    part_id = get_part(session, part).id if part else None
    cache = transaction_cache(session)
    for key in [k for k in cache if isinstance(k, tuple) and k[0] == "incoming_aql"]:
        del cache[key]
    row = session.execute(select(IncomingAql).where(IncomingAql.part_id.is_(None) if part_id is None
                                                    else IncomingAql.part_id == part_id)).scalar_one_or_none()
    before = {"aql": row.aql, "level": row.level} if row else None
    if aql is None:
        if row:
            session.delete(row)
    elif row:
        row.aql, row.level = float(aql), level
    else:
        session.add(IncomingAql(part_id=part_id, aql=float(aql), level=level))
    audit.record(session, actor=actor, action="incoming_aql.set", record_type="part", record_id=part or "*",
                 before=before, after=None if aql is None else {"aql": aql, "level": level})


def incoming_aql(session: Session, part_id: int) -> tuple[float | None, str]:
    """The part's own AQL, else the default, else (None: 100% inspection)."""
    cache = transaction_cache(session)
    if ("incoming_aql", part_id) not in cache:
        rows = session.execute(select(IncomingAql.part_id, IncomingAql.aql, IncomingAql.level)
                               .where((IncomingAql.part_id == part_id) | IncomingAql.part_id.is_(None))).all()
        best = sorted(rows, key=lambda r: r.part_id is None)
        cache["incoming_aql", part_id] = (best[0].aql, best[0].level) if best else (None, "II")
    return cache["incoming_aql", part_id]


# ---------------------------------------------------------------- purchase orders


def get_purchase_order(session: Session, number: str, *, lock: bool = False) -> PurchaseOrder:
    return get_one(session, PurchaseOrder, "purchase order", lock=lock, number=number)


@transactional
def create_purchase_order(session: Session, *, number: str, supplier: str, ordered_on: date, actor: str) -> PurchaseOrder:
    s = get_supplier(session, supplier)
    reasons = []
    if session.execute(select(PurchaseOrder.id).filter_by(number=number)).first():
        reasons.append(f"purchase order {number} already exists")
    if s.status == "disqualified":
        reasons.append(f"supplier {supplier} is disqualified; nothing is ordered from it")
    if ordered_on > utcnow().date():
        reasons.append(f"ordered on {ordered_on} is in the future")
    verdict(reasons).raise_if_refused("purchase_order_refused")
    po = PurchaseOrder(number=number, supplier_id=s.id, ordered_on=ordered_on, status="open", created_at=utcnow())
    session.add(po)
    session.flush()
    audit.record(session, actor=actor, action="purchase_order.created", record_type="purchase_order",
                 record_id=number, after={"supplier": supplier, "ordered_on": ordered_on})
    return po


@transactional
def add_order_line(session: Session, *, po: str, part: str, quantity: float, promised_on: date,
                   actor: str) -> PurchaseOrderLine:
    """A line for a part the supplier is an approved source of; numbered 1, 2, 3… in order."""
    order, p = get_purchase_order(session, po, lock=True), get_part(session, part)
    reasons = []
    if order.status != "open":
        reasons.append(f"purchase order {po} is {order.status}")
    if not is_approved_source(session, p.id, order.supplier_id):
        reasons.append(f"{order.supplier.code} is not an approved source of {part}")
    if not (math.isfinite(quantity) and quantity > 0):
        reasons.append(f"an ordered quantity is positive, not {quantity:g}")
    elif p.tracking == "serial" and quantity != int(quantity):
        reasons.append(f"{part} is serialized: order a whole number")
    if promised_on < order.ordered_on:
        reasons.append(f"promised on {promised_on}, before the order date {order.ordered_on}")
    verdict(reasons).raise_if_refused("order_line_refused")
    number = len(order.lines) + 1
    line = PurchaseOrderLine(order_id=order.id, line_number=number, part_id=p.id, quantity=float(quantity),
                             promised_on=promised_on, quantity_received=0.0, status="open")
    session.add(line)
    session.flush()
    session.refresh(order, ["lines"])
    audit.record(session, actor=actor, action="purchase_order.line_added", record_type="purchase_order",
                 record_id=po, after={"line": number, "part": part, "quantity": quantity, "promised_on": promised_on})
    return line


@transactional
def place_order(session: Session, *, number: str, supplier: str, ordered_on: date, lines: list[tuple],
                actor: str) -> PurchaseOrder:
    """A purchase order with its lines in one transaction; lines are (part, quantity, promised date)."""
    po = create_purchase_order(session, number=number, supplier=supplier, ordered_on=ordered_on, actor=actor)
    for part, quantity, promised_on in lines:
        add_order_line(session, po=number, part=part, quantity=quantity, promised_on=promised_on, actor=actor)
    return po


def _line_dict(line: PurchaseOrderLine) -> dict:
    return {"line": line.line_number, "part": line.part.number, "quantity": line.quantity,
            "promised_on": line.promised_on.isoformat(), "quantity_received": line.quantity_received,
            "quantity_open": line.quantity - line.quantity_received, "status": line.status}


def list_purchase_orders(session: Session, *, supplier: str | None = None, status: str | None = None) -> list[dict]:
    query = select(PurchaseOrder).join(Supplier, Supplier.id == PurchaseOrder.supplier_id).order_by(PurchaseOrder.number)
    if supplier:
        query = query.where(Supplier.code == supplier)
    if status:
        query = query.where(PurchaseOrder.status == status)
    return [{"number": po.number, "supplier": po.supplier.code, "ordered_on": po.ordered_on.isoformat(),
             "status": po.status, "lines": len(po.lines),
             "next_promised_on": min((ln.promised_on for ln in po.lines if ln.status == "open"), default=None)}
            for po in session.execute(query).scalars()]


def purchase_order_detail(session: Session, number: str) -> dict:
    po = get_purchase_order(session, number)
    receipts = list_receipts(session, po=number)
    return {"number": po.number, "supplier": po.supplier.code, "supplier_name": po.supplier.name,
            "ordered_on": po.ordered_on.isoformat(), "status": po.status,
            "lines": [_line_dict(ln) | {"receipts": [r for r in receipts if r["line"] == ln.line_number]}
                      for ln in po.lines]}


def _order_line(session: Session, po: str, line: int, *, lock: bool) -> PurchaseOrderLine:
    order = get_purchase_order(session, po, lock=lock)
    return get_one(session, PurchaseOrderLine, f"line on purchase order {po}", lock=lock,
                   line_number=line, order_id=order.id)


# ---------------------------------------------------------------- receiving and incoming inspection


@transactional
def receive(session: Session, *, po: str, line: int, quantity: float, actor: str, lot_number: str | None = None,
            serials: list[str] | None = None, received_on: date | None = None, packing_slip: str | None = None,
            certificate: str | None = None, received_at: datetime | None = None) -> list[Receipt]:
    """Goods in against a PO line: one material lot in quarantine (or one per serial). Refused
    from a disqualified supplier, for a part it is not an approved source of, and beyond what
    is still open on the line. `received_at` (the dock time, for imports and the demo) sets
    the date received too."""
    ln = _order_line(session, po, line, lock=True)
    order, part, supplier = ln.order, ln.part, ln.order.supplier
    serials = [s.strip() for s in (serials or []) if s.strip()]
    numbers = serials or ([lot_number.strip()] if lot_number and lot_number.strip() else [])
    existing = list(session.execute(select(MaterialLot.lot_number).where(MaterialLot.lot_number.in_(numbers))).scalars())
    today = utcnow().date()
    received_on = received_at.astimezone(timezone.utc).date() if received_at else (received_on or today)
    view = rules.ReceiptView(po=po, line=line, part=part.number, tracking=part.tracking, supplier=supplier.code,
                             supplier_status=supplier.status, approved_source=is_approved_source(session, part.id, supplier.id),
                             po_status=order.status, line_status=ln.status, quantity_open=ln.quantity - ln.quantity_received,
                             ordered_on=order.ordered_on)
    rules.check_receipt(view, quantity=quantity, lot_number=lot_number, serials=serials, existing=existing,
                        received_on=received_on, today=today).raise_if_refused("receipt_refused")
    at = received_at or (utcnow() if received_on == today else datetime.combine(received_on, time(12), tzinfo=timezone.utc))
    each = 1.0 if serials else float(quantity)
    receipts = []
    for number in numbers:
        lot = MaterialLot(lot_number=number, part=part, supplier=supplier, quantity_received=each,
                          quantity_on_hand=each, status="quarantine", received_at=at)
        receipt = Receipt(line=ln, material_lot=lot, supplier=supplier, received_on=received_on,
                          quantity=each, packing_slip=packing_slip, certificate=certificate, received_by=actor,
                          result="pending")
        session.add(receipt)
        receipts.append(receipt)
        audit.record(session, actor=actor, action="material_lot.received", record_type="material_lot", record_id=number,
                     after={"part": part.number, "supplier": supplier.code, "quantity": each, "po": po, "line": line,
                            "received_on": received_on, "packing_slip": packing_slip, "certificate": certificate})
    ln.quantity_received += float(quantity)
    if ln.quantity_received >= ln.quantity - 1e-9:
        ln.status = "closed"
        if all(other.status == "closed" for other in order.lines):
            order.status = "closed"
    session.flush()
    return receipts


def get_receipt(session: Session, lot_number: str, *, lock: bool = False) -> Receipt:
    """The receipt of a material lot (one query; the lot comes with it)."""
    query = (select(Receipt).join(MaterialLot, MaterialLot.id == Receipt.material_lot_id)
             .where(MaterialLot.lot_number == lot_number).options(contains_eager(Receipt.material_lot)))
    receipt = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if receipt is None:
        get_one(session, MaterialLot, "material lot", lot_number=lot_number)
        raise NotFound("receipt_not_found", f"lot {lot_number} came in without a purchase order: it has no receipt "
                                            "to inspect")
    return receipt


def inspection_plan_for(session: Session, lot_number: str) -> rules.InspectionPlan:
    """The sampling plan incoming inspection follows for this received lot."""
    receipt = get_receipt(session, lot_number)
    aql, level = incoming_aql(session, receipt.material_lot.part_id)
    return rules.inspection_plan(int(receipt.quantity), aql, level)


@transactional
def inspect_receipt(session: Session, *, lot_number: str, defects: int, actor: str, note: str | None = None,
                    severity: str = "major", defect_code: str | None = None, at: datetime | None = None) -> dict:
    """Record the defects found in the Z1.4 sample (or in 100% inspection) and accept or reject
    the lot by the plan's Ac/Re. A rejected lot raises an NCR on the lot, against its supplier."""
    receipt = get_receipt(session, lot_number, lock=True)
    lot = receipt.material_lot
    aql, level = incoming_aql(session, lot.part_id)
    plan = rules.inspection_plan(int(receipt.quantity), aql, level)
    reasons = rules.inspection_problems(plan, defects, lot_number, lot.status)
    if severity not in rules.SEVERITIES:
        reasons.append(f"an NCR is {', '.join(rules.SEVERITIES)}, not '{severity}'")
    verdict(reasons).raise_if_refused("inspection_refused")
    ok = rules.accepted(plan, defects)
    lot.status = "accepted" if ok else "rejected"
    receipt.result = lot.status
    receipt.aql, receipt.sample_size, receipt.defects_found = plan.aql, plan.sample_size, defects
    receipt.inspected_by, receipt.inspected_at = actor, at or utcnow()
    audit.record(session, actor=actor, action="material_lot.inspected", record_type="material_lot",
                 record_id=lot_number, before={"status": "quarantine"},
                 after={"status": lot.status, "sample_size": plan.sample_size, "defects_found": defects,
                        "aql": plan.aql, "accept": plan.accept, "reject": plan.reject}, reason=note)
    ncr = None
    if not ok:
        from lrip.nonconformance.service import raise_ncr

        words = f"{defects} defective in a sample of {plan.sample_size}" + (
            f" (AQL {plan.aql:g}, Ac {plan.accept}, Re {plan.reject})" if plan.aql else " (100% inspection)")
        ncr = raise_ncr(session, actor=actor, severity=severity, defect_code=defect_code or "INCOMING",
                        description=f"Incoming inspection rejected lot {lot_number} of {lot.part.number} from "
                                    f"{lot.supplier.name}: {words}." + (f" {note}" if note else ""),
                        quantity=receipt.quantity, material_lot=lot_number, at=at).number
    return {"lot": lot_number, "result": lot.status, "plan": plan.as_dict(), "defects_found": defects, "ncr": ncr}


def _receipt_dict(r: Receipt, ln: PurchaseOrderLine, po: PurchaseOrder, lot: MaterialLot, part: str) -> dict:
    return {"lot": lot.lot_number, "po": po.number, "line": ln.line_number, "part": part,
            "supplier": r.supplier.code, "quantity": r.quantity, "received_on": r.received_on.isoformat(),
            "promised_on": ln.promised_on.isoformat(), "days_late": (r.received_on - ln.promised_on).days,
            "packing_slip": r.packing_slip, "certificate": r.certificate, "received_by": r.received_by,
            "result": r.result, "aql": r.aql, "sample_size": r.sample_size, "defects_found": r.defects_found,
            "inspected_by": r.inspected_by, "inspected_at": r.inspected_at.isoformat() if r.inspected_at else None,
            "quantity_on_hand": lot.quantity_on_hand}


def list_receipts(session: Session, *, supplier: str | None = None, po: str | None = None,
                  result: str | None = None, limit: int | None = None) -> list[dict]:
    """Receipts, newest first."""
    query = (select(Receipt, PurchaseOrderLine, PurchaseOrder, MaterialLot, Part.number)
             .join(PurchaseOrderLine, PurchaseOrderLine.id == Receipt.line_id)
             .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
             .join(MaterialLot, MaterialLot.id == Receipt.material_lot_id)
             .join(Part, Part.id == MaterialLot.part_id)
             .order_by(Receipt.received_on.desc(), Receipt.id.desc()))
    if supplier:
        query = query.where(Receipt.supplier_id == get_supplier(session, supplier).id)
    if po:
        query = query.where(PurchaseOrder.number == po)
    if result:
        query = query.where(Receipt.result == result)
    if limit:
        query = query.limit(limit)
    return [_receipt_dict(*row) for row in session.execute(query).all()]


# ---------------------------------------------------------------- direct lots (no purchase order)


@transactional
def receive_lot(session: Session, *, lot_number: str, part: str, supplier: str, quantity: float,
                actor: str, received_at: datetime | None = None) -> MaterialLot:
    """A lot booked in without a purchase order (opening stock, test fixtures); it starts in
    quarantine like any other. Goods from suppliers are received with `receive`."""
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
    """Accept or reject a lot booked in without a purchase order (no sampling record)."""
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


# ---------------------------------------------------------------- read models for planning


def open_order_lines(session: Session, *, parts: list[str] | None = None) -> list[dict]:
    """PO lines still open on open orders, with what is still to come, by promised date."""
    query = (select(PurchaseOrder.number, PurchaseOrderLine.line_number, Part.number, Supplier.code,
                    PurchaseOrderLine.quantity - PurchaseOrderLine.quantity_received, PurchaseOrderLine.promised_on)
             .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
             .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
             .join(Part, Part.id == PurchaseOrderLine.part_id)
             .where(PurchaseOrder.status == "open", PurchaseOrderLine.status == "open",
                    PurchaseOrderLine.quantity > PurchaseOrderLine.quantity_received)
             .order_by(PurchaseOrderLine.promised_on, PurchaseOrder.number, PurchaseOrderLine.line_number))
    if parts is not None:
        query = query.where(Part.number.in_(list(parts)))
    return [{"po": po, "line": ln, "part": part, "supplier": supplier, "quantity_open": qty, "promised_date": promised}
            for po, ln, part, supplier, qty, promised in session.execute(query).all()]


def accepted_on_hand(session: Session) -> dict[str, float]:
    """Quantity on hand in accepted material lots from an approved source of their part, per part
    number: what the floor may build with (quarantined, rejected and unapproved lots do not count)."""
    rows = session.execute(select(Part.number, func.sum(MaterialLot.quantity_on_hand))
                           .join(Part, Part.id == MaterialLot.part_id)
                           .join(ApprovedSource, (ApprovedSource.part_id == MaterialLot.part_id)
                                 & (ApprovedSource.supplier_id == MaterialLot.supplier_id))
                           .where(MaterialLot.status == "accepted").group_by(Part.number)).all()
    return {part: float(qty or 0.0) for part, qty in rows}


def _days(session: Session, later, earlier):
    """Whole days between two DATE columns, as a float, on SQLite and PostgreSQL."""
    if is_postgres(session):
        return cast(later - earlier, Float)
    return func.julianday(later) - func.julianday(earlier)


def observed_lateness(session: Session) -> dict[str, float]:
    """Per supplier code, the mean days late over its receipts against PO lines:
    mean(max(0, received_on − promised_on)). Early receipts count as 0, not as negative
    lateness, so a supplier's early lots do not cancel its late ones."""
    late = _days(session, Receipt.received_on, PurchaseOrderLine.promised_on)
    rows = session.execute(select(Supplier.code, func.avg(case((late > 0, late), else_=0.0)))
                           .join(Receipt, Receipt.supplier_id == Supplier.id)
                           .join(PurchaseOrderLine, PurchaseOrderLine.id == Receipt.line_id)
                           .group_by(Supplier.code)).all()
    return {code: float(days) for code, days in rows}


# ---------------------------------------------------------------- the scorecard


def _period(session: Session, column):
    """The calendar month of a DATE column, 'YYYY-MM' (SQLite stores dates as ISO text)."""
    return func.to_char(column, "YYYY-MM") if is_postgres(session) else func.substr(column, 1, 7)


def _window(column, since: date | None, until: date | None) -> list:
    return ([column >= since] if since else []) + ([column <= until] if until else [])


def scorecard(session: Session, *, since: date | None = None, until: date | None = None,
              early_days: int | None = None, late_days: int = 0) -> list[dict]:
    """Per supplier, over receipts received from `since` to `until` (inclusive dates), and per
    calendar month ("periods", for the trend). Sources and definitions:

    - receipts: receipt rows (one per lot or per purchased serial) against PO lines.
    - on_time_rate: share of receipts with received_on ≤ promised_on + late_days (and, when
      early_days is given, ≥ promised_on − early_days): the PO line's promised date.
    - lead_time_mean/p90/spread_days: received_on − the PO's ordered_on, in days; p90 is the
      nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest); spread is the sample standard deviation.
    - quantity_accuracy: over PO lines promised in the window (and not after today), received ÷
      ordered quantity (over-receipt is refused, so at most 1).
    - acceptance_rate: accepted ÷ inspected receipts (incoming inspection).
    - ppm: defects found ÷ units inspected (sample sizes) × 1e6, incoming inspection.
    - ncr_quantity, ncr_ppm: quantity on NCRs against the supplier opened in the window, and
      that ÷ units received × 1e6 (includes nonconformances found later, on the floor).
    - open_ncrs: NCRs against the supplier not closed, today.

    The receipts are read by one GROUP BY (supplier, month, lead time in days): dates are whole
    days, so that histogram is small (suppliers × months × distinct lead times) whatever the
    number of receipts, and every sum, the mean, the spread and the percentile come from it.
    """
    from lrip.nonconformance.models import NonConformance

    lead = _days(session, Receipt.received_on, PurchaseOrder.ordered_on)
    late = _days(session, Receipt.received_on, PurchaseOrderLine.promised_on)
    on_time = late <= late_days
    if early_days is not None:
        on_time = and_(on_time, late >= -early_days)
    period = _period(session, Receipt.received_on)
    histogram = session.execute(
        select(Receipt.supplier_id, period, lead, func.count(Receipt.id), func.sum(case((on_time, 1), else_=0)),
               func.sum(case((Receipt.result != "pending", 1), else_=0)),
               func.sum(case((Receipt.result == "accepted", 1), else_=0)),
               func.coalesce(func.sum(Receipt.defects_found), 0), func.coalesce(func.sum(Receipt.sample_size), 0),
               func.sum(Receipt.quantity))
        .join(PurchaseOrderLine, PurchaseOrderLine.id == Receipt.line_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(*_window(Receipt.received_on, since, until))
        .group_by(Receipt.supplier_id, period, lead)).all()
    sums: dict[tuple, list] = {}  # (supplier id, period or None) -> [counts by lead, on time, inspected, ...]
    for supplier_id, month, days, n, on, inspected, accepted, defects, units, quantity in histogram:
        for key in ((supplier_id, month), (supplier_id, None)):
            acc = sums.setdefault(key, [{}, 0, 0, 0, 0, 0.0, 0.0])
            acc[0][float(days)] = acc[0].get(float(days), 0) + n
            for i, value in enumerate((on, inspected, accepted, defects, units, quantity), start=1):
                acc[i] += value or 0

    as_of = min(until or date.max, utcnow().date())
    promised = _period(session, PurchaseOrderLine.promised_on)
    due: dict[tuple, list] = {}
    for supplier_id, month, ordered, received in session.execute(
            select(PurchaseOrder.supplier_id, promised, func.sum(PurchaseOrderLine.quantity),
                   func.sum(PurchaseOrderLine.quantity_received))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(PurchaseOrder.status != "cancelled", *_window(PurchaseOrderLine.promised_on, since, as_of))
            .group_by(PurchaseOrder.supplier_id, promised)).all():
        for key in ((supplier_id, month), (supplier_id, None)):
            acc = due.setdefault(key, [0.0, 0.0])
            acc[0] += float(ordered or 0)
            acc[1] += float(received or 0)

    ncr_at = NonConformance.opened_at
    ncr_window = ([ncr_at >= datetime.combine(since, time(), tzinfo=timezone.utc)] if since else []) + \
                 ([ncr_at <= datetime.combine(until, time.max, tzinfo=timezone.utc)] if until else [])
    ncr_qty = dict(session.execute(select(NonConformance.supplier_id, func.sum(NonConformance.quantity))
                                   .where(NonConformance.supplier_id.is_not(None), *ncr_window)
                                   .group_by(NonConformance.supplier_id)).all())
    open_ncrs = dict(session.execute(select(NonConformance.supplier_id, func.count(NonConformance.id))
                                     .where(NonConformance.supplier_id.is_not(None), NonConformance.status != "closed")
                                     .group_by(NonConformance.supplier_id)).all())

    def card(key) -> dict:
        leads, on, inspected, accepted, defects, units, quantity = sums.get(key, [{}, 0, 0, 0, 0, 0.0, 0.0])
        ordered_due, received_due = due.get(key, (0.0, 0.0))
        n = sum(leads.values())
        out = rules.measures(receipts=n, on_time=on, lead_sum=sum(d * c for d, c in leads.items()),
                             lead_sumsq=sum(d * d * c for d, c in leads.items()), inspected=inspected,
                             accepted_count=accepted, defects=defects, units_inspected=float(units),
                             ordered_due=ordered_due, received_due=received_due)
        return out | {"lead_time_p90_days": rules.percentile(leads, 0.9), "quantity_received": float(quantity),
                      "units_inspected": float(units), "defects_found": int(defects)}

    result = []
    for s in session.execute(select(Supplier).order_by(Supplier.code)).scalars():
        c = card((s.id, None))
        qty = float(ncr_qty.get(s.id) or 0)
        months = sorted({m for sid, m in (*sums, *due) if sid == s.id and m is not None})
        result.append({"supplier": s.code, "name": s.name, "status": s.status, **c,
                       "ncr_quantity": qty, "ncr_ppm": qty / c["quantity_received"] * 1e6 if c["quantity_received"] else None,
                       "open_ncrs": int(open_ncrs.get(s.id) or 0),
                       "periods": [{"period": m} | card((s.id, m)) for m in months]})
    return result


def parse_date(value: str | None, what: str) -> date | None:
    """'2026-03-01' → date, for the CLI, API and pages; Invalid in words otherwise."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("bad_date", f"{what} '{value}' is not a date; write it like 2026-03-01") from None

