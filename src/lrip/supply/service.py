"""Suppliers and their status, approved sources, purchase orders and lines, receipts against
the lines (each a material lot in quarantine), and incoming inspection by Z1.4 sampling.

A rejected lot needs an NCR against its supplier; NCRs live above supply, so inspection
publishes `events.IncomingRejected` and nonconformance raises it. The supplier scorecard, which
reads NCRs, is lrip.quality.scorecard. Read models for other areas: open_order_lines,
accepted_on_hand, observed_lateness (planning nets demand with them), is_approved_source."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session, contains_eager

from lrip import audit, events
from lrip.auth.actor import Actor, command, query
from lrip.catalog.models import Part, PartRevision
from lrip.catalog.rules import PartRevisionStatus, Severity
from lrip.catalog.service import get_part
from lrip.db import get_one, is_postgres, transaction_cache, utcnow
from lrip.errors import NotFound, Refused, verdict
from lrip.stats.sampling import AQLS, LEVELS
from lrip.supply import rules
from lrip.supply.events import IncomingRejected, NcrRaised
from lrip.supply.models import (
    ApprovedSource,
    IncomingAql,
    MaterialLot,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Supplier,
)
from lrip.supply.rules import LineStatus, LotStatus, OrderStatus, ReceiptResult
from lrip.supply.schemas import (
    IncomingAqlOut,
    InspectionsOut,
    InspectOut,
    LineOut,
    MaterialLotOut,
    OrderDetail,
    OrderRow,
    PlanOut,
    ReceiptOut,
    ReceivedOut,
    StatusChange,
    SupplierDetail,
    SupplierRow,
)

# ---------------------------------------------------------------- suppliers and sources


def get_supplier(session: Session, code: str, *, lock: bool = False) -> Supplier:
    return get_one(session, Supplier, "supplier", lock=lock, code=code)


def _taken(session: Session, column, value: str) -> bool:
    """Identifiers are unique regardless of case."""
    return session.execute(select(column).where(func.lower(column) == value.lower())).first() is not None


def _approved_parts(session: Session, supplier_id: int | None = None) -> dict[int, list[str]]:
    query = (select(ApprovedSource.supplier_id, Part.number).join(Part, Part.id == ApprovedSource.part_id)
             .order_by(Part.number))
    if supplier_id is not None:
        query = query.where(ApprovedSource.supplier_id == supplier_id)
    parts: dict[int, list[str]] = {}
    for sid, number in session.execute(query).all():
        parts.setdefault(sid, []).append(number)
    return parts


def _supplier_row(session: Session, s: Supplier) -> SupplierRow:
    return SupplierRow(code=s.code, name=s.name, status=s.status,
                       approved_parts=_approved_parts(session, s.id).get(s.id, []))


@command("supply.manage")
def create_supplier(session: Session, actor: Actor, *, code: str, name: str,
                    status: str = rules.SupplierStatus.APPROVED) -> SupplierRow:
    """A supplier, known by its code (unique regardless of case)."""
    reasons = rules.identifier_problems(code, "a supplier code", rules.CODE_LENGTH)
    if not reasons and _taken(session, Supplier.code, code):
        reasons.append(f"supplier {code} already exists")
    reasons += rules.status_problems(status)
    verdict(reasons).raise_if_refused("supplier_refused")
    supplier = Supplier(code=code, name=name, status=str(status))
    session.add(supplier)
    session.flush()
    audit.record(session, actor=actor, action="supplier.created", record_type="supplier", record_id=code,
                 after={"name": name, "status": str(status)})
    return SupplierRow(code=code, name=name, status=status, approved_parts=[])


@command("supply.manage")
def set_supplier_status(session: Session, actor: Actor, *, supplier: str, status: str, reason: str) -> SupplierRow:
    """Approve, make conditional or disqualify a supplier; the reason goes in the audit trail."""
    s = get_supplier(session, supplier, lock=True)
    verdict(rules.supplier_status_problems(s.code, s.status, status, reason)).raise_if_refused(
        "supplier_status_refused")
    before, s.status = s.status, str(status)
    audit.record(session, actor=actor, action="supplier.status_changed", record_type="supplier", record_id=s.code,
                 before={"status": before}, after={"status": s.status}, reason=reason.strip())
    return _supplier_row(session, s)


@command("supply.manage")
def approve_source(session: Session, actor: Actor, *, part: str, supplier: str) -> SupplierRow:
    """Make the supplier an approved source of the part."""
    p, s = get_part(session, part), get_supplier(session, supplier)
    if is_approved_source(session, p.id, s.id):
        raise Refused("source_refused", f"{s.code} is already an approved source of {p.number}")
    session.add(ApprovedSource(part_id=p.id, supplier_id=s.id))
    session.flush()
    audit.record(session, actor=actor, action="approved_source.added", record_type="part", record_id=p.number,
                 after={"supplier": s.code})
    return _supplier_row(session, s)


def is_approved_source(session: Session, part_id: int, supplier_id: int | None) -> bool:
    if supplier_id is None:
        return False
    return session.execute(select(ApprovedSource.id).filter_by(part_id=part_id, supplier_id=supplier_id)
                           ).first() is not None


@query()
def list_suppliers(session: Session, actor: Actor) -> list[SupplierRow]:
    """Every supplier with the parts it is an approved source of."""
    parts = _approved_parts(session)
    return [SupplierRow(code=s.code, name=s.name, status=s.status, approved_parts=parts.get(s.id, []))
            for s in session.execute(select(Supplier).order_by(Supplier.code)).scalars()]


@query()
def supplier_detail(session: Session, actor: Actor, *, code: str) -> SupplierDetail:
    """A supplier, its approved parts, its purchase orders, its recent receipts and its status history."""
    s = get_supplier(session, code)
    history = [StatusChange(at=e.at, actor=e.actor, before=(e.before or {}).get("status"),
                            after=(e.after or {}).get("status"), reason=e.reason)
               for e in audit.history(session, "supplier", s.code) if e.action == "supplier.status_changed"]
    return SupplierDetail(**_supplier_row(session, s).model_dump(),
                          purchase_orders=_orders(session, supplier_id=s.id),
                          receipts=_receipts(session, supplier_id=s.id, limit=50), status_history=history)


# ---------------------------------------------------------------- incoming inspection settings


def _aqls(session: Session) -> dict[int | None, tuple[float, str]]:
    """Every part's own AQL and the default (key None), read once per transaction: the table is small."""
    cache = transaction_cache(session)
    if "incoming_aql" not in cache:
        cache["incoming_aql"] = {r.part_id: (r.aql, r.level) for r in session.execute(
            select(IncomingAql.part_id, IncomingAql.aql, IncomingAql.level)).all()}
    return cache["incoming_aql"]


