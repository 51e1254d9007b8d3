"""Supply pages: a purchase order with its receiving and incoming inspection forms (the
suppliers' pages, which show their scorecards and NCRs, are quality's: lrip.quality.pages).

Forms parse through supply's request schemas and are done by lrip.supply.service as the
signed-in person; a refusal shows the page again with every reason, a success redirects."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.fields import parse
from lrip.supply import service
from lrip.supply.schemas import InspectRequest, ReceiveRequest
from lrip.web.render import act, form_fields, render, status_code

router = APIRouter(include_in_schema=False)


def _url(number: str) -> str:
    return f"/purchase-orders/{quote(number, safe='')}"


def _order_page(request: Request, number: str, *, errors: dict | None = None, status: int = 200):
    actor = request.state.web_actor
    with unit_of_work(request.app.state.database_url, write=False) as session:
        try:
            po = service.purchase_order_detail(session, actor, number=number)
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
    return render(request, "supply_order.html", {
        "nav": "suppliers", "po": po, "errors": errors or {},
        "can": {"manage": actor.may("supply.manage"), "inspect": actor.may("receipt.inspect")}}, status=status)


@router.get("/purchase-orders/{number}")
def purchase_order(request: Request, number: str):
    return _order_page(request, number)


@router.post("/purchase-orders/{number}/lines/{line}/receive")
async def receive(request: Request, number: str, line: int):
    v = await form_fields(request)

    def work(session, actor) -> str:
        body = parse(ReceiveRequest, quantity=v.get("quantity"), lot=v.get("lot") or None,
                     serials=v.get("serials", "").replace(",", " ").split(), revision=v.get("revision") or None,
                     packing_slip=v.get("packing_slip") or None, certificate=v.get("certificate") or None)
        made = service.receive(session, actor, po=number, line=line, quantity=body.quantity, lot_number=body.lot,
                               serials=body.serials, packing_slip=body.packing_slip, certificate=body.certificate,
                               revision=body.revision)
        return (f"Received {made.quantity:g} of {made.part} rev {made.revision} against line {line}: "
                f"{', '.join(made.lots)} in quarantine.")

    return await run_in_threadpool(act, request, _url(number), work, lambda reasons, status: _order_page(
        request, number, errors={f"line-{line}": reasons}, status=status))


@router.post("/receipts/{lot}/inspect")
async def inspect(request: Request, lot: str):
    v = await form_fields(request)
    po = v.get("po", "")

    def work(session, actor) -> str:
        body = parse(InspectRequest, defects=v.get("defects"), note=v.get("note") or None)
        r = service.inspect_receipt(session, actor, lot_number=lot, defects=body.defects, note=body.note)
        return (f"Lot {r.lot} {r.result}: {r.defects_found} defective in {r.plan.sample_size} inspected."
                + (f" {r.ncr} raised against the supplier." if r.ncr else ""))

    return await run_in_threadpool(act, request, _url(po) if po else "/suppliers", work, lambda reasons, status:
                                   _order_page(request, po, errors={f"lot-{lot}": reasons}, status=status))
