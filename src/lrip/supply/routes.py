"""The supply API: suppliers, purchase orders, receipts and incoming inspection. `GET
/suppliers/scorecard` (which reads NCRs) and `GET /suppliers/{supplier}` are quality's
(lrip.quality.routes): routes are tried in the order the areas are loaded, lowest first, so a
`/suppliers/{supplier}` here would answer for "scorecard" before quality's route is reached."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from lrip.api import problems
from lrip.api.deps import act, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.supply import service
from lrip.supply.schemas import (InspectOut, InspectRequest, OrderCreate, OrderDetail, OrderFilter, OrderRow, PlanOut,
                                 ReceiptFilter, ReceiptOut, ReceivedOut, ReceiveRequest, SourceAdd, SupplierCreate,
                                 SupplierRow, SupplierStatusChange)

router = APIRouter(tags=["supply"], responses=problems.RESPONSES)
SupplierCode = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The supplier's code.")]
Po = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The purchase order number.")]
Line = Annotated[int, Path(ge=1, le=100_000, description="The line number on the order.")]
LotNumber = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN,
                                description="The received lot number (or purchased serial).")]


@router.get("/suppliers", response_model=list[SupplierRow], openapi_extra=uses(service.list_suppliers))
def list_suppliers(request: Request, actor: Actor = Depends(signed_in)):
    """Every supplier, its status and the parts it is an approved source of."""
    with read(request) as session:
        return service.list_suppliers(session, actor)


@router.post("/suppliers", status_code=201, response_model=SupplierRow, openapi_extra=uses(service.create_supplier))
def create_supplier(body: SupplierCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Add a supplier."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.create_supplier(
        s, actor, code=body.code, name=body.name, status=body.status))


@router.post("/suppliers/{supplier}/status", response_model=SupplierRow,
             openapi_extra=uses(service.set_supplier_status))
def set_status(supplier: SupplierCode, body: SupplierStatusChange, request: Request,
               actor: Actor = Depends(signed_in)):
    """Approve, make conditional or disqualify a supplier, with the reason."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.set_supplier_status(
        s, actor, supplier=supplier, status=body.status, reason=body.reason))


@router.post("/suppliers/{supplier}/approved-sources", status_code=201, response_model=SupplierRow,
             openapi_extra=uses(service.approve_source))
def approve_source(supplier: SupplierCode, body: SourceAdd, request: Request, actor: Actor = Depends(signed_in)):
    """Make the supplier an approved source of a part."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.approve_source(
        s, actor, part=body.part, supplier=supplier))


@router.get("/purchase-orders", response_model=list[OrderRow], openapi_extra=uses(service.list_purchase_orders))
def list_orders(request: Request, q: Annotated[OrderFilter, Query()], actor: Actor = Depends(signed_in)):
    """Purchase orders, by supplier and status."""
    with read(request) as session:
        return service.list_purchase_orders(session, actor, **q.model_dump())


@router.post("/purchase-orders", status_code=201, response_model=OrderDetail, openapi_extra=uses(service.place_order))
def place_order(body: OrderCreate, request: Request, actor: Actor = Depends(signed_in)):
    """Place a purchase order with its lines (part, quantity, promised date)."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.place_order(
        s, actor, number=body.number, supplier=body.supplier, ordered_on=body.ordered_on,
        lines=[(ln.part, ln.quantity, ln.promised_on) for ln in body.lines]))


@router.get("/purchase-orders/{po}", response_model=OrderDetail, openapi_extra=uses(service.purchase_order_detail))
def order(po: Po, request: Request, actor: Actor = Depends(signed_in)):
    """A purchase order, its lines and the receipts against each."""
    with read(request) as session:
        return service.purchase_order_detail(session, actor, number=po)


@router.post("/purchase-orders/{po}/lines/{line}/receipts", status_code=201, response_model=ReceivedOut,
             openapi_extra=uses(service.receive))
def receive(po: Po, line: Line, body: ReceiveRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Receive goods against a PO line: material lots in quarantine, with the inspection plan to follow."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.receive(
        s, actor, po=po, line=line, quantity=body.quantity, lot_number=body.lot, serials=body.serials,
        received_on=body.received_on, packing_slip=body.packing_slip, certificate=body.certificate,
        revision=body.revision))


@router.get("/receipts", response_model=list[ReceiptOut], openapi_extra=uses(service.list_receipts))
def list_receipts(request: Request, q: Annotated[ReceiptFilter, Query()], actor: Actor = Depends(signed_in)):
    """Receipts, newest first; pending ones wait for incoming inspection (with their sampling plan)."""
    with read(request) as session:
        return service.list_receipts(session, actor, **q.model_dump())


@router.get("/receipts/{lot}/plan", response_model=PlanOut, openapi_extra=uses(service.inspection_plan_for))
def inspection_plan(lot: LotNumber, request: Request, actor: Actor = Depends(signed_in)):
    """The sampling plan incoming inspection follows for this lot."""
    with read(request) as session:
        return service.inspection_plan_for(session, actor, lot_number=lot)


@router.post("/receipts/{lot}/inspection", response_model=InspectOut, openapi_extra=uses(service.inspect_receipt))
def inspect(lot: LotNumber, body: InspectRequest, request: Request, actor: Actor = Depends(signed_in)):
    """Record the defects found: the lot is accepted or rejected by the plan; a rejection raises an NCR."""
    return act(request, actor, body.model_dump(mode="json"), lambda s: service.inspect_receipt(
        s, actor, lot_number=lot, defects=body.defects, note=body.note, severity=body.severity,
        defect_code=body.defect_code))