def incoming_aql(session: Session, part_id: int) -> tuple[float | None, str]:
    """The part's own AQL, else the default, else (None: 100% inspection)."""
    aqls = _aqls(session)
    return aqls.get(part_id) or aqls.get(None) or (None, "II")


@command("inspection.plan")
def set_incoming_aql(session: Session, actor: Actor, *, aql: float | None, part: str | None = None,
                     level: str = "II") -> IncomingAqlOut:
    """The AQL incoming inspection samples `part` at (no part: the default for every part
    without its own). aql None removes the setting (100% inspection unless a default applies)."""
    reasons = []
    if aql is not None and aql not in AQLS:
        reasons.append(f"an AQL is one of Z1.4's: {', '.join(f'{a:g}' for a in AQLS)}; not {aql}")
    if level not in LEVELS:
        reasons.append(f"an inspection level is one of {', '.join(LEVELS)}, not '{level}'")
    verdict(reasons).raise_if_refused("aql_refused")
    p = get_part(session, part) if part else None
    transaction_cache(session).pop("incoming_aql", None)
    row = session.execute(select(IncomingAql).where(IncomingAql.part_id.is_(None) if p is None
                                                    else IncomingAql.part_id == p.id)).scalar_one_or_none()
    before = {"aql": row.aql, "level": row.level} if row else None
    if aql is None:
        if row:
            session.delete(row)
    elif row:
        row.aql, row.level = float(aql), level
    else:
        session.add(IncomingAql(part_id=p.id if p else None, aql=float(aql), level=level))
    audit.record(session, actor=actor, action="incoming_aql.set", record_type="part",
                 record_id=p.number if p else "*", before=before,
                 after=None if aql is None else {"aql": aql, "level": level})
    return IncomingAqlOut(part=p.number if p else None, aql=aql, level=level)


