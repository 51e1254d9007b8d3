"""Quality pages: the dashboard (yield by lot, DPU, defect Pareto, NCR aging), the list of a
program's characteristics with Cpk and status, one characteristic's control chart and
capability; and the suppliers: their scorecard and trends, and one supplier (its card, its NCRs,
its orders and receipts, and the form that changes its status). Each reads the services' answers
in one read-only unit of work and draws with quality.charts."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from lrip.db import unit_of_work
from lrip.errors import Invalid, LripError
from lrip.fields import parse
from lrip.nonconformance.ncr import list_ncrs
from lrip.program.service import list_programs
from lrip.quality import charts, service
from lrip.quality.scorecard import scorecard
from lrip.quality.schemas import ScorecardQuery
from lrip.supply import service as supply
from lrip.supply.rules import OrderStatus, ReceiptResult
from lrip.supply.schemas import SupplierStatusChange
from lrip.web.render import act, form_fields, render, status_code, whole

router = APIRouter(include_in_schema=False)
CHART_NAMES = {"imr": "Individuals and moving range", "xbar-r": "X̄ and R", "xbar-s": "X̄ and S",
               "p": "Fraction failed (p) by lot"}


def _refused(request: Request, exc: LripError, title: str = "Cannot show this"):
    return render(request, "message.html", {"title": title, "reasons": exc.reasons}, status=status_code(exc))


def _read(request: Request):
    return unit_of_work(request.app.state.database_url, write=False)


@router.get("/quality")
def quality_home(request: Request):
    """Straight to the program's quality dashboard when there is one program; else pick one."""
    with _read(request) as session:
        programs = list_programs(session, request.state.web_actor)
    if len(programs) == 1:
        return RedirectResponse(f"/programs/{quote(programs[0].code, safe='')}/quality", status_code=303)
    return render(request, "quality_index.html", {"programs": programs})


@router.get("/programs/{code}/quality")
def quality_dashboard(request: Request, code: str, phase: str | None = None):
    actor = request.state.web_actor
    with _read(request) as session:
        try:
            figures = service.dashboard(session, actor, program=code, phase=phase or None)
            key = service.characteristics_overview(session, actor, program=code, phase=phase or None, key_only=True)
            targets = service.program_targets(session, actor, program=code)
        except LripError as exc:
            return _refused(request, exc)
    by_lot = figures.by_lot
    lots = [g.group for g in by_lot.groups]
    drawn = {
        "yield": charts.yield_by_lot(lots, [g.fpy for g in by_lot.groups], [g.rty for g in by_lot.groups],
                                     title=f"{code}: first-pass yield and RTY by lot",
                                     rty_target=targets["rty"]) if lots else None,
        "dpu": charts.dpu_trend(lots, [g.dpu for g in by_lot.groups],
                                title=f"{code}: defects per unit by lot") if lots else None,
        "pareto": charts.defect_pareto([p.category for p in by_lot.pareto], [p.count for p in by_lot.pareto],
                                       title=f"{code}: defect Pareto") if by_lot.pareto else None,
        "aging": charts.ncr_aging([a.bucket for a in by_lot.ncr_aging], [a.count for a in by_lot.ncr_aging],
                                  title=f"{code}: open NCRs by age")
        if any(a.count for a in by_lot.ncr_aging) else None,
    }
    return render(request, "quality_dashboard.html", {"code": code, "phase": phase or "", "by_lot": by_lot,
                                                      "by_op": figures.by_operation, "charts": drawn,
                                                      "key_chars": key, "targets": targets})


@router.get("/programs/{code}/spc")
def characteristic_list(request: Request, code: str, phase: str | None = None):
    with _read(request) as session:
        try:
            rows = service.characteristics_overview(session, request.state.web_actor, program=code,
                                                    phase=phase or None)
        except LripError as exc:
            return _refused(request, exc)
    return render(request, "spc_list.html", {"code": code, "phase": phase or "", "rows": rows,
                                             "target": rows[0].cpk_target if rows else service.TARGETS["cpk"]})


