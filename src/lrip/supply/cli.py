"""`lrip suppliers …`, `lrip po …`, `lrip receive`, `lrip inspect-receipt`, `lrip receipts`:
suppliers, purchase orders, goods in and incoming inspection (`lrip suppliers scorecard` is
quality's). Arguments parse through supply's request schemas, as the API's bodies do."""
from typing import Annotated

import typer

from lrip.supply import service
from lrip.supply.schemas import (AqlSet, InspectRequest, LineIn, OrderFilter, OrderOpen, ReceiptFilter,
                                 ReceiveRequest, SourceAdd, SupplierCreate, SupplierStatusChange)
from lrip.terminal import NUMBERS, AsJson, Db, out, parse, run, say, table

suppliers_app = typer.Typer(no_args_is_help=True, help="Suppliers, approved sources, incoming AQLs and scorecards.")
po_app = typer.Typer(no_args_is_help=True, help="Purchase orders and their lines.")

Day = Annotated[str | None, typer.Option(help="A date, like 2026-03-01.")]
Serials = Annotated[list[str] | None, typer.Option("--serial", help="A serial (repeat, serialized parts).")]


def register(app: typer.Typer) -> None:
    """Add `lrip suppliers`, `lrip po`, `lrip receive`, `lrip inspect-receipt` and `lrip receipts`."""
    app.add_typer(suppliers_app, name="suppliers")
    app.add_typer(po_app, name="po")
    app.command("receive", context_settings=NUMBERS)(receive)
    app.command("inspect-receipt", context_settings=NUMBERS)(inspect_receipt)
    app.command("receipts")(receipts)


# ---------------------------------------------------------------- suppliers


@suppliers_app.command("list")
def suppliers_list(db: Db = None, as_json: AsJson = False) -> None:
    """Every supplier, its status and the parts it is an approved source of."""
    run(db, as_json, service.list_suppliers, lambda rows: out.print(table(
        "Suppliers", ["Code", "Name", "Status", "Approved for"],
        [[r.code, r.name, r.status, ", ".join(r.approved_parts)] for r in rows])), write=False)


@suppliers_app.command("add")
def suppliers_add(code: str, name: Annotated[str, typer.Option(help="The supplier's name.")],
                  status: Annotated[str, typer.Option(help="approved, conditional or disqualified.")] = "approved",
                  db: Db = None, as_json: AsJson = False) -> None:
    """Add a supplier."""
    request = parse(SupplierCreate, as_json, code=code, name=name, status=status)
    run(db, as_json, lambda s, actor: service.create_supplier(s, actor, code=request.code, name=request.name,
                                                              status=request.status),
        lambda r: say(f"Supplier {r.code} ({r.name}) added, {r.status}."))


@suppliers_app.command("show")
def suppliers_show(code: str, db: Db = None, as_json: AsJson = False) -> None:
    """A supplier: approved parts, purchase orders, recent receipts, status history."""
    def show(d):
        say(f"{d.code}  {d.name}  {d.status}  approved for: {', '.join(d.approved_parts) or 'nothing'}")
        for h in d.status_history:
            say(f"  {h.at:%Y-%m-%d} {h.actor}: {h.before} → {h.after} — {h.reason}")
        out.print(table("Purchase orders", ["PO", "Ordered", "Status", "Lines", "Next promised"],
                        [[p.number, p.ordered_on, p.status, p.lines, p.next_promised_on] for p in d.purchase_orders]))
        out.print(_receipt_table(d.receipts, "Recent receipts"))

    run(db, as_json, lambda s, actor: service.supplier_detail(s, actor, code=code.strip()), show, write=False)


@suppliers_app.command("status")
def suppliers_status(code: str, status: Annotated[str, typer.Argument(help="approved, conditional or disqualified")],
                     reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
                     db: Db = None, as_json: AsJson = False) -> None:
    """Approve, make conditional or disqualify a supplier."""
    request = parse(SupplierStatusChange, as_json, status=status, reason=reason)
    run(db, as_json, lambda s, actor: service.set_supplier_status(s, actor, supplier=code.strip(),
                                                                  status=request.status, reason=request.reason),
        lambda r: say(f"Supplier {r.code} is now {r.status}."))