def _plan(session: Session, part_id: int, quantity: float) -> rules.InspectionPlan:
    aql, level = incoming_aql(session, part_id)
    return rules.inspection_plan(rules.inspection_lot_size(quantity), aql, level)


def _plan_out(plan: rules.InspectionPlan) -> PlanOut:
    return PlanOut(lot_size=plan.lot_size, sample_size=plan.sample_size, accept=plan.accept, reject=plan.reject,
                   aql=plan.aql, level=plan.level, code_letter=plan.code_letter)


# ---------------------------------------------------------------- purchase orders


def get_purchase_order(session: Session, number: str, *, lock: bool = False) -> PurchaseOrder:
    return get_one(session, PurchaseOrder, "purchase order", lock=lock, number=number)


def _open_order(session: Session, actor: Actor, *, number: str, supplier: str,
                ordered_on: date | None) -> PurchaseOrder:
    s = get_supplier(session, supplier)
    today = utcnow().date()
    ordered_on = ordered_on or today
    reasons = rules.identifier_problems(number, "a purchase order number", rules.CODE_LENGTH)
    if not reasons and _taken(session, PurchaseOrder.number, number):
        reasons.append(f"purchase order {number} already exists")
    reasons += rules.order_problems(supplier=s.code, supplier_status=s.status, ordered_on=ordered_on, today=today)
    verdict(reasons).raise_if_refused("purchase_order_refused")
    po = PurchaseOrder(number=number, supplier=s, ordered_on=ordered_on, status=OrderStatus.OPEN.value,
                       created_at=utcnow(), lines=[])
    session.add(po)
    session.flush()
    audit.record(session, actor=actor, action="purchase_order.created", record_type="purchase_order",
                 record_id=number, after={"supplier": s.code, "ordered_on": ordered_on})
    return po


def _add_line(session: Session, actor: Actor, order: PurchaseOrder, *, part: str, quantity: float,
              promised_on: date) -> PurchaseOrderLine:
    p = get_part(session, part)
    verdict(rules.line_problems(po=order.number, po_status=order.status, part=p.number, tracking=p.tracking,
                                supplier=order.supplier.code, approved_source=is_approved_source(
                                    session, p.id, order.supplier_id), quantity=quantity, promised_on=promised_on,
                                ordered_on=order.ordered_on)).raise_if_refused("order_line_refused")
    line = PurchaseOrderLine(order=order, line_number=len(order.lines) + 1, part=p, quantity=float(quantity),
                             promised_on=promised_on, quantity_received=0.0, status=LineStatus.OPEN.value)
    session.add(line)
    session.flush()
    audit.record(session, actor=actor, action="purchase_order.line_added", record_type="purchase_order",
                 record_id=order.number, after={"line": line.line_number, "part": p.number, "quantity": quantity,
                                                "promised_on": promised_on})
    return line


@command("supply.manage")
def create_purchase_order(session: Session, actor: Actor, *, number: str, supplier: str,
                          ordered_on: date | None = None) -> OrderDetail:
    """Open a purchase order with a supplier (ordered today unless `ordered_on`); lines follow."""
    po = _open_order(session, actor, number=number, supplier=supplier, ordered_on=ordered_on)
    return _order_detail(session, po)


@command("supply.manage")
def add_order_line(session: Session, actor: Actor, *, po: str, part: str, quantity: float,
                   promised_on: date) -> OrderDetail:
    """A line for a part the supplier is an approved source of; numbered 1, 2, 3… in order."""
    order = get_purchase_order(session, po, lock=True)
    _add_line(session, actor, order, part=part, quantity=quantity, promised_on=promised_on)
    return _order_detail(session, order)


@command("supply.manage")
def place_order(session: Session, actor: Actor, *, number: str, supplier: str, lines: list[tuple],
                ordered_on: date | None = None) -> OrderDetail:
    """A purchase order with its lines, in one go; lines are (part, quantity, promised date)."""
    po = _open_order(session, actor, number=number, supplier=supplier, ordered_on=ordered_on)
    for part, quantity, promised_on in lines:
        _add_line(session, actor, po, part=part, quantity=quantity, promised_on=promised_on)
    return _order_detail(session, po)


