"""Supplier pages: the list with the scorecard and a trend chart per supplier, one supplier,
and a purchase order with receiving and incoming inspection forms.

Forms are checked with lrip.auth.permissions.check and done by lrip.supply.service as the
signed-in user; a refusal shows the page again with every reason, a success redirects."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lrip.auth.permissions import allowed
from lrip.db import read_session
from lrip.errors import Invalid, LripError
from lrip.supply import charts, service
from lrip.web.render import act, form_fields, render, status_code

router = APIRouter(include_in_schema=False)


def _url(kind: str, key: str) -> str:
    return f"/{kind}/{quote(key, safe='')}"


def _can(request: Request) -> dict:
    roles = request.state.web_user.roles or []
    return {"manage": allowed(roles, "supply.manage"), "inspect": allowed(roles, "receipt.inspect")}


def _not_found(request: Request, exc: LripError):
    return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons}, status=status_code(exc))


@router.get("/suppliers")
def suppliers(request: Request, since: str = "", until: str = "", late_days: str = "0"):
    """Suppliers, the scorecard over the chosen window, and each supplier's trend."""
    reasons = []
    with read_session(request.app.state.database_url) as session:
        try:
            window = {"since": service.parse_date(since, "since"), "until": service.parse_date(until, "until"),
                      "late_days": int(late_days or 0)}
        except (Invalid, ValueError) as exc:
            reasons = getattr(exc, "reasons", [f"days late allowed '{late_days}' is not a whole number"])
            window = {"since": None, "until": None, "late_days": 0}
        cards = service.scorecard(session, **window)
        rows = service.list_suppliers(session)
        pending = service.list_receipts(session, result="pending", limit=100)
        orders = service.list_purchase_orders(session, status="open")
    for c in cards:
        c["chart"] = charts.supplier_trend(c["periods"], title=f"{c['supplier']}: on-time delivery and PPM by month") \
            if c["periods"] else None
    return render(request, "supply_suppliers.html", {
        "nav": "suppliers", "cards": cards, "suppliers": {r["code"]: r for r in rows}, "pending": pending,
        "orders": orders, "since": since, "until": until, "late_days": late_days, "reasons": reasons,
        "can": _can(request)}, status=422 if reasons else 200)


def _supplier_page(request: Request, code: str, *, errors: list[str] | None = None, status: int = 200):
    with read_session(request.app.state.database_url) as session:
        try:
            d = service.supplier_detail(session, code)
        except LripError as exc:
            return _not_found(request, exc)
        card = next(c for c in service.scorecard(session) if c["supplier"] == code)
        from lrip.nonconformance.service import list_ncrs

        ncrs = list_ncrs(session, supplier=code)
    chart = charts.supplier_trend(card["periods"], title=f"{code}: on-time delivery and PPM by month") \
        if card["periods"] else None
    return render(request, "supply_supplier.html", {"nav": "suppliers", "s": d, "card": card, "chart": chart,
                                                    "ncrs": ncrs, "errors": errors or [], "can": _can(request)},
                  status=status)


@router.get("/suppliers/{code}")
def supplier(request: Request, code: str):
    return _supplier_page(request, code)


@router.post("/suppliers/{code}/status")
async def supplier_status(request: Request, code: str):
    v = await form_fields(request)

    def work(session: Session, who: str) -> str:
        service.set_supplier_status(session, supplier=code, status=v.get("status", ""), reason=v.get("reason", ""),
                                    actor=who)
        return f"Supplier {code} is now {v.get('status')}."

    return await run_in_threadpool(act, request, "supply.manage", _url("suppliers", code), work,
                                   lambda reasons, status: _supplier_page(request, code, errors=reasons, status=status))


def _order_page(request: Request, number: str, *, errors: dict | None = None, status: int = 200):
    with read_session(request.app.state.database_url) as session:
        try:
            po = service.purchase_order_detail(session, number)
        except LripError as exc:
            return _not_found(request, exc)
        plans = {r["lot"]: service.inspection_plan_for(session, r["lot"]).as_dict()
                 for ln in po["lines"] for r in ln["receipts"] if r["result"] == "pending"}
    return render(request, "supply_order.html", {"nav": "suppliers", "po": po, "plans": plans,
                                                 "errors": errors or {}, "can": _can(request)}, status=status)


@router.get("/purchase-orders/{number}")
def purchase_order(request: Request, number: str):
    return _order_page(request, number)


def _number(text: str, what: str, cast=float):
    try:
        return cast(text)
    except ValueError:
        raise Invalid("bad_number", f"{what} '{text}' is not a {'whole ' if cast is int else ''}number") from None


@router.post("/purchase-orders/{number}/lines/{line}/receive")
async def receive(request: Request, number: str, line: int):
    v = await form_fields(request)

    def work(session: Session, who: str) -> str:
        quantity = _number(v.get("quantity", ""), "quantity")
        serials = v.get("serials", "").replace(",", " ").split()
        made = service.receive(session, po=number, line=line, quantity=quantity, lot_number=v.get("lot") or None,
                               serials=serials, packing_slip=v.get("packing_slip") or None,
                               certificate=v.get("certificate") or None, actor=who)
        return f"Received {quantity:g} against line {line}: {', '.join(r.material_lot.lot_number for r in made)} in quarantine."

    return await run_in_threadpool(act, request, "supply.manage", _url("purchase-orders", number), work,
                                   lambda reasons, status: _order_page(request, number, errors={f"line-{line}": reasons},
                                                                       status=status))


@router.post("/receipts/{lot}/inspect")
async def inspect(request: Request, lot: str):
    v = await form_fields(request)
    po = v.get("po", "")

    def work(session: Session, who: str) -> str:
        r = service.inspect_receipt(session, lot_number=lot, defects=_number(v.get("defects", ""), "defects found", int),
                                    note=v.get("note") or None, actor=who)
        return (f"Lot {lot} {r['result']}: {r['defects_found']} defective in {r['plan']['sample_size']} inspected."
                + (f" {r['ncr']} raised against the supplier." if r["ncr"] else ""))

    back = _url("purchase-orders", po) if po else "/suppliers"
    return await run_in_threadpool(act, request, "receipt.inspect", back, work,
                                   lambda reasons, status: _order_page(request, po, errors={f"lot-{lot}": reasons},
                                                                       status=status))
