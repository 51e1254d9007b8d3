"""`lrip suppliers …`, `lrip po …`, `lrip receive`, `lrip inspect-receipt`, `lrip receipts`:
suppliers and their scorecard, purchase orders, goods in and incoming inspection."""
from typing import Annotated

import typer

suppliers_app = typer.Typer(no_args_is_help=True, help="Suppliers, approved sources, incoming AQLs and scorecards.")
po_app = typer.Typer(no_args_is_help=True, help="Purchase orders and their lines.")

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                        help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
By = Annotated[str, typer.Option("--by", help="Who does this (a user name); default: your login.")]
Day = Annotated[str | None, typer.Option(help="A date, like 2026-03-01.")]


def register(app: typer.Typer) -> None:
    """Add `lrip suppliers`, `lrip po`, `lrip receive`, `lrip inspect-receipt` and `lrip receipts`."""
    app.add_typer(suppliers_app, name="suppliers")
    app.add_typer(po_app, name="po")
    app.command("receive")(receive)
    app.command("inspect-receipt")(inspect_receipt)
    app.command("receipts")(receipts)


def _by(by: str) -> str:
    from lrip.cli import _login

    return by or _login()


def _pct(x) -> str:
    return "" if x is None else f"{x:.0%}"


def _num(x, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f}"


# ---------------------------------------------------------------- suppliers


@suppliers_app.command("list")
def suppliers_list(db: Db = None, as_json: AsJson = False) -> None:
    """Every supplier, its status and the parts it is an approved source of."""
    from lrip.cli import _table, out, run
    from lrip.supply.service import list_suppliers

    run(db, as_json, list_suppliers, lambda rows: out.print(_table(
        "Suppliers", ["Code", "Name", "Status", "Approved for"],
        [[r["code"], r["name"], r["status"], ", ".join(r["approved_parts"])] for r in rows])))