def _orders(session: Session, *, supplier_id: int | None = None, status: str | None = None) -> list[OrderRow]:
    lines = (select(PurchaseOrderLine.order_id, func.count().label("n"),
                    func.min(case((PurchaseOrderLine.status == LineStatus.OPEN.value, PurchaseOrderLine.promised_on)))
                    .label("next")).group_by(PurchaseOrderLine.order_id).subquery())
    query = (select(PurchaseOrder.number, Supplier.code, PurchaseOrder.ordered_on, PurchaseOrder.status,
                    func.coalesce(lines.c.n, 0), lines.c.next)
             .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
             .outerjoin(lines, lines.c.order_id == PurchaseOrder.id).order_by(PurchaseOrder.number))
    if supplier_id is not None:
        query = query.where(PurchaseOrder.supplier_id == supplier_id)
    if status:
        query = query.where(PurchaseOrder.status == status)
    return [OrderRow(number=number, supplier=code, ordered_on=ordered_on, status=st, lines=n,
                     next_promised_on=promised)
            for number, code, ordered_on, st, n, promised in session.execute(query).all()]


@query()
def list_purchase_orders(session: Session, actor: Actor, *, supplier: str | None = None,
                         status: str | None = None) -> list[OrderRow]:
    """Purchase orders, by number; of one supplier, in one status."""
    supplier_id = get_supplier(session, supplier).id if supplier else None
    return _orders(session, supplier_id=supplier_id, status=status)


def _order_detail(session: Session, po: PurchaseOrder) -> OrderDetail:
    receipts = _receipts(session, order_id=po.id, oldest_first=True)
    rows = session.execute(select(PurchaseOrderLine, Part.number).join(Part, Part.id == PurchaseOrderLine.part_id)
                           .where(PurchaseOrderLine.order_id == po.id).order_by(PurchaseOrderLine.line_number)).all()
    return OrderDetail(number=po.number, supplier=po.supplier.code, supplier_name=po.supplier.name,
                       ordered_on=po.ordered_on, status=po.status, lines=[
                           LineOut(line=ln.line_number, part=part, quantity=ln.quantity, promised_on=ln.promised_on,
                                   quantity_received=ln.quantity_received,
                                   quantity_open=ln.quantity - ln.quantity_received, status=ln.status,
                                   receipts=[r for r in receipts if r.line == ln.line_number])
                           for ln, part in rows])


@query()
def purchase_order_detail(session: Session, actor: Actor, *, number: str) -> OrderDetail:
    """A purchase order, its lines and the receipts against each (with the plan of those still to inspect)."""
    return _order_detail(session, get_purchase_order(session, number))


def _order_line(session: Session, po: str, line: int, *, lock: bool) -> PurchaseOrderLine:
    order = get_purchase_order(session, po, lock=lock)
    return get_one(session, PurchaseOrderLine, f"line on purchase order {order.number}", lock=lock,
                   line_number=line, order_id=order.id)


# ---------------------------------------------------------------- receiving and incoming inspection


def _received_revision(session: Session, part: Part, revision: str | None) -> tuple[PartRevision | None, list[str]]:
    """The revision of the part that came in: the one named, else the part's released revision (the
    newest, if several are); and the reasons there is none."""
    revisions = session.execute(select(PartRevision).where(PartRevision.part_id == part.id)
                                .order_by(PartRevision.id)).scalars().all()
    if revision:
        found = next((r for r in revisions if r.revision.lower() == revision.strip().lower()), None)
        have = ", ".join(r.revision for r in revisions) or "none"
        return found, [] if found else [f"{part.number} has no rev {revision.strip()} (its revisions: {have})"]
    released = [r for r in revisions if r.status == PartRevisionStatus.RELEASED]
    if released:
        return released[-1], []
    return None, [f"{part.number} has no released revision; say which revision was received"]


def _revision_words(lot: MaterialLot) -> str | None:
    return lot.part_revision.revision if lot.part_revision else None