@suppliers_app.command("approve-source")
def suppliers_approve_source(part: str, supplier: str, db: Db = None, as_json: AsJson = False) -> None:
    """Add SUPPLIER to PART's approved sources."""
    request = parse(SourceAdd, as_json, part=part)
    run(db, as_json, lambda s, actor: service.approve_source(s, actor, part=request.part, supplier=supplier.strip()),
        lambda r: say(f"{r.code} is now an approved source of {request.part}."))


@suppliers_app.command("aql")
def suppliers_aql(aql: Annotated[str | None, typer.Option(help="Z1.4 AQL, e.g. 1.0; none: inspect 100%.")] = None,
                  part: Annotated[str | None, typer.Option(help="The part; leave out for the default.")] = None,
                  level: Annotated[str, typer.Option(help="Z1.4 inspection level.")] = "II",
                  db: Db = None, as_json: AsJson = False) -> None:
    """Set the AQL incoming inspection samples a part (or every part) at."""
    request = parse(AqlSet, as_json, aql=aql, part=part, level=level)
    run(db, as_json, lambda s, actor: service.set_incoming_aql(s, actor, aql=request.aql, part=request.part,
                                                               level=request.level),
        lambda r: say(f"Incoming inspection of {r.part or 'every part without its own AQL'}: "
                      + (f"AQL {r.aql:g}, level {r.level}." if r.aql is not None else "100%.")))


# ---------------------------------------------------------------- purchase orders


@po_app.command("create")
def po_create(number: str, supplier: Annotated[str, typer.Option(help="The supplier's code.")],
              ordered_on: Day = None, db: Db = None, as_json: AsJson = False) -> None:
    """Open a purchase order with a supplier (ordered today unless --ordered-on)."""
    request = parse(OrderOpen, as_json, number=number, supplier=supplier, ordered_on=ordered_on)
    run(db, as_json, lambda s, actor: service.create_purchase_order(
        s, actor, number=request.number, supplier=request.supplier, ordered_on=request.ordered_on),
        lambda d: say(f"Purchase order {d.number} to {d.supplier}, ordered {d.ordered_on}."))


@po_app.command("add-line", context_settings=NUMBERS)
def po_add_line(po: str, part: str, quantity: Annotated[str, typer.Option(help="Quantity ordered.")],
                promised: Annotated[str, typer.Option(help="The date the supplier promised, like 2026-03-01.")],
                db: Db = None, as_json: AsJson = False) -> None:
    """Add a line to a purchase order: a part, a quantity and the promised date."""
    request = parse(LineIn, as_json, part=part, quantity=quantity, promised_on=promised)

    def show(d):
        ln = d.lines[-1]
        say(f"{d.number} line {ln.line}: {ln.quantity:g} {ln.part}, promised {ln.promised_on}.")

    run(db, as_json, lambda s, actor: service.add_order_line(s, actor, po=po.strip(), part=request.part,
                                                             quantity=request.quantity,
                                                             promised_on=request.promised_on), show)


@po_app.command("list")
def po_list(supplier: Annotated[str | None, typer.Option(help="Only this supplier's.")] = None,
            status: Annotated[str | None, typer.Option(help="open, closed or cancelled.")] = None,
            db: Db = None, as_json: AsJson = False) -> None:
    """Purchase orders."""
    request = parse(OrderFilter, as_json, supplier=supplier, status=status)
    run(db, as_json, lambda s, actor: service.list_purchase_orders(s, actor, supplier=request.supplier,
                                                                   status=request.status),
        lambda rows: out.print(table("Purchase orders", ["PO", "Supplier", "Ordered", "Status", "Lines",
                                                         "Next promised"],
                                     [[r.number, r.supplier, r.ordered_on, r.status, r.lines, r.next_promised_on]
                                      for r in rows])), write=False)


@po_app.command("show")
def po_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """A purchase order, its lines and what was received against each."""
    def show(d):
        say(f"{d.number}  {d.supplier} ({d.supplier_name})  ordered {d.ordered_on}  {d.status}")
        for ln in d.lines:
            say(f"  line {ln.line}: {ln.quantity:g} {ln.part} promised {ln.promised_on} — "
                f"{ln.quantity_received:g} received, {ln.quantity_open:g} open ({ln.status})")
            for r in ln.receipts:
                say(f"    {r.received_on} lot {r.lot} ×{r.quantity:g} ({r.days_late:+d} d) {r.result}")

    run(db, as_json, lambda s, actor: service.purchase_order_detail(s, actor, number=number.strip()), show,
        write=False)


