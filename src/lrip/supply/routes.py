"""The supply API: suppliers and their scorecard, purchase orders, receipts and incoming inspection."""
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from lrip.api import idempotency, problems
from lrip.api.deps import db, read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN
from lrip.auth.models import User
from lrip.db import utcnow
from lrip.supply import service
from lrip.supply.schemas import (InspectOut, InspectRequest, IsoDate, OrderCreate, OrderDetail, OrderRow, PlanOut,
                                 ReceiptOut, ReceivedOut, ReceiveRequest, Scorecard, SourceAdd, SupplierCreate,
                                 SupplierDetail, SupplierRow, SupplierStatusChange)

router = APIRouter(tags=["supply"], responses=problems.RESPONSES)
SupplierCode = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The supplier's code.")]
Po = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The purchase order number.")]
Line = Annotated[int, Path(ge=1, le=100_000, description="The line number on the order.")]
MaterialLot = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN,
                                  description="The received lot number (or purchased serial).")]
Filter = Annotated[str | None, Query(max_length=60, pattern=IDENTIFIER_PATTERN)]


@router.get("/suppliers", response_model=list[SupplierRow])
def list_suppliers(session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Every supplier, its status and the parts it is an approved source of."""
    return service.list_suppliers(session)


@router.post("/suppliers", status_code=201, response_model=SupplierRow)
def create_supplier(body: SupplierCreate, session: Session = Depends(db),
                    user: User = Depends(require("supply.manage"))):
    """Add a supplier."""
    service.create_supplier(session, code=body.code, name=body.name, status=body.status, actor=user.username)
    return {"code": body.code, "name": body.name, "status": body.status, "approved_parts": []}


@router.get("/suppliers/scorecard", response_model=list[Scorecard])
def scorecard(since: Annotated[IsoDate | None, Query(description="Receipts from this date.")] = None,
              until: Annotated[IsoDate | None, Query(description="Receipts up to this date.")] = None,
              late_days: Annotated[int, Query(ge=0, le=365, description="Days late still on time.")] = 0,
              early_days: Annotated[int | None, Query(ge=0, le=365, description="Days early still on time "
                                                                                "(default: any).")] = None,
              session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Per supplier and month: on-time delivery, lead time, quantity accuracy, acceptance, PPM, NCRs."""
    return service.scorecard(session, since=since, until=until, late_days=late_days, early_days=early_days)


@router.get("/suppliers/{supplier}", response_model=SupplierDetail)
def supplier(supplier: SupplierCode, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """A supplier: approved parts, purchase orders, recent receipts, status history."""
    return service.supplier_detail(session, supplier)


@router.post("/suppliers/{supplier}/status", response_model=SupplierRow)
def set_status(supplier: SupplierCode, body: SupplierStatusChange, session: Session = Depends(db),
               user: User = Depends(require("supply.manage"))):
    """Approve, make conditional or disqualify a supplier, with the reason."""
    service.set_supplier_status(session, supplier=supplier, status=body.status, reason=body.reason, actor=user.username)
    return next(s for s in service.list_suppliers(session) if s["code"] == supplier)


@router.post("/suppliers/{supplier}/approved-sources", status_code=201, response_model=SupplierRow)
def approve_source(supplier: SupplierCode, body: SourceAdd, session: Session = Depends(db),
                   user: User = Depends(require("supply.manage"))):
    """Make the supplier an approved source of a part."""
    service.approve_source(session, part=body.part, supplier=supplier, actor=user.username)
    return next(s for s in service.list_suppliers(session) if s["code"] == supplier)


@router.get("/purchase-orders", response_model=list[OrderRow])
def list_orders(supplier: Filter = None, status: Literal["open", "closed", "cancelled"] | None = None,
                session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Purchase orders, by supplier and status."""
    return service.list_purchase_orders(session, supplier=supplier, status=status)


@router.post("/purchase-orders", status_code=201, response_model=OrderDetail)
def place_order(body: OrderCreate, request: Request, session: Session = Depends(db),
                user: User = Depends(require("supply.manage"))):
    """Place a purchase order with its lines (part, quantity, promised date)."""
    def act():
        service.place_order(session, number=body.number, supplier=body.supplier,
                            ordered_on=body.ordered_on or utcnow().date(), actor=user.username,
                            lines=[(ln.part, ln.quantity, ln.promised_on) for ln in body.lines])
        return 201, service.purchase_order_detail(session, body.number)
    return idempotency.respond(session, request, user, body.model_dump(mode="json"), act)


@router.get("/purchase-orders/{po}", response_model=OrderDetail)
def order(po: Po, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """A purchase order, its lines and the receipts against each."""
    return service.purchase_order_detail(session, po)


@router.post("/purchase-orders/{po}/lines/{line}/receipts", status_code=201, response_model=ReceivedOut)
def receive(po: Po, line: Line, body: ReceiveRequest, request: Request, session: Session = Depends(db),
            user: User = Depends(require("supply.manage"))):
    """Receive goods against a PO line: material lots in quarantine, with the inspection plan to follow."""
    def act():
        made = service.receive(session, po=po, line=line, quantity=body.quantity, lot_number=body.lot,
                               serials=body.serials, received_on=body.received_on, packing_slip=body.packing_slip,
                               certificate=body.certificate, actor=user.username)
        lots = [r.material_lot.lot_number for r in made]
        return 201, {"po": po, "line": line, "lots": lots, "status": "quarantine",
                     "inspection": service.inspection_plan_for(session, lots[0]).as_dict()}
    return idempotency.respond(session, request, user, body.model_dump(mode="json"), act)


@router.get("/receipts", response_model=list[ReceiptOut])
def list_receipts(supplier: Filter = None, po: Filter = None,
                  result: Literal["pending", "accepted", "rejected"] | None = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Receipts, newest first; pending ones wait for incoming inspection."""
    return service.list_receipts(session, supplier=supplier, po=po, result=result, limit=limit)


@router.get("/receipts/{lot}/plan", response_model=PlanOut)
def inspection_plan(lot: MaterialLot, session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """The sampling plan incoming inspection follows for this lot."""
    return service.inspection_plan_for(session, lot).as_dict()


@router.post("/receipts/{lot}/inspection", response_model=InspectOut)
def inspect(lot: MaterialLot, body: InspectRequest, request: Request, session: Session = Depends(db),
            user: User = Depends(require("receipt.inspect"))):
    """Record the defects found: the lot is accepted or rejected by the plan; a rejection raises an NCR."""
    def act():
        return 200, service.inspect_receipt(session, lot_number=lot, defects=body.defects, note=body.note,
                                            severity=body.severity, defect_code=body.defect_code,
                                            actor=user.username)
    return idempotency.respond(session, request, user, body.model_dump(mode="json"), act)