@suppliers_app.command("add")
def suppliers_add(code: str, name: Annotated[str, typer.Option(help="The supplier's name.")],
                  status: Annotated[str, typer.Option(help="approved, conditional or disqualified.")] = "approved",
                  by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Add a supplier."""
    from lrip.cli import out, run
    from lrip.supply.service import create_supplier

    run(db, as_json, lambda s: (create_supplier(s, code=code, name=name, status=status, actor=_by(by)),
                                {"code": code, "name": name, "status": status})[1],
        lambda d: out.print(f"Supplier {code} ({name}) added, {status}."))


@suppliers_app.command("show")
def suppliers_show(code: str, db: Db = None, as_json: AsJson = False) -> None:
    """A supplier: approved parts, purchase orders, recent receipts, status history."""
    from lrip.cli import _table, out, run
    from lrip.supply.service import supplier_detail

    def show(d):
        out.print(f"{d['code']}  {d['name']}  {d['status']}  approved for: {', '.join(d['approved_parts']) or 'nothing'}")
        for h in d["status_history"]:
            out.print(f"  {h['at'][:10]} {h['actor']}: {h['before']} → {h['after']} — {h['reason']}", markup=False)
        out.print(_table("Purchase orders", ["PO", "Ordered", "Status", "Lines", "Next promised"],
                         [[p["number"], p["ordered_on"], p["status"], p["lines"], p["next_promised_on"]]
                          for p in d["purchase_orders"]]))
        out.print(_receipt_table(d["receipts"], "Recent receipts"))

    run(db, as_json, lambda s: supplier_detail(s, code), show)


@suppliers_app.command("status")
def suppliers_status(code: str, status: Annotated[str, typer.Argument(help="approved, conditional or disqualified")],
                     reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
                     by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Approve, make conditional or disqualify a supplier."""
    from lrip.cli import out, run
    from lrip.supply.service import set_supplier_status

    run(db, as_json, lambda s: set_supplier_status(s, supplier=code, status=status, reason=reason, actor=_by(by)), lambda d: out.print(f"Supplier {code}: {d['before']} → {status}."))


@suppliers_app.command("approve-source")
def suppliers_approve_source(part: str, supplier: str, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Add SUPPLIER to PART's approved sources."""
    from lrip.cli import out, run
    from lrip.supply.service import approve_source

    run(db, as_json, lambda s: (approve_source(s, part=part, supplier=supplier, actor=_by(by)),
                                {"part": part, "supplier": supplier})[1],
        lambda d: out.print(f"{supplier} is now an approved source of {part}."))


@suppliers_app.command("aql")
def suppliers_aql(aql: Annotated[float | None, typer.Option(help="Z1.4 AQL, e.g. 1.0; leave out to inspect 100%.")] = None,
                  part: Annotated[str | None, typer.Option(help="The part; leave out for the default.")] = None,
                  level: Annotated[str, typer.Option(help="Z1.4 inspection level.")] = "II",
                  by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Set the AQL incoming inspection samples a part (or every part) at."""
    from lrip.cli import out, run
    from lrip.supply.service import set_incoming_aql

    run(db, as_json, lambda s: (set_incoming_aql(s, aql=aql, part=part, level=level, actor=_by(by)),
                                {"part": part, "aql": aql, "level": level})[1],
        lambda d: out.print(f"Incoming inspection of {part or 'every part without its own AQL'}: "
                            + (f"AQL {aql:g}, level {level}." if aql is not None else "100%.")))


@suppliers_app.command("scorecard")
def suppliers_scorecard(since: Day = None, until: Day = None,
                        late_days: Annotated[int, typer.Option(help="Days after the promised date still on time.")] = 0,
                        early_days: Annotated[int | None, typer.Option(
                            help="Days before the promised date still on time (default: any).")] = None,
                        db: Db = None, as_json: AsJson = False) -> None:
    """Per supplier: on-time delivery, lead time, quantity accuracy, acceptance, PPM, open NCRs."""
    from lrip.cli import _table, out, run
    from lrip.supply.service import parse_date, scorecard

    def work(s):
        return scorecard(s, since=parse_date(since, "--since"), until=parse_date(until, "--until"),
                         early_days=early_days, late_days=late_days)

    run(db, as_json, work, lambda rows: out.print(_table(
        "Supplier scorecard" + (f" since {since}" if since else ""),
        ["Supplier", "Status", "Receipts", "On time", "Lead mean d", "Lead p90 d", "Spread d", "Qty accuracy",
         "Accepted", "PPM", "NCR qty", "Open NCRs"],
        [[r["supplier"], r["status"], r["receipts"], _pct(r["on_time_rate"]), _num(r["lead_time_mean_days"]),
          _num(r["lead_time_p90_days"]), _num(r["lead_time_spread_days"]), _pct(r["quantity_accuracy"]),
          _pct(r["acceptance_rate"]), _num(r["ppm"], 0), f"{r['ncr_quantity']:g}", r["open_ncrs"]] for r in rows])))


# ---------------------------------------------------------------- purchase orders


@po_app.command("create")
def po_create(number: str, supplier: Annotated[str, typer.Option(help="The supplier's code.")],
              ordered_on: Day = None, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Open a purchase order with a supplier (ordered today unless --ordered-on)."""
    from lrip.cli import out, run
    from lrip.db import utcnow
    from lrip.supply.service import create_purchase_order, parse_date

    def work(s):
        day = parse_date(ordered_on, "--ordered-on") or utcnow().date()
        create_purchase_order(s, number=number, supplier=supplier, ordered_on=day, actor=_by(by))
        return {"number": number, "supplier": supplier, "ordered_on": day.isoformat(), "status": "open"}

    run(db, as_json, work, lambda d: out.print(f"Purchase order {number} to {supplier}, ordered {d['ordered_on']}."))


@po_app.command("add-line")
def po_add_line(po: str, part: str, quantity: Annotated[float, typer.Option(help="Quantity ordered.")],
                promised: Annotated[str, typer.Option(help="The date the supplier promised, like 2026-03-01.")],
                by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Add a line to a purchase order: a part, a quantity and the promised date."""
    from lrip.cli import out, run
    from lrip.supply.service import add_order_line, parse_date

    def work(s):
        line = add_order_line(s, po=po, part=part, quantity=quantity, promised_on=parse_date(promised, "--promised"),
                              actor=_by(by))
        return {"po": po, "line": line.line_number, "part": part, "quantity": quantity, "promised_on": promised}

    run(db, as_json, work, lambda d: out.print(f"{po} line {d['line']}: {quantity:g} {part}, promised {promised}."))


@po_app.command("list")
def po_list(supplier: Annotated[str | None, typer.Option(help="Only this supplier's.")] = None,
            status: Annotated[str | None, typer.Option(help="open, closed or cancelled.")] = None,
            db: Db = None, as_json: AsJson = False) -> None:
    """Purchase orders."""
    from lrip.cli import _table, out, run
    from lrip.supply.service import list_purchase_orders

    run(db, as_json, lambda s: list_purchase_orders(s, supplier=supplier, status=status),
        lambda rows: out.print(_table("Purchase orders", ["PO", "Supplier", "Ordered", "Status", "Lines", "Next promised"],
                                      [[r["number"], r["supplier"], r["ordered_on"], r["status"], r["lines"],
                                        r["next_promised_on"]] for r in rows])))


@po_app.command("show")
def po_show(number: str, db: Db = None, as_json: AsJson = False) -> None:
    """A purchase order, its lines and what was received against each."""
    from lrip.cli import out, run
    from lrip.supply.service import purchase_order_detail

    def show(d):
        out.print(f"{d['number']}  {d['supplier']} ({d['supplier_name']})  ordered {d['ordered_on']}  {d['status']}")
        for ln in d["lines"]:
            out.print(f"  line {ln['line']}: {ln['quantity']:g} {ln['part']} promised {ln['promised_on']} — "
                      f"{ln['quantity_received']:g} received, {ln['quantity_open']:g} open ({ln['status']})")
            for r in ln["receipts"]:
                out.print(f"    {r['received_on']} lot {r['lot']} ×{r['quantity']:g} "
                          f"({r['days_late']:+d} d) {r['result']}", markup=False)

    run(db, as_json, lambda s: purchase_order_detail(s, number), show)


# ---------------------------------------------------------------- receiving and incoming inspection


def receive(po: str, line: int, quantity: Annotated[float, typer.Option(help="Quantity received.")],
            lot: Annotated[str | None, typer.Option(help="The lot number (lot-tracked parts).")] = None,
            serial: Annotated[list[str] | None, typer.Option("--serial", help="A serial (repeat, serialized parts).")] = None,
            received_on: Day = None,
            packing_slip: Annotated[str | None, typer.Option(help="Packing slip number.")] = None,
            cert: Annotated[str | None, typer.Option(help="Certificate of conformance reference.")] = None,
            by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Receive goods against line LINE of purchase order PO: material lots in quarantine."""
    from lrip.cli import out, run
    from lrip.supply.service import inspection_plan_for, parse_date
    from lrip.supply.service import receive as receive_goods

    def work(s):
        made = receive_goods(s, po=po, line=line, quantity=quantity, lot_number=lot, serials=serial,
                             received_on=parse_date(received_on, "--received-on"), packing_slip=packing_slip,
                             certificate=cert, actor=_by(by))
        lots = [r.material_lot.lot_number for r in made]
        return {"po": po, "line": line, "quantity": quantity, "lots": lots, "status": "quarantine",
                "inspection": inspection_plan_for(s, lots[0]).as_dict()}

    def show(d):
        plan = d["inspection"]
        out.print(f"Received {quantity:g} against {po} line {line}: {', '.join(d['lots'])} in quarantine. "
                  f"Incoming inspection: inspect {plan['sample_size']} of {plan['lot_size']}"
                  + (f" (AQL {plan['aql']:g}, accept on {plan['accept']}, reject on {plan['reject']})."
                     if plan["aql"] else " (100%, any defect rejects)."))

    run(db, as_json, work, show)


def inspect_receipt(lot: str, defects: Annotated[int, typer.Option(help="Defective units found in the sample.")],
                    note: Annotated[str | None, typer.Option(help="What was found.")] = None,
                    severity: Annotated[str, typer.Option(help="The NCR's severity if the lot is rejected.")] = "major",
                    defect_code: Annotated[str | None, typer.Option(help="The NCR's defect code if rejected.")] = None,
                    by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Record incoming inspection of a received lot: accepted or rejected by the sampling plan."""
    from lrip.cli import out, run
    from lrip.supply.service import inspect_receipt as inspect

    def show(d):
        plan = d["plan"]
        out.print(f"Lot {lot}: {defects} defective in {plan['sample_size']} inspected (reject on {plan['reject']}) — "
                  f"{d['result']}." + (f" {d['ncr']} raised against the supplier." if d["ncr"] else ""))

    run(db, as_json, lambda s: inspect(s, lot_number=lot, defects=defects, note=note, severity=severity,
                                       defect_code=defect_code, actor=_by(by)), show)


def receipts(supplier: Annotated[str | None, typer.Option(help="Only this supplier's.")] = None,
             po: Annotated[str | None, typer.Option(help="Only against this purchase order.")] = None,
             result: Annotated[str | None, typer.Option(help="pending, accepted or rejected.")] = None,
             limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
             db: Db = None, as_json: AsJson = False) -> None:
    """Receipts, newest first (pending = waiting for incoming inspection)."""
    from lrip.cli import out, run
    from lrip.supply.service import list_receipts

    run(db, as_json, lambda s: list_receipts(s, supplier=supplier, po=po, result=result, limit=limit),
        lambda rows: out.print(_receipt_table(rows, "Receipts")))


def _receipt_table(rows: list[dict], title: str):
    from lrip.cli import _table

    return _table(title, ["Lot", "Part", "Supplier", "PO/line", "Qty", "Received", "Days late", "Result",
                          "Sample", "Defects"],
                  [[r["lot"], r["part"], r["supplier"], f"{r['po']}/{r['line']}", f"{r['quantity']:g}",
                    r["received_on"], r["days_late"], r["result"], r["sample_size"], r["defects_found"]] for r in rows])