# ---------------------------------------------------------------- receiving and incoming inspection


def receive(po: str, line: int, quantity: Annotated[str, typer.Option(help="Quantity received.")],
            lot: Annotated[str | None, typer.Option(help="The lot number (lot-tracked parts).")] = None,
            serial: Serials = None,
            received_on: Day = None,
            revision: Annotated[str | None, typer.Option(help="The part revision received (default: the "
                                                              "released one).")] = None,
            packing_slip: Annotated[str | None, typer.Option(help="Packing slip number.")] = None,
            cert: Annotated[str | None, typer.Option(help="Certificate of conformance reference.")] = None,
            db: Db = None, as_json: AsJson = False) -> None:
    """Receive goods against line LINE of purchase order PO: material lots in quarantine."""
    request = parse(ReceiveRequest, as_json, quantity=quantity, lot=lot, serials=serial, received_on=received_on,
                    revision=revision, packing_slip=packing_slip, certificate=cert)

    def show(d):
        plan = d.inspection
        say(f"Received {d.quantity:g} of {d.part} rev {d.revision}"
            + (f" ({d.revision_status})" if d.revision_status != "released" else "")
            + f" against {d.po} line {d.line}: {', '.join(d.lots)} in quarantine. "
            f"Incoming inspection: inspect {plan.sample_size} of {plan.lot_size}"
            + (f" (AQL {plan.aql:g}, accept on {plan.accept}, reject on {plan.reject})."
               if plan.aql else " (100%, any defect rejects)."))

    run(db, as_json, lambda s, actor: service.receive(
        s, actor, po=po.strip(), line=line, quantity=request.quantity, lot_number=request.lot,
        serials=request.serials, received_on=request.received_on, packing_slip=request.packing_slip,
        certificate=request.certificate, revision=request.revision), show)


def inspect_receipt(lot: str, defects: Annotated[str, typer.Option(help="Defective units found in the sample.")],
                    note: Annotated[str | None, typer.Option(help="What was found.")] = None,
                    severity: Annotated[str, typer.Option(help="The NCR's severity if the lot is rejected.")] = "major",
                    defect_code: Annotated[str | None, typer.Option(help="The NCR's defect code if rejected.")] = None,
                    db: Db = None, as_json: AsJson = False) -> None:
    """Record incoming inspection of a received lot: accepted or rejected by the sampling plan."""
    request = parse(InspectRequest, as_json, defects=defects, note=note, severity=severity, defect_code=defect_code)

    def show(d):
        say(f"Lot {d.lot}: {d.defects_found} defective in {d.plan.sample_size} inspected (reject on {d.plan.reject})"
            f" — {d.result}." + (f" {d.ncr} raised against the supplier." if d.ncr else ""))

    run(db, as_json, lambda s, actor: service.inspect_receipt(
        s, actor, lot_number=lot.strip(), defects=request.defects, note=request.note, severity=request.severity,
        defect_code=request.defect_code), show)


def receipts(supplier: Annotated[str | None, typer.Option(help="Only this supplier's.")] = None,
             po: Annotated[str | None, typer.Option(help="Only against this purchase order.")] = None,
             result: Annotated[str | None, typer.Option(help="pending, accepted or rejected.")] = None,
             limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
             db: Db = None, as_json: AsJson = False) -> None:
    """Receipts, newest first (pending = waiting for incoming inspection)."""
    request = parse(ReceiptFilter, as_json, supplier=supplier, po=po, result=result, limit=limit)
    run(db, as_json, lambda s, actor: service.list_receipts(s, actor, supplier=request.supplier, po=request.po,
                                                            result=request.result, limit=request.limit),
        lambda rows: out.print(_receipt_table(rows, "Receipts")), write=False)


def _receipt_table(rows, title: str):
    return table(title, ["Lot", "Part", "Rev", "Supplier", "PO/line", "Qty", "Received", "Days late", "Result",
                         "Sample", "Defects"],
                 [[r.lot, r.part, r.revision, r.supplier, f"{r.po}/{r.line}", f"{r.quantity:g}", r.received_on, r.days_late,
                   r.result, r.sample_size, r.defects_found] for r in rows])