@command("supply.manage")
def receive(session: Session, actor: Actor, *, po: str, line: int, quantity: float, lot_number: str | None = None,
            serials: list[str] | None = None, received_on: date | None = None, packing_slip: str | None = None,
            certificate: str | None = None, received_at: datetime | None = None,
            revision: str | None = None) -> ReceivedOut:
    """Goods in against a PO line: one material lot in quarantine (or one per serial) of the part
    revision received (default: the part's released one). Refused from a disqualified supplier, for
    a part it is not an approved source of, and beyond what is still open on the line.
    `received_at` (the dock time, for imports and the demo) sets the date received too."""
    ln = _order_line(session, po, line, lock=True)
    order, part, supplier = ln.order, ln.part, ln.order.supplier
    part_revision, bad_revision = _received_revision(session, part, revision)
    serials = [s.strip() for s in (serials or []) if s.strip()]
    lot_number = (lot_number or "").strip() or None
    numbers = serials or ([lot_number] if lot_number else [])
    existing = list(session.execute(select(MaterialLot.lot_number).where(
        func.lower(MaterialLot.lot_number).in_([n.lower() for n in numbers]))).scalars())
    today = utcnow().date()
    received_on = received_at.astimezone(timezone.utc).date() if received_at else (received_on or today)
    view = rules.ReceiptView(po=order.number, line=line, part=part.number, tracking=part.tracking,
                             supplier=supplier.code, supplier_status=supplier.status,
                             approved_source=is_approved_source(session, part.id, supplier.id),
                             po_status=order.status, line_status=ln.status,
                             quantity_open=ln.quantity - ln.quantity_received, ordered_on=order.ordered_on)
    verdict(list(rules.check_receipt(view, quantity=quantity, lot_number=lot_number, serials=serials,
                                     existing=existing, received_on=received_on, today=today).reasons)
            + bad_revision).raise_if_refused("receipt_refused")
    at = received_at or (utcnow() if received_on == today
                         else datetime.combine(received_on, time(12), tzinfo=timezone.utc))
    each = 1.0 if serials else float(quantity)
    for number in numbers:
        lot = MaterialLot(lot_number=number, part=part, part_revision=part_revision, supplier=supplier,
                          quantity_received=each, quantity_on_hand=each, status=LotStatus.QUARANTINE.value,
                          received_at=at)
        session.add(Receipt(line=ln, material_lot=lot, supplier=supplier, received_on=received_on, quantity=each,
                            packing_slip=packing_slip, certificate=certificate, received_by=actor.username,
                            result=ReceiptResult.PENDING.value))
    for number in numbers:  # an event a lot; the first one's flush writes every lot of the delivery
        audit.record(session, actor=actor, action="material_lot.received", record_type="material_lot", record_id=number,
                     after={"part": part.number, "revision": part_revision.revision, "supplier": supplier.code,
                            "quantity": each, "po": order.number,
                            "line": line, "received_on": received_on, "packing_slip": packing_slip,
                            "certificate": certificate})
    ln.quantity_received += float(quantity)
    ln.status = rules.after_receipt(ln.quantity, ln.quantity_received).value
    order.status = rules.order_after_receipt([other.status for other in order.lines]).value
    session.flush()
    return ReceivedOut(po=order.number, line=line, part=part.number, revision=part_revision.revision,
                       revision_status=part_revision.status, quantity=quantity, lots=numbers,
                       status=LotStatus.QUARANTINE, inspection=_plan_out(_plan(session, part.id, each)))


def get_receipt(session: Session, lot_number: str, *, lock: bool = False) -> Receipt:
    """The receipt of a material lot (one query; the lot comes with it)."""
    query_ = (select(Receipt).join(MaterialLot, MaterialLot.id == Receipt.material_lot_id)
              .where(func.lower(MaterialLot.lot_number) == lot_number.lower())
              .options(contains_eager(Receipt.material_lot)))
    receipt = session.execute(query_.with_for_update() if lock else query_).scalar_one_or_none()
    if receipt is None:
        get_one(session, MaterialLot, "material lot", lot_number=lot_number)
        raise NotFound("receipt_not_found", f"lot {lot_number} came in without a purchase order: it has no receipt "
                                            "to inspect")
    return receipt


@query()
def inspection_plan_for(session: Session, actor: Actor, *, lot_number: str) -> PlanOut:
    """The sampling plan incoming inspection follows for this received lot."""
    receipt = get_receipt(session, lot_number)
    return _plan_out(_plan(session, receipt.material_lot.part_id, receipt.quantity))


@command("receipt.inspect")
def inspect_receipt(session: Session, actor: Actor, *, lot_number: str, defects: int, note: str | None = None,
                    severity: str = Severity.MAJOR, defect_code: str | None = None,
                    at: datetime | None = None) -> InspectOut:
    """Record the defects found in the Z1.4 sample (or in 100% inspection) and accept or reject
    the lot by the plan's Ac/Re. A rejected lot raises an NCR on the lot, against its supplier
    (nonconformance handles IncomingRejected)."""
    [inspected] = _inspect(session, actor, [get_receipt(session, lot_number, lock=True)], defects, note, severity,
                           defect_code, at)
    return inspected