@router.get("/programs/{code}/spc/{characteristic}")
def characteristic_chart(request: Request, code: str, characteristic: str, phase: str | None = None,
                         chart: str | None = None, rules: str = "nelson", baseline: str | None = None):
    form = {"phase": phase or "", "chart": chart or "", "rules": rules, "baseline": baseline or ""}
    with _read(request) as session:
        try:
            result = service.characteristic_spc(session, request.state.web_actor, program=code,
                                                characteristic=characteristic, phase=phase or None,
                                                chart=chart or None, rules=rules,
                                                baseline=whole(baseline, "the baseline")).model_dump()
            target = service.program_targets(session, request.state.web_actor, program=code)["cpk"]
        except LripError as exc:
            return _refused(request, exc)
    title = f"{code} {result['characteristic']}: {CHART_NAMES[result['chart']]} chart"
    control = charts.control_chart(result, title=title)
    cap = result["capability"]
    histogram = None
    if cap:
        values = result["values"] or result["points"]
        base = values[: result["baseline"] * (len(values) // len(result["points"]))]
        histogram = charts.capability_histogram(base, lsl=result["lsl"], usl=result["usl"],
                                                mean=sum(base) / len(base), sigma_within=cap["sigma_within"],
                                                sigma_overall=cap["sigma_overall"],
                                                title=f"{code} {result['characteristic']}: capability")
    flagged = {}
    for v in result["violations"]:
        flagged.setdefault(v["index"], []).append(v["rule"])
    violations = [{"index": i, "label": result["labels"][i], "point": result["points"][i], "rules": rules_hit}
                  for i, rules_hit in sorted(flagged.items())]
    return render(request, "spc_chart.html", {"code": code, "r": result, "control": control, "histogram": histogram,
                                              "violations": violations, "form": form, "chart_name":
                                              CHART_NAMES[result["chart"]], "target": target,
                                              "status": service.status_of(cap and cap["cpk"], len(violations),
                                                                          result["n_points"], target=target)})


# ---------------------------------------------------------------- suppliers


def _trend(card, code: str) -> str | None:
    periods = [p.model_dump() for p in card.periods]
    return charts.supplier_trend(periods, title=f"{code}: on-time delivery and PPM by month",
                                 target=service.TARGETS["on_time"]) if periods else None


@router.get("/suppliers")
def suppliers(request: Request, since: str = "", until: str = "", late_days: str = "0"):
    """Suppliers, the scorecard over the chosen window, and each supplier's trend."""
    actor = request.state.web_actor
    reasons = []
    try:
        window = parse(ScorecardQuery, since=since or None, until=until or None, late_days=late_days or 0)
    except Invalid as exc:
        reasons, window = exc.reasons, ScorecardQuery()
    with _read(request) as session:
        cards = scorecard(session, actor, **window.model_dump())
        rows = supply.list_suppliers(session, actor)
        pending = supply.list_receipts(session, actor, result=ReceiptResult.PENDING, limit=100)
        orders = supply.list_purchase_orders(session, actor, status=OrderStatus.OPEN)
    return render(request, "supply_suppliers.html", {
        "nav": "suppliers", "cards": cards, "charts": {c.supplier: _trend(c, c.supplier) for c in cards},
        "suppliers": {r.code: r for r in rows}, "pending": pending, "orders": orders, "since": since,
        "until": until, "late_days": late_days, "reasons": reasons, "targets": service.TARGETS},
        status=422 if reasons else 200)


def _supplier_page(request: Request, code: str, *, errors: list[str] | None = None, status: int = 200):
    actor = request.state.web_actor
    with _read(request) as session:
        try:
            detail = supply.supplier_detail(session, actor, code=code)
        except LripError as exc:
            return _refused(request, exc, "Not found")
        card = next(c for c in scorecard(session, actor) if c.supplier == detail.code)
        ncrs = list_ncrs(session, actor, supplier=detail.code).items
    return render(request, "supply_supplier.html", {
        "nav": "suppliers", "s": detail, "card": card, "chart": _trend(card, detail.code), "ncrs": ncrs,
        "errors": errors or [], "can": {"manage": actor.may("supply.manage")}, "targets": service.TARGETS}, status=status)


@router.get("/suppliers/{code}")
def supplier(request: Request, code: str):
    return _supplier_page(request, code)


@router.post("/suppliers/{code}/status")
async def supplier_status(request: Request, code: str):
    v = await form_fields(request)

    def work(session, actor) -> str:
        body = parse(SupplierStatusChange, status=v.get("status", ""), reason=v.get("reason", ""))
        row = supply.set_supplier_status(session, actor, supplier=code, status=body.status, reason=body.reason)
        return f"Supplier {row.code} is now {row.status}."

    return await run_in_threadpool(act, request, f"/suppliers/{quote(code, safe='')}", work,
                                   lambda reasons, status: _supplier_page(request, code, errors=reasons, status=status))