@command("receipt.inspect")
def inspect_receipts(session: Session, actor: Actor, *, lot_numbers: list[str], defects: int = 0,
                     note: str | None = None, severity: str = Severity.MAJOR, defect_code: str | None = None,
                     at: datetime | None = None) -> InspectionsOut:
    """The lots of one delivery inspected together (a shipment of serials, each its own lot): each found
    with `defects` in its sample and judged by its own plan, as inspect_receipt judges one; all or none."""
    wanted = {n.strip().lower(): n.strip() for n in lot_numbers}
    found = {r.material_lot.lot_number.lower(): r for r in session.execute(
        select(Receipt).join(MaterialLot, MaterialLot.id == Receipt.material_lot_id)
        .where(func.lower(MaterialLot.lot_number).in_(list(wanted))).options(contains_eager(Receipt.material_lot))
        .order_by(MaterialLot.id).with_for_update()).scalars()}
    for key, number in wanted.items():
        if key not in found:
            get_receipt(session, number)  # says why: no such lot, or no receipt to inspect
    return InspectionsOut(lots=_inspect(session, actor, [found[key] for key in wanted], defects, note, severity,
                                        defect_code, at))


def _inspect(session: Session, actor: Actor, receipts: list[Receipt], defects: int, note: str | None, severity: str,
             defect_code: str | None, at: datetime | None) -> list[InspectOut]:
    """Judge each receipt's lot by its plan (refused with every reason, all or none), an event a lot, and an
    NCR on each lot rejected."""
    plans = [_plan(session, r.material_lot.part_id, r.quantity) for r in receipts]
    reasons = [reason for r, plan in zip(receipts, plans)
               for reason in rules.inspection_problems(plan, defects, r.material_lot.lot_number, r.material_lot.status)]
    if severity not in {s.value for s in Severity}:
        reasons.append(f"an NCR is {', '.join(Severity)}, not '{severity}'")
    verdict(reasons).raise_if_refused("inspection_refused")
    at = at or utcnow()
    for receipt, plan in zip(receipts, plans):
        lot = receipt.material_lot
        lot.status = rules.after_inspection(rules.accepted(plan, defects)).value
        receipt.result = lot.status
        receipt.aql, receipt.sample_size, receipt.defects_found = plan.aql, plan.sample_size, defects
        receipt.inspected_by, receipt.inspected_at = actor.username, at
    for receipt, plan in zip(receipts, plans):  # the first event's flush writes every lot
        audit.record(session, actor=actor, action="material_lot.inspected", record_type="material_lot",
                     record_id=receipt.material_lot.lot_number, before={"status": LotStatus.QUARANTINE.value},
                     after={"status": receipt.result, "sample_size": plan.sample_size, "defects_found": defects,
                            "aql": plan.aql, "accept": plan.accept, "reject": plan.reject}, reason=note)
    inspected = []
    for receipt, plan in zip(receipts, plans):
        lot, ncr = receipt.material_lot, None
        if lot.status == LotStatus.REJECTED:
            words = f"{defects} defective in a sample of {plan.sample_size}" + (
                f" (AQL {plan.aql:g}, Ac {plan.accept}, Re {plan.reject})" if plan.aql else " (100% inspection)")
            replies = events.publish(session, actor, IncomingRejected(
                material_lot_id=lot.id, lot_number=lot.lot_number, part=lot.part.number,
                supplier_id=receipt.supplier_id, quantity=receipt.quantity, severity=str(severity),
                defect_code=defect_code or "INCOMING",
                description=f"Incoming inspection rejected lot {lot.lot_number} of {lot.part.number} from "
                            f"{receipt.supplier.name}: {words}." + (f" {note}" if note else ""),
                at=receipt.inspected_at))
            ncr = next(r.number for r in replies if isinstance(r, NcrRaised))
        inspected.append(InspectOut(lot=lot.lot_number, result=lot.status, plan=_plan_out(plan), defects_found=defects,
                                    ncr=ncr))
    return inspected


def _receipts(session: Session, *, supplier_id: int | None = None, order_id: int | None = None,
              result: str | None = None, limit: int | None = None, oldest_first: bool = False) -> list[ReceiptOut]:
    """Receipts, newest first, in one query; those still to inspect carry their sampling plan."""
    order = (Receipt.received_on, Receipt.id) if oldest_first else (Receipt.received_on.desc(), Receipt.id.desc())
    query_ = (select(Receipt, PurchaseOrderLine.line_number, PurchaseOrderLine.promised_on, PurchaseOrder.number,
                     MaterialLot.lot_number, MaterialLot.part_id, MaterialLot.quantity_on_hand, Part.number,
                     PartRevision.revision, Supplier.code)
              .join(PurchaseOrderLine, PurchaseOrderLine.id == Receipt.line_id)
              .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
              .join(MaterialLot, MaterialLot.id == Receipt.material_lot_id)
              .join(Part, Part.id == MaterialLot.part_id)
              .outerjoin(PartRevision, PartRevision.id == MaterialLot.part_revision_id)
              .join(Supplier, Supplier.id == Receipt.supplier_id)
              .order_by(*order))
    if supplier_id is not None:
        query_ = query_.where(Receipt.supplier_id == supplier_id)
    if order_id is not None:
        query_ = query_.where(PurchaseOrder.id == order_id)
    if result:
        query_ = query_.where(Receipt.result == result)
    if limit:
        query_ = query_.limit(limit)
    return [ReceiptOut(lot=lot, po=po, line=line, part=part, revision=revision, supplier=supplier, quantity=r.quantity,
                       received_on=r.received_on, promised_on=promised, days_late=(r.received_on - promised).days,
                       packing_slip=r.packing_slip, certificate=r.certificate, received_by=r.received_by,
                       result=r.result, aql=r.aql, sample_size=r.sample_size, defects_found=r.defects_found,
                       inspected_by=r.inspected_by, inspected_at=r.inspected_at, quantity_on_hand=on_hand,
                       plan=_plan_out(_plan(session, part_id, r.quantity)) if r.result == ReceiptResult.PENDING
                       else None)
            for r, line, promised, po, lot, part_id, on_hand, part, revision, supplier in session.execute(query_).all()]


@query()
def list_receipts(session: Session, actor: Actor, *, supplier: str | None = None, po: str | None = None,
                  result: str | None = None, limit: int = 50) -> list[ReceiptOut]:
    """Receipts, newest first; pending ones wait for incoming inspection."""
    return _receipts(session, supplier_id=get_supplier(session, supplier).id if supplier else None,
                     order_id=get_purchase_order(session, po).id if po else None, result=result, limit=limit)


# ---------------------------------------------------------------- direct lots (no purchase order)


def _lot_out(lot: MaterialLot, part: str, supplier: str | None) -> MaterialLotOut:
    return MaterialLotOut(lot_number=lot.lot_number, part=part, revision=_revision_words(lot), supplier=supplier,
                          quantity_received=lot.quantity_received, quantity_on_hand=lot.quantity_on_hand,
                          status=lot.status, received_at=lot.received_at)


@command("supply.manage")
def receive_lot(session: Session, actor: Actor, *, lot_number: str, part: str, supplier: str, quantity: float,
                received_at: datetime | None = None, revision: str | None = None) -> MaterialLotOut:
    """A lot booked in without a purchase order (opening stock, test fixtures), of the part revision
    received (default: the released one); it starts in quarantine like any other. Goods from
    suppliers are received with `receive`."""
    p, s = get_part(session, part), get_supplier(session, supplier)
    part_revision, reasons = _received_revision(session, p, revision)
    reasons += rules.identifier_problems(lot_number, "a lot number")
    if not reasons and _taken(session, MaterialLot.lot_number, lot_number):
        reasons.append(f"lot {lot_number} already exists")
    reasons += rules.quantity_problems(quantity, "a received quantity")
    if p.tracking == "serial" and quantity != 1:
        reasons.append(f"{p.number} is serialized: receive each serial as its own lot of 1")
    verdict(reasons).raise_if_refused("receipt_refused")
    lot = MaterialLot(lot_number=lot_number, part_id=p.id, part_revision=part_revision, supplier_id=s.id,
                      quantity_received=quantity, quantity_on_hand=quantity, status=LotStatus.QUARANTINE.value,
                      received_at=received_at or utcnow())
    session.add(lot)
    session.flush()
    audit.record(session, actor=actor, action="material_lot.received", record_type="material_lot",
                 record_id=lot_number, after={"part": p.number, "revision": part_revision.revision, "supplier": s.code,
                                              "quantity": quantity})
    return _lot_out(lot, p.number, s.code)


@command("receipt.inspect")
def inspect_lot(session: Session, actor: Actor, *, lot_number: str, accept: bool,
                reason: str | None = None) -> MaterialLotOut:
    """Accept or reject a lot booked in without a purchase order (no sampling record, no NCR)."""
    lot = get_one(session, MaterialLot, "material lot", lock=True, lot_number=lot_number)
    reasons = []
    if lot.status != LotStatus.QUARANTINE:
        reasons.append(f"lot {lot.lot_number} is {lot.status}; only a lot in quarantine is inspected")
    if not accept and not (reason or "").strip():
        reasons.append("a rejection needs a reason")
    verdict(reasons).raise_if_refused("inspection_refused")
    lot.status = rules.after_inspection(accept).value
    audit.record(session, actor=actor, action="material_lot.inspected", record_type="material_lot",
                 record_id=lot.lot_number, before={"status": LotStatus.QUARANTINE.value}, after={"status": lot.status},
                 reason=reason)
    return _lot_out(lot, lot.part.number, lot.supplier.code if lot.supplier else None)


# ---------------------------------------------------------------- read models for planning


def open_order_lines(session: Session, *, parts: list[str] | None = None) -> list[dict]:
    """PO lines still open on open orders, with what is still to come, by promised date."""
    query_ = (select(PurchaseOrder.number, PurchaseOrderLine.line_number, Part.number, Supplier.code,
                     PurchaseOrderLine.quantity - PurchaseOrderLine.quantity_received, PurchaseOrderLine.promised_on)
              .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
              .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
              .join(Part, Part.id == PurchaseOrderLine.part_id)
              .where(PurchaseOrder.status == OrderStatus.OPEN.value, PurchaseOrderLine.status == LineStatus.OPEN.value,
                     PurchaseOrderLine.quantity > PurchaseOrderLine.quantity_received)
              .order_by(PurchaseOrderLine.promised_on, PurchaseOrder.number, PurchaseOrderLine.line_number))
    if parts is not None:
        query_ = query_.where(Part.number.in_(list(parts)))
    return [{"po": po, "line": ln, "part": part, "supplier": supplier, "quantity_open": qty, "promised_date": promised}
            for po, ln, part, supplier, qty, promised in session.execute(query_).all()]


def accepted_on_hand(session: Session) -> dict[str, float]:
    """Quantity on hand in accepted material lots from an approved source of their part, per part
    number: what the floor may build with (quarantined, rejected and unapproved lots do not count)."""
    rows = session.execute(select(Part.number, func.sum(MaterialLot.quantity_on_hand))
                           .join(Part, Part.id == MaterialLot.part_id)
                           .join(ApprovedSource, (ApprovedSource.part_id == MaterialLot.part_id)
                                 & (ApprovedSource.supplier_id == MaterialLot.supplier_id))
                           .where(MaterialLot.status == LotStatus.ACCEPTED.value).group_by(Part.number)).all()
    return {part: float(qty or 0.0) for part, qty in rows}


def days_between(session: Session, later, earlier):
    """Whole days between two DATE columns, as a float, on SQLite and PostgreSQL."""
    if is_postgres(session):
        return cast(later - earlier, Float)
    return func.julianday(later) - func.julianday(earlier)


def observed_lateness(session: Session) -> dict[str, float]:
    """Per supplier code, the mean days late over its receipts against PO lines:
    mean(max(0, received_on − promised_on)). Early receipts count as 0, not as negative
    lateness, so a supplier's early lots do not cancel its late ones."""
    late = days_between(session, Receipt.received_on, PurchaseOrderLine.promised_on)
    rows = session.execute(select(Supplier.code, func.avg(case((late > 0, late), else_=0.0)))
                           .join(Receipt, Receipt.supplier_id == Supplier.id)
                           .join(PurchaseOrderLine, PurchaseOrderLine.id == Receipt.line_id)
                           .group_by(Supplier.code)).all()
    return {code: float(days) for code, days in rows}
